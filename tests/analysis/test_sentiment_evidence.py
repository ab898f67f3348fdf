"""Star rating as sentiment evidence: analysis/sentiment/evidence.py, cases computed by hand."""

from __future__ import annotations

import pytest

from analysis.sentiment.evidence import has_text, rating_compound, rating_score, stored_score
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
    assert stored_score(UNSCORED, rating) == Score(compound, None, None, None, label)
    assert stored_score(None, rating) == Score(compound, None, None, None, label)


@pytest.mark.parametrize("rating", [None, 1, 3, 5])
def test_scored_text_wins_over_any_rating(rating: int | None) -> None:
    # a 5-star review whose text reads negative stays negative: the text decides when it can be scored
    assert stored_score(TEXT, rating) is TEXT


def test_neutral_text_is_still_text() -> None:
    neutral = Score(0.0, 0.0, 1.0, 0.0, "neutral")
    assert stored_score(neutral, 1) is neutral


def test_nothing_to_go_on_is_unscored() -> None:
    assert stored_score(None, None) == UNSCORED
    assert stored_score(UNSCORED, None) == UNSCORED
    assert not stored_score(UNSCORED, None).scored


@pytest.mark.parametrize("bad", [0, 6, -1, True, 4.5, "5"])
def test_rating_out_of_range_is_an_error(bad: object) -> None:
    with pytest.raises(ValueError, match="rating: expected"):
        stored_score(TEXT, bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="rating: expected"):
        stored_score(None, bad)  # type: ignore[arg-type]


def test_has_text() -> None:
    assert has_text("ok")
    assert not has_text("")
    assert not has_text("  \n\t")
    assert not has_text(None)


def test_with_the_stage() -> None:
    """The way the pipeline uses it: score the text if there is any, then decide with the rating."""
    stage = SentimentStage()

    def stored(text: str, lang: str | None, rating: int | None) -> Score:
        return stored_score(stage.score(text, lang).score if has_text(text) else None, rating)

    assert stored("", None, 2) == Score(-0.5, None, None, None, "negative")
    assert stored("Sehr gut, danke!", "de", 4) == Score(0.5, None, None, None, "positive")
    assert stored("Sehr gut, danke!", "de", None) == UNSCORED
    text = stored("I love it", "en", 1)
    assert text.label == "positive"
    assert text.compound == pytest.approx(0.6369)
    assert text.pos is not None  # the text's own score, not the rating's


@pytest.mark.parametrize("rating", [None, 1, 2, 3, 4, 5])
@pytest.mark.parametrize(
    "text_score",
    [None, UNSCORED, Score(None, None, None, None, "unscored"), Score(0.6, 0.5, 0.5, 0.0, "positive"),
     Score(0.0, 0.0, 1.0, 0.0, "neutral"), Score(-0.3, 0.0, 0.7, 0.3, "negative")],
)  # fmt: skip
def test_text_decides_when_scored_else_rating_else_unscored(
    text_score: Score | None, rating: int | None
) -> None:
    if text_score is not None and text_score.scored:
        assert stored_score(text_score, rating) is text_score
    elif rating is not None:
        assert stored_score(text_score, rating) == rating_score(rating)
    else:
        assert stored_score(text_score, rating) == UNSCORED
    with pytest.raises(ValueError):
        stored_score(text_score, 6)
