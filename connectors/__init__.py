"""Code that runs inside Rasa's own Python 3.10 environment.

- :mod:`connectors.launch`: ``python -m connectors.launch run ...`` starts
  Rasa with Senpai's fault-tolerance settings (a bounded action-server
  time-out, the API token taken from the environment).
- :mod:`connectors.slack`: Rasa's Slack channel, made channel-aware.

Nothing here imports the rest of Senpai: Rasa's environment has only Rasa.
"""
