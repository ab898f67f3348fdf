"""The import's per-row path (monitor/import_chunks.py, monitor/storage/mention_rows.py) against the
slower paths it replaced: the same records, the same stored rows, the same bytes in the database."""

from __future__ import annotations

import dataclasses
import pickle
import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.errors import InputError
from connectors.query import parse_query
from connectors.records import read_records, record_to_mention
from connectors.types import Mention
from monitor.clock import FixedClock
from monitor.import_chunks import BrandRule, Chunk, ImportJob, _fields, _loads, prepare_chunk
from monitor.pipeline import Ingestor
from monitor.scoring_pool import _Stages, stage_for_lexicon
from monitor.storage import schema
from monitor.storage.mention_rows import (
    MENTION_COLUMNS,
    ColumnBatch,
    Constant,
    SQLiteMentionReader,
    encode_mention_values,
    sqlite_time,
)
from monitor.storage.store import Store

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
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


def _old_path(stage_store: Store, lines: list[bytes]) -> tuple[list[tuple], list[tuple[str, str]], int]:
    """What `monitor import` did before rows stayed tuples: a Mention per row and per brand (the
    brand rules of the old importer), through `Ingestor.ingest`."""
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


def test_prepare_chunk_stores_what_the_mention_pipeline_stores(tmp_path: Path) -> None:
    old_store = Store.open(f"sqlite:///{tmp_path / 'old.db'}")
    new_store = Store.open(f"sqlite:///{tmp_path / 'new.db'}")
    lines = ROWS_OF_EVERY_KIND
    old_rows, old_rejected, old_unmatched = _old_path(old_store, lines)
    stages = _Stages(stage_for_lexicon)
    result = prepare_chunk(
        job(), Chunk(1, 0, NOW, lines=lines), stages.scorer_for, new_store.existing_native_ids
    )
    new_store.store_column_batch(result.batch, now=NOW)
    assert _stored(new_store) == old_rows
    assert result.rejected == old_rejected
    assert result.unmatched == old_unmatched == 1
    assert (result.rows, result.duplicates) == (18, 1)  # line 14 repeats line 1
    assert (
        "m.jsonl:18",
        "reach: 18446744073709551616 is too large (counts are stored as 64-bit integers)",
    ) in result.rejected
    assert {r[1] for r in old_rows} >= {"1", "2", "5", "6", "7", "11"}
    # A second pass finds everything stored: nothing is scored or encoded again.
    again = prepare_chunk(
        job(), Chunk(1, 0, NOW, lines=lines), stages.scorer_for, new_store.existing_native_ids
    )
    assert again.batch.count == 0 and again.duplicates == result.duplicates + result.batch.count


def test_strict_chunk_stops_at_the_first_bad_row() -> None:
    stages = _Stages(stage_for_lexicon)
    result = prepare_chunk(
        job(strict=True), Chunk(1, 0, NOW, lines=ROWS_OF_EVERY_KIND), stages.scorer_for, lambda *_: set()
    )
    assert result.error is not None and result.error.startswith("m.jsonl:6: invalid JSON (")
    # Before it: line 1 (acme), line 4 (no brand column: matches acme and globex), line 5 (matches none).
    assert (result.batch.count, result.unmatched, result.rejected) == (3, 1, [])


