"""The work of `readiness history`, `readiness history prune` and `readiness diff`: text (or
JSON) from the store, for the CLI to print. Nothing here prints or exits.

Everything shown may come from evidence (test ids, finding locations, messages), so each line
goes through `safe_line` given by the caller (the renderers' terminal escaping).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from readiness import units
from readiness.errors import DefinitionError, StoreError, UsageError
from readiness.history.record import StoredEvaluation

if TYPE_CHECKING:
    from readiness.history.store import Store

Escape = Callable[[str], str]
_AGE = re.compile(r"^\s*(\d+)\s*(d|h|m|s)?\s*$")
_AGE_FACTORS = {"d": 86400, "h": 3600, "m": 60, "s": 1, None: 86400}
MAX_LISTED = 50  # tests or findings per direction in a diff


def parse_age(text: str) -> float:
    """`90d`, `12h`, `30m`, `45s` (a bare number is days) in seconds; UsageError otherwise."""
    m = _AGE.match(text)
    if m is None or int(m[1]) <= 0:
        raise UsageError(f"--older-than {text!r}: expected a positive age like 90d, 12h or 30m")
    return int(m[1]) * _AGE_FACTORS[m[2]]


def _when(e: StoredEvaluation) -> str:
    return e.generated_at.replace("T", " ").removesuffix("Z")[:16]


def _value(value: float | None, unit: str) -> str:
    if value is None or not math.isfinite(value):
        return "-"
    return units.fmt(value, unit or "count")


def evaluation_line(e: StoredEvaluation) -> str:
    """`#12  2026-11-29 03:59  2026.12.0  public  1a2b3c4  NO-GO  2 blockers  attested`."""
    commit = (e.commit or "-")[:7]
    blockers = f"{len(e.blockers)} blocker" + ("" if len(e.blockers) == 1 else "s")
    mark = "  attested" if e.attestation_digest else ""
    return f"#{e.id:<5} {_when(e)}  {e.version}  {e.stage}  {commit}  {e.verdict}  {blockers}{mark}"


def _evaluation_dict(e: StoredEvaluation) -> dict[str, Any]:
    return {
        "id": e.id,
        "generated_at": e.generated_at,
        "release": e.release,
        "version": e.version,
        "stage": e.stage,
        "commit": e.commit,
        "branch": e.branch,
        "ci_run": e.ci_run,
        "verdict": e.verdict,
        "blockers": list(e.blockers),
        "attestation_digest": e.attestation_digest,
    }


def history(
    store: Store,
    release: str,
    *,
    last: int,
    criterion: str | None = None,
    as_json: bool = False,
    safe_line: Escape = str,
) -> str:
    """The release line's last evaluations, newest first, one line each; with `criterion`
    (`gate.id`), that criterion's series instead."""
    if criterion is not None:
        points = store.criterion_series(release, criterion, last)
        if as_json:
            rows = [p._asdict() for p in points]
            return json.dumps(rows, indent=2, ensure_ascii=False) + "\n"
        if not points:
            return f"no evaluation of {release} has a criterion {criterion}\n"
        lines = [
            f"#{p.id:<5} {p.generated_at[:16].replace('T', ' ')}  {p.version}  {p.status:<12} "
            f"{_value(p.value, p.unit)}  ({p.threshold or '-'})"
            for p in points
        ]
        return "".join(safe_line(line) + "\n" for line in lines)
    found = store.list(release, last=last)
    if as_json:
        return json.dumps([_evaluation_dict(e) for e in found], indent=2, ensure_ascii=False) + "\n"
    if not found:
        return f"no evaluation of {release} in {store.name}\n"
    return "".join(safe_line(evaluation_line(e)) + "\n" for e in found)


def latest_and_baseline(store: Store, release: str, stage: str) -> tuple[StoredEvaluation, ...]:
    """(baseline, latest) of a release line at a stage: the latest evaluation and the latest
    GO or CONDITIONAL GO before it; StoreError when either is missing."""
    latest = store.list(release, stage, last=1)
    if not latest:
        raise StoreError(store.name, f"has no evaluation of {release} at stage {stage}")
    base = store.baseline(release, stage, before_epoch=latest[0].epoch)
    if base is None or base.id == latest[0].id:
        raise StoreError(
            store.name,
            f"has no GO or CONDITIONAL GO evaluation of {release} at stage {stage} before "
            f"#{latest[0].id}: nothing to compare it with",
        )
    return base, latest[0]


