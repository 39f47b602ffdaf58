"""Code that runs inside Rasa's own Python 3.10 environment.

- :mod:`connectors.launch`: ``python -m connectors.launch run ...`` starts
  Rasa with Senpai's fault-tolerance settings (a bounded action-server
  time-out, the API token taken from the environment).
- :mod:`connectors.slack`: Rasa's Slack channel, configured from the environment,
  with Slack conversations in their own namespace.
- :mod:`connectors.locks`: an atomic Redis lock store for several Rasa replicas.
- :mod:`connectors.sentence_features`: the NLU's count-vector featurizer, making
  only the sentence features its classifier reads.
- :mod:`connectors.turn_context`: each turn's request id in Rasa's logs and tracker, and
  the REST channel the gateway calls.

May import only Rasa, its dependencies and :mod:`contracts` (standard library
only), never the rest of Senpai: Rasa's environment has only Rasa.
"""
