"""The organisers' insights: what newcomers ask, what Senpai could not answer, and how it was received.

Read straight from Rasa's tracker store (the ``events`` table) and the
feedback table, on SQLite or PostgreSQL, with aggregate SQL where it can and
no copy of the data: :mod:`organisers.insights.queries` runs the queries,
:mod:`organisers.insights.overview` shapes the overview, :mod:`organisers.insights.missed`
clusters the questions Senpai fell back on, and :mod:`organisers.insights.export`
writes Markdown, CSV (formula-safe) and JSON. ``senpai insights`` and the
gateway's admin page both use it.

May import: ``settings`` and ``knowledge`` (part of the gateway, ``bot``).
"""
