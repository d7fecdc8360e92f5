"""Pages as a person sees them: a token-less Jupyter server and headless Chromium over DevTools.

Used by ``benchmarks/screenshot_formgrader.py`` (screenshots of formgrader)
and by the end-to-end test of a student's and an instructor's day
(``tests/test_day_in_chromium.py``), which asserts on what the pages show.

* :func:`start_server` starts a Jupyter server (formgrader is its extension)
  rooted at a course folder, on 127.0.0.1 and without a token, for the few
  seconds a check takes;
* :class:`Browser` drives Debian's ``chromium --headless`` over its DevTools
  protocol (``websocket-client`` comes with jupyter_server): open a page at a
  given window width, run JavaScript in it (``Runtime.evaluate``), collect
  what the page wrote to its console (``Runtime.consoleAPICalled``: the
  browser tests, ``tests/test_browser_pages.py``, watch it for a student's
  script), take a screenshot.
"""

import base64
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

from ..batch.nbgrader_cli import nbgrader_env


class NoChromium(RuntimeError):
    """No Chromium on this machine (``apt-get install chromium``)."""


def chromium():
    """The path of a Chromium (or Chrome) binary; :class:`NoChromium` when there is none."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    raise NoChromium("no Chromium found (apt-get install chromium)")


def free_port():
    """A TCP port of 127.0.0.1 that nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url):
    """The text at `url` (a minute at most)."""
    with urllib.request.urlopen(url, timeout=60) as resp:
        return resp.read().decode("utf-8", "replace")


def start_server(course, port, log, env=None):
    """A Jupyter server rooted at the course (formgrader needs the course inside its root).

    127.0.0.1 only and no token: formgrader's page fetches the grades with
    further requests, which a token in the page's URL does not cover.
    """
    argv = [sys.executable, "-m", "jupyter_server", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
            f"--ServerApp.root_dir={course}", "--IdentityProvider.token=", "--allow-root"]
    proc = subprocess.Popen(argv, cwd=course, env=env or nbgrader_env(), stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    for _ in range(120):
        try:
            fetch(f"http://127.0.0.1:{port}/api/status")
            return proc
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"the Jupyter server stopped (exit {proc.returncode}); see its log")
            time.sleep(0.5)
    os.killpg(proc.pid, 9)
    raise RuntimeError("the Jupyter server did not answer within a minute")


class Browser:
    """Headless Chromium driven over the DevTools protocol (websocket-client comes with jupyter_server).

    `profile`: a folder of this run's own (Chromium's user data); `helpers`:
    JavaScript definitions every :meth:`js` body can use. Use as a context
    manager, or call :meth:`close`.
    """

    def __init__(self, profile, width=1280, helpers=""):
        import websocket

        self.helpers = helpers  # JavaScript put before every body :meth:`js` runs

        self.proc = subprocess.Popen(
            [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--remote-debugging-port=0", "--remote-allow-origins=*", f"--user-data-dir={profile}",
             "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        for line in self.proc.stderr:
            found = re.search(rb"DevTools listening on ws://([^/]+)/", line)
            if found:
                break
        else:
            raise RuntimeError("Chromium did not start its DevTools endpoint")
        pages = json.loads(fetch(f"http://{found.group(1).decode()}/json/list"))
        url = next(p["webSocketDebuggerUrl"] for p in pages if p["type"] == "page")
        self.ws = websocket.create_connection(url, timeout=120, suppress_origin=True)
        self.next_id, self.width, self.loaded = 0, width, False
        self.console = []  # [(type, text)] the pages wrote to their console
        self.call("Page.enable")
        self.call("Runtime.enable")  # console events

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.next_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self._event(msg)

    def _event(self, msg):
        method = msg.get("method")
        if method == "Page.loadEventFired":
            self.loaded = True
        elif method == "Runtime.consoleAPICalled":
            args = msg["params"].get("args", [])
            self.console.append((msg["params"].get("type"),
                                 " ".join(str(a.get("value", a.get("description", ""))) for a in args)))

    def resize(self, width, height=1000):
        """Set the window's size in CSS pixels (what media queries and layout see)."""
        self.width = int(width)
        self.call("Emulation.setDeviceMetricsOverride", width=self.width, height=height, deviceScaleFactor=1,
                  mobile=False)

    def open(self, url, settle=3.0, widen_to_fit=False):
        """Load `url` at the window's width and wait `settle` seconds for its scripts.

        `widen_to_fit` widens the window until every image fits (for a
        screenshot of a page that does not shrink its figures).
        """
        self.resize(self.width)
        self.loaded = False
        self.call("Page.navigate", url=url)
        end = time.monotonic() + 60
        while not self.loaded and time.monotonic() < end:
            self._event(json.loads(self.ws.recv()))
        time.sleep(settle)  # formgrader's scripts fetch the grades and comments after the load
        self.call("Runtime.evaluate", expression="0")  # reads every event the page sent meanwhile
        # the page is centred, so each widening moves it right by half as much
        for _ in range(12 if widen_to_fit else 0):
            right = self.js("return Math.max(0, ...[...document.images].map(i => i.getBoundingClientRect().right));")
            if right + 40 <= self.width:
                break
            self.resize(int(2 * (right + 40) - self.width))
            time.sleep(0.5)

    def js(self, body):
        """The value of JavaScript function body `body` (with :attr:`helpers` in scope) in the page."""
        result = self.call("Runtime.evaluate", expression=f"(() => {{ {self.helpers} {body} }})()",
                           returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{body}: {result['exceptionDetails'].get('exception', {}).get('description')}")
        return result["result"].get("value")

    def band(self, view_js, pad=12):
        """(left, top, width, height) in page pixels of the band of the page from the first to the
        last element that `view_js` returns (``return [first, last];``), as wide as the notebook."""
        body = view_js.replace("return [", "const els = [", 1)
        left, right, top, bottom = self.js(
            body + " const r = els.map(e => e.getBoundingClientRect());"
                   " const c = document.getElementById('notebook-container').getBoundingClientRect();"
                   " const top = r[0].top + scrollY, bottom = r[r.length - 1].bottom + scrollY;"
                   " const imgs = [...document.images].map(i => i.getBoundingClientRect())"
                   "   .filter(b => b.top + scrollY >= top && b.bottom + scrollY <= bottom).map(b => b.right);"
                   " return [c.left, Math.max(c.right, ...imgs), top, bottom];")
        left = max(0, left - pad)
        return left, max(0, top - pad), min(self.width - left, right - left + 2 * pad), bottom - top + 2 * pad

    def shoot(self, path, left=0, top=0, width=None, height=None):
        if height is None:
            height = self.js("return document.documentElement.scrollHeight;")
        width = width or self.width
        shot = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                         clip={"x": left, "y": top, "width": width, "height": height, "scale": 1})
        with open(path, "wb") as fh:
            fh.write(base64.b64decode(shot["data"]))
        print(f"{path} ({int(width)}x{int(height)})")

    def close(self):
        try:
            self.ws.close()
        finally:
            os.killpg(self.proc.pid, 9)
            self.proc.wait()
            self.proc.stderr.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def stop_server(proc):
    """Stop a server :func:`start_server` started (its whole session)."""
    try:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(proc.pid, 9)
        proc.wait()


