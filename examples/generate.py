"""Generate the bundled example dataset in ``examples/acme/``.

The data is fictional and written for this project: a consumer planner app "Acme" (AcmeApp, made by
Acme Corp) and one competitor, Globex, over six ISO weeks in Europe/Istanbul time. It exists so that
`make run`, the end-to-end tests and the README walk-through have something realistic to chew on:
a daily and weekly rhythm, several platforms and languages, star ratings, survey responses, and one
clearly visible negative episode (a bad app update) that the spike detector must find while staying
quiet on every other day.

Only the standard library is used so the generator runs anywhere Python 3.11+ runs. Everything is
drawn from one seeded ``random.Random`` per output family, so the same seed always writes byte-identical
files; run it again after editing templates and commit the result together with this script.

    python examples/generate.py            # writes examples/acme/ and prints a summary
    python examples/generate.py --out DIR  # somewhere else, e.g. to diff two runs

If ``vaderSentiment`` is importable (it is in the project's venv), the summary also shows the daily
share of English acme mentions that VADER labels negative, which is how the episode was tuned.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import random
import string
import sys
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

SEED = 20261104

# Turkey has used UTC+3 all year since 2016, so a fixed offset is exact and spares Windows users the
# tzdata package that zoneinfo would need for "Europe/Istanbul".
ISTANBUL = timezone(timedelta(hours=3), "Europe/Istanbul")

# Six ISO weeks, 2026-W42 .. 2026-W47, Monday 00:00 to Sunday 23:59 Istanbul time.
START = datetime(2026, 10, 12, tzinfo=ISTANBUL).astimezone(UTC)
END = datetime(2026, 11, 23, tzinfo=ISTANBUL).astimezone(UTC)  # exclusive
WEEKS = 6

# The story. Acme ships 4.2.0 on Wednesday morning; a broken auth migration logs people out and
# corrupts sync. The fix (4.2.1) ships the next evening and complaints fade out overnight.
EPISODE_START = datetime(2026, 11, 4, 9, 0, tzinfo=UTC)
FIX_SHIPPED = datetime(2026, 11, 5, 17, 0, tzinfo=UTC)
EPISODE_END = datetime(2026, 11, 6, 3, 0, tzinfo=UTC)  # exclusive; 42 hours in all
# A harmless distractor: Globex launches 9.4 on this Istanbul day and gets a burst of *positive*
# mentions. A negative-spike rule must not fire on it.
GLOBEX_LAUNCH_DAY = date(2026, 10, 27)

# Baseline volume per brand and day (social posts and reviews together), and the sentiment mix that
# holds outside the episode. Both are stationary on purpose: apart from the daily/weekly rhythm there
# is nothing else for a detector to find.
DAILY_RATE = {"acme": 86.0, "globex": 40.0}
MIX = {"acme": {"pos": 0.45, "neu": 0.35, "neg": 0.20}, "globex": {"pos": 0.42, "neu": 0.37, "neg": 0.21}}
REVIEW_SHARE = 0.17  # app store reviews among all mentions, outside the episode
EPISODE_REVIEW_SHARE = 0.28  # angry users go to the store to leave one star

# Hour-of-day weights in Istanbul local time: quiet at night, busy in the afternoon and evening.
# Weekends start later and stay flatter. These only shape the curve; volume is set by DAILY_RATE.
WEEKDAY_HOURS = (
    0.35, 0.20, 0.12, 0.08, 0.07, 0.10, 0.25, 0.55, 0.85, 1.00, 1.05, 1.10,
    1.15, 1.25, 1.35, 1.40, 1.40, 1.35, 1.45, 1.60, 1.70, 1.55, 1.15, 0.70,
)  # fmt: skip
WEEKEND_HOURS = (
    0.50, 0.35, 0.20, 0.12, 0.08, 0.08, 0.12, 0.25, 0.45, 0.70, 0.95, 1.15,
    1.25, 1.30, 1.30, 1.30, 1.30, 1.30, 1.40, 1.50, 1.55, 1.45, 1.15, 0.80,
)  # fmt: skip
DAY_FACTOR = (1.06, 1.05, 1.02, 1.01, 0.97, 0.92, 0.97)  # Monday .. Sunday

# Share of each language among mentions; English is 88 %. Turkish leads the rest because Acme Corp
# is an Istanbul company.
LANG_WEIGHTS = {"en": 0.88, "tr": 0.035, "es": 0.025, "de": 0.02, "pt": 0.015, "fr": 0.015, "ja": 0.01}


# --------------------------------------------------------------------------------------------------
# Brands and the slot values their texts are built from
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Brand:
    key: str
    names: tuple[str, ...]  # how people write the name in running text
    company: str
    other: str  # the competitor, for "switched from X" texts
    x_handle: str
    x_support: str
    hashtags: tuple[str, ...]
    subreddit: str
    appstore_id: str
    appstore_slug: str
    play_package: str
    turkish: dict[str, str]  # case forms; the suffix follows pronunciation, so it differs per brand
    french_de: str  # "de" elides before a vowel: d'Acme, de Globex
    versions: tuple[tuple[datetime, str], ...]  # (from, version) in time order


ACME = Brand(
    key="acme",
    names=("Acme", "Acme", "Acme", "AcmeApp", "the Acme app", "acme"),
    company="Acme Corp",
    other="Globex",
    x_handle="@AcmeApp",
    x_support="@AcmeSupport",
    hashtags=("#AcmeApp", "#acme", "#productivity"),
    subreddit="AcmeApp",
    appstore_id="1588204711",
    appstore_slug="acme-notes-tasks-calendar",
    play_package="com.acmecorp.acme",
    french_de="d'Acme",
    turkish={"gen": "Acme'nin", "acc": "Acme'yi", "loc": "Acme'de", "dat": "Acme'ye", "abl": "Acme'den"},
    versions=(
        (START, "4.1.2"),
        (datetime(2026, 10, 20, 10, tzinfo=UTC), "4.1.3"),
        (datetime(2026, 10, 28, 10, tzinfo=UTC), "4.1.4"),
        (EPISODE_START, "4.2.0"),
        (FIX_SHIPPED, "4.2.1"),
        (datetime(2026, 11, 16, 10, tzinfo=UTC), "4.2.2"),
    ),
)

GLOBEX = Brand(
    key="globex",
    names=("Globex", "Globex", "Globex", "the Globex app", "globex"),
    company="Globex",
    other="Acme",
    x_handle="@GlobexHQ",
    x_support="@GlobexHelp",
    hashtags=("#Globex", "#productivity"),
    subreddit="globex",
    appstore_id="1490335208",
    appstore_slug="globex-planner",
    play_package="com.globex.planner",
    french_de="de Globex",
    turkish={
        "gen": "Globex'in",
        "acc": "Globex'i",
        "loc": "Globex'te",
        "dat": "Globex'e",
        "abl": "Globex'ten",
    },
    versions=(
        (START, "9.3.1"),
        (datetime(2026, 10, 19, 8, tzinfo=UTC), "9.3.2"),
        (datetime(2026, 10, 27, 6, tzinfo=UTC), "9.4.0"),
        (datetime(2026, 11, 10, 8, tzinfo=UTC), "9.4.1"),
    ),
)

BRANDS = (ACME, GLOBEX)

# Slot values are checked against the VADER lexicon during development: none of them carries
# sentiment of its own (no "support", "offline", "free", "share"), so a template's tone is decided
# by its own words and neutral templates stay neutral whatever is slotted in.
FEATURES = (  # (phrase, is it plural): templates say "{f} {is}" and "{f} work{s}" to agree
    ("sync", False),
    ("the login screen", False),
    ("checkout", False),
    ("dark mode", False),
    ("notifications", True),
    ("battery usage", False),
    ("customer service", False),
    ("the pricing", False),
    ("search", False),
    ("the calendar view", False),
    ("the home screen widget", False),
    ("backups", True),
    ("the web dashboard", False),
    ("two-factor login", False),
    ("CSV export", False),
    ("onboarding", False),
    ("the iPad layout", False),
    ("reminders", True),
    ("family plans", True),
    ("the Apple Watch app", False),
    ("templates", True),
    ("the Android app", False),
    ("voice notes", True),
    ("recurring tasks", True),
    ("the Mac app", False),
    ("tags", True),
    ("the quick-add button", False),
    ("the weekly review", False),
)
DEVICES = (
    "iPhone 16", "Pixel 9", "Galaxy S25", "iPad", "MacBook", "Chromebook", "work laptop",
    "old iPhone 12", "Galaxy Tab", "Windows PC",
)  # fmt: skip
ASKS = (
    "Linux", "Apple Pencil", "Outlook calendars", "multiple accounts", "Wear OS", "CSV import",
    "team folders", "Markdown", "Siri shortcuts", "end-to-end encryption", "SSO for teams",
    "Notion import", "landscape mode", "right-to-left languages", "Google Calendar", "time zones",
)  # fmt: skip
# Things a freemium app might move behind its paywall.
PAYWALLED = ("dark mode", "the widgets", "CSV export", "calendar sync", "voice notes", "tags", "themes")
FORMATS = ("PDF", "Markdown", "CSV", "XLSX", "plain text", "iCal")


# --------------------------------------------------------------------------------------------------
# English templates. Slots: {b} brand as written, {f} feature, {v} current version, {nv} the fix
# version, {o} competitor, {co} company, {d} device, {q} something people ask about, {fmt} a format,
# {pw} a paywalled feature; {is} and {s} make verbs agree with a plural {f}.
# Positive ones carry clear positive words, negative ones clear negative words (VADER does not know
# "crashes", "buggy" or "slow", so those never stand alone), neutral ones are questions and facts.
# --------------------------------------------------------------------------------------------------

EN_POS = (
    "I love how {b} handles {f}.",
    "{b} just keeps getting better, {f} {is} excellent now.",
    "Honestly {b} is the best app I've paid for this year.",
    "{f} in {b} {is} so smooth. Really happy with it.",
    "Not bad at all, {f} in {b} {is} actually pretty good.",
    "Switched from {o} to {b} last month and I'm glad I did.",
    "{b} {v} is SO GOOD.",
    "The new {f} in {b} {is} brilliant.",
    "Five stars for {b}, simple, reliable and great.",
    "{b} makes my mornings easier, thank you!",
    "Really impressed with {f} in {b}.",
    "{b} is fast, clean and fun to use. Love it.",
    "If you want a great planner app, {b} is it.",
    "{b} saved me hours this week. Amazing.",
    "Paying for {b} Pro was worth every penny.",
    "The {v} update made {b} awesome.",
    "{b} is genuinely pleasant to use every day.",
    "Kudos to {co}, {f} work{s} perfectly now. Nice work!",
    "Wasn't sure about {b} at first but it's wonderful.",
    "My favorite thing about {b}: {f}. Just perfect.",
    "Big thanks to the {b} team for improving {f} so quickly.",
    "{b} on my {d} is beautiful.",
    "{f} in {b} {is} a joy. Great job.",
    "Been using {b} for a year and still love it.",
    "Can confirm {b} is excellent for staying organized.",
    "Best productivity app I've tried, {b} wins.",
    "{co} customer service was super helpful today, sorted everything out fast.",
    "Recommending {b} to everyone at work. Great app.",
    "{b} makes {f} feel effortless. Fantastic.",
    "Really enjoying {b} so far.",
    "Finally an app that gets {f} right. Well done {b}.",
    "{b} is the cleanest app on my phone. Love the design.",
    "Gotta say, {b} is pretty great.",
    "{b} keeps me on top of everything, highly recommend.",
    "Honestly impressed by how stable {b} has been.",
    "Happy to see {b} keep improving {f}.",
    "Thank you {b} for {f}, it's perfect for me.",
    "{f} in {b} {v} {is} a lovely touch.",
    "{b} is hands down the best way to plan my week. Love it.",
    "Tried {o}, came back to {b}. Much better.",
    "{b} doesn't disappoint. {f} {is} great.",
    "Wow, {f} in {b} {is} so good now.",
)

EN_NEU = (
    "Just installed {b}, let's see how it goes.",
    "Anyone know if {b} works with {q}?",
    "Does {b} have a student discount?",
    "{b} {v} is rolling out today.",
    "How do I turn on {f} in {b}?",
    "Comparing {b} and {o} for my team. Which one do you use?",
    "Trying {b} on my {d} this week.",
    "Where is the setting for {f} in {b}?",
    "Is there a way to export from {b} to {fmt}?",
    "Moving my notes from {o} to {b} this weekend.",
    "Which version of {b} are you on?",
    "The {b} release notes for {v} are up.",
    "Has anyone used {b} with {q}?",
    "TIL {b} has a keyboard shortcut for {f}.",
    "Reading the {b} changelog for {v}.",
    "Does {b} work on a {d}?",
    "{co} posted a roadmap for {f}.",
    "Question: does {b} sync between my {d} and the web?",
    "{b} or {o} for a small team of five?",
    "New to {b}. Where do I start with {f}?",
    "Downloading {b} now.",
    "{b} asked me to update to {v} today.",
    "What does the Pro plan in {b} include?",
    "Can I get {f} in {b} on Android yet?",
    "Setting up {b} for the whole family.",
    "Checking whether {b} can import from {o}.",
    "Do you keep {f} on or off in {b}?",
    "{co} is doing an AMA on Thursday about {f}.",
    "Anyone using {b} on a {d}?",
    "How much is {b} Pro per month in Turkey?",
    "{b} now shows {f} in the sidebar.",
    "Can {b} handle {q}?",
    "Testing {f} in {b} for a blog post.",
    "{b} {v} changes the layout of {f}.",
    "Installed {b} on my {d} for work.",
    "Where can I find the {b} API docs?",
    "Is {b} on the Mac App Store?",
    "Day 3 of trying {b}.",
    "Just noticed that {b} added {q}.",
    "My manager wants us all on {b} by Monday.",
    "Does {b} store data in the EU?",
    "{b} {v} is out for iOS and Android.",
    "Do you need the Pro plan for {f} in {b}?",
    "Which {b} plan do you use for a team of ten?",
)

EN_NEG = (
    "{b} keeps crashing when I open {f}. So frustrating.",
    "{f} in {b} {is} broken again.",
    "Why is {b} so slow lately? Terrible.",
    "Worst experience: {co} customer service ignores every email.",
    "{b} isn't working for me, {f} fail{s} every time.",
    "Hate that {b} moved {pw} behind the Pro paywall.",
    "{b} drained my battery overnight. Awful.",
    "Really disappointed with {f} in {b}.",
    "{f} in {b} {is} useless now.",
    "{b} pricing is a rip-off. Way too expensive, ridiculous.",
    "NOT happy with {b} right now.",
    "{b} lost my data. Unacceptable.",
    "{b} freezes on my {d} every single time. Annoying.",
    "The {v} update made {f} worse.",
    "{b} is getting bloated and confusing.",
    "Ugh, {b} logged me out again.",
    "Stop spamming me with notifications, {b}. Seriously annoying.",
    "{b} is a mess now. Sad, because it used to be good.",
    "{f} in {b} {is} a nightmare. Awful.",
    "Thinking about cancelling {b}, {f} {is} just bad.",
    "{b} ate my reminders. So angry.",
    "Horrible experience with {f} in {b} today.",
    "{b} is so buggy on my {d}. Sad.",
    "{b} charged me twice. Not cool, really annoying.",
    "Why does {b} make {f} so complicated? Hate it.",
    "{b} crashed and I lost an hour of work. Furious.",
    "Can't recommend {b} anymore, {f} {is} awful.",
    "Terrible: {co} closed my ticket without a reply.",
    "Worst update in a while, {f} in {b} {is} broken.",
    "{b} wasted my whole morning. Useless.",
    "{f} in {b} {is} painfully slow.",
    "Getting really tired of {b} glitches.",
    "{b} is ugly since the redesign.",
    "Sorry {b}, {f} {is} just bad now.",
    "{b} keeps forgetting my settings. Frustrating.",
    "{f} in {b} {is} the worst.",
    "{b} sync failed again and duplicated half my tasks. Annoying.",
    "Disappointing update from {b}, {f} got worse.",
)

# Only during the outage (acme). They name the broken release, 4.2.0, outright; {nv} is the fix.
EN_EP_NEG = (
    "{b} logged me out after the 4.2.0 update and now login fails. Terrible.",
    "Is {b} down?? Can't log in at all. So annoying.",
    "4.2.0 broke sync and I lost a whole day of notes. Furious.",
    "Updated to 4.2.0 and {b} crashes on launch. Awful.",
    "Worst update ever. {b}, please roll back 4.2.0!",
    "{b} has been broken for hours. Ridiculous.",
    "Can't open any of my notes in {b}. Panicking.",
    "Login loop in {b} since 4.2.0. This is a disaster.",
    "{b} outage?? Unacceptable for a paid app.",
    "Sync is broken, login is broken, everything in {b} is broken.",
    "Angry. Paying for Pro and {b} doesn't even open.",
    "{b} 4.2.0 deleted my reminders. Horrible.",
    "Missed a meeting because {b} failed to sync. Awful.",
    "{co}, your update destroyed my workflow. Terrible.",
    "Still can't log in to {b}. Day ruined.",
    "{b} down for hours now. Pathetic.",
    "Awful. The 4.2.0 update is a mess and {b} won't load.",
    "{b} crashed 5 times in 10 minutes. Terrible update.",
    "So frustrated with {b} right now, nothing works.",
    "{b}: error after error since this morning. Awful.",
    "Hey {b}, fix your app! Can't log in since 4.2.0. Annoying.",
    "Uninstalling {b}. This outage is the last straw. Fed up and angry.",
    "Lost all my local notes after 4.2.0. Devastated.",
    "{b} status page is all green while the app is broken. Ridiculous.",
    "Why would {co} ship 4.2.0 without testing? Broken login, broken sync.",
    "{b} still broken. Worst app experience this year.",
    "Anyone else's {b} completely broken? Mine fails nonstop.",
    "Day 2 of the {b} outage. Disappointed and annoyed.",
    "Cancelled my {b} subscription. Broken app, terrible communication.",
    "Terrible. {b} 4.2.0 won't even let me sign in.",
    "My whole team is locked out of {b}. Unacceptable.",
    "{b} wiped my sync history. I'm so upset.",
)

EN_EP_NEU = (
    "Is {b} down for anyone else?",
    "{co} status page says they are investigating a login incident.",
    "Any workaround for the {b} login loop?",
    "{co} says a fix is coming in {nv}.",
    "Reinstalling {b} to see if that changes anything.",
    "Is there a way to roll back {b} to 4.1.4 on Android?",
    "{b} 4.2.0: sync status says 'connecting' forever. Anyone else?",
    "Does the {b} web dashboard still work for you?",
    "Checking {b} on my {d} to see if it's account-wide.",
    "{co} just posted an incident update about 4.2.0.",
    "Waiting for {nv} to show up in the app store.",
    "Clearing the {b} cache, will report back.",
    "Is the {b} outage only on iOS?",
    "{co} says notes are stored on the server and nothing is gone.",
)

# After the fix ships: relief, mixed into the positive pool for a few days.
EN_RECOVERY = (
    "{nv} fixed it. {b} works again, thanks team!",
    "Login is back in {b}. Thank you for the quick fix.",
    "Glad {b} is back. Sync looks good now.",
    "Good recovery from {co}, {nv} sorted everything out for me.",
    "Appreciate the honest incident report from {co}. Great transparency.",
    "{b} {nv} is great, all my notes are back. Relieved!",
)

# Globex's launch day: the positive distractor.
EN_LAUNCH = (
    "{b} 9.4 is here and the new widgets are fantastic!",
    "The new {b} home screen widgets are gorgeous.",
    "Loving the {b} 9.4 update, great job team.",
    "{b} finally added a focus timer. Excellent!",
    "{b} 9.4 is a great release. Love the new calendar.",
    "Wow, {b} 9.4 looks amazing.",
    "Huge congrats to {co} on the 9.4 launch, it's brilliant.",
    "Just tried the {b} 9.4 focus timer, really nice.",
)

EN_OPENERS = ("", "", "", "", "", "", "tbh ", "PSA: ", "Update: ", "fwiw ", "Quick one: ", "Real talk: ")
EN_EXTRA = {
    "pos": (
        "Customer for two years now.",
        "The devs clearly care.",
        "Using it on my {d}.",
        "Highly recommend it.",
        "Best money I've spent on an app.",
    ),
    "neu": (
        "Using it on my {d}.",
        "Version {v}, if that matters.",
        "Asking before I buy Pro.",
        "Coming from {o}.",
        "Mostly for work stuff.",
    ),
    "neg": (
        "Already tried reinstalling.",
        "Version {v} on my {d}.",
        "Nobody from {co} has replied yet.",
        "Seriously considering {o} now.",
        "This is really annoying.",
    ),
}
EMOJI = {
    "pos": ("🙌", "😍", "👏", "💯", "❤️", "✨", "🎉", "😊", "👍", "🚀"),
    "neu": ("🤔", "👀", "📱", "🧐", "💻", "🗓️", "🤷"),
    "neg": ("😡", "🙄", "😤", "😩", "👎", "💀", "🤬", "😞"),
}

REDDIT_TITLES = {
    "pos": ("{b} appreciation post", "{b} {v} is great", "Really happy with {b}", "Love this app"),
    "neu": ("Question about {b}", "{b} {v}", "Quick question", "{b} question", "Anyone here using {b}?"),
    "neg": ("{b} problems", "Is it just me or is {b} getting worse?", "Frustrated with {b}"),
    "ep": ("{b} 4.2.0 login loop megathread", "{b} down?", "{b} 4.2.0 problems", "{b} outage"),
}

HN_TEXTS = {
    "pos": (
        "We moved our team to {b} last quarter and sync has been solid.",
        "I like that {b} exports to plain Markdown. Great way to avoid lock-in.",
        "The {b} web dashboard is fast, nice to see a lean frontend.",
        "Honestly {b} is a good example of a well-designed sync engine.",
        "{b} is one of the few consumer apps whose changelog I enjoy reading.",
    ),
    "neu": (
        "{b} uses a CRDT-based sync, according to their engineering blog.",
        "Does anyone know what stack {b} runs on?",
        "{co} published a post about how they handle {f}.",
        "How does {b} compare to {o} for a small team?",
        "Is there a public API for {b}? Looking to script {f}.",
        "{co} is based in Istanbul, if I remember correctly.",
    ),
    "neg": (
        "The {b} Android app is a 150 MB download for a to-do list. Bad engineering.",
        "I stopped using {b} after they moved {pw} behind a paywall. Disappointing.",
        "{b} has had too many sync problems lately. Frustrating.",
        "The {b} web app breaks the back button. Annoying.",
    ),
    "ep": (
        "The {b} outage is a painful reminder to test your migrations. Their login service is failing hard.",
        "{co} shipped 4.2.0 with a broken auth migration, judging by their status page. Terrible.",
        "Locked out of {b} all day. Losing trust in hosted-only apps is the worst part.",
    ),
}

# Reviews are longer and written in a different register, so they get their own sentences.
REVIEW_TITLES = {
    "pos": (
        "Love it", "Great app", "Best planner I've used", "Excellent", "Five stars", "So useful",
        "Fantastic update", "Worth it", "Perfect for my team", "Beautiful and fast",
    ),
    "neu": ("Does the job", "Decent", "Mixed feelings", "A few things missing", "Fine for now", "Average"),
    "neg": (
        "Crashes constantly", "Disappointed", "Getting worse", "Terrible update", "Waste of money",
        "Broken sync", "Not worth it", "Annoying",
    ),
    "ep": (
        "Update broke everything", "Can't log in", "Worst update ever", "Lost my data", "Fix the login!",
        "Broken since 4.2.0", "Unusable", "Terrible",
    ),
    "rec": ("Fixed now", "Back to normal", "Good recovery"),
}  # fmt: skip
REVIEW_BODY = {
    "pos": (
        "I use {b} every day and it's great.",
        "{f} work{s} perfectly.",
        "The design is clean and beautiful.",
        "Customer service answered quickly and was very helpful.",
        "Worth every penny of the Pro plan.",
        "Syncs flawlessly between my phone and laptop.",
        "Highly recommend it.",
        "Best app of its kind.",
        "Really happy with the {v} update.",
        "Love the dark mode.",
        "It keeps my whole family organized, which is amazing.",
        "Switched from {o} and never looked back. Much better.",
    ),
    "neu": (
        "Does what it says.",
        "I mostly use it for work notes.",
        "Any plans for {q}?",
        "The Pro plan is $4.99 a month.",
        "Switched from {o} last month.",
        "Some settings are hidden in menus.",
        "Still getting used to {f}.",
        "I use it on my {d} and on the web.",
        "Still waiting for {q}.",
    ),
    "neg": (
        "The app crashes every time I open {f}. Frustrating.",
        "Frustrating: customer service never replied.",
        "{f} {is} broken since {v}.",
        "Too expensive for what it does. A ridiculous rip-off.",
        "Lost my notes twice. Unacceptable.",
        "Constant notifications are annoying.",
        "The redesign is ugly and confusing.",
        "Now it's a mess and I'm disappointed. It used to be good.",
        "Sync fails all the time. Terrible.",
    ),
    "ep": (
        "After updating to 4.2.0 I'm stuck in a login loop.",
        "The app crashes on launch since this morning. Awful.",
        "Sync deleted a day of notes. Awful.",
        "I pay for Pro and can't even open the app. Terrible.",
        "Please roll back this terrible update.",
        "No answer from {co}, just a status page. Awful.",
        "My whole team is locked out. Unacceptable.",
        "Worst update I've ever seen in an app I pay for.",
    ),
    "rec": (
        "{nv} fixed the login problem, so I'm glad to give it five stars again.",
        "Rough week, but the fix works and everything is back. Thanks for the quick response.",
        "Good recovery, all my notes are back and sync is great again.",
    ),
}


# --------------------------------------------------------------------------------------------------
# Other languages: whole sentences written by hand, because slotting English-style fillers into
# languages with gender and case would produce broken grammar. {b} is the brand name; Turkish uses
# the case forms in Brand.turkish ({b_gen}, {b_acc}, {b_loc}, {b_dat}).
# --------------------------------------------------------------------------------------------------

FOREIGN: dict[str, dict[str, tuple[str, ...]]] = {
    "es": {
        "pos": (
            "Me encanta {b}, la sincronización funciona de maravilla.",
            "{b} es la mejor app que he probado este año.",
            "La nueva actualización de {b} está genial.",
            "El modo oscuro de {b} quedó precioso.",
            "Llevo un año usando {b} y sigo encantado.",
            "El soporte de {b} me respondió en diez minutos. ¡Gracias!",
            "Recomiendo {b} a todo el mundo, es rapidísima.",
            "Con {b} por fin tengo mi semana organizada.",
        ),
        "neu": (
            "¿Alguien sabe si {b} funciona en Linux?",
            "Acabo de instalar {b}, a ver qué tal.",
            "¿Cuánto cuesta {b} Pro al mes?",
            "¿{b} tiene descuento para estudiantes?",
            "Estoy probando {b} en el iPad esta semana.",
            "¿Cómo se activa el modo oscuro en {b}?",
            "Ya salió la versión {v} de {b}.",
        ),
        "neg": (
            "{b} se cierra cada vez que abro el calendario. Qué frustración.",
            "La sincronización de {b} vuelve a fallar.",
            "{b} está cada vez más lenta, una pena.",
            "El soporte de {b} no contesta nunca.",
            "{b} me cobró dos veces este mes. Fatal.",
            "Las notificaciones de {b} son insoportables.",
            "Pagar por {b} Pro ya no vale la pena.",
        ),
        "ep": (
            "¿Se cayó {b}? No puedo iniciar sesión desde la actualización.",
            "La versión 4.2.0 de {b} borró mis notas. Estoy furioso.",
            "{b} no abre desde esta mañana. Qué desastre.",
            "Llevo horas sin poder entrar en {b}. Inaceptable.",
            "La actualización 4.2.0 rompió la sincronización de {b}.",
            "Pago Pro y {b} ni siquiera arranca. Vergonzoso.",
        ),
        "title_pos": ("¡Excelente!", "Me encanta", "Muy útil"),
        "title_neu": ("Está bien", "Cumple", "Normal"),
        "title_neg": ("Decepcionante", "Se cierra sola", "Muy mala"),
        "title_ep": ("No puedo iniciar sesión", "La actualización lo rompió todo"),
    },
    "de": {
        "pos": (
            "Ich liebe {b}, die Synchronisierung läuft einfach perfekt.",
            "{b} ist die beste App, die ich dieses Jahr gekauft habe.",
            "Das neue Update von {b} ist richtig gut gelungen.",
            "Der Dunkelmodus in {b} sieht super aus.",
            "Seit einem Jahr nutze ich {b} und bin immer noch begeistert.",
            "Der Support von {b} hat mir sofort geholfen. Danke!",
            "{b} macht meinen Alltag so viel einfacher.",
            "Klare Empfehlung: {b} ist schnell und übersichtlich.",
        ),
        "neu": (
            "Weiß jemand, ob {b} auch unter Linux läuft?",
            "Habe gerade {b} installiert, mal sehen.",
            "Was kostet {b} Pro im Monat?",
            "Gibt es bei {b} einen Rabatt für Studierende?",
            "Teste {b} diese Woche auf dem iPad.",
            "Wie aktiviert man den Dunkelmodus in {b}?",
            "Version {v} von {b} ist jetzt verfügbar.",
        ),
        "neg": (
            "{b} stürzt jedes Mal ab, wenn ich den Kalender öffne. Nervig.",
            "Die Synchronisierung in {b} funktioniert schon wieder nicht.",
            "{b} wird immer langsamer. Schade.",
            "Der Support von {b} antwortet einfach nicht.",
            "{b} hat mir diesen Monat doppelt abgebucht. Ärgerlich.",
            "Die ständigen Benachrichtigungen von {b} nerven total.",
            "{b} Pro ist sein Geld nicht mehr wert.",
        ),
        "ep": (
            "Ist {b} down? Seit dem Update kann ich mich nicht mehr anmelden.",
            "Version 4.2.0 von {b} hat meine Notizen gelöscht. Unfassbar.",
            "{b} startet seit heute Morgen nicht mehr. Katastrophe.",
            "Seit Stunden komme ich nicht in {b} rein. Inakzeptabel.",
            "Das Update 4.2.0 hat die Synchronisierung in {b} kaputt gemacht.",
            "Ich zahle für Pro und {b} öffnet sich nicht einmal. Peinlich.",
        ),
        "title_pos": ("Super App", "Absolut empfehlenswert", "Sehr praktisch"),
        "title_neu": ("Ganz okay", "Solide", "Geht so"),
        "title_neg": ("Enttäuschend", "Stürzt ständig ab", "Leider schlechter geworden"),
        "title_ep": ("Anmeldung geht nicht", "Update hat alles kaputt gemacht"),
    },
    "fr": {
        "pos": (
            "J'adore {b}, la synchronisation marche parfaitement.",
            "{b} est la meilleure appli que j'ai essayée cette année.",
            "La nouvelle mise à jour {de_b} est géniale.",
            "Le mode sombre {de_b} est vraiment réussi.",
            "J'utilise {b} depuis un an et j'en suis toujours ravi.",
            "Le support {de_b} m'a répondu en dix minutes. Merci !",
            "{b} me simplifie la vie, je recommande.",
            "Rapide, claire, efficace : {b} est top.",
        ),
        "neu": (
            "Quelqu'un sait si {b} fonctionne sous Linux ?",
            "Je viens d'installer {b}, on verra bien.",
            "Combien coûte {b} Pro par mois ?",
            "Est-ce que {b} propose une réduction étudiante ?",
            "Je teste {b} sur iPad cette semaine.",
            "Comment activer le mode sombre dans {b} ?",
            "La version {v} {de_b} est disponible.",
        ),
        "neg": (
            "{b} plante chaque fois que j'ouvre le calendrier. Agaçant.",
            "La synchronisation {de_b} ne marche plus, encore une fois.",
            "{b} devient de plus en plus lente. Dommage.",
            "Le support {de_b} ne répond jamais.",
            "{b} m'a facturé deux fois ce mois-ci. Inadmissible.",
            "Les notifications {de_b} sont insupportables.",
            "{b} Pro ne vaut plus son prix.",
        ),
        "ep": (
            "{b} est en panne ? Impossible de me connecter depuis la mise à jour.",
            "La version 4.2.0 {de_b} a effacé mes notes. Je suis furieux.",
            "{b} ne s'ouvre plus depuis ce matin. Quelle catastrophe.",
            "Ça fait des heures que je ne peux pas accéder à {b}. Inacceptable.",
            "La mise à jour 4.2.0 a cassé la synchronisation {de_b}.",
            "Je paie Pro et {b} ne démarre même pas. Honteux.",
        ),
        "title_pos": ("Excellente appli", "Je recommande", "Très pratique"),
        "title_neu": ("Correct", "Moyen", "Sans plus"),
        "title_neg": ("Décevant", "Plante sans arrêt", "De pire en pire"),
        "title_ep": ("Impossible de se connecter", "La mise à jour a tout cassé"),
    },
    "pt": {
        "pos": (
            "Amo o {b}, a sincronização funciona perfeitamente.",
            "O {b} é o melhor app que usei este ano.",
            "A nova atualização do {b} ficou ótima.",
            "O modo escuro do {b} ficou lindo.",
            "Uso o {b} há um ano e continuo adorando.",
            "O suporte do {b} me respondeu em dez minutos. Valeu!",
            "O {b} deixou minha rotina muito mais organizada.",
            "Recomendo o {b} para todo mundo, é muito rápido.",
        ),
        "neu": (
            "Alguém sabe se o {b} funciona no Linux?",
            "Acabei de instalar o {b}, vamos ver.",
            "Quanto custa o {b} Pro por mês?",
            "O {b} tem desconto para estudante?",
            "Testando o {b} no iPad esta semana.",
            "Como ativo o modo escuro no {b}?",
            "Saiu a versão {v} do {b}.",
        ),
        "neg": (
            "O {b} fecha sozinho toda vez que abro o calendário. Que raiva.",
            "A sincronização do {b} falhou de novo.",
            "O {b} está cada vez mais lento, que pena.",
            "O suporte do {b} nunca responde.",
            "O {b} me cobrou duas vezes este mês. Péssimo.",
            "As notificações do {b} são insuportáveis.",
            "O {b} Pro não vale mais o preço.",
        ),
        "ep": (
            "O {b} caiu? Não consigo fazer login desde a atualização.",
            "A versão 4.2.0 do {b} apagou minhas notas. Estou furioso.",
            "O {b} não abre desde hoje de manhã. Que desastre.",
            "Faz horas que não consigo entrar no {b}. Inaceitável.",
            "A atualização 4.2.0 quebrou a sincronização do {b}.",
            "Pago o Pro e o {b} nem abre. Vergonhoso.",
        ),
        "title_pos": ("Excelente", "Adoro", "Muito útil"),
        "title_neu": ("Razoável", "Cumpre o que promete", "Mediano"),
        "title_neg": ("Decepcionante", "Trava toda hora", "Piorou muito"),
        "title_ep": ("Não consigo entrar", "A atualização estragou tudo"),
    },
    "tr": {
        "pos": (
            "{b_acc} çok seviyorum, senkronizasyon kusursuz çalışıyor.",
            "{b} bu yıl denediğim en iyi uygulama.",
            "{b_gen} yeni güncellemesi harika olmuş.",
            "{b_gen} karanlık modu çok şık.",
            "Bir yıldır {b} kullanıyorum, hâlâ çok memnunum.",
            "{b} destek ekibi on dakikada dönüş yaptı. Teşekkürler!",
            "{b} sayesinde haftam çok daha düzenli.",
            "Herkese {b_acc} tavsiye ederim, hızlı ve sade.",
        ),
        "neu": (
            "{b} Linux'ta çalışıyor mu, bilen var mı?",
            "{b_acc} yeni kurdum, bakalım nasıl olacak.",
            "{b} Pro aylık ne kadar?",
            "{b_gen} öğrenci indirimi var mı?",
            "Bu hafta {b_acc} iPad'de deniyorum.",
            "{b_loc} karanlık mod nasıl açılıyor?",
            "{b_gen} {v} sürümü yayınlanmış.",
        ),
        "neg": (
            "{b} takvimi her açtığımda çöküyor. Çok sinir bozucu.",
            "{b_gen} senkronizasyonu yine çalışmıyor.",
            "{b} gittikçe yavaşlıyor, yazık.",
            "{b} destek ekibi hiç cevap vermiyor.",
            "{b} bu ay iki kez ücret çekti. Rezalet.",
            "{b_gen} bildirimleri çok rahatsız edici.",
            "{b} Pro artık parasını hak etmiyor.",
        ),
        "ep": (
            "{b} çöktü mü? Güncellemeden beri giriş yapamıyorum.",
            "{b} 4.2.0 sürümü notlarımı sildi. Çok sinirliyim.",
            "{b} sabahtan beri açılmıyor. Tam bir felaket.",
            "Saatlerdir {b_dat} giremiyorum. Kabul edilemez.",
            "4.2.0 güncellemesi {b_gen} senkronizasyonunu bozdu.",
            "Pro için para ödüyorum ama {b} açılmıyor bile. Ayıp.",
        ),
        "title_pos": ("Harika uygulama", "Çok memnunum", "Tavsiye ederim"),
        "title_neu": ("Fena değil", "İdare eder", "Orta"),
        "title_neg": ("Hayal kırıklığı", "Sürekli çöküyor", "Gittikçe kötüleşiyor"),
        "title_ep": ("Giriş yapamıyorum", "Güncelleme her şeyi bozdu"),
    },
    "ja": {
        "pos": (
            "{b}が大好き。同期が完璧に動く。",
            "{b}は今年使った中で一番のアプリ。",
            "{b}の新しいアップデート、すごく良い！",
            "{b}のダークモードがおしゃれ。",
            "{b}を1年使ってるけど、今でも満足してる。",
            "{b}のサポートが10分で返信してくれた。ありがとう！",
            "{b}のおかげで毎日のタスク管理が楽になった。",
            "{b}、軽くて使いやすいのでおすすめです。",
        ),
        "neu": (
            "{b}ってLinuxでも使える？",
            "{b}をインストールしてみた。",
            "{b} Proって月いくら？",
            "{b}に学割ってある？",
            "今週は{b}をiPadで試してる。",
            "{b}のダークモードはどこで設定するの？",
            "{b}のバージョン{v}が配信されてる。",
        ),
        "neg": (
            "{b}、カレンダーを開くたびに落ちる。イライラする。",
            "{b}の同期がまた失敗してる。",
            "最近{b}がどんどん重くなってる。残念。",
            "{b}のサポートが全然返信してくれない。",
            "{b}に今月2回も課金された。ひどい。",
            "{b}の通知がうるさすぎる。",
            "{b} Proはもう値段に見合わない。",
        ),
        "ep": (
            "{b}落ちてる？アップデートしてからログインできない。",
            "{b} 4.2.0でメモが消えた。最悪。",
            "朝から{b}が起動しない。ひどすぎる。",
            "何時間も{b}に入れない。ありえない。",
            "4.2.0のアップデートで{b}の同期が壊れた。",
            "Pro払ってるのに{b}が開きもしない。",
        ),
        "title_pos": ("最高のアプリ", "とても便利", "おすすめ"),
        "title_neu": ("普通", "まあまあ", "悪くない"),
        "title_neg": ("残念", "すぐ落ちる", "改悪"),
        "title_ep": ("ログインできない", "アップデートで全部壊れた"),
    },
}

# App Store storefront per language, for review URLs.
STOREFRONT = {"en": "us", "es": "es", "de": "de", "fr": "fr", "pt": "br", "tr": "tr", "ja": "jp"}

# Name parts for fictional authors, per language so a Turkish review tends to have a Turkish name.
FIRST_NAMES = {
    "en": (
        "Emma", "Liam", "Olivia", "Noah", "Ava", "Ethan", "Mia", "Lucas", "Chloe", "Jack", "Grace",
        "Ryan", "Hannah", "Owen", "Zoe", "Caleb", "Nora", "Dylan", "Ruby", "Marcus", "Priya", "Arjun",
        "Tom", "Sarah", "Kevin", "Megan", "Jordan", "Aisha", "Ben", "Laura",
    ),
    "tr": ("Mert", "Elif", "Can", "Zeynep", "Emre", "Ayşe", "Burak", "Selin", "Kaan", "Deniz", "Ece", "Oğuz"),
    "es": ("Lucía", "Mateo", "Sofía", "Diego", "Valentina", "Javier", "Carmen", "Pablo", "Marta"),
    "de": ("Lukas", "Anna", "Jonas", "Lea", "Felix", "Marie", "Paul", "Sophie", "Tobias"),
    "fr": ("Camille", "Louis", "Manon", "Hugo", "Léa", "Théo", "Chloé", "Antoine"),
    "pt": ("João", "Ana", "Pedro", "Beatriz", "Gabriel", "Larissa", "Rafael", "Camila"),
    "ja": ("Yuki", "Haruto", "Sakura", "Ren", "Aoi", "Sota", "Hina", "Kenji"),
}  # fmt: skip
LAST_NAMES = {
    "en": (
        "Carter", "Nguyen", "Patel", "Brooks", "Hughes", "Foster", "Reed", "Kim", "Murphy", "Shaw",
        "Bennett", "Walsh", "Ortiz", "Coleman", "Price", "Fleming",
    ),
    "tr": ("Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Aydın", "Öztürk", "Arslan"),
    "es": ("García", "Martínez", "López", "Sánchez", "Romero", "Navarro"),
    "de": ("Müller", "Schmidt", "Weber", "Wagner", "Becker", "Hoffmann"),
    "fr": ("Martin", "Bernard", "Dubois", "Moreau", "Laurent", "Lefèvre"),
    "pt": ("Silva", "Santos", "Oliveira", "Souza", "Costa", "Pereira"),
    "ja": ("Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito"),
}  # fmt: skip
HANDLE_WORDS = (
    "otter", "maple", "pixel", "coffee", "orbit", "tide", "fern", "quartz", "comet", "harbor", "lantern",
    "cedar", "river", "sparrow", "atlas", "ember", "meadow", "nova", "cobalt", "willow", "falcon", "juniper",
    "plans", "notes", "dev", "builds", "writes", "codes", "daily", "studio", "lab", "tasks",
)  # fmt: skip
REDDIT_ADJ = (
    "Quiet", "Brave", "Sleepy", "Curious", "Lucky", "Gentle", "Clever", "Hungry", "Witty", "Calm",
    "Rapid", "Silent", "Fuzzy", "Proud", "Tidy", "Nimble",
)  # fmt: skip
REDDIT_NOUN = (
    "Otter", "Falcon", "Badger", "Panda", "Heron", "Walrus", "Lynx", "Moose", "Gecko", "Raven", "Koala",
    "Beaver", "Puffin", "Ferret",
)  # fmt: skip


# --------------------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------------------


@dataclass
class Mention:
    brand: Brand
    channel: str  # "social" or "review"
    source: str
    created_at: datetime
    lang: str
    cls: str  # the tone the text was written with: pos / neu / neg (kept out of the files)
    text: str
    title: str | None = None
    rating: int | None = None
    app_version: str | None = None
    engagement: int | None = None
    reddit_kind: str | None = None  # "t3" post or "t1" comment
    subreddit: str | None = None
    native_id: str = ""
    author: str = ""
    url: str = ""


def iso(ts: datetime) -> str:
    """UTC with a Z suffix: what most APIs send, and `datetime.fromisoformat` reads it since 3.11."""
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def version_at(brand: Brand, ts: datetime) -> str:
    current = brand.versions[0][1]
    for since, version in brand.versions:
        if ts >= since:
            current = version
    return current


def in_episode(ts: datetime) -> bool:
    return EPISODE_START <= ts < EPISODE_END


def negative_multiplier(ts: datetime) -> float:
    """How many times its usual hourly rate acme's negative volume runs at `ts`.

    A sharp start (the update reaches most phones within an hour), a plateau while login is broken,
    and a fade after the fix ships as people update and calm down.
    """
    if not in_episode(ts):
        return 1.0
    hours = (ts - EPISODE_START).total_seconds() / 3600
    if hours < 1:
        return 5.0
    fix_hours = (FIX_SHIPPED - EPISODE_START).total_seconds() / 3600
    if hours < fix_hours:
        return 8.5
    span = (EPISODE_END - FIX_SHIPPED).total_seconds() / 3600
    return 8.5 - (8.5 - 1.5) * (hours - fix_hours) / span


def hourly_count(rng: random.Random, lam: float) -> int:
    """A count with mean `lam`, a little less bursty than Poisson.

    Binomial with a few more trials than the mean needs: the variance is about `lam * (1 - p)` and
    the count can never run far above its mean. Real feeds are burstier, but in this example the
    outage is the only thing a spike rule should find, and with hourly rates around one a plain
    Poisson draw alone gives a few lone hours of 5-6 negatives that look like a spike.
    """
    if lam <= 0:
        return 0
    trials = math.ceil(2 * lam) + 2
    return sum(rng.random() < lam / trials for _ in range(trials))


def hour_weight(local: datetime) -> float:
    table = WEEKEND_HOURS if local.weekday() >= 5 else WEEKDAY_HOURS
    return table[local.hour] * DAY_FACTOR[local.weekday()]


# Normalizer so that DAILY_RATE is the average over a whole week.
_WEEK_WEIGHT = sum(
    (WEEKEND_HOURS if d >= 5 else WEEKDAY_HOURS)[h] * DAY_FACTOR[d] for d in range(7) for h in range(24)
)


def fill(template: str, rng: random.Random, brand: Brand, ts: datetime, *, name: str | None = None) -> str:
    """Fill a template's slots; unused slots cost nothing, so every call offers all of them."""
    feature, plural = rng.choice(FEATURES)
    slots = {
        "b": name or rng.choice(brand.names),
        "f": feature,
        "is": "are" if plural else "is",
        "s": "" if plural else "s",
        "v": version_at(brand, ts),
        "nv": "4.2.1",
        "o": brand.other,
        "co": brand.company,
        "d": rng.choice(DEVICES),
        "q": rng.choice(ASKS),
        "fmt": rng.choice(FORMATS),
        "pw": rng.choice(PAYWALLED),
        "b_gen": brand.turkish["gen"],
        "b_acc": brand.turkish["acc"],
        "b_loc": brand.turkish["loc"],
        "b_dat": brand.turkish["dat"],
        "de_b": brand.french_de,
    }
    # "the Acme app" can land at the start of a sentence and needs a capital there; a bare lower-case
    # "acme" at the start is left alone, since people do type brand names that way.
    text = template.format(**slots).replace(". the ", ". The ").replace("! the ", "! The ")
    if text[:1].islower() and not text.startswith(("acme", "globex")):
        text = text[0].upper() + text[1:]
    return text


