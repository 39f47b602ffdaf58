"""Words of a chat message: lower-cased, contractions expanded, function words and fillers known.

Shared by :mod:`knowledge.text.routing` (what a message is) and :mod:`knowledge.search.context`
(how it leans on the conversation).
"""

from __future__ import annotations

import Stemmer
from bm25s.stopwords import STOPWORDS_EN_PLUS

from knowledge.text.ja_tokens import ja_tokens
from knowledge.text.language import has_japanese, normalise
from knowledge.text.normalize import CONTRACTIONS
from knowledge.text.patterns import SPACE, compile_re2, compile_tokens

_WORD = compile_tokens(r"[a-z0-9]+(?:'[a-z]+)?")
_STEM = Stemmer.Stemmer("english")
#: Words that point back at something said before.
REFERRING = frozenset(
    {"that", "it", "this", "those", "these", "they", "them", "their", "one", "ones", "there", "he", "she"}
    | {"それ", "その", "これ", "この", "あれ", "あの", "そこ", "そう", "彼ら", "彼", "彼女", "そういう"}
)
#: Words that point back at people (participants, JTEs...), never at a statement to cite.
PEOPLE = frozenset({"they", "them", "their", "he", "she", "his", "her", "people", "彼ら", "彼", "彼女", "人"})
#: Openings of a fragment that continues the previous question.
CONTINUATIONS = ("and ", "but ", "so ", "or ", "what about ", "how about ", "what if ", "also ")
QUESTION_WORDS = frozenset({"why", "how", "who", "what", "when", "where", "which", "whose"})
#: The same in Japanese, which asks anywhere in the sentence ("ALTは何人？").
QUESTION_WORDS_JA = frozenset(
    {"なぜ", "どうして", "なんで", "誰", "何", "いつ", "どこ", "どう", "どの", "どれ", "何人", "いくら"}
)
#: Words that add nothing to what a message asks ("elaborate pls", "interesting, keep going").
FILLER = frozenset(
    _STEM.stemWords(
        [
            "please",
            "pls",
            "plz",
            "ok",
            "okay",
            "interesting",
            "cool",
            "nice",
            "great",
            "hmm",
            "um",
            "oh",
            "bit",
            "little",
            "just",
            "maybe",
            "really",
            "actually",
            "also",
            "wow",
            "right",
            "sure",
            "yeah",
        ]
    )
)


#: Function words: NLTK's English stop-word list, as bm25s ships it. (scikit-learn's list was
#: the other candidate; it counts numbers such as "ten" and "first" as stop words, and
#: importing it adds about 2 s to the action server's start.)
#: "more", "further" and "again" carry what "tell me more" asks, so they stay content words.
STOPWORDS = frozenset(STOPWORDS_EN_PLUS) - {"more", "further", "again", "other"}


def words(text: str) -> list[str]:
    """The words of a message, lower-cased; "what's" and "whats" are read as "what is".

    Full-width letters are read as ASCII (ＡＬＴ is alt), and Japanese words
    (Sudachi's, particles left out) follow the English ones.
    """
    text = normalise(text)
    found = _WORD.findall(text.lower().replace("’", "'").replace("'s ", " is ").replace("'s?", " is?"))
    english = [part for w in found for part in CONTRACTIONS.get(w, w).split()]
    if not has_japanese(text):
        return english
    return english + [w for w in ja_tokens(text, normal=False) if not w.isascii()]


def asks_ja(text: str) -> bool:
    """Whether a Japanese message has a question word anywhere ("ALTは何人？")."""
    return bool(set(words(text)) & QUESTION_WORDS_JA)


def content_words(text: str) -> list[str]:
    """The words that carry content, stemmed ("sources" is "sourc"), without :data:`STOPWORDS`."""
    return content_of(words(text))


def content_of(said: list[str]) -> list[str]:
    """:func:`content_words` of words already split by :func:`words`."""
    return list(_STEM.stemWords([w for w in said if w not in STOPWORDS and len(w) > 1]))


#: Japanese ways of asking ("…ですか", "教えて", "なぜ").
_ASKS_JA = compile_re2(
    r"(?:ですか|ますか|でしょうか|教えて|なぜ|どうして|何|誰|いつ|どこ|どう|どの|ですかね)"
)

#: Words that open a question (or a request) at the start of a sentence or clause.
QUESTION_OPENERS = frozenset(
    [
        "what",
        "whats",
        "what's",
        "why",
        "how",
        "hows",
        "how's",
        "when",
        "where",
        "who",
        "whom",
        "whose",
        "which",
        "is",
        "are",
        "was",
        "were",
        "do",
        "does",
        "did",
        "can",
        "could",
        "should",
        "would",
        "will",
        "may",
        "might",
        "tell",
        "explain",
        "any",
        "anything",
    ]
)
_CLAUSES = compile_re2(rf"[.!;,:\n]+|{SPACE}+(?:and|but|so){SPACE}+", ignore_case=True)
_CLAUSE_WORD = compile_tokens(r"[a-z']+")


def asks_question(text: str) -> bool:
    """Whether a message asks something besides saying who the user is.

    True when it has a question mark, or when a sentence or clause opens with
    a question word ("I'm a JTE, what do ALTs want from me").
    """
    if text.startswith("/"):  # a button payload such as /inform_role{"role": "jte"}
        return False
    text = normalise(text)
    if "?" in text:
        return True
    if has_japanese(text):
        return bool(_ASKS_JA.search(text))
    for clause in _CLAUSES.split(text.lower()):
        opening = _CLAUSE_WORD.findall(clause)
        if opening and opening[0] in QUESTION_OPENERS:
            return True
    return False
