"""Mention files: streamed reading with line numbers and resumable offsets; row validation."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from connectors.errors import InputError
from connectors.records import read_records, record_to_mention


def test_csv_records_know_their_first_line_even_with_quoted_newlines(tmp_path: Path) -> None:
    f = tmp_path / "m.csv"
    f.write_text('id,text,created_at\n1,"two\nlines",2026-11-01\n2,plain,2026-11-02\n', encoding="utf-8")
    records = list(read_records(f))
    assert [(r.line, r.fields["id"]) for r in records] == [(2, "1"), (4, "2")]
    assert records[0].fields["text"] == "two\nlines"


def test_csv_resumes_from_offset(tmp_path: Path) -> None:
    f = tmp_path / "m.csv"
    f.write_text(
        "\ufeffid,text,created_at\n1,a,2026-11-01\n2,b,2026-11-02\n3,c,2026-11-03\n", encoding="utf-8"
    )
    first = list(read_records(f))
    assert first[0].fields is not None and "id" in first[0].fields  # BOM stripped from the header
    rest = list(read_records(f, start_offset=first[0].end_offset, start_line=first[0].line + 1))
    assert [(r.line, r.fields["id"]) for r in rest] == [(3, "2"), (4, "3")]


def test_csv_bad_rows_are_reported_not_fatal(tmp_path: Path) -> None:
    f = tmp_path / "m.csv"
    f.write_text("id,text,created_at\n1,a,2026-11-01\n2,b\n3,c,2026-11-03,extra\n4,d,2026-11-04\n")
    records = list(read_records(f))
    assert [(r.line, r.error is None) for r in records] == [(2, True), (3, False), (4, False), (5, True)]
    assert "expected 3 fields" in records[1].error


def test_csv_missing_required_column_is_fatal_with_line_1(tmp_path: Path) -> None:
    f = tmp_path / "m.csv"
    f.write_text("id,body,created_at\n1,a,2026-11-01\n")
    with pytest.raises(InputError, match=r"m.csv:1: missing required column\(s\): text"):
        list(read_records(f))


def test_jsonl_lines_offsets_and_errors(tmp_path: Path) -> None:
    f = tmp_path / "m.jsonl"
    f.write_text(
        '{"id": 1, "text": "a", "created_at": "2026-11-01"}\n\n{broken\n[1,2]\n'
        '{"id": 2, "text": "b", "created_at": "2026-11-01"}\n',
        encoding="utf-8",
    )
    records = list(read_records(f))
    assert [(r.line, r.error is None) for r in records] == [(1, True), (3, False), (4, False), (5, True)]
    assert "invalid JSON" in records[1].error and "expected a JSON object" in records[2].error
    resumed = list(read_records(f, start_offset=records[2].end_offset, start_line=5))
    assert [r.fields["id"] for r in resumed] == [2]


def test_jsonl_leaves_a_half_written_last_line_for_later(tmp_path: Path) -> None:
    f = tmp_path / "m.jsonl"
    f.write_text('{"id": 1, "text": "a", "created_at": "2026-11-01"}\n{"id": 2, "te')
    records = list(read_records(f))
    assert len(records) == 1
    assert records[0].end_offset == len(f.read_bytes().split(b"\n")[0]) + 1


def fields(**kw: object) -> dict:
    base = {"id": "1", "text": "acme rocks", "created_at": "2026-11-01T10:00:00"}
    base.update(kw)
    return base


def test_row_to_mention_defaults_and_utc() -> None:
    m = record_to_mention(fields(app_version="4.2", brand="acme", LANG="x"), where="f:2", source_name="imp")
    assert m.created_at == datetime(2026, 11, 1, 10, 0, tzinfo=UTC)  # no offset means UTC
    assert (m.source, m.brand, m.brand_assigned, m.source_name) == ("file", "acme", True, "imp")
    assert dict(m.extra) == {"app_version": "4.2", "LANG": "x"}
    m2 = record_to_mention(
        fields(created_at="2026-11-01T13:00:00+03:00", lang="pt-BR", rating="4.0"),
        where="f:3",
        source_name="imp",
        brand="globex",
    )
    assert m2.created_at == datetime(2026, 11, 1, 10, 0, tzinfo=UTC)
    assert (m2.lang, m2.rating, m2.brand, m2.brand_assigned) == ("pt", 4, "globex", False)


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"created_at": "yesterday"}, "f.csv:7: created_at: not an ISO 8601 time: 'yesterday'"),
        ({"id": ""}, "f.csv:7: id: missing or empty"),
        ({"text": None}, "f.csv:7: text: missing"),
        ({"text": 5}, "f.csv:7: text: expected a string"),
        ({"text": " "}, "f.csv:7: text: empty (and no rating)"),
        ({"rating": "6"}, "f.csv:7: rating: expected 1-5, got '6'"),
        ({"rating": "great"}, "f.csv:7: rating: expected a whole number"),
        ({"engagement": "-3"}, "f.csv:7: engagement: expected at least 0, got '-3'"),
    ],
)
def test_row_errors_name_file_line_and_field(override: dict, message: str) -> None:
    with pytest.raises(InputError) as info:
        record_to_mention(fields(**override), where="f.csv:7", source_name="imp", brand="acme")
    assert str(info.value).startswith(message)


def test_jsonl_values_keep_types(tmp_path: Path) -> None:
    f = tmp_path / "m.jsonl"
    f.write_text(
        json.dumps({"id": 7, "text": "x", "created_at": "2026-11-01", "rating": 5, "tags": ["a"]}) + "\n"
    )
    (r,) = read_records(f)
    m = record_to_mention(r.fields, where="m:1", source_name="s", brand="acme")
    assert (m.native_id, m.rating, dict(m.extra)) == ("7", 5, {"tags": ["a"]})