# --------------------------------------------------------------------------------------------------
# Text builders
# --------------------------------------------------------------------------------------------------


def pool_for(
    cls: str, brand: Brand, ts: datetime, rng: random.Random, *, episode_text: bool
) -> Sequence[str]:
    """The English template pool for a mention of tone `cls` at `ts`."""
    if cls == "neg":
        return EN_EP_NEG if episode_text else EN_NEG
    if cls == "neu":
        return EN_EP_NEU if episode_text else EN_NEU
    if brand is ACME and FIX_SHIPPED <= ts < FIX_SHIPPED + timedelta(days=3) and rng.random() < 0.25:
        return EN_RECOVERY
    if brand is GLOBEX and ts.astimezone(ISTANBUL).date() == GLOBEX_LAUNCH_DAY and rng.random() < 0.55:
        return EN_LAUNCH
    return EN_POS


def social_text_en(rng: random.Random, m: Mention, *, episode_text: bool) -> tuple[str, str | None]:
    brand, ts, cls = m.brand, m.created_at, m.cls
    if m.source == "hackernews":
        key = "ep" if episode_text and cls == "neg" else cls
        return fill(rng.choice(HN_TEXTS[key]), rng, brand, ts, name=brand.names[0]), None

    core = fill(rng.choice(pool_for(cls, brand, ts, rng, episode_text=episode_text)), rng, brand, ts)
    # Shouting is mostly anger, sometimes delight; VADER boosts ALL-CAPS words, which is the point.
    if (cls == "neg" and rng.random() < 0.05) or (cls == "pos" and rng.random() < 0.02):
        core = core.upper()
    opener = rng.choice(EN_OPENERS)
    # After "PSA: " people carry on in lower case, but names and "I" keep their capitals.
    first = core.split(" ", 1)[0]
    keep = first.isupper() or first == "I" or first.startswith(("Acme", "Globex", "TIL"))
    text = opener + (core if keep or not opener else core[0].lower() + core[1:])

    title = None
    if m.source == "reddit":
        if rng.random() < 0.4 and not episode_text:  # the extras are everyday remarks, not outage ones
            text += " " + fill(rng.choice(EN_EXTRA[cls]), rng, brand, ts)
        if rng.random() < 0.08:
            text += " " + rng.choice(EMOJI[cls])
        if m.reddit_kind == "t3":
            key = "ep" if episode_text else cls
            title = fill(rng.choice(REDDIT_TITLES[key]), rng, brand, ts, name=brand.names[0])
    else:  # x
        if cls == "neg" and rng.random() < (0.35 if episode_text else 0.2):
            text = f"{brand.x_support} {text}"
        elif rng.random() < 0.08:
            text = f"{brand.x_handle} {text}"
        if rng.random() < 0.35:
            text += " " + rng.choice(EMOJI[cls]) * rng.choice((1, 1, 1, 2, 3))
        if episode_text and brand is ACME and rng.random() < 0.3:
            text += " #AcmeDown"
        elif rng.random() < 0.22:
            text += " " + rng.choice(brand.hashtags)
    return text, title


