"""End to end: settings.toml with Reddit and X pointed by base_url at the replay server, then
`monitor poll` (a real subprocess running praw and tweepy) twice."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import ROOT, Env, shared_path
from tests.support.replay import Replay

pytestmark = pytest.mark.slow

SECRETS = {
    "MONITOR_REDDIT_CLIENT_ID": "e2e-client-id",
    "MONITOR_REDDIT_CLIENT_SECRET": "e2e-client-secret-value",
    "MONITOR_REDDIT_USER_AGENT": "brand-monitor-e2e/1.0 by u/tester",
    "MONITOR_X_BEARER_TOKEN": "e2e-bearer-token-value",
}


def recording(*parts: str) -> Path:
    return shared_path("data", "recordings", *parts)


def test_poll_reddit_and_x_then_nothing_new(env: Env, replay: Replay) -> None:
    reddit_cassette = recording("reddit", "TestSubredditListings.test_new.json")
    x_cassette = recording("x", "test_client_search_recent_tweets.yaml")
    env.write(
        sources=f'''
        [[sources]]
        name = "reddit-askreddit"
        type = "reddit"
        base_url = "{replay.url}"
        mode = "subreddit_new"
        subreddits = ["askreddit"]
        match = "scoped"
        brands = ["acme"]

        [[sources]]
        name = "x-search"
        type = "x"
        base_url = "{replay.url}"
        match = "scoped"
        brands = ["acme"]
        monthly_read_budget = 1000
    '''
    )
    replay.add_file(reddit_cassette)  # token + one listing of 100 submissions
    replay.add_file(x_cassette)  # one page of 10 tweets
    run_env = {**os.environ, **SECRETS}
    first = env.run("poll", env=run_env)
    assert first.returncode == 0, first.stderr
    assert "reddit-askreddit/acme: ok: 100 stored" in first.stdout
    assert "x-search/acme: ok: 10 stored" in first.stdout
    with sqlite3.connect(env.db) as conn:
        by_source = dict(conn.execute("SELECT source, count(*) FROM mentions GROUP BY source"))
        cursors = dict(conn.execute("SELECT source_name, cursor FROM cursors"))
    assert by_source == {"reddit": 100, "x": 10}
    assert set(cursors) == {"reddit-askreddit", "x-search"}

    # Second poll: Reddit lists the same submissions again, X has nothing newer.
    replay.add_file(reddit_cassette)
    replay.add_file(ROOT / "tests" / "fixtures" / "x" / "empty.replay.json")
    second = env.run("poll", env=run_env)
    assert second.returncode == 0, second.stderr
    assert "reddit-askreddit/acme: ok: 0 stored" in second.stdout
    assert "x-search/acme: ok: 0 stored" in second.stdout
    with sqlite3.connect(env.db) as conn:
        assert conn.execute("SELECT count(*) FROM mentions").fetchone()[0] == 110
    searches = [r for r in replay.requests if r.path == "/2/tweets/search/recent"]
    assert len(searches) == 2
    assert all(
        '"acme corp"' in r.query["query"] and r.query["query"].endswith("-is:retweet") for r in searches
    )
    status = env.run("status", "--format", "json", env=run_env)
    data = {s["name"]: s for s in json.loads(status.stdout)["sources"]}
    assert data["x-search"]["consecutive_failures"] == 0 and data["reddit-askreddit"]["last_stored"] == 0
    assert (data["x-search"]["reads_this_month"], data["x-search"]["monthly_read_budget"]) == (10, 1000)
    table = env.run("status", env=run_env).stdout
    assert "10/1,000 reads this month" in table
    for value in SECRETS.values():
        if "secret" in value or "token" in value:
            assert value not in first.stdout + first.stderr + second.stdout + second.stderr + status.stdout


def test_missing_credential_names_the_variable(env: Env) -> None:
    env.write(sources='[[sources]]\nname = "x-search"\ntype = "x"\n')
    proc = env.run("poll", env={k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")})
    assert proc.returncode == 1
    assert (
        "x-search/acme: FAILED: source 'x-search' needs bearer_token: set the environment variable "
        "MONITOR_X_BEARER_TOKEN or the setting bearer_token_file" in proc.stderr
    )
    assert "Traceback" not in proc.stderr


def test_spent_read_budget_pauses_the_source_until_next_month(env: Env, replay: Replay) -> None:
    env.write(
        sources=f'[[sources]]\nname = "x-search"\ntype = "x"\nbase_url = "{replay.url}"\n'
        'monthly_read_budget = 10\nbrands = ["acme"]\nmatch = "scoped"\n'
    )
    replay.add_file(recording("x", "test_client_search_recent_tweets.yaml"))
    run_env = {**os.environ, **SECRETS}
    assert env.run("poll", env=run_env).returncode == 0
    second = env.run("poll", env=run_env)  # no request is made: the replay server has nothing queued
    assert second.returncode == 0
    assert "x-search/acme: skipped until " in second.stdout
    assert "monthly read budget of 10 spent" in second.stdout


SIX = ("appstore", "googleplay", "hackernews", "mastodon", "youtube", "rss")


def test_poll_all_six_open_sources_then_nothing_new(env: Env, replay: Replay) -> None:
    """App Store, Google Play, Hacker News, Mastodon, YouTube and RSS in one settings file, each
    pointed by base_url at the replay server; `monitor poll` in real subprocesses: a first poll, a
    poll with new items (resumed from the cursors), and a poll that stores nothing new."""
    from tests.support.contract import all_cases
    from tests.support.contract_googleplay import TOKEN_PATH, token_response

    cases = {c.type: c for c in all_cases() if c.type in SIX}
    assert set(cases) == set(SIX)
    env.write(
        sources="".join(
            f'[[sources]]\nname = "{t}-src"\ninterval = "1h"\nbrands = ["acme"]\n'
            f"{c.source_toml(env.dir, replay)}\n"
            for t, c in cases.items()
        )
    )
    expected = {t: c.first(env.dir, replay) for t, c in cases.items()}
    run_env = {**os.environ}
    for c in cases.values():
        run_env.update(c.env)
    first = env.run("poll", env=run_env)
    assert first.returncode == 0, first.stdout + first.stderr
    for t, n in expected.items():
        assert f"{t}-src/acme: ok: {n} stored" in first.stdout, first.stdout
    with sqlite3.connect(env.db) as conn:
        by_source = dict(conn.execute("SELECT source_name, count(*) FROM mentions GROUP BY source_name"))
    assert by_source == {f"{t}-src": n for t, n in expected.items()}

    # Second poll: each source has a few new items (resume from the stored cursors).
    more = {t: c.more(env.dir, replay) for t, c in cases.items()}
    replay.add_response("POST", TOKEN_PATH, json=token_response())  # a new process signs in again
    second = env.run("poll", env=run_env)
    assert second.returncode == 0, second.stdout + second.stderr
    for t, n in more.items():
        assert f"{t}-src/acme: ok: {n} stored" in second.stdout, second.stdout

    # Third poll: the sources answer with what was already seen: nothing new is stored.
    for c in cases.values():
        c.nothing_new(env.dir, replay)
    replay.add_response("POST", TOKEN_PATH, json=token_response())
    third = env.run("poll", env=run_env)
    assert third.returncode == 0, third.stdout + third.stderr
    for t in SIX:
        assert f"{t}-src/acme: ok: 0 stored" in third.stdout, third.stdout
    with sqlite3.connect(env.db) as conn:
        total = conn.execute("SELECT count(*) FROM mentions").fetchone()[0]
    assert total == sum(expected.values()) + sum(more.values())
