"""One contract, every connector: paging, cursor resume, dedupe, error mapping and health."""

from __future__ import annotations

from typing import Any

import pytest

from connectors import registry
from connectors.errors import ConnectorError
from connectors.types import BrandQuery, Mention
from monitor.clock import FixedClock
from monitor.config import load_settings
from monitor.mentions.pipeline import Poller
from tests.conftest import Env
from tests.support.contract import T0, Case, all_cases

CASES = all_cases()
pytestmark = pytest.mark.parametrize("case", CASES, ids=[c.type for c in CASES])


@pytest.fixture
def setup(env: Env, case: Case, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch):
    replay = request.getfixturevalue("replay") if case.uses_replay else None
    for key, value in case.env.items():
        monkeypatch.setenv(key, value)
    sources = (
        f'[[sources]]\nname = "src"\ninterval = "1m"\nbrands = ["acme"]\n{case.source_toml(env.dir, replay)}'
    )
    env.write(sources=sources)
    settings = load_settings(env.config)
    store = env.store()
    clock = FixedClock(T0)
    yield env, replay, settings, store, Poller(settings, store, clock=clock), clock
    store.close()


def _check_mention(m: Mention) -> None:
    assert m.native_id and isinstance(m.native_id, str)
    assert m.brand == "acme" and m.source_name == "src" and m.source
    assert m.created_at.tzinfo is not None and m.created_at.utcoffset().total_seconds() == 0
    assert isinstance(m.text, str)


def test_pages_carry_valid_mentions_and_a_cursor(case: Case, setup: Any) -> None:
    env, replay, settings, _store, _poller, _clock = setup
    expected = case.first(env.dir, replay)
    connector = registry.connector_module(case.type).build(settings.source("src").spec)
    pages = list(connector.fetch(BrandQuery("acme", settings.brand("acme").query), None))
    assert pages and all(p.cursor for p in pages)
    mentions = [m for p in pages for m in p.mentions]
    assert len({m.key for m in mentions}) >= expected
    for m in mentions:
        _check_mention(m)


def test_resume_from_cursor_then_dedupe(case: Case, setup: Any) -> None:
    env, replay, _settings, store, poller, clock = setup
    src = poller.settings.source("src")
    expected = case.first(env.dir, replay)
    first = poller.poll(src, "acme")
    assert first.ok, first.error
    assert first.result.stored == expected
    new = case.more(env.dir, replay)
    clock.advance(poller.settings.source("src").settings.interval)
    second = poller.poll(src, "acme")
    assert second.ok, second.error
    assert second.result.stored == new  # resumed from the cursor: only what is new
    case.nothing_new(env.dir, replay)
    clock.advance(poller.settings.source("src").settings.interval)
    third = poller.poll(src, "acme")
    assert third.ok and third.result.stored == 0
    assert store.count_mentions("acme") == expected + new
    health = store.health_of("src")
    assert health["consecutive_failures"] == 0 and health["last_success_at"] == clock.now()


def test_failures_are_connector_errors_recorded_in_health(case: Case, setup: Any) -> None:
    env, replay, settings, store, poller, _clock = setup
    case.first(env.dir, replay)
    assert poller.poll(poller.settings.source("src"), "acme").ok
    case.broken(env.dir, replay)
    connector = registry.connector_module(case.type).build(settings.source("src").spec)
    with pytest.raises(ConnectorError):
        list(
            connector.fetch(BrandQuery("acme", settings.brand("acme").query), store.get_cursor("src", "acme"))
        )
    if case.uses_replay:
        case.broken(env.dir, replay)  # a replayed response is served once: arm the failure again
    outcome = poller.poll(poller.settings.source("src"), "acme")
    assert not outcome.ok and outcome.error
    health = store.health_of("src")
    assert health["consecutive_failures"] == 1 and health["last_error"] == outcome.error


def test_connector_module_shape(case: Case) -> None:
    module = registry.connector_module(case.type)
    assert module.Options.model_config.get("extra") == "forbid"
    assert callable(module.build)
