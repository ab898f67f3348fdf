"""The import's per-row path (monitor/mentions/import_chunks.py): the same records as the reader, the
same stored rows as polling the same mentions through `Ingestor.ingest`."""

from __future__ import annotations

import dataclasses
import pickle
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.errors import InputError
from connectors.query import parse_query
from connectors.records import read_records, record_to_mention
from connectors.types import Mention
from monitor.clock import FixedClock
from monitor.mentions.import_chunks import Chunk, ImportJob, _fields, _loads, prepare_chunk
from monitor.mentions.pipeline import Ingestor
from monitor.mentions.scoring_pool import Stages, stage_for_lexicon
from monitor.mentions.steps import BrandRule
from monitor.storage.mention_rows import MENTION_COLUMNS
from monitor.storage.store import Store

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
ROWS_OF_EVERY_KIND = [
    b'\xef\xbb\xbf{"id": "1", "text": "acme is great", "created_at": "2026-11-01T10:00:00Z",'
    b' "brand": "acme"}\n',
    b"\n",
    b"   \t \n",
    b'{"id": "2", "text": "Acme Corp and Globex both", "created_at": "2026-11-01T10:00:00+03:00"}\n',
    b'{"id": "3", "text": "nothing relevant", "created_at": "2026-11-01T10:00:00"}\n',
    b"{broken\n",
    b"[1, 2]\n",
    b'\x0c{"id": "4", "text": "form feed around me", "created_at": "2026-11-01", "brand": "acme"}\x0c\n',
    b'{"id": "5", "text": "Crashes on start.", "title": "Terrible update", "rating": 1, "created_at":'
    b' "2026-11-02T08:00:00Z", "brand": "acme", "app_version": "4.2"}\n',
    b'{"id": "6", "text": "Uygulama \xc3\xa7ok k\xc3\xb6t\xc3\xbc,'
    b' s\xc3\xbcrekli \xc3\xa7\xc3\xb6k\xc3\xbcyor", "rating": 2, "created_at": "2026-11-02T08:00:00Z",'
    b' "brand": "acme"}\n',
    b'{"id": "7", "text": "", "rating": 5, "created_at": "2026-11-02T08:00:00Z", "brand": "globex"}\n',
    b'{"id": "8", "text": "no date", "brand": "acme"}\n',
    b'{"id": "9", "text": "wrong brand", "created_at": "2026-11-02", "brand": "initech"}\n',
    b'{"id": "1", "text": "acme is great", "created_at": "2026-11-01T10:00:00Z", "brand": "acme"}\n',
    b'{"id": "10", "text": "bad \xff byte", "created_at": "2026-11-02", "brand": "acme"}\n',
    b'{"id": "11", "text": "It\'s \\"quoted\\" \\ud83d\\ude00 and \\u00e9", "created_at": "2026-11-02",'
    b' "brand": "acme", "lang": "EN-gb"}\n',
    b'{"id": "12", "text": "lone \\ud800 surrogate", "created_at": "2026-11-02", "brand": "acme"}\n',
    # what orjson reads differently from the json module, or refuses: the json module's reading wins
    b'{"id": 12345678901234567890123, "text": "acme long id", "created_at": "2026-11-02", "brand": "acme",'
    b' "reach": 18446744073709551616}\n',
    b'{"id": "14", "text": "acme nan", "created_at": "2026-11-02", "brand": "acme", "score": NaN,'
    b' "big": 1e400, "neg": -Infinity}\n',
    b'{"id": "15", "text": "acme dup", "text": "acme duplicate key", "created_at": "2026-11-02",'
    b' "brand": "acme", "x": 1.0, "y": -0.0, "z": 0.1e1, "deep": [[[{"a": null}]]]}\n',
    b'{"id": "13", "text": "unfinished last line", "created_at": "2026-11-02"',
]
BRANDS = (
    BrandRule("acme", parse_query('"acme corp" OR acme OR acmeapp -hiring')),
    BrandRule("globex", parse_query("globex")),
)


def job(**kw: object) -> ImportJob:
    return ImportJob(path="m.jsonl", brands=BRANDS, **kw)  # type: ignore[arg-type]


def test_jsonl_fast_path_reads_exactly_what_the_reader_reads(tmp_path: Path) -> None:
    f = tmp_path / "m.jsonl"
    f.write_bytes(b"".join(ROWS_OF_EVERY_KIND))
    expected = [(r.line, r.fields, r.error) for r in read_records(f)]
    got = list(_fields(Chunk(1, 0, NOW, lines=ROWS_OF_EVERY_KIND)))
    assert got == expected
    assert len(expected) == 18  # blank lines and the unfinished last line are not rows
    assert [line for line, fields, _ in expected if fields is None] == [6, 7, 15, 17]
    assert expected[15][1]["id"] == 12345678901234567890123  # not a float
    assert repr([type(v) for v in expected[16][1].values()]) == repr([type(v) for v in got[16][1].values()])
    assert expected[14][2] == "text: not valid Unicode (a lone surrogate)"


