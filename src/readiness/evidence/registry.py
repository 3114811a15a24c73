"""Built-in adapters as a plain dict of lazy import paths, plus entry-point plugins.

Lazy: `readiness evaluate` imports only the adapters its checks use (never Locust unless asked).
A plugin that fails to load is a PluginError, never silently skipped.
"""

from __future__ import annotations

import importlib
from typing import cast

from readiness.errors import PluginError
from readiness.evidence.base import Adapter

ENTRY_POINT_GROUP = "readiness.adapters"

BUILTIN: dict[str, str] = {
    "junit": "readiness.evidence.junit:JUnitAdapter",
    "locust": "readiness.evidence.locust:LocustAdapter",
    "sarif": "readiness.evidence.sarif:SarifAdapter",
    "bandit": "readiness.evidence.scanners:BanditAdapter",
    "pip-audit": "readiness.evidence.scanners:PipAuditAdapter",
    "trivy": "readiness.evidence.scanners:TrivyAdapter",
    "gitleaks": "readiness.evidence.scanners:GitleaksAdapter",
    "semgrep": "readiness.evidence.scanners:SemgrepAdapter",
    "zap": "readiness.evidence.scanners:ZapAdapter",
    "signoffs": "readiness.evidence.signoffs:SignOffsAdapter",
}


def _plugins() -> dict[str, str]:
    from importlib.metadata import entry_points  # only when a kind is not built in (start-up)

    found: dict[str, str] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name in BUILTIN:
            raise PluginError(f"plugin adapter {ep.name!r} ({ep.value}) shadows a built-in kind")
        found[ep.name] = ep.value
    return found


def known_kinds() -> list[str]:
    """Every kind a check may name: built-ins and installed plugins."""
    return sorted({**BUILTIN, **_plugins()})


def _declares(adapter: object, name: str) -> bool:
    """Whether `adapter` has the attribute `name`, without reading it: a built-in's `Params` is
    imported on first read (`base.LazyParams`), and reading evidence may not need it."""
    found = getattr(adapter, "__dict__", {})
    return name in found or any(name in vars(k) for k in type(adapter).__mro__)


def get(kind: str) -> Adapter:
    """An adapter instance for `kind`; PluginError if it is unknown or fails to import."""
    target = BUILTIN.get(kind) or _plugins().get(kind)
    if target is None:
        raise PluginError(f'unknown evidence kind "{kind}" (known: {", ".join(known_kinds())})')
    module_name, _, attr = target.partition(":")
    try:
        module = importlib.import_module(module_name)
        cls = getattr(module, attr)
        adapter = cls()
    except Exception as exc:  # a plugin may fail in any way; report it as a plugin error
        raise PluginError(f"evidence kind {kind!r}: cannot load {target}: {exc}") from exc
    for required in ("kind", "Params", "record", "read"):
        if not _declares(adapter, required):
            raise PluginError(f"evidence kind {kind!r}: {target} has no {required!r}")
    return cast(Adapter, adapter)
