"""``senpai eval --facts``: ask every fact question and check the answer text the user sees.

Offline, each question goes through the bot's own search, :func:`knowledge.search.decide.decide`
and :mod:`actions.compose`, exactly as ``action_answer`` answers a message with no
intent hint and no role. With ``--stack URL`` each goes through a running
gateway's ``/api/chat``, in a conversation of its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import aiohttp

from actions import compose
from actions.messages import Reply
from actions.runtime import CANDIDATES
from knowledge.evaluation.facts import REFUSED_NOT_COVERED, REFUSED_THRESHOLD, Asked, Fact, questions
from knowledge.search.decide import Policy, decide, outside_scope
from knowledge.search.index import Index
from senpai.evaluation.e2e import ask


def shown(reply: Reply) -> str:
    """Everything a reply puts in front of the user, as text: its text and its buttons' titles."""
    return "\n".join([reply.text, *(button.title for button in reply.buttons)])


def ask_offline(index: Index, policy: Policy, facts: Sequence[Fact]) -> list[Asked]:
    """Answer every fact question as the bot would, without Rasa."""
    asked = []
    for fact, question in questions(facts):
        hits = index.search(question, CANDIDATES)
        decision = decide(hits, policy)
        refused = None
        if decision.kind == "answer":
            reply = compose.answer_reply([hit.passage for hit in decision.hits])
        elif decision.kind == "clarify":
            reply = compose.clarify_reply(index, decision)
        else:
            reply = compose.fallback_reply(index, hits, policy, decision.not_covered)
            outside = outside_scope(hits, policy)
            refused = f"{REFUSED_NOT_COVERED}: {outside.topic.id}" if outside else REFUSED_THRESHOLD
        cited = tuple(passage.id for passage in reply.citations)
        asked.append(Asked(fact, question, decision.kind, shown(reply), cited, refused))
    return asked


def _from_body(fact: Fact, question: str, body: dict[str, Any]) -> Asked:
    messages = body.get("messages") or []
    texts = [m.get("text", "") for m in messages] + [
        b.get("title", "") for m in messages for b in m.get("buttons", [])
    ]
    cited = tuple(dict.fromkeys(c["passage_id"] for m in messages for c in m.get("citations", [])))
    return Asked(fact, question, str(body.get("kind")), "\n".join(texts), cited)


async def ask_stack(url: str, facts: Sequence[Fact], concurrency: int = 4) -> list[Asked]:
    """Ask every fact question through a running gateway, each in a new conversation."""
    gate = asyncio.Semaphore(concurrency)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:

        async def one(fact: Fact, question: str) -> Asked:
            async with gate:
                body, _ = await ask(session, url.rstrip("/"), None, question)
            return _from_body(fact, question, body)

        return await asyncio.gather(*(one(fact, q) for fact, q in questions(facts)))
