"""The HTML audit report in a real browser (Debian's `chromium`, headless).

Checks what a reviewer opening the file sees: every section is there, the markup carried by
the scanned project's file names and code stays text (no element, no dialog), nothing is
fetched, and the page prints. Skipped when chromium is not installed, except under CI
(`CI` set), where a missing browser is a failure: `.ci/run` installs it.

The live checks talk to the browser over the DevTools protocol on a pipe
(`--remote-debugging-pipe`), so they need nothing beyond chromium and the standard library.
"""
from __future__ import annotations

import json
import os
import re
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

BIOAUDIT = Path(sys.executable).parent / ("bioaudit.exe" if os.name == "nt" else "bioaudit")
REPO = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
PAYLOAD = "</script><script>alert(1)</script>"
HOSTILE_NAMES = ("<script>alert(1)<!--.py", '"><img src=x onerror=alert(1)>.py')
HOSTILE_SOURCE = f'''import logging

import face_recognition

log = logging.getLogger(__name__)


def enrol(img):
    enc = face_recognition.face_encodings(img)[0]
    log.info("{PAYLOAD} %s", enc)
    return enc
'''
SECTIONS = ("summary", "coverage", "findings-by-article", "findings", "checklist", "inventory")
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-extensions", "--disable-default-apps", "--mute-audio", "--hide-scrollbars",
)


def chromium_binary() -> Path:
    found = CHROMIUM if CHROMIUM.exists() else (Path(shutil.which("chromium")) if shutil.which("chromium") else None)
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed but CI is set: the browser test must run in CI "
                        "(.ci/run installs Debian's chromium package)")
        pytest.skip("chromium is not installed (apt-get install chromium); the browser checks did not run")
    return found


