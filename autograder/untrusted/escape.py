"""Showing what a student controls: messages, outputs, file and student names.

Everything the grader shows that a student could have chosen goes through one
function per sink, and every one of them starts with :func:`clean_text`
(unpaired surrogates become U+FFFD, control characters go), so no sink can
fail to encode what a student wrote:

* :func:`clean_text`: text to store (JSON, a notebook, the gradebook):
  surrogate-free, no control character (newlines and tabs kept);
* :func:`md_inline`: one line inside markdown the grader writes into an
  autograded notebook (and so into the feedback HTML): HTML-escaped, markdown
  punctuation backslash-escaped, newlines and control characters removed;
* :func:`md_block`: a multi-line message as an HTML ``<pre>`` block whose
  content is HTML-escaped (a ``<pre>`` block ends only at ``</pre>``, which
  the escaping removes, so neither markdown nor HTML inside it is read);
* :func:`terminal`: text for the instructor's terminal or CSV: escape
  sequences, control characters and bidirectional overrides removed;
* :func:`csv_cell`: a terminal-safe CSV cell that a spreadsheet will not run
  as a formula;
* :func:`html_text`: text inside an HTML page the grader writes (the class
  report): HTML-escaped;
* :func:`figure_label`: a label, title or tick of a matplotlib figure: never
  parsed as mathtext (every ``$`` escaped).

HTML a student wrote (markdown, HTML and SVG outputs, attachments) is not
text: it goes through the one HTML sanitiser, :mod:`autograder.untrusted.browser`.
"""

import html
import re

# CSI/OSC/other escape sequences, then single control characters (C0, DEL, C1)
_ESCAPES = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)?|[@-Z\\-_])|\x9b[0-?]*[ -/]*[@-~]")
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_SURROGATE = re.compile("[\ud800-\udfff]")
# what a spreadsheet reads as the start of a formula (OWASP's list, and their full-width forms)
_FORMULA = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~])")


def _html(text):
    """HTML-escaped, and no ``$`` for MathJax to typeset."""
    return html.escape(text, quote=True).replace("$", "&#36;")


def clean_text(text):
    """`text` (any object, as ``str``) that every codec can write: surrogate pairs joined, an
    unpaired surrogate replaced by U+FFFD, control characters removed (newlines and tabs kept)."""
    if not isinstance(text, str):
        try:
            text = str(text)
        except Exception:  # a student's object whose __str__ fails is still shown
            text = f"<{type(text).__name__} object>"
    if _SURROGATE.search(text):
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        text = _SURROGATE.sub("\ufffd", text)
    return _CONTROLS.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def terminal(text, keep_newlines=False):
    """`text` with no escape sequence, control character or bidi override."""
    text = clean_text(_ESCAPES.sub("", text if isinstance(text, str) else clean_text(text)))
    text = text.replace("\t", " ")
    if not keep_newlines:
        text = text.replace("\n", " ")
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
    """A CSV cell: terminal-safe, and not read as a formula by a spreadsheet (numbers stay numbers)."""
    if value is None or isinstance(value, (int, float)):
        return value
    text = terminal(value)
    return "'" + text if text.lstrip(" ")[:1] in _FORMULA else text


def html_text(text, keep_newlines=True):
    """`text` for an HTML page the grader writes: clean (:func:`terminal`) and HTML-escaped."""
    return html.escape(terminal(text, keep_newlines=keep_newlines), quote=True)


def figure_label(text):
    """`text` as a matplotlib label: one clean line whose ``$`` are all escaped, so mathtext never
    parses it (``\\`` alone is plain text outside mathtext)."""
    return terminal(text).replace("$", "\\$")
