"""Sentiment scoring behind a per-language scorer interface.

English goes through vaderSentiment; text in a language no scorer handles is *unscored*: it is
counted in volume but never passed off as neutral. The language is the one the source states,
else the detector's (`analysis.language.base` protocol, `analysis.language.bundled` by default).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple, Protocol

from analysis.language.base import LanguageDetector
from analysis.language.bundled import BundledDetector
from analysis.sentiment._vader_fast import FastSentimentIntensityAnalyzer
from analysis.sentiment.lexicon import LexiconOverrides, build_analyzer

_NOT_A_LANGUAGE = frozenset({"", "und", "zxx", "qme", "qht", "qam", "qst", "art"})
LABEL_THRESHOLD = 0.05  # VADER's own recommendation for compound: >= 0.05 positive, <= -0.05 negative


# Score and Scored are named tuples, not frozen dataclasses: equally immutable, and built in half
# the time, once per mention on the import's hot path (docs/sentiment.md, "Throughput and memory").
class Score(NamedTuple):
    compound: float | None
    pos: float | None
    neu: float | None
    neg: float | None
    label: str  # positive, neutral, negative, unscored

    @property
    def scored(self) -> bool:
        return self.label != "unscored"


UNSCORED = Score(None, None, None, None, "unscored")


def label_for(compound: float) -> str:
    if compound >= LABEL_THRESHOLD:
        return "positive"
    if compound <= -LABEL_THRESHOLD:
        return "negative"
    return "neutral"


class Scorer(Protocol):
    """One sentiment backend; `languages` are the ISO 639-1 codes it can read."""

    languages: frozenset[str]

    def score(self, text: str) -> Score: ...


class VaderScorer:
    """vaderSentiment 3.3.2's scores (the reference the benchmarks compare to). A brand's lexicon
    overrides apply to this scorer's own copy of the lexicon only."""

    languages = frozenset({"en"})

    def __init__(self, lexicon: LexiconOverrides | None = None) -> None:
        # The fast subclass returns exactly vaderSentiment 3.3.2's scores, about 2.7x faster
        # (tests/analysis/test_vader_identity.py checks 130,000 texts).
        self._analyzer = build_analyzer(lexicon, FastSentimentIntensityAnalyzer)

    def score(self, text: str) -> Score:
        s = self._analyzer.polarity_scores(text)
        return Score(s["compound"], s["pos"], s["neu"], s["neg"], label_for(s["compound"]))


class Scored(NamedTuple):
    score: Score
    lang: str | None


class SentimentStage:
    """Language routing plus scoring: the pipeline's one call per mention."""

    def __init__(
        self,
        scorers: Mapping[str, Scorer] | None = None,
        detector: LanguageDetector | None = None,
        assume_language: str | None = "en",
        lexicon: LexiconOverrides | None = None,
    ) -> None:
        if scorers is None:
            vader = VaderScorer(lexicon)
            scorers = {lang: vader for lang in vader.languages}
        self.scorers = dict(scorers)
        self.detector = detector or BundledDetector()
        # Text whose language neither the source nor the detector can tell (too short, too
        # uncertain) is taken to be English, VADER's language: a near-neutral score for the few
        # foreign posts among them is a smaller error than leaving short English posts unscored.
        # Its language is stored as unknown (None), so status can count it.
        self.assume_language = assume_language

    def score(self, text: str, lang: str | None = None) -> Scored:
        if lang:
            stated = lang.split("-")[0].split("_")[0].lower()
            # Platforms state placeholders too (X: "und", "zxx", "qme", ...): detect those.
            lang = stated if stated not in _NOT_A_LANGUAGE else self.detector.detect(text)
        else:
            lang = self.detector.detect(text)
        scorer = self.scorers.get(lang or self.assume_language or "")
        if scorer is None:
            return Scored(UNSCORED, lang)
        return Scored(scorer.score(text), lang)
