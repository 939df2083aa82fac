"""A real headless Chromium, driven over the DevTools protocol (CDP) through a pipe.

``--remote-debugging-pipe`` makes Chromium read CDP commands from file descriptor 3
and write replies and events to descriptor 4 (JSON messages ending in NUL), so no
websocket client, chromedriver or selenium is needed. Every page is opened with
the network cut (``--host-resolver-rules=MAP * ~NOTFOUND`` and a proxy on a dead
port): anything a map loads from the internet fails, as in CI.

Each opened page reports its JavaScript exceptions, console errors, JavaScript
dialogs (alert/confirm: an injection that ran), the requests that left the
machine, a PNG screenshot and the DOM. Every test here is marked ``browser``.
"""

from __future__ import annotations

import base64
import fcntl
import io
import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("GEOPROC_CHROMIUM", "/usr/bin/chromium")
WIDTH, HEIGHT = 1000, 700


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@dataclass
class Page:
    """What a page did: errors, dialogs, outgoing requests, a screenshot and the DOM."""

    url: str
    exceptions: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    png: bytes = b""
    dom: str = ""
    session: str = ""
    browser: Chromium | None = None

    @property
    def js_errors(self) -> list[str]:
        return self.exceptions + self.console_errors

    def image(self):
        from PIL import Image

        return Image.open(io.BytesIO(self.png)).convert("RGB")

    def evaluate(self, expression: str):
        """Run JavaScript in the page and return its (JSON) value."""
        return self.browser.evaluate(self.session, expression)

    def screenshot(self) -> bytes:
        self.png = self.browser.screenshot(self.session)
        return self.png

    def mouse_move(self, x: float, y: float) -> None:
        self.browser.send("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": x, "y": y},
                          self.session)


