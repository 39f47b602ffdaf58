"""The ``senpai`` command line: build and query the index, run the services."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot.settings import PROJECT_ROOT, Settings, SettingsError

if TYPE_CHECKING:
    from knowledge.corpus import Corpus
    from knowledge.evaluate import DevQuestion
    from knowledge.index import Index

DEFAULT_CLARIFY_MARGIN = Settings().clarify_margin


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as exc:
        raise SystemExit(f"senpai: configuration error: {exc}") from exc


def _export_onnx(settings: Settings) -> None:
    """Export the model to ONNX (checked against torch) if the ONNX backend needs it."""
    from knowledge.onnx import ensure_export, read_export_meta

    if settings.encoder_backend != "onnx":
        return
    directory, exported = ensure_export(settings.embedding_model, settings.onnx_dir, settings.torch_threads)
    if exported:
        meta = read_export_meta(directory) or {}
        print(
            f"Exported {settings.embedding_model} to ONNX at {directory} in {meta.get('export_s')} s "
            f"(max difference from torch {meta.get('checked_max_abs_diff', 0):.1e})"
        )


def cmd_build_index(args: argparse.Namespace) -> int:
    """Export the model if needed, validate the corpus and publish a fresh index, unless it is up to date."""
    from tqdm import tqdm

    from knowledge import (
        CorpusError,
        EncoderError,
        build_index,
        load_corpus,
        publish,
        read_meta,
    )
    from knowledge.index import IndexLoadError, current_dir

    settings = _settings()
    try:
        corpus = load_corpus(settings.corpus_dir)
    except CorpusError as exc:
        print(f"senpai build-index: corpus error: {exc}", file=sys.stderr)
        return 1
    try:
        _export_onnx(settings)
    except EncoderError as exc:
        print(f"senpai build-index: {exc}", file=sys.stderr)
        return 1
    fingerprint = corpus.fingerprint()
    adapter = settings.adapter_config()
    if not args.force:
        try:
            meta = read_meta(current_dir(settings.index_dir))
        except IndexLoadError:
            meta = {}
        wanted = None if adapter is None else adapter.to_dict()
        if (
            meta.get("corpus_hash") == fingerprint
            and meta.get("model") == settings.embedding_model
            and meta.get("adapter") == wanted
        ):
            print(f"Index is up to date ({len(corpus)} passages, model {settings.embedding_model}).")
            return 0
    try:
        encoder = settings.open_encoder()
    except EncoderError as exc:
        print(f"senpai build-index: {exc}", file=sys.stderr)
        return 1
    bar = tqdm(total=0, unit="text", desc="Embedding", disable=args.quiet)

    def progress(done: int, total: int) -> None:
        bar.total = total
        bar.n = done
        bar.refresh()

    index = build_index(
        corpus.passages,
        encoder,
        topics=corpus.topics,
        progress=progress,
        adapter=adapter,
    )
    bar.close()
    target = publish(index, settings.index_dir)
    print(f"Built index of {len(index)} passages ({index.vectors} vectors) at {target}")
    return 0


def _published_index(settings: Settings, command: str) -> Index | None:
    """Load the published index, or print why it cannot be loaded and return ``None``."""
    from knowledge import EncoderError, Index, IndexLoadError, current_dir

    try:
        encoder = settings.open_encoder()
        return Index.load(current_dir(settings.index_dir), encoder, lexical_weight=settings.lexical_weight)
    except (IndexLoadError, EncoderError) as exc:
        print(f"senpai {command}: {exc}", file=sys.stderr)
        return None


def cmd_search(args: argparse.Namespace) -> int:
    """Print the best passages for a question."""
    from actions.reply import citation_dicts
    from knowledge.corpus import source_labels

    settings = _settings()
    index = _published_index(settings, "search")
    if index is None:
        return 1
    hits = index.search(args.question, args.k, topic=args.topic, audience=args.role)
    if args.json:
        rows = [
            {
                "rank": h.rank,
                "score": h.score,
                "similarity": h.similarity,
                "topic": h.topic,
                "text": h.passage.text,
                "citations": citation_dicts([h.passage]),
            }
            for h in hits
        ]
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    threshold = settings.answer_threshold
    for h in hits:
        flag = "" if h.similarity >= threshold else "  (below answer threshold)"
        print(f"{h.rank}. [{h.score:.3f}] {h.passage.title}  ({h.id}, {h.topic}){flag}")
        print(f"   {h.passage.text[:200]}{'...' if len(h.passage.text) > 200 else ''}")
        print(f"   Source: {'; '.join(source_labels([h.passage]))}")
    return 0


def _clip(text: str | None, width: int = 80) -> str | None:
    return text if text is None or len(text) <= width else text[: width - 3] + "..."


def cmd_check_scope(args: argparse.Namespace) -> int:
    """Report passage questions the not-covered topics would refuse, and examples a passage would answer."""
    from knowledge.decide import Policy
    from knowledge.scope_check import check_scope

    settings = _settings()
    index = _published_index(settings, "check-scope")
    if index is None:
        return 1
    report = check_scope(index, Policy(threshold=settings.answer_threshold))
    if args.json:
        print(json.dumps(dataclasses.asdict(report), indent=2, ensure_ascii=False))
    else:
        print(
            f"{len(report.refused)} of {report.questions} passage questions would be refused "
            "if a user typed them (each searched without itself):"
        )
        for c in report.refused:
            why = f"closer to '{c.rival}': {c.nearest!r}" if c.rival else "below the answer threshold"
            print(f"  {c.lead:+.3f}  {c.owner}: {c.text!r}")
            print(f"          {why}")
        print(
            f"{len(report.answered)} of {report.examples} not-covered examples would be answered "
            "from a passage without themselves:"
        )
        for c in report.answered:
            print(f"  {c.lead:+.3f}  {c.owner}: {c.text!r}")
            print(f"          answered from '{c.rival}': {_clip(c.nearest)!r}")
        if report.refused or report.answered:
            print(
                "A refused question: reword or remove the not-covered example it is closest to. "
                "An answered example: if the passages cover it, remove it; if not, add examples near it. "
                "Then `make build-index`."
            )
    return 1 if args.strict and report.refused else 0


def cmd_eval(args: argparse.Namespace) -> int:
    """Compare dense, BM25 and hybrid retrieval on the development set and write a report."""
    from knowledge import CorpusError, EncoderError, build_index, load_corpus
    from knowledge import evaluate as ev
    from knowledge.decide import SCOPE_MARGIN

    settings = _settings()
    try:
        corpus = load_corpus(settings.corpus_dir)
        questions = ev.load_devset(args.devset, {p.id for p in corpus.passages})
        encoder = None if args.stack else settings.open_encoder()
    except (CorpusError, EncoderError, ValueError, OSError) as exc:
        print(f"senpai eval: {exc}", file=sys.stderr)
        return 1
    if args.stack:
        return _eval_stack(args, corpus, questions)
    assert encoder is not None
    plain = build_index(corpus.passages, encoder, topics=corpus.topics)
    adapter = settings.adapter_config()
    index = plain if adapter is None else plain.with_adapter(adapter)  # the same vectors, embedded once
    index.search("warm-up", 1)
    retrievers: list[ev.Retriever] = [
        ev.IndexRetriever(index, 0.0),
        ev.LexicalRetriever(index),
        *(ev.IndexRetriever(index, w) for w in (0.35, 0.5, 0.65)),
    ]
    if index is not plain:  # what the adapter gains, side by side
        retrievers += [
            ev.IndexRetriever(plain, 0.0, " without adapter"),
            ev.IndexRetriever(plain, settings.lexical_weight, " without adapter"),
        ]
    results, failures = [], {}
    for retriever in retrievers:
        records = ev.run(retriever, questions)
        result = ev.score(retriever.name, records, args.clarify_margin)
        results.append(result)
        failures[retriever.name] = ev.failures(records, result.threshold)
    chosen = max(results, key=lambda r: (r.answer_accuracy, r.mrr)).retriever
    # The bot as it runs: the configured weight and thresholds, not calibrated on this set.
    # On a held-out set this is the honest figure.
    bot = ev.IndexRetriever(index, settings.lexical_weight)
    records = ev.run(bot, questions)
    configured = ev.score(
        "configured bot",
        records,
        args.clarify_margin,
        threshold=settings.answer_threshold,
        scope_margin=SCOPE_MARGIN,
    )
    results.append(configured)
    failures[configured.retriever] = ev.failures(records, configured.threshold)
    print(
        f"{len(questions)} questions ({sum(not q.out_of_scope for q in questions)} in scope); "
        f"model {settings.embedding_model}; clarify margin {args.clarify_margin}"
    )
    print(ev.table(results))
    print(f"Best on answer accuracy: {chosen}")
    if args.show_failures:
        for name, rows in failures.items():
            print(f"\n{name}: questions it gets wrong (first {len(rows)})")
            for row in rows:
                print(f"  {row['top']:.3f} {row['q']!r}: expected {row['expected']}, got {row['got']}")
    out = dict(ev.report(results, questions, chosen), failures=failures)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"Wrote {args.out}")
    return 0


def _eval_stack(args: argparse.Namespace, corpus: Corpus, questions: list[DevQuestion]) -> int:
    """Run the development set through a running stack's /api/chat."""
    import asyncio

    import aiohttp

    from bot.e2e_eval import run_through_stack, summarise

    try:
        outcomes = asyncio.run(run_through_stack(args.stack, questions, corpus))
    except aiohttp.ClientError as exc:
        print(f"senpai eval: cannot reach {args.stack}: {exc}", file=sys.stderr)
        return 1
    summary = summarise(outcomes)
    for key, value in summary.items():
        print(f"{key:>18}: {value:.3f}" if isinstance(value, float) else f"{key:>18}: {value}")
    wrong = [
        {
            "q": o.question.q,
            "expected": list(o.question.relevant) or "out_of_scope",
            "kind": o.kind,
            "cited": o.cited,
        }
        for o in outcomes
        if (o.question.out_of_scope and o.kind not in ("fallback", "smalltalk"))
        or (not o.question.out_of_scope and not (set(o.cited) | set(o.choices)) & set(o.question.relevant))
    ]
    out = args.out.with_name("report-stack.json") if args.out.name == "report.json" else args.out
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"summary": summary, "wrong": wrong}, indent=2, ensure_ascii=False) + "\n")
    print(f"Wrote {out}")
    return 0


