"""The brand query language: one parsed query drives server-side search and the local re-check.

A brand name is rarely unique ("acme" is also a cartoon company), so a brand needs phrases, exclusions
and boolean logic rather than a keyword list. The same query is sent to the platforms' search APIs and
re-checked locally on what comes back: server-side search is fuzzier than we want (stemming, matches in
URLs or user names) and some sources cannot search at all. The syntax is X/Twitter's on purpose, so the
X translation is nearly the identity and users can paste queries they already have.

The full syntax reference, the matching rules and the decisions behind them are in docs/query.md.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NoReturn

from connectors.errors import ConfigError

__all__ = ["FIELDS", "And", "Filters", "Node", "Not", "Or", "Query", "Term", "parse_query"]

FIELDS = ("author", "source", "lang")
"""The field filters a query may use; any other `name:value` token is an error, not a silent term."""

_KEYWORDS = frozenset({"AND", "OR", "NOT"})
_SOURCE_ALIASES = {"twitter": "x"}  # what users call it -> the Mention.source the X connector writes
_MAX_DEPTH = 64  # parentheses + negations; keeps a hostile query far from Python's recursion limit
_TITLE_SEPARATOR = "\x00"  # neither a word character nor whitespace: no term or phrase spans it

_FIELD_RE = re.compile(r"([A-Za-z_]+):(.*)", re.DOTALL)
_LANG_RE = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{1,8})*")
# `\w` plus the combining marks: "cafe" must not match a decomposed "café" (e + U+0301) that NFC
# could not compose, so a combining mark glues to the word like a letter does.
_WORD_CHAR = r"[\w\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"
# Scripts written without spaces between words (Thai, Lao, Myanmar, Khmer, kana, Han, Hangul
# syllables, which take attached particles): a word boundary there would never match, so a term that
# starts (ends) with such a character matches without a boundary on that side.
_NO_SPACE_SCRIPT = re.compile(
    "[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf"
    "\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f]"
)


# --------------------------------------------------------------------------------------------------
# The syntax tree


@dataclass(frozen=True, slots=True)
class Term:
    """A keyword, `#hashtag`, `@handle`, prefix (`acme*`, stored without the `*`) or quoted phrase.

    `text` keeps the user's spelling (NFC-normalized; a phrase's whitespace collapsed to one space)
    rather than its casefold, so a connector can send `Straße` to an API that does not equate it
    with `strasse`; matching folds both sides itself.
    """

    text: str
    phrase: bool = False
    prefix: bool = False

    def __str__(self) -> str:
        if self.phrase:
            return f'"{self.text}"'
        return self.text + "*" if self.prefix else self.text


@dataclass(frozen=True, slots=True)
class Not:
    """Negation (`NOT x` or `-x`). `col` is kept, outside equality, to point errors at the operator."""

    item: Node
    col: int = field(default=0, compare=False, repr=False)

    def __str__(self) -> str:
        return "-" + _format(self.item, _PREC_NOT)


@dataclass(frozen=True, slots=True)
class And:
    """Every item must match; flattened, so `(a b) c` and `a b c` give the same tree."""

    items: tuple[Node, ...]

    def __str__(self) -> str:
        return _format(self, 0)


@dataclass(frozen=True, slots=True)
class Or:
    """Any item must match; flattened like `And`."""

    items: tuple[Node, ...]

    def __str__(self) -> str:
        return _format(self, 0)


Node = Term | Not | And | Or

_PREC_OR, _PREC_AND, _PREC_NOT = 1, 2, 3


def _format(node: Node, parent_prec: int) -> str:
    """Canonical text with the fewest parentheses that keep the tree when parsed again."""
    if isinstance(node, Term | Not):
        return str(node)
    prec, joiner = (_PREC_AND, " ") if isinstance(node, And) else (_PREC_OR, " OR ")
    text = joiner.join(_format(item, prec) for item in node.items)
    return f"({text})" if parent_prec > prec else text


@dataclass(frozen=True, slots=True)
class Filters:
    """The field filters, which apply to the whole query rather than being boolean atoms.

    They are global because `lang:en lang:de` has to mean "English or German" (as AND atoms it could
    never match) and because every platform treats them as search parameters, not keywords. Values
    are normalized: authors casefolded without a leading `@`, sources lowercased, languages lowercased
    with `_` turned into `-`. Several positive filters of one field are ORed.
    """

    authors: tuple[str, ...] = ()
    exclude_authors: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    exclude_sources: tuple[str, ...] = ()
    langs: tuple[str, ...] = ()
    exclude_langs: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return any(getattr(self, name) for name in self.__slots__)

    def allows(self, *, author: str | None, source: str | None, lang: str | None) -> bool:
        """Whether a mention with these attributes passes; an unknown (None) value fails an inclusion.

        An unknown value fails `lang:en` because we cannot claim it is English, and passes `-lang:de`
        because we cannot claim it is German: the filter only ever removes what it can prove.
        """
        if self.authors or self.exclude_authors:
            name = _norm_author(author) if author is not None else None
            if self.authors and name not in self.authors:
                return False
            if name is not None and name in self.exclude_authors:
                return False
        if self.sources or self.exclude_sources:
            platform = _norm_source(source) if source is not None else None
            if self.sources and platform not in self.sources:
                return False
            if platform is not None and platform in self.exclude_sources:
                return False
        if self.langs or self.exclude_langs:
            code = _norm_lang(lang) if lang is not None else None
            if self.langs and (code is None or not any(_lang_in(code, want) for want in self.langs)):
                return False
            if code is not None and any(_lang_in(code, no) for no in self.exclude_langs):
                return False
        return True

    def __str__(self) -> str:
        parts = []
        for name in FIELDS:
            parts += [f"{name}:{_quote_value(v)}" for v in getattr(self, name + "s")]
            parts += [f"-{name}:{_quote_value(v)}" for v in getattr(self, "exclude_" + name + "s")]
        return " ".join(parts)


def _quote_value(value: str) -> str:
    return f'"{value}"' if any(c.isspace() or c in '()"' for c in value) else value


def _lang_in(code: str, wanted: str) -> bool:
    """RFC 4647 basic filtering: `en` covers `en-us`, `pt-br` covers only `pt-br...`."""
    return code == wanted or code.startswith(wanted + "-")


def _fold(text: str) -> str:
    """Unicode canonical caseless form: `ACME` = `acme`, `STRASSE` = `straße`, NFC = NFD.

    Accents are kept (é != e): stripping them would merge different words in many languages. The full
    NFC(casefold(NFD(text))) costs three passes, so ASCII text and text whose casefold is already NFC
    (nearly all real posts, emoji included) take a fast path; they differ only on Greek
    iota-subscript letters followed by a stray combining mark. This runs on every mention.
    """
    if text.isascii():
        return text.lower()
    folded = text.casefold()
    if unicodedata.is_normalized("NFC", folded):
        return folded
    return unicodedata.normalize("NFC", unicodedata.normalize("NFD", text).casefold())


def _norm_author(author: str) -> str:
    return _fold(author.strip()).lstrip("@")


def _norm_source(source: str) -> str:
    platform = _fold(source.strip())
    return _SOURCE_ALIASES.get(platform, platform)


def _norm_lang(lang: str) -> str:
    return _fold(lang.strip()).replace("_", "-")


# --------------------------------------------------------------------------------------------------
# The query


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed brand query: the keyword expression `expr`, the field `filters` and the original text.

    Build it with `parse_query`; the constructor is public so connectors and tests can make one from a
    tree. The matcher is compiled once here (regexes, short-circuiting closures), because the local
    re-check runs on every fetched mention and a backfill can hold millions.
    """

    text: str
    expr: Node
    filters: Filters = Filters()
    _match: Callable[[str], bool] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_match", _compile(self.expr))

    def __reduce__(self) -> tuple[type[Query], tuple[str, Node, Filters]]:
        # The compiled closures cannot be pickled; rebuilding them lets a Query cross process pools.
        return (Query, (self.text, self.expr, self.filters))

    def matches(
        self,
        text: str,
        *,
        title: str | None = None,
        author: str | None = None,
        source: str | None = None,
        lang: str | None = None,
    ) -> bool:
        """Whether a mention satisfies the query; title and text are searched as one document.

        One document so that `acme -hiring` drops a post whose title says "hiring"; a phrase still
        never spans from the title into the text.
        """
        if self.filters and not self.filters.allows(author=author, source=source, lang=lang):
            return False
        if title:
            text = title + _TITLE_SEPARATOR + text
        return self._match(_fold(text))

    def terms(self) -> list[str]:
        """The positive keywords and phrases, in order and deduplicated, for sources with only a
        simple search box.

        Phrases come without quotes and prefixes with their `*` (drop it where the API cannot do
        prefix search). Because a query that matches text with none of its terms is rejected at parse
        time, every matching text contains at least one of these: searching for each and re-checking
        locally loses nothing.
        """
        found: list[str] = []

        def walk(node: Node, positive: bool) -> None:
            if isinstance(node, Term):
                word = node.text + "*" if node.prefix else node.text
                if positive and word not in found:
                    found.append(word)
            elif isinstance(node, Not):
                walk(node.item, not positive)
            else:
                for item in node.items:
                    walk(item, positive)

        walk(self.expr, True)
        return found

    def __str__(self) -> str:
        """The canonical form: X-style `-x`, implicit AND, minimal parentheses, filters last.

        Parsing it again gives an equal `expr` and `filters`, so it is safe to log, store and compare.
        """
        expr = _format(self.expr, 0)
        if not self.filters:
            return expr
        if isinstance(self.expr, Or):
            expr = f"({expr})"  # filters are top-level conjuncts, never operands of an OR
        return f"{expr} {self.filters}"