def foreign_text(rng: random.Random, m: Mention, *, episode_text: bool) -> str:
    bank = FOREIGN[m.lang]
    key = "ep" if episode_text and m.cls == "neg" else m.cls
    name = m.brand.names[0] if rng.random() < 0.8 else ("AcmeApp" if m.brand is ACME else "Globex")
    text = fill(rng.choice(bank[key]), rng, m.brand, m.created_at, name=name)
    if m.channel == "social" and rng.random() < 0.3:
        text += " " + rng.choice(EMOJI[m.cls])
    if m.source == "x" and rng.random() < 0.15:
        text += " " + m.brand.hashtags[0]
    return text


def review_text(rng: random.Random, m: Mention, *, episode_text: bool) -> tuple[str, str]:
    brand, ts = m.brand, m.created_at
    recovering = brand is ACME and m.cls == "pos" and FIX_SHIPPED <= ts < FIX_SHIPPED + timedelta(days=4)
    key = "ep" if episode_text and m.cls == "neg" else ("rec" if recovering and rng.random() < 0.3 else m.cls)
    if m.lang != "en":
        title = rng.choice(FOREIGN[m.lang]["title_" + ("pos" if key == "rec" else key)])
        return title, foreign_text(rng, m, episode_text=episode_text)
    sentences = list(REVIEW_BODY[key])
    rng.shuffle(sentences)
    parts = [fill(s, rng, brand, ts, name=brand.names[0]) for s in sentences[: rng.choice((1, 2, 2, 3))]]
    # A few reviews have paragraphs: line breaks inside a quoted CSV field are valid RFC 4180 and
    # importers must cope with them.
    sep = "\n\n" if rng.random() < 0.08 else " "
    return rng.choice(REVIEW_TITLES[key]), sep.join(parts)


