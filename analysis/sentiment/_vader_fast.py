"""A faster vaderSentiment 3.3.2 analyzer with exactly the same output.

`FastSentimentIntensityAnalyzer.polarity_scores(text)` returns the same dict, with the same float
values, as `SentimentIntensityAnalyzer.polarity_scores(text)` of vaderSentiment 3.3.2;
`tests/analysis/test_vader_identity.py` checks that on 100,000+ texts plus hypothesis properties.

Where 3.3.2 spends its time (cProfile over the ground-truth texts):

* `_negation_check` lower-cases the whole token list on every call (up to three calls per
  lexicon word), then `negated()` lower-cases its one-word argument again;
  `_special_idioms_check` and `_but_check` lower-case the whole list once more per call;
  `item.lower()` is recomputed up to ten times per token.
* the emoji loop walks every character of the text in Python and rebuilds the string.
* `SentiText` / `allcap_differential` / `scalar_inc_dec` are small but called per text/token.

The override below is one re-statement of `polarity_scores` + `sentiment_valence` +
`scalar_inc_dec` + `_negation_check` + `negated` + `_special_idioms_check` + `_least_check`, in
the same order of floating point operations, working on a lower-cased token list computed once
per text, and of `score_valence` with its helpers inlined. Each step says why it is
equivalent.

That re-statement alone is 2.5-2.9x as fast as 3.3.2 on `bench/vader_speed.py`. Its cost
was then mostly fixed per-text work: the mention texts have ~17 tokens but only ~1.6 lexicon
words, and ~85% of the lexicon words have no booster, negation or rule word before them. So,
for 3.6-3.9x (~11-12 us per mention text on the 2-core benchmark machine):

* tokens: one comprehension strips and lower-cases each token; letter-only tokens (isalpha(),
  no character of string.punctuation) skip `strip(_PUNCT)`, which rebuilds a filter from its
  argument on every call. The `text.strip()` of 3.3.2 is dropped: split() ignores outer
  whitespace and the "!" / "?" counts do not change.
* ALL CAPS: `allcap_differential` is only read after an `isupper()` that was True (a lexicon
  word, or a booster before one), so it is computed then, from the raw tokens.
* in-lexicon flags for all tokens, computed once; a text without a lexicon word gets the
  all-neutral dict at once.
* per lexicon word: when none of the three words before it is a booster, a negation or one of
  the rule words ("no", "least", "so", "this"), the three-step context loop of 3.3.2 can only
  add 0.0 and run the idiom check: it is replaced by one `+ 0.0` and that check. Other words
  take the full re-statement.
* `_special_idioms_check` builds 7 strings and does ~10 lookups; it is skipped when neither
  low[i] nor low[i - 2] (one of them is in every sequence it tries) is a word of a multi-word
  SPECIAL_CASES / BOOSTER_DICT key.
* `_but_check`: the original loop without lower-casing the list again.
* `score_valence`: zero values filtered in C, an all-zero list gives the neutral dict, and
  `round()` (slow: it formats and parses a string) is skipped for zeros.

* the emoji scan: skipped for an ASCII text while no emoji key is ASCII (none is by default);
  the dict is an `_EmojiDict` that notices its own changes, so it is still read live.

What is left is mostly C-level and per text: tokenizing, the lexicon lookups and rounding.

The lexicon, the emoji dict and BOOSTER_DICT / SPECIAL_CASES are read live (so lexicon
overrides applied to `analyzer.lexicon` behave exactly as with the plain analyzer). Frozen at
import time: NEGATE as a set (`_NEGATE`, and `_RULE_WORDS` built from it), and
`_IDIOM_PARTS`, the words of the multi-word keys of SPECIAL_CASES and BOOSTER_DICT; the test
checks them against the module values.
"""

from __future__ import annotations

import math
import string
from itertools import compress
from typing import Any, Self

from vaderSentiment.vaderSentiment import (
    BOOSTER_DICT,
    C_INCR,
    N_SCALAR,
    NEGATE,
    SPECIAL_CASES,
    SentimentIntensityAnalyzer,
)

__all__ = ["FastSentimentIntensityAnalyzer"]

