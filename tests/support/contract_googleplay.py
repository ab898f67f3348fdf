"""The `googleplay` connector's contract case, and builders of synthetic Google Play Developer API
responses and service-account keys.

Nothing here is recorded traffic: no real recording of the API exists in ../shared (the google_play
folder holds a scraper's parsed output). Responses are shaped like the documented `reviews.list`
response ({"reviews": [...], "tokenPagination": {"nextPageToken"}, "pageInfo": {...}}) and the
OAuth token response; the service-account key is generated for each use (an RSA key of our own).
"""

from __future__ import annotations

import functools
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.support.contract import T0, Case

PACKAGE = "com.acme.app"
REVIEWS_PATH = f"/androidpublisher/v3/applications/{PACKAGE}/reviews"
TOKEN_PATH = "/token"
CLIENT_EMAIL = "monitor@acme-project.iam.gserviceaccount.com"
ACCESS_TOKEN = "ya29.c.synthetic-access-token-Zq81x"
SYNTHETIC = (
    "synthetic: written for brand-sentiment-monitor tests, "
    "shaped like the documented Google Play Developer API"
)


@functools.cache
def rsa_key() -> rsa.RSAPrivateKey:
    """One RSA key per test session (generating one takes a while)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def key_pem(key: rsa.RSAPrivateKey | None = None) -> str:
    return (
        (key or rsa_key())
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode("ascii")
    )


def key_file(path: Path, **overrides: Any) -> Path:
    """A service-account key file as Google Cloud console writes it (fields in its order)."""
    data = {
        "type": "service_account",
        "project_id": "acme-project",
        "private_key_id": "0123456789abcdef0123456789abcdef01234567",
        "private_key": key_pem(),
        "client_email": CLIENT_EMAIL,
        "client_id": "112233445566778899000",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": "https://oauth2.googleapis.com/token",
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/monitor%40acme-project.iam.gserviceaccount.com",
        "universe_domain": "googleapis.com",
    }
    data.update(overrides)
    path.write_text(json.dumps({k: v for k, v in data.items() if v is not None}, indent=2), encoding="utf-8")
    return path


def token_response(token: str = ACCESS_TOKEN, expires_in: int = 3599) -> dict[str, Any]:
    return {"access_token": token, "expires_in": expires_in, "token_type": "Bearer"}


def review(
    review_id: str,
    when: datetime,
    *,
    text: str | None = None,
    rating: Any = 4,
    language: str | None = "en_GB",
    reply: str | None = None,
) -> dict[str, Any]:
    """One `Review` resource as reviews.list returns it (the optional fields of the documentation
    included, so parsing meets them)."""
    user: dict[str, Any] = {
        "text": text if text is not None else f"acme corp app review {review_id}",
        "lastModified": {"seconds": str(int(when.timestamp())), "nanos": when.microsecond * 1000},
        "starRating": rating,
        "device": "a14",
        "androidOsVersion": 34,
        "appVersionCode": 4200,
        "appVersionName": "4.2.0",
        "thumbsUpCount": 3,
        "thumbsDownCount": 0,
        "deviceMetadata": {
            "productName": "a14 (Galaxy A14)",
            "manufacturer": "Samsung",
            "deviceClass": "phone",
            "screenWidthPx": 1080,
            "screenHeightPx": 2408,
            "nativePlatform": "arm64-v8a",
            "screenDensityDpi": 400,
            "glEsVersion": 196610,
            "ramMb": 4096,
        },
    }
    if language is not None:
        user["reviewerLanguage"] = language
    comments: list[dict[str, Any]] = [{"userComment": user}]
    if reply is not None:
        comments.append(
            {
                "developerComment": {
                    "text": reply,
                    "lastModified": {"seconds": str(int(when.timestamp()) + 60)},
                }
            }
        )
    return {"reviewId": review_id, "authorName": "A Google user", "comments": comments}


def page(items: list[dict[str, Any]], next_token: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "reviews": items,
        "pageInfo": {"totalResults": len(items), "resultPerPage": len(items), "startIndex": 0},
    }
    if next_token:
        body["tokenPagination"] = {"nextPageToken": next_token}
    return body


def reviews(ids: range) -> list[dict[str, Any]]:
    """Review i last modified at T0 + i minutes, newest first (as reviews.list lists them)."""
    return [review(f"gp:AOqpTOE{i:04d}", T0 + timedelta(minutes=i)) for i in sorted(ids, reverse=True)]


def _source_toml(tmp: Path, replay: Any) -> str:
    path = key_file(tmp / "play-key.json")
    return (
        f'type = "googleplay"\nbase_url = "{replay.url}"\npackage_name = "{PACKAGE}"\nmax_results = 5\n'
        f'service_account_file = "{path}"\nmatch = "scoped"\n'
    )


def _first(_tmp: Path, replay: Any) -> int:
    replay.add_response("POST", TOKEN_PATH, json=token_response())
    replay.add_response("GET", REVIEWS_PATH, json=page(reviews(range(5, 10)), "page-2"))
    replay.add_response("GET", REVIEWS_PATH, json=page(reviews(range(0, 5))), query={"token": "page-2"})
    return 10


def _more(_tmp: Path, replay: Any) -> int:
    # 10..13 are new; 4..9 fall inside the 5-minute overlap (deduped by the store); 3 is older.
    replay.add_response("GET", REVIEWS_PATH, json=page(reviews(range(3, 14)), "page-2"))
    return 4


def _nothing_new(_tmp: Path, replay: Any) -> None:
    replay.add_response("GET", REVIEWS_PATH, json=page(reviews(range(3, 14)), "page-2"))


def _broken(_tmp: Path, replay: Any) -> None:
    # The first call arms a freshly built connector, which needs a token of its own; the poller's
    # connector still holds one.
    if not getattr(replay, "_contract_googleplay_armed", False):
        replay.add_response("POST", TOKEN_PATH, json=token_response())
        replay._contract_googleplay_armed = True
    replay.add_response(
        "GET",
        REVIEWS_PATH,
        body="<html><body>Error 502 (Server Error)</body></html>",
        content_type="text/html",
    )


CASE = Case(
    type="googleplay",
    source_toml=_source_toml,
    first=_first,
    more=_more,
    nothing_new=_nothing_new,
    broken=_broken,
    uses_replay=True,
)
