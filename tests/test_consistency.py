"""Consistency checks (extractor/consistency.py): each check on small hand-built stores where the
relation holds, where it fails beyond tolerance, and where rounding keeps it within tolerance; then
the relations of the real corpus (article 003's trade figures, article 001's two totals)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from extractor.quality.consistency import relations, run_checks, shift_period, stated_precision
from extractor.nlp.indicators.catalog import catalog
from extractor.store.write import load_indicators
from extractor.store.db import open_db

B = 1e9


def claim(key: str, value: float, text: str, indicator: str | None, **kw) -> dict:
    """A hand-made claim row: Guangdong, January 2019, CNY level, unless told otherwise."""
    row = {
        "claim_key": key, "value": value, "text": text, "indicator": indicator, "unit": "CNY", "measure": "level",
        "geo": "CN-GD", "partner": None, "period": "2019-01", "modality": "reported", "approx": None,
        "confidence": 0.9, "article_id": "A", "sentence_id": None,
    }
    row.update(kw)
    return row


def build(tmp_path: Path, claims: list[dict]):
    db = open_db(tmp_path / "facts.db")
    load_indicators(db, [i.row() for i in catalog()])
    for aid in sorted({c["article_id"] for c in claims}):
        db["articles"].insert({"id": aid, "content_hash": f"hash-{aid}", "text": "x" * 10_000})
    for n, sid in enumerate(sorted({c["sentence_id"] for c in claims if c["sentence_id"]})):
        db["sentences"].insert({"id": sid, "article_id": sid.split(":")[0], "idx": n, "start": 0, "end": 1, "text": "x"})
    rows = []
    for i, c in enumerate(claims):
        c = dict(c)
        start = c.pop("start", 100 * i)
        rows.append({"id": f"{c['article_id']}:c{i}", "start": start, "end": start + len(c["text"]),
                     "quote": c["text"], "quote_start": start, "quote_end": start + len(c["text"]), **c})
    db["claims"].insert_all(rows)
    return db


def only(rels: list[dict], check: str) -> list[dict]:
    return [r for r in rels if r["check"] == check]


def trade(exports: tuple[float, str], imports: tuple[float, str], other: tuple[float, str], other_id: str) -> list[dict]:
    return [
        claim("exp", exports[0] * B, exports[1], "trade.exports"),
        claim("imp", imports[0] * B, imports[1], "trade.imports"),
        claim("tot", other[0] * B, other[1], other_id),
    ]


# ---------------------------------------------------------------------------------------------- precision


@pytest.mark.parametrize("value, text, half", [
    (389.14e9, "389.14 billion", 0.005e9),
    (630.2e9, "630.2 billion yuan", 0.05e9),
    (8000, "$8,000", 0.5),
    (2e12, "2-trillion yuan", 0.5e12),
    (-10e9, "$10 billion", 0.5e9),  # a deficit is negative, its text is not
    (23.1, "23.1 percent", 0.05),
    (389.14e9, None, 0.005e9),  # no text: the significant digits
    (15.2, None, 0.05),
    (10, None, 0.5),
    (67.6, "two-thirds", 0.05),  # text without the number: from the value
])
def test_stated_precision(value, text, half):
    assert stated_precision(value, text) == pytest.approx(half)


@pytest.mark.parametrize("period, basis, earlier", [
    ("2019-01", "yoy", "2018-01"),
    ("2025-01/2025-05", None, "2024-01/2024-05"),
    ("2019-01", "mom", "2018-12"),
    ("2019-03", "mom", "2019-02"),
    ("2011", "2006", "2006"),
    ("2019", "mom", None),
])
def test_shift_period(period, basis, earlier):
    assert shift_period(period, basis) == earlier


# ---------------------------------------------------------------------------------------------- within an article


CASES = [
    # check, claims, ok (None: no relation found), expected, actual
    pytest.param("article.trade_sum", trade((389.14, "389.14 billion"), (241.06, "241.06 billion yuan"),
                                            (630.2, "630.2 billion yuan"), "trade.total"),
                 True, 630.2 * B, 630.2 * B, id="sum-holds"),
    pytest.param("article.trade_sum", trade((389.14, "389.14 billion"), (241.06, "241.06 billion yuan"),
                                            (630, "630 billion yuan"), "trade.total"),
                 True, 630.2 * B, 630 * B, id="sum-rounded-total"),
    pytest.param("article.trade_sum", trade((389.14, "389.14 billion"), (241.06, "241.06 billion yuan"),
                                            (630.3, "630.3 billion yuan"), "trade.total"),
                 False, 630.2 * B, 630.3 * B, id="sum-off-by-0.1bn"),
    pytest.param("article.trade_sum", trade((389.14, "389.14 billion"), (241.06, "241.06 billion yuan"),
                                            (640.2, "640.2 billion yuan"), "trade.total"),
                 False, 630.2 * B, 640.2 * B, id="sum-fails"),
    pytest.param("article.trade_balance", trade((389.14, "389.14 billion"), (241.06, "241.06 billion yuan"),
                                                (148.08, "148.08 billion yuan"), "trade.balance"),
                 True, 148.08 * B, 148.08 * B, id="surplus-holds"),
    pytest.param("article.trade_balance", trade((389.14, "389.14 billion"), (241.06, "241.06 billion yuan"),
                                                (148.1, "148.1 billion yuan"), "trade.balance"),
                 True, 148.08 * B, 148.1 * B, id="surplus-rounded"),
    pytest.param("article.trade_balance", trade((100.0, "100.0 billion"), (150.0, "150.0 billion"),
                                                (-50.0, "50.0 billion"), "trade.balance"),
                 True, -50 * B, -50 * B, id="deficit-negative"),
    pytest.param("article.trade_balance", trade((100.0, "100.0 billion"), (150.0, "150.0 billion"),
                                                (50.0, "50.0 billion"), "trade.balance"),
                 False, -50 * B, 50 * B, id="deficit-with-wrong-sign"),
    pytest.param("article.trade_sum",
                 [claim("exp", 389.14 * B, "389.14 billion", "trade.exports"),
                  claim("imp", 241.06 * B, "241.06 billion", "trade.imports", period="2019-02"),
                  claim("tot", 640.2 * B, "640.2 billion", "trade.total")],
                 None, None, None, id="sum-other-period-no-relation"),
    pytest.param("article.share",
                 [claim("part", 262.88 * B, "262.88 billion yuan", "electronics.exports"),
                  claim("whole", 389.14 * B, "389.14 billion", "trade.exports"),
                  claim("s", 67.6, "67.6 percent", "electronics.exports", unit="percent", measure="share")],
                 True, 100 * 262.88 / 389.14, 67.6, id="share-rounded"),
    pytest.param("article.share",
                 [claim("part", 262.88 * B, "262.88 billion yuan", "electronics.exports"),
                  claim("whole", 389.14 * B, "389.14 billion", "trade.exports"),
                  claim("s", 70.0, "70 percent", "electronics.exports", unit="percent", measure="share")],
                 False, 100 * 262.88 / 389.14, 70.0, id="share-fails"),
    pytest.param("article.share",
                 [claim("part", 630.2 * B, "630.2 billion yuan", "trade.total"),
                  claim("whole", 2728.1 * B, "2,728.1 billion yuan", "trade.total", geo="CN"),
                  claim("s", 23.1, "23.1 percent", "trade.total", unit="percent", measure="share")],
                 True, 100 * 630.2 / 2728.1, 23.1, id="share-of-the-country"),
    pytest.param("article.share",
                 [claim("part", 73.05 * B, "73.05 billion yuan", "trade.total", partner="US"),
                  claim("whole", 630.2 * B, "630.2 billion yuan", "trade.total"),
                  claim("s", 12.5, "12.5 percent", "trade.total", partner="US", unit="percent", measure="share")],
                 False, 100 * 73.05 / 630.2, 12.5, id="share-of-partner-flow-fails"),
    pytest.param("article.growth",
                 [claim("now", 389.14 * B, "389.14 billion", "trade.exports", change_value=15.2,
                        change_unit="percent", change_direction="up", change_basis="yoy"),
                  claim("then", 337.8 * B, "337.8 billion", "trade.exports", period="2018-01")],
                 True, 100 * (389.14 / 337.8 - 1), 15.2, id="growth-holds"),
    pytest.param("article.growth",
                 [claim("now", 110.4 * B, "110.4 billion", "trade.exports", change_value=10.0,
                        change_unit="percent", change_direction="up", change_basis=None),
                  claim("then", 100 * B, "100 billion", "trade.exports", period="2018-01")],
                 True, 10.4, 10.0, id="growth-rounded"),
    pytest.param("article.growth",
                 [claim("now", 389.14 * B, "389.14 billion", "trade.exports", change_value=15.2,
                        change_unit="percent", change_direction="up", change_basis="yoy"),
                  claim("then", 300.0 * B, "300.0 billion", "trade.exports", period="2018-01")],
                 False, 100 * (389.14 / 300 - 1), 15.2, id="growth-fails"),
    pytest.param("article.growth",
                 [claim("now", 90.0 * B, "90.0 billion", "trade.imports", change_value=10.0,
                        change_unit="percent", change_direction="down", change_basis="yoy"),
                  claim("then", 100.0 * B, "100.0 billion", "trade.imports", period="2018-01")],
                 True, -10.0, -10.0, id="growth-down"),
    pytest.param("article.growth",
                 [claim("g", 8.7, "8.7 percent", "trade.total", geo="CN", unit="percent", measure="growth"),
                  claim("now", 2.71e12, "2.71 trillion", "trade.total", geo="CN"),
                  claim("then", 2.49e12, "2.49 trillion", "trade.total", geo="CN", period="2018-01")],
                 True, 100 * (2.71 / 2.49 - 1), 8.7, id="growth-claim-vs-levels"),
    pytest.param("article.repeated",
                 [claim("head", 32.2 * B, "$32.2 billion", "tech_trade.imports", unit="USD", geo="CN", period="2011"),
                  claim("body", 32.16 * B, "$32.16 billion", "tech_trade.imports", unit="USD", geo="CN",
                        period="2011")],
                 True, 32.2 * B, 32.16 * B, id="headline-rounds-body"),
    pytest.param("article.repeated",
                 [claim("head", 32.2 * B, "$32.2 billion", "tech_trade.imports", unit="USD", geo="CN", period="2011"),
                  claim("body", 32.36 * B, "$32.36 billion", "tech_trade.imports", unit="USD", geo="CN",
                        period="2011")],
                 False, 32.2 * B, 32.36 * B, id="headline-differs"),
    pytest.param("article.repeated",
                 [claim("a", 4.62e12, "US$4.62 trillion", "trade.total", unit="USD", geo="CN", period="2018"),
                  claim("b", 510 * B, "510 billion US dollars", "trade.total", unit="USD", geo="CN", period="2018",
                        approx="more_than")],
                 False, 4.62e12, 510 * B, id="hedged-figure-far-off"),
    pytest.param("article.repeated",
                 [claim("a", 1.29e12, "$1.29 trillion", "mech_elec.trade", unit="USD", geo="CN", approx="nearly"),
                  claim("b", 1.25e12, "$1.25 trillion", "mech_elec.trade", unit="USD", geo="CN")],
                 True, 1.29e12, 1.25e12, id="hedged-figure-close"),
    pytest.param("article.parts_sum",
                 [claim("t", 30.0 * B, "30.0 billion", "tech_trade.total", geo='["CN-JS", "CN-SH", "CN-ZJ"]'),
                  claim("js", 10.04 * B, "10.04 billion", "tech_trade.total", geo="CN-JS"),
                  claim("sh", 12.03 * B, "12.03 billion", "tech_trade.total", geo="CN-SH"),
                  claim("zj", 7.96 * B, "7.96 billion", "tech_trade.total", geo="CN-ZJ")],
                 True, 30.03 * B, 30.0 * B, id="listed-places-add-up-rounded"),
    pytest.param("article.parts_sum",
                 [claim("t", 30.0 * B, "30.0 billion", "tech_trade.total", geo='["CN-JS", "CN-SH", "CN-ZJ"]'),
                  claim("js", 10.0 * B, "10.0 billion", "tech_trade.total", geo="CN-JS"),
                  claim("sh", 12.0 * B, "12.0 billion", "tech_trade.total", geo="CN-SH"),
                  claim("zj", 9.0 * B, "9.0 billion", "tech_trade.total", geo="CN-ZJ")],
                 False, 31.0 * B, 30.0 * B, id="listed-places-do-not-add-up"),
    pytest.param("article.parts_sum",
                 [claim("t", 30.0 * B, "30.0 billion", "tech_trade.total", geo='["CN-JS", "CN-SH", "CN-ZJ"]'),
                  claim("js", 20.0 * B, "20.0 billion", "tech_trade.total", geo="CN-JS"),
                  claim("sh", 12.0 * B, "12.0 billion", "tech_trade.total", geo="CN-SH")],
                 False, 32.0 * B, 30.0 * B, id="two-of-three-places-exceed-total"),
    pytest.param("article.parts_sum",
                 [claim("t", 630.2 * B, "630.2 billion yuan", "trade.total"),
                  claim("us", 73.05 * B, "73.05 billion yuan", "trade.total", partner="US"),
                  claim("eu", 80.66 * B, "80.66 billion yuan", "trade.total", partner="EU")],
                 True, 153.71 * B, 630.2 * B, id="partner-flows-below-total"),
    pytest.param("article.parts_sum",
                 [claim("t", 630.2 * B, "630.2 billion yuan", "trade.total"),
                  claim("us", 400.0 * B, "400.0 billion yuan", "trade.total", partner="US"),
                  claim("eu", 300.0 * B, "300.0 billion yuan", "trade.total", partner="EU")],
                 False, 700 * B, 630.2 * B, id="partner-flows-exceed-total"),
    pytest.param("article.parts_sum",
                 [claim("t", 262.88 * B, "262.88 billion yuan", "electronics.exports"),
                  claim("adp", 20.48 * B, "20.48 billion yuan", "adp.exports", sentence_id="A:s1"),
                  claim("ic", 7.99 * B, "7.99 billion yuan", "ic.exports", sentence_id="A:s1")],
                 True, 28.47 * B, 262.88 * B, id="listed-products-below-parent"),
    pytest.param("article.parts_sum",
                 [claim("t", 25.0 * B, "25.0 billion yuan", "electronics.exports"),
                  claim("adp", 20.48 * B, "20.48 billion yuan", "adp.exports", sentence_id="A:s1"),
                  claim("ic", 7.99 * B, "7.99 billion yuan", "ic.exports", sentence_id="A:s1")],
                 False, 28.47 * B, 25.0 * B, id="listed-products-exceed-parent"),
]


@pytest.mark.parametrize("check, claims, ok, expected, actual", CASES)
def test_check(tmp_path, check, claims, ok, expected, actual):
    db = build(tmp_path, claims)
    rels = only(relations(db), check)
    if ok is None:
        assert rels == []
        return
    assert len(rels) == 1, rels
    r = rels[0]
    assert r["ok"] is ok, r["message"]
    assert r["expected"] == pytest.approx(expected)
    assert r["actual"] == pytest.approx(actual)
    assert r["tolerance"] > 0
    diff = abs(r["expected"] - r["actual"])
    if check != "article.parts_sum":  # parts_sum of an incomplete list holds below the total
        assert (diff <= r["tolerance"]) is ok
    # the flags table holds exactly the failures, with their numbers
    flags = [dict(f) for f in db.query("select * from flags where [check] = ?", [check])]
    assert flags == []
    stored = [f for f in run_checks(db) if f["check"] == check]
    assert len(stored) == (0 if ok else 1)
    table = [dict(f) for f in db.query("select * from flags where [check] = ?", [check])]
    assert len(table) == len(stored)
    for f in table:
        assert f["claim_key"] == r["claim_key"] and f["article_id"] == "A"
        assert f["expected"] == pytest.approx(expected) and f["actual"] == pytest.approx(actual)
        assert f["tolerance"] == pytest.approx(r["tolerance"])
        assert set(json.loads(f["related"])) == set(r["related"]) and f["related"]
        assert f["created_at"].endswith("+00:00")


def test_trade_tolerance_is_the_sum_of_the_roundings(tmp_path):
    db = build(tmp_path, trade((389.14, "389.14 billion"), (241.06, "241.06 billion yuan"),
                               (630.2, "630.2 billion yuan"), "trade.total"))
    (r,) = only(relations(db), "article.trade_sum")
    assert r["tolerance"] == pytest.approx(0.005 * B + 0.005 * B + 0.05 * B)
    assert set(r["related"]) == {"exp", "imp"} and r["claim_key"] == "tot"


# ---------------------------------------------------------------------------------------------- across the corpus


@pytest.mark.parametrize("other, text, ok", [
    (4.62e12, "4.62 trillion", True),
    (4.6e12, "4.6 trillion", True),  # 4.62 rounded to one decimal
    (4.2e12, "4.2 trillion", False),
])
def test_corpus_conflict(tmp_path, other, text, ok):
    db = build(tmp_path, [
        claim("a", 4.62e12, "US$4.62 trillion", "trade.total", unit="USD", geo="CN", period="2018"),
        claim("b", other, text, "trade.total", unit="USD", geo="CN", period="2018", article_id="B", confidence=0.5),
    ])
    (r,) = only(relations(db), "corpus.conflict")
    assert r["ok"] is ok
    assert r["claim_key"] == "b" and r["related"] == ["a"]  # on the less confident claim
    assert only(relations(db), "article.repeated") == []  # two articles: not a repeat within one
    flags = run_checks(db)
    assert [f["check"] for f in flags] == ([] if ok else ["corpus.conflict"])


def test_corpus_conflict_needs_same_unit_and_period(tmp_path):
    db = build(tmp_path, [
        claim("a", 4.62e12, "US$4.62 trillion", "trade.total", unit="USD", geo="CN", period="2018"),
        claim("b", 30.5e12, "30.5 trillion yuan", "trade.total", unit="CNY", geo="CN", period="2018", article_id="B"),
        claim("c", 4.11e12, "4.11 trillion", "trade.total", unit="USD", geo="CN", period="2017", article_id="C"),
    ])
    assert only(relations(db), "corpus.conflict") == []


def test_run_checks_replaces_flags_of_the_articles_checked(tmp_path):
    db = build(tmp_path, [
        *trade((389.14, "389.14 billion"), (241.06, "241.06 billion yuan"), (640.2, "640.2 billion yuan"),
               "trade.total"),
        claim("x", 100.0 * B, "100.0 billion", "trade.exports", article_id="B", geo="CN-SH"),
        claim("y", 50.0 * B, "50.0 billion", "trade.imports", article_id="B", geo="CN-SH"),
        claim("z", 160.0 * B, "160.0 billion", "trade.total", article_id="B", geo="CN-SH"),
        # the same figure as A's exports, less confidently extracted: the conflict is flagged on it
        claim("b2", 400.0 * B, "400.0 billion", "trade.exports", article_id="C", confidence=0.5),
    ])
    first = run_checks(db)
    assert sorted(f["article_id"] for f in first) == ["A", "B", "C"]  # C: a conflict with A's exports
    assert db["flags"].count == 3
    run_checks(db)
    assert db["flags"].count == 3  # replaced, not added
    # fix B's total; re-checking B alone clears its flag and keeps A's
    db.execute("update claims set value = ?, text = '150.0 billion' where claim_key = 'z'", [150.0 * B])
    db.conn.commit()
    run_checks(db, ["B"])
    left = sorted((f["article_id"], f["check"]) for f in db.query("select * from flags"))
    assert left == [("A", "article.trade_sum"), ("C", "corpus.conflict")]
    # a corpus flag goes when an article in it is re-checked and the conflict is gone
    db.execute("update claims set value = ?, text = '389.14 billion' where claim_key = 'b2'", [389.14 * B])
    db.conn.commit()
    run_checks(db, ["A"])
    assert sorted(f["check"] for f in db.query("select * from flags")) == ["article.trade_sum"]


def test_run_checks_accepts_a_path(tmp_path):
    db = build(tmp_path, trade((1.0, "1.0 billion"), (1.0, "1.0 billion"), (3.0, "3.0 billion"), "trade.total"))
    db.conn.close()
    flags = run_checks(tmp_path / "facts.db")
    assert [f["check"] for f in flags] == ["article.trade_sum"]


# ---------------------------------------------------------------------------------------------- the real corpus


GD = "003_270bea5b41e05852"


def _key(db, article: str, value: float) -> str:
    row = db.execute("select claim_key from claims where article_id = ? and value = ?", [article, value]).fetchone()
    assert row, f"no claim of {value} in {article}"
    return row[0]


@pytest.fixture()
def corpus_store(corpus_db, tmp_path):
    """A writable copy of the session's corpus store."""
    dest = tmp_path / "facts.db"
    shutil.copy(corpus_db, dest)
    return open_db(dest, create=False)


