"""A review's star rating as sentiment evidence: how rating and text combine into the stored score.

The rule (docs/sentiment.md, "Reviews: star rating and text"):

1. **The text decides when it can be scored.** If the text (title and body, as the pipeline
   scores them) is non-empty and in a language a scorer reads, the stored score is the text's
   score, unchanged, whether or not a rating exists. Source: ``"text"``.
2. **Otherwise the rating decides.** If the text is empty or in a language no scorer reads, and
   the mention has a star rating 1-5, the compound is ``(rating - 3) / 2``
   (1 -> -1.0, 2 -> -0.5, 3 -> 0.0, 4 -> +0.5, 5 -> +1.0), labelled with the usual +-0.05
   thresholds (so 1-2 stars negative, 3 neutral, 4-5 positive). ``pos``/``neu``/``neg`` are
   ``None``: they are shares of the text's words and there are no scored words. Source: ``"rating"``.
3. **Neither:** unscored, as for any text the monitor cannot read. Source: ``None``.

The rating itself is always stored in its own column, whichever rule applied.

Why the text wins when both exist: the issue makes the rating evidence "where text cannot be
scored"; the text score is what every other source (posts, comments) is measured with, so
review and non-review mentions stay on one scale; and no blend weight can be measured here (the
ground-truth sets have no stars), so a blend would be an unmeasured claim. The rating remains
available for analysis (e.g. star averages) next to the text score.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

from analysis.sentiment.stage import UNSCORED, Score, label_for

EvidenceSource = Literal["text", "rating"]

MIN_RATING = 1
MAX_RATING = 5
NEUTRAL_RATING = 3


class Evidence(NamedTuple):
    """The score to store and what it came from (``None`` when unscored)."""

    score: Score
    source: EvidenceSource | None


def has_text(text: str | None) -> bool:
    """Whether there is any text to score; whitespace-only text counts as empty."""
    return bool(text and text.strip())


def rating_compound(rating: int) -> float:
    """Map a star rating 1-5 linearly onto VADER's compound range: ``(rating - 3) / 2``."""
    if isinstance(rating, bool) or not isinstance(rating, int):
        raise ValueError(f"rating: expected an integer 1-5, got {rating!r}")
    if not MIN_RATING <= rating <= MAX_RATING:
        raise ValueError(f"rating: expected 1-5, got {rating}")
    return (rating - NEUTRAL_RATING) / 2


def rating_score(rating: int) -> Score:
    """The score of a review whose text cannot be scored: from its rating alone."""
    compound = rating_compound(rating)
    return Score(compound, None, None, None, label_for(compound))


def combine(text_score: Score | None, rating: int | None) -> Evidence:
    """The stored score of a mention from its text's score and its star rating.

    ``text_score`` is ``None`` when there is no text (empty or whitespace only: see `has_text`),
    or the scorer's result otherwise (``UNSCORED`` for a language no scorer reads). ``rating`` is
    the review's 1-5 stars, or ``None``. A rating outside 1-5 raises ValueError (connectors
    validate ratings, so that is a bug upstream, not bad input).
    """
    if rating is not None:
        rating_compound(rating)  # validate even when the text decides
    if text_score is not None and text_score.scored:
        return Evidence(text_score, "text")
    if rating is not None:
        return Evidence(rating_score(rating), "rating")
    return Evidence(UNSCORED, None)


def stored_score(text_score: Score | None, rating: int | None) -> Score:
    """`combine(text_score, rating).score`: the score to store, without building the Evidence.

    The import calls this once per row, and most rows have no rating: then the text's score is
    stored when it is scored, and UNSCORED otherwise, exactly as `combine` decides
    (tests/test_sentiment_evidence.py compares the two on every kind of input).
    """
    if rating is None:
        return text_score if text_score is not None and text_score.scored else UNSCORED
    return combine(text_score, rating).score
