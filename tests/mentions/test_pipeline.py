"""The pipeline: match -> dedupe -> sentiment -> store, and the file source polled through it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from analysis.sentiment.stage import SentimentStage, label_for
from connectors.query import parse_query
from connectors.types import Mention
from monitor.clock import FixedClock
from monitor.config import load_settings
from monitor.mentions.pipeline import Ingestor, Poller
from monitor.storage.store import Store
from tests.conftest import Env

T0 = datetime(2026, 11, 4, 9, 0, tzinfo=UTC)
VADER = SentimentIntensityAnalyzer()


def mention(nid: str, text: str, *, brand: str = "acme", assigned: bool = False, **kw: object) -> Mention:
    return Mention(
        source="x",
        native_id=nid,
        brand=brand,
        text=text,
        created_at=T0,
        source_name="t",
        brand_assigned=assigned,
        **kw,
    )


@pytest.mark.parametrize(
    "compound,label", [(0.05, "positive"), (0.0499, "neutral"), (-0.05, "negative"), (-0.0499, "neutral")]
)
def test_label_thresholds(compound: float, label: str) -> None:
    assert label_for(compound) == label


def test_ingest_matches_dedupes_scores_and_stores(store: Store) -> None:
    ing = Ingestor(store, clock=FixedClock(T0))
    q = parse_query('"acme corp" OR acmeapp -hiring')
    batch = [
        mention("1", "I love Acme Corp, great support!"),
        mention("1", "I love Acme Corp, great support!"),  # the same post twice in one page
        mention("2", "acmeapp is hiring"),  # excluded by the query
        mention("3", "nothing about the brand"),
        mention("4", "brand's own feed: no keyword", assigned=True),  # scoped: no re-check
        mention("5", "acmeapp crashed again, awful", lang="en"),
        mention("6", "acmeapp es horrible", lang="es"),  # no Spanish scorer: unscored, not neutral
    ]
    result = ing.ingest(batch, query=q)
    assert (result.stored, result.duplicates, result.unmatched) == (4, 1, 2)
    rows = {r["native_id"]: r for r in store.iter_mentions()}
    assert set(rows) == {"1", "4", "5", "6"}
    expected = VADER.polarity_scores("I love Acme Corp, great support!")
    assert (rows["1"]["compound"], rows["1"]["pos"], rows["1"]["neu"], rows["1"]["neg"]) == (
        expected["compound"],
        expected["pos"],
        expected["neu"],
        expected["neg"],
    )
    assert rows["1"]["label"] == "positive" and rows["1"]["scored"]
    assert rows["5"]["label"] == "negative"
    assert rows["6"]["label"] == "unscored" and not rows["6"]["scored"] and rows["6"]["compound"] is None
    assert rows["6"]["lang"] == "es"
    # Again: everything is a duplicate, nothing is scored or stored twice.
    again = ing.ingest(batch, query=q)
    assert (again.stored, again.duplicates) == (0, 5)
    assert store.count_mentions() == 4


def test_review_title_is_scored_with_the_text(sqlite_store: Store) -> None:
    ing = Ingestor(sqlite_store, clock=FixedClock(T0))
    ing.ingest([mention("1", "Crashes on start.", title="Terrible update", assigned=True, rating=1)])
    (row,) = sqlite_store.iter_mentions()
    assert row["compound"] == VADER.polarity_scores("Terrible update. Crashes on start.")["compound"]
    assert row["text"] == "Crashes on start." and row["title"] == "Terrible update" and row["rating"] == 1


def test_sentiment_stage_routes_by_language() -> None:
    stage = SentimentStage()
    assert stage.score("great", "en").score.label == "positive"
    assert stage.score("great", None).score.label == "positive"  # assumed English until detection lands
    ja = stage.score("素晴らしい", "ja")
    assert (ja.score.label, ja.lang, ja.score.scored) == ("unscored", "ja", False)


def _file_source(env: Env, path: Path, **extra: str) -> None:
    lines = "".join(f"{k} = {v}\n" for k, v in extra.items())
    env.write(sources=f'[[sources]]\nname = "feed"\ntype = "file"\npath = "{path}"\ninterval = "1m"\n{lines}')


def _rows(start: int, n: int, brand: str | None = "acme", text: str = "acme is great") -> str:
    out = []
    for i in range(start, start + n):
        r = {"id": f"p{i}", "text": f"{text} #{i}", "created_at": (T0 + timedelta(minutes=i)).isoformat()}
        if brand:
            r["brand"] = brand
        out.append(json.dumps(r) + "\n")
    return "".join(out)


def test_file_source_resumes_from_cursor_and_picks_up_appended_rows(env: Env) -> None:
    feed = env.dir / "feed.jsonl"
    feed.write_text(_rows(0, 25), encoding="utf-8")
    _file_source(env, feed, page_size="10")
    settings = load_settings(env.config)
    store = env.store()
    poller = Poller(settings, store, clock=FixedClock(T0))
    src = settings.source("feed")
    o = poller.poll(src, "acme")
    assert o.ok and (o.pages, o.result.stored) == (3, 25)
    assert poller.poll(src, "acme").result.stored == 0  # nothing new: nothing fetched
    with feed.open("a", encoding="utf-8") as fh:
        fh.write(_rows(25, 5))
    o = poller.poll(src, "acme")
    assert (o.fetched, o.result.stored, o.result.duplicates) == (5, 5, 0)
    assert store.count_mentions("acme") == 30
    # globex's job sees only rows without a brand (none here): rows of another brand are not its own.
    assert poller.poll(src, "globex").result.stored == 0


def test_file_source_rows_without_brand_are_matched_by_query(env: Env) -> None:
    feed = env.dir / "feed.jsonl"
    feed.write_text(
        _rows(0, 3, brand=None, text="globex launches") + _rows(3, 2, brand=None, text="acme corp news")
    )
    _file_source(env, feed)
    settings = load_settings(env.config)
    store = env.store()
    outcomes = Poller(settings, store, clock=FixedClock(T0)).poll_all()
    got = {(o.brand, o.result.stored, o.result.unmatched) for o in outcomes}
    assert got == {("acme", 2, 3), ("globex", 3, 2)}


def test_a_replaced_smaller_file_is_read_again_without_duplicates(env: Env) -> None:
    feed = env.dir / "feed.jsonl"
    feed.write_text(_rows(0, 10))
    _file_source(env, feed)
    settings = load_settings(env.config)
    store = env.store()
    poller = Poller(settings, store, clock=FixedClock(T0))
    poller.poll(settings.source("feed"), "acme")
    feed.write_text(_rows(5, 7))  # rotated: shorter, overlapping
    o = poller.poll(settings.source("feed"), "acme")
    assert (o.result.stored, o.result.duplicates) == (2, 5)


def test_failures_are_recorded_in_health_and_do_not_raise(env: Env) -> None:
    feed = env.dir / "missing.jsonl"
    _file_source(env, feed)
    settings = load_settings(env.config)
    store = env.store()
    clock = FixedClock(T0)
    poller = Poller(settings, store, clock=clock)
    o = poller.poll(settings.source("feed"), "acme")
    assert not o.ok and "file not found" in o.error
    clock.advance(timedelta(minutes=1))
    poller.poll(settings.source("feed"), "acme")
    (h,) = store.health()
    assert h["consecutive_failures"] == 2 and "file not found" in h["last_error"]
    feed.write_text(_rows(0, 2))
    clock.advance(timedelta(minutes=1))
    assert poller.poll(settings.source("feed"), "acme").ok
    (h,) = store.health()
    assert h["consecutive_failures"] == 0 and h["last_success_at"] == T0 + timedelta(minutes=2)


def test_bad_rows_in_a_polled_file_are_skipped_and_logged_with_line(
    env: Env, caplog: pytest.LogCaptureFixture
) -> None:
    feed = env.dir / "feed.jsonl"
    feed.write_text(
        _rows(0, 2) + "{not json\n" + '{"id": "x", "text": "acme", "created_at": "soon"}\n' + _rows(2, 1)
    )
    _file_source(env, feed)
    settings = load_settings(env.config)
    store = env.store()
    o = Poller(settings, store, clock=FixedClock(T0)).poll(settings.source("feed"), "acme")
    assert o.ok and (o.result.stored, o.rejected) == (3, 2)
    assert f"{feed}:3" in caplog.text and f"{feed}:4: created_at" in caplog.text


def test_circuit_opens_after_repeated_failures_and_closes_on_success(env: Env) -> None:
    feed = env.dir / "missing.jsonl"
    _file_source(env, feed, circuit_after="2", circuit_max='"10m"')
    settings = load_settings(env.config)
    store = env.store()
    clock = FixedClock(T0)
    poller = Poller(settings, store, clock=clock)
    src = settings.source("feed")
    assert not poller.poll(src, "acme").ok  # 1 failure: circuit still closed
    assert poller.blocked_until(src) is None
    assert not poller.poll(src, "acme").ok  # 2 failures: open for one interval (1m)
    until, reason = poller.blocked_until(src)
    assert until == T0 + timedelta(minutes=1) and reason == "circuit open after 2 failures"
    skipped = poller.poll(src, "acme")
    assert skipped.skipped_until == until and skipped.ok and skipped.pages == 0
    assert store.health_of("feed")["consecutive_failures"] == 2  # a skip is not a failure
    clock.advance(timedelta(minutes=1))
    assert not poller.poll(src, "acme").ok  # 3 failures: the pause doubles
    assert poller.blocked_until(src)[0] == clock.now() + timedelta(minutes=2)
    for _ in range(6):  # ... up to circuit_max
        clock.advance(timedelta(hours=1))
        poller.poll(src, "acme")
    assert poller.blocked_until(src)[0] == clock.now() + timedelta(minutes=10)
    feed.write_text(_rows(0, 1))
    clock.advance(timedelta(hours=1))
    assert poller.poll(src, "acme").ok
    assert poller.blocked_until(src) is None and store.health_of("feed")["circuit_open_until"] is None


def test_rate_limit_deferral_and_read_budget_block_polls(env: Env) -> None:
    feed = env.dir / "feed.jsonl"
    feed.write_text(_rows(0, 1))
    _file_source(env, feed)
    settings = load_settings(env.config)
    store = env.store()
    clock = FixedClock(T0)
    poller = Poller(settings, store, clock=clock)
    src = settings.source("feed")
    store.record_poll("feed", "file", now=T0, deferred_until=T0 + timedelta(seconds=90))
    assert poller.blocked_until(src) == (T0 + timedelta(seconds=90), "rate limited")
    assert poller.poll(src, "acme").skipped_until == T0 + timedelta(seconds=90)
    clock.advance(timedelta(seconds=91))
    assert poller.poll(src, "acme").result.stored == 1
    store.add_reads("feed", 40, now=T0)
    store.add_reads("feed", 2, now=T0 + timedelta(days=1))
    store.add_reads("feed", 7, now=T0 + timedelta(days=40))  # another month
    assert store.reads_in_month("feed", T0) == 42
    assert store.reads_in_month("feed", T0 + timedelta(days=40)) == 7


def test_brand_lexicon_overrides_apply_to_that_brand_only(env: Env) -> None:
    env.write(
        brands='[[brands]]\nname = "acme"\nquery = "acme"\nlexicon = { crash = "neutral", killer = 1.5 }\n'
        '[[brands]]\nname = "globex"\nquery = "globex"\n'
    )
    settings = load_settings(env.config)
    store = env.store()
    ing = Poller(settings, store, clock=FixedClock(T0)).ingestor
    text = "The crash game is a killer"
    ing.ingest(
        [mention("1", text, brand="acme", assigned=True), mention("1", text, brand="globex", assigned=True)]
    )
    rows = {r["brand"]: r for r in store.iter_mentions()}
    plain = VADER.polarity_scores(text)["compound"]
    assert rows["globex"]["compound"] == plain < 0  # VADER reads "crash" and "killer" as negative
    assert rows["acme"]["compound"] > 0  # for acme, "crash" is the product and "killer" is praise


def test_invalid_lexicon_names_the_setting(env: Env) -> None:
    from connectors.errors import ConfigError

    env.write(brands='[[brands]]\nname = "acme"\nquery = "acme"\nlexicon = { Crash = 0 }\n')
    with pytest.raises(ConfigError, match=r"brands\[0\]\.lexicon\.Crash: "):
        load_settings(env.config)


def test_star_rating_decides_when_text_cannot_be_scored(sqlite_store: Store) -> None:
    ing = Ingestor(sqlite_store, clock=FixedClock(T0))
    ing.ingest(
        [
            mention("1", "Uygulama çok kötü, sürekli çöküyor", lang="tr", rating=1, assigned=True),
            mention("2", "", rating=5, assigned=True),
            mention("3", "This app is wonderful", rating=1, assigned=True),  # text wins when it can be read
            mention("4", "Das ist gut", lang="de", assigned=True),  # no stars, unreadable: unscored
        ]
    )
    rows = {r["native_id"]: r for r in sqlite_store.iter_mentions()}
    assert (rows["1"]["compound"], rows["1"]["label"], rows["1"]["pos"]) == (-1.0, "negative", None)
    assert (rows["2"]["compound"], rows["2"]["label"]) == (1.0, "positive")
    assert rows["3"]["label"] == "positive"
    assert rows["4"]["label"] == "unscored" and rows["4"]["lang"] == "de"


@pytest.mark.parametrize(
    ("text", "lang", "scored"),
    [
        ("I really love the new Acme update, it works great", "en", True),
        ("新版本的应用程序非常好用，我很喜欢", "zh", False),
        ("Мне очень нравится новое обновление приложения", "ru", False),
        ("Yeni güncelleme gerçekten çok güzel olmuş, teşekkürler", "tr", False),
        ("新しいアップデートはとても使いやすいです", "ja", False),
    ],
)
def test_language_routing_detects_when_the_source_states_nothing(text: str, lang: str, scored: bool) -> None:
    result = SentimentStage().score(text, None)
    assert result.lang == lang
    assert result.score.scored is scored  # only English has a scorer; the rest is unscored, not neutral
    placeholder = SentimentStage().score(text, "und")  # X's "undetermined" is detected too
    assert placeholder.lang == lang
