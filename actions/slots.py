"""Names of the slots and intents the actions read and write (see domain.yml)."""

from __future__ import annotations

ROLE = "role"
LAST_PASSAGES = "last_passages"
CANDIDATES = "candidates"
SHOWN = "shown"
LAST_TOPIC = "last_topic"
LAST_QUESTION = "last_question"
LANGUAGE = "language"
LANGUAGE_PREFERENCE = "language_preference"

OUT_OF_SCOPE = "out_of_scope"

#: The topical intents, mapped to the corpus topic they hint at.
INTENT_TOPICS: dict[str, str] = {
    "ask_alt_identity": "alt_identity",
    "ask_jte": "jte",
    "ask_jet_programme": "jet_programme",
    "ask_professional_development": "professional_development",
    "ask_studies": "studies",
}
