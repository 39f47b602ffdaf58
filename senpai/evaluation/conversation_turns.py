"""``senpai eval --conversations``: multi-turn conversations, each turn handled as the bot handles it.

Offline, each turn goes through :meth:`knowledge.search.context.Router.route` and
:func:`knowledge.search.context.answer_in_context` (for a question),
"tell me more" through :func:`actions.compose.next_passage`, with the state the
bot keeps in its slots (the last question, passages, topic and candidates)
carried from turn to turn, and the role a user states ("I'm a JTE"). NLU's
topic hint is what it leaves out. With ``--stack URL`` every conversation goes through a
running gateway's ``/api/chat``: the whole bot, Rasa's NLU included.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field

import aiohttp

from actions import compose
from actions.runtime import CANDIDATES
from actions.stated_role import stated_role
from knowledge.evaluation.conversations import MORE, SOURCE, Conversation, Outcome
from knowledge.search.context import Previous, Strategy, Studies, answer_in_context
from knowledge.search.decide import Policy
from knowledge.search.index import Index
from knowledge.text.routing import Router
from knowledge.text.words import asks_question
from senpai.evaluation.e2e import ask


@dataclass
class State:
    """What the bot's slots hold between turns."""

    previous: Previous | None = None
    candidates: list[str] = field(default_factory=list)
    shown: list[str] = field(default_factory=list)
    role: str | None = None


def turn(
    index: Index,
    router: Router,
    policy: Policy,
    state: State,
    text: str,
    strategy: Strategy,
    studies: Studies | None = None,
) -> Outcome:
    """Handle one message as the bot would, updating ``state``; the outcome has no conversation yet."""
    route = router.route(text, after_answer=state.previous is not None)
    dummy = Conversation("", "", (), ())
    state.role = stated_role(text) or state.role
    if stated_role(text) and not asks_question(text):
        return Outcome(dummy, "smalltalk")  # "I'm a JTE": acknowledged (the bot's action_set_role)
    if route == "smalltalk":
        return Outcome(dummy, "smalltalk")
    if route == SOURCE:
        return Outcome(dummy, SOURCE, state.previous.passages if state.previous else ())
    if route == MORE:
        if state.previous is None:
            return Outcome(dummy, "fallback")
        nxt = compose.next_passage(
            index, state.candidates, state.previous.passages, state.shown, state.previous.topic
        )
        if nxt is None:
            return Outcome(dummy, "fallback")
        state.previous = Previous(state.previous.question, (nxt.id,), state.previous.topic)
        state.shown.append(nxt.id)
        return Outcome(dummy, MORE, (nxt.id,))
    found = answer_in_context(
        index,
        text,
        state.previous,
        policy,
        k=CANDIDATES,
        audience=state.role,
        strategy=strategy,
        studies=studies,
    )
    decision = found.decision
    ids = tuple(hit.id for hit in decision.hits)
    if decision.kind == "answer":
        topic = decision.hits[0].passage.topic
        state.previous = Previous(found.query, ids, topic)
        state.candidates = [h.id for h in found.hits if h.id not in ids]
        state.shown = list(ids)
    elif decision.kind == "fallback":
        state.previous, state.candidates = None, []
    return Outcome(dummy, decision.kind, ids)


def run_offline(
    index: Index,
    router: Router,
    policy: Policy,
    conversations: Sequence[Conversation],
    strategy: Strategy,
    studies: Studies | None = None,
) -> list[Outcome]:
    """Every conversation through the bot's own routing and search, without Rasa."""
    outcomes = []
    for conversation in conversations:
        state = State()
        for text in conversation.turns[:-1]:
            turn(index, router, policy, state, text, strategy, studies)
        last = turn(index, router, policy, state, conversation.turns[-1], strategy, studies)
        outcomes.append(Outcome(conversation, last.kind, last.passages))
    return outcomes


def alone(conversations: Sequence[Conversation]) -> list[Conversation]:
    """The same conversations cut to their last turn, as if asked in a fresh conversation.

    A greeting stands in for the turns before, so every conversation keeps at least two turns.
    """
    return [Conversation(c.id, c.family, ("hello", c.turns[-1]), c.expect) for c in conversations]


def _cited(body: dict[str, object]) -> list[str]:
    messages = body.get("messages")
    return (
        [c["passage_id"] for m in messages for c in m.get("citations", [])]
        if isinstance(messages, list)
        else []
    )


def _outcome(
    conversation: Conversation, body: dict[str, object], before: set[str], titles: dict[str, str]
) -> Outcome:
    messages = body.get("messages") or []
    assert isinstance(messages, list)
    kind = str(body.get("kind"))
    cited = tuple(dict.fromkeys(c["passage_id"] for m in messages for c in m.get("citations", [])))
    if kind == "answer" and any(" comes from " in str(m.get("text", "")) for m in messages):
        return Outcome(conversation, SOURCE, cited)
    if kind == "answer" and conversation.expect == (MORE,):
        return Outcome(conversation, MORE, tuple(c for c in cited if c not in before))
    if kind == "clarify":
        choices = [
            titles.get(b["title"].split(": ", 1)[-1], "") for m in messages for b in m.get("buttons", [])
        ]
        return Outcome(conversation, kind, tuple(c for c in choices if c))
    return Outcome(conversation, kind, cited)


async def run_stack(
    url: str, conversations: Sequence[Conversation], titles: dict[str, str], concurrency: int = 4
) -> list[Outcome]:
    """Every conversation through a running gateway's ``/api/chat``, each in a new conversation."""
    gate = asyncio.Semaphore(concurrency)
    base = url.rstrip("/")
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:

        async def one(conversation: Conversation) -> Outcome:
            async with gate:
                sender: str | None = None
                before: set[str] = set()
                body: dict[str, object] = {}
                for text in conversation.turns:
                    before |= set(_cited(body))
                    body, _ = await ask(session, base, sender, text)
                    sender = sender or str(body.get("sender") or "") or None
            return _outcome(conversation, body, before, titles)

        return await asyncio.gather(*(one(c) for c in conversations))
