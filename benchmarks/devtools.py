"""Headless Chromium over its DevTools protocol, and a token-less Jupyter server for formgrader.

Shared by ``benchmarks/screenshot_formgrader.py`` (screenshots of formgrader's
grading view) and ``tests/test_browser_pages.py`` (no student script runs in
the feedback, formgrader's grading view or the class report).

* :func:`start_server`: a Jupyter server (formgrader is its server extension)
  rooted at a course, on 127.0.0.1, without a token, for the few seconds a
  page takes;
* :class:`Browser`: one headless Chromium page: open a URL, evaluate
  JavaScript (``Runtime.evaluate``), collect what the page wrote to its
  console (``Runtime.consoleAPICalled``) and take screenshots.
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


def chromium():
    """The Chromium executable, or None."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    return None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url):
    with urllib.request.urlopen(url, timeout=60) as resp:
        return resp.read().decode("utf-8", "replace")


def start_server(course, port, log, env=None):
    """A Jupyter server rooted at the course (formgrader needs the course inside its root).

    127.0.0.1 only and no token: formgrader's page fetches the grades with
    further requests, which a token in the page's URL does not cover.
    """
    argv = [sys.executable, "-m", "jupyter_server", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
            f"--ServerApp.root_dir={course}", "--IdentityProvider.token=", "--allow-root"]
    proc = subprocess.Popen(argv, cwd=course, env=env, stdout=log, stderr=subprocess.STDOUT,
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


def stop_server(proc):
    os.killpg(proc.pid, 15)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        proc.wait()


class Browser:
    """Headless Chromium driven over the DevTools protocol (websocket-client comes with jupyter_server).

    `helpers`: JavaScript put before every :meth:`js` body (functions it may call).
    """

    def __init__(self, profile, width=1280, helpers=""):
        import websocket

        exe = chromium()
        if exe is None:
            raise RuntimeError("no Chromium found (apt-get install chromium)")
        self.proc = subprocess.Popen(
            [exe, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
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
        self.next_id, self.width, self.loaded, self.helpers = 0, width, False, helpers
        self.console = []  # [(type, text)] the pages wrote to their console
        self.call("Page.enable")
        self.call("Runtime.enable")

    def _event(self, msg):
        method = msg.get("method")
        if method == "Page.loadEventFired":
            self.loaded = True
        elif method == "Runtime.consoleAPICalled":
            args = msg["params"].get("args", [])
            self.console.append((msg["params"].get("type"), " ".join(str(a.get("value", a.get("description", "")))
                                                                     for a in args)))

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

    def open(self, url, settle=3.0, fit_images=True):
        """Load `url`, wait for its load event and `settle` seconds more (a page's scripts run then)."""
        self.call("Emulation.setDeviceMetricsOverride", width=self.width, height=1000, deviceScaleFactor=1,
                  mobile=False)
        self.loaded = False
        self.call("Page.navigate", url=url)
        end = time.monotonic() + 60
        while not self.loaded and time.monotonic() < end:
            self._event(json.loads(self.ws.recv()))
        time.sleep(settle)  # formgrader's scripts fetch the grades and comments after the load
        self.call("Runtime.evaluate", expression="0")  # reads every event the page sent meanwhile
        # formgrader does not shrink a wide figure: widen the window until the widest one fits
        # (the page is centred, so each widening moves it right by half as much)
        for _ in range(12 if fit_images else 0):
            right = self.js("return Math.max(0, ...[...document.images].map(i => i.getBoundingClientRect().right));")
            if right + 40 <= self.width:
                break
            self.width = int(2 * (right + 40) - self.width)
            self.call("Emulation.setDeviceMetricsOverride", width=self.width, height=1000,
                      deviceScaleFactor=1, mobile=False)
            time.sleep(0.5)

    def js(self, body):
        """The value `body` (a function body that returns something JSON can hold) returns in the page."""
        result = self.call("Runtime.evaluate", expression=f"(() => {{ {self.helpers} {body} }})()",
                           returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{body}: {result['exceptionDetails'].get('exception', {}).get('description')}")
        return result["result"].get("value")

    def band(self, view, pad=12):
        """(left, top, width, height) in page pixels of a view: JavaScript returning [first, last] element."""
        body = view.replace("return [", "const els = [", 1)
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
