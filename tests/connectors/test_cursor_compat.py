"""Every connector's cursor goes through the template's `CursorCodec` and its one unreadable-cursor
policy (`read_cursor`). Cursors are now written canonically (compact JSON, sorted keys); these
tests pin that the cursors stored before - written by each connector's own codec, in the exact
form it wrote them - still resume from the same state, and that what those codecs refused is still
refused, and read as a first poll with a warning.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from connectors.appstore import mapping as appstore
from connectors.base import ID_CURSOR, CursorCodec, read_cursor
from connectors.file import Options as FileOptions
from connectors.file.connector import CURSOR as FILE_CURSOR
from connectors.file.connector import FileConnector, Position
from connectors.googleplay import mapping as googleplay
from connectors.hackernews import mapping as hackernews
from connectors.query import parse_query
from connectors.reddit import mapping as reddit
from connectors.rss import mapping as rss
from connectors.spec import SourceSpec
from connectors.types import BrandQuery
from connectors.youtube import mapping as youtube

T = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)

# (codec, a cursor exactly as the connector's own codec wrote it before, the state it stands for)
OLD_CURSORS: dict[str, tuple[CursorCodec[Any], str, Any]] = {
    "reddit": (
        reddit.CURSOR,
        '{"created_utc": 1700000000.0, "name": "t3_abc"}',  # json.dumps, default separators
        reddit.Cursor(1700000000.0, "t3_abc"),
    ),
    # X and Mastodon wrote str(newest id); the codec reads it as a bare JSON number.
    "x": (ID_CURSOR, "1712345678901234567", 1712345678901234567),
    "mastodon": (ID_CURSOR, "111222333444555666", 111222333444555666),
    "appstore": (
        appstore.CURSOR,
        '{"gb":{"id":"7","updated":null},"us":{"id":"123","updated":"2026-03-01T10:00:00+00:00"}}',
        {"gb": appstore.Mark(None, 7), "us": appstore.Mark(T, 123)},
    ),
    # json.dumps(sort_keys=True) with the default separators
    "googleplay": (
        googleplay.CURSOR,
        '{"id": "gp:1", "modified": "2026-03-01T10:00:00+00:00"}',
        googleplay.Mark(T, "gp:1"),
    ),
    "hackernews": (
        hackernews.CURSOR,
        '{"terms":{"\\"acme corp\\"":{"top":1700000900},'
        '"acme":{"gap":[1700000000,1700000500],"top":1700000900}}}',
        hackernews.Cursor(
            {
                '"acme corp"': hackernews.TermState(1700000900),
                "acme": hackernews.TermState(1700000900, (1700000000, 1700000500)),
            }
        ),
    ),
    "hackernews, a bare Unix time": (hackernews.CURSOR, "1700000000", hackernews.Cursor(fallback=1700000000)),
    # json.dumps of the sorted items, default separators
    "youtube": (
        youtube.CURSOR,
        '{"channel:UC_x5XG1OV2P6uZZ5FSM9Ttw": "2019-06-23T02:49:00+00:00", '
        '"video:F1UP7wRCPH8": "2026-03-01T10:00:00+00:00"}',
        youtube.Cursor(
            {
                "channel:UC_x5XG1OV2P6uZZ5FSM9Ttw": datetime(2019, 6, 23, 2, 49, tzinfo=UTC),
                "video:F1UP7wRCPH8": T,
            }
        ),
    ),
    # json.dumps in field order, default separators
    "rss": (
        rss.CURSOR,
        '{"etag": "\\"v7\\"", "modified": "Sun, 01 Mar 2026 09:00:00 GMT", '
        '"newest": "2026-03-01T10:00:00+00:00"}',
        rss.Cursor('"v7"', "Sun, 01 Mar 2026 09:00:00 GMT", T),
    ),
    "file": (FILE_CURSOR, '{"offset": 120, "line": 4, "size": 300}', Position(120, 4, 300)),
}

# Cursors the connectors' own codecs refused (read as a first poll, with a warning).
UNREADABLE: dict[str, tuple[CursorCodec[Any], list[str]]] = {
    "reddit": (reddit.CURSOR, ["{", "[1]", '{"name":"t3_a"}', '{"created_utc":"nan"}']),
    "x / mastodon": (ID_CURSOR, ["abc", "-5", "1.5", "true", '{"id":1}']),
    "appstore": (appstore.CURSOR, ["not json", "{", "[1]", "3"]),
    "googleplay": (googleplay.CURSOR, ["x", "[1]", '{"id":"a"}', '{"id":"a","modified":"yesterday"}']),
    "hackernews": (hackernews.CURSOR, ["-1", "1.5", "[1]", '{"terms":3}', '{"terms":{"a":{"top":"x"}}}']),
    "youtube": (youtube.CURSOR, ["[]", "{", '{"video:a":"not a time"}']),
    "rss": (rss.CURSOR, ["[1]", "{", '{"newest":"not a time"}']),
    "file": (FILE_CURSOR, ["{", "[1]", '{"offset":1}', '{"offset":"a","line":1}']),
}


@pytest.mark.parametrize("name", OLD_CURSORS)
def test_old_cursors_resume_from_the_same_state(name: str, caplog: pytest.LogCaptureFixture) -> None:
    codec, old, state = OLD_CURSORS[name]
    with caplog.at_level(logging.WARNING):
        assert read_cursor(old, codec, name) == state
    assert "unreadable" not in caplog.text
    canonical = codec.dump(state)
    if canonical is not None:  # (a bare Unix time is only read: the states of its searches are written)
        assert codec.read(canonical) == state
        assert canonical == json.dumps(json.loads(canonical), sort_keys=True, separators=(",", ":"))


@pytest.mark.parametrize("name", UNREADABLE)
def test_what_was_unreadable_is_read_as_a_first_poll_with_a_warning(
    name: str, caplog: pytest.LogCaptureFixture
) -> None:
    codec, texts = UNREADABLE[name]
    for text in texts:
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            assert read_cursor(text, codec, "src") == codec.empty(), text
        assert f"src: unreadable cursor {text!r}; reading as on a first poll" in caplog.text


@pytest.mark.parametrize("codec", [c for c, _old, _state in OLD_CURSORS.values()])
@pytest.mark.parametrize("text", [None, ""])
def test_no_cursor_is_a_first_poll_without_a_warning(
    codec: CursorCodec[Any], text: str | None, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        assert read_cursor(text, codec, "src") == codec.empty()
    assert caplog.text == ""


def test_empty_states_are_not_shared_between_polls() -> None:
    first = youtube.CURSOR.read(None)
    first.newest["video:a"] = T
    assert youtube.CURSOR.read(None) == youtube.Cursor()


# -- the file connector, end to end ---------------------------------------------------------------


def _file_connector(tmp_path: Path) -> FileConnector:
    rows = "".join(
        f'{{"id": "r{i}", "text": "acme row {i}", "created_at": "2026-03-01T10:0{i}:00+00:00"}}\n'
        for i in range(3)
    )
    path = tmp_path / "rows.jsonl"
    path.write_text(rows, encoding="utf-8")
    spec = SourceSpec(name="rows", type="file", options=FileOptions(path=str(path)), base_dir=tmp_path)
    return FileConnector(spec)


def _fetch(conn: FileConnector, cursor: str | None) -> list[str]:
    query = BrandQuery("acme", parse_query("acme"))
    return [m.native_id for page in conn.fetch(query, cursor) for m in page.mentions]


def test_file_resumes_from_an_old_format_cursor(tmp_path: Path) -> None:
    conn = _file_connector(tmp_path)
    first_line = len((tmp_path / "rows.jsonl").read_bytes().splitlines(keepends=True)[0])
    size = (tmp_path / "rows.jsonl").stat().st_size
    old = f'{{"offset": {first_line}, "line": 2, "size": {size}}}'  # json.dumps, default separators
    assert _fetch(conn, old) == ["r1", "r2"]


def test_file_reads_an_unreadable_cursor_as_a_first_poll(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # The file connector's own decoding raised here (the poll failed with an internal error, every
    # time); it now follows the one policy: read from the top, which the store deduplicates.
    with caplog.at_level(logging.WARNING):
        assert _fetch(_file_connector(tmp_path), "{") == ["r0", "r1", "r2"]
    assert "rows: unreadable cursor '{'" in caplog.text
