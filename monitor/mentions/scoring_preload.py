"""Imported by the scoring pool's fork server, and only there: loads the language model once.

multiprocessing's fork server imports the modules named by `set_forkserver_preload` before it forks
any worker, so a side effect of importing this module is the one way to have the model in memory
before the fork. Every worker then starts with it (no load of its own, most of a second each) and
shares its arrays with the other workers instead of holding a copy. Importing the worker-side
modules here also spares each worker those imports. The fork server is a fresh interpreter: the
model is loaded through the uncompressed copy only once this process installs it.
"""

from analysis.language.bundled import BundledDetector
from monitor.mentions import import_chunks, scoring_pool  # noqa: F401  (imported for the workers to inherit)
from monitor.mentions.langid_cache import install as install_langid_cache

install_langid_cache()
BundledDetector().load()
