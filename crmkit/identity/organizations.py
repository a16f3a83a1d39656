"""Organisation names: strip legal forms and branches, key the rest across scripts, compare.

``ООО «Ромашка»``, ``Romashka LLC``, ``OOO Romashka``, ``Общество с ограниченной
ответственностью "Ромашка"`` and ``Ромашка, ООО`` all parse to the core ``romashka`` with the
legal form ``LLC``. The core is a :func:`~crmkit.identity.text.latin_key`, so Cyrillic and
Latin spellings agree; the legal form is a canonical code (``LLC``, ``JSC``, ``PJSC``,
``IP``...); a branch or department (``филиал``, ``отдел``, ``branch``, ``(Москва)``) is kept
apart in ``branch``. A name is never proof of identity: firms with similar names and different
INNs are different firms, and :func:`compare_org_names` only says how alike two names are.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import attrs
from anyascii import anyascii
from rapidfuzz import fuzz

from crmkit.identity.text import latin_key

__all__ = [
    "LEGAL_FORMS",
    "OrgName",
    "compare_org_names",
    "legal_forms_compatible",
    "org_name_key",
    "parse_org_name",
]

# Canonical code → every spelling (one word or a phrase), matched case-insensitively in any
# script through anyascii. Dotted spellings (О.О.О., S.A., L.L.C.) are found without dots.
LEGAL_FORMS: dict[str, tuple[str, ...]] = {
    "LLC": (
        "ООО",
        "OOO",
        "LLC",
        "Ltd",
        "Limited",
        "Общество с ограниченной ответственностью",
        "Limited Liability Company",
        "Company Limited",
        "Private Limited",
        "Private Limited Company",
        "Pty Ltd",
        "Pvt Ltd",
        "ТОВ",
        "ОсОО",
        "Товариство з обмеженою відповідальністю",
    ),
    "LLP": (
        "ТОО",
        "LLP",
        "Товарищество с ограниченной ответственностью",
        "Limited Liability Partnership",
    ),
    "ODO": ("ОДО", "Общество с дополнительной ответственностью"),
    "JSC": ("АО", "AO", "JSC", "Акционерное общество", "Joint Stock Company"),
    "CJSC": ("ЗАО", "ZAO", "CJSC", "Закрытое акционерное общество", "Closed Joint Stock Company"),
    "OJSC": ("ОАО", "OAO", "OJSC", "Открытое акционерное общество", "Open Joint Stock Company"),
    "PJSC": ("ПАО", "PAO", "PJSC", "Публичное акционерное общество", "Public Joint Stock Company"),
    "NAO": ("НАО", "NAO", "Непубличное акционерное общество", "Non-public Joint Stock Company"),
    "IP": (
        "ИП",
        "IP",
        "ПБОЮЛ",
        "ФОП",
        "Индивидуальный предприниматель",
        "Individual Entrepreneur",
        "Sole Proprietor",
        "Sole Trader",
    ),
    "KFH": (
        "КФХ",
        "Глава КФХ",
        "Крестьянское фермерское хозяйство",
        "Крестьянское хозяйство",
        "Глава крестьянского фермерского хозяйства",
    ),
    "GUP": ("ГУП", "Государственное унитарное предприятие"),
    "MUP": ("МУП", "Муниципальное унитарное предприятие"),
    "FGUP": ("ФГУП", "Федеральное государственное унитарное предприятие"),
    "FGBU": ("ФГБУ", "Федеральное государственное бюджетное учреждение"),
    "FGBOU": ("ФГБОУ", "Федеральное государственное бюджетное образовательное учреждение"),
    "FGAOU": ("ФГАОУ", "Федеральное государственное автономное образовательное учреждение"),
    "FGKU": ("ФГКУ", "Федеральное государственное казенное учреждение"),
    "FKU": ("ФКУ", "Федеральное казенное учреждение"),
    "GBU": ("ГБУ", "Государственное бюджетное учреждение"),
    "GBOU": ("ГБОУ", "Государственное бюджетное общеобразовательное учреждение"),
    "GBUZ": ("ГБУЗ", "Государственное бюджетное учреждение здравоохранения"),
    "GKU": ("ГКУ", "Государственное казенное учреждение"),
    "GAU": ("ГАУ", "Государственное автономное учреждение"),
    "MBU": ("МБУ", "Муниципальное бюджетное учреждение"),
    "MBOU": ("МБОУ", "Муниципальное бюджетное общеобразовательное учреждение"),
    "MBDOU": ("МБДОУ", "Муниципальное бюджетное дошкольное образовательное учреждение"),
    "MAOU": ("МАОУ", "Муниципальное автономное общеобразовательное учреждение"),
    "MAU": ("МАУ", "Муниципальное автономное учреждение"),
    "MKU": ("МКУ", "Муниципальное казенное учреждение"),
    "ANO": ("АНО", "Автономная некоммерческая организация"),
    "NKO": ("НКО", "Некоммерческая организация"),
    "NP": ("НП", "Некоммерческое партнерство"),
    "TSZH": ("ТСЖ", "Товарищество собственников жилья"),
    "TSN": ("ТСН", "Товарищество собственников недвижимости"),
    "SNT": ("СНТ", "Садоводческое некоммерческое товарищество"),
    "SPK": ("СПК", "Сельскохозяйственный производственный кооператив"),
    "GMBH": ("GmbH", "Gesellschaft mit beschränkter Haftung", "gGmbH"),
    "AG": ("AG", "Aktiengesellschaft"),
    "KG": ("KG", "Kommanditgesellschaft"),
    "SE": ("SE", "Societas Europaea"),
    "INC": ("Inc", "Incorporated"),
    "CORP": ("Corp", "Corporation"),
    "PLC": ("PLC", "Public Limited Company"),
    "LP": ("LP", "Limited Partnership"),
    "SA": ("SA", "Société anonyme", "Sociedad anónima"),
    "SAS": ("SAS",),
    "SARL": ("SARL",),
    "SRL": ("SRL",),
    "SPA": ("SpA",),
    "BV": ("BV",),
    "NV": ("NV",),
    "OY": ("Oy",),
    "AB": ("AB",),
    "SRO": ("sro", "s r o"),
    "SPZOO": ("sp z o o", "spzoo"),
    "KFT": ("Kft",),
    "CO": ("Co", "Company", "and Co", "и Ко", "и К"),
}

_PERSON_FORMS = frozenset({"IP", "KFH"})
_COMPATIBLE_GROUPS: tuple[frozenset[str], ...] = (
    frozenset(
        {"LLC", "LLP", "ODO", "GMBH", "SRL", "SARL", "SRO", "SPZOO", "BV", "KFT", "OY", "SAS"}
    ),
    frozenset(
        {"JSC", "CJSC", "OJSC", "PJSC", "NAO", "AG", "SA", "NV", "PLC", "SPA", "SE", "AB"}
        | {"INC", "CORP"}
    ),
    frozenset({"IP", "KFH"}),
    frozenset(
        {"GUP", "MUP", "FGUP", "FGBU", "FGBOU", "FGAOU", "FGKU", "FKU", "GBU", "GBOU", "GBUZ"}
        | {"GKU", "GAU", "MBU", "MBOU", "MBDOU", "MAOU", "MAU", "MKU"}
    ),
    frozenset({"ANO", "NKO", "NP", "TSZH", "TSN", "SNT"}),
)

_BRANCH_WORDS = frozenset(
    {
        "filial",
        "filiala",
        "filiale",
        "otdelenie",
        "otdel",
        "predstavitelstvo",
        "podrazdelenie",
        "obosoblennoe",
        "branch",
        "department",
        "dept",
        "division",
        "niederlassung",
        "zweigniederlassung",
    }
)
_ENGLISH_BRANCH_WORDS = frozenset({"branch", "department", "dept", "division"})
_PREPOSITIONS = frozenset({"v", "vo", "po", "na", "pri", "in", "at", "of"})
_BRANCH_NOISE = _PREPOSITIONS | frozenset({"g", "gor", "gorod", "city"})
_ADJECTIVE_ENDINGS = ("ский", "цкий", "ской", "ый", "ий", "ое", "ая")
_GENERIC_WORDS = frozenset(
    latin_key(word)
    for word in (
        "компания",
        "фирма",
        "группа",
        "компаний",
        "гк",
        "тд",
        "торговый",
        "дом",
        "холдинг",
        "company",
        "group",
        "holding",
        "firm",
        "the",
        "и",
        "and",
    )
)

_DASHES = re.compile("[‐‑‒–—―−]")
_PARENTHESES = re.compile(r"\(([^()]*)\)")
_FARMER = re.compile(r"\(\s*фермерское\s*\)")
_BRANCH_ABBREVIATION = re.compile(r"(?<!\w)ф-л(?!\w)")
_APOSTROPHES = re.compile(r"['’`ʼ]")
_APOSTROPHE_IN_WORD = re.compile(r"(?<=\w)'(?=\w)")
_QUOTES = re.compile(r"[«»\"„“”‘’‚‹›'`]")
_DOTTED = re.compile(r"(?<!\w)(?:\w\.){2,}")
_SEPARATORS = re.compile(r"\s+-+\s*|\s*-+\s+|[,;|]")
_WORD = re.compile(r"[^\W_]+")
_MAX_PHRASE = 8


@functools.lru_cache(maxsize=1 << 16)
def _light(word: str) -> str:
    """Return a lower-case ASCII form of one word, for matching legal forms and keywords."""
    text = word if word.isascii() else anyascii(word)
    return "".join(ch for ch in text.lower() if ch.isalnum())


def _spelling_key(spelling: str) -> tuple[str, ...]:
    folded = unicodedata.normalize("NFKC", spelling).casefold().replace("ё", "е")
    return tuple(_light(word) for word in _WORD.findall(folded))


_FORM_BY_SPELLING: dict[tuple[str, ...], str] = {
    _spelling_key(spelling): code
    for code, spellings in LEGAL_FORMS.items()
    for spelling in spellings
}
_SINGLE_FORMS = {key[0]: code for key, code in _FORM_BY_SPELLING.items() if len(key) == 1}
_PHRASE_FORMS = {key: code for key, code in _FORM_BY_SPELLING.items() if len(key) > 1}
_PHRASE_LENGTHS = sorted({len(key) for key in _PHRASE_FORMS}, reverse=True)
_PHRASE_STARTS = frozenset(key[0] for key in _PHRASE_FORMS)


@attrs.frozen
class OrgName:
    """An organisation name in parts.

    ``core`` is the :func:`~crmkit.identity.text.latin_key` of the name without legal form,
    quotes and branch (``"romashka"``); ``legal_form`` a canonical code from
    :data:`LEGAL_FORMS` (``"LLC"`` for ООО, LLC, Ltd...) or None; ``branch`` the latin key of
    the branch or department part (``"moskva"``), or None. ``is_person`` is True for an
    individual entrepreneur (ИП) or a farm head (КФХ): the name is then a person's name.
    """

    core: str
    legal_form: str | None = None
    branch: str | None = None
    is_person: bool = False


@attrs.define
class _Scan:
    """Legal forms found while scanning, with their positions."""

    forms: list[tuple[int, str]] = attrs.field(factory=list)

    def strip(self, words: list[str], offset: int = 0) -> list[str]:
        """Return ``words`` without legal forms: phrases anywhere, single words at the ends."""
        keys = [_light(word) for word in words]
        kept: list[int] = []
        index = 0
        while index < len(words):
            if keys[index] not in _PHRASE_STARTS:
                kept.append(index)
                index += 1
                continue
            for length in _PHRASE_LENGTHS:
                code = _PHRASE_FORMS.get(tuple(keys[index : index + length]))
                if code:
                    self.forms.append((offset + index, code))
                    index += length
                    break
            else:
                kept.append(index)
                index += 1
        while kept and keys[kept[0]] in _SINGLE_FORMS:
            self.forms.append((offset + kept[0], _SINGLE_FORMS[keys[kept[0]]]))
            kept.pop(0)
        while kept and keys[kept[-1]] in _SINGLE_FORMS:
            self.forms.append((offset + kept[-1], _SINGLE_FORMS[keys[kept[-1]]]))
            kept.pop()
        return [words[i] for i in kept]

    def legal_form(self) -> str | None:
        """Return the first legal form in the text, preferring any other to a bare ``Co``."""
        ordered = [code for _, code in sorted(self.forms)]
        return next((code for code in ordered if code != "CO"), ordered[0] if ordered else None)


def _is_form_word(word: str) -> bool:
    return _light(word) in _SINGLE_FORMS


def _split_branch(segments: list[list[str]]) -> tuple[list[str], list[str]]:
    """Return ``(name words, branch words)`` from the segments of a name."""
    for seg_index, words in enumerate(segments):
        keys = [_light(word) for word in words]
        hits = [i for i, key in enumerate(keys) if key in _BRANCH_WORDS]
        if not hits:
            continue
        k = hits[0]
        before = [w for segment in segments[:seg_index] for w in segment]
        if seg_index > 0:  # "ООО Ромашка, филиал в Москве"
            return before, [w for segment in segments[seg_index:] for w in segment]
        after_segments = [w for segment in segments[1:] for w in segment]
        prefix = k == 0 or (k + 1 < len(words) and _is_form_word(words[k + 1]))
        if prefix:  # "Филиал ООО «Ромашка» в Москве", "Московский филиал ООО Ромашка"
            rest = words[k + 1 :]
            cut = next((i for i, w in enumerate(rest) if _light(w) in _PREPOSITIONS), len(rest))
            return rest[:cut] + after_segments, words[: k + 1] + rest[cut:]
        forms_before = [i for i in range(1, k) if _is_form_word(words[i])]
        if forms_before:  # "Romashka LLC Moscow branch"
            start = forms_before[-1] + 1
        elif keys[k] in _ENGLISH_BRANCH_WORDS or words[k - 1].endswith(_ADJECTIVE_ENDINGS):
            start = k - 1 if k > 1 else k  # "Romashka Moscow branch", "Ромашка Московский филиал"
        else:
            start = k  # "Ромашка филиал Москва"
        return words[:start] + after_segments, words[start:]
    return [w for segment in segments for w in segment], []


def _branch_key(words: list[str]) -> str | None:
    keys = [_light(word) for word in words]
    useful = [w for w, key in zip(words, keys, strict=True) if key not in _BRANCH_NOISE]
    meaningful = [w for w in useful if _light(w) not in _BRANCH_WORDS]
    return latin_key(" ".join(meaningful or useful)) or None


def _undot(match: re.Match[str]) -> str:
    return match.group(0).replace(".", "")


@functools.lru_cache(maxsize=1 << 16)
def parse_org_name(name: str) -> OrgName:
    """Return the core, legal form and branch of an organisation name.

    Legal forms are recognised in every spelling and position: abbreviations (``ООО``,
    ``OOO`` in Latin letters, ``LLC``, ``Ltd``, ``АО``/``AO``/``JSC``, ``ЗАО``, ``ОАО``,
    ``ПАО``, ``НАО``, ``ИП``, ``ГУП``, ``ФГБУ``, ``АНО``, ``GmbH``, ``AG``, ``Inc``,
    ``S.A.``, ``B.V.``...) at the start or the end, and spelled-out forms (``Общество с
    ограниченной ответственностью``, ``Joint Stock Company``) anywhere, in any case. Quotes
    of every kind are removed and dashes normalised. A branch is a part in parentheses that is
    not a legal form (``(Москва)``), or the part introduced by ``филиал``, ``отдел``,
    ``отделение``, ``представительство``, ``branch``, ``department``... before or after
    the name. A name that is nothing but a legal form has an empty core.
    """
    text = _DASHES.sub("-", unicodedata.normalize("NFKC", name).casefold().replace("ё", "е"))
    scan = _Scan()
    branch_words: list[str] = []
    if "-" in text:
        text = _BRANCH_ABBREVIATION.sub(" филиал ", text)
    if "(" in text:
        text = _FARMER.sub(" фермерское ", text)
        for content in _PARENTHESES.findall(text):
            words = _WORD.findall(content)
            if words and not scan.strip(words, offset=-1):
                continue  # "(ООО)": only a legal form
            branch_words += words
        text = _PARENTHESES.sub(" ", text)
    if _APOSTROPHES.search(text):
        text = _APOSTROPHE_IN_WORD.sub("", _APOSTROPHES.sub("'", text))
    text = _QUOTES.sub(" ", text)
    if "." in text:
        text = _DOTTED.sub(_undot, text)
    segments = [_WORD.findall(part) for part in _SEPARATORS.split(text)]
    name_words, segment_branch = _split_branch([s for s in segments if s])
    core_words = scan.strip(name_words)
    branch_words = scan.strip(segment_branch) + branch_words
    form = scan.legal_form()
    return OrgName(
        core=latin_key(" ".join(core_words)),
        legal_form=form,
        branch=_branch_key(branch_words) if branch_words else None,
        is_person=form in _PERSON_FORMS,
    )


def _as_org(name: OrgName | str) -> OrgName:
    return parse_org_name(name) if isinstance(name, str) else name


def compare_org_names(a: OrgName | str, b: OrgName | str) -> float:
    """Return how alike two organisation names are, in [0, 1], comparing their cores.

    ``1.0`` only when the cores are equal (legal forms and branches are not compared: see
    :func:`legal_forms_compatible`). Otherwise the mean of rapidfuzz's token-set and
    token-sort ratios, or the plain ratio of the cores without spaces when that is higher
    (``Ромашка Трейд`` / ``РомашкаТрейд``), capped at 0.99: ``Ромашка`` and
    ``Ромашка-Трейд`` share every word of the shorter name yet are not the same name.
    An empty core gives ``0.0``.
    """
    core_a, core_b = _as_org(a).core, _as_org(b).core
    if not core_a or not core_b:
        return 0.0
    if core_a == core_b:
        return 1.0
    tokens = (fuzz.token_set_ratio(core_a, core_b) + fuzz.token_sort_ratio(core_a, core_b)) / 2
    joined = fuzz.ratio(core_a.replace(" ", ""), core_b.replace(" ", ""))
    return min(max(tokens, joined) / 100.0, 0.99)


def org_name_key(name: OrgName | str) -> str:
    """Return a blocking key: the core's words without generic ones, sorted, space-separated.

    Generic words (``компания``, ``группа компаний``, ``торговый дом``, ``company``,
    ``group``, ``holding``) are left out, so ``ТД Ромашка`` and ``Romashka Group`` share the
    key ``romashka``, and word order does not matter. A core of generic words only is its
    own key.
    """
    core = _as_org(name).core
    words = core.split()
    significant = sorted(word for word in words if word not in _GENERIC_WORDS)
    return " ".join(significant or sorted(words))


def legal_forms_compatible(a: str | None, b: str | None) -> bool:
    """Return True when two legal-form codes may belong to one organisation.

    An unknown form or ``CO`` is compatible with anything; otherwise forms are compatible
    within a family: limited-liability companies (``LLC``, ``GmbH``...), joint-stock
    companies (``JSC``, ``CJSC``, ``PJSC``... since ЗАО and ОАО re-registered as АО and
    ПАО in 2014, they must not be told apart), individual entrepreneurs, state and municipal
    bodies, non-profits.
    """
    if a is None or b is None or a == b or "CO" in {a, b}:
        return True
    return any(a in group and b in group for group in _COMPATIBLE_GROUPS)
