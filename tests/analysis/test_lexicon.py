"""Brand lexicon overrides on top of VADER's lexicon: analysis/sentiment/lexicon.py."""

from __future__ import annotations

import pickle

import pytest
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from analysis.sentiment.lexicon import LexiconError, LexiconOverrides, build_analyzer


def compound(analyzer: SentimentIntensityAnalyzer, text: str) -> float:
    return analyzer.polarity_scores(text)["compound"]


def test_neutral_word_stops_counting_and_others_are_unchanged() -> None:
    plain = SentimentIntensityAnalyzer()
    default_crash = plain.lexicon["crash"]
    brand = build_analyzer({"crash": "neutral"})
    other = build_analyzer()

    assert compound(plain, "Crash Bandicoot") == pytest.approx(-0.4019)
    assert compound(brand, "Crash Bandicoot") == 0.0
    assert "crash" not in brand.lexicon
    # the other analyzers (one built before, one after) still have the word
    assert plain.lexicon["crash"] == default_crash == -1.7
    assert other.lexicon["crash"] == -1.7
    assert compound(other, "Crash Bandicoot") == pytest.approx(-0.4019)
    assert compound(SentimentIntensityAnalyzer(), "Crash Bandicoot") == pytest.approx(-0.4019)
    assert brand.lexicon is not other.lexicon
    # everything else is VADER's lexicon, untouched
    assert {k: v for k, v in plain.lexicon.items() if k != "crash"} == brand.lexicon


def test_zero_means_neutral_even_in_all_caps() -> None:
    # VADER adds ALL-CAPS emphasis to any lexicon word, even one of valence 0.0, so neutral
    # must remove the word: with `lexicon["crash"] = 0.0` this text would score 0.1387.
    zero_in_lexicon = SentimentIntensityAnalyzer()
    zero_in_lexicon.lexicon["crash"] = 0.0
    assert compound(zero_in_lexicon, "the game did not CRASH at all") != 0.0
    for value in (0, 0.0, "neutral", "Neutral"):
        brand = build_analyzer({"crash": value})
        assert compound(brand, "the game did not CRASH at all") == 0.0


def test_valence_override_changes_the_score() -> None:
    plain = SentimentIntensityAnalyzer()
    brand = build_analyzer({"killer": 2.5, "sick": 3})
    assert compound(plain, "killer features") < 0
    assert compound(brand, "killer features") > 0
    assert brand.lexicon["killer"] == 2.5
    assert brand.lexicon["sick"] == 3.0
    # a word VADER does not know can be added
    assert compound(plain, "bandicoot") == 0.0
    assert compound(build_analyzer({"bandicoot": 1.5}), "bandicoot") > 0


def test_fast_analyzer_class() -> None:
    from analysis.sentiment._vader_fast import FastSentimentIntensityAnalyzer as cls

    fast = build_analyzer({"crash": "neutral", "killer": 2.5}, analyzer_class=cls)
    slow = build_analyzer({"crash": "neutral", "killer": 2.5})
    assert isinstance(fast, cls)
    for text in ["Crash Bandicoot is a killer game", "did not CRASH", "no crash today!"]:
        assert fast.polarity_scores(text) == slow.polarity_scores(text)


def test_overrides_are_frozen_and_picklable() -> None:
    o = LexiconOverrides.parse({"crash": "neutral", "killer": 2.5, "bandicoot": 0})
    assert o.valences == (("killer", 2.5),)
    assert o.neutral == ("bandicoot", "crash")
    assert o.as_dict() == {"bandicoot": 0.0, "crash": 0.0, "killer": 2.5}
    assert pickle.loads(pickle.dumps(o)) == o
    assert hash(o) == hash(LexiconOverrides.parse({"killer": 2.5, "crash": 0, "bandicoot": "neutral"}))
    assert not LexiconOverrides.parse({})
    assert not LexiconOverrides.parse(None)
    lexicon = {"crash": -1.7, "good": 1.9}
    assert o.apply(lexicon) == {"good": 1.9, "killer": 2.5}
    assert lexicon == {"crash": -1.7, "good": 1.9}  # input untouched


@pytest.mark.parametrize(
    ("raw", "word", "reason"),
    [
        ({"Crash": 0}, "Crash", "expected lower case ('crash'): VADER lower-cases words first"),
        ({"fed up": -2}, "fed up", "expected a single word: VADER looks words up one at a time"),
        ({"crash!": 0}, "crash!", "VADER strips leading and trailing punctuation, so write 'crash'"),
        ({"": 1}, "", "expected a non-empty word"),
        ({"crash": 5}, "crash", "expected a valence from -4 to 4 (VADER's scale), got 5"),
        ({"crash": -4.5}, "crash", "expected a valence from -4 to 4 (VADER's scale), got -4.5"),
        ({"crash": float("nan")}, "crash", "expected a valence from -4 to 4"),
        ({"crash": "meh"}, "crash", "expected a number from -4 to 4 or \"neutral\", got 'meh'"),
        ({"crash": True}, "crash", 'expected a number from -4 to 4 or "neutral", got True'),
        ({"crash": [1]}, "crash", 'expected a number from -4 to 4 or "neutral", got [1]'),
    ],
)
def test_invalid_overrides(raw: dict[str, object], word: str, reason: str) -> None:
    with pytest.raises(LexiconError) as info:
        LexiconOverrides.parse(raw)
    assert info.value.word == word
    assert info.value.reason.startswith(reason)
    assert str(info.value) == f"{word}: {info.value.reason}"
    assert isinstance(info.value, ValueError)  # pydantic validators report ValueError


def test_emoticons_keep_their_punctuation() -> None:
    # short tokens keep their punctuation in VADER (emoticons), so they are valid keys
    o = LexiconOverrides.parse({":(": "neutral", ":-)": 0.5})
    assert compound(build_analyzer(o), "it crashed :(") == compound(
        SentimentIntensityAnalyzer(), "it crashed"
    )


def test_bad_table_type() -> None:
    with pytest.raises(TypeError, match="expected a table of word = valence"):
        LexiconOverrides.parse([("crash", 0)])  # type: ignore[arg-type]