@pytest.fixture(scope="module")
def chromium() -> Path:
    return chromium_binary()


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    """The audit report of a fixture project plus files whose names and code carry markup."""
    base = tmp_path_factory.mktemp("browser")
    project = base / "project"
    shutil.copytree(REPO / "fixtures" / "cloud_face_apis", project)
    (project / ".git").mkdir()
    for name in HOSTILE_NAMES:
        (project / name).write_text(HOSTILE_SOURCE, encoding="utf-8")
    out = base / "audit.html"
    env = {k: v for k, v in os.environ.items() if not k.startswith("BIOAUDIT_")}
    proc = subprocess.run([str(BIOAUDIT), "report", ".", "-o", str(out)], cwd=project, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return out


def run_chromium(chromium: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / "profile"
    profile.mkdir(exist_ok=True)
    return subprocess.run([str(chromium), *FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, timeout=120, stdin=subprocess.DEVNULL)


# -- the DevTools protocol over a pipe --------------------------------------------------------------
class DevTools:
    """Just enough of the Chrome DevTools protocol: commands, and the events seen so far."""

    def __init__(self, chromium: Path, profile: Path) -> None:
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        # chromium reads commands on fd 3 and writes replies on fd 4
        high_r = os.dup(to_child_r) if to_child_r > 4 else _high(to_child_r)
        high_w = os.dup(from_child_w) if from_child_w > 4 else _high(from_child_w)

        def child_fds() -> None:  # runs in the child, between fork and exec
            os.dup2(high_r, 3)
            os.dup2(high_w, 4)

        self.proc = subprocess.Popen(
            [str(chromium), *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-pipe", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=child_fds, close_fds=False,
        )
        for fd in (to_child_r, from_child_w, high_r, high_w):
            os.close(fd)
        self.write_fd, self.read_fd = to_child_w, from_child_r
        self.buffer = b""
        self.next_id = 0
        self.events: list[dict] = []

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout=5)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self.write_fd, self.read_fd):
            try:
                os.close(fd)
            except OSError:
                pass

    def _read_message(self, deadline: float) -> dict:
        while b"\0" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no answer from chromium")
            ready, _, _ = select.select([self.read_fd], [], [], left)
            if ready:
                chunk = os.read(self.read_fd, 1 << 16)
                if not chunk:
                    raise ConnectionError("chromium closed the DevTools pipe")
                self.buffer += chunk
        raw, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(raw)

    def send(self, method: str, params: dict | None = None, session: str | None = None, timeout: float = 30) -> dict:
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.write_fd, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self._event(reply)

    def _event(self, event: dict) -> None:
        self.events.append(event)
        if event.get("method") == "Page.javascriptDialogOpening":  # never leave the page blocked
            self.next_id += 1
            os.write(self.write_fd, json.dumps({
                "id": self.next_id, "method": "Page.handleJavaScriptDialog", "params": {"accept": False},
                "sessionId": event.get("sessionId"),
            }).encode() + b"\0")

    def wait_for(self, method: str, timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        for event in self.events:
            if event.get("method") == method:
                return event
        while True:
            event = self._read_message(deadline)
            if "id" in event:
                continue
            self._event(event)
            if event.get("method") == method:
                return event

    def drain(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        try:
            while True:
                event = self._read_message(deadline)
                if "id" not in event:
                    self._event(event)
        except TimeoutError:
            pass


def _high(fd: int) -> int:
    import fcntl

    return fcntl.fcntl(fd, fcntl.F_DUPFD, 10)


DOM_PROBE = """JSON.stringify({
  sections: %s.filter(id => !document.getElementById(id)),
  scripts: document.querySelectorAll('script').length,
  foreign: document.querySelectorAll('img, iframe, object, embed, link, frame, svg, video, audio, form, input, base, meta[http-equiv=refresh]').length,
  handlers: [...document.querySelectorAll('*')].filter(e => [...e.attributes].some(a => a.name.toLowerCase().startsWith('on'))).length,
  payloadShown: document.body.innerText.includes(%s),
  findings: document.querySelectorAll('article.finding').length,
  checklist: document.querySelectorAll('ul.checklist > li').length,
  inventoryTables: document.querySelectorAll('#inventory table').length,
  resources: performance.getEntriesByType('resource').map(r => r.name),
  tooWide: document.documentElement.scrollWidth > window.innerWidth + 1,
  tocShown: getComputedStyle(document.querySelector('nav.toc')).display !== 'none',
})""" % (json.dumps(list(SECTIONS)), json.dumps(PAYLOAD))


@pytest.fixture(scope="module")
def live(chromium, report, tmp_path_factory):
    """Load the report in chromium; return what the page looked like, on screen and in print."""
    profile = tmp_path_factory.mktemp("devtools-profile")
    tools = DevTools(chromium, profile)
    try:
        target = tools.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = tools.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page.enable", "Runtime.enable", "Log.enable"):
            tools.send(domain, session=session)
        tools.send("Emulation.setDeviceMetricsOverride", {"width": 1200, "height": 900, "deviceScaleFactor": 1, "mobile": False}, session=session)
        tools.send("Page.navigate", {"url": report.as_uri()}, session=session)
        tools.wait_for("Page.loadEventFired")
        tools.drain(1.0)  # late handlers (an <img onerror>) would fire by now

        def probe() -> dict:
            value = tools.send("Runtime.evaluate", {"expression": DOM_PROBE, "returnByValue": True}, session=session)
            return json.loads(value["result"]["value"])

        screen = probe()
        tools.send("Emulation.setEmulatedMedia", {"media": "print"}, session=session)
        tools.send("Emulation.setDeviceMetricsOverride", {"width": 794, "height": 1123, "deviceScaleFactor": 1, "mobile": False}, session=session)
        printed = probe()
        events = list(tools.events)
    finally:
        tools.close()
    return {"screen": screen, "print": printed, "events": events}


# -- tests ------------------------------------------------------------------------------------------
def test_dump_dom_has_every_section_and_no_payload_element(chromium, report, tmp_path):
    proc = run_chromium(chromium, tmp_path, "--dump-dom", report.as_uri())
    dom = proc.stdout.decode("utf-8", "replace")
    assert proc.returncode == 0 and dom.strip(), proc.stderr.decode("utf-8", "replace")[-2000:]
    for anchor in SECTIONS:
        assert f'id="{anchor}"' in dom, anchor
    lowered = dom.lower()
    assert "<script" not in lowered and "<img" not in lowered
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in dom  # shown, as text


def test_no_dialog_no_script_no_injected_element(live):
    dialogs = [e for e in live["events"] if e.get("method") == "Page.javascriptDialogOpening"]
    assert dialogs == []
    screen = live["screen"]
    assert screen["sections"] == []
    assert screen["scripts"] == 0 and screen["foreign"] == 0 and screen["handlers"] == 0
    assert screen["payloadShown"]


def test_nothing_is_fetched_and_nothing_is_blocked(live):
    assert live["screen"]["resources"] == []
    problems = [
        e["params"]["entry"] for e in live["events"]
        if e.get("method") == "Log.entryAdded" and e["params"]["entry"].get("level") in ("error", "warning")
    ]
    assert problems == []  # a CSP violation would mean markup tried to load or run something


def test_content_is_all_there(live):
    screen = live["screen"]
    assert screen["findings"] >= 8  # the fixture's findings plus the hostile files'
    assert screen["checklist"] >= 6 and screen["inventoryTables"] >= 6


def test_readable_on_screen_and_in_print(live):
    assert not live["screen"]["tooWide"]
    assert live["screen"]["tocShown"] and not live["print"]["tocShown"]
    assert not live["print"]["tooWide"]


def test_prints_to_pdf(chromium, report, tmp_path):
    pdf = tmp_path / "audit.pdf"
    proc = run_chromium(chromium, tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", report.as_uri())
    assert proc.returncode == 0 and pdf.exists(), proc.stderr.decode("utf-8", "replace")[-2000:]
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", data))
    assert pages >= 4, pages  # sections start on new pages in print


def test_screenshot_renders(chromium, report, tmp_path):
    shot = tmp_path / "audit.png"
    proc = run_chromium(chromium, tmp_path, "--window-size=1200,1600", f"--screenshot={shot}", report.as_uri())
    assert proc.returncode == 0 and shot.exists(), proc.stderr.decode("utf-8", "replace")[-2000:]
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 20_000