_PUNCT = string.punctuation
# negated([w]) checks `word in [w.lower()]` for each word of NEGATE: membership in a set.
_NEGATE = frozenset(NEGATE)
_SO_THIS = ("so", "this")
_OR_NOR = ("or", "nor")
# Besides boosters and words containing "n't", the only words that change a lexicon word's
# valence from one of the three positions before it: NEGATE (which holds "never" and "without"),
# "so" / "this" (`_negation_check`; "doubt" only counts after "without"), "no" (the N_SCALAR
# rule of `sentiment_valence`; "or" / "nor" only count with a "no") and "least" (`_least_check`;
# "at" / "very" only count with a "least").
_RULE_WORDS = _NEGATE | {"so", "this", "no", "least"}
# A sequence tried by `_special_idioms_check` is 2 or 3 tokens joined by " ", and a lower-cased
# token never holds a " " (split() removed whitespace; lower() makes no " ", checked in the
# test); so it can equal a key only if the key has a space and each of its " "-separated parts
# is one of the tokens. Frozen here from the module-level dicts.
_IDIOM_PARTS = frozenset(
    part for key in (*SPECIAL_CASES, *BOOSTER_DICT) if " " in key for part in key.split(" ")
)
_BOOSTER_KEYS = BOOSTER_DICT.keys()  # a live view
_fabs = math.fabs
_sqrt = math.sqrt


def _negated(w: str) -> bool:
    """`negated([w])` for a token that is already lower-case.

    negated() lower-cases its argument again; str.lower is idempotent for every code point
    (checked exhaustively in the test), so `w.lower() == w` here.
    """
    return w in _NEGATE or "n't" in w


def _special_idioms(valence: float, low: list[str], i: int) -> float:
    """`_special_idioms_check(valence, words, i)` on the lower-cased list.

    Only called for i >= 3 (start_i == 2 and i > start_i), so no index wraps around, exactly as
    in the original. "{0} {1}".format(a, b) == a + " " + b for str arguments.

    Every sequence below contains low[i] or low[i - 2]; callers skip the call when neither is in
    `_IDIOM_PARTS`: then no sequence is a key and `valence` would come back unchanged.
    """
    w0, w1, w2, w3 = low[i], low[i - 1], low[i - 2], low[i - 3]
    onezero = w1 + " " + w0
    twoonezero = w2 + " " + w1 + " " + w0
    twoone = w2 + " " + w1
    threetwoone = w3 + " " + w2 + " " + w1
    threetwo = w3 + " " + w2
    for seq in (onezero, twoonezero, twoone, threetwoone, threetwo):
        if seq in SPECIAL_CASES:
            valence = SPECIAL_CASES[seq]
            break
    n = len(low)
    if n - 1 > i:
        zeroone = w0 + " " + low[i + 1]
        if zeroone in SPECIAL_CASES:
            valence = SPECIAL_CASES[zeroone]
    if n - 1 > i + 1:
        zeroonetwo = w0 + " " + low[i + 1] + " " + low[i + 2]
        if zeroonetwo in SPECIAL_CASES:
            valence = SPECIAL_CASES[zeroonetwo]
    for n_gram in (threetwoone, threetwo, twoone):
        if n_gram in BOOSTER_DICT:
            valence = valence + BOOSTER_DICT[n_gram]
    return valence


def _but_check(low: list[str], sentiments: list[float]) -> None:
    """`_but_check(words, sentiments)` for a lower-cased list that holds "but", in place.

    The original loop, kept as it is (its index()-based lookup has quirks with repeated values
    that must be kept), minus the lower-casing of the list (`low` already is). `pop(si)` then
    `insert(si, x)` leaves the list as `sentiments[si] = x` does: same length, so the running
    iteration sees the same values.
    """
    bi = low.index("but")
    for sentiment in sentiments:
        si = sentiments.index(sentiment)
        if si < bi:
            sentiments[si] = sentiment * 0.5
        elif si > bi:
            sentiments[si] = sentiment * 1.5


def _allcap_differential(raw: list[str]) -> bool:
    """allcap_differential(words): 0 < n - (number of ALL-CAPS words) < n, i.e. some words are
    ALL CAPS and some are not (isupper() of a token is that of its stripped form)."""
    caps = [tok.isupper() for tok in raw]
    return True in caps and False in caps


