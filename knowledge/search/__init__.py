"""Searching the passages: the index, its hits, BM25, the adapter, context and the decision rule."""
