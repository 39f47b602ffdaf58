"""Organisers' changes to the knowledge: where they are kept, and how they reach the running bot.

:mod:`organisers.curation.store` records every change with who made it and when (a
SQLite file in the data directory, or PostgreSQL in production), and its state:
live, undone, failed or exported. :mod:`organisers.curation.curator` applies a change:
it checks it with :mod:`knowledge.content.curation` (exactly as the YAML is checked),
shows its conflicts with the not-covered topics, records it, rebuilds the index
from the YAML plus the live changes (only new texts are embedded) and
publishes it, one change at a time; the action server picks the build up.

May import: ``settings`` and ``knowledge`` (part of the gateway, ``bot``).
"""
