"""The ``senpai`` command line: its parser and entry point (the commands are in :mod:`senpai.commands`)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from senpai.commands import curate, insights, orientation_report
from senpai.commands.evaluate import cmd_eval
from senpai.commands.knowledge import (
    cmd_build_index,
    cmd_check_scope,
    cmd_check_verbatim,
    cmd_search,
    cmd_tune_encoder,
)
from senpai.commands.measure import cmd_bench, cmd_loadtest
from senpai.commands.run import cmd_actions, cmd_forget, cmd_gateway, cmd_migrate, cmd_up
from settings import PROJECT_ROOT, Settings
from settings.model import DEFAULT_MODEL

DEFAULT_CLARIFY_MARGIN = Settings().clarify_margin


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser for ``senpai``."""
    parser = argparse.ArgumentParser(prog="senpai", description="Senpai, the JET ALT orientation assistant.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("build-index", help="validate the corpus and build the knowledge index")
    p.add_argument("--force", action="store_true", help="rebuild even if the index is up to date")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--no-cache", action="store_true", help="encode every text again (a cold build)")
    p.set_defaults(func=cmd_build_index)

    p = sub.add_parser(
        "tune-encoder", help="fine-tune the English model on the corpus's own questions (minutes)"
    )
    p.add_argument(
        "--out",
        type=Path,
        help="directory for the tuned model (default: the one served, under SENPAI_DATA_DIR)",
    )
    p.add_argument(
        "--base", default=DEFAULT_MODEL, help=f"the model to tune (default {DEFAULT_MODEL}, packaged)"
    )
    p.add_argument("--epochs", type=int, help="passes over the questions (default 3)")
    p.add_argument("--seed", type=int, help="seed of the shuffles and of torch (default 3)")
    p.set_defaults(func=cmd_tune_encoder)

    p = sub.add_parser("search", help="search the knowledge index")
    p.add_argument("question")
    p.add_argument("-k", type=int, default=3, help="number of hits (default 3)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--topic", help="topic hint (soft prior)")
    p.add_argument("--role", choices=["alt", "jte"], help="audience preference")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser(
        "check-scope", help="find passage questions the not-covered topics would refuse, and the reverse"
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 if a not-covered topic would refuse a passage or fact question",
    )
    p.add_argument(
        "--facts",
        type=Path,
        default=PROJECT_ROOT / "eval" / "facts.yaml",
        help="also report the fact inventory's questions the not-covered topics would refuse",
    )
    p.set_defaults(func=cmd_check_scope)

    p = sub.add_parser(
        "check-verbatim",
        help="find runs of 9+ words copied from the studies (or with --sources, from web pages)",
    )
    p.add_argument(
        "files",
        nargs="*",
        type=Path,
        help="files to check (default: corpus, NLU data, eval sets; with --sources, eval/real-*.yaml)",
    )
    p.add_argument(
        "--sources",
        type=Path,
        metavar="DIR",
        help="instead, the pages the real-style sets paraphrase (.txt, kept outside the repository): "
        "no run of 6 words or 12 Japanese characters in common",
    )
    p.add_argument(
        "--papers",
        type=Path,
        default=PROJECT_ROOT.parent / "shared" / "seeds",
        help="folder of the papers as .txt",
    )
    p.set_defaults(func=cmd_check_verbatim)

    p = sub.add_parser("eval", help="measure retrieval on the development set (dense, BM25, hybrid)")
    p.add_argument("--devset", type=Path, default=PROJECT_ROOT / "eval" / "devset.yaml")
    p.add_argument("--out", type=Path, default=PROJECT_ROOT / "eval" / "report.json")
    p.add_argument("--clarify-margin", type=float, default=DEFAULT_CLARIFY_MARGIN)
    p.add_argument(
        "--show-failures", action="store_true", help="list the questions each retriever gets wrong"
    )
    p.add_argument(
        "--stack", metavar="URL", help="instead, ask every question through a running gateway's /api/chat"
    )
    p.add_argument(
        "--conversations",
        nargs="?",
        const=PROJECT_ROOT / "eval" / "conversations.yaml",
        type=Path,
        metavar="PATH",
        help="run the multi-turn conversations (default eval/conversations.yaml), last turn scored",
    )
    p.add_argument(
        "--facts",
        nargs="?",
        const=PROJECT_ROOT / "eval" / "facts.yaml",
        type=Path,
        metavar="PATH",
        help="ask the fact inventory (default eval/facts.yaml) and check each answer text for its fact",
    )
    p.add_argument(
        "--real",
        nargs="*",
        type=Path,
        metavar="PATH",
        help="messages as people really write them (default: the development sets eval/real-en.yaml "
        "and eval/real-ja.yaml; eval/real-heldout.yaml is held out), by language and property",
    )
    p.add_argument(
        "--comparisons",
        action="store_true",
        help="questions that compare the two studies (eval/comparisons.yaml): a passage of each?",
    )
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("loadtest", help="many simulated users on /api/chat; errors, latency, lost messages")
    p.add_argument(
        "--scenario",
        choices=["steady", "orientation"],
        default="steady",
        help="steady: every user at once, no pauses; orientation: 300 ALTs arriving within a minute, "
        "3 questions each with thinking time, 1 in 5 following up",
    )
    p.add_argument(
        "--users", type=int, default=None, help="simulated users (default 50; 300 for orientation)"
    )
    p.add_argument("--messages", type=int, default=10, help="messages per user (default 10)")
    p.add_argument(
        "--profile",
        choices=["embedded", "production"],
        default="embedded",
        help="profile of the stack it starts (production: DATABASE_URL, REDIS_URL or the local services)",
    )
    p.add_argument("--url", help="drive a running gateway instead of starting a stack")
    p.add_argument(
        "--tracker-db", type=Path, help="with --url: the SQLite tracker store to count messages in"
    )
    p.add_argument("--database-url", help="with --url: the PostgreSQL tracker store to count messages in")
    p.add_argument("--out", type=Path, default=PROJECT_ROOT / "bench", help="report file or directory")
    p.set_defaults(func=cmd_loadtest)

    p = sub.add_parser("bench", help="performance against the floor of each step (writes bench/latest.json)")
    p.add_argument("--quick", action="store_true", help="fewer trials, no 5,000-turn memory run")
    p.add_argument(
        "--insights",
        action="store_true",
        help="the insights page on 100,000 messages (writes bench/insights.json)",
    )
    p.add_argument("--out", type=Path, default=PROJECT_ROOT / "bench" / "latest.json")
    p.set_defaults(func=cmd_bench)

    sub.add_parser("up", help="run the whole assistant (actions, Rasa, gateway)").set_defaults(func=cmd_up)
    sub.add_parser(
        "migrate", help="move conversations stored under bare Slack user ids to slack:TEAM:USER"
    ).set_defaults(func=cmd_migrate)
    forget = sub.add_parser(
        "forget", help="delete one conversation's messages and ratings (privacy requests)"
    )
    forget.add_argument(
        "who", help="the widget's sender id (w1...) or a stored id (web:..., slack:TEAM:USER)"
    )
    forget.set_defaults(func=cmd_forget)
    insights.add_parser(sub)
    orientation_report.add_parser(sub)
    curate.add_parser(sub)
    sub.add_parser("actions", help="run the action server").set_defaults(func=cmd_actions)
    sub.add_parser("gateway", help="run the gateway").set_defaults(func=cmd_gateway)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``senpai`` command."""
    args = build_parser().parse_args(argv)
    if getattr(args, "k", 1) < 1:
        print("senpai: -k must be at least 1", file=sys.stderr)
        return 2
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
