"""Sentence encoders: the protocol, torch, ONNX Runtime and its int8 copy, e5, the window, caches, tuning.

:func:`knowledge.encoders.factory.open_encoder` opens the configured backend;
modules inside the knowledge library import the module they need, never this
package.
"""
