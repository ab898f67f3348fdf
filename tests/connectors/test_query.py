"""Tests for the brand query language (connectors/query.py, docs/query.md).

Table-driven cases for every matching rule and every error, then hypothesis properties: the
canonical form parses back to the same query, OR and NOT mean what boolean logic says, `terms()`
never loses a match, and nothing raises on hostile text.
"""

from __future__ import annotations

import dataclasses
import pickle
import re
import time
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from connectors.errors import ConfigError
from connectors.query import And, Filters, Not, Or, Query, Term, parse_query
from tests.conftest import ROOT

DESIGN_QUERY = '"acme corp" OR acmeapp -hiring'

# (query, text, expected)
TEXT_CASES: list[tuple[str, str, bool]] = [
    # word boundaries, case-insensitive
    ("acme", "I love Acme's new app", True),
    ("acme", "I love Acme’s new app", True),
    ("acme", "ACME!", True),
    ("acme", "#acme rocks", True),
    ("acme", "thanks @Acme", True),
    ("acme", "acme-corp is here", True),
    ("acme", "see acme.com", True),
    ("acme", "(acme)", True),
    ("acme", "welcome to acmeville", False),
    ("acme", "pacme", False),
    ("acme", "acme_corp", False),  # underscore is a word character, as in X handles
    ("acme", "acme2", False),
    ("acme", "", False),
    ("Acme", "acme", True),
    ("acme", "the ＡＣＭＥ app", False),  # no NFKC: fullwidth letters are other characters
    # hashtags and handles as terms match exactly that tag / handle
    ("#acme", "#Acme rocks", True),
    ("#acme", "love it #ACME!", True),
    ("#acme", "acme rocks", False),
    ("#acme", "@acme", False),
    ("#acme", "#acmefans", False),
    ("#acme", "foo#acme", False),
    ("@acme", "thanks @ACME", True),
    ("@acme", "acme", False),
    ("@acme", "#acme", False),
    ("@acme", "mail bob@acme.com", False),
    ("@acme", "@acme_support", False),
    # prefix wildcard
    ("acme*", "welcome to acmeville", True),
    ("acme*", "Acme", True),
    ("acme*", "#AcmeFans", True),
    ("acme*", "pacmeville", False),
    ("#acme*", "#acmefans", True),
    ("#acme*", "acmefans", False),
    # phrases: consecutive words separated only by whitespace
    ('"acme corp"', "Acme Corp rocks", True),
    ('"acme corp"', "acme   corp", True),
    ('"acme corp"', "acme\n\tcorp", True),
    ('"acme corp"', "acme\u00a0corp", True),  # no-break space is whitespace
    ('"acme corp"', "Acme, Corp", False),
    ('"acme corp"', "acme-corp", False),
    ('"acme corp"', "corp acme", False),
    ('"acme corp"', "acme corporation", False),
    ('"acme corp"', "pacme corp", False),
    ('"  acme   corp "', "acme corp", True),
    ('"acme"', "Acme's", True),
    ('"acme*"', "acme* is literal", True),
    ('"acme*"', "acmeville", False),
    ('"OR"', "this or that", True),
    ('"foo:bar"', "see foo:bar", True),
    # Unicode: casefold, NFC, accents kept
    ("straße", "STRASSE", True),
    ("STRASSE", "Straße", True),
    ("café", "CAFÉ au lait", True),
    ("café", "cafe\u0301", True),  # decomposed é is the same text
    ("cafe\u0301", "café", True),
    ("café", "cafe", False),
    ("cafe", "café", False),
    ("cafe", "cafe\u0301", False),  # a combining mark glues to the word
    ("акме", "Люблю АКМЕ!", True),
    ("ακμε", "ΑΚΜΕ", True),
    ("アクメ", "アクメが好き", True),  # no spaces in Japanese: no word boundary on that side
    ("아크미", "아크미는 좋아요", True),
    ("acme", "🚀acme🚀", True),
    ("acme", "Acme™ rocks", True),
    ('"acme corp"', "I left Acme. Corp life is not for me", False),
    # URLs and other tokens with a colon are plain terms
    ("https://acme.com/pricing", "see https://acme.com/pricing now", True),
    ("https://acme.com/pricing", "see https://acme.com/pricingx", False),
    ("10:30", "meet at 10:30", True),
    # implicit AND, AND, OR, lowercase keywords are words
    ("acme corp", "corp of acme", True),
    ("acme corp", "acme", False),
    ("acme AND corp", "corp of acme", True),
    ("acme AND corp", "corp", False),
    ("acme OR corp", "corp", True),
    ("acme OR corp", "inc", False),
    ("acme or corp", "acme corp", False),
    ("acme or corp", "acme or corp", True),
    ("acme and corp", "acme corp", False),
    ("acme not corp", "acme not corp", True),
    # negation
    ("acme -hiring", "acme rocks", True),
    ("acme -hiring", "Acme is HIRING", False),
    ("acme NOT hiring", "Acme is hiring", False),
    ("acme NOT hiring", "Acme rocks", True),
    ("acme -hiring", "acme is rehiring", True),
    ('acme -"we are hiring"', "acme: we are hiring!", False),
    ('acme -"we are hiring"', "acme is hiring", True),
    ("acme -#jobs", "acme #jobs", False),
    ("acme -#jobs", "acme jobs", True),
    ("acme NOT NOT corp", "acme corp", True),
    ("acme --corp", "acme", False),
    # precedence: NOT > AND > OR
    ("a OR b c", "a", True),
    ("a OR b c", "b", False),
    ("a OR b c", "c b", True),
    ("a b OR c", "c", True),
    ("a b OR c", "a", False),
    ("(a OR b) c", "a", False),
    ("(a OR b) c", "a c", True),
    ("a AND b OR c AND d", "c d", True),
    ("a AND b OR c AND d", "a d", False),
    ("NOT a b", "b", True),
    ("NOT a b", "a b", False),
    ("b NOT a OR c", "a c", True),
    ("-(a OR b) c", "c", True),
    ("-(a OR b) c", "b c", False),
    ("c -(a b)", "a c", True),
    ("c -(a b)", "a b c", False),
    ("((a))", "A", True),
    ("(a (b OR (c d)))", "a d c", True),
    ("(a (b OR (c d)))", "a d", False),
    # the DESIGN example: AND binds tighter than OR, so -hiring only restricts acmeapp
    (DESIGN_QUERY, "Acme Corp launches v2", True),
    (DESIGN_QUERY, "try AcmeApp today", True),
    (DESIGN_QUERY, "acmeapp is hiring", False),
    (DESIGN_QUERY, "Acme Corp is hiring", True),
    (DESIGN_QUERY, "acme is great", False),
    (DESIGN_QUERY, "Acme, Corp", False),
    ('("acme corp" OR acmeapp) -hiring', "Acme Corp is hiring", False),
    ('("acme corp" OR acmeapp) -hiring', "Acme Corp launches", True),
]


