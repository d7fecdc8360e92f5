"""What a browser renders of a student's work: one HTML sanitiser (nh3) and one Content-Security-Policy.

Everything a student wrote that formgrader or the feedback renders passes
:func:`clean_html`, ammonia's whitelist (through ``nh3``, a well-kept Rust
sanitiser): no script, style, form, frame, object or SVG element, no event
handler or ``style`` (``text-align`` on table cells aside), no ``id``, links
only to ``http:``, ``https:`` or ``mailto:`` (entities, case and blanks
decoded first), images only from ``data:image/...;base64``, classes only
pygments'; MathJax's ``\\href``, ``\\class``, ``\\style``... are left as text.

* :func:`markdown_html`: a student's markdown rendered to HTML exactly as
  nbconvert renders it for formgrader and the feedback (attachments inlined),
  cleaned, as one ``<div>`` line of HTML that a second markdown pass passes
  through unchanged;
* :func:`clean_output`: a code cell's output: HTML cleaned, SVG as an
  ``<img>`` of a data: URL (where SVG runs nothing), markdown as cleaned HTML,
  PNG and JPEG only as base64, every other type (JavaScript, widgets, ...)
  dropped, metadata only integer image sizes;
* :data:`CSP`, :func:`csp_meta`: the policy of every page the grader writes
  (the feedback, the class report): no script at all.

:mod:`autograder.batch.safe_notebook` applies them to whole notebooks, in nbgrader's
autograde and generate_feedback.
"""

import base64
import copy
import html
import re

from .escape import clean_text

# scripts, plugins, <base>, form targets and frames: none; images and fonts: inline only
CSP = ("default-src 'none'; script-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'; "
       "frame-src 'none'; connect-src 'none'; img-src data:; font-src data:; style-src 'unsafe-inline'")
_SAFE_HREF = ("http:", "https:", "mailto:")
_DATA_IMAGE = re.compile(r"data:image/(png|jpeg|gif|webp|svg\+xml);base64,[A-Za-z0-9+/=]*\Z")
_BASE64 = re.compile(r"[A-Za-z0-9+/=\s]*\Z")
_URL_NOISE = re.compile(r"[\x00-\x20\x7f]")  # what a browser's URL parser skips or strips
# MathJax (formgrader loads it) turns these into links, classes and styles: a zero-width space
# after the backslash leaves them as text
_MATHJAX_LIVE = re.compile(r"\\(?=(href|url|class|cssId|style|data|unicode|require|html)(?![A-Za-z]))")
_OUTPUT_TYPES = ("stream", "error", "display_data", "execute_result")


def _pygments_classes():
    from pygments.token import STANDARD_TYPES

    return set(STANDARD_TYPES.values()) - {""}


def _attribute(tag, name, value):
    """nh3's attribute filter: links and images by what a browser would load, sizes as numbers."""
    if name == "href":
        return value if _URL_NOISE.sub("", value).lower().startswith(_SAFE_HREF) else None
    if name == "src":
        return value if tag == "img" and _DATA_IMAGE.match(_URL_NOISE.sub("", value)) else None
    if name in ("width", "height", "span", "colspan", "rowspan", "start", "size"):
        return value if value.strip().isdigit() and len(value.strip()) < 6 else None
    if name == "cite":
        return None  # a URL no one needs
    return value


_CLEANER = None


def _cleaner():
    global _CLEANER
    if _CLEANER is None:
        import nh3

        attributes = copy.deepcopy(nh3.ALLOWED_ATTRIBUTES)
        for tag in ("td", "th"):
            attributes[tag] = set(attributes.get(tag, ())) | {"style"}
        _CLEANER = nh3.Cleaner(
            tags=set(nh3.ALLOWED_TAGS), attributes=attributes, attribute_filter=_attribute,
            url_schemes={"http", "https", "mailto", "data"}, url_relative="deny", strip_comments=True,
            allowed_classes={"div": {"highlight"}, "span": _pygments_classes()},
            filter_style_properties={"text-align"})
    return _CLEANER


