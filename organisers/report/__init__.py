"""The orientation report: what a cohort asked, by theme, against what the study found ALTs want.

- :mod:`organisers.report.themes`: the five themes and which passage or
  not-covered topic falls under each (``knowledge/scope/themes.yaml``).
- :mod:`organisers.report.refinements`: an organiser's refinements of the
  themes and the quoted questions they hid, recorded like curation changes.
- :mod:`organisers.report.cohort`: every question of a range, with its theme.
- :mod:`organisers.report.tally`: the figures, the small-cell rule and the suggested sessions.
- :mod:`organisers.report.render`: JSON, CSV, Markdown and printable HTML.
- :mod:`organisers.report.assemble`: all of it for a range and a cohort, as the
  admin page and ``senpai report`` ask for it.
"""