class Chromium:
    """One headless Chromium process; :meth:`open` loads a page in a fresh tab."""

    def __init__(self, profile: Path) -> None:
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()
        # move Chromium's ends above 9 so "3<&a 4>&b" below cannot clobber one with the other
        for_chrome = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (to_chrome_r, from_chrome_w)]
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        to_chrome_r, from_chrome_w = for_chrome
        self.log = profile / "chromium.log"
        flags = [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
            "--disable-default-apps", "--disable-extensions", "--mute-audio", "--hide-scrollbars",
            f"--user-data-dir={profile}", "--remote-debugging-pipe",
            # the network is cut: DNS fails for every host, and a dead proxy for the rest
            "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=127.0.0.1:9",
            f"--window-size={WIDTH},{HEIGHT}", "about:blank",
        ]
        # Chromium expects the pipe on fds 3 and 4; bash (dash takes only one-digit fds) moves them there
        self.proc = subprocess.Popen(
            ["bash", "-c", f'exec "$0" "$@" 3<&{to_chrome_r} 4>&{from_chrome_w}', CHROMIUM, *flags],
            pass_fds=(to_chrome_r, from_chrome_w),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self.log.open("wb"),
        )
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._next_id = 0
        self._replies: dict[int, queue.Queue] = {}
        self._events: queue.Queue = queue.Queue()
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    # --- protocol -------------------------------------------------------------
    def _read(self) -> None:
        buf = b""
        while True:
            try:
                chunk = os.read(self._from_chrome, 1 << 16)
            except OSError:
                return
            if not chunk:
                return
            buf += chunk
            while b"\0" in buf:
                raw, buf = buf.split(b"\0", 1)
                msg = json.loads(raw)
                if "id" in msg:
                    with self._lock:
                        q = self._replies.get(msg["id"])
                    if q is not None:
                        q.put(msg)
                else:
                    self._events.put(msg)
                    if msg.get("method") == "Page.javascriptDialogOpening":
                        # answer at once, or the page stays blocked on the dialog
                        threading.Thread(target=self.send, daemon=True, args=(
                            "Page.handleJavaScriptDialog", {"accept": False}, msg.get("sessionId"),
                        )).start()

    def send(self, method: str, params: dict | None = None, session: str | None = None,
             timeout: float = 30.0) -> dict:
        with self._lock:
            self._next_id += 1
            mid = self._next_id
            q: queue.Queue = queue.Queue()
            self._replies[mid] = q
        msg = {"id": mid, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        try:
            os.write(self._to_chrome, json.dumps(msg).encode() + b"\0")
        except BrokenPipeError:
            tail = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"Chromium has exited; its log ends:\n{tail}") from None
        try:
            reply = q.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError(f"Chromium did not answer {method} within {timeout} s") from None
        finally:
            with self._lock:
                self._replies.pop(mid, None)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    def _drain(self, page: Page, until: str | None = None, timeout: float = 0.0) -> bool:
        """Sort queued events into ``page``; wait up to ``timeout`` for event ``until``."""
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            try:
                ev = self._events.get(timeout=max(left, 0.0)) if left > 0 else self._events.get_nowait()
            except queue.Empty:
                return False
            if ev.get("sessionId") != page.session:
                continue
            method, p = ev.get("method"), ev.get("params", {})
            if method == "Runtime.exceptionThrown":
                d = p.get("exceptionDetails", {})
                page.exceptions.append(d.get("exception", {}).get("description") or d.get("exception", {}).get("value") or json.dumps(d)[:500])
            elif method == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                page.console_errors.append(" ".join(str(a.get("value", a.get("description", "")))
                                                    for a in p.get("args", [])))
            elif method == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                page.console_errors.append(p["entry"].get("text", ""))
            elif method == "Page.javascriptDialogOpening":
                page.dialogs.append(f"{p.get('type')}: {p.get('message')}")
            elif method == "Network.requestWillBeSent":
                url = p.get("request", {}).get("url", "")
                if not url.startswith(("file:", "data:", "about:", "blob:")):
                    page.requests.append(url)
            if until and method == until:
                return True

    # --- pages -------------------------------------------------------------------
    def open(self, path: str | os.PathLike, settle: float = 0.6) -> Page:
        """Load ``path`` from a file:// URL, let Leaflet draw, take a screenshot and the DOM."""
        url = Path(path).resolve().as_uri()
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        page = Page(url=url, session=session, browser=self)
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable", {}, session)
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False}, session)
        self.send("Page.navigate", {"url": url}, session)
        if not self._drain(page, until="Page.loadEventFired", timeout=30):
            raise TimeoutError(f"{url} did not finish loading")
        time.sleep(settle)  # fitBounds and the SVG renderer finish after the load event
        self._drain(page)
        page.screenshot()
        page.dom = self.evaluate(session, "document.documentElement.outerHTML")
        self._drain(page)
        return page

    def evaluate(self, session: str, expression: str):
        r = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                           "awaitPromise": True}, session)
        if "exceptionDetails" in r:
            raise RuntimeError(f"JavaScript failed: {r['exceptionDetails']}")
        return r.get("result", {}).get("value")

    def screenshot(self, session: str) -> bytes:
        data = self.send("Page.captureScreenshot", {"format": "png"}, session)["data"]
        return base64.b64decode(data)

    def collect(self, page: Page) -> Page:
        """Pick up events (errors, dialogs) that arrived since the page loaded."""
        time.sleep(0.3)
        self._drain(page)
        return page

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout=5)
        except (TimeoutError, RuntimeError, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._to_chrome, self._from_chrome):
            try:
                os.close(fd)
            except OSError:
                pass


@pytest.fixture(scope="session")
def chromium():
    """A headless Chromium for the whole session (network cut), closed at the end."""
    if not (shutil.which(CHROMIUM) or Path(CHROMIUM).exists()):
        pytest.skip(f"{CHROMIUM} not installed (Debian package chromium; make test installs it)")
    profile = Path(tempfile.mkdtemp(prefix="geoproc-chromium-"))
    browser = Chromium(profile)
    try:
        browser.send("Browser.getVersion", timeout=60)
        yield browser
    finally:
        browser.close()
        shutil.rmtree(profile, ignore_errors=True)