@pytest.mark.parametrize("check, target, parts, expected", [
    ("article.trade_sum", 630.2e9, [389.14e9, 241.06e9], 630.2e9),
    ("article.trade_balance", 148.08e9, [389.14e9, 241.06e9], 148.08e9),
    ("article.share", 67.6, [262.88e9, 389.14e9], 100 * 262.88 / 389.14),
    ("article.parts_sum", 262.88e9, [20.48e9, 7.99e9], 28.47e9),
])
def test_guangdong_relations(corpus_db, check, target, parts, expected):
    db = open_db(corpus_db, create=False)
    rels = [r for r in relations(db, [GD]) if r["check"] == check and r["claim_key"] == _key(db, GD, target)]
    assert len(rels) == 1, [r["message"] for r in relations(db, [GD])]
    (r,) = rels
    assert r["ok"], r["message"]
    assert set(r["related"]) == {_key(db, GD, v) for v in parts}
    assert r["expected"] == pytest.approx(expected)
    assert r["actual"] == pytest.approx(target)


def test_corpus_flags(corpus_store):
    flags = run_checks(corpus_store)
    art001 = "001_a98aa1da957942e1"
    repeated = [f for f in flags if f["check"] == "article.repeated" and f["article_id"] == art001]
    assert len(repeated) == 1
    f = repeated[0]
    assert {f["claim_key"], *json.loads(f["related"])} == {_key(corpus_store, art001, 4.62e12),
                                                           _key(corpus_store, art001, 510e9)}
    assert sorted([f["expected"], f["actual"]]) == pytest.approx([510e9, 4.62e12])
    # the headline's $32.2 billion and the body's $32.16 billion (article 000) agree within rounding
    assert not [f for f in flags if f["article_id"].startswith("000")]
    # Guangdong's figures are consistent: no flag on article 003
    assert not [f for f in flags if f["article_id"] == GD]
    assert corpus_store["flags"].count == len(flags)


def test_issue8_many_sources_on_one_figure_are_checked_against_their_median(tmp_path):
    """2,000 articles stating one indicator, place and period made two million pairwise relations
    (the bench run spent most of its time storing them): beyond a few sources, each figure is
    checked against the median one."""
    from extractor.quality.consistency import PAIRWISE_UP_TO

    n = PAIRWISE_UP_TO + 12
    rows = [claim(f"k{i}", 4.62e12, "US$4.62 trillion", "trade.total", unit="USD", geo="CN", period="2018",
                  article_id=f"A{i:02d}") for i in range(n - 1)]
    rows.append(claim("odd", 4.2e12, "US$4.2 trillion", "trade.total", unit="USD", geo="CN", period="2018",
                      article_id="Z", confidence=0.5))
    db = build(tmp_path, rows)
    rels = only(relations(db), "corpus.conflict")
    assert len(rels) == n - 1  # linear, not n * (n - 1) / 2
    bad = [r for r in rels if not r["ok"]]
    assert [r["claim_key"] for r in bad] == ["odd"]
    assert [f["claim_key"] for f in run_checks(db)] == ["odd"]