def cmd_loadtest(args: argparse.Namespace) -> int:
    """Drive /api/chat with many simulated users and count lost messages."""
    import asyncio
    import os
    import secrets
    import tempfile
    import time as clock

    from bot import loadtest
    from bot.harness import LocalStack, StackError

    database_url: str | None = None
    sqlite_path: Path | None = None
    stack: LocalStack | None = None
    url = args.url
    if url is None:
        env = {
            "SENPAI_PROFILE": args.profile,
            # Every simulated user comes from this one address, faster than any person types.
            "SENPAI_RATE_IP_PER_MIN": "1000000",
            "SENPAI_RATE_SENDER_PER_MIN": "100000",
            "SENPAI_RASA_REPLICAS": str(len(Settings.from_env().rasa_urls)),  # as configured (default 2)
        }
        if args.profile == "production":
            try:
                database_url, redis_url = _production_services()
            except RuntimeError as exc:
                print(f"senpai loadtest: {exc}", file=sys.stderr)
                return 2
            env.update({"DATABASE_URL": database_url, "REDIS_URL": redis_url})
            env.setdefault(
                "SENPAI_SENDER_SECRET", os.environ.get("SENPAI_SENDER_SECRET") or secrets.token_hex(32)
            )
        data_dir = Path(tempfile.mkdtemp(prefix="senpai-load-"))
        print(f"Starting a {args.profile} stack in {data_dir} ...", flush=True)
        try:
            stack = LocalStack.start(data_dir, env)
        except StackError as exc:
            print(f"senpai loadtest: {exc}", file=sys.stderr)
            return 1
        url = stack.url
        sqlite_path = None if database_url else data_dir / "tracker.db"
    else:
        database_url = args.database_url
        sqlite_path = args.tracker_db
    try:
        print(f"{args.users} users x {args.messages} messages against {url} ...", flush=True)
        start = clock.perf_counter()
        outcomes, senders = asyncio.run(loadtest.drive(url, args.users, args.messages))
        wall = clock.perf_counter() - start
        report = loadtest.summarise(args.profile, args.users, args.messages, outcomes, wall)
        if sqlite_path is not None or database_url is not None:
            report.stored = loadtest.count_user_events(
                senders, sqlite_path=sqlite_path, database_url=database_url
            )
            report.lost = report.sent - report.stored
    finally:
        if stack is not None:
            stack.stop()
    print(report.table())
    out = args.out if args.out.suffix else args.out / f"loadtest-{args.profile}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report.as_dict(), indent=2) + "\n", encoding="utf-8")
    print(f"Wrote {out}")
    return 0 if report.errors == 0 and not report.lost else 1


