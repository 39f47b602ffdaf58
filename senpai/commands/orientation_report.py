"""``senpai report``: the orientation report of a date range, for the next orientation's planning."""

from __future__ import annotations

import argparse
import sys

from senpai.commands.common import settings_from_env
from senpai.commands.insights import add_date_range, date_range


def cmd_report(args: argparse.Namespace) -> int:
    """Print the report of a range and cohort as Markdown, CSV, JSON or a printable HTML page."""
    from bot.sender_keys import load_secret
    from organisers.insights.queries import names_key, pseudonym
    from organisers.report.assemble import report
    from organisers.report.cohort import Cohort
    from organisers.report.render import FORMATS

    settings = settings_from_env()
    chosen = date_range(args, "report")
    if chosen is None:
        return 2
    since, until = chosen
    key = names_key(load_secret(settings.sender_secret, settings.data_dir))
    found = report(
        settings,
        since,
        until,
        Cohort(args.channel or "", args.role or "", args.lang or ""),
        lang=args.labels,
        quotes=not args.no_quotes,
        name=lambda sender: pseudonym(sender, key),
    )
    sys.stdout.write(FORMATS[args.format](found).rstrip("\n") + "\n")
    return 0


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``senpai report``."""
    p = sub.add_parser(
        "report", help="the orientation report: what a cohort asked by theme, and sessions to plan"
    )
    add_date_range(p)
    p.add_argument("--role", choices=("alt", "jte"), help="only conversations that said this role")
    p.add_argument("--channel", choices=("web", "slack"), help="only this channel")
    p.add_argument("--lang", choices=("en", "ja"), help="only questions answered in this language")
    p.add_argument("--labels", choices=("en", "ja"), default="en", help="the report's own language")
    p.add_argument("--no-quotes", action="store_true", help="quote no question")
    p.add_argument("--format", choices=("md", "csv", "json", "html"), default="md")
    p.set_defaults(func=cmd_report)
