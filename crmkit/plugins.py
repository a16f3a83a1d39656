"""Build the plugin manager: built-ins first, then installed ``crmkit`` entry points.

Environment switches (as datasette and llm offer):

``CRMKIT_LOAD_PLUGINS``
    Comma-separated allowlist of entry-point or distribution names to load; set but empty
    loads no outside plugin at all. Built-ins always load.
``CRMKIT_TRACE_PLUGINS``
    ``1`` logs every hook call with its arguments and results (logger ``crmkit.plugins``).
``CRMKIT_STRICT_PLUGINS``
    ``1`` re-raises a plugin's exception instead of reporting it and carrying on.
"""

from __future__ import annotations

import functools
import importlib
import importlib.metadata
import logging
import os
from typing import TYPE_CHECKING, Any

import attrs
import pluggy

from crmkit import hookspecs
from crmkit.errors import PluginError
from crmkit.identity.features import IdentifierKinds

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from pluggy import HookImpl

    from crmkit.sdk.adapter import Adapter

log = logging.getLogger("crmkit.plugins")

ENTRY_POINT_GROUP = "crmkit"

DEFAULT_PLUGINS: tuple[str, ...] = (
    "crmkit.builtins.file_adapters",
    "crmkit.builtins.normalizers",
    "crmkit.builtins.survivorship",
    "crmkit.builtins.orders",
    "crmkit.builtins.calls",
    "crmkit.builtins.identifiers",
)


@attrs.frozen
class PluginInfo:
    """What ``crmkit plugins`` shows about one registered plugin."""

    name: str
    builtin: bool
    distribution: str | None
    version: str | None
    hooks: tuple[str, ...]


@attrs.frozen
class PluginProblem:
    """A plugin that failed to load or raised in a hook, and why."""

    name: str
    hook: str | None
    error: str


class CrmkitPluginManager(pluggy.PluginManager):
    """A pluggy manager that remembers where plugins came from and which of them failed."""

    def __init__(self, *, strict: bool = False) -> None:
        super().__init__(ENTRY_POINT_GROUP)
        self.strict = strict
        self.problems: list[PluginProblem] = []
        self.distributions: dict[str, tuple[str, str]] = {}
        self.builtin_names: set[str] = set()

    def register(self, plugin: object, name: str | None = None) -> str | None:
        """Register ``plugin`` and guard its hook implementations; return its name."""
        registered = super().register(plugin, name)
        if registered is not None:
            self._guard(plugin, registered)
        return registered

    def record_problem(self, name: str, hook: str | None, error: BaseException | str) -> None:
        """Remember that plugin ``name`` failed (in ``hook``, or while loading) and log it."""
        text = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
        self.problems.append(PluginProblem(name, hook, text))
        log.error("%s", PluginError(name, hook, text))

    def _guard(self, plugin: object, name: str) -> None:
        for caller in self.get_hookcallers(plugin) or ():
            for impl in caller.get_hookimpls():
                if impl.plugin is plugin and not (impl.wrapper or impl.hookwrapper):
                    # pluggy marks HookImpl.function Final for users; wrapping it in place is
                    # the only way to isolate one plugin's failure from the others'.
                    impl.function = self._guarded(  # type: ignore[misc]
                        impl.function, name, caller.name
                    )

    def _guarded(self, function: Callable[..., Any], name: str, hook: str) -> Callable[..., Any]:
        allowed = hookspecs.CONTRACT_EXCEPTIONS.get(hook, ())

        @functools.wraps(function)
        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return function(*args, **kwargs)
            except allowed:
                raise
            except Exception as exc:
                if self.strict:
                    raise
                self.record_problem(name, hook, exc)
                return None

        return call

    def plugin_infos(self) -> list[PluginInfo]:
        """Return one :class:`PluginInfo` per registered plugin, built-ins first."""
        infos = []
        for name, plugin in self.list_name_plugin():
            if plugin is None:
                continue
            dist = self.distributions.get(name)
            hooks = tuple(sorted(c.name for c in self.get_hookcallers(plugin) or ()))
            infos.append(
                PluginInfo(
                    name=name,
                    builtin=name in self.builtin_names,
                    distribution=dist[0] if dist else None,
                    version=dist[1] if dist else None,
                    hooks=hooks,
                )
            )
        return sorted(infos, key=lambda i: (not i.builtin, i.name))


def _allowlist() -> set[str] | None:
    value = os.environ.get("CRMKIT_LOAD_PLUGINS")
    if value is None:
        return None
    return {part.strip() for part in value.split(",") if part.strip()}


def _load_entry_points(pm: CrmkitPluginManager, allow: set[str] | None) -> None:
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        dist_name = ep.dist.name if ep.dist else None
        if allow is not None and ep.name not in allow and dist_name not in allow:
            continue
        if pm.get_plugin(ep.name) is not None or pm.is_blocked(ep.name):
            continue
        try:
            plugin = ep.load()
        except Exception as exc:
            if pm.strict:
                raise
            pm.record_problem(ep.name, None, exc)
            continue
        try:
            pm.register(plugin, name=ep.name)
        except (ValueError, pluggy.PluginValidationError) as exc:
            if pm.strict:
                raise
            pm.record_problem(ep.name, None, exc)
            continue
        if ep.dist is not None:
            pm.distributions[ep.name] = (ep.dist.name, ep.dist.version)


def plugin_name(plugin: object) -> str:
    """Return a readable name for a plugin object: its module or class name."""
    name = getattr(plugin, "__name__", None)
    if isinstance(name, str):
        return name
    return f"{type(plugin).__module__}.{type(plugin).__qualname__}"


