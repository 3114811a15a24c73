"""Why a release is blocked or conditional: small typed values, not prose strings.

Each blocker or condition says what kind of thing it is about (a criterion, a check's evidence,
a waiver, a sign-off role, a risk, a required release), which one (`subject`), the evidence
behind it, and who must act (`owner`), so reports, the history store and the portfolio can
group and count them without parsing text. `text` is the one line shown to people;
`str(reason)` is that line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ReasonKind = Literal[
    "criterion",  # subject: the criterion key (gate.id)
    "evidence",  # subject: the check id whose evidence is missing, unreadable or stale
    "waiver",  # subject: the criterion key the waiver names
    "signoff",  # subject: the role
    "risk",  # subject: the risk id
    "gate",  # subject: the gate id (no criterion evaluated)
    "release",  # subject: the release (nothing evaluated, or a rule of the whole release)
    "dependency",  # subject: the required release (`requires`) that is not where it must be
]
REASON_KINDS: tuple[ReasonKind, ...] = (
    "criterion",
    "evidence",
    "waiver",
    "signoff",
    "risk",
    "gate",
    "release",
    "dependency",
)


@dataclass(frozen=True)
class Reason:
    """One blocker or condition."""

    kind: ReasonKind
    subject: str
    text: str
    evidence: tuple[tuple[str, str], ...] = ()  # (path, sha256)
    owner: str = ""  # who must act: a role, a risk owner, a gate

    def __str__(self) -> str:
        return self.text
