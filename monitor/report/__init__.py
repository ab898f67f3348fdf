"""The weekly summary report (issue 8): gathered from the store, rendered as HTML (with charts),
Markdown, CSV and JSON, on demand (`monitor report`) or by the daemon every week.

Kept import-light on purpose: monitor.config imports `monitor.report.settings`, and loading
matplotlib or Jinja2 for every command would slow them all down.
"""
