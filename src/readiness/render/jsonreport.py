"""The JSON report: the view model's data (`view.to_data`), indented, UTF-8, deterministic."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from readiness.render import view

if TYPE_CHECKING:
    from readiness.report import Report


def render(report: Report) -> str:
    """The JSON report, indented, UTF-8, ending in a newline."""
    return json.dumps(view.to_data(report), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
