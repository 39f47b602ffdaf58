"""The organisers' insights page at ``/admin/``: signed-in, read from the tracker store, no inline script.

Off unless ``SENPAI_ADMIN_TOKEN`` is set (then ``/admin/`` answers 404).
:mod:`bot.admin.auth` signs organisers in (a session cookie, CSRF tokens,
failed sign-ins rate-limited); :mod:`bot.admin.site` builds the sub-application;
:mod:`bot.admin.insight_pages` renders the insights pages and exports from
:mod:`organisers.insights`, and :mod:`bot.admin.changes` the fix form, the change
history and the JSON API; both share :mod:`bot.admin.pages`. Jinja2
templates are in ``templates/``.

May import: ``settings`` and ``knowledge`` (part of the gateway, ``bot``).
"""
