"""Blocking: which record pairs are worth comparing at all.

Records that share a blocking key become candidate pairs. Keys are strong identifiers (INN,
OGRN, national ids; never a KPP alone), phones, e-mail addresses (role mailboxes apart),
corporate domains, firms' names (alone and with the city), and people's names, with an
initial, a birth date or an address, so that a typo in one field still leaves the pair
another way to meet.

Two bounds keep the work linear in the number of records:

- an *evidence* key (identifier, phone, e-mail, domain) shared by more distinct named parties
  than the fan-out cap — an office switchboard, a business centre's ``info@`` — is
  *untrusted*: it produces no pairs, and the comparisons see it as over-shared;
- a block larger than ``max_block`` (a common surname, the phone of a firm with many
  records) is not compared all against all: its records are sorted by who they name and
  each is paired with its ``window`` nearest neighbours on each side only (the
  sorted-neighbourhood method).
"""

from __future__ import annotations

import bisect
import hashlib
from collections import defaultdict
from typing import TYPE_CHECKING

from crmkit.identity.organizations import org_name_key

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

    from crmkit.identity.features import Features
    from crmkit.identity.persons import PersonName

#: Blocks larger than this are searched by sorted neighbourhood instead of all pairs.
DEFAULT_MAX_BLOCK = 40
#: How many neighbours on each side a record meets in an oversized block.
DEFAULT_WINDOW = 6
#: Key prefixes whose sharing is evidence in itself; their fan-out is checked against the cap.
EVIDENCE_PREFIXES = ("id:", "ph:", "em:", "rm:", "dm:")


def key_hash(key: str) -> int:
    """Return a stable signed 64-bit hash of a blocking key (how the store indexes keys)."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), signed=True)


def blocking_keys(f: Features) -> list[str]:
    """Return the built-in blocking keys of one record."""
    keys = [f"id:{kind}:{value}" for kind, value in f.strong_identifiers]
    if f.phones:
        keys += [f"ph:{p}" for p in f.phones]
    if f.emails:
        keys += [f"em:{e}" for e in f.emails]
    if f.role_emails:
        keys += [f"rm:{e}" for e in f.role_emails]
    places = _places(f)
    if f.org_like and f.org_name is not None and f.org_name.core:
        keys += _firm_keys(f)
    if f.person_like and f.person is not None and f.person.family:
        _add_person_keys(keys, f, f.person, places)
    if f.house and f.street:
        keys += [f"ad:{where}:{f.street[:6]}:{f.house}:{f.unit or ''}" for where in places]
    return keys


def _places(f: Features) -> tuple[str, ...]:
    """Return where a record is: its city and postcode, those it has."""
    city, postcode = f.city, f.postcode
    if city:
        return (city, postcode) if postcode else (city,)
    return (postcode,) if postcode else ()


def _firm_keys(f: Features) -> list[str]:
    """Return a firm's name keys (alone and with its city), domains and contact person."""
    name = org_name_key(f.org_name) if f.org_name is not None else ""
    keys = [f"on:{name}"]
    if f.city:
        keys.append(f"oc:{name}:{f.city}")
    keys += [f"dm:{d}" for d in f.domains]
    if f.contact is not None and f.contact.family:
        keys.append(f"ct:{f.contact.family}:{(f.contact.given or '')[:3]}")
    return keys


def _add_person_keys(
    keys: list[str], f: Features, person: PersonName, places: tuple[str, ...]
) -> None:
    """Append a person's name keys to ``keys``.

    The full name in either order, the family name with an initial, and name parts with a
    birth date (and its place), so that one typo misses few pairs.
    """
    family, given = person.family or "", person.given
    keys.append(f"nf:{family}:{(given or person.initials or '')[:1]}")
    if given:
        keys.append(f"nm:{family}:{given}" if family <= given else f"nm:{given}:{family}")
    if f.birth_date is not None:
        born = f.birth_date.isoformat()
        keys.append(f"fd:{family[:4]}:{born}")
        if given:
            keys.append(f"gd:{given[:4]}:{born}")
        keys.extend([f"pd:{where}:{born}" for where in places])


def signature(f: Features) -> str | None:
    """Return who a record names (a firm or a person), or None when it names nobody."""
    if f.org_like and f.org:
        return f.org
    person = f.person
    if person is not None and person.family:
        return f"{person.family}:{(person.given or person.initials or '')[:1]}"
    if f.org:
        return f.org
    return None


