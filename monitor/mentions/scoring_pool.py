"""The scorers: one per brand lexicon in this process, and on a process pool for `monitor import`.

Scoring is the hot path of backfills and VADER is pure Python, so both cores only help through
processes. The pool uses the "forkserver" start method: forking a process that runs threads (the
daemon's scheduler, the HTTP clients) can copy a held lock into the child and deadlock it, and
forkserver children are forked from a clean single-threaded server instead. Workers ignore SIGINT and
SIGTERM: a Ctrl-C or a service stop reaches the whole process group, and it is the parent that
decides to finish the batch in hand, commit it and shut the pool down, not the workers dying
mid-batch. A text seen recently is not scored again (the scorers are deterministic).

Starting workers cheaply matters as much as scoring fast (docs/sentiment.md, "Throughput and
memory"). The fork server preloads the language model (monitor/mentions/scoring_preload.py) before it forks
any worker: each worker starts warm instead of spending most of a second decompressing its own copy,
and the model's arrays are shared between the workers (copy-on-write) instead of held once per
worker. And the workers do not re-import the parent's main script, which multiprocessing does by
default for spawn and forkserver children: for the `monitor` console script that is the whole CLI
(pandas included), over a second and about 100 MB per worker for nothing a worker uses.

A worker whose parent is killed outright (SIGKILL, OOM killer) would wait for work forever, and keep
the fork server alive with it: each worker watches its parent and exits when it is gone.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
import threading
import time
import types
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import forkserver

from analysis.language.bundled import BundledDetector
from analysis.sentiment.lexicon import LexiconOverrides
from analysis.sentiment.stage import Scored, SentimentStage
from monitor.mentions.langid_cache import install as install_langid_cache
from monitor.mentions.steps import ScoreFn

StageFactory = Callable[[LexiconOverrides], SentimentStage]


def stage_for_lexicon(lexicon: LexiconOverrides) -> SentimentStage:
    """The default factory (a module-level function, so it pickles to the workers)."""
    return SentimentStage(lexicon=lexicon)


class Stages:
    """One SentimentStage per brand lexicon, built on first use, each behind a cache of recent texts."""

    def __init__(self, factory: StageFactory, cache_size: int = 20_000) -> None:
        self.factory = factory
        self.cache_size = cache_size
        self._cached: dict[LexiconOverrides, _CachedStage] = {}

    def scorer_for(self, lexicon: LexiconOverrides) -> ScoreFn:
        """Scoring for one brand lexicon as a function of (text, stated language), reusing the
        result for a text seen recently (the scorers are deterministic). Looked up once per batch
        and brand rather than per text: hashing the lexicon per row showed in the profile. Bounded:
        a stream seldom repeats old texts, and a worker must not grow with the file."""
        scorer = self._cached.get(lexicon)
        if scorer is None:
            scorer = self._cached[lexicon] = _CachedStage(self.factory(lexicon), self.cache_size)
        return scorer


class _CachedStage:
    __slots__ = ("cache", "size", "stage")

    def __init__(self, stage: SentimentStage, size: int) -> None:
        self.stage, self.size = stage, size
        self.cache: dict[tuple[str, str | None], Scored] = {}

    def __call__(self, text: str, lang: str | None) -> Scored:
        key = (text, lang)
        hit = self.cache.get(key)
        if hit is None:
            hit = self.stage.score(text, lang)
            if len(self.cache) >= self.size:
                self.cache.clear()
            self.cache[key] = hit
        return hit


_WORKER: Stages | None = None
# Below this file size `monitor import` scores in-process: starting the pool (a fork server and one
# worker per core) costs about a second, more than scoring ~10,000 rows in-process takes.
POOL_MIN_BYTES = 2_000_000
# Module names the fork server imports before forking workers (see the module docstring).
FORKSERVER_PRELOAD = ["monitor.mentions.scoring_preload"]


def worker_stages() -> Stages:
    """The scoring stages of this worker process (set up by the pool's initializer)."""
    if _WORKER is None:
        raise RuntimeError("not in a scoring worker (the pool's initializer did not run)")
    return _WORKER


@contextlib.contextmanager
def _signals_ignored() -> Iterator[None]:
    """Ignore SIGINT/SIGTERM while starting helper processes (only possible on the main thread;
    elsewhere the workers still ignore them from their initializer)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextlib.contextmanager
def _main_module_hidden() -> Iterator[None]:
    """While workers are started, show multiprocessing a `__main__` without a file, so the workers do
    not import the parent's main script (see the module docstring). The swap is visible to other
    threads for the few milliseconds it takes to hand the workers' start to the fork server."""
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main


def _exit_when_orphaned(parent_pid: int, every: float = 1.0) -> None:
    """Exit this worker once the process that started the pool is gone. An orderly shutdown ends the
    workers long before; this covers a parent killed with SIGKILL, which the pool never hears of."""
    while True:
        time.sleep(every)
        try:
            os.kill(parent_pid, 0)
        except ProcessLookupError:
            os._exit(0)
        except PermissionError:  # the pid was reused by someone else's process: ours is gone
            os._exit(0)


def _started() -> None:
    """A no-op task: submitting one per worker starts them all at once."""


def start_fork_server() -> None:
    """Start the pool's fork server now and return at once (it is started on first use otherwise).

    The server imports the workers' modules and loads the language model, most of a second; started
    first thing, that happens on the other core while this process is still importing and opening the
    store, instead of after it, with the workers waiting. A no-op when the server is running already.
    """
    with _signals_ignored(), _main_module_hidden():
        # The fork server inherits "ignore SIGINT/SIGTERM" (dispositions survive exec), and so does
        # every worker it forks: a signal to the process group cannot kill the server under the pool,
        # which the executor would see as a broken pool. Preloading only takes effect when this
        # starts the server (there is one per process).
        forkserver.set_forkserver_preload(FORKSERVER_PRELOAD)
        forkserver.ensure_running()


def _init_worker(factory: StageFactory, parent_pid: int | None = None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if parent_pid is not None:
        threading.Thread(target=_exit_when_orphaned, args=(parent_pid,), daemon=True).start()
    install_langid_cache()  # done already when the fork server preloaded the model
    global _WORKER
    _WORKER = Stages(factory)
    _WORKER.scorer_for(LexiconOverrides())("warm up", "en")  # load the models once per worker, not per task
    BundledDetector().load()  # a no-op when the fork server preloaded it


class BatchScorer:
    """The scorers of this process (`stages`), and the process pool for `monitor import` (`executor`)."""

    def __init__(self, factory: StageFactory = stage_for_lexicon, *, workers: int | None = None) -> None:
        self.factory = factory
        self.stages = Stages(factory)
        self.workers = workers if workers is not None else (os.cpu_count() or 1)
        self._pool: ProcessPoolExecutor | None = None

    def executor(self) -> ProcessPoolExecutor:
        """The process pool (started on first use); its workers have `worker_stages()` set up."""
        if self._pool is None:
            start_fork_server()
            with _signals_ignored(), _main_module_hidden():
                pool = ProcessPoolExecutor(
                    self.workers,
                    mp_context=multiprocessing.get_context("forkserver"),
                    initializer=_init_worker,
                    initargs=(self.factory, os.getpid()),
                )
                # The executor starts a worker per submitted task until it has `workers` of them; start
                # them all now, while the main module is hidden (later starts would not be).
                for _ in range(self.workers):
                    pool.submit(_started)
            self._pool = pool
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