def clean_html(fragment):
    """`fragment` (HTML a student controls) with nothing live left: see the module docstring."""
    text = clean_text(fragment if isinstance(fragment, str) else _joined(fragment))
    return _MATHJAX_LIVE.sub("\\\\\u200b", _cleaner().clean(text))


def markdown_html(source, attachments=None):
    """A student's markdown as one line of cleaned HTML, rendered as nbconvert renders it.

    One ``<div>`` line, newlines written ``&#10;``: markdown reads it as one
    HTML block and passes it through, so formgrader shows what was cleaned.
    """
    from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

    source = clean_text(_joined(source))
    try:
        renderer = IPythonRenderer(escape=False, attachments=_attachments(attachments), exclude_anchor_links=True)
        rendered = MarkdownWithMath(renderer=renderer).render(source)
    except Exception:  # a missing attachment, a renderer's failure: the text itself
        rendered = "<pre>" + html.escape(source) + "</pre>"
    return "<div>" + clean_html(rendered).replace("\r", "").replace("\n", "&#10;") + "</div>"


def _attachments(value):
    if not isinstance(value, dict):
        return {}
    return {str(name): {str(k): v for k, v in data.items() if isinstance(v, str)}
            for name, data in value.items() if isinstance(data, dict)}


def _joined(value):
    if isinstance(value, list):
        return "".join(v if isinstance(v, str) else clean_text(v) for v in value)
    return value if isinstance(value, str) else clean_text(value)


# ------------------------------------------------------------------ outputs

def clean_output(output):
    """One code-cell output with nothing live (see the module docstring); None to drop it."""
    if not isinstance(output, dict) or output.get("output_type") not in _OUTPUT_TYPES:
        return None
    kind = output["output_type"]
    if kind == "stream":
        return {"output_type": kind, "name": "stderr" if output.get("name") == "stderr" else "stdout",
                "text": clean_text(_joined(output.get("text", "")))}
    if kind == "error":
        trace = output.get("traceback")
        return {"output_type": kind, "ename": clean_text(output.get("ename", "")),
                "evalue": clean_text(output.get("evalue", "")),
                "traceback": [clean_text(t) for t in trace] if isinstance(trace, list) else []}
    data = output.get("data") if isinstance(output.get("data"), dict) else {}
    out = {}
    for mime in ("image/png", "image/jpeg"):
        value = _joined(data.get(mime, ""))
        if value and _BASE64.match(value):
            out[mime] = value
    if "text/html" in data:
        out["text/html"] = clean_html(data["text/html"])
    elif isinstance(data.get("image/svg+xml"), (str, list)):
        svg = clean_text(_joined(data["image/svg+xml"])).encode("utf-8")
        out["text/html"] = clean_html('<img alt="figure" src="data:image/svg+xml;base64,'
                                      + base64.b64encode(svg).decode("ascii") + '">')
    elif "text/markdown" in data:
        out["text/html"] = markdown_html(data["text/markdown"])
    if "text/latex" in data:
        out["text/latex"] = _MATHJAX_LIVE.sub("\\\\\u200b", clean_text(_joined(data["text/latex"])))
    if "text/plain" in data or not out:
        out["text/plain"] = clean_text(_joined(data.get("text/plain", "")))
    meta = output.get("metadata") if isinstance(output.get("metadata"), dict) else {}
    sizes = {}
    for mime in ("image/png", "image/jpeg"):
        given = meta.get(mime) if isinstance(meta.get(mime), dict) else {}
        kept = {k: given[k] for k in ("width", "height") if type(given.get(k)) is int and 0 < given[k] < 10**5}
        if isinstance(given.get("alt"), str):  # the image's description: an attribute the template escapes
            kept["alt"] = " ".join(clean_text(given["alt"]).split())[:200]
        if mime in out and kept:
            sizes[mime] = kept
    clean = {"output_type": kind, "data": out, "metadata": sizes}
    if kind == "execute_result":
        count = output.get("execution_count")
        clean["execution_count"] = count if type(count) is int and count >= 0 else None
    return clean


def csp_meta():
    """The ``<meta>`` element that puts :data:`CSP` on a page (first thing in its ``<head>``)."""
    return f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