def _compile(node: Node) -> Callable[[str], bool]:
    """Turn the tree into nested closures over precompiled regexes that short-circuit like Python."""
    if isinstance(node, Term):
        return _term_matcher(node)
    if isinstance(node, Not):
        inner = _compile(node.item)
        return lambda text: not inner(text)
    parts = tuple(_compile(item) for item in node.items)
    if isinstance(node, And):
        if len(parts) == 2:
            first, second = parts
            return lambda text: first(text) and second(text)
        return lambda text: all(part(text) for part in parts)
    if len(parts) == 2:
        first, second = parts
        return lambda text: first(text) or second(text)
    return lambda text: any(part(text) for part in parts)


def _term_matcher(term: Term) -> Callable[[str], bool]:
    """A regex with word boundaries, guarded by a plain substring test that rejects most texts cheaply."""
    words = [_fold(word) for word in term.text.split()]
    body = r"\s+".join(re.escape(word) for word in words)
    before = "" if _NO_SPACE_SCRIPT.match(words[0][0]) else f"(?<!{_WORD_CHAR})"
    after = "" if term.prefix or _NO_SPACE_SCRIPT.match(words[-1][-1]) else f"(?!{_WORD_CHAR})"
    search = re.compile(before + body + after).search
    needle = max(words, key=len)
    return lambda text: needle in text and search(text) is not None


