"""Which connector implements which `type` in settings.toml.

Imports are lazy so that a daemon watching only an RSS feed never imports praw or tweepy.
Each connector module exposes `Options` (a pydantic model of its type-specific settings, with
unknown keys forbidden) and `build(settings: SourceSpec) -> Connector`.
"""

from __future__ import annotations

import importlib
from types import ModuleType

# Every type DESIGN.md names. A type mapped to None is planned but not built in this version:
# settings that use it are rejected with a clear message rather than failing at poll time.
CONNECTOR_MODULES: dict[str, str | None] = {
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


def available_types() -> list[str]:
    return sorted(t for t, mod in CONNECTOR_MODULES.items() if mod)


def connector_module(type_name: str) -> ModuleType:
    """The module implementing `type_name`; KeyError / LookupError for unknown or unbuilt types."""
    module = CONNECTOR_MODULES[type_name]
    if module is None:
        raise LookupError(f"the {type_name!r} connector is not part of this version yet")
    return importlib.import_module(module)