class BlockIndex:
    """An inverted index from blocking key to record positions, with fan-out checks.

    An incremental run indexes only the records a change may concern; ``sizes`` then gives
    each key's size in the whole store (a key more widely shared than the indexed records
    show is searched by sorted neighbourhood when the store's block is oversized) and
    ``untrusted`` the keys found over-shared by earlier runs.
    """

    def __init__(
        self,
        features: Sequence[Features],
        *,
        fan_out_cap: int,
        max_block: int = DEFAULT_MAX_BLOCK,
        window: int = DEFAULT_WINDOW,
        extra_keys: Callable[[Features], Iterable[str]] | None = None,
        sizes: Mapping[str, int] | None = None,
        untrusted: Iterable[str] = (),
    ) -> None:
        self.features = features
        self.fan_out_cap = fan_out_cap
        self.max_block = max_block
        self.window = window
        self.extra_keys = extra_keys
        self.keys: list[list[str]] = [self.keys_of(f) for f in features]
        self.blocks: dict[str, list[int]] = defaultdict(list)
        blocks = self.blocks
        for position, keys in enumerate(self.keys):
            for key in keys:
                blocks[key].append(position)
        self.untrusted: set[str] = {
            key
            for key, members in self.blocks.items()
            if len(members) > fan_out_cap
            and key.startswith(EVIDENCE_PREFIXES)
            and self._over_cap(members)
        }
        self.untrusted.update(untrusted)
        self.crowded: frozenset[str] = frozenset(
            key for key, size in (sizes or {}).items() if size > max_block
        )
        self._ranks: dict[str, tuple[list[int], dict[int, int], list[str]]] = {}

    def keys_of(self, f: Features) -> list[str]:
        """Return the blocking keys of ``f``: the built-in ones and the plugins' extra ones."""
        keys = blocking_keys(f)
        if self.extra_keys is not None:
            keys.extend(self.extra_keys(f))
            return list(dict.fromkeys(keys))
        return keys

    def _over_cap(self, members: list[int]) -> bool:
        signatures = {signature(self.features[i]) for i in members}
        signatures.discard(None)
        return len(signatures) > self.fan_out_cap

    def trusted(self, key: str) -> bool:
        """Return True unless ``key`` is shared by more parties than the fan-out cap."""
        return key not in self.untrusted

    def sharing(self, key: str) -> list[int]:
        """Return the positions of the records that carry ``key``."""
        return self.blocks.get(key, [])

    def _ranked(self, key: str) -> tuple[list[int], dict[int, int], list[str]]:
        """Return an oversized block sorted by signature: order, ranks and signatures."""
        found = self._ranks.get(key)
        if found is None:
            features = self.features
            order = sorted(self.blocks[key], key=lambda i: (signature(features[i]) or "", i))
            ranks = {m: r for r, m in enumerate(order)}
            found = self._ranks[key] = (order, ranks, [signature(features[i]) or "" for i in order])
        return found

    def _neighbours(self, key: str, position: int) -> Iterable[int]:
        members = self.blocks[key]
        if len(members) <= self.max_block and key not in self.crowded:
            return members
        order, rank, _ = self._ranked(key)
        r = rank[position]
        return order[max(r - self.window, 0) : r + self.window + 1]

    def candidates(self, position: int) -> list[int]:
        """Return the positions after ``position`` that it shares a usable block with."""
        found: set[int] = set()
        blocks, untrusted, largest = self.blocks, self.untrusted, self.max_block
        crowded = self.crowded
        for key in self.keys[position]:
            members = blocks[key]
            size = len(members)
            if size < 2 or key in untrusted:  # noqa: PLR2004
                continue
            whole = size <= largest and key not in crowded
            found.update(members if whole else self._neighbours(key, position))
        ordered = sorted(found)
        return ordered[bisect.bisect_right(ordered, position) :]

    def all_candidates(self) -> Iterator[list[int]]:
        """Yield :meth:`candidates` of every indexed position in turn, built block by block.

        The same lists as calling :meth:`candidates` for each position, gathered by visiting
        each usable block once (a block of one record, or an untrusted one, costs nothing)
        instead of every key of every record.
        """
        near: list[list[int] | None] = [None] * len(self.keys)
        untrusted, largest, crowded = self.untrusted, self.max_block, self.crowded
        for key, members in self.blocks.items():
            if len(members) < 2 or key in untrusted:  # noqa: PLR2004
                continue
            whole = len(members) <= largest and key not in crowded
            for rank, position in enumerate(members[:-1] if whole else members):
                later = members[rank + 1 :] if whole else list(self._neighbours(key, position))
                found = near[position]
                if found is None:
                    near[position] = later
                else:
                    found.extend(later)
        for position, found in enumerate(near):
            near[position] = None
            if not found:
                yield []
                continue
            ordered = sorted(set(found))
            yield ordered[bisect.bisect_right(ordered, position) :]

    def pairs(self) -> Iterator[tuple[int, int]]:
        """Yield each candidate pair ``(i, j)`` with ``i < j`` once, grouped by ``i``."""
        for i in range(len(self.keys)):
            for j in self.candidates(i):
                yield i, j

    def probe(self, f: Features) -> list[int]:
        """Return the indexed records a new record ``f`` would be compared with."""
        found: set[int] = set()
        for key in self.keys_of(f):
            members = self.blocks.get(key)
            if not members or key in self.untrusted:
                continue
            if len(members) <= self.max_block and key not in self.crowded:
                found.update(members)
                continue
            order, _, signatures = self._ranked(key)
            at = bisect.bisect_left(signatures, signature(f) or "")
            found.update(order[max(at - self.window, 0) : at + self.window])
        return sorted(found)

    def shares_block(self, i: int, j: int) -> bool:
        """Return True when records ``i`` and ``j`` were candidates of each other."""
        low, high = min(i, j), max(i, j)
        return high in self.candidates(low)
