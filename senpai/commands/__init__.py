"""The ``senpai`` subcommands, one module per kind of work (see :mod:`senpai.cli`)."""
