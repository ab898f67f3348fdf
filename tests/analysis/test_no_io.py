"""The no-I/O guard of tests/analysis/conftest.py can fail: code compiled as if it lived in
`analysis/` is stopped when it opens a user file, connects a socket or starts a process, and is let
through when it reads data an installed package ships."""

from __future__ import annotations

import socket
import sysconfig
from pathlib import Path

import pytest

from tests.analysis.conftest import ANALYSIS, AnalysisDidIO


def _run_as_analysis(code: str, **names: object) -> None:
    exec(compile(code, ANALYSIS + "probe.py", "exec"), dict(names))


def test_opening_a_user_file_from_analysis_fails(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text("a,b\n", encoding="utf-8")
    with pytest.raises(AnalysisDidIO, match=r"probe\.py:1: open"):
        _run_as_analysis("open(path)", path=path)
    with pytest.raises(AnalysisDidIO):
        _run_as_analysis("path.read_text()", path=path)


def test_sockets_and_processes_from_analysis_fail() -> None:
    import subprocess

    with pytest.raises(AnalysisDidIO, match="connect"):
        _run_as_analysis("s = socket.socket(); s.connect(('127.0.0.1', 9))", socket=socket)
    with pytest.raises(AnalysisDidIO, match="process"):
        _run_as_analysis("subprocess.run(['true'])", subprocess=subprocess)


def test_package_data_may_be_read_from_analysis() -> None:
    import vaderSentiment

    lexicon = Path(vaderSentiment.__file__).with_name("vader_lexicon.txt")
    assert str(lexicon.resolve()).startswith(str(Path(sysconfig.get_path("purelib")).resolve()))
    _run_as_analysis("open(path, encoding='utf-8').read(10)", path=lexicon)


def test_test_code_itself_may_read_files(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_text("ok", encoding="utf-8")
    assert path.read_text(encoding="utf-8") == "ok"
