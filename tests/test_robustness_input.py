"""Bad and unusual input (issue 9): every case gives a clear message naming the file, one bad
article never stops the others, and nothing already stored is lost."""

from __future__ import annotations

import json
import resource
import time
from pathlib import Path

import pytest
import sqlite_utils
from click.testing import CliRunner
from spacy.language import Language

from extractor import settings
from extractor.cli import cli
from extractor.ingest.corpus import CorpusError, decode, find_files, read_article
from extractor.run.extract import ExtractionError, extract, segments
from extractor.store.integrity import check_store

from .robustness import article, snapshot, write_corpus

GBK_TEXT = (
    "中国海关总署周二公布的数据显示，今年前五个月中国出口增长百分之八点一，达到八千九百一十一亿美元。"
    "进口下降百分之三。贸易顺差扩大到一千五百亿美元，民营企业出口占比继续提高。\n"
)
LATIN1_TEXT = (
    "Brazil's exports rose 8.1 percent to 891.1 billion reais in the year, according to the ministry in São Paulo. "
    "Señor Muñoz said the growth was strong, and the café sector's sales abroad reached 5.2 billion reais.\n"
)


def _store(db: Path) -> sqlite_utils.Database:
    return sqlite_utils.Database(db)


def _failures(db: Path) -> dict[str, str]:
    return {Path(r["path"]).name: r["reason"] for r in _store(db).query("select path, reason from failures")}


def _article_ids(db: Path) -> set[str]:
    return {r["id"] for r in _store(db).query("select id from articles")}


def _assert_store_sound(db: Path) -> None:
    report = check_store(db)
    assert report.ok, report.problems


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    """A corpus folder with two good articles; tests add the bad ones."""
    return write_corpus(tmp_path / "corpus", 2)


# ---------------------------------------------------------------------------------------------- files that fail


