"""Star rating as sentiment evidence: analysis/sentiment/evidence.py, cases computed by hand."""

from __future__ import annotations

import pytest

from analysis.sentiment.evidence import (
    Evidence,
    combine,
    has_text,
    rating_compound,
    rating_score,
    stored_score,
)
from analysis.sentiment.stage import UNSCORED, Score, SentimentStage

TEXT = Score(-0.5423, 0.0, 0.508, 0.492, "negative")  # a negative text score


@pytest.mark.parametrize(
    ("rating", "compound", "label"),
    [
        (1, -1.0, "negative"),
        (2, -0.5, "negative"),
        (3, 0.0, "neutral"),
        (4, 0.5, "positive"),
        (5, 1.0, "positive"),
    ],
)
def test_rating_alone(rating: int, compound: float, label: str) -> None:
    assert rating_compound(rating) == compound  # (rating - 3) / 2
    assert rating_score(rating) == Score(compound, None, None, None, label)
    # unscored language and empty text both fall back to the rating
    assert combine(UNSCORED, rating) == Evidence(Score(compound, None, None, None, label), "rating")
    assert combine(None, rating) == Evidence(Score(compound, None, None, None, label), "rating")


@pytest.mark.parametrize("rating", [None, 1, 3, 5])
def test_scored_text_wins_over_any_rating(rating: int | None) -> None:
    # a 5-star review whose text reads negative stays negative: the text decides when it can be scored
    assert combine(TEXT, rating) == Evidence(TEXT, "text")


def test_neutral_text_is_still_text() -> None:
    neutral = Score(0.0, 0.0, 1.0, 0.0, "neutral")
    assert combine(neutral, 1) == Evidence(neutral, "text")


def test_nothing_to_go_on_is_unscored() -> None:
    assert combine(None, None) == Evidence(UNSCORED, None)
    assert combine(UNSCORED, None) == Evidence(UNSCORED, None)
    assert not combine(UNSCORED, None).score.scored


@pytest.mark.parametrize("bad", [0, 6, -1, True, 4.5, "5"])
def test_rating_out_of_range_is_an_error(bad: object) -> None:
    with pytest.raises(ValueError, match="rating: expected"):
        combine(TEXT, bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="rating: expected"):
        combine(None, bad)  # type: ignore[arg-type]


def test_has_text() -> None:
    assert has_text("ok")
    assert not has_text("")
    assert not has_text("  \n\t")
    assert not has_text(None)


def test_with_the_stage() -> None:
    """The way the pipeline uses it: score the text if there is any, then combine with the rating."""
    stage = SentimentStage()

    def stored(text: str, lang: str | None, rating: int | None) -> Evidence:
        return combine(stage.score(text, lang).score if has_text(text) else None, rating)

    assert stored("", None, 2) == Evidence(Score(-0.5, None, None, None, "negative"), "rating")
    assert stored("Sehr gut, danke!", "de", 4) == Evidence(Score(0.5, None, None, None, "positive"), "rating")
    assert stored("Sehr gut, danke!", "de", None).source is None
    text = stored("I love it", "en", 1)
    assert text.source == "text"
    assert text.score.label == "positive"
    assert text.score.compound == pytest.approx(0.6369)


@pytest.mark.parametrize("rating", [None, 1, 2, 3, 4, 5])
@pytest.mark.parametrize(
    "text_score",
    [None, UNSCORED, Score(None, None, None, None, "unscored"), Score(0.6, 0.5, 0.5, 0.0, "positive"),
     Score(0.0, 0.0, 1.0, 0.0, "neutral"), Score(-0.3, 0.0, 0.7, 0.3, "negative")],
)  # fmt: skip
def test_stored_score_is_what_combine_decides(text_score: Score | None, rating: int | None) -> None:
    assert stored_score(text_score, rating) == combine(text_score, rating).score
    with pytest.raises(ValueError):
        stored_score(text_score, 6)
