"""``senpai eval``: retrieval on the question sets, the fact inventory, and multi-turn conversations."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from senpai.commands.common import settings_from_env
from senpai.evaluation.configured import bot_index
from settings import Settings

if TYPE_CHECKING:
    from knowledge.content.corpus import Corpus
    from knowledge.encoders.base import Encoder
    from knowledge.evaluation.recall import DevQuestion, Result, Retriever
    from knowledge.search.index import Index


def cmd_eval(args: argparse.Namespace) -> int:
    """Compare dense, BM25 and hybrid retrieval on the development set and write a report."""
    from knowledge import CorpusError, EncoderError, build_index, load_corpus
    from knowledge.encoders.e5 import E5_MODEL
    from knowledge.evaluation import recall as ev

    settings = settings_from_env()
    if args.facts is not None:
        return _eval_facts(args, settings)
    if args.conversations is not None:
        return _eval_conversations(args, settings)
    if args.comparisons:
        args.real = args.real or []
    if args.real is not None:
        from senpai.evaluation import real as real_eval

        out = args.out if args.out.name != "report.json" else args.out.with_name("report-real.json")
        paths = args.real or list(real_eval.DEVELOPMENT)
        return real_eval.command(
            settings, paths, args.stack, out, args.show_failures, comparisons=args.comparisons
        )
    try:
        corpus = load_corpus(settings.corpus_dir, settings.not_covered_file)
        questions = ev.load_devset(args.devset, {p.id for p in corpus.passages})
        from knowledge.encoders.factory import open_configured

        encoder = None if args.stack else open_configured(settings)
    except (CorpusError, EncoderError, ValueError, OSError) as exc:
        print(f"senpai eval: {exc}", file=sys.stderr)
        return 1
    if args.stack:
        return _eval_stack(args, corpus, questions)
    assert encoder is not None
    japanese = _is_japanese(questions)
    from knowledge.encoders.factory import open_japanese, open_second

    ja_encoder = open_japanese(settings)
    plain = build_index(
        corpus.passages,
        encoder,
        topics=corpus.topics,
        japanese=ja_encoder,
        cache_dir=settings.embedding_cache_dir,
        second=open_second(settings),
    )
    from knowledge.search.adapter import configured_adapter

    adapter = configured_adapter(settings)
    index = plain if adapter is None else plain.with_adapter(adapter)  # the same vectors, embedded once
    index.search("warm-up", 1)
    retrievers = (
        _japanese_retrievers(plain, encoder, corpus)
        if japanese
        else _english_retrievers(plain, index, settings)
    )
    results, failures = [], {}
    for retriever in retrievers:
        records = ev.run(retriever, questions)
        result = ev.score(retriever.name, records, args.clarify_margin)
        results.append(result)
        failures[retriever.name] = ev.failures(records, result.threshold)
    chosen = max(results, key=lambda r: (r.answer_accuracy, r.mrr)).retriever
    # The bot as it runs: the configured weight and thresholds, not calibrated on this set.
    # On a held-out set this is the honest figure.
    # With the not-covered topics and the bot's own policy, as `decide` runs in the bot.
    served, policy = bot_index(settings, corpus)
    bot = ev.IndexRetriever(served, settings.lexical_weight)
    records = ev.run(bot, questions)
    bot_policy = policy.japanese if japanese and policy.japanese is not None else policy
    configured = ev.configured("configured bot", records, bot_policy)
    results.append(configured)
    failures[configured.retriever] = ev.failures(records, configured.threshold)
    model = f"{E5_MODEL} (Japanese index)" if japanese else settings.embedding_model
    print(
        f"{len(questions)} questions ({sum(not q.out_of_scope for q in questions)} in scope); "
        f"model {model}; clarify margin {args.clarify_margin}"
    )
    print(_table(results))
    print(f"Best on answer accuracy: {chosen}")
    if args.show_failures:
        for name, rows in failures.items():
            print(f"\n{name}: questions it gets wrong (first {len(rows)})")
            for row in rows:
                print(f"  {row['top']:.3f} {row['q']!r}: expected {row['expected']}, got {row['got']}")
    out = dict(_report(results, questions, chosen), failures=failures)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"Wrote {args.out}")
    return 0


def _is_japanese(questions: list[DevQuestion]) -> bool:
    """Whether a question set is in Japanese (most of its questions are)."""
    from knowledge.text.language import detect

    return sum(detect(q.q) == "ja" for q in questions) * 2 > len(questions)


def _english_retrievers(plain: Index, index: Index, settings: Settings) -> list[Retriever]:
    """Dense, BM25 and hybrids over the English views, with and without the adapter."""
    from knowledge.evaluation import recall as ev

    retrievers: list[Retriever] = [
        ev.IndexRetriever(index, 0.0),
        ev.LexicalRetriever(index),
        *(ev.IndexRetriever(index, w) for w in (0.35, 0.5, 0.65)),
    ]
    if index is not plain:  # what the adapter gains, side by side
        retrievers += [
            ev.IndexRetriever(plain, 0.0, " without adapter"),
            ev.IndexRetriever(plain, settings.lexical_weight, " without adapter"),
        ]
    return retrievers


def _japanese_retrievers(plain: Index, encoder: Encoder, corpus: Corpus) -> list[Retriever]:
    """The Japanese routes side by side: e5, Sudachi BM25, their hybrids, an adapter, and MiniLM."""
    from knowledge import build_index
    from knowledge.evaluation import recall as ev
    from knowledge.search.adapter import AdapterConfig

    ja = plain.japanese
    assert ja is not None
    minilm = build_index(corpus.passages, encoder, topics=corpus.topics, lang="ja")
    fitted = ja.with_adapter(AdapterConfig())
    return [
        ev.IndexRetriever(minilm, 0.0, " MiniLM (ja views)"),
        ev.IndexRetriever(ja, 0.0, " e5"),
        ev.LexicalRetriever(ja),
        *(ev.IndexRetriever(ja, w, " e5") for w in (0.2, 0.3, 0.5)),
        ev.IndexRetriever(fitted, 0.3, " e5 + adapter"),
    ]


def _eval_facts(args: argparse.Namespace, settings: Settings) -> int:
    """Ask every question of the fact inventory and check the answer text for the fact."""
    import asyncio

    import aiohttp

    from knowledge import CorpusError, EncoderError, load_corpus
    from knowledge.evaluation import facts as fx
    from senpai.evaluation import fact_turns as fact_eval

    try:
        corpus = load_corpus(settings.corpus_dir, settings.not_covered_file)
        facts = fx.load_facts(args.facts, {p.id: p.text for p in corpus.passages})
        if args.stack:
            asked = asyncio.run(fact_eval.ask_stack(args.stack, facts))
        else:
            index, policy = bot_index(settings, corpus)
            asked = fact_eval.ask_offline(index, policy, facts)
    except (CorpusError, EncoderError, ValueError, OSError, aiohttp.ClientError) as exc:
        print(f"senpai eval --facts: {exc}", file=sys.stderr)
        return 1
    report = fx.score(asked)
    print(f"{'through ' + args.stack if args.stack else 'offline, through decide()'}: {args.facts}")
    print(fx.table(report))
    for row in report.misses:
        why = row["refused"] or row["kind"]
        got = ", ".join(row["cited"]) or "-"
        print(f"  miss {row['fact']}: {row['q']!r} -> {why} ({got})")
        print(f"       wanted /{row['pattern']}/ from {', '.join(row['expected'])}")
    out = args.out.with_name("report-facts-stack.json" if args.stack else "report-facts.json")
    if args.out.name != "report.json":
        out = args.out
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(dataclasses.asdict(report), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    print(f"Wrote {out}")
    return 0


def _eval_stack(args: argparse.Namespace, corpus: Corpus, questions: list[DevQuestion]) -> int:
    """Run the development set through a running stack's /api/chat."""
    import asyncio

    import aiohttp

    from senpai.evaluation.e2e import run_through_stack, summarise

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


