"""The organisers' services: what the admin pages and the ``senpai`` command both use.

- :mod:`organisers.curation`: organisers' changes to the knowledge, recorded,
  built and published one at a time.
- :mod:`organisers.insights`: what newcomers asked, what Senpai missed, and
  how answers were rated, read straight from the stores.
- :mod:`organisers.privacy`: the retention period and forgetting one person.

The gateway (``bot``) serves these as pages; it does not own them, and the
command line never goes through the gateway to reach them.

May import: ``contracts``, ``settings`` and ``knowledge``. Never ``bot``,
``actions`` or ``senpai``.
"""
