"""Askwell: a self-hosted assistant platform with grounded, streamed answers."""

__version__ = "0.1.0"