@pytest.mark.parametrize(("query", "text", "expected"), TEXT_CASES)
def test_matches_text(query: str, text: str, expected: bool) -> None:
    assert parse_query(query).matches(text) is expected


# (query, text, keyword arguments of matches, expected)
MENTION_CASES: list[tuple[str, str, dict[str, Any], bool]] = [
    # title and text are searched together; a phrase does not span them
    ("acme corp", "corp news", {"title": "Acme"}, True),
    ('"acme corp"', "corp news", {"title": "Acme"}, False),
    ('"acme corp"', "news", {"title": "Acme Corp"}, True),
    ("acme -hiring", "acme is great", {"title": "We are hiring"}, False),
    ("acme", "nothing", {"title": ""}, False),
    # author: include (ORed), exclude, case-insensitive, leading @ ignored
    ("acme author:bob", "acme", {"author": "Bob"}, True),
    ("acme author:bob", "acme", {"author": "@bob"}, True),
    ("acme author:@Bob", "acme", {"author": "bob"}, True),
    ("acme author:bob", "acme", {"author": "alice"}, False),
    ("acme author:bob", "acme", {"author": None}, False),
    ("acme author:bob", "other", {"author": "bob"}, False),
    ("acme author:bob author:alice", "acme", {"author": "alice"}, True),
    ("acme -author:@AcmeSupport", "acme", {"author": "acmesupport"}, False),
    ("acme -author:acmesupport", "acme", {"author": "@ACMESUPPORT"}, False),
    ("acme -author:acmesupport", "acme", {"author": "bob"}, True),
    ("acme -author:acmesupport", "acme", {"author": None}, True),
    ("acme NOT author:bot", "acme", {"author": "bot"}, False),
    ('acme author:"Jane Doe"', "acme", {"author": "jane doe"}, True),
    ("acme author:straße", "acme", {"author": "STRASSE"}, True),
    # source: platform, include (ORed) and exclude
    ("acme source:reddit", "acme", {"source": "reddit"}, True),
    ("acme source:Reddit", "acme", {"source": "REDDIT"}, True),
    ("acme source:reddit", "acme", {"source": "x"}, False),
    ("acme source:reddit", "acme", {"source": None}, False),
    ("acme source:reddit source:hackernews", "acme", {"source": "hackernews"}, True),
    ("acme -source:x", "acme", {"source": "x"}, False),
    ("acme -source:x", "acme", {"source": "reddit"}, True),
    ("acme -source:x", "acme", {"source": None}, True),
    ("acme source:twitter", "acme", {"source": "x"}, True),
    ("acme -source:twitter", "acme", {"source": "x"}, False),
    # lang: several are ORed, a missing lang fails an inclusion, a region is covered by its language
    ("acme lang:en", "acme", {"lang": "en"}, True),
    ("acme lang:EN", "acme", {"lang": "en"}, True),
    ("acme lang:en", "acme", {"lang": "en-US"}, True),
    ("acme lang:en", "acme", {"lang": "en_GB"}, True),
    ("acme lang:en", "acme", {"lang": "de"}, False),
    ("acme lang:en", "acme", {"lang": "eng"}, False),
    ("acme lang:en", "acme", {"lang": None}, False),
    ("acme lang:en lang:de", "acme", {"lang": "de"}, True),
    ("acme lang:en lang:de", "acme", {"lang": "fr"}, False),
    ("acme lang:pt-BR", "acme", {"lang": "pt-br"}, True),
    ("acme lang:pt_br", "acme", {"lang": "pt-BR"}, True),
    ("acme lang:pt-br", "acme", {"lang": "pt"}, False),
    ("acme -lang:de", "acme", {"lang": "de-AT"}, False),
    ("acme -lang:de", "acme", {"lang": "en"}, True),
    ("acme -lang:de", "acme", {"lang": None}, True),
    # all filters together, in any position at the top level
    (
        "lang:en acme source:reddit -author:bot",
        "Acme",
        {"author": "bob", "source": "reddit", "lang": "en"},
        True,
    ),
    (
        "lang:en acme source:reddit -author:bot",
        "Acme",
        {"author": "bot", "source": "reddit", "lang": "en"},
        False,
    ),
    ("(a OR b) lang:en", "b", {"lang": "en"}, True),
    ("(a OR b) lang:en", "b", {"lang": "fr"}, False),
    (f"({DESIGN_QUERY}) -source:x", "acmeapp", {"source": "reddit"}, True),
    (f"({DESIGN_QUERY}) -source:x", "acmeapp", {"source": "x"}, False),
]


