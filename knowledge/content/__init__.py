"""The curated content: passages, their schema and Japanese side, topics not covered, and changes.

Organisers' changes are applied to the YAML as a reviewer would write them. The
YAML itself lives beside this package, in ``knowledge/corpus/`` and
``knowledge/scope/``.
"""
