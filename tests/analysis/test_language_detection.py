"""Language detection: routing samples, unknown text, determinism, threads, offline bundled model."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from analysis.language.base import LanguageDetector
from analysis.language.bundled import BundledDetector, clean
from tests.conftest import ROOT, shared_path

SAMPLES = {
    "en": [
        "The new update is great, sync finally works on my phone.",
        "Acme support never answered my ticket. Really disappointed.",
        "Can't believe how slow the app got after 4.2 😡",
        "LOVE THE NEW DARK MODE IN ACME!!!",
    ],
    "zh": [
        "这个应用太好用了，同步速度很快。",
        "客服一直没有回复我的邮件，非常失望。",
        "更新以后经常闪退",
    ],
    "ru": [
        "Приложение стало работать гораздо быстрее после обновления.",
        "Поддержка так и не ответила на моё письмо, очень разочарован.",
        "Отличное приложение, пользуюсь каждый день!",
    ],
    "tr": [
        "Uygulama son güncellemeden sonra çok yavaşladı.",
        "Destek ekibi sorunumu hemen çözdü, çok teşekkürler!",
        "Bu uygulamayı herkese tavsiye ederim.",
    ],
    "ja": [
        "このアプリは本当に便利です。毎日使っています。",
        "アップデートしてから同期ができなくなりました。",
        "サポートの対応がとても早くて助かりました！",
    ],
    "es": [
        "La aplicación funciona muy bien, la recomiendo a todo el mundo.",
        "El soporte no contesta nunca y la sincronización falla cada día.",
    ],
    "de": [
        "Die App ist seit dem letzten Update deutlich langsamer geworden.",
        "Der Kundendienst hat mir sehr schnell geholfen, vielen Dank!",
    ],
}


@pytest.fixture(scope="module")
def detector() -> BundledDetector:
    return BundledDetector().load()


def test_implements_the_protocol(detector):
    assert isinstance(detector, BundledDetector)
    assert callable(detector.detect)
    typed: LanguageDetector = detector  # static check: BundledDetector satisfies the protocol
    assert typed.detect("This is a sentence in English.") == "en"


@pytest.mark.parametrize(("lang", "text"), [(lang, t) for lang, texts in SAMPLES.items() for t in texts])
def test_routing_samples(detector, lang, text):
    assert detector.detect(text) == lang


@pytest.mark.parametrize(
    "text",
    ["", "   ", "😀😀😀", "👍", "https://example.com/some/path?x=1", "@acme #acme", "12345 !!!", "ok"],
)
def test_nothing_to_tell_gives_none(detector, text):
    assert detector.detect(text) is None


def test_single_ideograph_and_kana_are_still_called(detector):
    assert detector.detect("好") == "zh"
    assert detector.detect("すごい") == "ja"
    assert detector.detect("좋아요") == "ko"


def test_handles_urls_and_emoji_around_text(detector):
    text = "@AcmeSupport the app crashed again 😤 https://acme.example/status #acme"
    assert detector.detect(text) == "en"
    assert clean(text) == "the app crashed again"


@pytest.mark.parametrize(
    "text",
    [
        # raw py3langid calls each of these Dutch, Welsh, Italian, French or Swahili
        "Acme 4.1.2 is SO GOOD.",
        "fwiw NOT HAPPY WITH ACMEAPP RIGHT NOW.",
        "WTF?",
        "Bad santa BAD",
        "Pizza time.",
        "So annoyed",
        "LMAO, AMAZING!",
        "Damn typos :(",
    ],
)
def test_short_english_is_never_another_language(detector, text):
    # too little evidence gives None (the pipeline's "unknown"), never a foreign code
    assert detector.detect(text) in ("en", None)


def test_english_shortcut_agrees_with_the_model():
    fast, slow = BundledDetector(), BundledDetector(english_shortcut=False)
    for text in SAMPLES["en"][:3]:
        assert fast.detect(text) == slow.detect(text) == "en"
    # a non-English sentence with English words in it goes to the model, not the shortcut
    assert fast.detect("Die App ist the best, aber der Sync ist kaputt.") == "de"


def test_codes_are_iso_639_1(detector):
    texts = [t for texts in SAMPLES.values() for t in texts]
    for got in detector.detect_many(texts):
        assert got is None or (len(got) == 2 and got.islower())


def test_deterministic(detector):
    texts = [t for texts in SAMPLES.values() for t in texts] + ["Yay yay yay", "fun!!", "hmm. Maybe."]
    first = detector.detect_many(texts)
    assert detector.detect_many(texts) == first
    assert BundledDetector().detect_many(texts) == first


def test_thread_safe(detector):
    texts = [t for texts in SAMPLES.values() for t in texts] * 20
    expected = [detector.detect(t) for t in texts]
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(BundledDetector().detect, texts))
    assert got == expected


def test_no_network(detector, socket_disabled):
    # pytest-socket blocks every socket here; detection must not need one
    assert detector.detect("Приложение стало работать гораздо быстрее.") == "ru"


def test_model_loads_from_the_installed_package(tmp_path):
    """A fresh interpreter, offline, empty HOME and caches: the bundled model alone is used."""
    code = (
        "import py3langid.langid as m, pathlib\n"
        "from analysis.language.bundled import BundledDetector\n"
        "d = BundledDetector().load()\n"
        "assert d.detect('Bu uygulamayı herkese tavsiye ederim.') == 'tr'\n"
        "model = m.MODEL_DIR / m.MODEL_FILE\n"
        "assert model.is_file() and 'site-packages' in str(model.resolve()), model\n"
        "import socket\n"
        "print('ok')\n"
    )
    env = {
        **{k: v for k, v in os.environ.items() if k != "MONITOR_CACHE_DIR"},
        "HOME": str(tmp_path),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "HF_HUB_OFFLINE": "1",
        "NO_PROXY": "*",
        "http_proxy": "http://127.0.0.1:9",
        "https_proxy": "http://127.0.0.1:9",
        "PYTHONPATH": str(ROOT),
    }
    # socket.socket is replaced before anything is imported, so any connection attempt fails loudly
    guard = (
        "import socket\n"
        "def _no(*a, **k): raise RuntimeError('network used')\n"
        "socket.socket.connect = _no\n"
        "socket.create_connection = _no\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", guard + code], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
    assert not (tmp_path / "cache").exists()  # analysis does no I/O of its own (monitor/langid_cache.py does)


def _corpus() -> list[str]:
    """Every text at hand: the samples, the labelled examples and the English ground truth."""
    import csv
    import json

    texts = [t for ts in SAMPLES.values() for t in ts]
    with open(ROOT / "examples/acme/social.jsonl", encoding="utf-8") as fh:
        texts += [json.loads(line)["text"] for line in fh]
    with open(ROOT / "examples/acme/reviews.csv", encoding="utf-8", newline="") as fh:
        texts += [r["text"] for r in csv.DictReader(fh)]
    for path in sorted(shared_path("data", "sentiment").glob("*_GroundTruth.txt")):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            parts = line.split("\t")
            if len(parts) >= 3:
                texts.append(parts[2])
    return texts


def test_trimmed_model_answers_exactly_like_py3langids_own_restriction():
    """The detector builds its model with only the 34 languages' columns; py3langid's set_languages
    keeps all 97 besides. Same slicing, so the same scores to the last bit."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    from analysis.language.bundled import LANGUAGES, _load_identifier

    reference = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    reference.set_languages(list(LANGUAGES))
    ours = _load_identifier(LANGUAGES)
    assert ours.nb_ptc.shape == reference.nb_ptc.shape and ours.nb_classes == reference.nb_classes
    texts = [clean(t) for t in _corpus()]
    assert len(texts) > 5000
    assert [ours.classify(t) for t in texts] == [reference.classify(t) for t in texts]


