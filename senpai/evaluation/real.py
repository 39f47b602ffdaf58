"""``senpai eval --real``: messages as ALTs, applicants and JTEs really write them, through the bot's turn.

The real-style sets (``eval/real-en.yaml``, ``eval/real-ja.yaml`` for
development, ``eval/real-heldout.yaml`` held out) hold messages paraphrased
from public forums and Q&A sites: long, situational, first-person, often
without a question mark, in colloquial Japanese. Each is labelled ``answer``
(with every passage that answers it) or ``fallback`` (with the topic the
studies don't cover).

Offline, each message is handled by the action server's own ``action_answer``
(routing, reading, role, search, decision and reply, as a user gets them) on
the bot's index, in a fresh conversation; Rasa's NLU is what it leaves out.
With ``--stack URL`` each goes through a running gateway's ``/api/chat``.

A message labelled ``answer`` is right when the reply is an answer that shows
one of its passages, or another audience's version of one (``version_of``:
the user's role picks the version, the general one when it is unknown); one
labelled ``fallback`` is right when nothing is answered (a fallback).
Accuracy is reported per language and by the message's properties: length,
voice, question mark, sentences, author.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import yaml

from actions.registry import action
from settings import PROJECT_ROOT, Settings

DEVELOPMENT = (PROJECT_ROOT / "eval" / "real-en.yaml", PROJECT_ROOT / "eval" / "real-ja.yaml")
COMPARISONS = PROJECT_ROOT / "eval" / "comparisons.yaml"
#: The held-out sets (119 messages, 80, and 38 in Japanese), each written after the one before had been run.
HELD_OUT = tuple(PROJECT_ROOT / "eval" / f"real-heldout{n}.yaml" for n in ("", "-2", "-3"))
EXPECT = ("answer", "fallback")
VOICES = ("first-person", "situational", "plain")
WHO = ("alt", "applicant", "jte", "other")


@dataclass(frozen=True)
class Message:
    """One labelled message of a real-style set."""

    q: str
    lang: str
    who: str
    voice: str
    expect: str
    relevant: tuple[str, ...] = ()
    not_covered: str | None = None


def with_versions(relevant: Iterable[str], versions: Mapping[str, str]) -> tuple[str, ...]:
    """The passages named, and every other audience's version of them (``versions``: id to general id)."""
    named = set(relevant)
    general = {versions.get(pid, pid) for pid in named}
    twins = {pid for pid, of in versions.items() if of in general}
    return tuple(sorted(named | general | twins))


def load(
    paths: Iterable[Path],
    passage_ids: set[str],
    topic_ids: set[str],
    versions: Mapping[str, str] | None = None,
) -> list[Message]:
    """Load and check real-style sets (``versions``: each passage's ``version_of``, to count as right too).

    Raises:
        ValueError: On a malformed message, an unknown passage id, or a
            ``not_covered`` that is neither a topic nor a ``new:`` proposal.
    """
    found = []
    for path in paths:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        for n, raw in enumerate(data.get("messages") or [], 1):
            where = f"{Path(path).name}: message {n}"
            m = Message(
                q=" ".join(str(raw.get("q", "")).split())
                if raw.get("lang") == "en"
                else str(raw["q"]).strip(),
                lang=str(raw.get("lang")),
                who=str(raw.get("who")),
                voice=str(raw.get("voice")),
                expect=str(raw.get("expect")),
                relevant=with_versions(raw.get("relevant") or (), versions or {}),
                not_covered=raw.get("not_covered"),
            )
            if not m.q or m.lang not in ("en", "ja") or m.expect not in EXPECT:
                raise ValueError(f"{where}: needs q, lang (en or ja) and expect (answer or fallback)")
            if m.voice not in VOICES or m.who not in WHO:
                raise ValueError(f"{where}: voice must be one of {VOICES} and who one of {WHO}")
            if m.expect == "answer" and (not m.relevant or set(m.relevant) - passage_ids):
                raise ValueError(
                    f"{where}: names no passage, or unknown ones: {sorted(set(m.relevant) - passage_ids)}"
                )
            topic = str(m.not_covered or "")
            if m.expect == "fallback" and not (topic in topic_ids or topic.startswith("new:")):
                raise ValueError(f"{where}: not_covered {topic!r} is not a topic (or a new: proposal)")
            found.append(m)
    return found


@dataclass(frozen=True)
class Reply:
    """What Senpai replied to one message."""

    message: Message
    kind: str
    cited: tuple[str, ...]
    seconds: float = 0.0

    @property
    def answered(self) -> bool:
        """Whether it offered an answer (or a choice of answers)."""
        return self.kind in ("answer", "clarify")

    @property
    def right(self) -> bool:
        """An answer that shows a passage the label names, or a fallback where one is expected."""
        if self.message.expect == "fallback":
            return self.kind == "fallback"
        return self.kind == "answer" and any(c in self.message.relevant for c in self.cited)

    @property
    def first_right(self) -> bool:
        """As :attr:`right`, counting only the first passage shown."""
        if self.message.expect == "fallback":
            return self.right
        return self.kind == "answer" and bool(self.cited) and self.cited[0] in self.message.relevant


