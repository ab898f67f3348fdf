"""FastSentimentIntensityAnalyzer must score exactly like vaderSentiment 3.3.2.

`polarity_scores(t)` of the fast subclass is compared with `==` (dict equality, same floats) and
`repr` (same types and signs of zero too) to the plain analyzer on: every text of the shared
ground-truth sets plus three mutations of each (caps, emoji, punctuation / contrast words),
100,000 seeded random texts built from VADER's own lexicon, boosters, negations, idioms,
emoticons and emoji, 60,000 short texts made only of the words VADER's rules look at (every
booster / negation / rule word in every position before a lexicon word), hand-picked idiom and
rule cases, and hypothesis properties on arbitrary unicode text. Any mismatch prints the text
(repr) and both results. The string facts and frozen sets the fast path relies on are checked
too.
"""

from __future__ import annotations

import itertools
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

import analysis.sentiment._vader_fast as vader_fast
from analysis.sentiment._vader_fast import FastSentimentIntensityAnalyzer
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
        if got != want or repr(got) != repr(want):  # repr: same types and signs of zero too
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


# The words the rules of sentiment_valence look at, around a few lexicon words: boosters (one
# and multi-word), negations, "no" / "or" / "nor", "least" / "at" / "very", "never" / "so" /
# "this", "without" / "doubt", "kind" / "of", "but", every word of a multi-word idiom or booster
# key (SPECIAL_CASES, BOOSTER_DICT), plus fillers and punctuation-glued forms.
# fmt: off
_RULE_VOCAB = sorted(
    {p for k in (*SPECIAL_CASES, *BOOSTER_DICT, *SENTIMENT_LADEN_IDIOMS) if " " in k for p in k.split()}
    | {"good", "bad", "love", "hate", "great", "terrible", "ok", "no", "doubt", "kind", "of", "but",
       "not", "never", "without", "nor", "or", "least", "at", "very", "so", "this", "isn't", "n't",
       "don't", "cannot", "rarely", "really", "extremely", "slightly", "kinda", "sort", "barely",
       "acme", "it", "is", "a", "phone", "x", "good!", "(bad)", "no,", "least.", "so...", ":)",
       "!!!", "?", "!?"}
)
# fmt: on


def rule_texts(n: int, seed: int = 11) -> list[str]:
    """n distinct seeded texts of 1-9 words of _RULE_VOCAB, some words ALL CAPS or Title case."""
    rnd = random.Random(seed)
    out: dict[str, None] = {}
    while len(out) < n:
        words = []
        for _ in range(rnd.randint(1, 9)):
            w = rnd.choice(_RULE_VOCAB)
            r = rnd.random()
            words.append(w.upper() if r < 0.2 else w.title() if r < 0.25 else w)
        out[" ".join(words)] = None
    return list(out)


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


def test_rule_words_in_every_position_identical():
    assert assert_identical(rule_texts(60_000)) == 60_000


# fmt: off
_CASES = [
    "kiss of death", "it was the kiss of death for acme", "THE KISS OF DEATH", "the kiss of death!",
    "the bomb", "acme is the bomb", "acme is THE BOMB", "this phone is the bomb", "it is the shit",
    "yeah right", "acme yeah right", "oh yeah right good", "cut the mustard", "it can cut the mustard",
    "bad ass", "a bad ass phone", "acme is a bad ass phone", "bus stop", "the bus stop is good",
    "to die for", "acme food to die for", "a beating heart", "it has a beating heart",
    "just enough good", "it is just enough good", "kind of good", "it is kind of good", "sort of bad",
    "acme sort of bad", "kind of", "very good", "it very good", "very it good", "very it is good",
    "VERY good", "very GOOD", "VERY GOOD", "VERY GOOD acme", "extremely x good", "so x x good",
    "least good", "at least good", "very least good", "the least good", "x least good",
    "no good", "no x good", "no x x good", "no or good", "no nor good", "no x or good", "no no good",
    "no", "no no", "good no", "never so good", "never this good", "never x so good", "never x good",
    "x never so good", "so good", "this good", "this x good", "without doubt good",
    "without a doubt good", "without x doubt good", "without doubt", "doubt", "it isn't good",
    "isn't x good", "x x isn't good", "it's good", "it doesn't x x good", "good but bad",
    "good but bad but good", "but", "BUT good", "good BUT bad", "Good but BAD!", "bad bad but bad bad",
    "GOOD good", "GOOD", "good", "GOOD GOOD", "GOOD!!! good", "acme GOOD acme", "kind of GOOD",
    "Really GOOD", "REALLY good", "REALLY GOOD acme", "not REALLY good", "NOT good at all",
]
# fmt: on