def test_fast_clean_is_the_defined_clean():
    """`clean` matches runs of punctuation at once and skips the e-mail pattern for texts without
    "@" (analysis/language/bundled.py says why that cannot change its result): it must give what the
    defining pattern `_NOISE` gives, on real texts and on generated ones."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    for text in _corpus():
        assert clean(text) == _defined_clean(text)
        assert clean(text.replace("@", " ")) == _defined_clean(text.replace("@", " "))

    alphabet = st.sampled_from(
        [
            *"ab cé1٣_#&;.-:/'!\"$%()[]{}~`^\u2019\u2003\u202f\u205f\u2028\u200b\n😀\ufe0fwhtps@",
            *("www.", "http://", "&amp;", "a@b.c", "\u2003!@b.c", "#tag", "@hand_le"),
        ]
    )

    @settings(max_examples=5000, deadline=None)
    @given(st.lists(alphabet, max_size=40).map("".join))
    def check(text: str) -> None:
        assert clean(text) == _defined_clean(text)

    check()


def test_cache_changes_no_answer_and_stays_bounded():
    texts = _corpus()[:3000]
    cached, uncached = BundledDetector(cache_size=100), BundledDetector(cache_size=0)
    assert [cached.detect(t) for t in texts + texts] == [uncached.detect(t) for t in texts + texts]
    assert 0 < len(cached._cache) <= 100 and not uncached._cache


def test_punctuation_runs_never_span_whitespace():
    import re

    from analysis.language.bundled import _RUN

    run = re.compile(_RUN)
    for code in [*range(0x10000), *range(0x1F000, 0x1FB00)]:
        ch = chr(code)
        if run.fullmatch(ch):
            assert not ch.isspace() and ch not in "@#&'" and not ch.isalpha(), hex(code)


def _defined_clean(text: str) -> str:
    """`clean` as defined: the `_NOISE` pattern, then split/join and lower case."""
    from analysis.language.bundled import _NOISE

    return " ".join(_NOISE.sub(" ", text.replace("\u2019", "'")).split()).lower()


@pytest.mark.parametrize(
    "text",
    [
        "#", "# ", " #", "a#", "#a", "#-", "#_", "#1", "#-a", "#_a", "#1a", "a#b", "a #b c", "##a", "#a#b",
        "#a-b_c1 d", "#é", "#a'b", "#'a", "it's #great's", "#a.b", "#A", "ÀB #C",
        "@", "@ ", "@a", " @a", "@-", "@_x", "@a@b", "@@a", "@a #b", "#a@b", "@a b@c.d", "x@y.z",
        "@x.y", "@a.b@c.d", "\t@a.b", "\n@a.b", " @a b.c", "(@a) b", ".@a hi", "RT@a hi",
        "&", "&;", "&a", "&a;", "&amp;", "&amp;b", "&#39;", "a&amp;b", "&a#b;", "#a&b;", "&a@b;", "@a&b;",
        "http://", "http://x", "https://x#a y", "#ahttp://x", "@ahttp://x", "xhttp://y", "http:/x",
        "www.", "www.x", "awww.x", "#awww.x y", "&www.x;", "www.&a;", "ww.x", "WWW.X", "HTTP://X",
        "a_b", "a__b", "_", "1a2", "a1b", "12 34", "a-b", "a--b", "-", "a'b", "'", "''", "a ' b",
        "A\x1cB", "a\x1db\x1ec\x1fd", "a\x0bb\x0cc", "a\x00b", "a\x7fb", "a\x1b#b", "#\x1ca",
        "It's GREAT!!! #Acme2024 @Acme_Support &amp; more: http://t.co/x?y=1 www.acme.com :)",
        "acme @anonymous you're a peach. :) #993908", "\r\n  Mixed   CASE\ttabs  ",
    ],
)  # fmt: skip
def test_fast_clean_edge_cases(text):
    assert clean(text) == _defined_clean(text)
    for variant in (text.upper(), text + " #9", "#" + text, "@" + text, text.replace(" ", "\t")):
        assert clean(variant) == _defined_clean(variant), repr(variant)


def test_ascii_clean_is_the_defined_clean_exhaustively():
    """Every ASCII character and pair of characters, and every sequence of up to four pieces from
    the characters and prefixes that the ASCII way treats specially."""
    import itertools

    from analysis.language.bundled import _squeeze, _strip_ascii

    def fast(text: str) -> str | None:
        stripped = _strip_ascii(text)
        return None if stripped is None else _squeeze(stripped)

    ascii_chars = [chr(i) for i in range(128)]
    pieces = ["#", "@", "&", ";", "-", "_", "a", "B", "1", " ", "\x1c", "'", ".", "!", "http://", "www."]
    texts = [*ascii_chars, *map("".join, itertools.product(ascii_chars, repeat=2))]
    for n in range(1, 5):
        texts += map("".join, itertools.product(pieces, repeat=n))
    taken = 0
    for text in texts:
        got = fast(text)
        if got is not None:
            taken += 1
            assert got == _defined_clean(text), repr(text)
        assert clean(text) == _defined_clean(text), repr(text)
    assert taken > 0.8 * len(texts)  # the ASCII way is what is tested here


def test_ascii_clean_on_generated_text():
    """Hypothesis over ASCII text rich in what the fast way treats specially."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    alphabet = st.sampled_from(
        [
            *"aZ e1_#@&;.-:/'!\"$%()[]{}~`^\\\t\n\x0b\x0c\r\x1c\x1f\x00\x7fwhtps",
            *(" @", "www.", "http://", "https://", "&amp;", "&#39;", "a@b.c", " @b.c", "#tag", "@hand_le"),
        ]
    )

    @settings(max_examples=5000, deadline=None)
    @given(st.lists(alphabet, max_size=40).map("".join))
    def check(text: str) -> None:
        assert clean(text) == _defined_clean(text)

    check()