def rating_for(rng: random.Random, cls: str, episode_text: bool) -> int:
    """Stars that agree with the text; users are harsher during an outage."""
    if cls == "pos":
        return rng.choices((5, 4), (0.7, 0.3))[0]
    if cls == "neu":
        return rng.choices((3, 4, 2), (0.7, 0.2, 0.1))[0]
    if episode_text:
        return rng.choices((1, 2), (0.75, 0.25))[0]
    return rng.choices((1, 2, 3), (0.45, 0.4, 0.15))[0]


# --------------------------------------------------------------------------------------------------
# Mentions over time
# --------------------------------------------------------------------------------------------------


def draw_mentions(rng: random.Random) -> list[tuple[Mention, bool]]:
    """Hour by hour counts per brand and tone, then a source, language and text for each.

    Returns (mention, episode_text) pairs; texts are filled in later so the order of random draws
    does not depend on template edits more than it has to.
    """
    out: list[tuple[Mention, bool]] = []
    hour = START
    while hour < END:
        local = hour.astimezone(ISTANBUL)
        for brand in BRANDS:
            base = DAILY_RATE[brand.key] * 7 * hour_weight(local) / _WEEK_WEIGHT
            mix = MIX[brand.key]
            lam = {cls: base * share for cls, share in mix.items()}
            episode_text_share = {"neg": 0.0, "neu": 0.0}
            if brand is ACME and in_episode(hour):
                mult = negative_multiplier(hour)
                lam["neg"] *= mult
                # "Is it down?" questions and status-page chatter grow with the outage too.
                neu_mult = 1 + 0.3 * (mult - 1)
                lam["neu"] *= neu_mult
                lam["pos"] *= 0.7
                episode_text_share = {"neg": 0.88, "neu": (neu_mult - 1) / neu_mult}
            if brand is GLOBEX and local.date() == GLOBEX_LAUNCH_DAY:
                lam["pos"] *= 2.8
                lam["neu"] *= 1.4
            for cls in ("pos", "neu", "neg"):
                for _ in range(hourly_count(rng, lam[cls])):
                    ts = hour + timedelta(seconds=rng.randrange(3600))
                    episode_text = rng.random() < episode_text_share.get(cls, 0.0)
                    out.append((new_mention(rng, brand, cls, ts, episode_text), episode_text))
        hour += timedelta(hours=1)
    return out


