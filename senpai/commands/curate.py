"""``senpai curate``: the organisers' changes to the knowledge, from a terminal.

``list`` shows them; ``attach``, ``not-covered``, ``ignore`` and ``draft`` make
one (checked exactly as the YAML is, conflicts shown first, then rebuilt and
published); ``undo`` takes one back; ``export`` writes the live ones into the
YAML in the repository, ready to review and commit.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
import time
from pathlib import Path
from typing import Any

from senpai.commands.common import settings_from_env


def add_parser(sub: Any) -> None:
    """Register ``senpai curate`` and its subcommands."""
    curate = sub.add_parser(
        "curate", help="organisers' changes: attach, not-covered, ignore, draft, undo, export"
    )
    curate.add_argument("--who", default=None, help="who makes the change (default: your login name)")
    verbs = curate.add_subparsers(dest="verb", required=True)
    verbs.add_parser("list", help="every change, with who, what, when and its state")
    p = verbs.add_parser("attach", help="add questions to a passage's example questions")
    p.add_argument("passage", help="the passage id")
    p.add_argument("questions", nargs="+")
    p.add_argument("--yes", action="store_true", help="make the change despite scope conflicts")
    p = verbs.add_parser("not-covered", help="add questions to a not-covered topic")
    p.add_argument("topic", help="the not-covered topic id")
    p.add_argument("questions", nargs="+")
    p.add_argument("--yes", action="store_true", help="make the change despite scope conflicts")
    p = verbs.add_parser("ignore", help="take questions off the missed list")
    p.add_argument("questions", nargs="+")
    p = verbs.add_parser(
        "draft", help="add a new passage (and maybe a new not-covered topic) from a YAML file"
    )
    p.add_argument("file", type=Path, help="a YAML mapping: 'questions' and 'passage' (its fields)")
    p.add_argument("--yes", action="store_true", help="make the change despite scope conflicts")
    p = verbs.add_parser("undo", help="take a live change back out")
    p.add_argument("id", type=int)
    verbs.add_parser("export", help="write the live changes into the YAML in the repository")
    verbs.add_parser("rebuild", help="rebuild and publish the index from the YAML plus the live changes")
    curate.set_defaults(func=cmd_curate)


def _change(args: argparse.Namespace) -> dict[str, Any]:
    if args.verb == "attach":
        return {"kind": "attach", "passage": args.passage, "questions": args.questions}
    if args.verb == "not-covered":
        return {"kind": "not_covered", "topic": args.topic, "questions": args.questions}
    if args.verb == "ignore":
        return {"kind": "ignore", "questions": args.questions}
    import yaml

    data = yaml.safe_load(args.file.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{args.file}: expected a mapping with 'questions' and 'passage'")
    return {"kind": "draft", **data}


def cmd_curate(args: argparse.Namespace) -> int:
    """Run one ``senpai curate`` subcommand."""
    from knowledge import CorpusError
    from knowledge.content.curation import CurationError
    from organisers.curation.curator import Curator
    from organisers.curation.store import CurationStore

    settings = settings_from_env()
    curator = Curator(settings, CurationStore.of(settings), settle_in_background=False)
    who = args.who or getpass.getuser()
    if args.verb == "list":
        for r in curator.store.changes(limit=1_000_000):
            when = time.strftime("%Y-%m-%d %H:%M", time.gmtime(r.created_at))
            target = r.data.get("passage") or r.data.get("topic") or ""
            if isinstance(target, dict):
                target = target.get("id", "")
            print(f"{r.id:>4}  {when}  {r.state:<8}  {r.kind:<11} {target:<32} {r.who}")
            print(f"      {json.dumps(r.data.get('questions', []), ensure_ascii=False)}")
        return 0
    if args.verb == "export":
        try:
            written = curator.export(who)
        except (CurationError, CorpusError) as exc:
            print(f"senpai curate export: {exc}; nothing was written", file=sys.stderr)
            return 1
        for path in written:
            print(f"wrote {path}")
        print(f"{len(written)} file(s) changed; review them with `git diff`, then commit.")
        return 0
    if args.verb == "rebuild":
        print(f"Rebuilt and published in {curator.rebuild():.1f} s")
        return 0
    if args.verb == "undo":
        outcome = curator.undo(args.id, who)
    else:
        try:
            change = _change(args)
        except (OSError, ValueError) as exc:
            print(f"senpai curate {args.verb}: {exc}", file=sys.stderr)
            return 2
        outcome = curator.propose(change, who, confirm=getattr(args, "yes", False))
    stream = sys.stdout if outcome.ok else sys.stderr
    print(outcome.message, file=stream)
    for conflict in outcome.conflicts:
        print(f"  - {conflict}", file=stream)
    if outcome.status == 409:
        print("Run it again with --yes to make the change anyway.", file=stream)
    if outcome.build_s is not None:
        print(f"Rebuilt and published in {outcome.build_s:.1f} s.")
    return 0 if outcome.ok else 1
