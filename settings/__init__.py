"""Settings shared by every Senpai process: the gateway, the action server and the tools.

- :mod:`settings.values`: typed readers of environment variables, each failing with the variable named.
- :mod:`settings.model`: :class:`Settings`, the one object every process builds with
  :meth:`Settings.from_env`, and the constants every process agrees on.

May import: nothing of Senpai's. Settings read the environment and nothing else; what
they configure is built by factories beside it (``knowledge.encoders.factory``,
``knowledge.search.decide.configured_policy``). The gateway (``bot``), the action
server (``actions``) and the tools (``senpai``) import this package, never the reverse.
"""

from settings.model import (
    ACTION_TOKEN_HEADER,
    DEFAULT_RASA_REPLICAS,
    PROJECT_ROOT,
    Settings,
    rasa_replica_names,
)
from settings.values import PROFILES, Profile, ServiceURL, SettingsError

__all__ = [
    "ACTION_TOKEN_HEADER",
    "DEFAULT_RASA_REPLICAS",
    "PROFILES",
    "PROJECT_ROOT",
    "Profile",
    "ServiceURL",
    "Settings",
    "SettingsError",
    "rasa_replica_names",
]
