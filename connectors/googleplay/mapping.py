"""Google Play Developer API `Review` resources to Mention records.

Kept apart from `connectors.googleplay` (auth, paging, cursors) so the mapping rules can be read on
their own: which fields a review must have, how its time and language are read, and how a title
that Google concatenated into the text with a tab is split off again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from connectors.base import CursorCodec
from connectors.errors import MalformedItem, PayloadError
from connectors.types import Mention

__all__ = ["CURSOR", "STORE_PAGE", "Mark", "parse_page", "to_mention"]

STORE_PAGE = "https://play.google.com/store/apps/details"


def _shown(value: Any) -> str:
    return "missing" if value is None else f"{type(value).__name__} {str(value)[:20]!r}"


def _timestamp(value: Any) -> datetime:
    """A protobuf Timestamp as JSON (``{"seconds": "1452717708", "nanos": 0}``; seconds is an int64,
    which Google's JSON writes as a string) in UTC."""
    seconds = value.get("seconds") if isinstance(value, Mapping) else None
    nanos = value.get("nanos", 0) if isinstance(value, Mapping) else 0
    if (
        isinstance(seconds, bool)
        or not isinstance(seconds, int | str)
        or not str(seconds).lstrip("-").isdigit()
    ):
        raise MalformedItem(f"lastModified.seconds is {_shown(seconds)}, not a number of seconds")
    if isinstance(nanos, bool) or not isinstance(nanos, int) or not 0 <= nanos < 10**9:
        nanos = 0
    try:
        return datetime.fromtimestamp(int(seconds), UTC) + timedelta(microseconds=nanos // 1000)
    except (OverflowError, OSError, ValueError):
        raise MalformedItem(f"lastModified.seconds {str(seconds)[:20]!r} is out of range") from None


def _language(code: Any) -> str | None:
    """ "en_GB" / "pt-BR" -> "en" / "pt" (the pipeline wants ISO 639-1), None when absent."""
    if not isinstance(code, str) or not code.strip():
        return None
    primary = code.strip().replace("_", "-").split("-")[0].lower()
    return primary if primary.isalpha() and 2 <= len(primary) <= 3 else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _user_comment(comments: Any) -> Mapping[str, Any] | None:
    """The review's own text: the first `userComment` (a `developerComment` is the reply)."""
    for comment in comments if isinstance(comments, list) else []:
        if isinstance(comment, Mapping) and isinstance(comment.get("userComment"), Mapping):
            return comment["userComment"]
    return None


def to_mention(
    review: Any, *, package: str, brand: str, source_name: str, translated_to: str | None
) -> Mention:
    """A `Review` resource as a Mention, or MalformedItem saying why."""
    if not isinstance(review, Mapping):
        raise MalformedItem(f"review is {_shown(review)}, not an object")
    review_id = review.get("reviewId")
    if not isinstance(review_id, str) or not review_id.strip():
        raise MalformedItem(f"reviewId is {_shown(review_id)}, not text")
    user = _user_comment(review.get("comments"))
    if user is None:
        raise MalformedItem("no comments[].userComment")
    body = user.get("text")
    if not isinstance(body, str):
        raise MalformedItem(f"userComment.text is {_shown(body)}, not text")
    # "In some cases ... the title and body are concatenated and separated by a tab character."
    title, tab, rest = body.partition("\t")
    heading: str | None = (title.strip() or None) if tab else None
    body = rest if tab else body
    rating = user.get("starRating")
    if rating is not None and (_int(rating) is None or not 1 <= rating <= 5):
        raise MalformedItem(f"starRating is {_shown(rating)}, not 1-5")
    translated = translated_to is not None and isinstance(user.get("originalText"), str)
    extra = {
        name: value
        for key, name in (
            ("appVersionName", "app_version"),
            ("appVersionCode", "app_version_code"),
            ("reviewerLanguage", "reviewer_language"),
        )
        if (value := user.get(key)) is not None
    }
    author = review.get("authorName")
    return Mention(
        source="googleplay",
        native_id=review_id,
        brand=brand,
        text=body,
        created_at=_timestamp(user.get("lastModified")),
        source_name=source_name,
        url=f"{STORE_PAGE}?id={quote(package)}&reviewId={quote(review_id, safe='')}",
        author=author if isinstance(author, str) and author.strip() else None,
        title=heading,
        # reviewerLanguage is the device's language (Google: "not guaranteed to match the language
        # the review is written in"); a translated text is in the language asked for.
        lang=_language(translated_to if translated else user.get("reviewerLanguage")),
        rating=rating,
        engagement=_int(user.get("thumbsUpCount")),
        raw=dict(review),
        extra=extra,
    )


def parse_page(payload: Any, where: str) -> tuple[list[Any], str | None]:
    """(reviews, next page token) of a reviews.list response, or PayloadError for anything else.
    An app without recent reviews gets ``{}`` (or only pageInfo)."""
    if not isinstance(payload, Mapping):
        raise PayloadError(
            f"{where}: expected a reviews.list response (an object), got {type(payload).__name__}"
        )
    reviews = payload.get("reviews")
    reviews = [] if reviews is None else reviews
    paging = payload.get("tokenPagination") or {}
    if not isinstance(reviews, list) or not isinstance(paging, Mapping):
        raise PayloadError(f"{where}: reviews must be a list and tokenPagination an object")
    token = paging.get("nextPageToken")
    return reviews, token if isinstance(token, str) and token else None


# -- the cursor -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Mark:
    """Where reading stopped: the newest `lastModified` stored and that review's id."""

    modified: datetime
    review_id: str

    def to_json(self) -> dict[str, Any]:
        return {"modified": self.modified.isoformat(), "id": self.review_id}

    @classmethod
    def from_json(cls, data: Any) -> Mark:
        return cls(datetime.fromisoformat(data["modified"]).astimezone(UTC), str(data["id"]))


# The cursor: {"id": review id, "modified": ISO time}, or none before the first review is stored.
CURSOR: CursorCodec[Mark | None] = CursorCodec(
    Mark.from_json, lambda mark: mark.to_json() if mark else None, empty=lambda: None
)
