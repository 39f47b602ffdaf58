"""The tools that operate Senpai: the ``senpai`` command and what it runs.

- :mod:`senpai.cli` and :mod:`senpai.commands`: the command line.
- :mod:`senpai.supervisor` and :mod:`senpai.children`: ``senpai up``, which starts the
  action server, the Rasa replicas and the gateway and looks after them.
- :mod:`senpai.migrations`: one-off changes to stored conversations.
- :mod:`senpai.harness`: a whole stack on free local ports, for tests, the load test and the bench.
- :mod:`senpai.evaluation`: the evaluations ``senpai eval`` runs.
- :mod:`senpai.loadtest` and :mod:`senpai.benchmarks`: measuring it.

May import everything below it: the gateway (``bot``), the action server
(``actions``), the organisers' services (:mod:`organisers`), :mod:`contracts`,
:mod:`settings` and :mod:`knowledge`. Nothing imports this package
but the tests.
"""