def new_mention(rng: random.Random, brand: Brand, cls: str, ts: datetime, episode_text: bool) -> Mention:
    review_share = EPISODE_REVIEW_SHARE if episode_text and cls == "neg" else REVIEW_SHARE
    lang = rng.choices(list(LANG_WEIGHTS), list(LANG_WEIGHTS.values()))[0]
    if rng.random() < review_share:
        source = rng.choices(("appstore", "googleplay"), (0.62, 0.38))[0]
        return Mention(brand, "review", source, ts, lang, cls, "")
    source = rng.choices(("reddit", "x", "hackernews"), (0.44, 0.53, 0.03))[0]
    if source == "hackernews":
        lang = "en"  # HN is an English-language site
    m = Mention(brand, "social", source, ts, lang, cls, "")
    if source == "reddit":
        m.reddit_kind = "t3" if rng.random() < 0.25 else "t1"
        m.subreddit = reddit_subreddit(rng, brand, lang)
    return m


def reddit_subreddit(rng: random.Random, brand: Brand, lang: str) -> str:
    local = {"tr": "Turkey", "es": "spain", "de": "de", "fr": "france", "pt": "brasil", "ja": "newsokur"}
    if lang in local and rng.random() < 0.6:
        return local[lang]
    return rng.choices(
        (brand.subreddit, "productivity", "apps", "iphone", "androidapps"), (0.6, 0.15, 0.1, 0.08, 0.07)
    )[0]


