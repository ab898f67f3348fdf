"""The most frequent terms in a set of texts (the weekly report's "what are the complaints about").

Terms are counted once per text (document frequency), so one long rant or a copy-pasted spam post
cannot dominate the list. Stopwords come from the installed `stop_words` package for the text's own
language (its word lists ship inside the package: nothing is downloaded), plus English ones for every
text, because brand chatter in other languages mixes in English words.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from functools import lru_cache

from stop_words import StopWordError, get_stop_words

# Letters only (no digits or underscores), with an inner apostrophe for contractions ("isn't").
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
# Links and @handles name things, they are not complaints.
_NOISE = re.compile(r"https?://\S+|www\.\S+|(?<!\w)@\w+")
_MIN_LENGTH = 3
UNKNOWN_LANGUAGE = "unknown"


@lru_cache(maxsize=64)
def stopwords(lang: str | None) -> frozenset[str]:
    """The package's stopwords for an ISO 639-1 code (or a tag like `pt-BR`); empty when it has none."""
    code = primary_language(lang)
    if code == UNKNOWN_LANGUAGE:
        return frozenset()
    try:
        words = get_stop_words(code)
    except StopWordError:
        return frozenset()
    return frozenset(w.lower() for w in words)


def primary_language(lang: str | None) -> str:
    """`pt-BR` -> `pt`; missing or placeholder codes -> `unknown`."""
    if not lang:
        return UNKNOWN_LANGUAGE
    code = re.split(r"[-_]", lang.strip().lower(), maxsplit=1)[0]
    return code if code.isalpha() and 2 <= len(code) <= 3 and code != "und" else UNKNOWN_LANGUAGE


def tokens(text: str, lang: str | None, exclude: Iterable[str] = ()) -> set[str]:
    """The distinct content words of one text: lower-cased, without stopwords, links, handles,
    numbers, words shorter than three letters, and the `exclude` words (the brand's own names; a
    word ending in `*` excludes every word it starts)."""
    stop = stopwords("en") | stopwords(lang)
    words = {w.lower() for w in exclude}
    prefixes = tuple(w[:-1] for w in words if w.endswith("*") and len(w) > 1)
    out: set[str] = set()
    for match in _WORD.finditer(_NOISE.sub(" ", text.lower())):
        word = match.group().replace("’", "'")
        head = word.split("'", 1)[0]
        if len(word) < _MIN_LENGTH or word in stop or head in stop or word in words or head in words:
            continue
        if prefixes and word.startswith(prefixes):
            continue
        out.add(word)
    return out


def top_terms(
    texts: Iterable[tuple[str, str | None]], *, n: int, exclude: Iterable[str] = ()
) -> tuple[list[tuple[str, int]], dict[str, list[tuple[str, int]]]]:
    """The n terms found in the most texts, overall and per language.

    `texts` holds (text, language) pairs. Ties are broken alphabetically so the result is stable.
    Returns (overall, {language: terms}), languages ordered by how many texts they have.
    """
    excluded = tuple(exclude)
    overall: Counter[str] = Counter()
    per_lang: dict[str, Counter[str]] = defaultdict(Counter)
    texts_per_lang: Counter[str] = Counter()
    for text, lang in texts:
        code = primary_language(lang)
        texts_per_lang[code] += 1
        found = tokens(text, lang, excluded)
        overall.update(found)
        per_lang[code].update(found)

    def best(counter: Counter[str]) -> list[tuple[str, int]]:
        return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:n]

    by_lang = {
        code: best(per_lang[code])
        for code, _ in sorted(texts_per_lang.items(), key=lambda kv: (-kv[1], kv[0]))
        if per_lang[code]
    }
    return best(overall), by_lang