def test_idioms_and_rules_identical():
    assert_identical(_CASES)
    # each case in every position of a longer text, and behind up to three fillers
    texts = [
        f"{pre} {c} {post}" for c in _CASES for pre in ("", "acme", "a b c") for post in ("", "ok", "x y")
    ]
    texts += [" ".join(p) for p in itertools.product(["no", "very", "never", "least", "so", "x"], repeat=3)]
    texts = [t + " good" for t in texts] + texts
    assert_identical(texts)


def test_frozen_sets_match_the_module_values():
    # vader_fast freezes these at import time: they must equal what the live module values give
    frozen = vader_fast._NEGATE, vader_fast._RULE_WORDS, vader_fast._IDIOM_PARTS
    parts = {p for k in (*SPECIAL_CASES, *BOOSTER_DICT) if " " in k for p in k.split(" ")}
    assert frozen == (set(NEGATE), set(NEGATE) | {"so", "this", "no", "least"}, parts)
    assert {"the", "bomb", "kiss", "of", "death", "kind", "sort", "just", "enough"} <= parts
    # _BOOSTER_KEYS is a live view of BOOSTER_DICT, not a copy
    BOOSTER_DICT["zzz-booster"] = 0.5
    try:
        assert "zzz-booster" in vader_fast._BOOSTER_KEYS
    finally:
        del BOOSTER_DICT["zzz-booster"]
    assert "zzz-booster" not in vader_fast._BOOSTER_KEYS


def test_string_facts_the_fast_path_relies_on():
    chars = list(map(chr, range(sys.maxunicode + 1)))
    # tokens never contain " " after lower(): a sequence of joined tokens splits back into them
    assert not [c for c in chars if c != " " and " " in c.lower()]
    # "n't" in a lower-cased token needs a "'" in the text
    assert not [c for c in chars if c != "'" and "'" in c.lower()]
    for c in string.punctuation:
        # no cased character: isupper() of a token is that of its punctuation-stripped form
        assert not (c.isupper() or c.islower() or c.istitle())
        assert (c + "A").isupper() and not (c + "a").isupper() and not c.isupper()
        # an isalpha() token has nothing to strip
        assert not c.isalpha()


def test_lexicon_overrides_apply_identically():
    # brand overrides mutate analyzer.lexicon: the fast path must read it live
    plain, fast = SentimentIntensityAnalyzer(), FastSentimentIntensityAnalyzer()
    for a in (plain, fast):
        a.lexicon = dict(a.lexicon)  # rebound, as analysis.sentiment.lexicon.build_analyzer does
        a.lexicon.update({"crash": 0.0, "least": 1.2, "acme": 2.0, "no": 0.0, "kind": -1.0, "but": 0.5})
        # int values (ints until a float is added) and zeros (negated: -0.0)
        a.lexicon.update({"meh": 0, "wow": 3, "bleh": -2, "the": 1, "so": 0.0})
        del a.lexicon["good"]
        a.emojis["x"] = "ex marks the spot"  # a plain letter as an "emoji"
    texts = generated_texts(3000, seed=5)
    texts += ["acme crash", "at least good", "not the least acme", "no good", "kind of acme", "box of xxx"]
    texts += [
        "wow",
        "meh",
        "bleh",
        "acme wow",
        "a b c wow",
        "a wow b",
        "no meh",
        "not meh",
        "no x meh",
        "WOW meh",
        "meh but wow",
        "wow wow but meh meh",
        "the bomb",
        "so meh",
        "very meh",
        "crash wow meh bleh",
        "acme acme acme wow",
        "wow acme acme acme bleh",
        "no crash",
        "wow!!",
        "meh??",
        "WOW bleh",
    ]
    texts += rule_texts(3000, seed=3)
    assert_identical(texts, plain, fast)


