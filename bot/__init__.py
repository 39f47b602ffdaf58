"""Senpai's gateway (aiohttp): the widget, the chat API and the Slack webhook.

- :mod:`bot.app`: ``create_app(settings)``, the factory; :mod:`bot.keys`: its typed keys.
- :mod:`bot.routes` and :mod:`bot.views`: the URL map and the handlers.
- :mod:`bot.schemas`: request validation; :mod:`bot.sender_keys`: who owns which conversation.
- :mod:`bot.rasa`: talking to the Rasa replicas, and shaping their replies.
- :mod:`bot.slack_events`: verifying and deduplicating Slack's requests.
- :mod:`bot.feedback`, :mod:`bot.prefetch`, :mod:`bot.ratelimit`, :mod:`bot.middlewares`.
- :mod:`bot.admin`: the organisers' pages, over the services in :mod:`organisers`.
- ``bot/static``: the widget and the demo page.

May import :mod:`contracts`, :mod:`organisers`, :mod:`settings` and :mod:`knowledge`;
never the action server (``actions``) or the tools (``senpai``). ``python -m bot``
runs it alone.
"""
