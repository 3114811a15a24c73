"""Renderers: each returns a string from a `Report`; `readiness.atomic` writes files.

Renderers read no clock and no files: the time and every input are in the `Report`.
"""
