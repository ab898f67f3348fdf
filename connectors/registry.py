"""Which connector implements which `type` in settings.toml.

Imports are lazy so that a daemon watching only an RSS feed never imports praw or tweepy.
Each connector package exposes `Options` (a pydantic model of its type-specific settings, with
unknown keys forbidden) and `build(settings: SourceSpec) -> Connector`.
"""

from __future__ import annotations

import importlib
from types import ModuleType

# Every type DESIGN.md names, and the package (connectors/<type>/) that implements it.
CONNECTOR_MODULES: dict[str, str] = {
    "file": "connectors.file",
    "reddit": "connectors.reddit",
    "x": "connectors.x",
    "appstore": "connectors.appstore",
    "googleplay": "connectors.googleplay",
    "hackernews": "connectors.hackernews",
    "mastodon": "connectors.mastodon",
    "youtube": "connectors.youtube",
    "rss": "connectors.rss",
}


def known_types() -> list[str]:
    return sorted(CONNECTOR_MODULES)


def connector_module(type_name: str) -> ModuleType:
    """The module implementing `type_name` (KeyError for an unknown type; settings reject those)."""
    return importlib.import_module(CONNECTOR_MODULES[type_name])
