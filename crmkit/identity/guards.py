"""Over-merge guards: values that must never link two records on their own.

Four known guards, combined: placeholder values (``0000000000``, ``-``, ``null``,
``test@test.ru``), role mailboxes (``info@``, ``sales@``, ``zakaz@``), free-mail domains (a
shared ``gmail.com`` says nothing about two firms), and a fan-out cap: a key shared by more
distinct people or firms than the cap (an office switchboard) is not trusted as evidence.
"""

from __future__ import annotations

import re

import attrs

ROLE_MAILBOXES = frozenset(
    {
        "info",
        "sales",
        "office",
        "admin",
        "support",
        "help",
        "hello",
        "contact",
        "contacts",
        "mail",
        "post",
        "reception",
        "secretary",
        "hr",
        "job",
        "jobs",
        "career",
        "buh",
        "buhgalter",
        "buhgalteriya",
        "accounting",
        "accounts",
        "finance",
        "billing",
        "invoice",
        "zakaz",
        "zakazy",
        "order",
        "orders",
        "shop",
        "store",
        "manager",
        "managers",
        "sale",
        "opt",
        "snab",
        "supply",
        "purchase",
        "purchasing",
        "tender",
        "marketing",
        "press",
        "pr",
        "noreply",
        "no-reply",
        "webmaster",
        "postmaster",
        "abuse",
        "service",
        "team",
        "client",
        "clients",
        "kanc",
        "kancelyariya",
        "priemnaya",
        "secretar",
        "dir",
        "director",
        "logistics",
        "delivery",
        "dostavka",
        "sklad",
        "warehouse",
        "it",
        "security",
    }
)

FREE_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "yandex.ru",
        "ya.ru",
        "yandex.com",
        "yandex.by",
        "yandex.kz",
        "yandex.ua",
        "mail.ru",
        "inbox.ru",
        "list.ru",
        "bk.ru",
        "internet.ru",
        "rambler.ru",
        "lenta.ru",
        "autorambler.ru",
        "ro.ru",
        "hotmail.com",
        "outlook.com",
        "live.com",
        "msn.com",
        "yahoo.com",
        "ymail.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "aol.com",
        "gmx.de",
        "gmx.net",
        "web.de",
        "t-online.de",
        "proton.me",
        "protonmail.com",
        "zoho.com",
        "qip.ru",
        "ngs.ru",
        "e1.ru",
        "ukr.net",
        "tut.by",
        "mail.ua",
    }
)

PLACEHOLDER_VALUES = frozenset(
    {
        "-",
        "--",
        "---",
        ".",
        "0",
        "null",
        "none",
        "nil",
        "n/a",
        "na",
        "нет",
        "не указан",
        "unknown",
        "test",
        "x",
        "xxx",
        "?",
        "test@test.ru",
        "test@test.com",
        "test@example.com",
        "example@example.com",
        "noemail@noemail.ru",
        "no@email.ru",
        "a@a.ru",
        "1@1.ru",
        "123@123.ru",
        "nomail@mail.ru",
        "email@email.com",
        "mail@mail.ru",
    }
)

_REPEATED = re.compile(r"^(?:\+?\d)?(\d)\1+$")
_SEQUENCES = ("0123456789", "1234567890", "9876543210")
#: Local parts typed to get past a required e-mail field.
_FILLER_LOCALS = frozenset(
    {"test", "noemail", "nomail", "none", "no", "null", "empty", "net", "asd", "qwe", "qwerty"}
)
DEFAULT_FAN_OUT_CAP = 6
_LOCAL_PARTS = re.compile(r"[.\-_+]")


@attrs.frozen
class Guards:
    """The guard lists and the fan-out cap; every list can be replaced or extended."""

    role_mailboxes: frozenset[str] = ROLE_MAILBOXES
    free_mail_domains: frozenset[str] = FREE_MAIL_DOMAINS
    placeholders: frozenset[str] = PLACEHOLDER_VALUES
    fan_out_cap: int = DEFAULT_FAN_OUT_CAP

    def is_placeholder(self, value: str) -> bool:
        """Return True for filler values: ``-``, ``null``, ``0000000000``, ``+71111111111``..."""
        text = value.strip().lower()
        if not text or text in self.placeholders:
            return True
        digits = text.lstrip("+")
        if digits.isdigit():
            return bool(_REPEATED.match(text)) or any(s in digits for s in _SEQUENCES)
        local, _, domain = text.partition("@")
        if not domain:
            return False
        label = domain.partition(".")[0]
        return (
            local in _FILLER_LOCALS
            or (local == label and (len(local) <= 3 or local.isdigit()))  # noqa: PLR2004 - a@a.ru
            or domain.startswith(("test.", "example."))
        )

    def is_role_mailbox(self, email: str) -> bool:
        """Return True for shared mailboxes such as ``info@``, ``zakaz@`` or ``sales-msk@``."""
        local = email.partition("@")[0].lower()
        return local in self.role_mailboxes or _LOCAL_PARTS.split(local)[0] in self.role_mailboxes

    def is_free_mail(self, email: str) -> bool:
        """Return True when the address is at a free-mail provider such as gmail.com."""
        return email.rpartition("@")[2].lower() in self.free_mail_domains