def cmd_bench(args: argparse.Namespace) -> int:
    """Measure Senpai against the floor of each step; print the table and write bench/latest.json."""
    from bot.benchmarks import report
    from bot.harness import StackError

    try:
        figures = report.measure(args.quick)
    except StackError as exc:
        print(f"senpai bench: {exc}", file=sys.stderr)
        return 1
    print(report.table(figures))
    report.write(figures, args.out)
    print(f"Wrote {args.out}")
    return 0


def _production_services() -> tuple[str, str]:
    """DATABASE_URL and REDIS_URL from the environment, or a fresh database on the local PostgreSQL."""
    import os

    database = os.environ.get("DATABASE_URL")
    redis = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/13"
    if database:
        return database, redis
    import psycopg

    admin = "postgresql://root@127.0.0.1:5432/postgres"
    name = "senpai_loadtest"
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=3) as db:
            db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            db.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        raise RuntimeError(
            f"no DATABASE_URL and cannot create a database on the local PostgreSQL ({exc})"
        ) from exc
    return admin.rsplit("/", 1)[0] + f"/{name}", redis


def cmd_up(args: argparse.Namespace) -> int:
    """Run the action server, Rasa and the gateway under one supervisor."""
    from bot.supervisor import run

    return run(_settings())


def cmd_migrate(args: argparse.Namespace) -> int:
    """Move stored conversations to their channel's namespace (``senpai up`` does this at start)."""
    import asyncio

    from bot.migrations import migrate_slack_conversations

    print(asyncio.run(migrate_slack_conversations(_settings())) or "nothing to move")
    return 0