@pytest.mark.parametrize(("query", "text", "kwargs", "expected"), MENTION_CASES)
def test_matches_mention(query: str, text: str, kwargs: dict[str, Any], expected: bool) -> None:
    assert parse_query(query).matches(text, **kwargs) is expected


# (query, what the message must say, column)
ERROR_CASES: list[tuple[str, str, int]] = [
    ("", "empty query", 1),
    ("   ", "empty query", 1),
    ("(acme OR corp", "unclosed '('", 1),
    ("acme (corp", "unclosed '('", 6),
    ("(acme (corp)", "unclosed '('", 1),
    ("(", "unclosed '('", 1),
    ("acme)", "unmatched ')'", 5),
    (")acme", "unmatched ')'", 1),
    ("(acme))", "unmatched ')'", 7),
    ('"acme corp', "unclosed quote", 1),
    ('acme "corp', "unclosed quote", 6),
    ('acme author:"jane', "unclosed quote", 13),
    ('acme ""', "empty phrase", 6),
    ('"   "', "empty phrase", 1),
    ("acme ()", "empty parentheses", 6),
    ("acme OR", "'OR' needs a term after it", 6),
    ("OR acme", "'OR' needs a term before it", 1),
    ("acme OR OR corp", "'OR' needs a term after it", 6),
    ("(OR acme)", "'OR' needs a term before it", 2),
    ("(acme OR) corp", "'OR' needs a term after it", 7),
    ("acme AND", "'AND' needs a term after it", 6),
    ("AND acme", "'AND' needs a term before it", 1),
    ("acme AND OR corp", "'AND' needs a term after it", 6),
    ("acme OR AND corp", "'OR' needs a term after it", 6),
    ("acme NOT", "'NOT' needs a term after it", 6),
    ("acme NOT OR corp", "'NOT' needs a term after it", 6),
    ("acme -", "'-' must be followed directly by a term", 6),
    ("acme - hiring", "'-' must be followed directly by a term", 6),
    ("(acme -)", "'-' must be followed directly by a term", 7),
    ("foo:bar acme", "unknown field 'foo:'", 1),
    ("acme Author:x Re:acme", "unknown field 'Re:'", 15),
    ("acme https:acme", "unknown field 'https:'", 6),
    ("acme author:", "'author:' needs a value", 6),
    ("acme author:@", "'author:' needs a value", 6),
    ("acme -source:", "'source:' needs a value", 7),
    ("acme lang:english", "language code", 6),
    ("acme lang:e", "language code", 6),
    ("-hiring", "'-hiring' matches every text without 'hiring'", 1),
    ("NOT hiring", "'-hiring' matches every text without 'hiring'", 1),
    ("acme OR -hiring", "'-hiring' matches every text", 9),
    ("-(acme corp)", "'-(acme corp)' matches every text", 1),
    ("-acme -corp", "'-acme' matches every text", 1),
    ("-hiring lang:en", "'-hiring' matches every text", 1),
    ("lang:en", "no search term, only field filters", 1),
    ("author:acme -source:x", "no search term, only field filters", 1),
    ("(acme lang:en)", "lang:en cannot be inside parentheses", 7),
    ("acme -(corp -author:bot)", "author:bot cannot be inside parentheses", 14),
    ("acme OR corp lang:en", "lang:en cannot be an operand of OR", 14),
    ("lang:en acme OR corp", "lang:en cannot be an operand of OR", 1),
    ("acme OR -source:x", "source:x cannot be an operand of OR", 10),
    (DESIGN_QUERY + " -source:x", "put the OR in parentheses and the filter outside", 33),
    ("ac*me", "'*' is only allowed once, at the end of a word", 3),
    ("acme**", "'*' is only allowed once, at the end of a word", 5),
    ("*acme", "'*' is only allowed once, at the end of a word", 1),
    ("acme *", "'*' is not a searchable term", 6),
    ("acme #", "'#' is not a searchable term", 6),
    ("acme @*", "'@*' is not a searchable term", 6),
    ("(" * 100 + "acme" + ")" * 100, "nested more than 64 deep", 65),
    ("NOT " * 100 + "acme", "nested more than 64 deep", 257),
]


