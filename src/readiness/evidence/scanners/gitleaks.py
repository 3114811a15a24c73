"""gitleaks' JSON report (leaked secrets)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from readiness.evidence._json import Shape, kind_of, load_json
from readiness.evidence.base import LazyParams, NoDefaults
from readiness.evidence.records import Finding, Findings, fingerprint
from readiness.evidence.scanners.base import (
    Partial,
    first_line,
    read_each,
)

if TYPE_CHECKING:
    from readiness.evidence.params import NoParams


class GitleaksAdapter:
    """gitleaks' JSON report (`gitleaks git|dir --report-format json --report-path leaks.json`).

    A top-level array, one finding per leak: rule = `RuleID`, title = `Description` (or the rule
    id), location = `File:StartLine`, fingerprint = gitleaks' `Fingerprint` (commit:file:rule:line,
    the key of `.gitleaksignore`), else a hash of rule, location and commit.

    Severity: every leak is **critical**. A secret in the tree or its history is usable by
    anyone who can read the repository; the fix is to revoke and rotate it, whatever its kind.
    Waive a false positive explicitly, by its fingerprint.

    The plaintext secret is never copied: `Secret`, `Match` and `Line` (and the commit
    message, author and e-mail) are not read into any field. An empty array is a clean scan.
    """

    kind: ClassVar[str] = "gitleaks"
    record: ClassVar[str] = "Findings"
    Params: LazyParams[NoParams] = LazyParams("readiness.evidence.params:NoParams")
    defaults: ClassVar[NoDefaults] = NoDefaults()

    def read(
        self, files: list[Path], display: dict[Path, str], params: NoParams | NoDefaults
    ) -> Findings:
        """Merge the gitleaks JSON reports in `files`."""
        return read_each(files, display, _read_gitleaks)


def _read_gitleaks(path: Path, shown: str) -> Partial:
    shape = Shape(shown, secret=True)  # any field may hold the secret: errors never quote one
    doc = load_json(path, shown)
    if not isinstance(doc, list):
        shape.fail(
            f"expected a JSON array of leaks (gitleaks --report-format json), got {kind_of(doc)}"
        )
    part = Partial(shown, "gitleaks")
    for i, item in enumerate(doc):
        where = f"[{i}]"
        leak = shape.obj(item, f"leak {where}")
        rule = shape.string(leak, "RuleID", where)
        file = shape.string(leak, "File", where)
        line = shape.opt_int(leak, "StartLine", where)
        location = f"{file}:{line}" if line else file
        commit = shape.opt_str(leak, "Commit", where)
        part.findings.append(
            Finding(
                tool="gitleaks",
                rule=rule,
                severity="critical",
                title=first_line(shape.opt_str(leak, "Description", where)) or rule,
                location=location,
                fingerprint=shape.opt_str(leak, "Fingerprint", where)
                or fingerprint(rule, location, commit),
            )
        )
    return part