def _eval_conversations(args: argparse.Namespace, settings: Settings) -> int:
    """Run the multi-turn conversations: every follow-up strategy offline, or the stack end to end."""
    import asyncio

    import aiohttp

    from knowledge import CorpusError, EncoderError, load_corpus
    from knowledge.evaluation import conversations as cv
    from knowledge.search.context import Studies
    from knowledge.text.routing import Router
    from senpai.evaluation import conversation_turns as ce
    from settings import PROJECT_ROOT

    router = Router.from_nlu(PROJECT_ROOT / "data" / "nlu")
    try:
        corpus = load_corpus(settings.corpus_dir, settings.not_covered_file)
        titles = {p.title: p.id for p in corpus.passages}
        conversations = cv.load_conversations(args.conversations, titles.values())
        if args.stack:
            reports = {"stack": cv.score(asyncio.run(ce.run_stack(args.stack, conversations, titles)))}
            fresh = cv.score(asyncio.run(ce.run_stack(args.stack, ce.alone(conversations), titles)))
        else:
            index, policy = bot_index(settings, corpus)
            studies = Studies.from_sources(settings.corpus_dir / "sources.yaml")
            reports = {
                strategy: cv.score(ce.run_offline(index, router, policy, conversations, strategy, studies))
                for strategy in ("alone", "rewrite", "prior", "both")
            }
            fresh = cv.score(ce.run_offline(index, router, policy, ce.alone(conversations), "both", studies))
    except (CorpusError, EncoderError, ValueError, OSError, aiohttp.ClientError) as exc:
        print(f"senpai eval --conversations: {exc}", file=sys.stderr)
        return 1
    print(f"{len(conversations)} conversations from {args.conversations}; accuracy of the last turn:")
    families = [f for f in cv.FAMILIES if f in next(iter(reports.values())).by_family]
    print(
        f"{'strategy':<10}" + "".join(f"{f:>18}" for f in families) + f"{'context':>10}{'all':>8}{'cited':>7}"
    )
    for name, report in reports.items():
        cells = "".join(
            f"{report.by_family[f]['accuracy']:>12.3f} ({int(report.by_family[f]['n']):>3})" for f in families
        )
        print(
            f"{name:<10}{cells}{report.context_accuracy:>10.3f}{report.accuracy:>8.3f}{report.cited_unasked:>7}"
        )
    switch = fresh.by_family.get("topic-switch")
    if switch:
        print(f"topic switches asked in a fresh conversation: {switch['accuracy']:.3f}")
    chosen = reports.get("stack") or reports["both"]
    for row in chosen.wrong:
        print(
            f"  wrong {row['id']} ({row['family']}): {row['turns'][-1]!r} -> {row['got']} {row['passages']}"
        )
        print(f"        wanted {row['expect']}")
    if not args.stack:
        for label, (given, asked) in _smalltalk_on_off_topic(router, args.devset).items():
            listed = "; ".join(given) or "none"
            print(f"small talk given to {label}: {len(given)} of {asked} ({listed})")
    out = (
        args.out
        if args.out.name != "report.json"
        else args.out.with_name(
            "report-conversations-stack.json" if args.stack else "report-conversations.json"
        )
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    data = {name: dataclasses.asdict(r) for name, r in reports.items()} | {"fresh": dataclasses.asdict(fresh)}
    out.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"Wrote {out}")
    return 0


