"""Embedders: texts to normalised float32 vectors, by "provider:model" name (see registry.py)."""