def load_comparisons(path: Path, passage_ids: set[str]) -> list[tuple[Message, set[str], set[str]]]:
    """The comparison questions: each as a message, with the passages of each study that answer it.

    Raises:
        ValueError: On a question without passages of both studies, or an unknown id.
    """
    found = []
    for n, raw in enumerate(yaml.safe_load(Path(path).read_text(encoding="utf-8"))["questions"], 1):
        pd, identity = set(raw.get("pd") or ()), set(raw.get("identity") or ())
        if not pd or not identity or (pd | identity) - passage_ids:
            raise ValueError(f"{Path(path).name}: question {n} needs known 'pd' and 'identity' passages")
        q = str(raw["q"])
        lang = "ja" if any(ord(c) > 0x3000 for c in q) else "en"
        found.append(
            (Message(q, lang, "other", "plain", "answer", tuple(sorted(pd | identity))), pd, identity)
        )
    return found


def length_band(m: Message) -> str:
    """``short``, ``medium`` or ``long`` by characters (a Japanese character says more than a letter)."""
    short, long = (80, 200) if m.lang == "en" else (40, 100)
    n = len(m.q)
    return "short" if n <= short else "long" if n > long else "medium"


def sentences(text: str) -> int:
    """How many sentences a message has (ended by . ! ? 。！？ or a line break)."""
    count, open_ = 0, False
    for char in text.strip():
        if char in ".!?。！？\n":
            count += open_
            open_ = False
        elif not char.isspace():
            open_ = True
    return count + open_


def properties(m: Message) -> dict[str, str]:
    """The properties accuracy is reported by."""
    n = sentences(m.q)
    return {
        "length": length_band(m),
        "long (over 200 characters)": "yes" if len(m.q) > 200 else "no",
        "voice": m.voice,
        "question mark": "yes" if ("?" in m.q or "？" in m.q) else "no",
        "sentences": "1" if n <= 1 else "2-3" if n <= 3 else "4+",
        "who": m.who,
    }


def _rate(replies: Sequence[Reply], test: str) -> float | None:
    return round(sum(getattr(r, test) for r in replies) / len(replies), 3) if replies else None


def summary(replies: Sequence[Reply]) -> dict[str, Any]:
    """Accuracy per language, with the answer and fallback sides and every property."""
    out: dict[str, Any] = {}
    for lang in sorted({r.message.lang for r in replies}):
        mine = [r for r in replies if r.message.lang == lang]
        answers = [r for r in mine if r.message.expect == "answer"]
        fallbacks = [r for r in mine if r.message.expect == "fallback"]
        by: dict[str, dict[str, Any]] = defaultdict(dict)
        groups: dict[tuple[str, str], list[Reply]] = defaultdict(list)
        for r in mine:
            for name, value in properties(r.message).items():
                groups[(name, value)].append(r)
        for (name, value), group in sorted(groups.items()):
            by[name][value] = {"n": len(group), "accuracy": _rate(group, "right")}
        out[lang] = {
            "messages": len(mine),
            "accuracy": _rate(mine, "right"),
            "accuracy_first_passage": _rate(mine, "first_right"),
            "answer_labelled": {"n": len(answers), "accuracy": _rate(answers, "right")},
            "fallback_labelled": {
                "n": len(fallbacks),
                "accuracy": _rate(fallbacks, "right"),
                "answered": _rate(fallbacks, "answered"),
            },
            "clarified": round(sum(r.kind == "clarify" for r in mine) / (len(mine) or 1), 3),
            "by": dict(by),
        }
    return out


def _share(value: float | None) -> str:
    """A rate to three places, or ``-`` for a group with no message (a set without fallbacks)."""
    return "-" if value is None else f"{value:.3f}"


def table(report: Mapping[str, Any]) -> str:
    """The summary as text: one block per language."""
    lines = []
    for lang, s in report.items():
        answers, fallbacks = s["answer_labelled"], s["fallback_labelled"]
        lines.append(
            f"{lang}: {s['messages']} messages, accuracy {s['accuracy']:.3f} "
            f"(first passage {_share(s['accuracy_first_passage'])}); answer-labelled "
            f"{_share(answers['accuracy'])} of {answers['n']}; fallback-labelled "
            f"{_share(fallbacks['accuracy'])} of {fallbacks['n']} "
            f"({_share(fallbacks['answered'])} answered); clarified {s['clarified']:.3f}"
        )
        for name, values in s["by"].items():
            cells = ", ".join(f"{v} {c['accuracy']:.2f} ({c['n']})" for v, c in values.items())
            lines.append(f"  {name}: {cells}")
    return "\n".join(lines)


def failures(replies: Sequence[Reply]) -> list[str]:
    """One line per message answered wrongly: what was expected, what came back."""
    rows = []
    for r in replies:
        if r.right:
            continue
        want = (
            ",".join(r.message.relevant)
            if r.message.expect == "answer"
            else f"fallback {r.message.not_covered}"
        )
        rows.append(
            f"  [{r.message.lang}] {r.kind} {','.join(r.cited) or '-'} (want {want}): {r.message.q[:140]!r}"
        )
    return rows