def _mention_path(stage_store: Store, lines: list[bytes]) -> tuple[list[tuple], list[tuple[str, str]], int]:
    """The same rows as Mentions (a Mention per row and per brand, by the brand rules of the import),
    stored through polling's `Ingestor.ingest`."""
    rejected: list[tuple[str, str]] = []
    unmatched = 0
    mentions: list[Mention] = []
    names = [b.name for b in BRANDS]
    for line, fields, error in _fields(Chunk(1, 0, NOW, lines=lines)):
        where = f"m.jsonl:{line}"
        if fields is None:
            rejected.append((where, error or "unreadable row"))
            continue
        row_brand = str(fields.get("brand") or "").strip() or None
        try:
            if row_brand is not None and row_brand not in names:
                raise InputError(
                    f"{where}: brand {row_brand!r} is not configured (configured: {', '.join(names)})"
                )
            if row_brand:
                found = [record_to_mention(fields, where=where, source_name="import", brand=row_brand)]
            else:
                m = record_to_mention(fields, where=where, source_name="import", brand=names[0])
                found = [
                    dataclasses.replace(m, brand=b.name, brand_assigned=True)
                    for b in BRANDS
                    if b.query.matches(m.text, title=m.title, author=m.author, source=m.source, lang=m.lang)
                ]
        except InputError as exc:
            rejected.append((where, str(exc).removeprefix(f"{where}: ")))
            continue
        unmatched += not found
        mentions.extend(found)
    Ingestor(stage_store, clock=FixedClock(NOW)).ingest(mentions)
    return _stored(stage_store), rejected, unmatched


def _stored(store: Store) -> list[tuple]:
    with store.engine.connect() as conn:
        cols = ", ".join(c for c in MENTION_COLUMNS if c != "ingested_at")
        return sorted(conn.exec_driver_sql(f"SELECT {cols} FROM mentions").all(), key=repr)


def test_prepare_chunk_stores_what_polling_the_mentions_stores(tmp_path: Path) -> None:
    old_store = Store.open(f"sqlite:///{tmp_path / 'old.db'}")
    new_store = Store.open(f"sqlite:///{tmp_path / 'new.db'}")
    lines = ROWS_OF_EVERY_KIND
    old_rows, old_rejected, old_unmatched = _mention_path(old_store, lines)
    stages = Stages(stage_for_lexicon)
    result = prepare_chunk(
        job(), Chunk(1, 0, NOW, lines=lines), stages.scorer_for, new_store.existing_native_ids
    )
    assert result.batch is not None
    new_store.insert_mentions(result.batch, now=NOW)
    assert _stored(new_store) == old_rows
    assert result.rejected == old_rejected
    assert result.unmatched == old_unmatched == 1
    assert (result.rows, result.duplicates) == (18, 1)  # line 14 repeats line 1
    assert (
        "m.jsonl:18",
        "reach: 18446744073709551616 is too large (counts are stored as 64-bit integers)",
    ) in result.rejected
    assert {r[1] for r in old_rows} >= {"1", "2", "5", "6", "7", "11"}
    # A second pass finds everything stored: nothing is scored or packed again.
    again = prepare_chunk(
        job(), Chunk(1, 0, NOW, lines=lines), stages.scorer_for, new_store.existing_native_ids
    )
    assert again.batch is None and again.duplicates == result.duplicates + result.batch.count


def test_strict_chunk_stops_at_the_first_bad_row() -> None:
    stages = Stages(stage_for_lexicon)
    result = prepare_chunk(
        job(strict=True), Chunk(1, 0, NOW, lines=ROWS_OF_EVERY_KIND), stages.scorer_for, lambda *_: set()
    )
    assert result.error is not None and result.error.startswith("m.jsonl:6: invalid JSON (")
    # Before it: line 1 (acme), line 4 (no brand column: matches acme and globex), line 5 (matches none).
    assert result.batch is not None
    assert (result.batch.count, result.unmatched, result.rejected) == (3, 1, [])


def test_job_and_chunk_travel_to_workers() -> None:
    j = job(strict=True, store_url="sqlite:///x.db", sqlite_file="x.db")
    back = pickle.loads(pickle.dumps(j))
    assert back == j and back.lexicons == {"acme": BRANDS[0].lexicon, "globex": BRANDS[1].lexicon}
    c = Chunk(7, 100, NOW, lines=[b"{}\n"])
    assert pickle.loads(pickle.dumps(c)) == c


_JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
_JSON_VALUES = st.recursive(
    _JSON_SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3)
)


@settings(max_examples=500, deadline=None)
@given(st.dictionaries(st.text(), _JSON_VALUES, max_size=6), st.booleans())
def test_fast_json_reads_the_same_values_and_types_as_the_json_module(row: dict, ascii_only: bool) -> None:
    import json

    raw = json.dumps(row, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")
    expected = json.loads(raw.decode("utf-8", "surrogatepass"))
    try:
        got = _loads(raw)
    except ValueError:
        return  # refused (e.g. a lone surrogate): the reader's path decides, as before
    assert repr(got) == repr(expected)  # repr: the same types too (an int stays an int)


def test_a_rerun_scores_nothing_and_an_empty_store_is_not_looked_up(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'm.db'}")
    stages = Stages(stage_for_lexicon)
    scored: list[str] = []

    def counting_scorer_for(lexicon):  # the real scorers, counting the texts they score
        score = stages.scorer_for(lexicon)

        def counted(text: str, lang: str | None):
            scored.append(text)
            return score(text, lang)

        return counted

    def never(source: str, brand: str, ids) -> set[str]:
        raise AssertionError("looked up an empty store")

    chunk = Chunk(1, 0, NOW, lines=ROWS_OF_EVERY_KIND)
    first = prepare_chunk(job(store_was_empty=True), chunk, counting_scorer_for, never)
    assert first.batch is not None
    assert store.insert_mentions(first.batch, now=NOW).inserted == first.batch.count > 5
    assert len(scored) == first.batch.count - 1  # the review without text takes its stars
    scored.clear()
    again = prepare_chunk(job(store_was_empty=store.has_mentions() is False), chunk, counting_scorer_for,
                          store.existing_native_ids)  # fmt: skip
    assert scored == [] and again.batch is None
    assert again.duplicates == first.duplicates + first.batch.count
