"""Issue 17: the exercise page's code editor. The CodeMirror bundle's size (raw, gzip as served
by WhiteNoise, and gzip -9) and, in Chromium against gunicorn with production settings, how
long after navigation the page is usable (DOMContentLoaded, the plain textarea works) and the
code editor accepts typing (mounted, then a typed key reaches the form's textarea), median of
several loads with a cold cache and with a warm one. Goal: the bundle at most about 200 KB
gzipped."""

from __future__ import annotations

import gzip
import http.client
import re
import statistics
from pathlib import Path

from bench.common import REPO, Table, bench_env, bench_var_dir, gunicorn, manage

BUNDLE = REPO / "static" / "vendor" / "codemirror" / "codemirror.min.js"
EXERCISE = "/exercises/js-parallel-news/"
LOADS = 7
GZIP_GOAL_KB = 200
CHROMIUM = "/usr/bin/chromium"
# As tests/e2e/conftest.py launches it (that module needs Django settings to import).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-dev-shm-usage"]


def _kb(size: int) -> str:
    return f"{size / 1024:.1f} KB"


def _served_size(port: int, path: str) -> tuple[int, str]:
    """Bytes on the wire for `path` when the browser accepts gzip, and the encoding used."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path, headers={"Host": "127.0.0.1", "Accept-Encoding": "gzip"})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    assert response.status == 200, (path, response.status)
    return len(body), response.getheader("Content-Encoding") or "identity"


def _measure(browser, base_url: str, *, warm: bool) -> list[dict]:
    from playwright.sync_api import expect

    timings = []
    context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})
    try:
        if warm:
            context.new_page().goto(EXERCISE, wait_until="load")  # fill the cache
        for _ in range(LOADS):
            page = context.new_page() if warm else None
            if not warm:  # a fresh context per load: nothing cached
                context.close()
                context = browser.new_context(base_url=base_url)
                page = context.new_page()
            page.goto(EXERCISE, wait_until="commit")
            page.wait_for_function(
                "() => typeof window.__editorReadyAt === 'number'", timeout=20_000
            )
            content = page.locator(".cm-editor .cm-content")
            content.click()
            page.keyboard.press("Control+End")
            page.keyboard.type("//")
            expect(page.locator("#code")).to_have_value(re.compile(r"//$"))
            timings.append(
                page.evaluate(
                    """() => ({
                      usable: performance.getEntriesByType('navigation')[0]
                        .domContentLoadedEventEnd,
                      editor: window.__editorReadyAt,
                    })"""
                )
            )
            page.close()
    finally:
        context.close()
    return timings


def run() -> list[Table]:
    raw = BUNDLE.read_bytes()
    gzip9 = len(gzip.compress(raw, compresslevel=9))
    rows_size = [
        ["raw (minified)", _kb(len(raw))],
        ["gzip -9", _kb(gzip9)],
    ]
    notes = []
    timing_rows = []
    with bench_var_dir() as var_dir:
        env = bench_env(var_dir)
        manage(env, "migrate", "--no-input")
        manage(env, "import_content")
        manage(env, "collectstatic", "--no-input")
        with gunicorn(env) as port:
            base_url = f"http://127.0.0.1:{port}"
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request("GET", EXERCISE, headers={"Host": "127.0.0.1"})
            html = connection.getresponse().read().decode()
            connection.close()
            bundle_url = re.search(r'data-bundle="([^"]+)"', html).group(1)
            served, encoding = _served_size(port, bundle_url)
            rows_size.insert(1, [f"served by WhiteNoise ({encoding})", _kb(served)])
            if not Path(CHROMIUM).exists():
                notes.append(f"{CHROMIUM} is missing: no browser timings")
            else:
                from playwright.sync_api import sync_playwright

                with sync_playwright() as playwright:
                    browser = playwright.chromium.launch(
                        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
                    )
                    try:
                        for label, warm in (("cold cache", False), ("warm cache", True)):
                            timings = _measure(browser, base_url, warm=warm)
                            usable = statistics.median(t["usable"] for t in timings)
                            editor = statistics.median(t["editor"] for t in timings)
                            worst = max(t["editor"] for t in timings)
                            timing_rows.append(
                                [label, f"{usable:.0f}", f"{editor:.0f}", f"{worst:.0f}"]
                            )
                    finally:
                        browser.close()
    served_kb = served / 1024
    tables = [
        Table(
            title="CodeMirror bundle (static/vendor/codemirror/codemirror.min.js)",
            columns=["size", "bytes"],
            rows=rows_size,
            goal=f"gzip as served <= {GZIP_GOAL_KB} KB",
            goal_met=served_kb <= GZIP_GOAL_KB,
            notes=notes,
        )
    ]
    if timing_rows:
        tables.append(
            Table(
                title=(
                    f"Exercise page {EXERCISE} in Chromium (gunicorn, production settings, "
                    f"loopback), median of {LOADS} loads, ms after navigation start"
                ),
                columns=["cache", "page usable (DOMContentLoaded)", "editor accepts typing", "max"],
                rows=timing_rows,
                notes=[
                    "'editor accepts typing': CodeMirror mounted over the textarea; each load "
                    "then types into it and checks the keys reached the form's textarea"
                ],
            )
        )
    return tables
