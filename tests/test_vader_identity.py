"""FastSentimentIntensityAnalyzer must score exactly like vaderSentiment 3.3.2.

`polarity_scores(t)` of the fast subclass is compared with `==` (dict equality, same floats) to
the plain analyzer on: every text of the shared ground-truth sets plus three mutations of each
(caps, emoji, punctuation / contrast words), 100,000 seeded random texts built from VADER's own
lexicon, boosters, negations, idioms, emoticons and emoji, and a hypothesis property on
arbitrary unicode text. Any mismatch prints the text (repr) and both results.
"""

from __future__ import annotations

import random
import string
import sys
from collections.abc import Iterable
from importlib.metadata import version

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from vaderSentiment.vaderSentiment import (
    BOOSTER_DICT,
    NEGATE,
    SENTIMENT_LADEN_IDIOMS,
    SPECIAL_CASES,
    SentimentIntensityAnalyzer,
)

from analysis.vader_fast import FastSentimentIntensityAnalyzer
from tests.conftest import shared_path

PLAIN = SentimentIntensityAnalyzer()
FAST = FastSentimentIntensityAnalyzer()
GROUND_TRUTH = ("tweets_GroundTruth.txt", "amazonReviewSnippets_GroundTruth.txt")


def assert_identical(texts: Iterable[str], plain=PLAIN, fast=FAST) -> int:
    mismatches = []
    n = 0
    for t in texts:
        n += 1
        want = plain.polarity_scores(t)
        got = fast.polarity_scores(t)
        if got != want:
            mismatches.append((t, want, got))
    for t, want, got in mismatches[:20]:
        print(f"MISMATCH {t!r}\n  vader 3.3.2: {want}\n  fast:        {got}")
    assert not mismatches, f"{len(mismatches)} of {n} texts score differently (first ones printed)"
    return n


# ---------------------------------------------------------------- generated texts

_LEX = sorted(PLAIN.lexicon)
_LEX_WORDS = [w for w in _LEX if w.isalpha()]
_EMOTICONS = [w for w in _LEX if not any(c.isalpha() for c in w)] + [":D", "XD", ":-P", ":p", "<3", "</3"]
_EMOJI = sorted(PLAIN.emojis)
_EMOJI_1 = [e for e in _EMOJI if len(e) == 1]
_BOOSTERS = sorted(BOOSTER_DICT)
# fmt: off
_NT = ["isn't", "don't", "won't", "can't", "ain't", "wouldn't", "shouldn't", "didn't", "doesn't",
       "couldnt", "wasnt", "Isn't", "DON'T", "n't", "ISN'T"]
_IDIOMS = sorted(SPECIAL_CASES) + sorted(SENTIMENT_LADEN_IDIOMS)
_RULE_WORDS = ["but", "BUT", "But", "least", "at least", "very least", "the least", "kind of", "Kind Of",
               "kind", "of", "sort of", "no", "No", "NO", "nor", "or", "never so", "never this",
               "without doubt", "without a doubt", "never", "so", "this", "not", "very", "at",
               "just enough", "kind-of", "yeah right", "the shit", "the bomb"]
_FILLER = ["the", "a", "it", "is", "was", "product", "phone", "acme", "service", "I", "you", "we",
           "today", "and", "really", "update", "app", "2", "10/10", "#brand", "@acme", "http://x.co/a"]
_NON_ASCII = ["café", "naïve", "Straße", "İstanbul", "ΣΊΣΥΦΟΣ", "ΟΔΟΣ", "привет", "ХОРОШО", "日本語",
              "很好", "مرحبا", "ǅemal", "ﬁne", "e\u0301", "\u200d", "\ufeff", "Ⅻ", "ꓘ", "\U0001d400BC",
              "goöd", "GOÖD", "ς", "Σ"]
_PUNCT = ["!", "!!", "!!!", "!!!!!", "?", "??", "???", "????", "?!", "?!?!", ".", "...", ",", ";", ":", "-",
          "--", "'", '"', "(", ")", "*", "…", "¡", "¿"]
_EDGE = ["", " ", "  ", "\t", "\n", " \t\n ", "\u00a0", "\u3000", "!!!", "??", "?", "!", "but", "BUT",
         "no", "least", "kind of", "not", "n't", "😀", " 😀 ", "😀😀", "x😀", "😀x", "😀!", "☺️", "👍🏻",
         ":)", ":(", "(:", "LOL", "lol", "GOOD", "good", "Good!", "very", "VERY GOOD", "no no no"]
# fmt: on
_SEPS = [" "] * 12 + ["", "  ", "\t", "\n", "\r\n", "\u00a0", "\u2003", "\u3000", " \u200b "]


def _case(rnd: random.Random, w: str) -> str:
    r = rnd.random()
    if r < 0.6:
        return w
    if r < 0.8:
        return w.upper()
    if r < 0.9:
        return w.title()
    return "".join(c.upper() if rnd.random() < 0.5 else c for c in w)


def _token(rnd: random.Random) -> str:
    r = rnd.random()
    if r < 0.30:
        w = _case(rnd, rnd.choice(_LEX_WORDS))
    elif r < 0.40:
        w = _case(rnd, rnd.choice(_BOOSTERS))
    elif r < 0.48:
        w = _case(rnd, rnd.choice(NEGATE + _NT))
    elif r < 0.56:
        w = _case(rnd, rnd.choice(_RULE_WORDS))
    elif r < 0.60:
        w = _case(rnd, rnd.choice(_IDIOMS))
    elif r < 0.66:
        w = rnd.choice(_EMOTICONS)
    elif r < 0.74:
        w = rnd.choice(_EMOJI_1) if rnd.random() < 0.7 else rnd.choice(_EMOJI)
    elif r < 0.78:
        w = rnd.choice(_NON_ASCII)
    elif r < 0.86:
        w = rnd.choice(_PUNCT)
    elif r < 0.88:
        w = rnd.choice(_LEX)  # any lexicon entry, including multi-word and odd ones
    else:
        w = _case(rnd, rnd.choice(_FILLER))
    # glue punctuation or an emoji onto a word
    if rnd.random() < 0.15:
        w = rnd.choice(_PUNCT) + w
    if rnd.random() < 0.2:
        w = w + rnd.choice(_PUNCT)
    if rnd.random() < 0.06:
        w = w + rnd.choice(_EMOJI_1)
    if rnd.random() < 0.03:
        w = rnd.choice(_EMOJI_1) + w
    if rnd.random() < 0.02:
        w = w + "n't"
    return w


