"""An int8 copy of an ONNX export, for long queries only (``SENPAI_LONG_QUERY_INT8``, on by default).

ONNX Runtime's dynamic quantization (:func:`onnxruntime.quantization.quantize_dynamic`)
stores each dense layer's weights as 8-bit integers, one scale per output
channel, and quantizes the activations on the fly. On a 2-core AMD EPYC it
embeds a 200-600-character message in about half the time of the float
model (9.2 against 18.3 ms on two threads), and its vectors keep a cosine of
0.988 or more with the float ones (0.993 on average) over the benchmark's
long messages. Attention's own two products (queries by keys, weights by
values) multiply two activations, gain nothing from it and are left in
float. What it does to answers is measured in docs/retrieval.md, item 15:
the passages stay embedded by the float model, so it is a small change to
every long query's scores, which moves a message on the edge of a decision
either way.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Literal

from knowledge.encoders.base import EncoderError

logger = logging.getLogger(__name__)

#: The int8 copy's file, beside ``model.onnx`` in an export.
INT8_FILE = "model.int8.onnx"
#: The lowest cosine an int8 vector may have with the float one on the export's check texts:
#: a guard against a copy gone wrong, not a measure of quality (all-MiniLM-L6-v2's lowest is
#: 0.977, for the empty text; 0.988 over the benchmark's long messages).
INT8_MIN_COSINE = 0.95
#: ``on``: long texts run the copy (an export without one is refused); ``auto`` (the default):
#: they do if the export has a checked copy; ``off``: they run the float model.
Int8Use = Literal["auto", "on", "off"]


def quantize(source: Path, target: Path) -> None:
    """Write an int8 copy of the model at ``source`` to ``target`` (dense layers only).

    Raises:
        Exception: Whatever ONNX or ONNX Runtime raise for a model they can't quantize.
    """
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    graph = onnx.load(str(source), load_external_data=False).graph
    weights = {tensor.name for tensor in graph.initializer}
    # A MatMul with no stored weight among its inputs multiplies two activations (attention).
    products = [n.name for n in graph.node if n.op_type == "MatMul" and not weights.intersection(n.input)]
    root = logging.getLogger()
    root.addFilter(_no_preprocessing_advice)
    try:
        quantize_dynamic(
            str(source),
            str(target),
            op_types_to_quantize=["MatMul"],
            per_channel=True,
            weight_type=QuantType.QInt8,
            nodes_to_exclude=products,
        )
    finally:
        root.removeFilter(_no_preprocessing_advice)


def _no_preprocessing_advice(record: logging.LogRecord) -> bool:
    """Drop ONNX Runtime's advice to pre-process first (shape inference for static quantization)."""
    return not record.getMessage().startswith("Please consider to run pre-processing")


def int8_record(meta: dict[str, Any]) -> dict[str, Any]:
    """What ``onnx.json`` says of the int8 copy: its ``file``, or why it was ``refused`` (empty if older)."""
    record = meta.get("int8")
    return record if isinstance(record, dict) else {}


def serves_copy(meta: dict[str, Any], use: Int8Use, directory: Path) -> bool:
    """Whether long texts run the copy of the export at ``directory`` (``meta``: its ``onnx.json``).

    Raises:
        EncoderError: If ``use`` is ``on`` and the export has no copy. With ``auto`` the float
            model serves instead, and a warning says why.
    """
    if use == "off":
        return False
    record = int8_record(meta)
    if record.get("file") is not None:
        return True
    why = record.get("refused", "the export is older than the copies")
    if use == "on":
        raise EncoderError(
            f"the ONNX export at {directory} has no int8 copy ({why}): rebuild it with "
            "`senpai build-index`, or set SENPAI_LONG_QUERY_INT8=auto or 0"
        )
    logger.warning(
        "the ONNX export at %s has no int8 copy (%s): long texts run the float model", directory, why
    )
    return False