# --------------------------------------------------------------------------------------------------
# Parsing


def parse_query(text: str) -> Query:
    """Parse a brand query, or raise `ConfigError` naming the problem and its 1-based column.

    Rejected, besides syntax errors: unknown `field:` names (a typo must not silently become a
    keyword), field filters inside parentheses or OR (they apply to the whole query), a query with only
    field filters, and a query that matches text containing none of its terms (`-hiring` alone would
    match nearly every mention on the platform).
    """
    if not isinstance(text, str):
        raise ConfigError(f"query {text!r}: a query must be a string at column 1")
    tokens = _tokenize(text)
    if not tokens:
        _fail(text, "empty query", 1)
    root = _Parser(text, tokens).parse()

    include: dict[str, list[str]] = {name: [] for name in FIELDS}
    exclude: dict[str, list[str]] = {name: [] for name in FIELDS}
    rest: list[Node] = []
    for item in root.items if isinstance(root, And) else (root,):
        negated = isinstance(item, Not) and isinstance(item.item, _Field)
        flt = item.item if isinstance(item, Not) and negated else item
        if isinstance(flt, _Field):
            target = (exclude if negated else include)[flt.name]
            if flt.value not in target:
                target.append(flt.value)
            continue
        stray = _find_field(item)
        if stray is not None:
            _fail(
                text,
                f"{stray.name}:{_quote_value(stray.value)} cannot be an operand of OR: field filters "
                "apply to the whole query (put the OR in parentheses and the filter outside)",
                stray.col,
            )
        rest.append(item)
    if not rest:
        _fail(text, "no search term, only field filters (they narrow a search, they are not one)", 1)
    expr = _and(rest)
    if _matches_without_terms(expr):
        neg = _culprit(expr)
        _fail(
            text,
            f"{str(neg)!r} matches every text without {str(neg.item)!r}, so the query would match "
            f"almost anything: AND a negation with a term to search for, as in 'acme {neg}'",
            neg.col,
        )
    filters = Filters(
        authors=tuple(sorted(include["author"])),
        exclude_authors=tuple(sorted(exclude["author"])),
        sources=tuple(sorted(include["source"])),
        exclude_sources=tuple(sorted(exclude["source"])),
        langs=tuple(sorted(include["lang"])),
        exclude_langs=tuple(sorted(exclude["lang"])),
    )
    return Query(text, expr, filters)


