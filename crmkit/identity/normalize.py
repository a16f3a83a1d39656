"""Turn a record's raw facts into normal forms through the ``normalize_*`` hooks.

A value a hook cannot normalise is never dropped: it is kept raw with the reason, and left
out of matching. A run over many records uses :meth:`Normalizer.cached`, which asks the
hooks once per distinct value (households, switchboards and the same customer in several
sources repeat most phones, e-mails and addresses).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import attrs

from crmkit.domain import Address, ContactKind, ContactPoint
from crmkit.plugins import direct_call

if TYPE_CHECKING:
    from crmkit.domain import PartyFacts


@attrs.frozen
class NormalizedFacts:
    """A record's facts in normal form, with every value that could not be normalised."""

    contact_points: tuple[ContactPoint, ...]
    addresses: tuple[Address, ...]
    identifiers: dict[str, str]
    problems: tuple[str, ...]
    name_key: str | None


#: How many distinct values each cache of :meth:`Normalizer.cached` remembers.
CACHE_SIZE = 1 << 16


class Normalizer:
    """Calls the ``normalize_*`` hooks of a plugin manager on a record's facts."""

    def __init__(self, hook: Any) -> None:
        self.hook = hook

    def cached(self, maxsize: int = CACHE_SIZE) -> Normalizer:
        """Return a normaliser remembering the ``maxsize`` most recent results of each kind.

        Each distinct value reaches the hooks once while it is remembered, so the hooks must
        answer the same value the same way (they are pure functions of their arguments),
        and the plugins registered must not change while it is in use: take one per run.
        """
        return CachedNormalizer(self.hook, maxsize)

    def address(self, address: Address) -> Address:
        """Return ``address`` in normal form (as it is, when no hook changes it)."""
        normal: Address | None = self.hook.normalize_address(address=address)
        return normal or address

    def name_key(self, name: str, kind: str | None) -> str | None:
        """Return the comparison key of a party's name, or ``None``."""
        key: str | None = self.hook.normalize_name(name=name, kind=kind)
        return key

    def contact(self, kind: ContactKind, raw: str, region: str | None = None) -> ContactPoint:
        """Return ``raw`` as a :class:`ContactPoint`, valid or flagged with the reason."""
        value: str | None
        try:
            if kind is ContactKind.PHONE:
                value = self.hook.normalize_phone(raw=raw, region=region)
            elif kind is ContactKind.EMAIL:
                value = self.hook.normalize_email(raw=raw)
            else:
                value = raw.strip() or None
        except ValueError as exc:
            return ContactPoint(kind, raw, None, str(exc))
        if value is None:
            return ContactPoint(kind, raw, None, f"no plugin could normalise this {kind.value}")
        return ContactPoint(kind, raw, value)

    def identifier(self, kind: str, raw: str, country: str | None) -> tuple[str | None, str | None]:
        """Return ``(normal form, None)`` or ``(None, reason)`` for one identifier."""
        try:
            value = self.hook.normalize_identifier(kind=kind, raw=raw, country=country)
        except ValueError as exc:
            return None, str(exc)
        return (value, None) if value else (None, f"{kind}: not recognised")

    def facts(self, facts: PartyFacts, region: str | None = None) -> NormalizedFacts:
        """Return the normal forms of everything ``facts`` says, with the problems found."""
        points = [self.contact(ContactKind.PHONE, raw, region) for raw in facts.phones]
        points += [self.contact(ContactKind.EMAIL, raw) for raw in facts.emails]
        if facts.website:
            points.append(self.contact(ContactKind.WEBSITE, facts.website))
        problems = [f"{p.kind.value} {p.raw!r}: {p.problem}" for p in points if p.problem]
        identifiers: dict[str, str] = {}
        for kind, raw in facts.identifiers.items():
            value, problem = self.identifier(kind, raw, None)
            if value is None:
                problems.append(f"identifier {kind} {raw!r}: {problem}")
            else:
                identifiers[kind.strip().lower()] = value
        addresses = tuple(self.address(a) for a in facts.addresses if not a.is_empty())
        kind_name = facts.kind.value if facts.kind else None
        name_key = self.name_key(facts.display_name(), kind_name)
        return NormalizedFacts(tuple(points), addresses, identifiers, tuple(problems), name_key)


#: The hooks a :class:`Normalizer` calls.
NORMALIZE_HOOKS = (
    "normalize_phone",
    "normalize_email",
    "normalize_identifier",
    "normalize_address",
    "normalize_name",
)


class _DirectHooks:
    """The ``normalize_*`` hooks of a hook relay, each bound once by :func:`direct_call`."""

    def __init__(self, relay: Any) -> None:
        for name in NORMALIZE_HOOKS:
            setattr(self, name, direct_call(getattr(relay, name)))


class CachedNormalizer(Normalizer):
    """A :class:`Normalizer` that asks the hooks once per distinct value (bounded LRU caches).

    Results are shared between the records giving the same value; they are immutable. The
    hooks' implementations are looked up once, when it is made (:func:`direct_call`).
    """

    def __init__(self, hook: Any, maxsize: int = CACHE_SIZE) -> None:
        # The caches wrap a plain normaliser of their own, not this one's methods: a cache
        # holding a method of ``self`` would make a cycle, keeping every cached value alive
        # after a run until the cyclic collector happens to run.
        plain = Normalizer(_DirectHooks(hook))
        super().__init__(plain.hook)
        self.relay = hook
        self.maxsize = maxsize
        self.contact = functools.lru_cache(maxsize)(plain.contact)  # type: ignore[method-assign]
        self.identifier = functools.lru_cache(maxsize)(plain.identifier)  # type: ignore[method-assign]
        self.address = functools.lru_cache(maxsize)(plain.address)  # type: ignore[method-assign]
        self.name_key = functools.lru_cache(maxsize)(plain.name_key)  # type: ignore[method-assign]

    def cached(self, maxsize: int = CACHE_SIZE) -> Normalizer:
        """Return this normaliser when it remembers as much, else a fresh cached one."""
        return self if maxsize == self.maxsize else CachedNormalizer(self.relay, maxsize)
