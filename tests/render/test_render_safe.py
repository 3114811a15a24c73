"""The neutralisation helpers every renderer uses for evidence text (readiness.render.safe)."""

from __future__ import annotations

import pytest

from readiness.render import safe

HOSTILE_CHARS = (
    "\x00\x07\x08\x0b\x0c\r\x1b\x1f\x7f\x85\x9b"
    "\u061c\u200e\u202a\u202e\u2066\u2069\u2028\u2029\ufeff\ud800"
)


def test_visible_writes_every_control_bidi_and_separator_character_as_an_escape() -> None:
    """C0 (but tab), DEL, C1, bidi marks, overrides and isolates, line separators, the BOM and
    lone surrogates become readable escapes; tab and the characters kept stay."""
    shown = safe.visible(HOSTILE_CHARS + "\t\n")
    assert shown == (
        r"\x00\x07\x08\x0b\x0c\r\x1b\x1f\x7f\x85\x9b\u061c\u200e\u202a\u202e\u2066\u2069"
        r"\u2028\u2029\ufeff\ud800" + "\t\\n"
    )
    assert safe.visible("a\nb", keep="\n") == "a\nb"
    shown.encode("utf-8")  # a lone surrogate no longer breaks printing
    assert safe.visible("naïve ✓ 日本") == "naïve ✓ 日本"


def test_terminal_text_is_one_line_that_starts_no_workflow_command() -> None:
    """ANSI/OSC escapes and newlines are visible, a leading `::` (after blanks) is defused and
    `##[` (GitHub's version-1 command, honoured anywhere in a line) is broken."""
    assert (
        safe.terminal("\x1b]0;pwned\x07GET /\n::error::x") == r"\x1b]0;pwned\x07GET /\n::error::x"
    )
    assert safe.terminal("  ::add-mask::s") == "  \\::add-mask::s"
    assert safe.terminal("a ##[error]b") == "a ##\\[error]b"
    assert safe.terminal("tests/test_x.py::test_y") == "tests/test_x.py::test_y"
    assert safe.terminal("x" * 200, limit=10) == "x" * 9 + "…"


def test_ci_line_defuses_only_a_leading_command() -> None:
    """A line whose first non-blank characters are `::` gains a backslash; others are kept."""
    assert safe.ci_line("::error::x") == "\\::error::x"
    assert safe.ci_line("\u3000 ::warning::x") == "\u3000 \\::warning::x"
    assert safe.ci_line("a::b") == "a::b"


def test_terminal_block_keeps_lines_and_defuses_each() -> None:
    """An error message keeps its line breaks; no line can start a command."""
    assert safe.terminal_block("bad\n ::error::x\n\x1b[2J##[warning]") == (
        "bad\n \\::error::x\n\\x1b[2J##\\[warning]"
    )


def test_github_escaping_follows_the_toolkit_and_shows_controls() -> None:
    """Messages encode `%`, CR and LF; properties also `:` and `,`; other controls visible."""
    assert safe.gh_data("50% done\r\nnext: a, b") == "50%25 done%0D%0Anext: a, b"
    assert safe.gh_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    assert safe.gh_data("x\x1b[2J\n::add-mask::s ##[y]") == r"x\x1b[2J%0A::add-mask::s ##\[y]"


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("a | b\nc\r\nd", "a \\| b c d"),
        (
            "[x](javascript:1) *b* `c` _d_ ~e~",
            "\\[x\\](javascript:1) \\*b\\* \\`c\\` \\_d\\_ \\~e\\~",
        ),
        ("ping @team, see #123 and o/r#4", "ping @\u200bteam, see #\u200b123 and o/r#\u200b4"),
        ("# heading", "\\# heading"),
        ("- item", "\\- item"),
        ("1. first", "1\\. first"),
        ("---", "\\---"),
        ("-", "-"),
        ("a&b", "a&amp;b"),
        ("\x1b[2J\u202e", "\\\\x1b\\[2J\\\\u202e"),
    ],
)
def test_markdown_escapes_html_links_code_tables_blocks_and_mentions(
    raw: str, escaped: str
) -> None:
    """Inline Markdown for untrusted text: no HTML, link, code, emphasis, table break, block
    start, mention or issue reference; controls shown as escapes; one line."""
    assert safe.markdown(raw) == escaped
    assert isinstance(safe.markdown(raw), safe.Markdown)


def test_markdown_truncates_to_the_limit() -> None:
    """A long value is cut to `limit` characters, ending in an ellipsis."""
    assert safe.markdown("y" * 400) == "y" * 299 + "…"
    assert safe.markdown("y" * 400, limit=None) == "y" * 400


def test_markdown_block_keeps_paragraphs_and_escapes_each_line() -> None:
    """Line breaks and blank lines survive; each line is escaped, indentation folded away."""
    assert safe.markdown_block("one @a\n\n# two\n    - three\r\n") == (
        "one @\u200ba\n\n\\# two\n\\- three\n"
    )


def test_cost_is_linear_in_the_input() -> None:
    """Half a megabyte of hostile characters are escaped in one pass (a quadratic helper would
    take minutes here)."""
    text = ("\x1b@#|`\n::" * 30_000) + "x" * 300_000
    assert len(safe.terminal(text)) > len(text)
    assert len(safe.markdown(text, limit=None)) > len(text)
    assert len(safe.gh_property(text)) > len(text)
