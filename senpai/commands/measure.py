"""Commands that measure Senpai's performance: ``loadtest`` and ``bench``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from settings import Settings

if TYPE_CHECKING:
    pass


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
        report: Any
        if args.scenario == "orientation":
            from senpai import orientation

            scenario = orientation.Scenario(users=args.users or orientation.Scenario.users)
            print(f"An orientation hall: {scenario.users} users against {url} ...", flush=True)
            turns, senders, wall = asyncio.run(orientation.drive(url, scenario))
            report = orientation.summarise(scenario, turns, wall)
        else:
            users = args.users or 50
            print(f"{users} users x {args.messages} messages against {url} ...", flush=True)
            start = clock.perf_counter()
            outcomes, senders = asyncio.run(loadtest.drive(url, users, args.messages))
            wall = clock.perf_counter() - start
            report = loadtest.summarise(args.profile, users, args.messages, outcomes, wall)
        if sqlite_path is not None or database_url is not None:
            report.stored = loadtest.count_user_events(
                senders, sqlite_path=sqlite_path, database_url=database_url
            )
            report.lost = report.sent - report.stored
    finally:
        if stack is not None:
            stack.stop()
    print(report.table())
    name = "orientation" if args.scenario == "orientation" else "loadtest"
    out = args.out if args.out.suffix else args.out / f"{name}-{args.profile}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report.as_dict(), indent=2) + "\n", encoding="utf-8")
    print(f"Wrote {out}")
    return 0 if report.errors == 0 and not report.lost else 1


def cmd_bench(args: argparse.Namespace) -> int:
    """Measure Senpai against the floor of each step; print the table and write bench/latest.json."""
    from senpai.benchmarks import report
    from senpai.harness import StackError

    if args.insights:
        return _bench_insights(args)
    try:
        figures = report.measure(args.quick)
    except StackError as exc:
        print(f"senpai bench: {exc}", file=sys.stderr)
        return 1
    print(report.table(figures))
    report.write(figures, args.out)
    print(f"Wrote {args.out}")
    return 0


def _bench_insights(args: argparse.Namespace) -> int:
    """``senpai bench --insights``: the insights on 100,000 messages, on SQLite and PostgreSQL."""
    import json

    from senpai.benchmarks import insights_store
    from senpai.benchmarks.report import machine

    settings = Settings.from_env()
    from knowledge.encoders.factory import open_batch

    encoders = open_batch(settings)
    figures = insights_store.measure(encoders, "postgresql://root@127.0.0.1:5432/postgres", args.quick)
    figures["machine"] = machine()
    out = args.out.with_name("insights.json") if args.out.name == "latest.json" else args.out
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(figures, indent=2))
    print(f"Wrote {out}")
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
