"""Reading "I'm a JTE" out of a question, and answering it for that role."""

from __future__ import annotations

import pytest

from actions.stated_role import stated_role


@pytest.mark.parametrize(
    ("text", "role"),
    [
        ("I'm a JTE at a junior high, what do ALTs want from us?", "jte"),  # the first role is the user's
        ("im a jte", "jte"),
        ("I’m a JTE", "jte"),  # a typographic apostrophe, as phones type it
        ("As a JTE how can I work better with my ALT", "jte"),
        ("hi. as JTE, what should I do", "jte"),
        ("I am one of the Japanese teachers of English here", "jte"),
        ("I'm one of the JTEs at my school", "jte"),
        ("I'm a Japanese English teacher and nobody asked me if I wanted an ALT.", "jte"),
        ("I'm a new ALT, what is a JTE?", "alt"),
        ("I'm a first-year JET ALT", "alt"),
        ("I work as an ALT in Osaka", "alt"),
        ("as an assistant language teacher what is my role", "alt"),
        ("I'm one of the ALTs here", "alt"),
        # A role mentioned, not claimed.
        ("how do I support my ALT?", None),
        ("what do JTEs think about ALTs", None),
        ("I'm not an ALT", None),
        ("does she see herself as an ALT", None),
        ("what is it like as ALTs", None),
        ("duties such as ALT lesson planning", None),
        ("I'm a JTE's ALT", None),  # ambiguous: leave the slot alone
        ("I'm an alternative thinker", None),
        ("I teach English at a junior high", None),  # an ALT could say this too
        ('/inform_role{"role": "jte"}', None),  # a button: its entity sets the role
    ],
)
def test_stated_role(text: str, role: str | None) -> None:
    assert stated_role(text) == role
