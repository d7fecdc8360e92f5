"""Showing what a student controls: messages, outputs, file and student names.

Everything the grader shows that a student could have chosen goes through one
of these, where it is shown:

* :func:`md_inline`: one line inside markdown the grader writes into an
  autograded notebook (and so into the feedback HTML): HTML-escaped, markdown
  punctuation backslash-escaped, newlines and control characters removed;
* :func:`md_block`: a multi-line message as an HTML ``<pre>`` block whose
  content is HTML-escaped (a ``<pre>`` block ends only at ``</pre>``, which
  the escaping removes, so neither markdown nor HTML inside it is read);
* :func:`terminal`: text for the instructor's terminal or CSV: escape
  sequences, control characters and bidirectional overrides removed;
* :func:`csv_cell`: a terminal-safe CSV cell that a spreadsheet will not run
  as a formula.
"""

import html
import re

# CSI/OSC/other escape sequences, then single control characters (C0, DEL, C1)
_ESCAPES = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)?|[@-Z\\-_])|\x9b[0-?]*[ -/]*[@-~]")
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~])")


def _html(text):
    """HTML-escaped, and no ``$`` for MathJax to typeset."""
    return html.escape(text, quote=True).replace("$", "&#36;")


def terminal(text, keep_newlines=False):
    """`text` with no escape sequence, control character or bidi override."""
    text = _ESCAPES.sub("", str(text))
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    if not keep_newlines:
        text = text.replace("\n", " ")
    text = _CONTROLS.sub("", text)
    return _BIDI.sub("", text)


def md_inline(text, limit=None):
    """`text` as inert inline markdown: no HTML, no markup, one line."""
    text = terminal(text)
    if limit is not None and len(text) > limit:
        text = text[:limit] + "..."
    return _html(_MD_SPECIAL.sub(r"\\\1", text))


def md_code(text, limit=None):
    """`text` as inline code: an HTML ``<code>`` element with escaped content."""
    text = terminal(text)
    if limit is not None and len(text) > limit:
        text = text[:limit] + "..."
    return "<code>" + _html(text) + "</code>"


def md_block(text, limit=4000):
    """A multi-line message as an inert ``<pre>`` block (markdown and HTML both stay text)."""
    text = terminal(text, keep_newlines=True)
    if len(text) > limit:
        text = text[:limit] + f"\n... ({len(text) - limit} more characters)"
    # the blank lines around it make it an HTML block of its own; html.escape leaves no '<'
    return "\n<pre>" + _html(text) + "</pre>\n"


def csv_cell(value):
    """A CSV cell: terminal-safe, and not read as a formula by a spreadsheet."""
    if not isinstance(value, str):
        return value
    text = terminal(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


_SCHEMES = re.compile(r"(?i)\b(javascript|vbscript|data)\s*:")


def neutralise_markdown(text):
    """A markdown cell's text with no live HTML (``<`` shown as text) and no script links."""
    text = str(text).replace("<", "&lt;")
    return _SCHEMES.sub(lambda m: m.group(1) + "&#58;", text)