def cmd_actions(args: argparse.Namespace) -> int:
    """Run the action server alone."""
    from actions.server import main

    return main()


def cmd_gateway(args: argparse.Namespace) -> int:
    """Run the gateway alone."""
    from bot.app import main

    main()
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser for ``senpai``."""
    parser = argparse.ArgumentParser(prog="senpai", description="Senpai, the JET ALT orientation assistant.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("build-index", help="validate the corpus and build the knowledge index")
    p.add_argument("--force", action="store_true", help="rebuild even if the index is up to date")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_build_index)

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
    p.add_argument("--strict", action="store_true", help="exit 1 if any passage question would be refused")
    p.set_defaults(func=cmd_check_scope)

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
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("loadtest", help="many simulated users on /api/chat; errors, latency, lost messages")
    p.add_argument("--users", type=int, default=50, help="concurrent simulated users (default 50)")
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
    p.add_argument("--out", type=Path, default=PROJECT_ROOT / "bench" / "latest.json")
    p.set_defaults(func=cmd_bench)

    sub.add_parser("up", help="run the whole assistant (actions, Rasa, gateway)").set_defaults(func=cmd_up)
    sub.add_parser(
        "migrate", help="move conversations stored under bare Slack user ids to slack:TEAM:USER"
    ).set_defaults(func=cmd_migrate)
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
