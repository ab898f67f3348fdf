"""The weekly summary report: gathered from the store, rendered as HTML (with charts),
Markdown, CSV and JSON, on demand (`monitor report`) or by the daemon every week.

Its settings are `[report]` in monitor/config/report.py. Kept import-light on purpose: loading
matplotlib or Jinja2 for every command would slow them all down.
"""