@pytest.mark.parametrize(("query", "problem", "column"), ERROR_CASES)
def test_bad_query_names_problem_and_column(query: str, problem: str, column: int) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_query(query)
    message = str(caught.value)
    assert message.startswith(f"query {query!r}: ")
    assert problem in message
    assert message.endswith(f" at column {column}")
    assert "\n" not in message


def test_non_string_query_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="must be a string"):
        parse_query(None)  # type: ignore[arg-type]


CANONICAL_CASES: list[tuple[str, str]] = [
    (DESIGN_QUERY, DESIGN_QUERY),
    ("acme AND (corp OR inc) NOT hiring", "acme (corp OR inc) -hiring"),
    ("(a OR b) lang:EN -author:@Bob source:reddit", "(a OR b) -author:bob source:reddit lang:en"),
    ("lang:de a lang:en", "a lang:de lang:en"),
    ("a lang:en lang:en", "a lang:en"),
    ('"acme"', "acme"),
    ('"acme*" "OR" "-x" "a:b"', '"acme*" "OR" "-x" "a:b"'),
    ('"  acme    corp "', '"acme corp"'),
    ("NOT NOT acme", "acme"),
    ("((a))", "a"),
    ("(a b) c", "a b c"),
    ("a OR (b OR c)", "a OR b OR c"),
    ("a OR (b c)", "a OR b c"),
    ("(a OR b) (c OR d)", "(a OR b) (c OR d)"),
    ("-(a OR b) c", "-(a OR b) c"),
    ("c NOT (a b)", "c -(a b)"),
    ("acme*", "acme*"),
    ('acme author:"Jane Doe"', 'acme author:"jane doe"'),
    ("acme source:Twitter", "acme source:x"),
    ("cafe\u0301", "café"),
]