def _score_valence(sentiments: list[float], text: str) -> dict[str, float]:
    """`score_valence` with `_punctuation_emphasis`, `_amplify_ep/qm` and
    `_sift_sentiment_scores` inlined: same operations in the same order (`sum` over the same
    list, then the same float additions), and the same int/float types where they mix."""
    if not sentiments:
        return {"neg": 0.0, "neu": 0.0, "pos": 0.0, "compound": 0.0}  # round(0.0, k) == 0.0
    sum_s = float(sum(sentiments))  # first, so that a non-number raises as in the original
    # _sift_sentiment_scores: zeros add nothing to pos_sum / neg_sum, so the same additions
    # happen in the same order over the non-zero values; neu_count counts the == 0 values (a
    # NaN is truthy and neither > 0, < 0 nor == 0: skipped by both). filter(None, ...) keeps
    # exactly the truthy values, like `if v`.
    nonzero = list(filter(None, sentiments))
    if not nonzero:
        # All zero: sum_s == 0.0 gets no punctuation emphasis and compound == 0.0; pos_sum ==
        # neg_sum == 0.0, total == float(neu_count) == len(sentiments) >= 1, so neg == pos ==
        # 0.0 and neu == 1.0, each unchanged by round().
        return {"neg": 0.0, "neu": 1.0, "pos": 0.0, "compound": 0.0}
    ep_count = text.count("!")
    if ep_count > 4:
        ep_count = 4
    ep_amplifier = ep_count * 0.292
    qm_count = text.count("?")
    qm_amplifier = 0.0
    if qm_count > 1:
        qm_amplifier = qm_count * 0.18 if qm_count <= 3 else 0.96
    punct_emph_amplifier = ep_amplifier + qm_amplifier
    if sum_s > 0:
        sum_s += punct_emph_amplifier
    elif sum_s < 0:
        sum_s -= punct_emph_amplifier
    # normalize(sum_s, alpha=15)
    compound = sum_s / _sqrt((sum_s * sum_s) + 15)
    if compound < -1.0:
        compound = -1.0
    elif compound > 1.0:
        compound = 1.0
    pos_sum = 0.0
    neg_sum = 0.0
    neu_count = len(sentiments) - len(nonzero)
    for sentiment_score in nonzero:
        if sentiment_score > 0:
            pos_sum += float(sentiment_score) + 1
        if sentiment_score < 0:
            neg_sum += float(sentiment_score) - 1
    if pos_sum > _fabs(neg_sum):
        pos_sum += punct_emph_amplifier
    elif pos_sum < _fabs(neg_sum):
        neg_sum -= punct_emph_amplifier
    total = pos_sum + _fabs(neg_sum) + neu_count
    neg = _fabs(neg_sum / total)
    neu = _fabs(neu_count / total)
    pos = _fabs(pos_sum / total)
    # round(x, k) returns a zero unchanged (sign included), so `x and round(x, k)` is the same
    # float and skips the costly round() of the (frequent) zero values.
    return {
        "neg": neg and round(neg, 3),
        "neu": neu and round(neu, 3),
        "pos": pos and round(pos, 3),
        "compound": compound and round(compound, 4),
    }


class _EmojiDict(dict[str, str]):
    """The analyzer's emoji dict, which also knows whether any key is an ASCII character.

    Default keys are all non-ASCII, so an ASCII text (nearly every mention: `str.isascii` is a
    C-level flag check) holds no emoji and skips the per-character scan. Mutations through the
    dict's methods mark the answer stale and it is recomputed on the next text; a dict bound in
    its place (`analyzer.emojis = {...}`) is wrapped again by the property below.
    """

    __slots__ = ("_ascii_key",)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self._ascii_key: bool | None = None

    def has_ascii_key(self) -> bool:
        if self._ascii_key is None:
            self._ascii_key = any(type(k) is not str or k.isascii() for k in self)
        return self._ascii_key

    def _stale(self) -> None:
        self._ascii_key = None

    def __setitem__(self, key: str, value: str) -> None:
        super().__setitem__(key, value)
        self._stale()

    def __delitem__(self, key: str) -> None:
        super().__delitem__(key)
        self._stale()

    def __ior__(self, other: Any) -> Self:  # type: ignore[override,misc]  # in place like dict.__ior__ (dict.__or__ builds a plain dict)
        result = super().__ior__(other)
        self._stale()
        return result

    def update(self, *args: Any, **kwargs: str) -> None:
        super().update(*args, **kwargs)
        self._stale()

    def setdefault(self, key: str, default: Any = None) -> Any:
        result = super().setdefault(key, default)
        self._stale()
        return result

    def pop(self, *args: Any) -> Any:
        result = super().pop(*args)
        self._stale()
        return result

    def popitem(self) -> tuple[str, str]:
        result = super().popitem()
        self._stale()
        return result

    def clear(self) -> None:
        super().clear()
        self._stale()


