"""Language detection with a model that ships inside its package (py3langid).

`BundledDetector` implements `analysis.language.LanguageDetector`. It is:

- offline: the model is py3langid's own ``data/model.npz.xz``, installed with the wheel; nothing is
  fetched at run time and no cache directory is consulted;
- deterministic: a naive-Bayes model, no sampling, no seeds;
- thread-safe: the model is loaded once per process behind a lock and only read afterwards;
- cautious with English: it answers None rather than guess when the evidence is thin, and the
  pipeline treats None as "language unknown" (see docs/language.md for the figures).

How a text is decided, in order:

1. Clean-up: URLs, e-mail addresses, @handles, #hashtags, digits and symbols (emoji) are dropped;
   the rest is lower-cased (py3langid is thrown by ALL-CAPS words inside mixed-case posts).
2. Scripts that name their language: any kana -> ``ja``; Hangul -> ``ko``; Han ideographs with no
   kana -> ``zh``. These need no model and work on one-character posts.
3. Too little text: fewer than `MIN_LETTERS` letters left -> None.
4. English shortcut: when the text is ASCII and its words contain at least two English marker
   words (or one and two "weak" ones such as "is", "to", "i", which other languages share) and no
   function word of another common Latin-script language, the answer is
   ``en`` without running the model. This is a speed path (most mentions are English and the model
   costs about as much as VADER itself); the benchmark checks it never fires on non-English posts.
5. The model, restricted to `LANGUAGES`; an answer other than English below `MIN_CONFIDENCE`
   (py3langid's length-calibrated probability) -> None.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from typing import Any

# Languages the model may answer (ISO 639-1). py3langid knows 97+; restricting it to the languages
# a brand monitor plausibly meets removes most of its false non-English calls on short English
# posts (Nigerian Pidgin, Welsh, Scots Gaelic, Latin...) and makes each call cheaper.
LANGUAGES: tuple[str, ...] = (
    "en", "es", "pt", "fr", "de", "it", "nl", "tr", "ru", "uk", "pl", "cs", "sv", "da", "no", "fi",
    "ro", "hu", "el", "bg", "he", "ar", "fa", "hi", "bn", "id", "ms", "vi", "th", "tl", "ja", "zh",
    "ko", "ca",
)  # fmt: skip

MIN_LETTERS = 3
MIN_CONFIDENCE = 0.70
# Cleaned texts whose answer is remembered, per detector, and as many stripped ASCII texts (see
# `BundledDetector.detect`): ~10 MB each at most for short posts.
CACHE_SIZE = 50_000
_MISSING = object()

# URLs, e-mail addresses, @handles, #hashtags, HTML entities, digits, ASCII punctuation but the
# apostrophe, and emoji / pictographs / dingbats (with their joiners and variation selectors).
# This is the definition; `clean` runs the faster equivalents below (tests compare them).
_NOISE = re.compile(
    r"https?://\S+|www\.\S+|\S+@\S+\.\S+|[@#][\w-]+|&\w+;|[\d_]+"
    r"|[!-&(-/:-@\[-`{-~]|[\u2000-\u206f\u2190-\u2bff\ufe0f\U0001f000-\U0001faff]"
)
# The clean-up was a quarter of a detection, so `clean` takes two shortcuts that cannot change its
# result (it splits and re-joins on whitespace, so how many spaces replace a match never shows):
# - runs of digits, punctuation and symbols go in one match instead of one match per character;
#   "@", "#" and "&" stay out of the run, since a handle, hashtag or entity may start there, and so
#   do the symbols that are whitespace (U+2000-200A, 2028, 2029, 202F, 205F): left in place they
#   separate words exactly as the space replacing them did, and a run must not span two words;
# - the e-mail alternative (a backtracking \S+, as costly as everything else when tried at every
#   position) is tried only where a word starts: where it matches inside a word it matches from the
#   word's start too, and is tried there first. Without an "@" in the text it is not tried at all.
_RUN = (
    r"[\d_!\"$%(-/:-?\[-`{-~\u200b-\u2027\u202a-\u202e\u2030-\u205e\u2060-\u206f\u2190-\u2bff\ufe0f"
    r"\U0001f000-\U0001faff]+"
)
_FAST_NOISE = re.compile(rf"https?://\S+|www\.\S+|(?<!\S)\S+@\S+\.\S+|[@#][\w-]+|&\w+;|{_RUN}|[@#&]")
_FAST_NOISE_NO_AT = re.compile(rf"https?://\S+|www\.\S+|[@#][\w-]+|&\w+;|{_RUN}|[@#&]")

# ASCII texts (nearly all of a brand stream) take a third way, under half the cost, with the same
# result. Their noise is of two kinds: single characters (digits, "_", ASCII punctuation but the
# apostrophe), which a byte translation turns into spaces, lower-casing the rest on the way, and the
# longer matches (URLs, www., handles, hashtags, entities), which only a pattern finds. Those are
# blanked first (`_strip_ascii`), then the table and the split/join run (`_squeeze`). The same
# result as `_NOISE`, because:
# - the e-mail alternative is ruled out first: it needs a non-space character before an "@"
#   (\S+@), so it cannot match where every "@" starts the text or follows a space; the other texts
#   take the general way;
# - `_ASCII_SPECIAL` is `_NOISE` without the e-mail alternative and the single characters, in the
#   same order, so it matches where `_NOISE` makes one of those matches. Where `_NOISE` matches a
#   digit run or one character instead, `_ASCII_SPECIAL` finds nothing (the alternatives tried
#   before are the same), and it cannot match from inside a digit run, where `_NOISE` does not
#   look: each of its alternatives starts with "h", "w", "@", "#" or "&", never a digit or "_";
# - without "://" and "www.", the hashtags, handles and entities can be blanked one kind after the
#   other (a pattern that starts with a literal is searched for with memchr: each costs less than
#   half of one pattern with the alternatives together). No match contains "#", "@" or "&" but as
#   its first character, so every "#", "@" and "&" of the text is a place where `_NOISE` looks, and
#   there it matches what the pattern for that character matches; and the space that blanks a match
#   ends a run of \w, "-" or ";" exactly where the match's first character ended it, so it changes
#   no other match;
# - every character outside those matches is removed by `_NOISE` iff it is a digit, "_" or
#   punctuation but the apostrophe: the table's set.
# How many spaces replace what never shows (the words are split and re-joined). The patterns run
# on the str, so their \S is str whitespace; bytes.split() does not split on U+001C-001F, which
# str.split() does, so the table makes those spaces too. ASCII is its own NFC and has no U+2019.
_ASCII_SPECIAL = re.compile(r"https?://\S+|www\.\S+|[@#][\w-]+|&\w+;")
_ASCII_HASHTAG = re.compile(r"#[\w-]+")
_ASCII_HANDLE = re.compile(r"@[\w-]+")
_ASCII_ENTITY = re.compile(r"&\w+;")
_ASCII_TABLE = bytes(
    32 if (33 <= i < 127 and not chr(i).isalpha() and i != 39) or 28 <= i < 32 else i + 32 * (65 <= i <= 90)
    for i in range(256)
)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Frequent English words that are not (common) words of another Latin-script language.
_EN_MARKERS = _words(
    "the and you your with this that have has are it it's its i'm i've i'll i'd my our they their"
    " them what when why how which there where been would could should can can't don't doesn't"
    " didn't isn't wasn't won't not but just really very get got from about all out if we he's she"
    " she's his him who than then too because some any like love great good bad best worst now"
    " today thanks thank please ever never only much more after before again that's there's what's"
    " you're we're they're lol omg wtf be of were had does did going need know think one buy"
    " bought use used work works time money problem problems quality price"
)
# English words that are also common words elsewhere ("i" Italian / Swedish / Polish, "is" Dutch,
# "so" / "was" / "will" / "also" German, "me" / "a" Romance...): they count half.
_EN_WEAK = _words("i is a to in on for so was will me at am her also still even want an")
# Function words of other Latin-script languages; one of them sends the text to the model.
_FOREIGN_MARKERS = _words(
    "der die das und ist nicht ich ein eine mit auf sehr aber wird auch noch schon kein sie wir"
    " el los las que y es muy pero por para con una del se lo mi su le les et est je pas une des"
    " du pour avec mais il elle nous vous o os e não é um uma com da em na ao che non è sono della"
    " het een en niet ik zijn van dat voor ve bir bu çok için ama ile de det som och att är inte"
    " jeg og er ikke yang dan tidak ini itu ang ng mga sa nie jest się że la di"
)

_lock = threading.Lock()
_identifiers: dict[tuple[str, ...] | None, object] = {}


def _load_identifier(languages: tuple[str, ...] | None):
    """One py3langid model per process and language set, loaded on first use."""
    ident = _identifiers.get(languages)
    if ident is not None:
        return ident
    with _lock:
        ident = _identifiers.get(languages)
        if ident is None:
            ident = _identifiers[languages] = _build_identifier(languages)
    return ident


# (ptc, pc, classes, nextmove, row, output): the arrays py3langid's LanguageIdentifier is built from.
Model = tuple[Any, Any, list[str], Any, Any, list[int]]
ModelLoader = Callable[[tuple[str, ...] | None], Model]


def bundled_model(languages: tuple[str, ...] | None) -> Model:
    """py3langid's bundled model restricted to `languages` (all of them for None), holding only
    their columns.

    The same as `LanguageIdentifier.from_model_file(...)` then `set_languages(languages)` (the same
    slicing, so the same answers: tests/analysis/test_language_detection.py compares them), except that
    set_languages keeps the full 97-language table as well: 28 MB per process that is never read.
    """
    import numpy as np
    from py3langid.langid import MODEL_DIR, MODEL_FILE
    from py3langid.modelio import load_model

    # MODEL_FILE is relative to the installed py3langid package: the bundled model.
    ptc, pc, classes, nextmove, row, output = load_model(MODEL_DIR / MODEL_FILE)
    ptc, pc = np.asarray(ptc), np.asarray(pc)
    if languages is not None:
        unknown = set(languages) - set(classes)
        if unknown:
            raise ValueError(f"Unknown language code(s): {unknown}")
        keep = [i for i, c in enumerate(classes) if c in set(languages)]
        ptc, pc, classes = ptc[:, keep], pc[keep], [classes[i] for i in keep]
    return ptc, pc, classes, nextmove, row, output


_model_loader: ModelLoader = bundled_model


def use_model_loader(loader: ModelLoader) -> None:
    """Where models loaded from now on come from (`bundled_model` by default). The application
    installs one that keeps an uncompressed copy (monitor/mentions/langid_cache.py): this package does no
    I/O of its own. It must return exactly what `bundled_model` returns."""
    global _model_loader
    _model_loader = loader


def _build_identifier(languages: tuple[str, ...] | None):
    from py3langid.langid import LanguageIdentifier

    ptc, pc, classes, nextmove, row, output = _model_loader(languages)
    return LanguageIdentifier(ptc, pc, classes, nextmove, output, norm_probs=True, tk_row=row)


def clean(text: str) -> str:
    """The text the detector looks at: no URLs, handles, hashtags, digits or symbols, lower case."""
    if text.isascii():
        stripped = _strip_ascii(text)
        if stripped is not None:
            return _squeeze(stripped)
    return _clean_general(text)


def _strip_ascii(text: str) -> str | None:
    """ASCII `text` with its URLs, handles, hashtags and entities blanked (`clean` is `_squeeze` of
    it), or None where an "@" may belong to an e-mail address."""
    if "@" in text and text.count("@") != text.count(" @") + text.startswith("@"):
        return None
    if "://" in text or "www." in text:
        return _ASCII_SPECIAL.sub(" ", text)
    if "#" in text:
        text = _ASCII_HASHTAG.sub(" ", text)
    if "@" in text:
        text = _ASCII_HANDLE.sub(" ", text)
    if "&" in text:
        text = _ASCII_ENTITY.sub(" ", text)
    return text


def _squeeze(stripped: str) -> str:
    """`clean` of an ASCII text, from `_strip_ascii`'s result."""
    return b" ".join(stripped.encode().translate(_ASCII_TABLE).split()).decode()


