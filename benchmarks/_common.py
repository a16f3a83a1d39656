"""Shared benchmark helpers: a deterministic generator of messy generic customer records.

The records look like what 1C, SAP and web-shop exports really send: persons and
organizations, Cyrillic and Latin names, phones in half a dozen formats, mixed-case e-mails,
postal addresses, INN (with valid check digits, mostly), ``updated_at`` with ``Z`` or an
offset, unknown extra fields, ``null`` where a value is missing. A small share of lines
repeat an earlier line exactly or are broken (dead letters), as real export files do;
``SHARE_CHANGED`` can add changed copies of earlier records too (off by default, so that a
second import of the same file changes nothing).

Line ``i`` depends only on ``(seed, i)``, so files are reproducible and written as a stream:
nothing is held in memory however many records are generated.
"""

from __future__ import annotations

import random
import sys
import time
from typing import IO, TYPE_CHECKING, Any

import msgspec

if TYPE_CHECKING:
    from pathlib import Path

SHARE_REPEATED = 0.002  # the very same line again (the source re-exported it): unchanged
SHARE_CHANGED = 0.0  # an earlier record again, changed (0: exports are snapshots)
SHARE_BROKEN = 0.0005  # malformed JSON or a structurally invalid record: dead letters

_RU_MALE = ("Иван", "Пётр", "Сергей", "Алексей", "Дмитрий", "Юлий", "Андрей", "Михаил", "Олег")
_RU_FEMALE = ("Анна", "Мария", "Елена", "Ольга", "Татьяна", "Наталья", "Ирина", "Дарья")
_RU_FAMILY = ("Петров", "Иванов", "Смирнов", "Кузнецов", "Воробьёв", "Соколов", "Попов", "Лебедев")
_RU_PATRONYMIC = ("Иванович", "Сергеевич", "Андреевич", "Петрович", "Алексеевич", "Олегович")
_LAT_GIVEN = ("Ivan", "Petr", "Sergey", "Anna", "Maria", "Elena", "Dmitry", "Olga", "John", "Eva")
_LAT_FAMILY = ("Petrov", "Ivanova", "Smirnov", "Kuznetsova", "Vorobyov", "Sokolov", "Miller")
_ORG_WORDS = ("Ромашка", "Василёк", "Техносервис", "Северный ветер", "Альфа-Трейд", "Стройинвест")
_ORG_LATIN = ("Romashka", "Vasilek", "Technoservice", "Nordwind", "Alpha Trade", "Stroyinvest")
_ORG_FORMS = ("ООО «{}»", "АО «{}»", 'ООО "{}"', "ПАО «{}»", "ИП {}")
_ORG_LATIN_FORMS = ("{} LLC", "{} GmbH", "{} JSC", "{} Ltd.")
_CITIES = (
    ("г. Москва", "101000", "77"),
    ("Санкт-Петербург", "191025", "78"),
    ("Казань", "420111", "16"),
    ("Moscow", "125009", "77"),
    ("Новосибирск", "630099", "54"),
    ("Екатеринбург", "620014", "66"),
)
_STREETS = ("ул. Ленина", "Невский пр-т", "ul. Tverskaya", "пр. Мира", "Садовая ул.", "Lenina st.")
_DOMAINS = ("yandex.ru", "mail.ru", "gmail.com", "romashka.ru", "bk.ru", "example.com")
_COUNTRIES = ("RU", "ru", "Russia", "RU", "RU", None)
_INN10_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS_1 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS_2 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_BROKEN = (
    '{"external_id": "{id}", "kind": "person", "name": "Обрыв строки',
    '{"external_id": "   ", "kind": "person", "name": "Без кода"}',
    '{"external_id": "{id}", "kind": "company", "name": "Неизвестный вид"}',
    '{"external_id": "{id}", "phones": "+7 916 000-00-00"}',
    '{"kind": "person", "name": "Без external_id"}',
    '["not", "an", "object"]',
)


def _check_digit(digits: list[int], weights: tuple[int, ...]) -> int:
    return sum(d * w for d, w in zip(digits, weights, strict=False)) % 11 % 10


