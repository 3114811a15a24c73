"""The portfolio as plain data: what every renderer shows, computed once (JSON is this, dumped).

Deterministic: releases in dependency order, every list sorted, dates as YYYY-MM-DD.
"""

from __future__ import annotations

from typing import Any

from readiness.portfolio import milestones
from readiness.portfolio.model import MilestoneStatus, Portfolio, ReleaseRow

FORMAT_VERSION = 1
IMPACTS = ("critical", "high", "medium", "low")
LIKELIHOODS = ("low", "medium", "high")


def risk_state(status: str) -> str:
    """verified, accepted or unproven (unverified, or an acceptance that expired)."""
    return status if status in ("verified", "accepted") else "unproven"


def milestone_text(ms: MilestoneStatus | None) -> str:
    """`public testing 2026-12-05: at risk, 3 days left` (or overdue)."""
    if ms is None:
        return "no milestones"
    head = f"{milestones.title(ms.stage)} {ms.date}"
    if ms.state == "done":
        return f"{head}: done"
    if ms.days < 0:
        when = f"{-ms.days} day{'s' if ms.days != -1 else ''} overdue"
    elif ms.days == 0:
        when = "due today"
    else:
        when = f"{ms.days} day{'s' if ms.days != 1 else ''} left"
    text = f"{head}: {ms.state}, {when}"
    for s in ms.slips:
        via = f" via {s.via}" if s.via and s.via != s.release else ""
        text += (
            f"; moves with {s.release}{via} ({milestones.title(s.stage)} {s.days} days late): "
            f"expect {ms.expected} at the earliest"
        )
    return text


def _row(r: ReleaseRow) -> dict[str, Any]:
    ms = r.milestone
    return {
        "release": r.release,
        "version": r.version,
        "stage": r.stage,
        "verdict": r.verdict,
        "owner": r.owner,
        "definition": r.definition,
        "reached": r.reached,
        "milestone": None
        if ms is None
        else {
            "stage": ms.stage,
            "date": ms.date.isoformat(),
            "state": ms.state,
            "days": ms.days,
            "expected": ms.expected.isoformat(),
            "slips": [
                {"release": s.release, "stage": s.stage, "days": s.days, "via": s.via}
                for s in ms.slips
            ],
            "text": milestone_text(ms),
        },
        "milestones": {s: d.isoformat() for s, d in r.milestones},
        "requires": [res.as_dict() for res in r.requires],
        "blockers_by_owner": {
            owner: [{"kind": b.kind, "subject": b.subject, "text": b.text} for b in items]
            for owner, items in sorted(r.blockers_by_owner().items())
        },
        "blockers": len(r.blockers),
        "conditions": [c.text for c in r.conditions],
        "open_risks": [
            rk["id"] for rk in r.risks if risk_state(str(rk.get("status"))) != "verified"
        ],
    }


def risk_register(p: Portfolio) -> list[dict[str, Any]]:
    """Every risk of every release, most severe first."""
    out = []
    for r in p.releases:
        for rk in r.risks:
            acc = rk.get("accepted") or {}
            out.append(
                {
                    "release": r.release,
                    "id": rk.get("id"),
                    "title": rk.get("title"),
                    "impact": rk.get("impact"),
                    "likelihood": rk.get("likelihood"),
                    "owner": rk.get("owner") or "",
                    "response": rk.get("response"),
                    "state": risk_state(str(rk.get("status"))),
                    "accepted_until": acc.get("expires"),
                    "blocking": bool(rk.get("blocking")),
                }
            )
    return sorted(
        out,
        key=lambda x: (
            IMPACTS.index(str(x["impact"])) if x["impact"] in IMPACTS else 9,
            -LIKELIHOODS.index(str(x["likelihood"])) if x["likelihood"] in LIKELIHOODS else 0,
            str(x["release"]),
            str(x["id"]),
        ),
    )


def _level(impact: str, likelihood: str) -> int:
    """3 (red), 2 (amber) or 1 (green): impact weight (low 1 .. critical 4) times likelihood."""
    score = (4 - IMPACTS.index(impact)) * (1 + LIKELIHOODS.index(likelihood))
    return 3 if score >= 6 else 2 if score >= 3 else 1


def matrix(register: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Impact rows (critical first) by likelihood columns (low to high), risks in each cell."""
    return [
        {
            "impact": imp,
            "cells": [
                {
                    "risks": [x for x in register if x["impact"] == imp and x["likelihood"] == lik],
                    "level": _level(imp, lik),
                }
                for lik in LIKELIHOODS
            ],
        }
        for imp in IMPACTS
    ]


def owed_by_role(p: Portfolio) -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = {}
    for o in p.owed:
        out.setdefault(o.role, []).append(
            {"release": o.release, "state": o.state, "signer": o.detail}
        )
    return out


def build(p: Portfolio) -> dict[str, Any]:
    """The whole view as JSON-ready data."""
    register = risk_register(p)
    return {
        "format_version": FORMAT_VERSION,
        "generated_at": p.generated_at,
        "today": p.today.isoformat(),
        "exit_code": p.exit_code,
        "summary": {
            "releases": len(p.releases),
            "no_go": sum(1 for r in p.releases if r.verdict == "NO-GO"),
            "late": sum(1 for r in p.releases if r.milestone and r.milestone.state == "late"),
            "at_risk": sum(1 for r in p.releases if r.milestone and r.milestone.state == "at risk"),
        },
        "next_launch": None
        if p.next_launch is None
        else {"release": p.next_launch[0], "date": p.next_launch[1].isoformat()},
        "critical_path": list(p.critical_path),
        "releases": [_row(r) for r in p.releases],
        "risks": register,
        "risk_matrix": matrix(register),
        "expiring": {
            "within_days": p.expiry_days,
            "items": [
                {
                    "release": e.release,
                    "kind": e.kind,
                    "subject": e.subject,
                    "expires": e.expires.isoformat(),
                    "days": e.days,
                    "approver": e.approver,
                }
                for e in p.expiring
            ],
        },
        "signoffs_owed": owed_by_role(p),
        "since": None
        if p.since is None
        else {
            "date": p.since.date.isoformat(),
            "compared": p.since.compared,
            "problem": p.since.problem,
            "changes": [
                {"release": c.release, "kind": c.kind, "text": c.text} for c in p.since.changes
            ],
        },
        "notes": list(p.notes),
    }
