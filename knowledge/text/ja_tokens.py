"""Japanese words, by Sudachi (sudachipy with sudachidict-small), for BM25 and for reading messages.

Sudachi was chosen by measurement over fugashi with unidic-lite and over
character bigrams, and its small dictionary over the core one: the same
ranking with about 70 MB less memory (docs/retrieval.md, "Japanese"). Particles, auxiliary verbs
and symbols are dropped: they say how a question is asked, not what about.
The dictionary is opened on first use, not at import.
"""

from __future__ import annotations

import threading
import unicodedata
from functools import lru_cache
from typing import Any

#: Parts of speech that carry no content.
_FUNCTION = frozenset({"助詞", "助動詞", "補助記号", "空白", "記号"})
_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def _tokenizer() -> Any:
    from sudachipy import Dictionary

    return Dictionary(dict="small").tokenizer()


@lru_cache(maxsize=1)
def _mode() -> Any:
    from sudachipy import SplitMode

    return SplitMode.B


@lru_cache(maxsize=4096)
def _analyse(text: str) -> tuple[tuple[str, str, str], ...]:
    with _LOCK:  # a Sudachi tokenizer is not safe to share between threads
        morphemes = _tokenizer().tokenize(text, _mode())
        return tuple(
            (m.surface(), m.normalized_form(), m.part_of_speech()[0])
            for m in morphemes
            if m.surface().strip()
        )


def ja_tokens(text: str, *, normal: bool = True) -> list[str]:
    """The content words of a (mostly Japanese) text, lower-cased after NFKC.

    Args:
        text: The text; English words in it come back as they are (``alt``, ``jet``).
        normal: Sudachi's normalised forms (``ありがとう`` and ``有難う`` alike), for
            BM25; ``False`` gives the words as written, for matching short messages.
    """
    text = unicodedata.normalize("NFKC", text).lower()
    return [
        (normal_form if normal else surface).lower()
        for surface, normal_form, pos in _analyse(text)
        if pos not in _FUNCTION
    ]