def inn(rng: random.Random, *, person: bool) -> str:
    """Return a random INN with valid check digits: 12 digits for a person, 10 otherwise."""
    if person:
        digits = [rng.randrange(10) for _ in range(10)]
        digits.append(_check_digit(digits, _INN12_WEIGHTS_1))
        digits.append(_check_digit(digits, _INN12_WEIGHTS_2))
    else:
        digits = [rng.randrange(10) for _ in range(9)]
        digits.append(_check_digit(digits, _INN10_WEIGHTS))
    return "".join(map(str, digits))


def phone(rng: random.Random) -> str:
    """Return a Russian (sometimes German) phone number in one of the formats sources use."""
    code = rng.choice(("495", "812", "916", "903", "926", "843"))
    a, b, c = rng.randrange(1000), rng.randrange(100), rng.randrange(100)
    formats = (
        f"8 ({code}) {a:03d}-{b:02d}-{c:02d}",
        f"+7 {code} {a:03d} {b:02d}{c:02d}",
        f"7{code}{a:03d}{b:02d}{c:02d}",
        f"8-{code}-{a:03d}-{b:02d}-{c:02d}",
        f"+7({code}){a:03d}{b:02d}{c:02d}",
        f" {code} {a:03d} {b:02d} {c:02d} ",
        f"+49 30 {a:03d}{b:02d}{c:02d}",
    )
    return rng.choice(formats)


def _address(rng: random.Random) -> dict[str, Any]:
    city, postcode, region = rng.choice(_CITIES)
    address: dict[str, Any] = {
        "line": f"{rng.choice(_STREETS)}, д. {rng.randrange(1, 200)}, кв. {rng.randrange(1, 300)}",
        "city": city,
        "postcode": postcode,
        "country": rng.choice(_COUNTRIES),
    }
    if rng.random() < 0.3:
        address["region"] = region
    return address


def _person(rng: random.Random, record: dict[str, Any]) -> None:
    if rng.random() < 0.6:
        female = rng.random() < 0.5
        given = rng.choice(_RU_FEMALE if female else _RU_MALE)
        family = rng.choice(_RU_FAMILY) + ("а" if female else "")
        patronymic = rng.choice(_RU_PATRONYMIC)
        patronymic = patronymic.removesuffix("ич") + "на" if female else patronymic
        record["name"] = f"{family} {given} {patronymic}"
    else:
        given, family = rng.choice(_LAT_GIVEN), rng.choice(_LAT_FAMILY)
        record["name"] = f"{given} {family}" if rng.random() < 0.5 else None
    record["given_name"], record["family_name"] = given, family
    if rng.random() < 0.4:
        year, month, day = rng.randrange(1950, 2005), rng.randrange(1, 13), rng.randrange(1, 29)
        record["birth_date"] = f"{year}-{month:02d}-{day:02d}"
    if rng.random() < 0.3:
        record["identifiers"] = {"inn": inn(rng, person=True)}
    user = f"{given}.{family}".lower() if given.isascii() else f"user{rng.randrange(10**6)}"
    email = f"{user}@{rng.choice(_DOMAINS)}"
    if rng.random() < 0.2:
        email = f" {email.capitalize()} "
    record["emails"] = [email] if rng.random() < 0.8 else []


def _organization(rng: random.Random, record: dict[str, Any]) -> None:
    if rng.random() < 0.7:
        record["name"] = rng.choice(_ORG_FORMS).format(rng.choice(_ORG_WORDS))
    else:
        record["name"] = rng.choice(_ORG_LATIN_FORMS).format(rng.choice(_ORG_LATIN))
    identifiers = {"inn": inn(rng, person=False)}
    if rng.random() < 0.5:
        identifiers["kpp"] = f"{rng.randrange(10**9):09d}"
    if rng.random() < 0.02:
        identifiers["inn"] = identifiers["inn"][:-1] + "0"  # a typo: the check digit is off
    record["identifiers"] = identifiers
    record["emails"] = [f"Info@{rng.choice(_ORG_LATIN).replace(' ', '-')}.RU"]
    record["website"] = "https://example.com/" + rng.choice(_ORG_LATIN).lower().replace(" ", "-")
    given, family = rng.choice(_RU_MALE), rng.choice(_RU_FAMILY)
    record["contact_name"] = f"{family} {given} {rng.choice(_RU_PATRONYMIC)}"


