"""What is live in an HTML fragment: the invariant the sanitiser's tests check (tests only)."""

import re
from html.parser import HTMLParser

SCRIPT_LIKE = ("script", "iframe", "frame", "object", "embed", "svg", "math", "style", "form", "base", "meta",
               "link", "input", "button", "textarea", "select")


class _Live(HTMLParser):
    """The live parts of an HTML fragment: script-like elements, event handlers, script or data links."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []

    def handle_starttag(self, tag, attrs):
        if tag in SCRIPT_LIKE:
            self.found.append(tag)
        for name, value in attrs:
            url = re.sub(r"[\x00-\x20]", "", value or "").lower()
            styled = name == "style" and not re.fullmatch(r"text-align:\s*[a-z]+;?", value or "")
            if name.startswith("on") or name in ("srcdoc", "id", "formaction") or styled or (
                    name in ("href", "src", "action", "data") and url.split(":")[0] not in ("http", "https", "mailto")
                    and not (tag == "img" and name == "src" and url.startswith("data:image/"))):
                self.found.append(f"{tag} {name}={value[:60]!r}")


def live(fragment):
    parser = _Live()
    parser.feed(fragment)
    parser.close()
    return parser.found
