"""The steps between a fetched (or read) mention and its stored row, for polling and `monitor import`:

    match the brand query -> dedupe -> skip what is stored -> score -> the row to insert

`prepare` runs them all; `Ingestor.ingest` (a polled page) and `prepare_chunk` (a chunk of an
imported file, in a scoring worker) both call it, so both store the same row for the same mention.
The import runs this for every row of a backfill: rows stay `MentionRow` tuples throughout, and the
scorers are looked up once per batch and brand, not per row.

This module is imported by every scoring worker (and preloaded into the fork server), so it keeps its
imports light: no settings, no connectors registry, no SQLAlchemy.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from analysis.sentiment.evidence import has_text, stored_score
from analysis.sentiment.lexicon import LexiconOverrides
from analysis.sentiment.stage import Scored
from connectors.query import Query
from monitor.mentions.rows import MentionRow, new_row

NO_OVERRIDES = LexiconOverrides()

ScoreFn = Callable[[str, str | None], Scored]  # (text, stated language) -> Scored
ScorerFor = Callable[[LexiconOverrides], ScoreFn]  # a brand's lexicon -> its scoring function
ExistingFn = Callable[[str, str, Sequence[str]], set[str]]  # (source, brand, native ids) -> stored ones


@dataclass(frozen=True, slots=True)
class BrandRule:
    """A configured brand as the steps need it (small and picklable: sent to the import's workers)."""

    name: str
    query: Query
    lexicon: LexiconOverrides = NO_OVERRIDES


# A row and the brands it may belong to: empty when its brand is decided already (a brand column,
# `--brand`, a scoped feed, the connector's own say), so no query is checked.
Candidate = tuple[MentionRow, Sequence[BrandRule]]


@dataclass(slots=True)
class Prepared:
    rows: list[MentionRow] = field(default_factory=list)  # scored, ready to insert
    duplicates: int = 0  # twice in the batch, or stored already
    unmatched: int = 0  # candidates matching none of their brands


def scoring_text(title: str | None, text: str) -> str:
    """A review's title carries sentiment too ("Terrible update"), so it is scored with the text."""
    if title:
        sep = " " if title.rstrip()[-1:] in {".", "!", "?"} else ". "
        return f"{title.rstrip()}{sep}{text}"
    return text


def match(row: MentionRow, rules: Sequence[BrandRule]) -> list[MentionRow]:
    """The row once per brand of `rules` whose query matches it, as that brand's mention."""
    return [
        row if row.brand == rule.name else row._replace(brand=rule.name)
        for rule in rules
        if rule.query.matches(row.text, title=row.title, author=row.author, source=row.source, lang=row.lang)
    ]


def dedupe(candidates: Iterable[Candidate], out: Prepared) -> dict[tuple[str, str, str], MentionRow]:
    """Match every candidate and keep the first row per identity (source, native_id, brand); counts
    the unmatched candidates and the repeated rows into `out`."""
    unique: dict[tuple[str, str, str], MentionRow] = {}
    for row, rules in candidates:
        if not rules:  # the common case of an import: one row, its brand decided
            key = row[:3]  # (source, native_id, brand): a slice is a plain tuple, built in C
            if key in unique:
                out.duplicates += 1
            else:
                unique[key] = row
            continue
        found = match(row, rules)
        if not found:
            out.unmatched += 1
        for r in found:
            if r[:3] in unique:
                out.duplicates += 1
            else:
                unique[r[:3]] = r
    return unique


def skip_stored(unique: dict[tuple[str, str, str], MentionRow], existing: ExistingFn, out: Prepared) -> None:
    """Drop the rows stored already (re-imports and overlapping polls score nothing twice), counting
    them as duplicates. Rows a concurrent writer stores meanwhile are caught by the insert."""
    by_stream: dict[tuple[str, str], list[str]] = defaultdict(list)
    for source, native_id, brand in unique:
        by_stream[(source, brand)].append(native_id)
    for (source, brand), ids in by_stream.items():
        for native_id in existing(source, brand, ids):
            del unique[(source, native_id, brand)]
            out.duplicates += 1


def score(
    rows: Iterable[MentionRow], scorer_for: ScorerFor, lexicons: Mapping[str, LexiconOverrides]
) -> list[MentionRow]:
    """The rows with their stored score and detected language. The text decides when it can be
    scored, else the star rating, else the row stays unscored (`stored_score`, docs/sentiment.md)."""
    scorers: dict[str, ScoreFn] = {}
    out: list[MentionRow] = []
    for row in rows:
        (
            source, native_id, brand, source_name, created_at, text, title, url, author, lang, rating,
            engagement, reach, _, _, _, _, _, _, raw, extra, ingested_at,
        ) = row  # fmt: skip
        text_in = scoring_text(title, text)
        scored = None
        if has_text(text_in):
            scorer = scorers.get(brand)
            if scorer is None:
                scorer = scorers[brand] = scorer_for(lexicons.get(brand, NO_OVERRIDES))
            scored = scorer(text_in, lang)
            lang = scored.lang
        s = stored_score(scored.score if scored is not None else None, rating)
        out.append(new_row(MentionRow, (
            source, native_id, brand, source_name, created_at, text, title, url, author, lang, rating,
            engagement, reach, s.compound, s.pos, s.neu, s.neg, s.label, s.scored, raw, extra, ingested_at,
        )))  # fmt: skip
    return out


def prepare(
    candidates: Iterable[Candidate],
    *,
    existing: ExistingFn | None,
    scorer_for: ScorerFor,
    lexicons: Mapping[str, LexiconOverrides],
) -> Prepared:
    """All the steps: match, dedupe, skip what `existing` says is stored (None: skip no look-up),
    score. The rows come out in the order they first came in."""
    out = Prepared()
    unique = dedupe(candidates, out)
    if existing is not None:
        skip_stored(unique, existing, out)
    out.rows = score(unique.values(), scorer_for, lexicons)
    return out
