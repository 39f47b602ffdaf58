"""The evaluations ``senpai eval`` runs: the bot's own turn offline, or through a running stack.

Each module is one kind of set: real-style messages (:mod:`.real`), facts
(:mod:`.facts`), multi-turn conversations (:mod:`.conversations`), and
questions sent to a stack's chat API (:mod:`.e2e`). :mod:`.configured` builds the
index and thresholds the bot runs with, from the corpus as it is now.
"""
