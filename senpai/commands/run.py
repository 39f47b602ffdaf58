"""Commands that run Senpai: ``up``, ``actions``, ``gateway`` and ``migrate``."""

from __future__ import annotations

import argparse
import sys

from senpai.commands.common import settings_from_env


def cmd_up(args: argparse.Namespace) -> int:
    """Run the action server, Rasa and the gateway under one supervisor."""
    from senpai.supervisor import run

    return run(settings_from_env())


def cmd_migrate(args: argparse.Namespace) -> int:
    """Move stored conversations to their channel's namespace (``senpai up`` does this at start)."""
    import asyncio

    from senpai.migrations import migrate_slack_conversations

    print(asyncio.run(migrate_slack_conversations(settings_from_env())) or "nothing to move")
    return 0


def cmd_forget(args: argparse.Namespace) -> int:
    """Delete one conversation's events and ratings, on request of the person it belongs to."""
    from organisers.privacy import conversation_id, forget

    try:
        conversation = conversation_id(args.who)
        deleted = forget(settings_from_env(), conversation)
    except ValueError as exc:
        print(f"senpai forget: {exc}", file=sys.stderr)
        return 2
    print(f"deleted {deleted} of {conversation}")
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
