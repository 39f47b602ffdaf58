"""Measuring retrieval offline: labelled sets, facts, multi-turn conversations, the scope check."""
