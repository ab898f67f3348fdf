"""Scoring many texts: in-process for small batches, on a process pool for large ones.

Scoring is the hot path of backfills and VADER is pure Python, so both cores only help through
processes. The pool uses the "forkserver" start method: forking a process that runs threads (the
daemon's scheduler, the HTTP clients) can copy a held lock into the child and deadlock it, and
forkserver children are forked from a clean single-threaded server instead. Workers ignore SIGINT and
SIGTERM: a Ctrl-C or a service stop reaches the whole process group, and it is the parent that
decides to finish the batch in hand, commit it and shut the pool down, not the workers dying
mid-batch. Identical texts are scored once (VADER is deterministic).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import forkserver

from analysis.langdetect import BundledDetector
from analysis.lexicon import LexiconOverrides
from analysis.sentiment import Score, Scored, SentimentStage

Item = tuple[str, str | None, LexiconOverrides]  # (text, stated language, the brand's lexicon)
StageFactory = Callable[[LexiconOverrides], SentimentStage]
_Row = tuple[float | None, float | None, float | None, float | None, str, str | None]


def stage_for_lexicon(lexicon: LexiconOverrides) -> SentimentStage:
    """The default factory (a module-level function, so it pickles to the workers)."""
    return SentimentStage(lexicon=lexicon)


class _Stages:
    """One SentimentStage per brand lexicon, built on first use."""

    def __init__(self, factory: StageFactory) -> None:
        self.factory = factory
        self.stages: dict[LexiconOverrides, SentimentStage] = {}

    def score(self, item: Item) -> Scored:
        text, lang, lexicon = item
        stage = self.stages.get(lexicon)
        if stage is None:
            stage = self.stages[lexicon] = self.factory(lexicon)
        return stage.score(text, lang)


_WORKER: _Stages | None = None


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


def _init_worker(factory: StageFactory) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    global _WORKER
    _WORKER = _Stages(factory)
    _WORKER.score(("warm up", "en", LexiconOverrides()))  # load the models once per worker, not per task
    BundledDetector().load()


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

    def _ensure_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            with _signals_ignored():
                # The fork server inherits "ignore SIGINT/SIGTERM" (dispositions survive exec), and so
                # does every worker it forks: a signal to the process group cannot kill the server
                # under the pool, which the executor would see as a broken pool.
                forkserver.ensure_running()
            self._pool = ProcessPoolExecutor(
                self.workers,
                mp_context=multiprocessing.get_context("forkserver"),
                initializer=_init_worker,
                initargs=(self.factory,),
            )
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