def generated_texts(n: int, seed: int = 20260) -> list[str]:
    """n seeded texts: mostly 1-30 tokens from the pools above, some edge cases."""
    rnd = random.Random(seed)
    out = list(_EDGE)
    while len(out) < n:
        k = rnd.choice((1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 30))
        parts = []
        for _ in range(k):
            parts.append(_token(rnd))
            parts.append(rnd.choice(_SEPS))
        text = "".join(parts)
        if rnd.random() < 0.1:
            text = rnd.choice(_SEPS) + text
        out.append(text)
    return out[:n]


def _mutations(rnd: random.Random, text: str) -> list[str]:
    words = text.split(" ")
    caps = " ".join(w.upper() if rnd.random() < 0.3 else w for w in words)
    emo = list(words)
    for _ in range(rnd.randint(1, 3)):
        e = rnd.choice(_EMOJI_1)
        pos = rnd.randrange(len(emo) + 1)
        if rnd.random() < 0.5 and emo:  # glued to a word
            pos = min(pos, len(emo) - 1)
            emo[pos] = emo[pos] + e if rnd.random() < 0.5 else e + emo[pos]
        else:
            emo.insert(pos, e)
    mixed = list(words)
    extra = rnd.choice(["but", "BUT", "not", "never", "least", "kind of"])
    mixed.insert(rnd.randrange(len(mixed) + 1), extra)
    return [caps, " ".join(emo), " ".join(mixed) + rnd.choice(_PUNCT)]


def ground_truth_texts() -> list[str]:
    texts = []
    for name in GROUND_TRUTH:
        path = shared_path("data", "sentiment", name)
        with open(path, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                parts = line.rstrip("\r\n").split("\t")
                if len(parts) >= 3:
                    texts.append(parts[2])
    return texts


# ---------------------------------------------------------------- tests


def test_vader_version_is_the_one_reproduced():
    # the fast path restates 3.3.2's code: another version needs the module re-checked
    assert version("vaderSentiment") == "3.3.2"


def test_lower_is_idempotent_for_every_code_point():
    # _negated() relies on it: vaderSentiment lower-cases already lower-cased tokens again.
    chars = "".join(map(chr, range(sys.maxunicode + 1)))
    low = chars.lower()
    assert low.lower() == low
    assert all(c.lower().lower() == c.lower() for c in map(chr, range(sys.maxunicode + 1)))


def test_ground_truth_and_mutations_identical():
    texts = ground_truth_texts()
    assert len(texts) > 7000
    rnd = random.Random(7)
    variants = [m for t in texts for m in _mutations(rnd, t)]
    assert assert_identical(texts + variants) == 4 * len(texts)


def test_generated_100k_identical():
    texts = generated_texts(100_000)
    assert len(set(texts)) > 95_000
    assert sum(not FAST.emojis.keys().isdisjoint(t) for t in texts) > 20_000  # the emoji path is hit
    assert assert_identical(texts) == 100_000


def test_lexicon_overrides_apply_identically():
    # brand overrides mutate analyzer.lexicon: the fast path must read it live
    plain, fast = SentimentIntensityAnalyzer(), FastSentimentIntensityAnalyzer()
    for a in (plain, fast):
        a.lexicon = dict(a.lexicon)  # rebound, as analysis.lexicon.build_analyzer does
        a.lexicon.update({"crash": 0.0, "least": 1.2, "acme": 2.0, "no": 0.0, "kind": -1.0, "but": 0.5})
        del a.lexicon["good"]
        a.emojis["x"] = "ex marks the spot"  # a plain letter as an "emoji"
    texts = generated_texts(3000, seed=5)
    texts += ["acme crash", "at least good", "not the least acme", "no good", "kind of acme", "box of xxx"]
    assert_identical(texts, plain, fast)


@pytest.mark.parametrize("value", [b"", b"good", None, 3, 2.5, ["good"]])
def test_non_str_input_behaves_the_same(value):
    try:
        want = PLAIN.polarity_scores(value)
    except Exception as exc:  # the same exception type, or the same result
        with pytest.raises(type(exc)):
            FAST.polarity_scores(value)
    else:
        assert FAST.polarity_scores(value) == want


_ALPHABET = st.one_of(
    st.characters(),
    st.sampled_from(_EMOJI_1),
    st.sampled_from(list(string.punctuation + string.whitespace)),
    st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF),
)
_WORDS = st.sampled_from(_LEX_WORDS + _BOOSTERS + NEGATE + _NT + _RULE_WORDS + _EMOTICONS + _EMOJI + _PUNCT)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=_ALPHABET, max_size=200))
def test_property_arbitrary_text(text):
    assert FAST.polarity_scores(text) == PLAIN.polarity_scores(text)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(_WORDS, st.sampled_from(_SEPS), st.booleans()), max_size=25))
def test_property_vader_vocabulary(parts):
    text = "".join((w.upper() if up else w) + sep for w, sep, up in parts)
    assert FAST.polarity_scores(text) == PLAIN.polarity_scores(text)