def test_sentiment_lists_identical_before_scoring(monkeypatch):
    # Stricter than the scores: the per-token values handed to score_valence have the same
    # repr (int 0 vs 0.0, the sign of a zero valence), with int and zero lexicon values too.
    class Plain(SentimentIntensityAnalyzer):
        def score_valence(self, sentiments, text):
            seen["plain"] = repr(sentiments)
            return super().score_valence(sentiments, text)

    def fast_score_valence(sentiments, text):
        seen["fast"] = repr(sentiments)
        return score_valence(sentiments, text)

    seen: dict[str, str] = {}
    score_valence = vader_fast._score_valence
    monkeypatch.setattr(vader_fast, "_score_valence", fast_score_valence)
    plain, fast = Plain(), FastSentimentIntensityAnalyzer()
    for a in (plain, fast):
        a.lexicon = dict(a.lexicon)
        a.lexicon.update({"meh": 0, "wow": 3, "bleh": -2, "acme": 0.0, "x": 1})
    rnd = random.Random(4)
    vocab = ["meh", "wow", "bleh", "acme", "x", "good", "no", "not", "very", "the", "bomb", "but", "y", "WOW"]
    texts = [" ".join(rnd.choices(vocab, k=rnd.randint(1, 7))) for _ in range(20_000)]
    compared = 0
    for t in texts + rule_texts(3000, seed=2) + generated_texts(3000, seed=9) + _CASES:
        seen.clear()
        assert fast.polarity_scores(t) == plain.polarity_scores(t)
        if "fast" in seen:  # texts without a lexicon word skip scoring in the fast path
            assert seen["fast"] == seen["plain"], t
            compared += 1
    assert compared > 20_000


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
    assert_identical([text])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(_WORDS, st.sampled_from(_SEPS), st.booleans()), max_size=25))
def test_property_vader_vocabulary(parts):
    text = "".join((w.upper() if up else w) + sep for w, sep, up in parts)
    assert_identical([text])


def test_emoji_dict_changes_are_seen_through_every_mutator():
    """ASCII texts skip the emoji scan while no emoji key is ASCII; the dict notices its changes."""
    plain, fast = SentimentIntensityAnalyzer(), FastSentimentIntensityAnalyzer()
    texts = ["x marks good", "a b c", "bad x", "😀 x", "yes", "ok :)", "z"]

    def same() -> None:
        expected = [repr(plain.polarity_scores(t)) for t in texts]
        assert [repr(fast.polarity_scores(t)) for t in texts] == expected

    same()
    steps = [
        lambda e: e.__setitem__("x", "great"),
        lambda e: e.__delitem__("x"),
        lambda e: e.update({"a": "terrible"}, b="love"),
        lambda e: e.pop("a"),
        lambda e: e.setdefault("c", "awful"),
        lambda e: e.__ior__({"z": "happy"}),
        lambda e: e.popitem(),
        lambda e: e.clear(),
    ]
    for step in steps:
        for analyzer in (plain, fast):
            result = step(analyzer.emojis)
            if isinstance(result, dict):  # |= returns the dict: rebind as the statement would
                analyzer.emojis = result
        same()
    for analyzer in (plain, fast):
        analyzer.emojis = {"y": "excellent"}  # a plain dict bound in place of the analyzer's own
    texts.append("y y")
    same()