def _fail(query: str, problem: str, col: int) -> NoReturn:
    raise ConfigError(f"query {query!r}: {problem} at column {col}")


@dataclass(frozen=True, slots=True)
class _Field:
    """A `name:value` filter while parsing; `parse_query` lifts these into `Filters`."""

    name: str
    value: str
    col: int


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # word, phrase, field, (, ), -, AND, OR, NOT, end
    text: str  # as written; for a field the normalized value
    col: int
    name: str = ""  # a field's name


_STARTS_TERM = frozenset({"word", "phrase", "field", "(", "-", "NOT"})


def _tokenize(query: str) -> list[_Token]:
    """Split into tokens; a bare word runs until whitespace, a parenthesis or a quote."""
    tokens: list[_Token] = []
    i, n = 0, len(query)
    while i < n:
        char, col = query[i], i + 1
        if char.isspace():
            i += 1
        elif char in "()":
            tokens.append(_Token(char, char, col))
            i += 1
        elif char == '"':
            content, i = _read_quoted(query, i)
            if not content.split():
                _fail(query, "empty phrase", col)
            tokens.append(_Token("phrase", content, col))
        elif char == "-":
            following = query[i + 1] if i + 1 < n else ""
            if not following or following.isspace() or following == ")":
                _fail(query, "'-' must be followed directly by a term to exclude (no space)", col)
            tokens.append(_Token("-", char, col))
            i += 1
        else:
            end = i
            while end < n and not query[end].isspace() and query[end] not in '()"':
                end += 1
            word = query[i:end]
            match = _FIELD_RE.fullmatch(word)
            if word in _KEYWORDS:
                tokens.append(_Token(word, word, col))
            elif match and "://" not in word:
                name, value = match.group(1).lower(), match.group(2)
                if name not in FIELDS:
                    _fail(
                        query,
                        f"unknown field {match.group(1) + ':'!r} (fields are author:, source:, lang:; "
                        "quote the word to search for it)",
                        col,
                    )
                if not value and end < n and query[end] == '"':
                    value, end = _read_quoted(query, end)
                tokens.append(_Token("field", _field_value(query, name, value, col), col, name))
            else:
                _check_word(query, word, col)
                tokens.append(_Token("word", word, col))
            i = end
    return tokens


def _read_quoted(query: str, start: int) -> tuple[str, int]:
    close = query.find('"', start + 1)
    if close == -1:
        _fail(query, "unclosed quote", start + 1)
    return query[start + 1 : close], close + 1


def _field_value(query: str, name: str, value: str, col: int) -> str:
    if name == "author":
        normalized = _norm_author(value)
    elif name == "source":
        normalized = _norm_source(value)
    else:
        normalized = _norm_lang(value)
    if not normalized:
        _fail(query, f"'{name}:' needs a value", col)
    if name == "lang" and not _LANG_RE.fullmatch(normalized):
        _fail(query, f"lang: wants a language code like 'en' or 'pt-BR', not {value!r}", col)
    return normalized


def _check_word(query: str, word: str, col: int) -> None:
    star = word.find("*")
    if star != -1 and star != len(word) - 1:
        _fail(query, "'*' is only allowed once, at the end of a word (prefix search)", col + star)
    if word.rstrip("*") in ("", "#", "@"):
        _fail(query, f"{word!r} is not a searchable term", col)


def _bare_ok(word: str) -> bool:
    """Whether `word` written without quotes would tokenize back into the same plain word."""
    return (
        bool(word)
        and not word.startswith("-")
        and not any(c.isspace() or c in '()"*' for c in word)
        and word not in _KEYWORDS
        and word not in ("#", "@")
        and not (_FIELD_RE.fullmatch(word) and "://" not in word)
    )


def _word(text: str) -> Term:
    text = unicodedata.normalize("NFC", text)
    if text.endswith("*"):
        return Term(text[:-1], prefix=True)
    return Term(text)


def _phrase(content: str) -> Term:
    text = " ".join(unicodedata.normalize("NFC", content).split())
    # `"acme"` is the word acme: one tree for one meaning (but `"acme*"` and `"OR"` stay literal).
    return Term(text) if _bare_ok(text) else Term(text, phrase=True)


