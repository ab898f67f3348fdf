"""The application: config, storage, pipeline, scheduler/daemon, reports and the CLI."""

__version__ = "0.1.0"