@pytest.mark.parametrize(("query", "canonical"), CANONICAL_CASES)
def test_canonical_form(query: str, canonical: str) -> None:
    parsed = parse_query(query)
    assert str(parsed) == canonical
    assert parse_query(canonical).expr == parsed.expr


@pytest.mark.parametrize(
    ("query", "terms"),
    [
        (DESIGN_QUERY, ["acme corp", "acmeapp"]),
        ("acme* #acme @acme -hiring NOT (jobs OR career)", ["acme*", "#acme", "@acme"]),
        ("acme OR (acme corp)", ["acme", "corp"]),
        ("x -(-acme)", ["x", "acme"]),
        ("x -(y -acme)", ["x", "acme"]),
        ("AcmeApp lang:en -author:bot", ["AcmeApp"]),
    ],
)
def test_terms_are_the_positive_keywords(query: str, terms: list[str]) -> None:
    assert parse_query(query).terms() == terms


def _doc_examples() -> list[str]:
    doc = (ROOT / "docs" / "query.md").read_text(encoding="utf-8")
    toml_queries = re.findall(r"^query = '(.*)'$", doc, re.MULTILINE)
    block = re.search(r"Examples:\n\n```text\n(.*?)```", doc, re.DOTALL)
    assert block is not None and toml_queries
    return toml_queries + [re.split(r"\s{2,}", line)[0] for line in block.group(1).splitlines()]


@pytest.mark.parametrize("example", _doc_examples())
def test_documented_examples_parse(example: str) -> None:
    query = parse_query(example)
    assert parse_query(str(query)).expr == query.expr


def test_tree_and_filters_are_public_values() -> None:
    query = parse_query('("acme corp" OR acme*) -#jobs lang:en -source:x')
    assert query.text == '("acme corp" OR acme*) -#jobs lang:en -source:x'
    assert query.expr == And(
        (Or((Term("acme corp", phrase=True), Term("acme", prefix=True))), Not(Term("#jobs")))
    )
    assert query.filters == Filters(langs=("en",), exclude_sources=("x",))
    built = Query("hand made", query.expr, query.filters)
    assert built.matches("Acme Corp", lang="en", source="reddit")
    assert not built.matches("Acme Corp #jobs", lang="en", source="reddit")


