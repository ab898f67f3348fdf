"""The application: config, storage, mentions (polling, import, scoring), scheduler/daemon, reports
and the CLI."""

__version__ = "0.1.0"
