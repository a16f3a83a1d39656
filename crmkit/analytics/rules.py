"""Segment rules of one's own, contributed by plugins through ``register_segment_rules``."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

import attrs

from crmkit.analytics.facts import CustomerFacts
from crmkit.errors import PluginError

BUILT_IN_SEGMENTS = ("VIP", "A", "B", "C", "D")


@attrs.frozen
class SegmentRule:
    """A plugin's segment: its ``name``, ``description``, and ``rule(facts)`` returning why."""

    name: str
    rule: Callable[[CustomerFacts], str | None]
    description: str
    plugin: str


_RULES: weakref.WeakKeyDictionary[Any, tuple[SegmentRule, ...]] = weakref.WeakKeyDictionary()


def plugin_rules(pm: Any) -> tuple[SegmentRule, ...]:
    """Return the segment rules plugins register, asked once per plugin manager ``pm``.

    A rule named like a built-in segment or an earlier rule is refused with a
    :class:`PluginError` naming the plugin (recorded in ``pm.problems``).
    """
    known = _RULES.get(pm)
    if known is not None:
        return known
    found: dict[str, SegmentRule] = {}
    for impl in pm.hook.register_segment_rules.get_hookimpls():
        plugin = impl.plugin_name

        def register(
            name: str,
            rule: Callable[[CustomerFacts], str | None],
            description: str = "",
            plugin: str = plugin,
        ) -> None:
            if name in BUILT_IN_SEGMENTS or name in found:
                taken = "crmkit" if name in BUILT_IN_SEGMENTS else found[name].plugin
                raise PluginError(
                    plugin,
                    "register_segment_rules",
                    f"segment {name!r} already defined by {taken!r}",
                )
            found[name] = SegmentRule(name, rule, description, plugin)

        impl.function(register=register)
    rules = tuple(found.values())
    _RULES[pm] = rules
    return rules