def test_query_is_frozen_hashable_comparable_and_picklable() -> None:
    query = parse_query(DESIGN_QUERY)
    with pytest.raises(dataclasses.FrozenInstanceError):
        query.text = "other"  # type: ignore[misc]
    assert query == parse_query(DESIGN_QUERY)
    assert hash(query) == hash(parse_query(DESIGN_QUERY))
    assert query != parse_query("acmeapp")
    copy = pickle.loads(pickle.dumps(query))
    assert copy == query
    assert copy.matches("acmeapp rocks") and not copy.matches("acmeapp is hiring")


def test_hostile_text_is_fast() -> None:
    """No pattern backtracks badly on long runs of what it looks for."""
    query = parse_query('"acme corp inc" OR acme* OR #acme -"acme corp"')
    texts = ["acme " * 20_000, "acme" * 20_000, " " * 50_000 + "acme", "#" * 50_000, "a" * 100_000]
    start = time.perf_counter()
    for text in texts:
        query.matches(text, title=text)
    assert time.perf_counter() - start < 2.0


# ------------------------------------------------------------------------------------------------
# Properties

LEAVES = [
    "acme",
    "corp",
    "app",
    "hiring",
    "café",
    "straße",
    "#acme",
    "@acme",
    "acme*",
    "cor*",
    '"acme corp"',
    '"corp app"',
    "Acme",
    "or",
    '"OR"',
]
FILTERS = ["lang:en", "lang:de", "-lang:fr", "author:bob", "-author:@Bot", "source:reddit", "-source:x"]
TEXT_WORDS = [
    "acme",
    "Acme",
    "ACME",
    "Acme Corp",
    "corp app",
    "#acme",
    "@Acme",
    "corp",
    "app",
    "hiring",
    "Hiring",
    "café",
    "cafe",
    "STRASSE",
    "straße",
    "acmeville",
    "pacme",
    "or",
    "OR",
    "corporate",
]
SEPARATORS = [" ", " ", " ", ", ", "-", " #", " @", "\n", "'s ", "_", "! "]


