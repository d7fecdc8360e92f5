"""Figures that fit the page: a display width on every wide image of the autograded notebook.

A student's figure is as wide as its ``figsize`` makes it (the a5 notebook's
three confusion matrices: 1,409 pixels), and formgrader's grading view shows
it at that width, clipped on the right in a 1,300-pixel window. Formgrader's
page is nbgrader's own template, so the autograded notebook says how wide to
show each image instead: :class:`FitFigures` (an autograde preprocessor, see
``course/nbgrader_config.py``) gives every PNG or JPEG output wider than
:data:`MAX_WIDTH` the display width ``MAX_WIDTH`` in its output metadata,
which nbconvert's templates write as the ``<img>``'s ``width`` (the height
follows), and every image without one a text to describe it (its ``alt``:
nbconvert warned "Alternative text is missing" on every feedback it made).
The image itself is not changed. The feedback template also keeps
every image within its column (``max-width: 100%``).
"""

import base64
import struct

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool, Integer

from ..untrusted.escape import terminal

# formgrader's output column is 848 CSS pixels wide in a 1,024-pixel window (1,048 in 1,300)
MAX_WIDTH = 800


def image_width(mime, data):
    """The width in pixels of base64 PNG or JPEG `data`, or None when it cannot be read."""
    try:
        raw = base64.b64decode(data[:200000] if mime == "image/jpeg" else data[:64], validate=False)
    except (ValueError, TypeError):
        return None
    if mime == "image/png":
        if raw[:8] != b"\x89PNG\r\n\x1a\n" or len(raw) < 24:
            return None
        return struct.unpack(">I", raw[16:20])[0]
    i = 2  # JPEG: walk the segments to the first start-of-frame
    while i + 9 < len(raw) and raw[i] == 0xFF:
        marker, length = raw[i + 1], struct.unpack(">H", raw[i + 2:i + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            return struct.unpack(">H", raw[i + 7:i + 9])[0]
        i += 2 + length
    return None


def fit_output(output, max_width=MAX_WIDTH):
    """Give `output`'s wide images the display width `max_width`; return True when one changed."""
    changed = False
    data = output.get("data")
    if not isinstance(data, dict):
        return False
    for mime in ("image/png", "image/jpeg"):
        if not isinstance(data.get(mime), str):
            continue
        if not isinstance(output.get("metadata"), dict):  # a student's notebook may hold anything here
            output["metadata"] = {}
        if not isinstance(output["metadata"].get(mime), dict):
            output["metadata"][mime] = {}
        meta = output["metadata"][mime]
        shown = meta.get("width") if isinstance(meta.get("width"), (int, float)) else image_width(mime, data[mime])
        if shown and shown > max_width:
            meta["width"] = max_width
            meta.pop("height", None)  # the browser keeps the aspect ratio
            changed = True
        if not isinstance(meta.get("alt"), str):  # nbconvert warns of every image without one
            meta["alt"] = alt_text(data)
            changed = True
    return changed


def alt_text(data):
    """The text an image is described by: its plain-text form (matplotlib's ``<Figure size 1500x460
    with 3 Axes>``), one line of at most 120 characters (the template escapes it)."""
    plain = data.get("text/plain")
    plain = "".join(plain) if isinstance(plain, list) else plain if isinstance(plain, str) else ""
    plain = " ".join(terminal(plain).split())[:120]
    return f"a figure of the notebook: {plain}" if plain else "a figure of the notebook"


class FitFigures(Preprocessor):
    """Autograde: every wide figure gets a display width that fits formgrader's and feedback's column."""

    enabled = Bool(True).tag(config=True)
    max_width = Integer(MAX_WIDTH, help="the widest an image is shown, in CSS pixels").tag(config=True)

    def preprocess(self, nb, resources):
        for cell in nb.cells:
            outputs = cell.get("outputs") if cell.get("cell_type") == "code" else None
            for output in outputs if isinstance(outputs, list) else []:
                if isinstance(output, dict) and output.get("output_type") in ("display_data", "execute_result"):
                    fit_output(output, self.max_width)
        return nb, resources
