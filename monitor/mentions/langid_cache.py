"""An uncompressed copy of py3langid's bundled model, kept in the user's cache directory.

py3langid ships its model xz-compressed (4.5 MB), and decompressing it takes about half a second
each time a process loads it: every command that detects languages, and the scoring pool's fork
server, where it is time `monitor import` waits with a core idle (docs/sentiment.md, "Where the
time goes"). The copy holds exactly the arrays `analysis.language.bundled.bundled_model` returns,
already restricted to the configured languages, uncompressed (an .npz of about 47 MB), so a load is
a plain read of about a tenth of a second. It lives here, not in `analysis` (which does no I/O):
`install()` makes it the detector's model loader; the composition roots call it (the CLI's
`run_main`, the daemon, the scoring pool's fork server and workers), never an import.

It is derived data, never downloaded: it is made from the installed package's own file on first
use, named by a digest of what it was made from (py3langid's version, the model file's size and
modification time, the language list), and written atomically (a temporary file, then a rename), so
a reader sees a whole file or none. Any problem reading or writing it (a read-only home, a full
disk, a damaged file) falls back to the bundled file; a damaged copy is replaced.

`MONITOR_CACHE_DIR` chooses the directory (default `$XDG_CACHE_HOME/brand-monitor`, else
`~/.cache/brand-monitor`); set it to an empty string to keep no copy.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from array import array
from pathlib import Path
from typing import Any

from analysis.language.bundled import Model, bundled_model, use_model_loader

log = logging.getLogger(__name__)

FORMAT = 1  # bump when the layout of the cached file changes
_TYPECODES = {2: "H", 4: "I", 8: "L"}  # what py3langid's loader turns its unsigned arrays into


def cache_dir() -> Path | None:
    """Where the copy lives, or None when caching is switched off (MONITOR_CACHE_DIR="")."""
    configured = os.environ.get("MONITOR_CACHE_DIR")
    if configured is not None:
        return Path(configured).expanduser() if configured.strip() else None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "brand-monitor"


def cache_file(model_file: Path, languages: tuple[str, ...] | None) -> Path | None:
    """The copy's path for this model file and language list (None when caching is off)."""
    directory = cache_dir()
    if directory is None:
        return None
    from importlib.metadata import version

    stat = model_file.stat()
    key = repr((FORMAT, version("py3langid"), stat.st_size, stat.st_mtime_ns, languages))
    return directory / f"langid-{hashlib.sha256(key.encode()).hexdigest()[:16]}.npz"


def bundled_file() -> Path:
    """py3langid's own model file (MODEL_FILE is relative to the installed package)."""
    from py3langid.langid import MODEL_DIR, MODEL_FILE

    return Path(MODEL_DIR) / MODEL_FILE


def cached_model(languages: tuple[str, ...] | None) -> Model:
    """`bundled_model(languages)`: from the cached copy when there is a good one, else from the
    bundled file (and then cached for the next process)."""
    try:
        path = cache_file(bundled_file(), languages)
    except OSError:
        path = None
    if path is not None and path.is_file():
        try:
            return _read(path)
        except Exception as exc:  # a damaged or foreign file: rebuild it below
            log.debug("language model cache %s unreadable (%s): rebuilding it", path, exc)
    model = bundled_model(languages)
    if path is not None:
        _write(path, model)
    return model


def install() -> None:
    """Make the detector load its model through the cached copy (idempotent)."""
    use_model_loader(cached_model)


def _write(path: Path, model: Model) -> None:
    import numpy as np

    ptc, pc, classes, nextmove, row, output = model
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=path.stem, suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                np.savez(
                    fh,
                    ptc=ptc,
                    pc=pc,
                    classes=np.array(classes),
                    nextmove=np.frombuffer(nextmove, dtype=f"u{nextmove.itemsize}"),
                    row=np.frombuffer(row, dtype=f"u{row.itemsize}"),
                    output=np.asarray(output, dtype=np.int64),
                )
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        log.debug("language model cache %s not written (%s): loading from the bundled file", path, exc)


def _read(path: Path) -> Model:
    import numpy as np

    with np.load(path, allow_pickle=False) as data:
        return (
            data["ptc"],
            data["pc"],
            data["classes"].tolist(),
            _stdlib_array(data["nextmove"]),
            _stdlib_array(data["row"]),
            data["output"].tolist(),
        )


def _stdlib_array(values: Any) -> array:
    """A numpy unsigned array as the stdlib array py3langid's loader makes of it (same type code)."""
    out = array(_TYPECODES[values.dtype.itemsize])
    out.frombytes(memoryview(values).cast("B"))  # one copy (tobytes() would make a second, 39 MB)
    return out