def _smalltalk_on_off_topic(router: object, devset: Path) -> dict[str, tuple[list[str], int]]:
    """Which off-topic questions get small talk: eval/offtopic.yaml's, and the sets' out-of-scope ones."""
    import yaml

    from knowledge.text.routing import Router

    assert isinstance(router, Router)
    sets = {
        "the new off-topic questions (eval/offtopic.yaml)": [
            q["q"] for q in yaml.safe_load((devset.parent / "offtopic.yaml").read_text())["questions"]
        ]
    }
    for path in (devset, devset.parent / "heldout.yaml"):
        data = yaml.safe_load(path.read_text())
        items = data.get("questions", data) if isinstance(data, dict) else data
        sets[f"the out-of-scope questions of {path.name}"] = [q["q"] for q in items if q.get("out_of_scope")]
    return {label: ([q for q in qs if router.route(q) == "smalltalk"], len(qs)) for label, qs in sets.items()}


def _report(results: Sequence[Result], questions: Sequence[DevQuestion], chosen: str) -> dict[str, Any]:
    """Return the JSON report."""
    return {
        "devset": {
            "questions": len(questions),
            "in_scope": sum(1 for q in questions if not q.out_of_scope),
            "out_of_scope": sum(1 for q in questions if q.out_of_scope),
        },
        "chosen": chosen,
        "results": [dataclasses.asdict(r) for r in results],
    }


def _table(results: Sequence[Result]) -> str:
    """Return a plain-text comparison table."""
    head = (
        f"{'retriever':<32}{'R@1':>7}{'R@3':>7}{'MRR':>7}{'thresh':>8}{'margin':>8}{'OOS P':>7}{'OOS R':>7}"
        f"{'clarify':>9}{'acc':>7}{'p50 ms':>8}{'p95 ms':>8}"
    )
    rows = [head, "-" * len(head)]
    for r in results:
        margin = "-" if r.scope_margin is None else f"{r.scope_margin:.3f}"
        rows.append(
            f"{r.retriever:<32}{r.recall_at_1:>7.3f}{r.recall_at_3:>7.3f}{r.mrr:>7.3f}{r.threshold:>8.3f}"
            f"{margin:>8}{r.oos_precision:>7.3f}{r.oos_recall:>7.3f}{r.clarify_rate:>9.3f}"
            f"{r.answer_accuracy:>7.3f}{r.latency_ms_p50:>8.1f}{r.latency_ms_p95:>8.1f}"
        )
    return "\n".join(rows)
