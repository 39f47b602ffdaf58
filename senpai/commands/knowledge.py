"""Commands on the knowledge index: ``build-index``, ``tune-encoder``, ``search`` and ``check-scope``."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from senpai.commands.common import published_index, settings_from_env
from settings import Settings
from settings.model import DEFAULT_MODEL

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from knowledge import Corpus
    from senpai.verbatim import Papers


def _export_onnx(settings: Settings) -> None:
    """Export the model to ONNX (checked against torch) if the ONNX backend needs it."""
    from knowledge.encoders.onnx import ensure_export, read_export_meta

    if settings.encoder_backend != "onnx":
        return
    directory, exported = ensure_export(settings.embedding_model, settings.onnx_dir, settings.torch_threads)
    if exported:
        meta = read_export_meta(directory) or {}
        print(
            f"Exported {settings.embedding_model} to ONNX at {directory} in {meta.get('export_s')} s "
            f"(max difference from torch {meta.get('checked_max_abs_diff', 0):.1e})"
        )


def curated(settings: Settings) -> Corpus:
    """The YAML plus the organisers' live changes (the curation store), validated as the YAML is.

    Raises:
        CorpusError: If the YAML, or a change on it, is invalid.
        CurationError: If a live change no longer applies.
    """
    from organisers.curation.curator import Curator
    from organisers.curation.store import CurationStore

    return Curator(settings, CurationStore.of(settings)).corpus()


def curated_or_say(settings: Settings, command: str) -> Corpus | None:
    """The curated corpus, or ``None`` after printing why it is invalid (the command then exits 1)."""
    from knowledge import CorpusError

    try:
        return curated(settings)
    except (CorpusError, ValueError) as exc:
        print(f"senpai {command}: corpus error: {exc}", file=sys.stderr)
        return None


def cmd_build_index(args: argparse.Namespace) -> int:
    """Export the model if needed, validate the corpus and publish a fresh index, unless it is up to date."""
    from tqdm import tqdm

    from knowledge import EncoderError
    from knowledge.encoders.base import weights_fingerprint
    from knowledge.store.files import IndexLoadError, current_dir, is_current, read_meta

    settings = settings_from_env()
    corpus = curated_or_say(settings, "build-index")
    if corpus is None:
        return 1
    if settings.serves_tuned_default and not settings.tuned_model_dir.is_dir():
        print(f"The encoder configured is MiniLM tuned on the corpus: making {settings.tuned_model_dir}")
        code = tune(settings, corpus, DEFAULT_MODEL, settings.tuned_model_dir, "build-index")
        if code:
            return code
    try:
        _export_onnx(settings)
    except EncoderError as exc:
        print(f"senpai build-index: {exc}", file=sys.stderr)
        return 1
    fingerprint = corpus.fingerprint()
    from knowledge.search.adapter import configured_adapter

    adapter = configured_adapter(settings)
    if not args.force:
        try:
            meta = read_meta(current_dir(settings.index_dir))
        except IndexLoadError:
            meta = {}
        wanted = None if adapter is None else adapter.to_dict()
        weights = weights_fingerprint(settings.embedding_model)  # a model tuned again is built again
        from knowledge.encoders.factory import second_model

        if is_current(meta, fingerprint, settings.embedding_model, wanted, weights, second_model(settings)):
            print(f"Index is up to date ({len(corpus)} passages, model {settings.embedding_model}).")
            return _share_if_first(settings)
    from organisers.curation.curator import build_for
    from organisers.curation.publishing import publish_build

    try:
        from knowledge.encoders.factory import open_batch

        batch = open_batch(settings)  # every core: a build is no chat turn
    except EncoderError as exc:
        print(f"senpai build-index: {exc}", file=sys.stderr)
        return 1
    bar = tqdm(total=0, unit="text", desc="Embedding", disable=args.quiet)

    def progress(done: int, total: int) -> None:
        bar.total = total
        bar.n = done
        bar.refresh()

    index = build_for(settings, corpus, batch, progress=progress, cache=not args.no_cache)
    bar.close()
    target = publish_build(settings, index)
    ja = f", and {index.japanese.vectors} Japanese vectors" if index.japanese is not None else ""
    print(f"Built index of {len(index)} passages ({index.vectors} vectors{ja}) at {target}")
    return 0


def tune(settings: Settings, corpus: Corpus, base: str, out: Path, command: str, **changes: int) -> int:
    """Tune ``base`` on the corpus into ``out`` and say what was done; the command's exit status.

    Args:
        settings: The settings (threads).
        corpus: The curated corpus.
        base: The model to tune.
        out: Where to save the tuned model.
        command: The command's name, for its errors.
        changes: ``epochs`` or ``seed`` other than :class:`TuningConfig`'s.

    Returns:
        0, or 2 on bad settings (nothing saved), or 1 if the model can't be loaded.
    """
    from knowledge import EncoderError
    from knowledge.encoders.tuning import TuningConfig, tune_encoder

    try:
        config = dataclasses.replace(TuningConfig(), **changes)
        print(f"Tuning {base} on {len(corpus)} passages ({config.epochs} epochs; minutes, once)...")
        report = tune_encoder(base, corpus, out, config, settings.torch_threads)
    except ValueError as exc:
        print(f"senpai {command}: {exc}", file=sys.stderr)
        return 2
    except EncoderError as exc:
        print(f"senpai {command}: {exc}", file=sys.stderr)
        return 1
    losses = ", ".join(f"{loss:.3f}" for loss in report.losses)
    print(
        f"Tuned on {report.pairs} questions for {report.targets} passages and topics in "
        f"{report.seconds:.0f} s (loss by epoch: {losses}); saved to {out}."
    )
    return 0


def cmd_tune_encoder(args: argparse.Namespace) -> int:
    """Fine-tune the English model on the curated corpus and save it (by default, as the one served)."""
    settings = settings_from_env()
    corpus = curated_or_say(settings, "tune-encoder")
    if corpus is None:
        return 1
    out: Path = args.out or settings.tuned_model_dir
    changes = {k: v for k, v in (("epochs", args.epochs), ("seed", args.seed)) if v is not None}
    code = tune(settings, corpus, args.base, out, "tune-encoder", **changes)
    if code == 0 and str(out.resolve()) == str(Path(settings.embedding_model).resolve()):
        print("It is the model Senpai serves: `senpai build-index` now exports it and rebuilds the index.")
    elif code == 0:
        print(
            f"To use it: SENPAI_EMBEDDING_MODEL={out.resolve()} senpai build-index, "
            "with the same setting for every process that serves."
        )
    return code


def cmd_search(args: argparse.Namespace) -> int:
    """Print the best passages for a question."""
    from actions.messages import citation_dicts
    from knowledge.content.corpus import source_labels

    settings = settings_from_env()
    index = published_index(settings, "search")
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
    from knowledge.evaluation import facts as fx
    from knowledge.evaluation.scope_check import check_scope, refused_questions

    settings = settings_from_env()
    index = published_index(settings, "check-scope")
    if index is None:
        return 1
    from knowledge.search.decide import configured_policy

    policy = configured_policy(settings)
    report = check_scope(index, policy)
    japanese = None
    if index.japanese is not None and policy.japanese is not None:
        japanese = check_scope(index.japanese, policy.japanese)
    facts_refused = []
    if args.facts.is_file():
        try:
            facts = fx.load_facts(args.facts, {p.id: p.text for p in index.passages})
        except ValueError as exc:  # an inventory for another corpus (SENPAI_CORPUS_DIR): say so, go on
            print(f"senpai check-scope: fact inventory left out: {exc}", file=sys.stderr)
            facts = []
        facts_refused = refused_questions(index, policy, [(f.id, q) for f, q in fx.questions(facts)])
    if args.json:
        out = dataclasses.asdict(report)
        out["facts_refused"] = [dataclasses.asdict(c) for c in facts_refused]
        out["japanese"] = dataclasses.asdict(japanese) if japanese is not None else None
        print(json.dumps(out, indent=2, ensure_ascii=False))
    else:
        print(
            f"{len(report.refused)} of {report.questions} passage questions a not-covered topic would "
            "refuse if a user typed them (each searched without itself):"
        )
        for c in report.refused:
            print(f"  {c.lead:+.3f}  {c.owner}: {c.text!r}")
            print(f"          closer to '{c.rival}': {c.nearest!r}")
        print(f"{len(report.below)} fall below the answer threshold without themselves (no topic to blame):")
        for c in report.below:
            print(f"  {c.owner}: {c.text!r}")
        print(
            f"{len(report.answered)} of {report.examples} not-covered examples would be answered "
            "from a passage without themselves:"
        )
        for c in report.answered:
            print(f"  {c.lead:+.3f}  {c.owner}: {c.text!r}")
            print(f"          answered from '{c.rival}': {_clip(c.nearest)!r}")
        if args.facts.is_file():
            print(
                f"{len(facts_refused)} fact questions of {args.facts.name} would be refused as not covered:"
            )
            for c in facts_refused:
                print(f"  {c.lead:+.3f}  {c.owner}: {c.text!r}")
                print(f"          closer to '{c.rival}': {c.nearest!r}")
        if japanese is not None:
            print(
                f"Japanese: {len(japanese.refused)} of {japanese.questions} questions_ja refused by a topic, "
                f"{len(japanese.answered)} of {japanese.examples} examples_ja answered "
                f"({len(japanese.below)} questions_ja below the threshold without themselves):"
            )
            for c in (*japanese.refused, *japanese.answered):
                print(f"  {c.lead:+.3f}  {c.owner}: {c.text!r} ({c.rival})")
        if report.refused or report.answered or facts_refused:
            print(
                "A refused question: reword or remove the not-covered example it is closest to. "
                "An answered example: if the passages cover it, remove it; if not, add examples near it. "
                "Then `make build-index`."
            )
    refused_ja = bool(japanese and japanese.refused)
    return 1 if args.strict and (report.refused or facts_refused or refused_ja) else 0


def cmd_check_verbatim(args: argparse.Namespace) -> int:
    """List every run of nine or more words the corpus, NLU data or eval sets share with the studies.

    With ``--sources``, every run the real-style sets share with the saved pages they paraphrase.
    """
    from senpai.verbatim import RUN, SOURCE_CHARS, SOURCE_RUN, Papers, check, our_words, real_sets, sources
    from settings import PROJECT_ROOT

    against: Callable[[Iterable[str]], Papers | list[Papers]]
    if args.sources is None:  # the studies, against everything we wrote
        folder, kind, against, comments = args.papers, "paper", Papers, True
        files, rule = args.files or our_words(PROJECT_ROOT), f"{RUN}+ words"
    else:  # the saved pages, against the real-style sets (their comments cite the pages)
        folder, kind, against, comments = args.sources, "page", sources, False
        files, rule = (
            args.files or real_sets(PROJECT_ROOT),
            f"{SOURCE_RUN}+ words or {SOURCE_CHARS}+ Japanese characters",
        )
    found_texts = sorted(folder.glob("*.txt"))
    if not found_texts:
        print(f"senpai check-verbatim: no {kind}s (*.txt) in {folder}", file=sys.stderr)
        return 2
    texts = (p.read_text(encoding="utf-8", errors="replace") for p in found_texts)
    found = check(against(texts), files, PROJECT_ROOT, comments=comments)
    for shared in found:
        print(f"{shared.file}: {shared.words}")
    print(f"{len(found)} run(s) of {rule} shared with {len(found_texts)} {kind}(s), in {len(files)} file(s)")
    return 1 if found else 0


def _share_if_first(settings: Settings) -> int:
    """In production, put this host's up-to-date build in a shared store that has none yet."""
    if settings.database is None:
        return 0
    from contracts import builds
    from knowledge import current_dir

    url = settings.database.as_url()
    if builds.current(url) is None:
        shared = builds.publish(url, current_dir(settings.index_dir))
        print(f"Published it to the shared store as build {shared.id}: every host now serves it.")
    return 0
