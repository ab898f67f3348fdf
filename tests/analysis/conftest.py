"""Every test in this folder runs with a guard that fails it if code in `analysis/` does I/O.

DESIGN.md: "analysis does no I/O: it takes records or DataFrames and returns numbers". The guard
checks that at run time, while the folder's tests exercise the package: a file opened, a socket
connected or a process started by a frame whose code lives in `analysis/` raises. Reading data
that an installed package ships (VADER's lexicon, stopword lists, the language model) is loading a
model, not I/O on the user's data, and is allowed, as is the time-zone database; test code itself
may read files.
"""

from __future__ import annotations

import builtins
import io
import os
import socket
import subprocess
import sys
import sysconfig
import zoneinfo
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ANALYSIS = str(Path(__file__).resolve().parents[2] / "analysis") + os.sep
PACKAGE_DATA = tuple(
    str(Path(p).resolve()) + os.sep
    for p in {sysconfig.get_path("purelib"), sysconfig.get_path("platlib"), *zoneinfo.TZPATH}
)


class AnalysisDidIO(AssertionError):
    pass


def _caller_in_analysis() -> str | None:
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_code.co_filename.startswith(ANALYSIS):
            return f"{frame.f_code.co_filename}:{frame.f_lineno}"
        frame = frame.f_back  # type: ignore[assignment]  # f_back is None only at the bottom
    return None


def _guard(what: Callable[..., str], real: Callable[..., Any]) -> Callable[..., Any]:
    def guarded(*args: Any, **kwargs: Any) -> Any:
        where = _caller_in_analysis()
        if where is not None:
            target = what(*args, **kwargs)
            if target:
                raise AnalysisDidIO(f"analysis did I/O at {where}: {target}")
        return real(*args, **kwargs)

    return guarded


def _file_target(file: Any, *_: Any, **__: Any) -> str:
    if isinstance(file, int):
        return f"open(fd {file})"
    path = str(Path(os.fsdecode(file)).resolve())
    return "" if path.startswith(PACKAGE_DATA) else f"open({path!r})"


def _always(name: str) -> Callable[..., str]:
    return lambda *args, **kwargs: f"{name}{args[1:2]!r}"


@pytest.fixture(autouse=True)
def no_io_from_analysis(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    guarded_open = _guard(_file_target, builtins.open)
    monkeypatch.setattr(builtins, "open", guarded_open)
    monkeypatch.setattr(io, "open", guarded_open)
    monkeypatch.setattr(os, "open", _guard(_file_target, os.open))
    monkeypatch.setattr(socket.socket, "connect", _guard(_always("connect"), socket.socket.connect))
    monkeypatch.setattr(socket.socket, "connect_ex", _guard(_always("connect"), socket.socket.connect_ex))
    monkeypatch.setattr(
        subprocess.Popen, "_execute_child", _guard(_always("process"), subprocess.Popen._execute_child)
    )
    monkeypatch.setattr(os, "system", _guard(_always("system"), os.system))
    yield
