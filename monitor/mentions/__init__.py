"""Mentions from a poll or a file to stored rows: one row type (rows.py), one set of steps (steps.py)
used by polling (pipeline.py) and `monitor import` (importer.py, import_chunks.py), the scoring pool
that runs them on every core, and what reads the stored rows back (`monitor export`)."""
