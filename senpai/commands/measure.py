"""Commands that measure Senpai: ``eval``, ``loadtest`` and ``bench``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from senpai.commands.common import settings_from_env
from settings import Settings

if TYPE_CHECKING:
    from knowledge.corpus import Corpus
    from knowledge.evaluate import DevQuestion


def cmd_eval(args: argparse.Namespace) -> int:
    """Compare dense, BM25 and hybrid retrieval on the development set and write a report."""
    from knowledge import CorpusError, EncoderError, build_index, load_corpus
    from knowledge import evaluate as ev
    from knowledge.decide import SCOPE_MARGIN

    settings = settings_from_env()
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

    from senpai.e2e_eval import run_through_stack, summarise

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

    from senpai import loadtest
    from senpai.harness import LocalStack, StackError

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
    from senpai.benchmarks import report
    from senpai.harness import StackError

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