@pytest.mark.parametrize(
    "rows",
    [
        [("x", "1", "acme", "s", T0, "it's 'quoted'", None, None, None, "en", None, None, None,
          0.5, 0.1, 0.8, 0.1, "positive", True, None, None, NOW)],  # one row: every column constant
        [("x", str(i), "acme", "s", T0 + timedelta(seconds=i), f"text {i}", "t'itle", None, "au\x00thor",
          "en" if i % 2 else None, i % 5 + 1, 3, None, i / 7, 0.0, 1.0, 0.0, "neutral", bool(i % 3),
          {"a": [i, "ü"]}, None, NOW) for i in range(40)],
        [("x", str(i), "acme", "s", T0, "same", None, None, None, None, None, None, None, None, None, None,
          None, "unscored", False, None, {"k": "v\ud800"}, NOW) for i in range(3)],
        [("x", str(i), "acme", "s", T0 if i else T0.astimezone(timezone(timedelta(hours=3))),
          "t", None, None, None, None, None, None, None, None, None, None, None, "unscored", 1 if i else True,
          {"a": 1, "b": 2} if i else {"b": 2, "a": 1}, None, NOW) for i in range(3)],  # equal, not alike
    ],
)  # fmt: skip
def test_column_batches_store_the_bytes_sqlalchemy_stores(tmp_path: Path, rows: list[tuple]) -> None:
    """Literals for constant columns, binding for the rest: what lands in SQLite is the same."""
    fast = Store.open(f"sqlite:///{tmp_path / 'fast.db'}")
    batch = ColumnBatch.of(encode_mention_values("sqlite", rows))
    assert list(batch.rows()) == encode_mention_values("sqlite", rows)
    result = fast.store_column_batch(batch, now=NOW)
    assert (result.inserted, result.duplicates) == (len(rows), 0)
    assert fast.store_column_batch(batch, now=NOW).duplicates == len(rows)
    slow = Store.open(f"sqlite:///{tmp_path / 'slow.db'}")
    with slow.engine.begin() as conn:
        conn.execute(sa.insert(schema.mentions), [dict(zip(MENTION_COLUMNS, r, strict=True)) for r in rows])
    query = f"SELECT {', '.join(f'{c}, typeof({c})' for c in MENTION_COLUMNS)} FROM mentions ORDER BY id"
    with sqlite3.connect(tmp_path / "fast.db") as a, sqlite3.connect(tmp_path / "slow.db") as b:
        assert a.execute(query).fetchall() == b.execute(query).fetchall()


def test_constant_columns_are_literals_only_when_exact() -> None:
    rows = [
        ("x", str(i), "acme", "it's", T0, "t", None, None, None, "en", 3, None, None, 0.25, 0.1, 0.9, 0.0,
         "neutral", True, None, None, NOW) for i in range(3)
    ]  # fmt: skip
    batch = ColumnBatch.of(encode_mention_values("sqlite", rows))
    kinds = dict(zip(MENTION_COLUMNS, batch.columns, strict=True))
    assert isinstance(kinds["native_id"], list)
    assert kinds["source_name"] == Constant("it's") and kinds["rating"] == Constant(3)
    from monitor.storage.store import _sqlite_insert_for

    sql, bound = _sqlite_insert_for(batch)
    assert "'it''s'" in sql and "NULL" in sql
    assert len(bound) == 7  # native_id, and the numbers: rating, compound, pos, neu, neg, scored


def test_mixed_types_are_not_one_constant() -> None:
    rows = [("x", "1", "b", "s", T0, "t", None, None, None, None, v, None, None, None, None, None, None,
             "unscored", False, None, None, NOW) for v in (1, 1.0, True)]  # fmt: skip
    batch = ColumnBatch.of(rows)
    assert batch.columns[MENTION_COLUMNS.index("rating")] == [1, 1.0, True]


def test_sqlite_time_is_sqlalchemys_format() -> None:
    for when in (T0, datetime(2026, 3, 29, 1, 30, 0, 999999, tzinfo=UTC), datetime(999, 1, 2, tzinfo=UTC)):
        assert sqlite_time(when) == when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    with pytest.raises(ValueError, match="naive"):
        sqlite_time(datetime(2026, 1, 1))


def test_plain_sqlite_reader_answers_like_the_store(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'm.db'}")
    rows = [
        ("x", str(i), "acme" if i % 2 else "globex", "s", T0, "t", None, None, None, None, None, None, None,
         None, None, None, None, "unscored", False, None, None, NOW) for i in range(1200)
    ]  # fmt: skip
    store.store_mention_values(rows, now=NOW)
    ids = [str(i) for i in range(0, 2400, 3)]
    reader = SQLiteMentionReader(tmp_path / "m.db")
    assert reader.existing_native_ids("x", "acme", ids) == store.existing_native_ids("x", "acme", ids)
    assert len(reader.existing_native_ids("x", "acme", ids)) == 200
    with pytest.raises(sqlite3.OperationalError):  # a reader, whatever its caller does
        reader.conn.execute("DELETE FROM mentions")
    reader.close()


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
    stages = _Stages(stage_for_lexicon)
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
    assert store.store_column_batch(first.batch, now=NOW).inserted == first.batch.count > 5
    assert len(scored) == first.batch.count - 1  # the review without text takes its stars
    scored.clear()
    again = prepare_chunk(job(store_was_empty=store.has_mentions() is False), chunk, counting_scorer_for,
                          store.existing_native_ids)  # fmt: skip
    assert scored == [] and again.batch.count == 0
    assert again.duplicates == first.duplicates + first.batch.count