def hostile_rows() -> list[Mention]:
    """Rows that look like real posts but test escaping downstream (HTML, CSV, Slack, terminal).

    They are neutral in tone and far from the episode so they never end up in an alert by accident.
    """

    def row(channel: str, source: str, at: str, text: str, **extra: Any) -> Mention:
        return Mention(ACME, channel, source, datetime.fromisoformat(at), "en", "neu", text, **extra)

    return [
        row(
            "social", "reddit", "2026-10-19T14:22:07+00:00",
            "Typed <script>alert(1)</script> into an Acme note title to see how the web dashboard "
            "renders it. The text shows up literally.",
            reddit_kind="t1", subreddit="AcmeApp", engagement=4,
        ),
        row(
            "review", "appstore", "2026-10-24T11:05:42+00:00",
            '=HYPERLINK("http://evil.example","click") is what my Acme CSV export shows when a task title '
            "starts with an equals sign. Otherwise it does the job.",
            title="Export question", rating=3,
        ),
        row(
            "social", "x", "2026-10-28T16:40:19+00:00",
            "@SUM(1+1) is what my spreadsheet shows after importing the Acme CSV export. Anyone else?",
            engagement=2,
        ),
        row(
            "social", "x", "2026-11-12T07:58:33+00:00",
            "Meant to post this in Slack: <!channel> standup moved to 10:30, the Acme sync notes are in the "
            "team folder.",
            engagement=0,
        ),
        row(
            "social", "reddit", "2026-10-15T19:03:51+00:00",
            "The Acme CLI export prints \x1b[31mRED\x1b[0m for overdue tasks in my terminal. Is there a flag "
            "to turn the colors off?",
            reddit_kind="t1", subreddit="AcmeApp", engagement=7,
        ),
    ]  # fmt: skip


# --------------------------------------------------------------------------------------------------
# Native ids, authors and URLs
# --------------------------------------------------------------------------------------------------


def base36(n: int) -> str:
    digits = string.digits + string.ascii_lowercase
    out = ""
    while n:
        n, r = divmod(n, 36)
        out = digits[r] + out
    return out or "0"


class IdMaker:
    """Native ids that look like each platform's and grow with time, unique per source."""

    X_EPOCH_MS = 1288834974657  # Twitter's snowflake epoch

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.seen: set[tuple[str, str]] = set()

    def make(self, m: Mention) -> str:
        while True:
            candidate = self._candidate(m)
            if (m.source, candidate) not in self.seen:
                self.seen.add((m.source, candidate))
                return candidate

    def _candidate(self, m: Mention) -> str:
        secs = (m.created_at - START).total_seconds()
        rng = self.rng
        if m.source == "x":
            ms = int(m.created_at.timestamp() * 1000) + rng.randrange(1000)
            return str(((ms - self.X_EPOCH_MS) << 22) | rng.getrandbits(22))
        if m.source == "reddit" and m.reddit_kind == "t3":
            return "t3_" + base36(int("1s4k000", 36) + int(secs * 14) + rng.randrange(14))
        if m.source == "reddit":
            return "t1_" + base36(int("o3m0000", 36) + int(secs * 95) + rng.randrange(95))
        if m.source == "hackernews":
            return str(50_120_000 + int(secs * 0.16) + rng.randrange(3))
        if m.source == "appstore":
            return str(13_104_000_000 + int(secs * 15) + rng.randrange(15))
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))  # Google Play review ids are UUIDs