def _and(items: list[Node]) -> Node:
    flat: list[Node] = []
    for item in items:
        flat.extend(item.items if isinstance(item, And) else (item,))
    return flat[0] if len(flat) == 1 else And(tuple(flat))


def _or(items: list[Node]) -> Node:
    flat: list[Node] = []
    for item in items:
        flat.extend(item.items if isinstance(item, Or) else (item,))
    return flat[0] if len(flat) == 1 else Or(tuple(flat))


def _not(item: Node, col: int) -> Node:
    return item.item if isinstance(item, Not) else Not(item, col)


def _find_field(node: object) -> _Field | None:
    if isinstance(node, _Field):
        return node
    if isinstance(node, Not):
        return _find_field(node.item)
    for item in getattr(node, "items", ()):
        found = _find_field(item)
        if found is not None:
            return found
    return None


def _matches_without_terms(node: Node) -> bool:
    """The query's value on a text that contains none of its terms (e.g. the empty text)."""
    if isinstance(node, Term):
        return False
    if isinstance(node, Not):
        return not _matches_without_terms(node.item)
    if isinstance(node, And):
        return all(_matches_without_terms(item) for item in node.items)
    return any(_matches_without_terms(item) for item in node.items)


def _culprit(node: Node) -> Not:
    """The negation that makes `node` match a text without any of its terms, to point the error at."""
    if isinstance(node, Not):
        return node
    assert isinstance(node, And | Or)
    return _culprit(next(item for item in node.items if _matches_without_terms(item)))


class _Parser:
    """Recursive descent: or := and (OR and)*; and := unary ((AND)? unary)*; unary := (NOT|-) unary |
    primary; primary := word | phrase | field | ( or ). Hence NOT binds tighter than AND, AND than OR."""

    def __init__(self, query: str, tokens: list[_Token]) -> None:
        self.query = query
        self.tokens = [*tokens, _Token("end", "", len(query) + 1)]
        self.pos = 0
        self.depth = 0
        self.parens = 0

    def parse(self) -> Node:
        node = self._or()
        token = self._peek()
        if token.kind == ")":
            _fail(self.query, "unmatched ')'", token.col)
        return node

    def _peek(self) -> _Token:
        return self.tokens[self.pos]

    def _take(self) -> _Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def _enter(self, token: _Token) -> None:
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            _fail(self.query, f"parentheses and negations nested more than {_MAX_DEPTH} deep", token.col)

    def _or(self) -> Node:
        items = [self._and(None)]
        while self._peek().kind == "OR":
            items.append(self._and(self._take()))
        return _or(items)

    def _and(self, after: _Token | None) -> Node:
        items = [self._unary(after)]
        while True:
            kind = self._peek().kind
            if kind == "AND":
                items.append(self._unary(self._take()))
            elif kind in _STARTS_TERM:
                items.append(self._unary(None))
            else:
                return _and(items)

    def _unary(self, after: _Token | None) -> Node:
        token = self._peek()
        if token.kind not in ("NOT", "-"):
            return self._primary(after)
        self._take()
        self._enter(token)
        item = self._unary(token)
        self.depth -= 1
        return _not(item, token.col)

    def _primary(self, after: _Token | None) -> Node:
        token = self._peek()
        if token.kind == "word":
            self._take()
            return _word(token.text)
        if token.kind == "phrase":
            self._take()
            return _phrase(token.text)
        if token.kind == "field":
            self._take()
            if self.parens:
                _fail(
                    self.query,
                    f"{token.name}:{_quote_value(token.text)} cannot be inside parentheses: field filters "
                    "apply to the whole query",
                    token.col,
                )
            return _Field(token.name, token.text, token.col)  # type: ignore[return-value]  # a top-level filter; parse_query lifts it out of the tree
        if token.kind == "(":
            self._take()
            self._enter(token)
            if self._peek().kind == ")":
                _fail(self.query, "empty parentheses", token.col)
            if self._peek().kind == "end":
                _fail(self.query, "unclosed '('", token.col)
            self.parens += 1
            node = self._or()
            if self._peek().kind != ")":
                _fail(self.query, "unclosed '('", token.col)
            self._take()
            self.parens -= 1
            self.depth -= 1
            return node
        if after is not None:
            _fail(self.query, f"{after.text!r} needs a term after it", after.col)
        if token.kind in ("AND", "OR"):
            _fail(self.query, f"{token.text!r} needs a term before it", token.col)
        _fail(self.query, "unmatched ')'", token.col)
