"""The application: config, storage, pipeline, scheduler/daemon, reports and the CLI."""

__version__ = "0.1.0"

# Every monitor process loads the language model through an uncompressed copy in the user's cache
# (monitor/langid_cache.py): half a second less for each command, worker and fork server that loads it.
from monitor.langid_cache import install as _install_langid_cache

_install_langid_cache()
