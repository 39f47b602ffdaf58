"""``senpai insights``: what newcomers asked and what Senpai could not answer, for a terminal."""

from __future__ import annotations

import argparse
import sys
import time

from senpai.commands.common import settings_from_env


def parse_day(text: str) -> float:
    """A ``YYYY-MM-DD`` date as the Unix time of its start (UTC), for argparse.

    Raises:
        argparse.ArgumentTypeError: If it is not such a date.
    """
    from organisers.insights.queries import day_start

    try:
        return day_start(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-30") from exc


def date_range(args: argparse.Namespace, command: str) -> tuple[float, float] | None:
    """``--since`` and ``--until`` (its day included) as Unix times; ``None``, said why, if out of order."""
    from organisers.insights.queries import DAY_S

    until = args.until + DAY_S if args.until is not None else time.time()
    since = args.since if args.since is not None else until - 30 * DAY_S
    if since >= until:
        print(f"senpai {command}: --since must come before --until", file=sys.stderr)
        return None
    return since, until


def add_date_range(p: argparse.ArgumentParser) -> None:
    """Add ``--since`` and ``--until``, as :func:`date_range` reads them."""
    p.add_argument("--since", type=parse_day, help="first day, YYYY-MM-DD (default: 30 days before --until)")
    p.add_argument("--until", type=parse_day, help="last day, YYYY-MM-DD, included (default: now)")


def cmd_insights(args: argparse.Namespace) -> int:
    """Print the overview and the missed-question clusters of a date range."""
    from knowledge import load_corpus
    from organisers.insights import export
    from organisers.insights.missed import cluster
    from organisers.insights.overview import missed, overview
    from organisers.insights.queries import Store

    settings = settings_from_env()
    chosen = date_range(args, "insights")
    if chosen is None:
        return 2
    since, until = chosen
    store = Store.of(settings)
    topic_of = {p.id: p.topic for p in load_corpus(settings.corpus_dir).passages}
    view = overview(store, since, until, topic_of)
    questions = missed(store, since, until)
    from knowledge.encoders.factory import open_batch

    clusters = cluster(questions, open_batch(settings)) if questions else []
    if args.format == "json":
        print(export.as_json(view, clusters))
    elif args.format == "csv":
        sys.stdout.write(export.to_csv(export.CLUSTER_HEADER, export.cluster_rows(clusters)))
    else:
        sys.stdout.write(export.markdown(view, clusters))
    return 0


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``senpai insights``."""
    p = sub.add_parser("insights", help="what newcomers asked and what Senpai missed (Markdown, CSV or JSON)")
    add_date_range(p)
    p.add_argument(
        "--format",
        choices=("md", "csv", "json"),
        default="md",
        help="md: the overview and the clusters; csv: the missed-question clusters; json: everything",
    )
    p.set_defaults(func=cmd_insights)
