"""The organisers' insights page at ``/admin/``: signed-in, read from the tracker store, no inline script.

Off unless ``SENPAI_ADMIN_TOKEN`` is set (then ``/admin/`` answers 404).
:mod:`bot.admin.auth` signs organisers in (a session cookie, CSRF tokens,
failed sign-ins rate-limited), :mod:`bot.admin.views` renders the pages and
exports from :mod:`bot.insights`, with Jinja2 templates in ``templates/``.

May import: ``settings`` and ``knowledge`` (part of the gateway, ``bot``).
"""
