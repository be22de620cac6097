"""Temporal: the submission lifecycle and the worker that runs it."""