def _binary(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    pair = st.tuples(inner, inner)
    return st.one_of(
        pair.map(lambda p: f"{p[0]} {p[1]}"),
        pair.map(lambda p: f"{p[0]} AND {p[1]}"),
        pair.map(lambda p: f"{p[0]} OR {p[1]}"),
        pair.map(lambda p: f"({p[0]} OR {p[1]})"),
        st.tuples(st.sampled_from(["-", "NOT "]), inner).map(lambda p: f"{p[0]}({p[1]})"),
        inner.map(lambda s: f"({s})"),
    )


# Mostly positive leaves: random trees that are negative-only get rejected and waste examples.
leaves = st.one_of(
    st.sampled_from(LEAVES), st.sampled_from(LEAVES), st.sampled_from(LEAVES).map(lambda s: "-" + s)
)
keyword_queries = st.recursive(leaves, _binary, max_leaves=6)


@st.composite
def queries(draw: st.DrawFn) -> str:
    expr = draw(keyword_queries)
    filters = draw(st.lists(st.sampled_from(FILTERS), max_size=3))
    return f"({expr}) {' '.join(filters)}" if filters else expr


def _parse_or_skip(text: str) -> Query:
    try:
        return parse_query(text)
    except ConfigError as error:
        # Random trees are often negative-only; everything else they produce must parse.
        assert "matches every text without" in str(error)
        assume(False)
        raise


word_texts = st.lists(
    st.tuples(st.sampled_from(TEXT_WORDS), st.sampled_from(SEPARATORS)), min_size=0, max_size=16
).map(lambda parts: "".join(w + s for w, s in parts))
# Mostly texts made of the queries' own words, so that a good share of them match.
texts = st.one_of(word_texts, word_texts, word_texts, st.text(max_size=40))
mention_kwargs = st.fixed_dictionaries(
    {
        "title": st.none() | texts,
        "author": st.sampled_from([None, "bob", "@BOB", "bot", "alice"]),
        "source": st.sampled_from([None, "reddit", "x", "hackernews"]),
        "lang": st.sampled_from([None, "en", "en-US", "de", "fr"]),
    }
)


@settings(max_examples=300, deadline=None)
@given(queries(), st.lists(st.tuples(texts, mention_kwargs), max_size=10))
def test_canonical_form_reparses_to_an_equivalent_query(
    text: str, samples: list[tuple[str, dict[str, Any]]]
) -> None:
    query = _parse_or_skip(text)
    again = parse_query(str(query))
    assert again.expr == query.expr
    assert again.filters == query.filters
    assert str(again) == str(query)
    for sample, kwargs in samples:
        assert again.matches(sample, **kwargs) == query.matches(sample, **kwargs)


@settings(max_examples=300, deadline=None)
@given(keyword_queries, keyword_queries, st.lists(texts, max_size=10))
def test_or_matches_iff_either_matches(a: str, b: str, samples: list[str]) -> None:
    left, right = _parse_or_skip(a), _parse_or_skip(b)
    both = parse_query(f"({a}) OR ({b})")
    for sample in samples:
        assert both.matches(sample) == (left.matches(sample) or right.matches(sample))


@settings(max_examples=300, deadline=None)
@given(keyword_queries, keyword_queries, st.lists(texts, max_size=10))
def test_exclusion_matches_iff_first_and_not_second(a: str, b: str, samples: list[str]) -> None:
    left = _parse_or_skip(a)
    # Any tree is a valid operand of a negation, even a negative-only one that parse_query rejects
    # on its own: parse it next to a positive term, then take that term away again.
    conjuncts = parse_query(f"x ({b})").expr
    assert isinstance(conjuncts, And)
    rest = conjuncts.items[1:]
    right = Query(b, rest[0] if len(rest) == 1 else And(rest))
    excluded = parse_query(f"({a}) -({b})")
    for sample in samples:
        assert excluded.matches(sample) == (left.matches(sample) and not right.matches(sample))


@settings(max_examples=300, deadline=None)
@given(queries(), st.lists(st.tuples(texts, mention_kwargs), max_size=10))
def test_every_match_contains_a_positive_term(text: str, samples: list[tuple[str, dict[str, Any]]]) -> None:
    """What makes `terms()` safe for simple-search sources: searching each term loses no match."""
    query = _parse_or_skip(text)
    positive: list[Term] = []

    def walk(node: Any, sign: bool) -> None:
        if isinstance(node, Term):
            positive.extend([node] if sign else [])
        elif isinstance(node, Not):
            walk(node.item, not sign)
        else:
            for item in node.items:
                walk(item, sign)

    walk(query.expr, True)
    assert positive
    singles = [Query(str(term), term) for term in positive]
    for sample, kwargs in samples:
        if query.matches(sample, **kwargs):
            assert any(single.matches(sample, title=kwargs["title"]) for single in singles)


anything = st.text(alphabet=st.characters(exclude_categories=()), max_size=200)


@settings(max_examples=500, deadline=None)
@given(queries(), anything, anything, anything, anything, anything)
def test_matching_never_raises_on_arbitrary_unicode(
    text: str, body: str, title: str, author: str, source: str, lang: str
) -> None:
    query = _parse_or_skip(text)
    assert isinstance(query.matches(body, title=title, author=author, source=source, lang=lang), bool)


@settings(max_examples=500, deadline=None)
@given(
    st.one_of(
        anything,
        st.lists(st.sampled_from([*LEAVES, *FILTERS, "(", ")", "OR", "AND", "NOT", "-", '"', "x:y"])).map(
            " ".join
        ),
    )
)
def test_parsing_arbitrary_text_gives_a_query_or_a_config_error(text: str) -> None:
    try:
        query = parse_query(text)
    except ConfigError as error:
        assert re.fullmatch(r"query .*: .+ at column \d+", str(error), re.DOTALL)
        return
    assert parse_query(str(query)).expr == query.expr