def diff(a: StoredEvaluation, b: StoredEvaluation, *, safe_line: Escape = str) -> str:
    """What changed from evaluation `a` to `b`: verdict, criteria that flipped, metric deltas,
    evidence files, failing tests and findings that appeared or disappeared."""
    out = [f"#{a.id} {a.release} {a.version} ({_when(a)}) -> #{b.id} {b.version} ({_when(b)})"]
    same = "unchanged" if a.verdict == b.verdict else "changed"
    out.append(f"verdict: {a.verdict} -> {b.verdict} ({same})")
    before = {c.key: c for c in a.criteria}
    after = {c.key: c for c in b.criteria}
    flipped, deltas = [], []
    for key, c in after.items():
        old = before.get(key)
        if old is None:
            flipped.append(f"  {key}: new, {c.status}")
            continue
        if old.status != c.status:
            flipped.append(f"  {key}: {old.status} -> {c.status}")
        if old.value is not None and c.value is not None and old.value != c.value:
            try:
                prior = units.convert(old.value, old.unit, c.unit) if old.unit else old.value
            except DefinitionError:  # units changed: show both values, no delta
                deltas.append(
                    f"  {key}: {_value(old.value, old.unit)} -> {_value(c.value, c.unit)}"
                )
                continue
            change = c.value - prior
            sign = "-" if change < 0 else "+"
            rel = f", {change / prior:+.1%}" if prior else ""
            deltas.append(
                f"  {key}: {_value(prior, c.unit)} -> {_value(c.value, c.unit)} "
                f"({sign}{_value(abs(change), c.unit)}{rel})"
            )
    flipped += [f"  {key}: gone (was {c.status})" for key, c in before.items() if key not in after]
    out += _section("criteria that flipped", flipped)
    out += _section("metric deltas", deltas)
    out += _section("evidence changed", _evidence(a, b))
    for kind, title in (("test", "failing tests"), ("finding", "findings")):
        old_p = {(p.check, p.ident): p.detail for p in a.problems if p.kind == kind}
        new_p = {(p.check, p.ident): p.detail for p in b.problems if p.kind == kind}
        appeared = [f"  + {c}: {i} ({new_p[c, i]})" for c, i in sorted(set(new_p) - set(old_p))]
        gone = [f"  - {c}: {i} ({old_p[c, i]})" for c, i in sorted(set(old_p) - set(new_p))]
        out += _section(f"{title} that appeared", _capped(appeared))
        out += _section(f"{title} that disappeared", _capped(gone))
    return "".join(safe_line(line) + "\n" for line in out)


def _capped(lines: list[str]) -> list[str]:
    if len(lines) <= MAX_LISTED:
        return lines
    return [*lines[:MAX_LISTED], f"  ... and {len(lines) - MAX_LISTED} more"]


def _section(title: str, lines: list[str]) -> list[str]:
    return [f"{title}:", *lines] if lines else [f"{title}: none"]


def _evidence(a: StoredEvaluation, b: StoredEvaluation) -> list[str]:
    old = {(e.check, e.path): e.sha256 for e in a.evidence}
    new = {(e.check, e.path): e.sha256 for e in b.evidence}
    lines = []
    for key in sorted(set(old) | set(new)):
        check, path = key
        if key not in old:
            lines.append(f"  + {check}: {path} (new file)")
        elif key not in new:
            lines.append(f"  - {check}: {path} (no longer read)")
        elif old[key] != new[key]:
            lines.append(f"  ~ {check}: {path} sha256 {old[key][:12]} -> {new[key][:12]}")
    return lines


def prune(store: Store, keep: int | None, older_than: str | None, now: float) -> str:
    """Delete old evaluations (each release line's baseline is kept); one line saying how many."""
    if keep is None and older_than is None:
        raise UsageError("history prune: give --keep N, --older-than AGE, or both")
    if keep is not None and keep < 0:
        raise UsageError("--keep must be 0 or more")
    cutoff = now - parse_age(older_than) if older_than is not None else None
    deleted = store.prune(keep=keep, older_than_epoch=cutoff)
    return f"pruned {deleted} evaluation(s) from {store.name}\n"