def _clean_general(text: str) -> str:
    noise = _FAST_NOISE if "@" in text else _FAST_NOISE_NO_AT
    return " ".join(noise.sub(" ", text.replace("\u2019", "'")).split()).lower()


def _script_language(text: str) -> str | None:
    han = False
    for ch in text:
        if ch < "\u1100":
            continue
        if "\u3040" <= ch <= "\u30ff" or "\u31f0" <= ch <= "\u31ff" or "\uff66" <= ch <= "\uff9f":
            return "ja"
        if "\uac00" <= ch <= "\ud7af" or "\u1100" <= ch <= "\u11ff" or "\u3130" <= ch <= "\u318f":
            return "ko"
        if "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" or "\uf900" <= ch <= "\ufaff":
            han = True
    return "zh" if han else None


def _looks_english(cleaned: str) -> bool:
    if not cleaned.isascii():
        return False
    words = set(cleaned.split())
    if not words.isdisjoint(_FOREIGN_MARKERS):
        return False
    return 2 * len(words & _EN_MARKERS) + len(words & _EN_WEAK) >= 4


class BundledDetector:
    """`LanguageDetector` backed by py3langid's bundled model (see the module docstring)."""

    def __init__(
        self,
        languages: Sequence[str] | None = LANGUAGES,
        min_confidence: float = MIN_CONFIDENCE,
        min_letters: int = MIN_LETTERS,
        english_shortcut: bool = True,
        cache_size: int = CACHE_SIZE,
    ) -> None:
        self.languages = tuple(languages) if languages is not None else None
        self.min_confidence = min_confidence
        self.min_letters = min_letters
        self.english_shortcut = english_shortcut
        self.cache_size = cache_size
        self._cache: dict[str, str | None] = {}  # cleaned text -> answer
        self._stripped: dict[str, str | None] = {}  # `_strip_ascii` result -> answer

    def load(self) -> BundledDetector:
        """Load the model now (it is otherwise loaded on the first `detect`)."""
        _load_identifier(self.languages)
        return self

    def detect(self, text: str) -> str | None:
        if not text:
            return None
        # Everything below depends on the cleaned text alone, which repeats far more often than the
        # raw text does (retweets, templated posts, the same words with another number or hashtag).
        # An ASCII text is first looked up by `_strip_ascii`'s result, which determines the cleaned
        # text and already has its hashtags and handles blanked: a repeat then costs no table and
        # no split/join (40% of a cached detection). The answer kept for that key is the one for its
        # cleaned text, so the second cache changes no answer either.
        if text.isascii():
            stripped = _strip_ascii(text)
            if stripped is not None:
                known = self._stripped.get(stripped, _MISSING)
                if known is not _MISSING:
                    return known  # type: ignore[return-value]  # not _MISSING: a str or None
                answer = self._answer(_squeeze(stripped))
                self._remember(self._stripped, stripped, answer)
                return answer
        return self._answer(_clean_general(unicodedata.normalize("NFC", text)))

    def _answer(self, cleaned: str) -> str | None:
        known = self._cache.get(cleaned, _MISSING)
        if known is not _MISSING:
            return known  # type: ignore[return-value]  # not _MISSING: a str or None
        answer = self._decide(cleaned)
        self._remember(self._cache, cleaned, answer)
        return answer

    def _remember(self, cache: dict[str, str | None], key: str, answer: str | None) -> None:
        if self.cache_size > 0:
            if len(cache) >= self.cache_size:
                cache.clear()  # bounded; dict operations are atomic, so threads may share it
            cache[key] = answer

    def _decide(self, cleaned: str) -> str | None:
        if not cleaned.isascii():
            script = _script_language(cleaned)
            if script is not None:
                return script
        if len(cleaned) - cleaned.count(" ") - cleaned.count("'") < self.min_letters:
            return None
        if self.english_shortcut and _looks_english(cleaned):
            return "en"
        lang, confidence = _load_identifier(self.languages).classify(cleaned)
        if lang == "en":
            return "en"
        if confidence < self.min_confidence or len(lang) != 2:
            return None  # too uncertain, or py3langid's "zxx" / a code without an ISO 639-1 form
        return lang

    def detect_many(self, texts: Iterable[str]) -> list[str | None]:
        """`detect` over many texts (the model has no faster batch path; this is a convenience)."""
        return [self.detect(text) for text in texts]
