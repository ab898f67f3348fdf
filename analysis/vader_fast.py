"""A faster vaderSentiment 3.3.2 analyzer with exactly the same output.

`FastSentimentIntensityAnalyzer.polarity_scores(text)` returns the same dict, with the same float
values, as `SentimentIntensityAnalyzer.polarity_scores(text)` of vaderSentiment 3.3.2;
`tests/test_vader_identity.py` checks that on 100,000+ texts plus a hypothesis property.

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
equivalent. `_but_check` is the inherited original, called only when the text has a "but".

The lexicon, the emoji dict and BOOSTER_DICT / SPECIAL_CASES are read live (so lexicon
overrides applied to `analyzer.lexicon` behave exactly as with the plain analyzer); only the
NEGATE list is frozen into a set at import time.
"""

from __future__ import annotations

import math
import string

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


def _score_valence(sentiments: list[float], text: str) -> dict[str, float]:
    """`score_valence` with `_punctuation_emphasis`, `_amplify_ep/qm` and
    `_sift_sentiment_scores` inlined: same operations in the same order (`sum` over the same
    list, then the same float additions), and the same int/float types where they mix."""
    if not sentiments:
        return {"neg": 0.0, "neu": 0.0, "pos": 0.0, "compound": 0.0}  # round(0.0, k) == 0.0
    sum_s = float(sum(sentiments))
    ep_count = text.count("!")
    if ep_count > 4:
        ep_count = 4
    ep_amplifier = ep_count * 0.292
    qm_count = text.count("?")
    qm_amplifier = 0
    if qm_count > 1:
        qm_amplifier = qm_count * 0.18 if qm_count <= 3 else 0.96
    punct_emph_amplifier = ep_amplifier + qm_amplifier
    if sum_s > 0:
        sum_s += punct_emph_amplifier
    elif sum_s < 0:
        sum_s -= punct_emph_amplifier
    # normalize(sum_s, alpha=15)
    compound = sum_s / math.sqrt((sum_s * sum_s) + 15)
    if compound < -1.0:
        compound = -1.0
    elif compound > 1.0:
        compound = 1.0
    # _sift_sentiment_scores: zeros add nothing to pos_sum / neg_sum, so the same additions
    # happen in the same order over the non-zero values; neu_count counts the == 0 values (a
    # NaN is truthy and neither > 0, < 0 nor == 0: skipped by both).
    pos_sum = 0.0
    neg_sum = 0.0
    nonzero = [v for v in sentiments if v]
    neu_count = len(sentiments) - len(nonzero)
    for sentiment_score in nonzero:
        if sentiment_score > 0:
            pos_sum += float(sentiment_score) + 1
        if sentiment_score < 0:
            neg_sum += float(sentiment_score) - 1
    if pos_sum > math.fabs(neg_sum):
        pos_sum += punct_emph_amplifier
    elif pos_sum < math.fabs(neg_sum):
        neg_sum -= punct_emph_amplifier
    total = pos_sum + math.fabs(neg_sum) + neu_count
    return {
        "neg": round(math.fabs(neg_sum / total), 3),
        "neu": round(math.fabs(neu_count / total), 3),
        "pos": round(math.fabs(pos_sum / total), 3),
        "compound": round(compound, 4),
    }


class FastSentimentIntensityAnalyzer(SentimentIntensityAnalyzer):
    """vaderSentiment 3.3.2 with its hot paths rewritten; output identical."""

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

    def polarity_scores(self, text):  # type: ignore[no-untyped-def]
        if type(text) is not str:
            # Non-str input (bytes, None, str subclasses...) is rare: let 3.3.2 handle it, so
            # even its errors and quirks are the same.
            return super().polarity_scores(text)

        # Emoji: the original looks every *character* up in self.emojis (multi-character keys
        # never match). If no character is a key, its loop copies the text unchanged, so the
        # rebuild can be skipped; dict_keys.isdisjoint iterates the characters in C.
        if not self.emojis.keys().isdisjoint(text):
            text = self._replace_emojis(text)
        text = text.strip()

        # SentiText(text): split on whitespace, strip punctuation unless <= 2 chars remain.
        words = [s if len(s := tok.strip(_PUNCT)) > 2 else tok for tok in text.split()]
        n = len(words)
        # allcap_differential: 0 < (n - number of ALL-CAPS tokens) < n
        is_cap_diff = 0 < n - sum(map(str.isupper, words)) < n
        # Every `x.lower()` / `str(x).lower()` of a token in the original is low[index].
        low = list(map(str.lower, words))

        lexicon = self.lexicon
        # The original appends one value per token, computed from the tokens alone (never from
        # earlier values): the int 0 for boosters, for "kind" before "of" and for words not in
        # the lexicon, else sentiment_valence(). So start from all zeros and compute only the
        # lexicon words, in the same order.
        sentiments: list[float] = [0] * n
        for i in [i for i, w in enumerate(low) if w in lexicon]:
            item_lowercase = low[i]
            if item_lowercase in BOOSTER_DICT:
                continue
            if i < n - 1 and item_lowercase == "kind" and low[i + 1] == "of":
                continue
            # --- sentiment_valence ---
            item = words[i]
            valence = lexicon[item_lowercase]
            if item_lowercase == "no" and i != n - 1 and low[i + 1] in lexicon:
                valence = 0.0
            if (
                (i > 0 and low[i - 1] == "no")
                or (i > 1 and low[i - 2] == "no")
                or (i > 2 and low[i - 3] == "no" and low[i - 1] in _OR_NOR)
            ):
                valence = lexicon[item_lowercase] * N_SCALAR
            if is_cap_diff and item.isupper():
                if valence > 0:
                    valence += C_INCR
                else:
                    valence -= C_INCR

            for start_i in range(3):
                j = i - (start_i + 1)
                if i > start_i and low[j] not in lexicon:
                    # scalar_inc_dec(words[j], valence, is_cap_diff), inlined
                    s = 0.0
                    if low[j] in BOOSTER_DICT:
                        s = BOOSTER_DICT[low[j]]
                        if valence < 0:
                            s *= -1
                        if words[j].isupper() and is_cap_diff:
                            if valence > 0:
                                s += C_INCR
                            else:
                                s -= C_INCR
                    if start_i == 1 and s != 0:
                        s = s * 0.95
                    if start_i == 2 and s != 0:
                        s = s * 0.9
                    valence = valence + s  # always added: keeps the sign of zero identical
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
                        valence = _special_idioms(valence, low, i)

            # _least_check(valence, words, i)
            if i > 1 and low[i - 1] not in lexicon and low[i - 1] == "least":
                if low[i - 2] != "at" and low[i - 2] != "very":
                    valence = valence * N_SCALAR
            elif i > 0 and low[i - 1] not in lexicon and low[i - 1] == "least":
                valence = valence * N_SCALAR
            sentiments[i] = valence

        # _but_check lower-cases the whole list just to look for 'but'; without one it returns
        # `sentiments` untouched. With one, the inherited original runs (its index()-based
        # loop has quirks with repeated values that must be kept).
        if "but" in low:
            sentiments = self._but_check(words, sentiments)
        return _score_valence(sentiments, text)
