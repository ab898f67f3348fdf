"""Brand-specific lexicon overrides on top of VADER's lexicon.

A brand called "Crash Bandicoot Games" does not want every mention of its name scored as
negative ("crash" is -1.7 in VADER's lexicon). In settings.toml:

    [[brands]]
    name = "crash"
    query = '"crash bandicoot"'
    lexicon = { crash = "neutral", bandicoot = 0, killer = 1.5 }

Each key is one word as VADER looks it up (lower case, one token, no surrounding punctuation);
each value is a valence on VADER's -4..+4 scale, or ``0`` / ``"neutral"`` to take the word's
sentiment away. Neutral *removes* the word from the analyzer's lexicon rather than storing 0.0:
VADER adds its ALL-CAPS emphasis (+-0.733) to any lexicon word, including one of valence 0, so
"CRASH" would still score negative. A removed word is treated exactly like any word VADER does
not know. (One consequence worth knowing: in VADER, "no" before a lexicon word is a negator
with no valence of its own, but "no" before an unknown word is itself negative (-1.2), so
"no crash" scores slightly negative once "crash" is neutral, as "no bandicoot" always did.)

Overrides never touch the default lexicon shared by other analyzers: each analyzer built here
gets its own copy of the dict.
"""

from __future__ import annotations

import math
import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

MAX_VALENCE = 4.0  # VADER's lexicon is on a -4..+4 scale (mean human ratings)
NEUTRAL = "neutral"

A = TypeVar("A", bound=SentimentIntensityAnalyzer)


class LexiconError(ValueError):
    """One invalid override. ``word`` is the key as written, ``reason`` says what is wrong.

    The settings loader turns it into ``brands[0].lexicon.<word>: <reason>``.
    """

    def __init__(self, word: str, reason: str) -> None:
        super().__init__(f"{word}: {reason}")
        self.word = word
        self.reason = reason


def _vader_token(token: str) -> str:
    """What VADER looks up for a token (SentiText._strip_punc_if_word, then lower-case)."""
    stripped = token.strip(string.punctuation)
    return (token if len(stripped) <= 2 else stripped).lower()


def check_word(word: Any) -> str:
    """A key VADER can actually look up, else LexiconError saying why it would never match."""
    if not isinstance(word, str) or not word:
        raise LexiconError(str(word), "expected a non-empty word")
    if any(ch.isspace() for ch in word):
        raise LexiconError(
            word, "expected a single word: VADER looks words up one at a time, so a phrase never matches"
        )
    if word != word.lower():
        raise LexiconError(word, f"expected lower case ({word.lower()!r}): VADER lower-cases words first")
    if _vader_token(word) != word:
        raise LexiconError(
            word,
            f"VADER strips leading and trailing punctuation, so write {_vader_token(word)!r}",
        )
    return word


def check_valence(word: str, value: Any) -> float | None:
    """The valence to set, or None for neutral (remove the word); LexiconError if invalid."""
    if isinstance(value, str):
        if value.strip().lower() == NEUTRAL:
            return None
        raise LexiconError(word, f'expected a number from -4 to 4 or "neutral", got {value!r}')
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise LexiconError(word, f'expected a number from -4 to 4 or "neutral", got {value!r}')
    valence = float(value)
    if not math.isfinite(valence) or not -MAX_VALENCE <= valence <= MAX_VALENCE:
        raise LexiconError(word, f"expected a valence from -4 to 4 (VADER's scale), got {value!r}")
    return None if valence == 0 else valence


@dataclass(frozen=True, slots=True)
class LexiconOverrides:
    """Validated overrides: words to set (word -> valence) and words made neutral (removed).

    Frozen, hashable and picklable, so it can be a cache key and travel to worker processes.
    """

    valences: tuple[tuple[str, float], ...] = ()
    neutral: tuple[str, ...] = ()

    @classmethod
    def parse(cls, raw: Mapping[str, Any] | None) -> LexiconOverrides:
        """Validate a settings mapping ``{word: valence | "neutral"}``; LexiconError on the first problem."""
        if raw is None:
            return cls()
        if not isinstance(raw, Mapping):
            raise TypeError(f"expected a table of word = valence, got {type(raw).__name__}")
        valences: dict[str, float] = {}
        neutral: set[str] = set()
        for key, value in raw.items():
            word = check_word(key)
            valence = check_valence(word, value)
            if valence is None:
                neutral.add(word)
            else:
                valences[word] = valence
        return cls(tuple(sorted(valences.items())), tuple(sorted(neutral)))

    def __bool__(self) -> bool:
        return bool(self.valences or self.neutral)

    def as_dict(self) -> dict[str, float]:
        """The overrides as written back to settings: neutral words as 0.0."""
        return {**dict.fromkeys(self.neutral, 0.0), **dict(self.valences)}

    def apply(self, lexicon: Mapping[str, float]) -> dict[str, float]:
        """A new lexicon dict: a copy of ``lexicon`` with the overrides applied (input untouched)."""
        out = dict(lexicon)
        for word in self.neutral:
            out.pop(word, None)
        out.update(self.valences)
        return out


def build_analyzer(
    overrides: LexiconOverrides | Mapping[str, Any] | None = None,
    analyzer_class: type[A] = SentimentIntensityAnalyzer,
) -> A:
    """A new analyzer (vaderSentiment's, or a subclass such as a faster one) with the overrides.

    The analyzer's ``lexicon`` is always its own dict, a copy of the default with the overrides
    applied, so no other analyzer sees the change.
    """
    if not isinstance(overrides, LexiconOverrides):
        overrides = LexiconOverrides.parse(overrides)
    analyzer = analyzer_class()
    analyzer.lexicon = overrides.apply(analyzer.lexicon)
    return analyzer
