"""connectors.sentence_features against Rasa's own CountVectorsFeaturizer, in Rasa's Python."""

from __future__ import annotations

import yaml

from settings import PROJECT_ROOT
from tests.unit.connectors.in_rasa import needs_rasa, run_in_rasa

#: Run in Rasa's own Python: train Rasa's featurizer and ours alike (words, then character n-grams),
#: featurise unseen messages with both and print what differs.
COMPARE = """
import tempfile
from pathlib import Path
import numpy as np
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from connectors.sentence_features import SentenceCountVectorsFeaturizer

examples = [
    ("what is the JET programme for", "ask_jet"),
    ("why does JET exist", "ask_jet"),
    ("how do I work well with my JTE", "ask_jte"),
    ("my JTE never talks to me before class", "ask_jte"),
    ("am I a dabbler or a japan enthusiast", "ask_identity"),
    ("hi", "greet"),
]
unseen = [
    "Two years in and my JTE still plans every lesson without me, is that normal for an ALT?",
    "hi there",
    "zzz qqq",
    "",
]
tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
context = ExecutionContext(GraphSchema({}), "test")
storage = LocalModelStorage(Path(tempfile.mkdtemp()))

def trained(cls, name, **config):
    data = TrainingData([Message(data={"text": t, "intent": i}) for t, i in examples])
    tokenizer.process_training_data(data)
    featurizer = cls.create({**cls.get_default_config(), **config}, storage, Resource(name), context)
    featurizer.train(data)
    featurizer.process_training_data(data)
    return featurizer, data

def same(a, b):
    if a is None or b is None:
        return a is None and b is None
    return np.array_equal(a.features.toarray(), b.features.toarray())

def features(featurizer, text):
    message = Message(data={"text": text})
    tokenizer.process([message])
    featurizer.process([message])
    return message.get_sparse_features("text")

for config in ({}, {"analyzer": "char_wb", "min_ngram": 2, "max_ngram": 4}):
    rasa, rasa_data = trained(CountVectorsFeaturizer, "rasa-" + str(len(config)), **config)
    ours, our_data = trained(SentenceCountVectorsFeaturizer, "ours-" + str(len(config)), **config)
    for mine, theirs in zip(our_data.training_examples, rasa_data.training_examples):
        # intents keep Rasa's own (sequence) features
        a, b = mine.get_sparse_features("intent")[0], theirs.get_sparse_features("intent")[0]
        if not same(a, b):
            print("intent features differ for", repr(mine.get("text")))
    for text in unseen:
        (rasa_seq, rasa_sent), (our_seq, our_sent) = features(rasa, text), features(ours, text)
        if our_seq is not None:
            print("sequence features made for", repr(text))
        if not same(rasa_sent, our_sent):
            print("sentence features differ for", repr(text))
        if text and rasa_seq is None:
            print("Rasa's own featurizer made no sequence features for", repr(text))
print("checked")
"""


@needs_rasa
def test_the_same_sentence_features_as_rasas_featurizer_and_no_sequence_features() -> None:
    done = run_in_rasa(COMPARE)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "checked", done.stdout


def test_the_pipeline_uses_it_for_both_count_vectors() -> None:
    """config.yml's count-vector featurizers are this one (a reader of config.yml would not guess it)."""
    pipeline = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text(encoding="utf-8"))["pipeline"]
    names = [step["name"] for step in pipeline]
    assert "CountVectorsFeaturizer" not in names
    assert names.count("connectors.sentence_features.SentenceCountVectorsFeaturizer") == 2
