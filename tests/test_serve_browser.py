"""Issue 19: the audit page in a real browser. `extractor serve` runs as a process on a free
loopback port over a copy of the corpus store; Playwright drives Debian's chromium
(/usr/bin/chromium, installed by .ci/run) through what a fact-checker does."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from extractor.store.db import open_db

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--no-first-run", "--disable-sync", "--disable-quic"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def server(corpus_db, tmp_path):
    db = tmp_path / "facts.db"
    with sqlite3.connect(corpus_db) as a, sqlite3.connect(db) as b:
        a.backup(b)
    port = _free_port()
    cmd = [sys.executable, "-c", "from extractor.cli import cli; cli()", "serve", "--db", str(db), "--port", str(port),
           "--reviewer", "browser"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/claims", timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"extractor serve did not start: {proc.stdout.read() if proc.stdout else ''}")
                time.sleep(0.3)
        yield base, db
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture()
def page():
    if not CHROMIUM.exists():
        pytest.fail("no /usr/bin/chromium: `apt-get install -y chromium` (.ci/run installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        pg = browser.new_page(viewport={"width": 1400, "height": 900})
        errors: list[str] = []
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.errors = errors  # type: ignore[attr-defined]
        yield pg
        browser.close()


def test_fix_a_field_from_the_keyboard_survives_reload(server, page):
    """Filter to the weakest claims, open one, fix its period with the keyboard, reload, see the fix."""
    base, db_path = server
    page.goto(base + "/claims")
    page.click("#weakest")
    page.wait_for_url("**/claims?sort=weakest")
    db = open_db(db_path, create=False)
    weakest = db.execute("select claim_key from claims order by coalesce(confidence, 0), article_id, start "
                         "limit 1").fetchone()[0]
    first = page.locator("#claims-table tbody tr").first
    assert first.get_attribute("data-claim-key") == weakest
    first.locator("a.open").click()
    page.wait_for_selector(".card.selected")
    assert f"/claims/{weakest}" in page.url
    page.keyboard.press("f")
    assert page.evaluate("document.activeElement.id") == "fix-input"
    page.keyboard.type("period=2019-03")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.reload()
    card = page.locator(".card.selected")
    assert card.get_attribute("data-claim-key") == weakest
    assert card.locator("tr[data-field=period] .fixed-value").inner_text() == "2019-03"
    assert card.locator("#verdict").inner_text() == "fix"
    (row,) = [dict(r) for r in open_db(db_path, create=False).query("select * from audits")]
    assert (row["claim_key"], row["verdict"], json.loads(row["fields"]), row["reviewer"]) == \
        (weakest, "fix", {"period": "2019-03"}, "browser")
    assert page.errors == []


def test_keyboard_next_previous_accept_reject(server, page):
    base, db_path = server
    page.goto(base + "/claims?sort=weakest&verdict=unaudited")
    page.keyboard.press("j")  # highlight the first row
    with page.expect_navigation():
        page.keyboard.press("Enter")
    first = page.locator(".card.selected").get_attribute("data-claim-key")
    with page.expect_navigation():
        page.keyboard.press("j")
    second = page.locator(".card.selected").get_attribute("data-claim-key")
    assert second != first
    with page.expect_navigation():
        page.keyboard.press("k")
    assert page.locator(".card.selected").get_attribute("data-claim-key") == first
    with page.expect_navigation():
        page.keyboard.press("a")
    assert page.locator("#verdict").inner_text() == "accept"
    with page.expect_navigation():  # the accepted claim left the unaudited list: next is the one after it
        page.keyboard.press("j")
    assert page.locator(".card.selected").get_attribute("data-claim-key") == second
    with page.expect_navigation():
        page.keyboard.press("r")
    verdicts = {r["claim_key"]: r["verdict"] for r in open_db(db_path, create=False).query("select * from audits")}
    assert verdicts == {first: "accept", second: "reject"}
    page.keyboard.press("m")
    assert page.evaluate("document.activeElement.id") == "misstated-note"
    page.keyboard.type("the release says otherwise")
    page.keyboard.press("Tab")
    page.keyboard.type("https://example.org/release")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("#verdict").inner_text() == "misstated"
    assert page.errors == []


def test_indicator_chart_points_open_their_claims(server, page):
    base, db_path = server
    db = open_db(db_path, create=False)
    indicator, geo, n = db.execute(
        "select indicator, geo, count(*) from claims where indicator is not null and geo is not null "
        "and period_start is not null group by 1, 2 order by 3 desc limit 1").fetchone()
    page.goto(f"{base}/indicators/{indicator}?geo={geo}")
    page.wait_for_selector(".js-plotly-plot .scatterlayer .point")
    points = page.locator(".js-plotly-plot .scatterlayer .point")
    assert 0 < points.count() <= n
    with page.expect_navigation():
        points.first.click(force=True)
    assert "/claims/" in page.url and page.locator(".card.selected").count() == 1
    key = page.url.split("/claims/")[1].split("?")[0]
    assert db.execute("select indicator, geo from claims where claim_key = ?", [key]).fetchone() == (indicator, geo)
    assert page.errors == []
