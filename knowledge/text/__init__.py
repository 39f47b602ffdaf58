"""Reading what users write: its language, its words (English and Japanese), clean-up, routing.

Every pattern over user text is compiled by :mod:`knowledge.text.patterns`
(RE2, linear time).
"""
