"""Rerankers: a relevance score for each (query, passage) pair, by "provider:model" name (see registry.py)."""
