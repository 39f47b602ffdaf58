"""The contracts between Senpai's processes, each defined once.

- :mod:`contracts.reply`: the payload the action server attaches to every bot
  message, which the gateway, the insights and the tests read.
- :mod:`contracts.senders`: the conversation ids of each channel (``web:…``,
  ``slack:TEAM:USER``) in Rasa's tracker store.
- :mod:`contracts.stores`: opening the SQLite file or PostgreSQL database a
  store lives in.
- :mod:`contracts.builds`: the knowledge index builds every host shares.
- :mod:`contracts.metrics`: every Prometheus metric each process exposes.
- :mod:`contracts.logs`: request ids across the processes, and the log line shape.

Standard library only, so that every process can import it, Rasa's own
(``connectors``, Python 3.10) included. May import nothing else of Senpai's.
"""