def test_corpus_variants_clean_like_the_definition():
    """The shared texts, and the same with what the fast way keys on moved about."""
    for text in _corpus():
        for variant in (
            text.upper(),
            text.replace("#", " #").replace("@", " @"),
            f"acme {text} #{len(text)}",
            text.replace(" ", "&amp;"),
            text.encode("ascii", "replace").decode(),
        ):
            assert clean(variant) == _defined_clean(variant)


def test_both_caches_change_no_answer_and_stay_bounded():
    """ASCII texts are remembered by their stripped form as well as by their cleaned text."""
    import unicodedata

    texts = [f"acme {t} #{i}" for i, t in enumerate(_corpus()[:1500])]
    texts += [t.upper() for t in texts[:300]] + [t.replace(" ", "  ") for t in texts[:300]]
    cached, uncached = BundledDetector(cache_size=200), BundledDetector(cache_size=0)
    # the answer as defined: the model's decision on the defined clean-up of the NFC text
    want = [uncached._decide(_defined_clean(unicodedata.normalize("NFC", t))) if t else None for t in texts]
    assert [cached.detect(t) for t in texts + texts] == want + want
    assert [uncached.detect(t) for t in texts] == want
    assert 0 < len(cached._stripped) <= 200 and 0 < len(cached._cache) <= 200
    assert not uncached._stripped and not uncached._cache
