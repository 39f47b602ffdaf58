"""Senpai's custom Rasa actions, one small module per concern.

- :mod:`actions.answer`: answer a question from the knowledge index.
- :mod:`actions.follow_up`: "tell me more".
- :mod:`actions.source`: "where is that from?".
- :mod:`actions.compose` and :mod:`actions.reply`: what to say.
- :mod:`actions.channels` and :mod:`actions.slack`: how to send it on each channel.
- :mod:`actions.server`: the action server's entry point.
"""