def run_offline(service: Any, messages: Sequence[Message]) -> list[Reply]:
    """Every message through the action server's own ``action_answer``, each in a fresh conversation.

    Args:
        service: The :class:`actions.runtime.KnowledgeService` to answer with
            (installed for the actions while this runs).
        messages: The labelled messages.
    """
    from rasa_sdk import Tracker
    from rasa_sdk.executor import CollectingDispatcher

    from actions import runtime

    runtime.install(service)

    async def one(m: Message) -> Reply:
        latest = {"text": m.q, "intent": {"name": "nlu_fallback", "confidence": 0.3}, "entities": []}
        events = [{"event": "user", "text": m.q, "parse_data": latest, "input_channel": "rest"}]
        tracker = Tracker("real-eval", {}, latest, events, False, None, {}, "action_listen")
        dispatcher = CollectingDispatcher()
        started = time.perf_counter()
        await action("action_answer").run(dispatcher, tracker, {})
        seconds = time.perf_counter() - started
        meta: dict[str, Any] = next(
            (d["custom"]["senpai"] for d in dispatcher.messages if "senpai" in (d.get("custom") or {})), {}
        )
        cited = tuple(dict.fromkeys(c["passage_id"] for c in meta.get("citations", [])))
        return Reply(m, str(meta.get("kind", "none")), cited, seconds)

    async def every() -> list[Reply]:
        return [await one(m) for m in messages]

    return asyncio.run(every())


async def run_stack(url: str, messages: Sequence[Message], concurrency: int = 4) -> list[Reply]:
    """Every message through a running gateway's ``/api/chat``, each in a new conversation."""
    from senpai.evaluation.e2e import ask

    gate = asyncio.Semaphore(concurrency)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:

        async def one(m: Message) -> Reply:
            async with gate:
                body, seconds = await ask(session, url.rstrip("/"), None, m.q)
            messages_ = body.get("messages") or []
            cited = tuple(dict.fromkeys(c["passage_id"] for x in messages_ for c in x.get("citations", [])))
            return Reply(m, str(body.get("kind")), cited, seconds)

        return await asyncio.gather(*(one(m) for m in messages))


def command(
    settings: Settings,
    paths: Sequence[Path],
    stack: str | None,
    out: Path,
    show_failures: bool,
    *,
    comparisons: bool = False,
) -> int:
    """``senpai eval --real``: the sets offline (the bot's own turn) or through a stack; print and save."""
    import json
    import sys

    from actions.runtime import KnowledgeService
    from knowledge import CorpusError, EncoderError, load_corpus
    from knowledge.search.context import Studies
    from senpai.evaluation.configured import bot_index

    try:
        corpus = load_corpus(settings.corpus_dir, settings.not_covered_file)
        topics = {t.id for t in corpus.not_covered}
        pairs = load_comparisons(COMPARISONS, {p.id for p in corpus.passages}) if comparisons else []
        messages = (
            [m for m, _, _ in pairs]
            if comparisons
            else load(
                paths,
                {p.id for p in corpus.passages},
                topics,
                {p.id: p.version_of for p in corpus.passages if p.version_of},
            )
        )
        if stack:
            replies = asyncio.run(run_stack(stack, messages))
        else:
            index, policy = bot_index(settings, corpus)
            studies = Studies.from_sources(settings.corpus_dir / "sources.yaml")
            service = KnowledgeService(
                index, policy, settings.oos_threshold, studies=studies, turn_budget_s=60
            )
            try:
                replies = run_offline(service, messages)
            finally:
                service.close()
    except (CorpusError, EncoderError, ValueError, OSError, aiohttp.ClientError) as exc:
        print(f"senpai eval --real: {exc}", file=sys.stderr)
        return 1
    where = f"through {stack}" if stack else "offline, through action_answer"
    if comparisons:
        both = [
            bool(set(r.cited) & pd) and bool(set(r.cited) & identity)
            for r, (_, pd, identity) in zip(replies, pairs, strict=True)
        ]
        for lang in ("en", "ja"):
            mine = [ok for ok, (m, _, _) in zip(both, pairs, strict=True) if m.lang == lang]
            print(f"{lang}: {sum(mine)} of {len(mine)} answered from a passage of each study, {where}")
        if show_failures:
            for ok, r in zip(both, replies, strict=True):
                if not ok:
                    print(f"  {r.kind} {','.join(r.cited) or '-'}: {r.message.q!r}")
        return 0
    report = summary(replies)
    print(f"{len(messages)} messages from {', '.join(Path(p).name for p in paths)}, {where}")
    print(table(report))
    if show_failures:
        print("\n".join(failures(replies)))
    out.parent.mkdir(parents=True, exist_ok=True)
    wrong = [
        {
            "q": r.message.q,
            "lang": r.message.lang,
            "expect": r.message.expect,
            "got": r.kind,
            "cited": r.cited,
        }
        for r in replies
        if not r.right
    ]
    out.write_text(json.dumps({"summary": report, "wrong": wrong}, indent=2, ensure_ascii=False) + "\n")
    print(f"Wrote {out}")
    return 0
