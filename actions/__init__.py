"""Senpai's action server (rasa-sdk): the custom Rasa actions, one small module per concern.

- :mod:`actions.respond` and :mod:`actions.reading`: every turn reads the message in a
  worker thread, routes it, and runs within a time budget.
- :mod:`actions.answer`: answer a question from the knowledge index.
- :mod:`actions.follow_up`: "tell me more".
- :mod:`actions.source`: "where is that from?".
- :mod:`actions.compose` and :mod:`actions.messages`: what to say.
- :mod:`actions.channels` and :mod:`actions.slack_blocks`: how to send it on each channel.
- :mod:`actions.stated_role` and :mod:`actions.role`: who the user says they are.
- :mod:`actions.runtime` and :mod:`actions.reload`: the loaded index, and picking up a rebuilt one.
- :mod:`actions.server`: the action server's entry point (``python -m actions``).

May import :mod:`settings` and :mod:`knowledge`; never the gateway (``bot``)
or the tools (``senpai``).
"""
