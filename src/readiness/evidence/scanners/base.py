"""What the security-scan adapters share: parameters, severity scales, fingerprints, merging."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from readiness.errors import EvidenceError
from readiness.evidence._json import paused_gc
from readiness.evidence.records import Finding, FindingFields, Findings, FindingTable, Severity

TITLE_LIMIT: Final = 200
# Values a tool writes in place of a fingerprint or code it withholds (Semgrep CE without login).
PLACEHOLDERS: Final = frozenset({"", "requires login"})


# Words a tool may use for a severity (GitHub `security-severity` words, Semgrep metadata,
# Trivy/ZAP labels), upper-cased.
SEVERITY_WORDS: Final[dict[str, Severity]] = {
    "CRITICAL": "critical",
    "HIGH": "high",
    "MEDIUM": "medium",
    "MODERATE": "medium",
    "LOW": "low",
    "INFO": "info",
    "INFORMATIONAL": "info",
    "NONE": "info",
}


def cvss_severity(score: float) -> Severity:
    """GitHub code scanning's bands: >= 9.0 critical, >= 7.0 high, >= 4.0 medium, > 0 low, 0 info.

    Inclusive lower bounds; the caller has checked that 0 <= score <= 10.
    """
    if score >= 9.0:
        return "critical"
    if score >= 7.0:
        return "high"
    if score >= 4.0:
        return "medium"
    if score > 0.0:
        return "low"
    return "info"


def score_or_word_severity(value: object) -> Severity | None:
    """A `security-severity`: a CVSS score (number or string like "7.5") or a severity word.

    None when the value is neither; the caller reports it with its location.
    """
    if isinstance(value, str):
        word = SEVERITY_WORDS.get(value.strip().upper())
        if word is not None:
            return word
        try:
            number = float(value)
        except ValueError:
            return None
    elif isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    else:
        return None
    if math.isnan(number) or not 0.0 <= number <= 10.0:
        return None
    return cvss_severity(number)


def first_line(text: str, limit: int = TITLE_LIMIT) -> str:
    """The first non-blank line of a message, shortened to `limit` characters."""
    if len(text) <= limit and "\n" not in text and "\r" not in text:
        return text.strip()  # the common case, without splitting
    for raw in text.splitlines():
        line = raw.strip()
        if line:
            return line if len(line) <= limit else line[: limit - 1] + "…"
    return ""


def versions(text: str) -> str:
    """A fixed-version list as written by Trivy ("1.2.3, 1.3.1" or "1.2.3,1.3.1"), normalized."""
    return ", ".join(v for v in (p.strip() for p in text.split(",")) if v)


def plural(n: int, word: str) -> str:
    """`1 finding`, `2 findings`, `3 dependencies`."""
    if n == 1:
        return f"{n} {word}"
    return f"{n} {word[:-1]}ies" if word.endswith("y") else f"{n} {word}s"


@dataclass
class Partial:
    """What one evidence file contributed, before the files of a check are merged."""

    display: str
    tool: str
    findings: list[Finding] = field(default_factory=list)
    rows: list[FindingFields] = field(default_factory=list)  # findings as rows (SARIF)
    skipped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    extra: dict[str, int] = field(default_factory=dict)

    def count(self, key: str, n: int = 1) -> None:
        """Add `n` to one of the extra counts."""
        self.extra[key] = self.extra.get(key, 0) + n


def merge(parts: list[Partial]) -> Findings:
    """One Findings for all files of a check; the tool is named by the first file.

    Warnings are prefixed with the file they concern; extra counts are summed. Parts that keep
    their findings as rows (SARIF) give a `FindingTable`, the others a tuple.
    """
    if not parts:
        raise EvidenceError("no evidence file to read")
    findings: list[Finding] = []
    rows: list[FindingFields] = []
    skipped: list[str] = []
    warnings: list[str] = []
    extra: dict[str, int] = {}
    tabled = any(part.rows for part in parts)
    for part in parts:
        if tabled:
            rows.extend(part.rows)
            rows.extend(FindingTable.fields(f) for f in part.findings)
        else:
            findings.extend(part.findings)
        skipped.extend(part.skipped)
        warnings.extend(f"{part.display}: {w}" for w in part.warnings)
        for key, n in part.extra.items():
            extra[key] = extra.get(key, 0) + n
    return Findings(
        tool=parts[0].tool,
        findings=FindingTable(rows) if tabled else tuple(findings),
        skipped=tuple(skipped),
        warnings=tuple(warnings),
        extra_counts=extra,
    )


def read_each(
    files: list[Path], display: dict[Path, str], read_one: Callable[[Path, str], Partial]
) -> Findings:
    """Read every file with `read_one` (the garbage collector paused) and merge the results."""
    parts = []
    for p in files:
        with paused_gc():
            parts.append(read_one(p, display.get(p, str(p))))
    return merge(parts)
