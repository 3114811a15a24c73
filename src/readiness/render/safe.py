"""Evidence text made harmless for the sink it goes to: one module, used by every renderer.

Every string that comes from evidence or a definition (test ids, failure messages, endpoint
names, rule ids, finding titles, sign-off names and comments, notes) is untrusted. What it could
do depends on where it is printed:

- a terminal runs ANSI/OSC escapes (retitle, clear, hide text) and shows bidi overrides
  reordered: `visible` writes control characters as escapes one can read (`\\x1b`, `\\u202e`);
- a GitHub Actions log runs `::command::` at the start of any line (after whitespace) and
  `##[command]` anywhere in one: `terminal` also keeps text on one line, and `ci_line` defuses a
  line that would start a command (`\\::`); `gh_data`/`gh_property` percent-encode an
  annotation's message and properties as GitHub's toolkit does;
- Markdown (a PR comment, a step summary, launch notes) renders HTML, links, code, tables,
  `@mentions` and `#123` references: `markdown` escapes them and breaks mentions and references
  with a zero-width space, so nothing pings or links; `Markdown` marks text already escaped.

HTML is escaped by Jinja's autoescape; `visible` runs before it (see `readiness.render.html`).
Every function here is one pass over its input (linear cost), and pure.
"""

from __future__ import annotations

import re

# C0 controls but tab, DEL, C1, the Arabic letter mark and the left/right marks, line and
# paragraph separators, bidi embeddings, overrides and isolates, the BOM, and lone surrogates
# (valid JSON can hold them; printing one raises UnicodeEncodeError).
_CONTROL = re.compile(
    "[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
    "\ufeff\ud800-\udfff]"
)
_NAMED = {"\n": "\\n", "\r": "\\r"}
_V1_COMMAND = "##["  # GitHub's runner looks for this anywhere in a line
_ZWSP = "\u200b"


def _escape_char(char: str, keep: str) -> str:
    if char in keep:
        return char
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: object, *, keep: str = "") -> str:
    """`text` with every control, bidi and separator character written as a visible escape
    (`\\n`, `\\x1b`, `\\u202e`); tab and the characters in `keep` (e.g. "\\n") stay as they are."""
    return _CONTROL.sub(lambda m: _escape_char(m.group(), keep), str(text))


def _truncate(text: str, limit: int | None) -> str:
    return text if limit is None or len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def ci_line(line: str) -> str:
    """A whole output line that GitHub's runner will not take as a `::command::`: a line whose
    first non-blank characters are `::` gets a backslash before them."""
    stripped = line.lstrip()
    if not stripped.startswith("::"):
        return line
    return line[: len(line) - len(stripped)] + "\\" + stripped


def terminal(text: object, limit: int | None = None) -> str:
    """Evidence text for one line of a terminal or CI log: at most `limit` characters (then
    `…`), controls and newlines visibly escaped, no `##[` command, no leading `::`."""
    shown = visible(_truncate(str(text), limit))
    return ci_line(shown.replace(_V1_COMMAND, "##\\["))


def terminal_block(text: object) -> str:
    """Several lines for a terminal or CI log (an error message): newlines kept, every other
    control escaped, no line starting a workflow command, no `##[` anywhere."""
    shown = visible(text, keep="\n").replace(_V1_COMMAND, "##\\[")
    return "\n".join(ci_line(line) for line in shown.split("\n"))


def gh_data(text: object) -> str:
    """A workflow command's message: controls visibly escaped, `##[` defused, then `%`, CR and
    LF percent-encoded (`@actions/core` `escapeData`)."""
    shown = visible(text, keep="\r\n").replace(_V1_COMMAND, "##\\[")
    return shown.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def gh_property(text: object) -> str:
    """A workflow command's property value: as a message, plus `:` and `,` (`escapeProperty`)."""
    return gh_data(text).replace(":", "%3A").replace(",", "%2C")


class Markdown(str):
    """Text already fit for Markdown: `markdown` returns it, and the launch notes print it as is."""

    __slots__ = ()


MAX_CELL = 300
# Mid-line, only these can start emphasis, code, links or cells.
_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
_REFERENCE = re.compile(r"([@#])(?=\w)")  # @team, #123, owner/repo#123, GH mentions
# A heading, list item or setext underline at the start of a line; a lone "-" stays a dash.
_BLOCK_START = re.compile(r"^(?:(#{1,6}|[-+])(?=\s)|([-=])(?=[-=]+$)|(\d{1,9})([.)])(?=\s))")


def _block_start(m: re.Match[str]) -> str:
    """`# x`, `- x`, `+ x`, `1. x`, `---`, `==`: escaped, so that no block starts."""
    lead = m[1] or m[2]
    return f"\\{lead}" if lead else f"{m[3]}\\{m[4]}"


def _markdown_line(text: str) -> str:
    s = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    s = _SPECIAL.sub(r"\\\1", s)
    s = _BLOCK_START.sub(_block_start, s, count=1)
    return _REFERENCE.sub(r"\1" + _ZWSP, s)  # no @mention, no #reference: nobody is pinged


def markdown(text: object, limit: int | None = MAX_CELL) -> Markdown:
    """Inline Markdown for untrusted text: one line (whitespace folded), at most `limit`
    characters, controls visibly escaped, no HTML, link, code, emphasis or table break, no
    block start, and `@`/`#` followed by a zero-width space so that nobody is mentioned."""
    folded = " ".join(visible(text, keep="\n\r").split())
    return Markdown(_markdown_line(_truncate(folded, limit)))


def markdown_block(text: object) -> Markdown:
    """Untrusted text as Markdown lines: each line escaped as `markdown` does (no limit),
    line breaks and blank lines (paragraphs) kept."""
    lines = visible(text, keep="\n\r").split("\n")
    return Markdown("\n".join(_markdown_line(" ".join(line.split())) for line in lines))


def markdown_code(text: object) -> Markdown:
    """Untrusted text as an inline code span: one line, controls visibly escaped, fenced with
    more backticks than any run inside (so it cannot close early); nothing in it renders."""
    folded = " ".join(visible(text, keep="\n\r").split())
    longest = max((len(run) for run in re.findall(r"`+", folded)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if folded.startswith("`") or folded.endswith("`") else ""
    return Markdown(f"{fence}{pad}{folded}{pad}{fence}" if folded else "")
