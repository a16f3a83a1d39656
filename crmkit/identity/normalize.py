"""Turn a record's raw facts into normal forms through the ``normalize_*`` hooks.

A value a hook cannot normalise is never dropped: it is kept raw with the reason, and left
out of matching.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs

from crmkit.domain import Address, ContactKind, ContactPoint

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


class Normalizer:
    """Calls the ``normalize_*`` hooks of a plugin manager on a record's facts."""

    def __init__(self, hook: Any) -> None:
        self.hook = hook

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
        addresses = tuple(
            self.hook.normalize_address(address=a) or a for a in facts.addresses if not a.is_empty()
        )
        kind_name = facts.kind.value if facts.kind else None
        name_key = self.hook.normalize_name(name=facts.display_name(), kind=kind_name)
        return NormalizedFacts(tuple(points), addresses, identifiers, tuple(problems), name_key)