def external_id(seed: int, index: int) -> str:
    """Return the external id of record ``index``: 1C GUIDs, web-shop and SAP style codes."""
    rng = random.Random(seed * 7_919 + index)
    style = index % 3
    if style == 0:
        return f"{rng.getrandbits(32):08x}-{index % 65536:04x}-11ee-8c90-{index:012x}"
    if style == 1:
        return f"wc-{index}"
    return f"  CUST-{index:09d} " if index % 50 == 0 else f"CUST-{index:09d}"


def record(seed: int, index: int, revision: int = 0) -> dict[str, Any]:
    """Return generic customer record ``index``; ``revision`` > 0 is a later, changed copy."""
    rng = random.Random(seed * 1_000_003 + index)
    data: dict[str, Any] = {"external_id": external_id(seed, index)}
    organization = rng.random() < 0.35
    data["kind"] = "organization" if organization else rng.choice(("person", "person", None))
    (_organization if organization else _person)(rng, data)
    data["phones"] = [phone(rng) for _ in range(rng.choice((0, 1, 1, 1, 2, 3)))]
    data["addresses"] = [_address(rng)] if rng.random() < 0.75 else []
    month, day, hour = rng.randrange(1, 11), rng.randrange(1, 29), rng.randrange(24)
    zone = rng.choice(("+03:00", "Z", "+00:00"))
    data["updated_at"] = f"2026-{month:02d}-{day:02d}T{hour:02d}:{rng.randrange(60):02d}:00{zone}"
    if rng.random() < 0.3:
        data["attributes"] = {"segment": rng.choice(("b2b", "b2c", "vip")), "score": rng.random()}
    if rng.random() < 0.2:
        data["ПометкаУдаления"] = False
    if revision:
        data["updated_at"] = f"2026-11-{revision:02d}T12:00:00+03:00"
        data["phones"].append(phone(random.Random(index + revision)))
    return data


def _broken_line(seed: int, index: int) -> bytes:
    template = _BROKEN[index % len(_BROKEN)]
    return template.replace("{id}", external_id(seed, index)).encode()


def line(seed: int, index: int, rng: random.Random) -> bytes:
    """Return JSON line ``index`` (without newline), repeating or breaking a small share."""
    roll = rng.random()
    encode = msgspec.json.encode
    if index > 100 and roll < SHARE_REPEATED:
        return encode(record(seed, rng.randrange(index)))
    if index > 100 and roll < SHARE_REPEATED + SHARE_CHANGED:
        return encode(record(seed, rng.randrange(index), revision=1 + index % 27))
    if roll < SHARE_REPEATED + SHARE_CHANGED + SHARE_BROKEN:
        return _broken_line(seed, index)
    return encode(record(seed, index))


def write_records(
    path: Path, count: int, seed: int = 20261123, report: IO[str] | None = None
) -> int:
    """Write ``count`` JSON lines to ``path`` as a stream; return the file size in bytes."""
    report = report or sys.stderr
    rng = random.Random(seed)
    started = last = time.monotonic()
    size = 0
    with path.open("wb", buffering=1024 * 1024) as out:
        for index in range(count):
            text = line(seed, index, rng) + b"\n"
            size += len(text)
            out.write(text)
            now = time.monotonic()
            if now - last >= 5:
                last = now
                print(f"  generated {index + 1:,} of {count:,} lines", file=report, flush=True)
    seconds = time.monotonic() - started
    print(
        f"  generated {count:,} lines, {size / 2**20:.0f} MiB "
        f"({size / max(count, 1):.0f} bytes a line) in {seconds:.0f} s",
        file=report,
        flush=True,
    )
    return size
