"""Issue 19: `extractor serve`, the audit page, through Starlette's test client on copies of the corpus store."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from extractor.cli import cli
from extractor.serve.app import create_app, neighbours
from extractor.serve.security import ServeError, check_bind
from extractor.store.db import open_db

LOCAL = "http://127.0.0.1:8000"


@pytest.fixture()
def store(corpus_db, tmp_path) -> Path:
    dest = tmp_path / "facts.db"
    with sqlite3.connect(corpus_db) as a, sqlite3.connect(dest) as b:
        a.backup(b)
    return dest


@pytest.fixture()
def app(store):
    return create_app(store, reviewer="web")


@pytest.fixture()
def client(app):
    return TestClient(app, base_url=LOCAL)


def keys_in(html: str) -> list[str]:
    return re.findall(r'<tr data-href="[^"]*" data-claim-key="([0-9a-f]+)"', html)


def audits(db_path: Path) -> list[dict]:
    return [dict(r) for r in open_db(db_path, create=False).query("select * from audits order by id")]


# ---------------------------------------------------------------------------------------------- binding


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost", "127.0.0.2"])
def test_loopback_needs_no_token(host):
    assert check_bind(host, False, None) is None


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.10", "example.org"])
def test_other_addresses_refused_unless_asked(host):
    with pytest.raises(ServeError, match="--allow-remote"):
        check_bind(host, False, None)
    token = check_bind(host, True, None)
    assert token and len(token) >= 16
    assert check_bind(host, True, "a-long-enough-token-1234") == "a-long-enough-token-1234"
    with pytest.raises(ServeError, match="at least 16"):
        check_bind(host, True, "short")


def test_serve_command_refuses_a_public_address(store):
    result = CliRunner().invoke(cli, ["serve", "--db", str(store), "--host", "0.0.0.0"])
    assert result.exit_code != 0 and "refusing to listen on 0.0.0.0" in result.output
    assert "Example" in CliRunner().invoke(cli, ["serve", "--help"]).output


def test_host_header_must_be_loopback(app):
    assert TestClient(app, base_url="http://attacker.example:8000").get("/claims").status_code == 400
    assert TestClient(app, base_url="http://localhost:8000").get("/claims").status_code == 200


def test_token_when_remote(store):
    token = "a-long-enough-token-1234"
    app = create_app(store, token=token, loopback_only=False)
    c = TestClient(app, base_url="http://192.0.2.10:8000")
    assert c.get("/claims").status_code == 401
    assert c.get("/claims?token=wrong-token-wrong-token").status_code == 401
    r = c.get(f"/claims?verdict=unaudited&token={token}", follow_redirects=False)
    assert r.status_code == 303 and "token" not in r.headers["location"] and "verdict=unaudited" in r.headers["location"]
    assert "httponly" in r.headers["set-cookie"].lower()
    assert c.get("/claims").status_code == 200  # the cookie
    fresh = TestClient(app, base_url="http://192.0.2.10:8000")
    assert fresh.get("/claims", headers={"Authorization": f"Bearer {token}"}).status_code == 200


# ---------------------------------------------------------------------------------------------- lists


def test_claims_weakest_first_and_filters(client, store):
    db = open_db(store, create=False)
    html = client.get("/claims?sort=weakest").text
    keys = keys_in(html)
    assert len(keys) == db["claims"].count
    conf = dict(db.execute("select claim_key, confidence from claims").fetchall())
    assert [conf[k] for k in keys] == sorted(conf[k] for k in keys)
    by_article = keys_in(client.get("/claims?sort=article").text)
    assert sorted(by_article) == sorted(keys) and by_article != keys
    exports = keys_in(client.get("/claims?indicator=trade.exports&geo=CN").text)
    want = {r[0] for r in db.execute("select claim_key from claims where indicator = 'trade.exports' and geo = 'CN'")}
    assert exports and set(exports) == want
    period = keys_in(client.get("/claims?period=2019").text)
    assert period and all((db.execute("select period from claims where claim_key = ?", [k]).fetchone()[0] or "")
                          .startswith("2019") for k in period)
    flagged = keys_in(client.get("/claims?flag=open").text)
    assert flagged and len(flagged) < len(keys)
    below = keys_in(client.get("/claims?below=0.6").text)
    assert below and all(conf[k] < 0.6 for k in below)


def test_claims_text_search(client, store):
    db = open_db(store, create=False)
    keys = keys_in(client.get("/claims?q=lithium").text)
    assert keys
    for k in keys:
        quote, sid = db.execute("select quote, sentence_id from claims where claim_key = ?", [k]).fetchone()
        sentence = db.execute("select text from sentences where id = ?", [sid]).fetchone()[0]
        assert "lithium" in (quote + sentence).lower()
    assert client.get('/claims?q="unbalanced').status_code == 200  # a stray quote is no SQL error


def test_unknown_filter_names_valid_values(client):
    r = client.get("/claims?indicator=trade.export")
    assert r.status_code == 400 and "unknown indicator" in r.text and "trade.exports" in r.text
    r = client.get("/claims?verdict=accepted")
    assert r.status_code == 400 and "misstated" in r.text


def test_articles_and_search(client, store):
    html = client.get("/articles").text
    n = open_db(store, create=False)["articles"].count
    assert html.count('<tr data-href="/articles/') == n
    html = client.get("/articles?q=lithium").text
    assert 0 < html.count('<tr data-href="/articles/') < n


# ---------------------------------------------------------------------------------------------- article and claim


def test_article_view_puts_each_claim_beside_its_sentence(client, store):
    import lxml.html

    db = open_db(store, create=False)
    aid = "003_270bea5b41e05852"
    doc = lxml.html.fromstring(client.get(f"/articles/{aid}").text)
    claims = list(db.query("select c.claim_key, c.text as value, s.text from claims c join sentences s "
                           "on s.id = c.sentence_id where c.article_id = ?", [aid]))
    assert claims
    for c in claims:
        card = doc.get_element_by_id(f"card-{c['claim_key']}")
        row = card.getparent().getparent()
        (cell,) = row.find_class("sentence")
        # the value is highlighted in the text beside the card, as the report does
        mark = cell.get_element_by_id(f"claim-{c['claim_key']}") if cell.xpath(f".//*[@id='claim-{c['claim_key']}']") \
            else cell.xpath(f".//mark[contains(@data-claim-keys, '{c['claim_key']}')]")[0]
        assert c["value"] in mark.text_content()
        for label in cell.find_class("ent-label"):
            label.drop_tree()
        assert " ".join(c["text"].split()) in " ".join(cell.text_content().split())


def test_claim_page_next_previous_in_list(client, store):
    keys = keys_in(client.get("/claims?sort=weakest&verdict=unaudited").text)
    html = client.get(f"/claims/{keys[1]}?sort=weakest&verdict=unaudited&ctx=list").text
    nxt = re.search(r'rel="next" href="([^"]+)"', html).group(1)
    prev = re.search(r'rel="prev" href="([^"]+)"', html).group(1)
    assert nxt.startswith(f"/claims/{keys[2]}?") and prev.startswith(f"/claims/{keys[0]}?")
    assert "claim 2 of" in html


def test_neighbours_of_a_claim_a_verdict_took_out():
    rows = [{"claim_key": k, "confidence": c, "article_id": "a", "start": i}
            for i, (k, c) in enumerate([("x", 0.1), ("y", 0.3), ("z", 0.5)])]
    gone = {"claim_key": "w", "confidence": 0.2, "article_id": "a", "start": 9}
    prev, nxt, pos = neighbours(rows, gone, "weakest")
    assert (prev["claim_key"], nxt["claim_key"], pos) == ("x", "y", None)


def _secret(client, key: str) -> str:
    return re.search(r'name="secret" value="([^"]+)"', client.get(f"/claims/{key}").text).group(1)


def test_verdicts_from_the_page_are_written_as_the_cli_writes_them(client, store):
    db = open_db(store, create=False)
    k1, k2 = [r[0] for r in db.execute("select claim_key from claims order by claim_key limit 2")]
    secret = _secret(client, k1)
    r = client.post(f"/claims/{k1}/verdict", data={"secret": secret, "verdict": "fix", "set": "period=2019-03",
                                                    "note": "n", "back": f"/claims/{k1}?ctx=article"},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith(f"/claims/{k1}?ctx=article")
    result = CliRunner().invoke(cli, ["audit", "fix", "--db", str(store), k2, "--set", "period=2019-03",
                                      "--note", "n", "--reviewer", "web"])
    assert result.exit_code == 0, result.output
    web, command = audits(store)
    differs = {k for k in web if web[k] != command[k]}
    # the same row but for the claim, its anchor and the time
    assert differs <= {"id", "claim_key", "judged_key", "article_id", "quote", "quote_start", "value", "unit",
                       "value_text", "value_start", "value_end", "created_at"}
    assert (web["verdict"], json.loads(web["fields"]), web["reviewer"]) == ("fix", {"period": "2019-03"}, "web")
    page = client.get(f"/claims/{k1}").text
    assert '<b class="fixed-value">2019-03</b>' in page
    for verdict in ("accept", "reject"):
        client.post(f"/claims/{k1}/verdict", data={"secret": secret, "verdict": verdict})
        assert audits(store)[-1]["verdict"] == verdict
    client.post(f"/claims/{k1}/verdict", data={"secret": secret, "verdict": "misstated", "note": "false",
                                                "reference": "https://example.org/data"})
    assert (audits(store)[-1]["verdict"], audits(store)[-1]["reference"]) == ("misstated", "https://example.org/data")


def test_bad_verdicts_are_refused(client, store):
    k = open_db(store, create=False).execute("select claim_key from claims limit 1").fetchone()[0]
    secret = _secret(client, k)
    assert client.post(f"/claims/{k}/verdict", data={"verdict": "accept"}).status_code == 403
    assert client.post(f"/claims/{k}/verdict", data={"secret": "x" * 32, "verdict": "accept"}).status_code == 403
    r = client.post(f"/claims/{k}/verdict", data={"secret": secret, "verdict": "fix", "set": "period=someday"})
    assert r.status_code == 422 and "not ISO 8601" in r.text
    r = client.post(f"/claims/{k}/verdict", data={"secret": secret, "verdict": "misstated"})
    assert r.status_code == 422 and "needs a note" in r.text
    assert audits(store) == []
    r = client.post(f"/claims/{k}/verdict", data={"secret": secret, "verdict": "accept", "back": "https://evil.example/"},
                    follow_redirects=False)
    assert r.headers["location"].startswith(f"/claims/{k}")  # never redirected off the server


def test_fix_warning_shown_on_the_page(client, store):
    db = open_db(store, create=False)
    k = db.execute("select claim_key from claims where value > 1e9 limit 1").fetchone()[0]
    r = client.post(f"/claims/{k}/verdict", data={"secret": _secret(client, k), "verdict": "fix", "set": "value=12.5",
                                                   "back": f"/claims/{k}"})
    assert r.status_code == 200 and "orders of magnitude" in r.text
    r = client.post(f"/claims/{k}/verdict", data={"secret": _secret(client, k), "verdict": "fix",
                                                   "set": "value=12.5 billion", "back": f"/claims/{k}"})
    assert "orders of magnitude" not in r.text and json.loads(audits(store)[-1]["fields"])["value"] == 12500000000


# ---------------------------------------------------------------------------------------------- indicator view


def test_indicator_view_marks_conflicts_and_serves_its_own_script(client, store):
    db = open_db(store, create=False)
    flag = db.execute("select f.claim_key, c.indicator, c.geo from flags f join claims c on c.claim_key = f.claim_key "
                      "where f.[check] in ('corpus.conflict', 'article.repeated') and c.geo is not null "
                      "limit 1").fetchone()
    assert flag, "the corpus store has a figure stated twice with different values"
    key, indicator, geo = flag
    html = client.get(f"/indicators/{indicator}", params={"geo": geo}).text
    specs = [json.loads(s.replace("&#34;", '"').replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<")
                        .replace("&gt;", ">").replace("&#39;", "'"))
             for s in re.findall(r'data-spec="([^"]*)"', html)]
    traces = [t for s in specs for t in s["data"] if t.get("mode") == "markers"]
    conflict = [t for t in traces if t["name"].startswith("conflicting")]
    assert conflict and f"/claims/{key}" in [u for t in conflict for u in t["customdata"]]
    n = db.execute("select count(*) from claims where indicator = ? and geo = ?", [indicator, geo]).fetchone()[0]
    assert sum(len(t["x"]) for t in traces) <= n and sum(len(t["x"]) for t in traces) > 0
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', html)
    assert scripts and all(s.startswith("/static/") for s in scripts)
    js = client.get("/static/vendor/plotly.min.js")
    assert js.status_code == 200 and "plotly" in js.text[:2000].lower()
    index = client.get("/indicators").text
    assert f"/indicators/{indicator}?geo=" in index


def test_orphans_page(client, store):
    db = open_db(store, create=False)
    db["audits"].insert({"claim_key": "0" * 20, "article_id": "003_270bea5b41e05852", "verdict": "accept",
                         "created_at": "2025-01-01T00:00:00+00:00", "detached": "the text changed", "quote": "q",
                         "value": 1.0, "unit": "CNY"})
    db.conn.commit()
    html = client.get("/orphans").text
    assert "the text changed" in html and '<span class="count">1</span>' in html
