"""A review's star rating as sentiment evidence: how rating and text combine into the stored score.

The rule (docs/sentiment.md, "Reviews: star rating and text"):

1. **The text decides when it can be scored.** If the text (title and body, as the pipeline
   scores them) is non-empty and in a language a scorer reads, the stored score is the text's
   score, unchanged, whether or not a rating exists.
2. **Otherwise the rating decides.** If the text is empty or in a language no scorer reads, and
   the mention has a star rating 1-5, the compound is ``(rating - 3) / 2``
   (1 -> -1.0, 2 -> -0.5, 3 -> 0.0, 4 -> +0.5, 5 -> +1.0), labelled with the usual +-0.05
   thresholds (so 1-2 stars negative, 3 neutral, 4-5 positive). ``pos``/``neu``/``neg`` are
   ``None``: they are shares of the text's words and there are no scored words.
3. **Neither:** unscored, as for any text the monitor cannot read.

The rating itself is always stored in its own column, whichever rule applied.

Why the text wins when both exist: the issue makes the rating evidence "where text cannot be
scored"; the text score is what every other source (posts, comments) is measured with, so
review and non-review mentions stay on one scale; and no blend weight can be measured here (the
ground-truth sets have no stars), so a blend would be an unmeasured claim. The rating remains
available for analysis (e.g. star averages) next to the text score.
"""

from __future__ import annotations

from analysis.sentiment.stage import UNSCORED, Score, label_for

MIN_RATING = 1
MAX_RATING = 5
NEUTRAL_RATING = 3


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


def stored_score(text_score: Score | None, rating: int | None) -> Score:
    """The score to store for a mention, from its text's score and its star rating: the one
    decision, for polling, `monitor import` and `monitor score` alike.

    ``text_score`` is ``None`` when there is no text (empty or whitespace only: see `has_text`),
    or the scorer's result otherwise (``UNSCORED`` for a language no scorer reads). ``rating`` is
    the review's 1-5 stars, or ``None``. A rating outside 1-5 raises ValueError (connectors
    validate ratings, so that is a bug upstream, not bad input). The result is ``text_score``
    itself when the text decides, a `rating_score` when the rating does, else ``UNSCORED``.
    """
    if rating is None:  # most mentions: checked first, it is once per imported row
        return text_score if text_score is not None and text_score.scored else UNSCORED
    rating_compound(rating)  # validate even when the text decides
    if text_score is not None and text_score.scored:
        return text_score
    return rating_score(rating)
