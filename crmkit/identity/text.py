"""Text keys for matching names across scripts: folding, a transliteration key and similarity.

:func:`latin_key` is the workhorse. It turns a name in Cyrillic or in any of the usual Latin
transliterations of it into one ASCII key, so that ``Юлия``, ``Yulia``, ``Iuliia``, ``Julia``
and ``Yuliya`` all become ``iulia`` and ``Воробьёв``, ``Vorobyov`` and ``Vorobiev`` all
become ``vorobev``. It is not a phonetic algorithm: it is a deterministic folding of
transliteration variants, strict enough to keep different names apart. Grammatical gender is
kept (``Петров`` → ``petrov``, ``Петрова`` → ``petrova``): a man and his wife are different
people, and a matcher must be able to see that.

How a word becomes a key:

1. NFKC, case-folding, ``ё`` → ``е``; apostrophes, soft and hard signs are dropped (so
   ``Natal'ya`` and ``Наталья`` spell alike); punctuation separates words.
2. Cyrillic (and every other script) becomes Latin through anyascii (``ю`` → ``yu``,
   ``я`` → ``ya``, ``й`` → ``y``...), except the hushing and hissing letters, which become
   one-letter codes at once: ``ш``/``щ``, ``ж``, ``х``, ``ч``, ``ц`` (and ISO 9 ``š``,
   ``ž``, ``č``, ``ŝ``). Working on codes keeps a later step from gluing ``ц`` + ``ш`` into
   a new digraph.
3. Latin spelling variants are folded in one left-to-right pass into the same codes or
   letters: ``shch``/``sch``/``sh`` → ш (so ``Щукин`` and ``Шукин`` share a key, and
   ``сч`` counts as ``щ``), ``tsch``/``tch``/``ch``/``cz`` → ч (``тч`` too), ``zh`` → ж,
   ``kh`` and a lone ``h`` → х (``Habibullin`` = ``Khabibullin``), ``ts``/``tz`` → ц,
   ``x`` → ``ks``, ``w`` → ``v``, ``q`` → ``k``, ``ph`` → ``f``, ``th`` → ``t``, ``ck``
   → ``k``, ``c`` → ``s`` before ``e``/``i``/``y`` and ``k`` elsewhere, ``ou`` → ``u``
   and ``jou`` → ``zhu`` (French ``Joukov``), a final ``ff`` → ``v`` (``Smirnoff``).
4. ``y`` and ``j`` become ``i``; doubled letters collapse (``ll``, ``nn``, ``ii``); ``ie``
   becomes ``e`` everywhere and ``io`` becomes ``e`` except at the start of the word
   (``Yevgeny`` = ``Evgeny``, ``Vorobiev`` = ``Vorobev``, ``Fyodor`` = ``Fedor``, but
   ``Iosif`` and ``Iona`` keep their ``io``); doubled letters collapse once more.
5. The codes are written out: ш → ``sh``, ж → ``zh``, х → ``kh``, ч → ``ch``, ц → ``ts``.

The key is made of lower-case ASCII letters, digits and single spaces between words. Keys of
real names are fixed points (keying a key changes nothing); contrived letter sequences such as
``тш`` may not be.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from anyascii import anyascii
from rapidfuzz.distance import JaroWinkler

__all__ = ["fold", "latin_key", "similarity"]

_NON_WORD = re.compile(r"[\W_]+")

# One-letter codes for the hushing and hissing consonants while a word is processed.
_SH, _ZH, _KH, _CH, _TS = "S", "Z", "X", "C", "T"
_CODES_OUT = str.maketrans({_SH: "sh", _ZH: "zh", _KH: "kh", _CH: "ch", _TS: "ts"})

# Characters removed or rewritten before transliteration (applied after case-folding).
_DROPPED = "ьъ'’ʼʹ`´‘ʻ"
_PRE_TABLE: dict[int, str | None] = {ord(ch): None for ch in _DROPPED}
_PRE_TABLE.update(
    {
        ord("ё"): "е",
        ord("ш"): _SH,
        ord("щ"): _SH,
        ord("ж"): _ZH,
        ord("х"): _KH,
        ord("ч"): _CH,
        ord("ц"): _TS,
        ord("š"): _SH,
        ord("ŝ"): _SH,
        ord("ž"): _ZH,
        ord("č"): _CH,
        ord("ĉ"): _CH,
        ord("ǆ"): "d" + _ZH,
        ord("ғ"): "g",
    }
)
# ASCII punctuation and symbols separate words; so do the usual typographic marks.
_SPACE_TABLE: dict[int, str | None] = {
    cp: " " for cp in range(128) if not chr(cp).isalnum() and cp not in _PRE_TABLE
}
_PRE_TABLE.update(_SPACE_TABLE)
_PRE_TABLE.update(dict.fromkeys(map(ord, "«»„“”‚‹›–—―‐‑‒−…№·•"), " "))
# Cyrillic through anyascii once, at import, so that the hot path is a C-level translate.
_PRE_TABLE.update(
    {cp: anyascii(chr(cp)).lower() for cp in range(0x0400, 0x0530) if cp not in _PRE_TABLE}
)
# After anyascii (other scripts): drop its apostrophes, lower-case what is not a code.
_ANYASCII_TABLE: dict[int, str | None] = dict(_SPACE_TABLE)
_ANYASCII_TABLE.update({ord("'"): None, ord("`"): None})
_ANYASCII_TABLE.update(
    {cp: chr(cp).lower() for cp in range(ord("A"), ord("Z") + 1) if chr(cp) not in "SZXCT"}
)

# Step 3: Latin spelling variants, longest alternatives first at each starting letter.
_VARIANTS = re.compile(
    r"shch|sch|s"
    + _CH
    + r"|sh|tsch|tch|t"
    + _CH
    + r"|ts|tz|th|jou|zh|kh|ch|cz|ck|c|ph|ff$|ou|x|h|w|q"
)
_VARIANT_MAP = {
    "shch": _SH,
    "sch": _SH,
    "s" + _CH: _SH,
    "sh": _SH,
    "tsch": _CH,
    "tch": _CH,
    "t" + _CH: _CH,
    "ts": _TS,
    "tz": _TS,
    "th": "t",
    "jou": _ZH + "u",
    "zh": _ZH,
    "kh": _KH,
    "ch": _CH,
    "cz": _CH,
    "ck": "k",
    "c": "k",
    "ph": "f",
    "ff": "v",
    "ou": "u",
    "x": "ks",
    "h": _KH,
    "w": "v",
    "q": "k",
}
_SOFT_C = frozenset("eiy")
_GLIDE_TABLE = str.maketrans({"y": "i", "j": "i"})
_DOUBLES = re.compile(r"([a-zA-Z])\1+")
_GLIDES = re.compile(r"ie|(?<=.)io")


def _variant(match: re.Match[str]) -> str:
    found = match.group(0)
    if found == "c":  # a soft c sounds s (Cecilia), a hard one k (Victor, Marc)
        return "s" if match.string[match.end() : match.end() + 1] in _SOFT_C else "k"
    return _VARIANT_MAP[found]


def _single(match: re.Match[str]) -> str:
    return match.group(1)


@functools.lru_cache(maxsize=1 << 16)
def fold(text: str) -> str:
    """Return ``text`` for comparison within one script.

    NFKC, case-folded, ``ё`` as ``е``, every run of punctuation, symbols and white space as
    one space, trimmed: ``"  ООО «Ёлка»!"`` → ``"ооо елка"``.
    """
    folded = unicodedata.normalize("NFKC", text).casefold().replace("ё", "е")
    return _NON_WORD.sub(" ", folded).strip()


@functools.lru_cache(maxsize=1 << 17)
def _word_key(word: str) -> str:
    """Return the key of one ASCII word in lower case and codes (steps 3 to 5 of the module)."""
    if word.isdigit():
        return word
    key = _VARIANTS.sub(_variant, word).translate(_GLIDE_TABLE)
    if _DOUBLES.search(key):
        key = _DOUBLES.sub(_single, key)
    if _GLIDES.search(key):
        key = _GLIDES.sub("e", key)
        if _DOUBLES.search(key):
            key = _DOUBLES.sub(_single, key)
    return key.translate(_CODES_OUT)


@functools.lru_cache(maxsize=1 << 16)
def latin_key(text: str) -> str:
    """Return a script-independent matching key for ``text`` (see the module docstring).

    Cyrillic and its usual Latin transliterations agree: ``latin_key("Юлия") ==
    latin_key("Iuliia") == "iulia"``, ``latin_key("Щукин") == latin_key("Schukin")``.
    Different names stay apart (``Иван`` → ``ivan``, ``Иона`` → ``iona``) and so does
    grammatical gender (``Петров`` → ``petrov``, ``Петрова`` → ``petrova``). Words are
    separated by single spaces; hyphens and punctuation separate words too. An empty or
    all-punctuation ``text`` gives ``""``.
    """
    lowered = unicodedata.normalize("NFKC", text).casefold().translate(_PRE_TABLE)
    if not lowered.isascii():
        lowered = anyascii(lowered).translate(_ANYASCII_TABLE)
    return " ".join([key for word in lowered.split() if (key := _word_key(word))])


def similarity(a: str, b: str) -> float:
    """Return the Jaro-Winkler similarity of the latin keys of ``a`` and ``b``, in [0, 1].

    ``1.0`` means the keys are equal. When either key is empty there is nothing to compare
    and the result is ``0.0``.
    """
    key_a, key_b = latin_key(a), latin_key(b)
    if not key_a or not key_b:
        return 0.0
    if key_a == key_b:
        return 1.0
    return float(JaroWinkler.normalized_similarity(key_a, key_b))