class FastSentimentIntensityAnalyzer(SentimentIntensityAnalyzer):
    """vaderSentiment 3.3.2 with its hot paths rewritten; output identical."""

    @property
    def emojis(self) -> _EmojiDict:
        return self._emojis

    @emojis.setter
    def emojis(self, value: dict[str, str]) -> None:
        # vaderSentiment's __init__ assigns its dict here; so does anyone who replaces it
        self._emojis = value if type(value) is _EmojiDict else _EmojiDict(value)

    def _replace_emojis(self, text: str) -> str:
        """The original emoji loop, verbatim except that it appends to a list and joins."""
        emojis = self.emojis
        out: list[str] = []
        prev_space = True
        for ch in text:
            if ch in emojis:
                if not prev_space:
                    out.append(" ")
                out.append(emojis[ch])
                prev_space = False
            else:
                out.append(ch)
                prev_space = ch == " "
        return "".join(out)

    def polarity_scores(self, text: str) -> dict[str, float]:
        if type(text) is not str:
            # Non-str input (bytes, None, str subclasses...) is rare: let 3.3.2 handle it, so
            # even its errors and quirks are the same.
            return super().polarity_scores(text)

        # Emoji: the original looks every *character* up in self.emojis (multi-character keys
        # never match). If no character is a key, its loop copies the text unchanged, so the
        # rebuild can be skipped: an ASCII text when no key is ASCII (`_EmojiDict`), else when
        # dict_keys.isdisjoint, which iterates the characters in C, finds none.
        emojis = self._emojis
        if not (text.isascii() and not emojis.has_ascii_key()) and not emojis.keys().isdisjoint(text):
            text = self._replace_emojis(text)
        # The original strips the text first: split() ignores outer whitespace anyway, and
        # score_valence only counts "!" and "?", which strip() does not remove.

        # SentiText(text): split on whitespace, strip punctuation unless <= 2 chars remain.
        raw = text.split()
        n = len(raw)
        if not n:
            return {"neg": 0.0, "neu": 0.0, "pos": 0.0, "compound": 0.0}  # no sentiments
        # Every `x.lower()` / `str(x).lower()` of a token in the original is low[index].
        # strip(_PUNCT) builds a filter from its argument on every call; most tokens are
        # letters only (isalpha(): no character of string.punctuation) and strip to themselves.
        low = [
            (tok if tok.isalpha() else s if len(s := tok.strip(_PUNCT)) > 2 else tok).lower() for tok in raw
        ]

        lexicon = self.lexicon
        inlex = [w in lexicon for w in low]
        if True not in inlex:
            # The original appends the int 0 for every token; _but_check turns 0 into 0.0 at
            # most: `_score_valence` of all zeros.
            return {"neg": 0.0, "neu": 1.0, "pos": 0.0, "compound": 0.0}

        # `words[k].isupper()` of the original is raw[k].isupper(): string.punctuation has no
        # cased character (checked in the test), and isupper() only looks at cased characters.
        # is_cap_diff (allcap_differential) is only ever read after an isupper() that was
        # True, so it is computed then, at most once per text (None: not computed yet).
        is_cap_diff = None
        # A word containing "n't" contains "'", and no other character lower-cases to one
        # containing "'" (checked exhaustively in the test).
        has_apostrophe = "'" in text
        last = n - 1

        # The original appends one value per token, computed from the tokens alone (never from
        # earlier values): the int 0 for boosters, for "kind" before "of" and for words not in
        # the lexicon, else sentiment_valence(). So start from all zeros and compute only the
        # lexicon words, in the same order.
        sentiments: list[float] = [0] * n
        for i in compress(range(n), inlex):
            item_lowercase = low[i]
            if item_lowercase in BOOSTER_DICT:
                continue
            if i < last and item_lowercase == "kind" and low[i + 1] == "of":
                continue
            # --- sentiment_valence ---
            valence = lexicon[item_lowercase]
            if item_lowercase == "no" and i != last and inlex[i + 1]:
                valence = 0.0
            # The (up to) three words before: is one of them a booster, a negation or a word
            # of the rules? (`_RULE_WORDS` above.)
            start = i - 3 if i > 3 else 0
            window = low[start:i]
            quiet = (
                _RULE_WORDS.isdisjoint(window)
                and _BOOSTER_KEYS.isdisjoint(window)
                # "n't" holds no space and tokens hold no whitespace: no false match across
                # the join.
                and not (has_apostrophe and "n't" in " ".join(window))
            )
            if not quiet and (
                (i > 0 and low[i - 1] == "no")
                or (i > 1 and low[i - 2] == "no")
                or (i > 2 and low[i - 3] == "no" and low[i - 1] in _OR_NOR)
            ):
                valence = lexicon[item_lowercase] * N_SCALAR
            if raw[i].isupper():
                if is_cap_diff is None:
                    is_cap_diff = _allcap_differential(raw)
                if is_cap_diff:
                    if valence > 0:
                        valence += C_INCR
                    else:
                        valence -= C_INCR

            if quiet:
                # The context loop below with no booster, negation or rule word in the window:
                # each step whose word is not in the lexicon adds scalar_inc_dec() == 0.0 and
                # no _negation_check rule applies ("never" and "without" are in NEGATE, "so" /
                # "this" in _RULE_WORDS); the last step (if its word is not in the lexicon)
                # runs the idiom check. `v + 0.0 + 0.0 == v + 0.0`, so one addition when any
                # step runs keeps even the type (int -> float) and the sign of zero the same.
                # _least_check: the word before is not "least".
                if False in inlex[start:i]:
                    valence = valence + 0.0
                if (
                    i > 2
                    and not inlex[i - 3]
                    and (item_lowercase in _IDIOM_PARTS or low[i - 2] in _IDIOM_PARTS)
                ):
                    valence = _special_idioms(valence, low, i)
                sentiments[i] = valence
                continue

            for start_i in range(3):
                j = i - (start_i + 1)
                if i > start_i and not inlex[j]:
                    # scalar_inc_dec(words[j], valence, is_cap_diff), inlined
                    boost = 0.0
                    if low[j] in BOOSTER_DICT:
                        boost = BOOSTER_DICT[low[j]]
                        if valence < 0:
                            boost *= -1
                        if raw[j].isupper():
                            if is_cap_diff is None:
                                is_cap_diff = _allcap_differential(raw)
                            if is_cap_diff:
                                if valence > 0:
                                    boost += C_INCR
                                else:
                                    boost -= C_INCR
                    if start_i == 1 and boost != 0:
                        boost = boost * 0.95
                    if start_i == 2 and boost != 0:
                        boost = boost * 0.9
                    valence = valence + boost  # always added: keeps the sign of zero identical
                    # _negation_check(valence, words, start_i, i), on the lower-cased list
                    if start_i == 0:
                        if _negated(low[i - 1]):
                            valence = valence * N_SCALAR
                    elif start_i == 1:
                        if low[i - 2] == "never" and low[i - 1] in _SO_THIS:
                            valence = valence * 1.25
                        elif low[i - 2] == "without" and low[i - 1] == "doubt":
                            pass
                        elif _negated(low[i - 2]):
                            valence = valence * N_SCALAR
                    else:
                        if (low[i - 3] == "never" and low[i - 2] in _SO_THIS) or low[i - 1] in _SO_THIS:
                            valence = valence * 1.25
                        elif low[i - 3] == "without" and (low[i - 2] == "doubt" or low[i - 1] == "doubt"):
                            pass
                        elif _negated(low[i - 3]):
                            valence = valence * N_SCALAR
                        if item_lowercase in _IDIOM_PARTS or low[i - 2] in _IDIOM_PARTS:
                            valence = _special_idioms(valence, low, i)

            # _least_check(valence, words, i)
            if i > 1 and not inlex[i - 1] and low[i - 1] == "least":
                if low[i - 2] != "at" and low[i - 2] != "very":
                    valence = valence * N_SCALAR
            elif i > 0 and not inlex[i - 1] and low[i - 1] == "least":
                valence = valence * N_SCALAR
            sentiments[i] = valence

        # _but_check lower-cases the whole list just to look for 'but'; without one it returns
        # `sentiments` untouched.
        if "but" in low:
            _but_check(low, sentiments)
        return _score_valence(sentiments, text)
