"""`metrics` and `inspect`: what evidence provides, as rows (metric, value, unit) and the
lines of a table, or as JSON; cli prints them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from readiness.errors import EvidenceError, UsageError

if TYPE_CHECKING:
    from readiness.evidence import gather
    from readiness.evidence.base import Adapter

Row = dict[str, Any]


def rows(metrics: Iterable[Any]) -> list[Row]:
    """One row per metric, sorted by name: the value as the reports show it."""
    from readiness.units import plain

    return [
        {"metric": m.name, "value": plain(m.value), "unit": m.unit}
        for m in sorted(metrics, key=lambda m: m.name)
    ]


def table(found: Sequence[Row]) -> list[str]:
    """The rows as aligned lines; names (which come from evidence) made safe for a terminal."""
    from readiness.render import safe

    names = [safe.terminal(r["metric"]) for r in found]
    width = max((len(n) for n in names), default=10)
    return [
        f"  {name:<{width}}  {r['value']} {r['unit']}" for name, r in zip(names, found, strict=True)
    ]


def listing(
    definition: Path, evidence_dir: Path | None, root: Path | None
) -> tuple[list[Row], list[str]]:
    """`metrics`: every metric the definition's evidence provides, and each check's problem
    reading it (`check: status: message`)."""
    from readiness import pipeline
    from readiness.evidence import gather
    from readiness.metrics import MetricTable

    project = pipeline.load(definition, root)
    base = evidence_dir if evidence_dir is not None else project.root
    evidence = gather.gather(project, base, pipeline.Clock().epoch)
    found = rows(MetricTable.build(evidence).by_name.values())
    problems = [f"{ev.check}: {ev.status}: {ev.message}" for ev in evidence.values() if ev.message]
    return found, problems


def listing_json(found: list[Row], problems: list[str]) -> str:
    import json  # only for --json: a table needs none

    return json.dumps({"metrics": found, "problems": problems}, indent=2, ensure_ascii=False)


def adapter_options(options: Iterable[str]) -> dict[str, str]:
    """`--option KEY=VALUE` items as a dict; UsageError for one without `=`."""
    opts: dict[str, str] = {}
    for item in options:
        key, sep, value = item.partition("=")
        if not sep:
            raise UsageError(f"--option {item!r}: expected KEY=VALUE")
        opts[key] = value
    return opts


def inspect(
    files: Sequence[Path],
    kind: str,
    opts: dict[str, str],
    as_json: bool,
    hashing: gather.Hashing | None = None,
) -> str:
    """`inspect`: the files' digests, metrics and warnings read as `kind` (text or JSON).
    UsageError for options the adapter refuses; EvidenceError for files it cannot read.

    Imports only the adapter of `kind` and what the table needs: no pydantic without
    `--option` (a built-in reads with its plain defaults), no report layer without `--json`."""
    from readiness.evidence import gather, registry
    from readiness.evidence.records import Evidence
    from readiness.metrics import from_record

    root = Path.cwd()
    # big files are hashed in a thread from now on (or since `hashing` started), while the
    # adapter is imported and reads
    hashing = hashing if hashing is not None else gather.Hashing(list(files), root)
    try:
        adapter = registry.get(kind)
        params = _params(kind, adapter, opts)
    except BaseException:
        hashing.join()
        raise
    # a hashing error first, as before
    metas, record, error = gather.hash_and_read(kind, list(files), root, params, hashing)
    if isinstance(metas, EvidenceError):
        raise metas
    if error is not None:
        raise error
    if record is None:  # pragma: no cover - a record comes without an error, or an error
        raise EvidenceError("no record read", path=", ".join(map(str, files)))
    found = rows(from_record("evidence", record))
    ev = Evidence("evidence", kind, "ok", metas, record, "", tuple(getattr(record, "warnings", ())))
    if as_json:
        import json  # only for --json: a table needs none

        from readiness.render import view

        data = {
            "kind": kind,
            "files": [{"path": m.path, "sha256": m.sha256} for m in metas],
            "metrics": found,
            "record": view.record_dict(ev),
            "warnings": list(ev.warnings),
        }
        return json.dumps(data, indent=2, ensure_ascii=False)
    lines = [f"{m.path}  sha256:{m.sha256}" for m in metas]
    lines += table(found)
    lines += [f"warning: {w}" for w in ev.warnings]
    return "\n".join(lines)


def _params(kind: str, adapter: Adapter, opts: dict[str, str]) -> Any:
    """The adapter's options from `--option`s; UsageError for one it refuses."""
    from readiness.evidence import gather

    try:
        return gather.params_of(kind, adapter, opts)
    except Exception as exc:
        from pydantic import ValidationError  # loaded already if it was one

        if isinstance(exc, ValidationError):
            raise UsageError(f"--option: {exc.errors()[0]['msg']}") from None
        raise
