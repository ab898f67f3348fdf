"""Scoring many texts: in-process for small batches, on a process pool for large ones.

Scoring is the hot path of backfills and VADER is pure Python, so both cores only help through
processes. The pool uses the "forkserver" start method: forking a process that runs threads (the
daemon's scheduler, the HTTP clients) can copy a held lock into the child and deadlock it, and
forkserver children are forked from a clean single-threaded server instead. Workers ignore SIGINT and
SIGTERM: a Ctrl-C or a service stop reaches the whole process group, and it is the parent that
decides to finish the batch in hand, commit it and shut the pool down, not the workers dying
mid-batch. Identical texts are scored once (VADER is deterministic).

Starting workers cheaply matters as much as scoring fast (docs/sentiment.md, "Throughput and
memory"). The fork server preloads the language model (monitor/scoring_preload.py) before it forks
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
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import forkserver

from analysis.language.bundled import BundledDetector
from analysis.sentiment.lexicon import LexiconOverrides
from analysis.sentiment.stage import Score, Scored, SentimentStage

Item = tuple[str, str | None, LexiconOverrides]  # (text, stated language, the brand's lexicon)
StageFactory = Callable[[LexiconOverrides], SentimentStage]
_Row = tuple[float | None, float | None, float | None, float | None, str, str | None]


def stage_for_lexicon(lexicon: LexiconOverrides) -> SentimentStage:
    """The default factory (a module-level function, so it pickles to the workers)."""
    return SentimentStage(lexicon=lexicon)


class _Stages:
    """One SentimentStage per brand lexicon, built on first use."""

    def __init__(self, factory: StageFactory, cache_size: int = 20_000) -> None:
        self.factory = factory
        self.stages: dict[LexiconOverrides, SentimentStage] = {}
        self.cache_size = cache_size
        self._cached: dict[LexiconOverrides, _CachedStage] = {}

    def score(self, item: Item) -> Scored:
        text, lang, lexicon = item
        stage = self.stages.get(lexicon)
        if stage is None:
            stage = self.stages[lexicon] = self.factory(lexicon)
        return stage.score(text, lang)

    def scorer_for(self, lexicon: LexiconOverrides) -> Callable[[str, str | None], Scored]:
        """`score` for one brand lexicon as a function of (text, stated language), reusing the
        result for a text seen recently (the scorers are deterministic). Looked up once per batch
        and brand rather than per text: hashing the lexicon per row showed in the profile. Bounded:
        a stream seldom repeats old texts, and a worker must not grow with the file."""
        scorer = self._cached.get(lexicon)
        if scorer is None:
            stage = self.stages.get(lexicon)
            if stage is None:
                stage = self.stages[lexicon] = self.factory(lexicon)
            scorer = self._cached[lexicon] = _CachedStage(stage, self.cache_size)
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


_WORKER: _Stages | None = None
# Below this file size `monitor import` scores in-process: starting the pool (a fork server and one
# worker per core) costs about a second, more than scoring ~10,000 rows in-process takes.
POOL_MIN_BYTES = 2_000_000
# Module names the fork server imports before forking workers (see the module docstring).
FORKSERVER_PRELOAD = ["monitor.scoring_preload"]


def worker_stages() -> _Stages:
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
    global _WORKER
    _WORKER = _Stages(factory)
    _WORKER.score(("warm up", "en", LexiconOverrides()))  # load the models once per worker, not per task
    BundledDetector().load()  # a no-op when the fork server preloaded it


def _score_chunk(items: Sequence[Item]) -> list[_Row]:
    assert _WORKER is not None, "worker not initialised"
    out: list[_Row] = []
    for item in items:
        r = _WORKER.score(item)
        s = r.score
        out.append((s.compound, s.pos, s.neu, s.neg, s.label, r.lang))  # plain tuples pickle fastest
    return out


def _from_row(row: _Row) -> Scored:
    compound, pos, neu, neg, label, lang = row
    return Scored(Score(compound, pos, neu, neg, label), lang)


class BatchScorer:
    """Scores batches of (text, lang); uses a process pool once a batch is worth it."""

    def __init__(
        self,
        factory: StageFactory = stage_for_lexicon,
        *,
        workers: int | None = None,
        min_batch: int = 500,
        chunk: int = 250,
        cache_size: int = 200_000,
    ) -> None:
        self.factory = factory
        self.stages = _Stages(factory)
        self.workers = workers if workers is not None else (os.cpu_count() or 1)
        self.min_batch = min_batch
        self.chunk = chunk
        self.cache_size = cache_size
        self._cache: dict[Item, Scored] = {}
        self._pool: ProcessPoolExecutor | None = None

    def score_many(self, items: Sequence[Item]) -> list[Scored]:
        results: list[Scored | None] = [self._cache.get(item) for item in items]
        todo = list(dict.fromkeys(item for item, r in zip(items, results, strict=True) if r is None))
        if todo:
            fresh = self._score_uncached(todo)
            if len(self._cache) + len(fresh) > self.cache_size:
                self._cache.clear()  # bounded memory; a stream rarely repeats old texts anyway
            self._cache.update(fresh)
            results = [r if r is not None else fresh[item] for item, r in zip(items, results, strict=True)]
        return results  # type: ignore[return-value]

    def _score_uncached(self, todo: list[Item]) -> dict[Item, Scored]:
        if self.workers < 2 or len(todo) < self.min_batch:
            return {item: self.stages.score(item) for item in todo}
        pool = self._ensure_pool()
        chunks = [todo[i : i + self.chunk] for i in range(0, len(todo), self.chunk)]
        fresh: dict[Item, Scored] = {}
        for chunk, rows in zip(chunks, pool.map(_score_chunk, chunks), strict=True):
            for item, row in zip(chunk, rows, strict=True):
                fresh[item] = _from_row(row)
        return fresh

    def executor(self) -> ProcessPoolExecutor:
        """The process pool (started on first use), for work other than `score_many` such as
        `monitor import`'s chunks; its workers have `worker_stages()` set up."""
        return self._ensure_pool()

    def _ensure_pool(self) -> ProcessPoolExecutor:
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