BAD_FILES: dict[str, tuple[bytes, str]] = {
    "empty": (b"", "empty file"),
    "whitespace": (b"  \n\t \r\n  \n", "contains only whitespace"),
    "bom-whitespace": (b"\xef\xbb\xbf \n\n", "contains only whitespace"),
    "binary": (bytes(range(256)) * 40, "binary file"),
    "binary-no-nul": (bytes(b for b in range(1, 256) if b not in b"\t\n\r ") * 20, "binary file"),
    "gbk-too-short": ("中国出口增长".encode("gbk"), "encoding cannot be told reliably"),
    "mixed-encodings": ("Exports rose in São Paulo — the café said.".encode("utf-8") + b" caf\xe9 ", "mixed encodings"),
    "html-without-text": (b"<!DOCTYPE html><html><head><script>var a = 1;</script></head><body></body></html>",
                          "an HTML page with no text"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_file_fails_alone_with_its_name_and_reason(folder: Path, tmp_path: Path, nlp, name: str) -> None:
    data, reason = BAD_FILES[name]
    (folder / f"{name}.txt").write_bytes(data)
    db = tmp_path / "f.db"
    summary = extract([folder], db, nlp=nlp)
    assert (summary.processed, summary.failed) == (2, 1)
    [(path, message)] = summary.failures
    assert path.endswith(f"{name}.txt") and f"{name}.txt" in message and reason in message
    assert _failures(db) == {f"{name}.txt": message}
    assert _article_ids(db) == {"a000", "a001"}
    _assert_store_sound(db)


def test_binary_file_is_not_decoded_as_some_encoding() -> None:
    with pytest.raises(CorpusError, match=r"x\.txt: binary file"):
        decode(Path("/bin/sh").read_bytes()[:20000], Path("x.txt"))


# ---------------------------------------------------------------------------------------------- files that are read


def test_gbk_is_decoded_when_it_can_be_told(tmp_path: Path, nlp) -> None:
    path = tmp_path / "gbk.txt"
    path.write_bytes(GBK_TEXT.encode("gbk"))
    art = read_article(path)
    assert art.text == GBK_TEXT and art.encoding in ("gb18030", "gbk", "gb2312")
    db = tmp_path / "f.db"
    summary = extract([path], db, nlp=nlp)
    assert (summary.processed, summary.failed) == (1, 0)
    row = _store(db).execute("select text, encoding from articles").fetchone()
    assert row[0] == GBK_TEXT and row[1] == art.encoding
    _assert_store_sound(db)


def test_latin1_is_decoded_as_western_european(tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes(LATIN1_TEXT.encode("latin-1"))
    art = read_article(path)
    assert art.text == LATIN1_TEXT  # "São", not "Săo" (cp1250) or "Sćo" (cp1257)
    assert art.encoding == "cp1252"


def test_issue9_short_french_latin1_is_not_baltic(tmp_path: Path) -> None:
    """A short Latin-1 text whose noise score is a hair lower as cp1257 ("ą 300" for "à 300")."""
    text = ("Les exportations de la zone euro ont augmenté de 5 % à 300 milliards d'euros, selon l'Insee. "
            "Café, résumé, naïve, déjà vu. Brazil's exports rose 5 percent to $300 million in 2023, São Paulo "
            "officials said.")
    path = tmp_path / "fr.txt"
    path.write_bytes(text.encode("latin-1"))
    art = read_article(path)
    assert art.text == text and art.encoding == "cp1252"


def test_cp1252_punctuation_is_decoded(tmp_path: Path) -> None:
    text = "\u201cExports rose 8 percent,\u201d the minister said \u2014 the trade ministry\u2019s figure was \u20ac891 billion.\n"
    path = tmp_path / "quotes.txt"
    path.write_bytes((text * 2).encode("cp1252"))
    assert read_article(path).text == text * 2


def test_utf8_bom_is_dropped(tmp_path: Path, nlp) -> None:
    text = article(1)
    (tmp_path / "bom.txt").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    db = tmp_path / "f.db"
    summary = extract([tmp_path / "bom.txt"], db, nlp=nlp)
    assert summary.processed == 1
    stored = _store(db).execute("select text from articles").fetchone()[0]
    assert stored == text and not stored.startswith("\ufeff")
    _assert_store_sound(db)


def test_utf16_with_bom_is_decoded(tmp_path: Path) -> None:
    text = article(2)
    (tmp_path / "u16.txt").write_bytes(text.encode("utf-16"))
    art = read_article(tmp_path / "u16.txt")
    assert art.text == text and art.encoding == "utf-16"


def test_crlf_and_lf_copies_are_one_article_under_two_names(tmp_path: Path, nlp) -> None:
    folder = tmp_path / "c"
    folder.mkdir()
    text = article(3)
    (folder / "lf.txt").write_bytes(text.encode("utf-8"))
    (folder / "crlf.txt").write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
    (folder / "cr.txt").write_bytes(text.replace("\n", "\r").encode("utf-8"))
    db = tmp_path / "f.db"
    summary = extract([folder], db, nlp=nlp)
    assert (summary.processed, summary.failed) == (1, 0)
    store = _store(db)
    [stored] = [r["text"] for r in store.query("select text from articles")]
    assert stored == text and "\r" not in stored
    assert {Path(r["path"]).name for r in store.query("select path from article_files")} == {"lf.txt", "crlf.txt", "cr.txt"}
    _assert_store_sound(db)


def test_html_page_has_its_text_extracted(tmp_path: Path, nlp) -> None:
    page = (
        "<!-- saved from a browser -->\n<!DOCTYPE html><html><head><title>Trade</title>"
        "<script>var exports = 999;</script><style>p { color: red }</style></head><body>"
        "<!-- tracking: 12 percent --><div class='nav'>Home</div>"
        f"<p>{article(4).split(chr(10))[2]}</p><p>Imports fell 3 percent &amp; the surplus widened.</p>"
        "</body></html>"
    )
    (tmp_path / "page.txt").write_text(page, encoding="utf-8")
    art = read_article(tmp_path / "page.txt")
    assert "<" not in art.text and "var exports" not in art.text and "tracking" not in art.text
    assert "Imports fell 3 percent & the surplus widened." in art.text
    db = tmp_path / "f.db"
    summary = extract([tmp_path / "page.txt"], db, nlp=nlp)
    assert summary.processed == 1 and summary.claims >= 1
    _assert_store_sound(db)


def test_mixed_chinese_and_english(tmp_path: Path, nlp) -> None:
    text = (
        "广东 Guangdong trade report 贸易报告\n\n"
        "Guangdong's exports 出口 reached 389.14 billion yuan 亿元 in January 2019, up 15.2 percent 百分之十五点二 "
        "year-on-year, the customs office 海关 said. 进口 Imports fell 3 percent to 241.06 billion yuan.\n"
    )
    (tmp_path / "mixed.txt").write_text(text, encoding="utf-8")
    db = tmp_path / "f.db"
    summary = extract([tmp_path / "mixed.txt"], db, nlp=nlp)
    assert (summary.processed, summary.failed) == (1, 0)
    store = _store(db)
    surfaces = {r["text"] for r in store.query("select text from mentions")}
    assert "15.2 percent" in surfaces and "3 percent" in surfaces
    _assert_store_sound(db)


# ---------------------------------------------------------------------------------------------- long input


def test_very_long_article_fails_clearly_and_the_others_are_stored(folder: Path, tmp_path: Path, nlp) -> None:
    paragraph = article(5).split("\n")[2]
    body = "\n\n".join(paragraph for _ in range(5_000_000 // (len(paragraph) + 2) + 1))
    (folder / "huge.txt").write_text(body, encoding="utf-8")
    assert (folder / "huge.txt").stat().st_size >= 5_000_000
    db = tmp_path / "f.db"
    t0 = time.perf_counter()
    summary = extract([folder], db, nlp=nlp)
    assert time.perf_counter() - t0 < 120
    assert (summary.processed, summary.failed) == (2, 1)
    reason = _failures(db)["huge.txt"]
    assert "huge.txt" in reason and "too long" in reason and "EXTRACTOR_MAX_CHARS" in reason
    _assert_store_sound(db)


def test_long_article_is_processed_in_segments(tmp_path: Path, nlp, monkeypatch) -> None:
    # a small segment size stands in for a long article, which takes minutes
    monkeypatch.setattr(settings, "SEGMENT_CHARS", 1500)
    text = "".join(article(n).split("\n", 2)[2] + "\n" for n in range(12))
    (tmp_path / "long.txt").write_text(text, encoding="utf-8")
    db = tmp_path / "f.db"
    summary = extract([tmp_path / "long.txt"], db, nlp=nlp)
    assert (summary.processed, summary.failed) == (1, 0)
    store = _store(db)
    assert store.execute("select count(*) from claims").fetchone()[0] >= 24
    sentences = list(store.query("select idx, paragraph, start, end from sentences order by start"))
    assert [s["idx"] for s in sentences] == sorted({s["idx"] for s in sentences})
    assert all(a["end"] <= b["start"] for a, b in zip(sentences, sentences[1:]))
    assert [s["paragraph"] for s in sentences] == sorted(s["paragraph"] for s in sentences)
    _assert_store_sound(db)


def test_segments_cover_the_text_within_the_limit() -> None:
    articles = "".join(article(n) for n in range(10))
    text = articles + "x" * 3000 + " " + "word " * 800
    pieces = segments(text, 0, len(text), 1000)
    assert all(0 < e - s <= 1000 for s, e in pieces)
    assert pieces[0][0] == 0 and pieces[-1][1] == len(text)
    # contiguous but for dropped whitespace-only stretches
    assert all(a[1] <= b[0] and not text[a[1]:b[0]].strip() for a, b in zip(pieces, pieces[1:]))
    # line ends are preferred: every cut inside the articles falls after a line break
    assert all(text[e - 1] == "\n" for _, e in pieces if e < len(articles))
    assert segments(text, 10, 500, 1000) == [(10, 500)]
    assert segments("   \n  ", 0, 6, 1000) == []


@pytest.mark.parametrize("kind", ["words-and-figures", "one-token"])
def test_sentence_of_20000_characters_without_punctuation(tmp_path: Path, nlp, kind: str) -> None:
    if kind == "one-token":
        sentence = "x" * 20_000
    else:
        words = ["exports", "rose", "percent", "billion", "yuan", "trade", "growth", "China", "economy", "the"]
        tokens = [str(100 + n) if n % 10 == 0 else words[n % len(words)] for n in range(4000)]
        sentence = " ".join(tokens)[:20_000]
    assert len(sentence) == 20_000 and "." not in sentence
    (tmp_path / "long.txt").write_text(f"Trade report\n\n{sentence}\n", encoding="utf-8")
    db = tmp_path / "f.db"
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    summary = extract([tmp_path / "long.txt"], db, nlp=nlp)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
    # (speed is measured by `make bench`, not here: this checks it completes and stays bounded)
    assert (summary.processed, summary.failed) == (1, 0)
    assert grown_mb < 1024, f"peak memory grew {grown_mb:.0f} MB"
    _assert_store_sound(db)


# ---------------------------------------------------------------------------------------------- sidecars


BAD_META = {
    "malformed": ('{"published": "2019-02",', "malformed JSON"),
    "not-an-object": ("[1, 2]", "expected a JSON object, got list"),
    "published-int": ('{"published": 2019}', "field 'published' must be a string, got int"),
    "title-list": ('{"title": ["a"]}', "field 'title' must be a string, got list"),
    "published-not-iso": ('{"published": "yesterday"}', "must be an ISO 8601 date"),
    "published-impossible": ('{"published": "2019-02-30"}', "day is out of range"),
    "not-utf8": (b'{"title": "caf\xe9"}', "not UTF-8"),
}


@pytest.mark.parametrize("name", sorted(BAD_META))
def test_bad_meta_sidecar_is_reported_with_its_file(folder: Path, tmp_path: Path, nlp, name: str) -> None:
    content, reason = BAD_META[name]
    (folder / f"{name}.txt").write_text(article(9), encoding="utf-8")
    meta = folder / f"{name}.meta.json"
    meta.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    db = tmp_path / "f.db"
    summary = extract([folder], db, nlp=nlp)
    assert (summary.processed, summary.failed) == (2, 1)
    message = _failures(db)[f"{name}.txt"]
    assert f"{name}.meta.json" in message and reason in message


def test_good_meta_with_bom_and_unknown_keys_is_read(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(article(1), encoding="utf-8")
    (tmp_path / "a.meta.json").write_bytes(b"\xef\xbb\xbf" + json.dumps({"published": "2019-02", "extra": 1}).encode())
    assert read_article(tmp_path / "a.txt").meta == {"published": "2019-02"}


# ---------------------------------------------------------------------------------------------- paths


def test_path_that_does_not_exist(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    with pytest.raises(CorpusError, match=f"{missing}: no such file or folder"):
        find_files([missing])
    db = tmp_path / "f.db"
    result = CliRunner().invoke(cli, ["extract", str(missing), "--db", str(db), "--quiet"])
    assert result.exit_code != 0 and f"{missing}: no such file or folder" in result.output
    assert not db.exists()  # nothing is created for a mistyped path


def test_folder_without_txt_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.md").write_text("no articles here", encoding="utf-8")
    db = tmp_path / "f.db"
    result = CliRunner().invoke(cli, ["extract", str(empty), "--db", str(db), "--quiet"])
    assert result.exit_code != 0 and f"{empty}: folder has no .txt files" in result.output
    assert not db.exists()


# ---------------------------------------------------------------------------------------------- names and ids


def test_same_article_under_two_names_is_stored_once(tmp_path: Path, nlp) -> None:
    folder = write_corpus(tmp_path / "c", 1)
    (folder / "copy.txt").write_text(article(0), encoding="utf-8")
    db = tmp_path / "f.db"
    summary = extract([folder], db, nlp=nlp)
    assert (summary.processed, summary.failed) == (1, 0)
    store = _store(db)
    assert store.execute("select count(*) from articles").fetchone()[0] == 1
    assert {Path(r["path"]).name for r in store.query("select path from article_files")} == {"a000.txt", "copy.txt"}
    # a third name in a later run is recorded against the stored article, which is not re-extracted
    (folder / "again.txt").write_text(article(0), encoding="utf-8")
    later = extract([folder], db, nlp=nlp)
    assert (later.processed, later.skipped, later.failed) == (0, 1, 0)
    names = {Path(r["path"]).name: r["article_id"] for r in store.query("select path, article_id from article_files")}
    assert names == {"a000.txt": "a000", "copy.txt": "a000", "again.txt": "a000"}


def test_two_files_with_one_id_and_different_text(tmp_path: Path, nlp) -> None:
    one = write_corpus(tmp_path / "one", 1)
    two = tmp_path / "two"
    two.mkdir()
    (two / "a000.txt").write_text(article(50), encoding="utf-8")
    db = tmp_path / "f.db"
    summary = extract([one, two], db, nlp=nlp)
    assert (summary.processed, summary.failed) == (1, 1)
    [(path, reason)] = summary.failures
    assert path == str(two / "a000.txt") and "article id 'a000'" in reason and "rename" in reason
    assert _store(db).execute("select text from articles").fetchone()[0] == article(0)


# ---------------------------------------------------------------------------------------------- one bad article


def test_cli_reports_failures_and_exits_1(folder: Path, tmp_path: Path) -> None:
    (folder / "empty.txt").write_bytes(b"")
    (folder / "bin.txt").write_bytes(b"\x00\x01\x02" * 100)
    db = tmp_path / "f.db"
    result = CliRunner().invoke(cli, ["extract", str(folder), "--db", str(db), "--quiet"])
    assert result.exit_code == 1
    assert f"failed: {folder / 'bin.txt'}: binary file" in result.output
    assert f"failed: {folder / 'empty.txt'}: empty file" in result.output
    assert "2 articles processed, 0 skipped, 2 failed" in result.output
    assert set(_failures(db)) == {"bin.txt", "empty.txt"}
    # fixing a file clears its failure on the next run
    (folder / "empty.txt").write_text(article(7), encoding="utf-8")
    again = CliRunner().invoke(cli, ["extract", str(folder), "--db", str(db), "--quiet"])
    assert again.exit_code == 1 and "1 articles processed, 2 skipped, 1 failed" in again.output
    assert set(_failures(db)) == {"bin.txt"}


def test_strict_makes_the_first_failure_fatal(folder: Path, tmp_path: Path) -> None:
    (folder / "a000b.txt").write_bytes(b"")  # sorts between a000 and a001
    db = tmp_path / "f.db"
    result = CliRunner().invoke(cli, ["extract", str(folder), "--db", str(db), "--quiet", "--strict"])
    assert result.exit_code == 1
    assert f"{folder / 'a000b.txt'}: empty file" in result.output
    assert "articles processed" not in result.output
    assert _failures(db) == {"a000b.txt": f"{folder / 'a000b.txt'}: empty file"}


@Language.component("robustness_boom")
def _boom(doc):
    if "BOOM" in doc.text:
        raise ValueError("a component failed on purpose")
    return doc


@pytest.fixture()
def booming_nlp(nlp):
    """The session pipeline with a last component that fails on any text containing BOOM."""
    nlp.add_pipe("robustness_boom", last=True)
    try:
        yield nlp
    finally:
        nlp.remove_pipe("robustness_boom")


def _left_out(db: Path) -> list[dict]:
    return list(_store(db).query("select * from failures where article_id is not null order by id"))


def test_pipeline_failure_on_one_sentence_costs_that_sentence(tmp_path: Path, booming_nlp) -> None:
    """Issue 14 (was: the article failed as a whole): the article is stored with its other
    sentences' figures, and a failures row names the sentence and the component."""
    folder = write_corpus(tmp_path / "c", 4)
    text = article(1).replace("on Tuesday", "on BOOM Tuesday")
    (folder / "a001.txt").write_text(text, encoding="utf-8")
    db = tmp_path / "f.db"
    summary = extract([folder], db, nlp=booming_nlp)
    assert (summary.processed, summary.failed) == (4, 0), summary.failures
    [row] = _left_out(db)
    assert row["article_id"] == "a001" and row["component"] == "robustness_boom" and "failed on purpose" in row["reason"]
    assert "BOOM" in row["text"] and text[row["start"]:row["end"]] == row["text"]
    assert row["text"].startswith("GUANGZHOU") and row["text"].endswith("on BOOM Tuesday.")
    values = {r["value"] for r in _store(db).query("select value from claims where article_id = 'a001'")}
    assert {41.1e9, 61e9} <= values and 101.5e9 not in values  # the other sentences' figures, not the failed one's
    assert [path for path, _ in summary.left_out] == [str(folder / "a001.txt")]
    _assert_store_sound(db)


@Language.component("robustness_boom_pair")
def _boom_pair(doc):
    if "ALPHA" in doc.text and "OMEGA" in doc.text:
        raise ValueError("a component failed on the article as a whole")
    return doc


def test_pipeline_failure_no_sentence_explains_fails_the_article(tmp_path: Path, nlp) -> None:
    """A failure that needs two sentences together cannot be narrowed down: the article fails
    as before, and the others are stored."""
    nlp.add_pipe("robustness_boom_pair", last=True)
    try:
        folder = write_corpus(tmp_path / "c", 4)
        text = article(1).replace("on Tuesday", "on ALPHA Tuesday").replace("the province widened", "the OMEGA widened")
        (folder / "a001.txt").write_text(text, encoding="utf-8")
        db = tmp_path / "f.db"
        summary = extract([folder], db, nlp=nlp)
    finally:
        nlp.remove_pipe("robustness_boom_pair")
    assert (summary.processed, summary.failed) == (3, 1)
    [(path, reason)] = summary.failures
    assert path.endswith("a001.txt") and "robustness_boom_pair" in reason and "as a whole" in reason
    assert _article_ids(db) == {"a000", "a002", "a003"}
    assert _failures(db) == {"a001.txt": reason}
    _assert_store_sound(db)


def test_pipeline_failure_under_strict_names_the_file_and_sentence(tmp_path: Path, booming_nlp) -> None:
    folder = write_corpus(tmp_path / "c", 3)
    (folder / "a001.txt").write_text(article(1).replace("on Tuesday", "on BOOM Tuesday"), encoding="utf-8")
    db = tmp_path / "f.db"
    with pytest.raises(ExtractionError, match=r"a001\.txt: sentence at \d+-\d+ \([\"']GUANGZHOU.*left out: .*failed on purpose"):
        extract([folder], db, nlp=booming_nlp, strict=True)
    assert _article_ids(db) == {"a000"}  # stored before the failure; nothing after it


@pytest.mark.parametrize("workers", [1, 2])
def test_failing_row_building_is_one_article_failure(tmp_path: Path, nlp, monkeypatch, workers: int) -> None:
    # (with workers, the rows' data is read off the Doc in the worker process: a failure there
    # fails the one text too, and does not stop the run)
    import extractor.run.digest as digest

    real = digest.doc_claims

    def claims(doc):
        if "Zhejiang" in doc.text:
            raise RuntimeError("claim builder broke")
        return real(doc)

    monkeypatch.setattr(digest, "doc_claims", claims)
    folder = write_corpus(tmp_path / "c", 3)
    db = tmp_path / "f.db"
    summary = extract([folder], db, nlp=nlp, workers=workers)
    assert (summary.processed, summary.failed) == (2, 1)
    assert _failures(db) == {"a001.txt": "RuntimeError: claim builder broke"}


def test_a_file_gone_bad_loses_nothing_already_stored(tmp_path: Path, nlp) -> None:
    folder = write_corpus(tmp_path / "c", 3)
    db = tmp_path / "f.db"
    extract([folder], db, nlp=nlp)
    before = snapshot(db)
    (folder / "a001.txt").write_bytes(b"\x00" * 100)
    (folder / "a002.meta.json").write_text("{oops", encoding="utf-8")
    summary = extract([folder], db, nlp=nlp)
    assert (summary.processed, summary.skipped, summary.failed) == (0, 1, 2)
    assert snapshot(db) == before
    assert set(_failures(db)) == {"a001.txt", "a002.txt"}


def test_figure_beyond_64_bits_is_stored_as_a_float(tmp_path: Path, nlp) -> None:
    (tmp_path / "big.txt").write_text(
        "Exports reached 99999999999999999999 yuan in May, the customs office said on Monday.\n", encoding="utf-8")
    db = tmp_path / "f.db"
    summary = extract([tmp_path / "big.txt"], db, nlp=nlp)
    assert (summary.processed, summary.failed) == (1, 0), summary.failures
    values = [r["value"] for r in _store(db).query("select value from mentions where value is not null")]
    assert values == [pytest.approx(1e20)]
    _assert_store_sound(db)


# ---------------------------------------------------------------------------------------------- stuck components


@Language.component("robustness_stuck")
def _stuck(doc):
    while "HANG" in doc.text:  # never ends
        pass
    return doc


@pytest.fixture()
def stuck_nlp(nlp):
    nlp.add_pipe("robustness_stuck", last=True)
    try:
        yield nlp
    finally:
        nlp.remove_pipe("robustness_stuck")


def test_stuck_component_costs_only_its_sentence(tmp_path: Path, stuck_nlp, monkeypatch) -> None:
    """Issue 14 (was: the article failed after the timeout): the sentence the component is stuck
    on is left out after the sentence bound, and the article is stored with the rest."""
    monkeypatch.setattr(settings, "ARTICLE_TIMEOUT", 1.0)
    monkeypatch.setattr(settings, "SENTENCE_TIMEOUT", 1.0)
    folder = write_corpus(tmp_path / "c", 4)
    (folder / "a002.txt").write_text(article(2).replace("on Tuesday", "on HANG Tuesday"), encoding="utf-8")
    db = tmp_path / "f.db"
    t0 = time.perf_counter()
    summary = extract([folder], db, nlp=stuck_nlp)
    assert time.perf_counter() - t0 < 60
    assert (summary.processed, summary.failed) == (4, 0), summary.failures
    [row] = _left_out(db)
    assert row["article_id"] == "a002" and row["component"] == "robustness_stuck"
    assert "EXTRACTOR_SENTENCE_TIMEOUT" in row["reason"] and "HANG" in row["text"]
    assert _article_ids(db) == {"a000", "a001", "a002", "a003"}
    assert _store(db).execute("select count(*) from claims where article_id = 'a002'").fetchone()[0] >= 2
    _assert_store_sound(db)


def test_issue9_claim_builder_ends_on_a_verbless_root(tmp_path: Path, nlp, monkeypatch) -> None:
    monkeypatch.setattr(settings, "ARTICLE_TIMEOUT", 2.0)
    (tmp_path / "surge.txt").write_text(
        "A surge in exports rising 15.2 percent year-on-year\n\nThe customs office in Beijing said on Monday that "
        "the figures for the first five months of the year were strong and that trade with partners grew.\n",
        encoding="utf-8")
    summary = extract([tmp_path / "surge.txt"], tmp_path / "f.db", nlp=nlp)
    assert (summary.processed, summary.failed) == (1, 0), summary.failures


def test_issue9_long_digit_run_before_a_word_is_not_sent_to_quantulum(tmp_path: Path, nlp, monkeypatch) -> None:
    """A digit run glued to a word once went to quantulum3, whose regex backtracks for hours on it."""
    from extractor.nlp.quantities import grammar as q

    seen: list[str] = []
    real = q._quantulum_parse
    monkeypatch.setattr(q, "_quantulum_parse", lambda s: seen.append(s) or real(s))
    assert real("9" * 60 + "the") == []
    (tmp_path / "digits.txt").write_text(
        "Exports rose 8.1 percent in May, the ministry said on Monday in Beijing.\n\nThe figure was "
        + "9" * 60 + "the customs office said.\n", encoding="utf-8")
    summary = extract([tmp_path / "digits.txt"], tmp_path / "f.db", nlp=nlp)
    assert summary.processed == 1
    assert all(len(x) <= 120 for x in seen)
