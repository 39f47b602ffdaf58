"""Rasa's CountVectorsFeaturizer without the per-token features nobody reads.

Senpai's NLU classifies with a logistic regression, which reads only a
message's *sentence* features (``LogisticRegressionClassifier._create_X``);
no component of ``config.yml`` reads per-token (*sequence*) features. Rasa's
featurizer still builds them: every token of the message is vectorised as a
document of its own, then combined with the other featurizers'. On a message
of 200-600 characters that was about a quarter of the parse (4.2 -> 3.2 ms,
p50, with the same intent, confidence and entities for all 1,329 evaluation
messages; bench/README.md, "What was tried").

:class:`SentenceCountVectorsFeaturizer` is the same component, trained and
saved the same way, that makes only the sentence features of a message's text.
Other attributes (intents, action names) keep Rasa's behaviour.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from rasa.shared.nlu.constants import TEXT


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class SentenceCountVectorsFeaturizer(CountVectorsFeaturizer):
    """A CountVectorsFeaturizer that gives a message's text sentence features only."""

    def _create_features(self, attribute: str, all_tokens: list[list[str]]) -> tuple[list[Any], list[Any]]:
        """Sentence features for each message's text, and no sequence features; Rasa's own otherwise."""
        vectorizer = self.vectorizers.get(attribute)
        if attribute != TEXT or not vectorizer:
            return super()._create_features(attribute, all_tokens)
        sentences: list[Any] = []
        for tokens in all_tokens:
            if not tokens:
                sentences.append(None)
                continue
            features = vectorizer.transform([" ".join(tokens)])
            features.sort_indices()
            sentences.append(features.tocoo())
        return [None] * len(all_tokens), sentences