class Authors:
    """Fictional people. A skewed pick from a fixed pool makes some of them regulars, as in life."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.pools: dict[tuple[str, str], list[str]] = {}

    def pick(self, source: str, lang: str) -> str:
        key = (source, lang if source in ("appstore", "googleplay", "x") else "*")
        if key not in self.pools:
            size = 900 if key[1] in ("en", "*") else 60  # few people write in the smaller languages
            self.pools[key] = self._pool(source, lang, size)
        pool = self.pools[key]
        return pool[int(len(pool) * self.rng.random() ** 1.7)]

    def _pool(self, source: str, lang: str, size: int) -> list[str]:
        rng = self.rng
        names: list[str] = []
        first, last = FIRST_NAMES.get(lang, FIRST_NAMES["en"]), LAST_NAMES.get(lang, LAST_NAMES["en"])
        # Small name lists cannot fill a large pool; stop trying after a while rather than spin.
        for _ in range(size * 20):
            if len(names) >= size:
                break
            f, ln, w = rng.choice(first), rng.choice(last), rng.choice(HANDLE_WORDS)
            if source == "reddit":
                if rng.random() < 0.45:  # Reddit's generated usernames
                    name = f"{rng.choice(REDDIT_ADJ)}-{rng.choice(REDDIT_NOUN)}-{rng.randrange(1000, 9999)}"
                else:
                    name = rng.choice(
                        (
                            f"{ascii_fold(f).lower()}_{w}",
                            f"{w}_{rng.choice(HANDLE_WORDS)}{rng.randrange(99)}",
                            f"throwaway_{w}{rng.randrange(100, 999)}",
                        )
                    )
            elif source == "x":
                name = rng.choice(  # X handles are at most 15 characters
                    (
                        f"{ascii_fold(f).lower()}{ascii_fold(ln).lower()[:6]}",
                        f"{ascii_fold(f).lower()}_{w}",
                        f"{w}{rng.randrange(10, 9999)}",
                    )
                )[:15]
            elif source == "hackernews":
                name = rng.choice(
                    (f"{ascii_fold(f).lower()}{ascii_fold(ln)[0].lower()}", f"{w}{rng.randrange(10, 99)}")
                )
            elif source == "appstore":
                name = rng.choice(
                    (
                        f"{f} {ln[0]}.",
                        f"{f}{rng.randrange(70, 100)}",
                        f"{w.capitalize()}{rng.choice(HANDLE_WORDS)}",
                    )
                )
            else:
                name = f"{f} {ln}"
            if name not in names:
                names.append(name)
        return names


def ascii_fold(s: str) -> str:
    """Handles are ASCII on X and Reddit: Şahin -> Sahin, Léa -> Lea."""
    table = str.maketrans("ıİşŞğĞçÇöÖüÜéèêëáàâãíóôõúñÉÁ", "iIsSgGcCoOuUeeeeaaaaiooounEA")
    return s.translate(table)


def url_for(m: Mention, rng: random.Random) -> str:
    b = m.brand
    if m.source == "x":
        return f"https://x.com/{m.author}/status/{m.native_id}"
    if m.source == "reddit":
        if m.reddit_kind == "t3":
            return f"https://www.reddit.com/r/{m.subreddit}/comments/{m.native_id[3:]}/"
        post = base36(
            int("1s4k000", 36) + rng.randrange(int((m.created_at - START).total_seconds() * 14) + 1)
        )
        return f"https://www.reddit.com/r/{m.subreddit}/comments/{post}/comment/{m.native_id[3:]}/"
    if m.source == "hackernews":
        return f"https://news.ycombinator.com/item?id={m.native_id}"
    if m.source == "appstore":
        cc = STOREFRONT[m.lang]
        return f"https://apps.apple.com/{cc}/app/{b.appstore_slug}/id{b.appstore_id}?see-all=reviews#{m.native_id}"
    return (
        f"https://play.google.com/store/apps/details?id={b.play_package}&hl={m.lang}&reviewId={m.native_id}"
    )


def engagement_for(rng: random.Random, m: Mention, episode_text: bool) -> int | None:
    """Likes on X, score on Reddit: heavy-tailed, and outage complaints get more pile-on."""
    if m.source not in ("x", "reddit"):
        return None
    mu = 1.2 + (0.9 if episode_text else 0.0) + (0.8 if m.reddit_kind == "t3" else 0.0)
    return max(0, int(rng.lognormvariate(mu, 1.25)) - (1 if m.source == "reddit" else 0))


def build_mentions(seed: int) -> list[Mention]:
    rng = random.Random(seed)
    drawn = draw_mentions(rng)
    text_rng = random.Random(seed + 1)
    for m, episode_text in drawn:
        if m.channel == "review":
            m.title, m.text = review_text(text_rng, m, episode_text=episode_text)
            m.rating = rating_for(text_rng, m.cls, episode_text)
        elif m.lang == "en":
            m.text, m.title = social_text_en(text_rng, m, episode_text=episode_text)
        else:
            m.text = foreign_text(text_rng, m, episode_text=episode_text)
            if m.reddit_kind == "t3":
                m.title = m.text.split("。")[0].split(". ")[0][:80]
        m.engagement = engagement_for(text_rng, m, episode_text)
    mentions = [m for m, _ in drawn] + hostile_rows()
    mentions.sort(key=lambda m: (m.created_at, m.brand.key, m.source))
    # Ids, authors and URLs come last, in time order, so ids grow with time like the real ones do.
    meta_rng = random.Random(seed + 2)
    ids, authors = IdMaker(meta_rng), Authors(meta_rng)
    for m in mentions:
        m.native_id = ids.make(m)
        m.author = authors.pick(m.source, m.lang)
        m.url = url_for(m, meta_rng)
        if m.channel == "review":
            m.app_version = review_version(meta_rng, m)
    return mentions


def review_version(rng: random.Random, m: Mention) -> str:
    """Most reviewers run the current version; some lag one release behind."""
    versions = [v for since, v in m.brand.versions if since <= m.created_at]
    # Outage reviews are about the broken release: nobody on the old version has anything to report.
    if in_episode(m.created_at) and m.brand is ACME and m.cls == "neg":
        return "4.2.0"
    if len(versions) == 1:
        return versions[-1]
    return versions[-1] if rng.random() < 0.82 else versions[-2]


# --------------------------------------------------------------------------------------------------
# Surveys and customer counts
# --------------------------------------------------------------------------------------------------


def quota(rng: random.Random, n: int, probs: dict[int, float]) -> list[int]:
    """`n` scores whose mix matches `probs` as closely as whole numbers allow (largest remainder).

    With only 30-40 responses a week, plain sampling would swing NPS by +-15 points from noise alone
    and hide the story; a quota keeps the weekly numbers on target while the order stays random.
    """
    raw = {score: n * p / sum(probs.values()) for score, p in probs.items()}
    counts = {score: int(r) for score, r in raw.items()}
    for score in sorted(raw, key=lambda s: (raw[s] - counts[s], rng.random()), reverse=True)[
        : n - sum(counts.values())
    ]:
        counts[score] += 1
    scores = [score for score, c in counts.items() for _ in range(c)]
    rng.shuffle(scores)
    return scores


# Score mixes, as probabilities per score. Outside the outage CSAT is 78 % satisfied and NPS about +30;
# responses sent after the outage starts are far worse. CSAT (one support contact) is back to normal
# two weeks later, NPS (the relationship) only partly.
CSAT_MIX = {
    "normal": {1: 0.05, 2: 0.06, 3: 0.11, 4: 0.38, 5: 0.40},  # 78 % 4-5
    "outage": {1: 0.20, 2: 0.17, 3: 0.15, 4: 0.25, 5: 0.23},  # 48 %
    "after": {1: 0.07, 2: 0.08, 3: 0.13, 4: 0.37, 5: 0.35},  # 72 %
    "late": {1: 0.05, 2: 0.06, 3: 0.11, 4: 0.38, 5: 0.40},  # 78 %
}
# CES on the 1-5 effort scale ("how much effort did it take?": lower is better). Outside the outage
# most contacts are easy (mean about 2.1); during it, getting help takes real work (about 3.4).
CES_MIX = {
    "normal": {1: 0.30, 2: 0.38, 3: 0.20, 4: 0.09, 5: 0.03},
    "outage": {1: 0.07, 2: 0.15, 3: 0.25, 4: 0.30, 5: 0.23},
    "after": {1: 0.20, 2: 0.35, 3: 0.25, 4: 0.14, 5: 0.06},
    "late": {1: 0.28, 2: 0.38, 3: 0.21, 4: 0.10, 5: 0.03},
}
NPS_MIX = {
    "normal": dict(enumerate((0.01, 0.01, 0.01, 0.02, 0.03, 0.04, 0.05, 0.15, 0.21, 0.24, 0.23))),  # +30
    "outage": dict(enumerate((0.05, 0.04, 0.05, 0.06, 0.06, 0.08, 0.08, 0.14, 0.14, 0.15, 0.15))),  # -12
    "after": dict(enumerate((0.02, 0.02, 0.02, 0.03, 0.04, 0.05, 0.06, 0.16, 0.19, 0.21, 0.20))),  # +17
    "late": dict(enumerate((0.01, 0.01, 0.02, 0.02, 0.03, 0.05, 0.06, 0.16, 0.21, 0.22, 0.21))),  # +23
}

CSAT_COMMENTS = {
    "low": (
        "The app logged me out and I lost a day of notes.",
        "Login has been broken since the update.",
        "Sync keeps failing on my phone.",
        "Too expensive for what it does.",
        "Customer service took three days to reply.",
        "The new layout is confusing.",
    ),
    "mid": (
        "Does the job, but the web version feels slow.",
        "Okay overall. I'd like a better calendar view.",
        "Fine, though notifications are too frequent.",
        "Works, but some settings are hard to find.",
    ),
    "high": (
        "Quick and friendly answer, thank you!",
        "Great app, sync just works.",
        "Love the dark mode and the widgets.",
        "Very helpful support agent.",
        "Everything I need in one place.",
        "Fast, clean and reliable.",
    ),
    "outage": (
        "Locked out for a whole day after 4.2.0.",
        "The update broke sync and nobody told us for hours.",
        "I pay for Pro and could not open the app.",
        "Please test updates before you ship them.",
    ),
}
CES_COMMENTS = {
    "easy": ("Sorted in one message.", "The help article answered it.", "Quick and painless."),
    "hard": (
        "I had to explain the problem three times.",
        "Took two days and a phone call.",
        "Could not log in to even open a ticket.",
    ),
}
NPS_COMMENTS = {
    "detractor": (
        "Too many problems with sync lately.",
        "The outage cost me a day of work.",
        "Price keeps going up.",
        "I'm moving my team to Globex.",
        "Missing basic features like Outlook calendars.",
    ),
    "passive": (
        "Good app, but the Android version lags behind.",
        "Solid, would like better sharing for teams.",
        "Fine for personal use.",
        "Nice, but the Pro plan is a bit pricey.",
    ),
    "promoter": (
        "I've recommended it to my whole office.",
        "Best planner I've used.",
        "Sync across my phone and laptop is perfect.",
        "Beautiful and fast, love it.",
        "The widgets alone are worth it.",
    ),
}


def survey_rows(rng: random.Random, metric: str) -> list[dict[str, str]]:
    per_week = {"csat": 40, "nps": 30, "ces": 25}[metric]
    rows: list[dict[str, str]] = []
    seen_ids: set[str] = set()
    for week in range(WEEKS):
        week_start = START + timedelta(days=7 * week)
        n = per_week + rng.randint(-4, 4)
        stamps = sorted(survey_time(rng, week_start) for _ in range(n))
        mixes = {"csat": CSAT_MIX, "nps": NPS_MIX, "ces": CES_MIX}[metric]
        weeks_after = (week_start - EPISODE_START).days // 7 + 1  # 0 = the outage week, <0 = before
        if weeks_after == 0:
            # The outage week is split at the outage: answers sent before it look like any other week.
            before = sum(1 for t in stamps if t < EPISODE_START)
            scores = quota(rng, before, mixes["normal"]) + quota(rng, n - before, mixes["outage"])
        else:
            phase = "normal" if weeks_after < 0 else "after" if weeks_after == 1 else "late"
            scores = quota(rng, n, mixes[phase])
        for ts, score in zip(stamps, scores, strict=True):
            rid = "R_" + "".join(rng.choices(string.ascii_letters + string.digits, k=15))
            while rid in seen_ids:
                rid = "R_" + "".join(rng.choices(string.ascii_letters + string.digits, k=15))
            seen_ids.add(rid)
            segment = rng.choices(("free", "pro", "team"), (0.55, 0.33, 0.12))[0]
            rows.append({
                "respondent_id": rid,
                "submitted_at": iso(ts),
                "score": str(score),
                "segment": segment,
                "comment": survey_comment(rng, metric, score, ts),
            })  # fmt: skip
    return rows


def survey_time(rng: random.Random, week_start: datetime) -> datetime:
    """Surveys go out after support contacts, so answers follow the same daytime rhythm as mentions."""
    while True:
        ts = week_start + timedelta(seconds=rng.randrange(7 * 24 * 3600))
        local = ts.astimezone(ISTANBUL)
        if rng.random() < hour_weight(local) / 1.8:
            return ts


def survey_comment(rng: random.Random, metric: str, score: int, ts: datetime) -> str:
    if rng.random() < 0.45:
        return ""  # most people skip the free-text box
    if metric == "ces":
        return rng.choice(CES_COMMENTS["easy" if score <= 2 else "hard"]) if score != 3 else ""
    if metric == "csat":
        band = "low" if score <= 2 else "mid" if score == 3 else "high"
        if band == "low" and EPISODE_START <= ts < EPISODE_START + timedelta(days=4) and rng.random() < 0.7:
            band = "outage"
        return rng.choice(CSAT_COMMENTS[band])
    band = "detractor" if score <= 6 else "passive" if score <= 8 else "promoter"
    return rng.choice(NPS_COMMENTS[band])


def customer_rows() -> list[dict[str, str]]:
    """Weekly customer counts; churn jumps in the outage week and eases off over the next two.

    Chosen, not drawn: these six rows are read by people, and round plausible numbers serve better.
    retention = (end - new) / start, so churned = start + new - end.
    """
    start = 12_040
    plan = (  # (new customers, churned customers, average margin per customer per week)
        (312, 221, 2.41),
        (298, 214, 2.43),
        (321, 229, 2.40),
        (236, 431, 2.18),  # outage week: fewer sign-ups, a wave of cancellations, refunds cut margin
        (274, 318, 2.33),
        (305, 247, 2.39),
    )
    rows = []
    for week, (new, churned, margin) in enumerate(plan):
        end = start + new - churned
        period = (START + timedelta(days=7 * week)).astimezone(ISTANBUL).date()
        rows.append({
            "period_start": period.isoformat(),
            "customers_start": str(start),
            "customers_end": str(end),
            "new_customers": str(new),
            "avg_margin": f"{margin:.2f}",
        })  # fmt: skip
        start = end
    return rows


# --------------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------------

REVIEW_COLUMNS = (
    "source",
    "brand",
    "id",
    "author",
    "title",
    "text",
    "rating",
    "lang",
    "created_at",
    "url",
    "app_version",
)


def social_record(m: Mention) -> dict[str, object]:
    record: dict[str, object] = {
        "id": m.native_id,
        "source": m.source,
        "brand": m.brand.key,
        "created_at": iso(m.created_at),
        "author": m.author,
        "url": m.url,
        "lang": m.lang,
    }
    if m.title:
        record["title"] = m.title
    record["text"] = m.text
    if m.engagement is not None:
        record["engagement"] = m.engagement
    return record


def review_record(m: Mention) -> dict[str, str]:
    values = {
        "source": m.source,
        "brand": m.brand.key,
        "id": m.native_id,
        "author": m.author,
        "title": m.title or "",
        "text": m.text,
        "rating": str(m.rating),
        "lang": m.lang,
        "created_at": iso(m.created_at),
        "url": m.url,
        "app_version": m.app_version or "",
    }
    return {c: values[c] for c in REVIEW_COLUMNS}


def write_csv(path: Path, columns: Sequence[str], rows: Iterable[dict[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # newline="" and the csv module's default CRLF terminator give RFC 4180 output, quoting only
    # fields that need it (commas, quotes, line breaks).
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(columns))
        writer.writeheader()
        writer.writerows(rows)


def write_all(out: Path, seed: int) -> list[Mention]:
    mentions = build_mentions(seed)
    out.mkdir(parents=True, exist_ok=True)
    with (out / "social.jsonl").open("w", encoding="utf-8", newline="\n") as fh:
        for m in mentions:
            if m.channel == "social":
                # ensure_ascii=False keeps the file readable; control characters are still escaped.
                fh.write(json.dumps(social_record(m), ensure_ascii=False) + "\n")
    write_csv(
        out / "reviews.csv", REVIEW_COLUMNS, (review_record(m) for m in mentions if m.channel == "review")
    )
    survey_columns = ("respondent_id", "submitted_at", "score", "segment", "comment")
    write_csv(out / "surveys" / "csat_acme.csv", survey_columns, survey_rows(random.Random(seed + 3), "csat"))
    write_csv(out / "surveys" / "nps_acme.csv", survey_columns, survey_rows(random.Random(seed + 4), "nps"))
    write_csv(out / "surveys" / "ces_acme.csv", survey_columns, survey_rows(random.Random(seed + 5), "ces"))
    write_csv(
        out / "surveys" / "customers_acme.csv",
        ("period_start", "customers_start", "customers_end", "new_customers", "avg_margin"),
        customer_rows(),
    )
    return mentions


# --------------------------------------------------------------------------------------------------
# Checks and summary: read the files back the way an importer would
# --------------------------------------------------------------------------------------------------


def read_back(out: Path) -> tuple[list[dict[str, object]], dict[str, list[dict[str, str]]]]:
    social = [json.loads(line) for line in (out / "social.jsonl").read_text(encoding="utf-8").splitlines()]
    tables = {}
    for rel in (
        "reviews.csv",
        "surveys/csat_acme.csv",
        "surveys/nps_acme.csv",
        "surveys/ces_acme.csv",
        "surveys/customers_acme.csv",
    ):
        with (out / rel).open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh, strict=True)
            rows = list(reader)
            width = len(reader.fieldnames or [])
            if any(len(r) != width or None in r for r in rows):
                raise SystemExit(f"{rel}: a row has the wrong number of fields")
        tables[rel] = rows
    return social, tables


def check(out: Path) -> None:
    social, tables = read_back(out)
    mentions: list[dict[str, object]] = [*social, *tables["reviews.csv"]]
    # Stricter than the store's identity (source, id, brand): here no id repeats within a source at all.
    dupes = [k for k, c in Counter((m["source"], m["id"]) for m in mentions).items() if c > 1]
    if dupes:
        raise SystemExit(f"duplicate ids: {dupes[:5]}")
    for m in mentions:
        ts = datetime.fromisoformat(str(m["created_at"]))
        if ts.tzinfo is None or not START <= ts < END:
            raise SystemExit(f"bad created_at {m['created_at']!r} in {m['source']} {m['id']}")
        if not m.get("lang") or not m.get("text") or not str(m.get("url", "")).startswith("https://"):
            raise SystemExit(f"incomplete row {m['source']} {m['id']}")
    for rel in ("surveys/csat_acme.csv", "surveys/nps_acme.csv", "surveys/ces_acme.csv"):
        for row in tables[rel]:
            datetime.fromisoformat(row["submitted_at"])
    if len(mentions) < 5500:
        raise SystemExit(f"only {len(mentions)} mentions; the README promises at least 5,500")
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    if size > 2_800_000:  # the whole examples/ folder must stay under 3 MB
        raise SystemExit(f"{out} is {size:,} bytes; keep it under 2.8 MB")


def local_day(created_at: object) -> date:
    return datetime.fromisoformat(str(created_at)).astimezone(ISTANBUL).date()


EPISODE_DAYS = (date(2026, 11, 4), date(2026, 11, 5))  # Istanbul days the outage covers in full


def print_summary(out: Path, printer: Callable[[str], None] = print) -> None:
    social, tables = read_back(out)
    reviews = tables["reviews.csv"]
    mentions: list[dict[str, object]] = [*social, *reviews]
    printer(f"files in {out}:")
    printer(f"  {'social.jsonl':28} {len(social):6,} rows")
    for rel, rows in tables.items():
        printer(f"  {rel:28} {len(rows):6,} rows")
    printer(f"mentions in all: {len(mentions):,}; distinct texts: {len({m['text'] for m in mentions}):,}")
    by_source = Counter((m["brand"], m["source"]) for m in mentions)
    printer("by brand/source: " + ", ".join(f"{b}/{s} {c}" for (b, s), c in sorted(by_source.items())))
    langs = Counter(str(m["lang"]) for m in mentions)
    printer("by language: " + ", ".join(f"{k} {c} ({c / len(mentions):.1%})" for k, c in langs.most_common()))
    weeks = Counter((local_day(m["created_at"]).isocalendar().week, m["brand"]) for m in mentions)
    printer("by ISO week (Istanbul): " + ", ".join(f"W{w} {b} {c}" for (w, b), c in sorted(weeks.items())))
    stars = Counter(
        (local_day(r["created_at"]) in EPISODE_DAYS, r["rating"]) for r in reviews if r["brand"] == "acme"
    )
    for inside in (False, True):
        counts = ", ".join(f"{s}*: {stars[(inside, s)]}" for s in "12345")
        printer(f"acme review stars {'on Nov 4-5' if inside else 'other days'}: {counts}")
    for rel, metric in (
        ("surveys/csat_acme.csv", "csat"),
        ("surveys/nps_acme.csv", "nps"),
        ("surveys/ces_acme.csv", "ces"),
    ):
        by_week: dict[int, list[int]] = defaultdict(list)
        for row in tables[rel]:
            by_week[local_day(row["submitted_at"]).isocalendar().week].append(int(row["score"]))
        parts = []
        for w, scores in sorted(by_week.items()):
            if metric == "nps":
                nps = 100 * (sum(s >= 9 for s in scores) - sum(s <= 6 for s in scores)) / len(scores)
                parts.append(f"W{w} {nps:+.0f} (n={len(scores)})")
            elif metric == "ces":
                parts.append(f"W{w} {sum(scores) / len(scores):.2f} (n={len(scores)})")
            else:
                parts.append(f"W{w} {100 * sum(s >= 4 for s in scores) / len(scores):.0f}% (n={len(scores)})")
        name = {"csat": "CSAT (share of 4-5)", "nps": "NPS", "ces": "CES (mean effort, 1-5)"}[metric]
        printer(f"{name}: " + ", ".join(parts))
    for row in tables["surveys/customers_acme.csv"]:
        s, e, n = int(row["customers_start"]), int(row["customers_end"]), int(row["new_customers"])
        printer(
            f"customers week of {row['period_start']}: {s} -> {e}, new {n}, churned {s + n - e}, "
            f"retention {(e - n) / s:.1%}, avg margin {row['avg_margin']}"
        )
    print_vader(mentions, printer)


def print_vader(mentions: Sequence[dict[str, object]], printer: Callable[[str], None]) -> None:
    """VADER-negative English acme mentions per day, and per hour around the outage against the mean
    of the same hour of the week in the other five weeks (the seasonal baseline a detector uses)."""
    try:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    except ImportError:
        printer("(vaderSentiment is not installed: skipping the negative-share check)")
        return
    analyzer = SentimentIntensityAnalyzer()
    daily: dict[date, Counter[str]] = defaultdict(Counter)
    hourly: Counter[datetime] = Counter()
    for m in mentions:
        if m["brand"] != "acme" or m["lang"] != "en":
            continue
        compound = analyzer.polarity_scores(str(m["text"]))["compound"]
        ts = datetime.fromisoformat(str(m["created_at"]))
        day = daily[local_day(ts)]
        day["all"] += 1
        day["neg"] += compound <= -0.05
        day["pos"] += compound >= 0.05
        if compound <= -0.05:
            hourly[ts.replace(minute=0, second=0)] += 1
    printer("acme, English, per Istanbul day: VADER-negative count / all (share)")
    for d in sorted(daily):
        c = daily[d]
        mark = "*" if d in EPISODE_DAYS else " "
        share, pos = c["neg"] / c["all"], c["pos"] / c["all"]
        bar = "#" * (c["neg"] // 4)
        printer(f" {mark} {d} {d:%a} neg {c['neg']:4d} / {c['all']:4d} ({share:5.1%})  pos {pos:5.1%}  {bar}")
    normal = [c["neg"] for d, c in daily.items() if d not in EPISODE_DAYS]
    mean = sum(normal) / len(normal)
    sd = math.sqrt(sum((x - mean) ** 2 for x in normal) / (len(normal) - 1))
    printer(f"other days: mean {mean:.1f} negative a day, sd {sd:.1f}, min {min(normal)}, max {max(normal)}")
    printer("acme negative per UTC hour around the outage: observed / same-hour-of-week mean of other weeks")
    hour = EPISODE_START - timedelta(hours=3)
    line: list[str] = []
    while hour < EPISODE_END + timedelta(hours=3):
        others = [
            hourly[hour + timedelta(weeks=k)]
            for k in range(-3, 3)
            if k and START <= hour + timedelta(weeks=k) < END
        ]
        base = sum(others) / len(others)
        line.append(f"{hour:%d %H}h {hourly[hour]:2d}/{base:3.1f}")
        if len(line) == 6:
            printer("  " + "   ".join(line))
            line = []
        hour += timedelta(hours=1)
    if line:
        printer("  " + "   ".join(line))
    inside = [h for h in hourly if in_episode(h)]
    total_in = sum(hourly[h] for h in inside)
    printer(f"negative in the episode window ({iso(EPISODE_START)} .. {iso(EPISODE_END)}): {total_in}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "acme")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--quiet", action="store_true", help="write the files, print nothing")
    args = parser.parse_args(argv)
    write_all(args.out, args.seed)
    check(args.out)
    if not args.quiet:
        print_summary(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