def _drop_unknown_hooks(pm: CrmkitPluginManager) -> None:
    """Unregister, and report, every plugin implementing a hook crmkit does not have."""
    while True:
        try:
            pm.check_pending()
        except pluggy.PluginValidationError as exc:
            if pm.strict:
                raise
            offender = pm.get_name(exc.plugin) or plugin_name(exc.plugin)
            pm.record_problem(offender, None, exc)
            pm.unregister(exc.plugin)
        else:
            return


def _trace(pm: CrmkitPluginManager) -> None:
    def before(hook_name: str, impls: Sequence[HookImpl], kwargs: Mapping[str, Any]) -> None:
        log.warning("hook %s(%s) -> %s", hook_name, dict(kwargs), [i.plugin_name for i in impls])

    def after(
        outcome: pluggy.Result[Any],
        hook_name: str,
        _impls: Sequence[HookImpl],
        _kwargs: Mapping[str, Any],
    ) -> None:
        log.warning("hook %s returned %r", hook_name, outcome.get_result())

    pm.add_hookcall_monitoring(before, after)


def get_plugin_manager(
    *, entrypoints: bool = True, extra: tuple[object, ...] = ()
) -> CrmkitPluginManager:
    """Return a new plugin manager with built-ins, then entry points, then ``extra`` plugins.

    Each call builds a fresh manager, so one process can embed several independent crmkit
    instances. Later registrations are called first (pluggy's LIFO order), so outside plugins
    override built-ins. A plugin that fails to import is recorded in ``pm.problems`` and
    skipped; typos in hook names fail in ``check_pending()``.
    """
    pm = CrmkitPluginManager(strict=os.environ.get("CRMKIT_STRICT_PLUGINS") == "1")
    pm.add_hookspecs(hookspecs)
    for module_name in DEFAULT_PLUGINS:
        pm.register(importlib.import_module(module_name), name=module_name)
        pm.builtin_names.add(module_name)
    if entrypoints:
        _load_entry_points(pm, _allowlist())
    for plugin in extra:
        pm.register(plugin, name=plugin_name(plugin))
    _drop_unknown_hooks(pm)
    if os.environ.get("CRMKIT_TRACE_PLUGINS") == "1":
        _trace(pm)
    return pm


def collect_adapters(pm: CrmkitPluginManager) -> dict[str, type[Adapter]]:
    """Call ``register_adapters`` on every plugin and return adapter classes by name.

    Plugins are asked in registration order (built-ins first). A name registered twice is
    refused with a :class:`PluginError` naming both plugins; the first registration is kept
    and the problem recorded in ``pm.problems``.
    """
    adapters: dict[str, type[Adapter]] = {}
    owners: dict[str, str] = {}
    for impl in pm.hook.register_adapters.get_hookimpls():
        plugin_name = impl.plugin_name

        def register(adapter_class: type[Adapter], plugin_name: str = plugin_name) -> None:
            name = getattr(adapter_class, "name", None)
            if not isinstance(name, str) or not name:
                raise PluginError(plugin_name, "register_adapters", "adapter class has no name")
            if name in adapters and owners[name] != plugin_name:
                raise PluginError(
                    plugin_name,
                    "register_adapters",
                    f"adapter name {name!r} already registered by {owners[name]!r}",
                )
            adapters[name] = adapter_class
            owners[name] = plugin_name

        impl.function(*[register for _ in impl.argnames])
    return adapters


def collect_identifier_kinds(pm: CrmkitPluginManager) -> IdentifierKinds:
    """Call ``register_identifier_kinds`` on every plugin; return the kinds they register.

    Kinds are read as the normaliser stores them (trimmed, lower case). A kind is checked
    when any plugin registers it with ``checked=True``. A kind that is not a non-empty
    string is refused with a :class:`PluginError`, recorded in ``pm.problems`` (the kinds
    the plugin registered before it stay registered).
    """
    strong_kinds: set[str] = set()
    checked_kinds: set[str] = set()
    for impl in pm.hook.register_identifier_kinds.get_hookimpls():

        def register(kind: object, *, checked: bool = False, owner: str = impl.plugin_name) -> None:
            if not isinstance(kind, str) or not kind.strip():
                raise PluginError(
                    owner, "register_identifier_kinds", f"not an identifier kind: {kind!r}"
                )
            name = kind.strip().lower()
            strong_kinds.add(name)
            if checked:
                checked_kinds.add(name)

        impl.function(*[register for _ in impl.argnames])
    return IdentifierKinds(strong=frozenset(strong_kinds), checked=frozenset(checked_kinds))


def direct_call(caller: Any) -> Callable[..., Any]:
    """Return a function calling the hook ``caller`` with keyword arguments, as pluggy does.

    When one plain implementation serves a ``firstresult`` hook, pluggy calls it with the
    arguments it names, in its order, and returns its result: the function returned does
    just that, without pluggy's per-call dispatch. Otherwise it calls the hook itself.
    Bind it per run, not for good: a plugin registered later is seen only by a new binding,
    and pluggy's tracing and hook-call monitoring do not see direct calls.
    """
    impls = caller.get_hookimpls()
    spec = caller.spec
    plain = len(impls) == 1 and not (impls[0].wrapper or impls[0].hookwrapper)
    if not plain or spec is None or not spec.opts.get("firstresult"):
        return caller  # type: ignore[no-any-return]
    function, names = impls[0].function, impls[0].argnames

    def call(**kwargs: Any) -> Any:
        return function(*[kwargs[name] for name in names])

    return call
