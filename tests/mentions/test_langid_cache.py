"""The uncompressed copy of py3langid's bundled model (monitor/mentions/langid_cache.py): the same model,
read instead of decompressed, and never a reason for detection to fail."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from py3langid.langid import MODEL_FILE, LanguageIdentifier

from analysis.language import bundled as langdetect
from analysis.language.bundled import LANGUAGES, bundled_model, clean
from monitor.mentions import langid_cache
from tests.analysis.test_language_detection import _corpus


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv("MONITOR_CACHE_DIR", str(directory))
    return directory


def _same(a: langdetect.Model, b: langdetect.Model) -> None:
    for x, y in zip(a, b, strict=True):
        assert type(x) is type(y)
        if isinstance(x, np.ndarray):
            assert x.dtype == y.dtype and x.shape == y.shape and np.array_equal(x, y)
        else:
            assert getattr(x, "typecode", None) == getattr(y, "typecode", None) and x == y


def test_first_load_writes_the_copy_and_the_next_reads_it(cache: Path, monkeypatch: pytest.MonkeyPatch):
    first = langid_cache.cached_model(LANGUAGES)
    files = list(cache.glob("langid-*.npz"))
    assert len(files) == 1 and not list(cache.glob("*.tmp"))

    def bundled_must_not_be_read(*_args: object) -> None:
        raise AssertionError("the bundled file was decompressed again")

    monkeypatch.setattr(langid_cache, "bundled_model", bundled_must_not_be_read)
    _same(langid_cache.cached_model(LANGUAGES), first)


def test_the_copy_answers_exactly_like_the_bundled_model(cache: Path):
    fresh = langid_cache.cached_model(LANGUAGES)  # decompressed (and written)
    cached = langid_cache.cached_model(LANGUAGES)  # read back
    _same(cached, fresh)
    ours = LanguageIdentifier(*cached[:4], cached[5], norm_probs=True, tk_row=cached[4])
    reference = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    reference.set_languages(list(LANGUAGES))
    texts = [clean(t) for t in _corpus()]
    assert [ours.classify(t) for t in texts] == [reference.classify(t) for t in texts]


def test_each_language_list_has_its_own_copy(cache: Path):
    few = langid_cache.cached_model(("en", "tr"))
    assert few[2] == ["en", "tr"] and few[0].shape[1] == 2
    langid_cache.cached_model(LANGUAGES)
    assert len(list(cache.glob("langid-*.npz"))) == 2
    with pytest.raises(ValueError, match="Unknown language"):
        langid_cache.cached_model(("en", "xx"))


def test_a_damaged_copy_is_replaced(cache: Path):
    good = langid_cache.cached_model(LANGUAGES)
    (path,) = cache.glob("langid-*.npz")
    path.write_bytes(path.read_bytes()[: 1 << 20])  # cut short, as by a full disk
    _same(langid_cache.cached_model(LANGUAGES), good)
    _same(langid_cache._read(path), good)  # rewritten whole


def test_no_usable_directory_means_no_copy_and_no_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("MONITOR_CACHE_DIR", str(blocker / "cache"))  # mkdir fails, even for root
    reference = bundled_model(LANGUAGES)
    _same(langid_cache.cached_model(LANGUAGES), reference)
    monkeypatch.setenv("MONITOR_CACHE_DIR", "")  # switched off
    assert langid_cache.cache_dir() is None
    _same(langid_cache.cached_model(LANGUAGES), reference)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


def test_the_cli_installs_the_copy_and_importing_monitor_does_not(tmp_path: Path) -> None:
    """The composition roots install the cached loader (here the CLI's `run_main`); an import has
    no such side effect, and analysis alone reads the bundled file."""
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    detect = (
        "from analysis.language.bundled import BundledDetector\n"
        "assert BundledDetector().detect('Bu uygulamayı herkese tavsiye ederim.') == 'tr'\n"
    )
    env = {**os.environ, "MONITOR_CACHE_DIR": str(tmp_path / "c"), "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-c", "import monitor.mentions.pipeline\n" + detect], env=env, check=True)
    assert not (tmp_path / "c").exists()
    cli = "from monitor.cli import run_main\nassert run_main(['--version']) == 0\n"
    subprocess.run([sys.executable, "-c", cli + detect], env=env, cwd=tmp_path, check=True)
    assert len(list((tmp_path / "c").glob("langid-*.npz"))) == 1
