"""The audit web page (``extractor serve``, issue 19): a Starlette app over one store.

Pages: claims with filters (weakest first, indicator, place, period, verdict, flag state) and
text search; articles with text search; an article with its text highlighted as the report does
and each claim beside its sentence, with the verdict forms; one claim selected in its article,
with next and previous in the list it was opened from; the indicator view; the orphaned
verdicts. Every verdict goes through the functions the command line uses
(``quality/audit.py``: ``parse_assignments``, ``record``) and is written at once, in its own
transaction. Each request opens its own connection (requests run in a thread pool).
"""

from __future__ import annotations

import bisect
import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator
from contextlib import contextmanager
from urllib.parse import urlencode, urlsplit

import sqlite_utils
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from extractor.quality.audit import (
    FLAG_STATES, VERDICT_FILTERS, VERDICTS, AuditError, apply_fix, fix_warnings, flags_for, gold_claim, history,
    human, latest_verdicts, list_claims, orphans, parse_assignments, record, resolve,
)
from extractor.quality.consistency import Resolutions
from extractor.quality.gold import CLAIM_FIELDS
from extractor.quality.report import COLORS, CSS, load, render_segments
from extractor.serve import chart
from extractor.serve.security import Guard, new_secret, same
from extractor.store.db import StoreError, open_db

HERE = Path(__file__).parent
#: the filters of the claims list, in the order the page shows them
FILTERS = ("sort", "below", "indicator", "geo", "period", "verdict", "flag", "article", "q")
SORTS = {"weakest": "weakest first (lowest confidence)", "article": "article and position"}


class Store:
    """The store the app serves: a fresh connection per request."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        open_db(self.path, create=False).conn.close()  # a missing or old store fails at start

    @contextmanager
    def open(self) -> Iterator[sqlite_utils.Database]:
        db = open_db(self.path, create=False)
        try:
            yield db
        finally:
            db.conn.close()


@lru_cache(maxsize=1)
def plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def _fmt_value(v: Any, field: str | None = None) -> str:
    if v is None:
        return "–"
    if field == "value" and isinstance(v, (int, float)):
        return f"{human(v)} ({v:,.15g})" if abs(v) >= 1e6 else f"{v:,.15g}"
    if isinstance(v, (dict, list)):
        return json.dumps(v, ensure_ascii=False)
    return str(v)


def _filters(request: Request) -> dict[str, str]:
    return {k: request.query_params[k].strip() for k in FILTERS if request.query_params.get(k, "").strip()}


def _query(filters: dict[str, str], **extra: str) -> str:
    items = {**filters, **{k: v for k, v in extra.items() if v}}
    return ("?" + urlencode(items)) if items else ""


def _local(url: str | None, default: str) -> str:
    """A redirect target on this server only."""
    if not url:
        return default
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not url.startswith("/") or url.startswith("//"):
        return default
    return url


def _list(db: sqlite_utils.Database, filters: dict[str, str]) -> list[dict]:
    below = None
    if filters.get("below"):
        try:
            below = float(filters["below"])
        except ValueError:
            raise AuditError(f"below {filters['below']!r} is not a number between 0 and 1") from None
    if filters.get("sort", "weakest") not in SORTS:
        raise AuditError(f"unknown sort {filters['sort']!r}; valid: {', '.join(SORTS)}")
    rows = list_claims(db, article=filters.get("article"), indicator=filters.get("indicator"),
                       geo=filters.get("geo"), period=filters.get("period"), verdict=filters.get("verdict"),
                       flag=filters.get("flag"), query=filters.get("q"), below=below)
    if filters.get("sort") == "article":
        rows.sort(key=lambda r: (r["article_id"], r["start"]))
    return rows


def _sort_key(row: dict, sort: str) -> tuple:
    if sort == "article":
        return (row["article_id"], row["start"])
    return (row["confidence"] or 0, row["article_id"], row["start"])


def neighbours(rows: list[dict], claim: dict, sort: str) -> tuple[dict | None, dict | None, int | None]:
    """The previous and next claims around ``claim`` in ``rows`` (also when a verdict has just
    taken it out of a filtered list: its place by the sort order), and its position."""
    keys = [r["claim_key"] for r in rows]
    if claim["claim_key"] in keys:
        i = keys.index(claim["claim_key"])
        return (rows[i - 1] if i > 0 else None), (rows[i + 1] if i + 1 < len(rows) else None), i
    order = [_sort_key(r, sort) for r in rows]
    i = bisect.bisect_left(order, _sort_key(claim, sort))
    return (rows[i - 1] if i > 0 else None), (rows[i] if i < len(rows) else None), None


def create_app(db_path: str | Path, *, token: str | None = None, loopback_only: bool = True,
               reviewer: str | None = None) -> Starlette:
    """The ASGI app serving the store at ``db_path``."""
    store = Store(db_path)
    secret = new_secret()  # the form secret: another site's page cannot post a verdict
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.globals.update(human=human, fmt=_fmt_value, colors=COLORS, verdicts=VERDICTS, secret=secret,
                                 report_css=CSS)

    def page(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
        with store.open() as db:
            n_orphans = len(orphans(db))
        return templates.TemplateResponse(request, name, {"orphan_count": n_orphans, "store": store.path.name,
                                                          **context}, status_code=status)

    def home(request: Request) -> Response:
        return RedirectResponse("/claims", status_code=307)

    def claims_page(request: Request) -> Response:
        filters = _filters(request)
        error = None
        with store.open() as db:
            try:
                rows = _list(db, filters)
            except AuditError as exc:
                rows, error = [], str(exc)
            indicators = [r[0] for r in db.execute("select distinct indicator from claims where indicator is not null "
                                                    "order by 1")]
            places = sorted({g for (v,) in db.execute("select distinct geo from claims where geo is not null")
                             for g in (json.loads(v) if v.startswith("[") else [v])})
            articles = [r[0] for r in db.execute("select id from articles order by id")]
        for r in rows:
            r["href"] = f"/claims/{r['claim_key']}" + _query(filters, ctx="list")
        return page(request, "claims.html", {
            "rows": rows, "filters": filters, "error": error, "indicators": indicators, "places": places,
            "articles": articles, "verdict_filters": VERDICT_FILTERS, "flag_states": FLAG_STATES[:-1] + ("none",),
            "sorts": SORTS, "weakest": _query({k: v for k, v in filters.items() if k != "sort"}, sort="weakest"),
        }, status=400 if error else 200)

    def articles_page(request: Request) -> Response:
        q = request.query_params.get("q", "").strip()
        with store.open() as db:
            res = Resolutions(db)
            verdicts = latest_verdicts(db)
            hits: dict[str, int] | None = None
            if q:
                hits = {}
                for (aid,) in db.execute(
                        "select article_id from sentences where rowid in (select rowid from sentences_fts where "
                        "sentences_fts match ?)", [db.quote_fts(q)]):
                    hits[aid] = hits.get(aid, 0) + 1
                for (aid,) in db.execute("select id from articles where title like ? or id like ?", [f"%{q}%"] * 2):
                    hits.setdefault(aid, 0)
            rows = []
            claim_rows = list(db.query("select article_id, claim_key from claims"))
            open_flags: dict[str, int] = {}
            for f in db.query("select * from flags"):
                if res.is_open(dict(f)):
                    open_flags[f["article_id"]] = open_flags.get(f["article_id"], 0) + 1
            for a in db.query("select id, title, source, published, chars from articles order by id"):
                a = dict(a)
                if hits is not None and a["id"] not in hits:
                    continue
                keys = [c["claim_key"] for c in claim_rows if c["article_id"] == a["id"]]
                a["claims"] = len(keys)
                a["audited"] = sum(k in verdicts for k in keys)
                a["open_flags"] = open_flags.get(a["id"], 0)
                a["hits"] = hits.get(a["id"]) if hits else None
                rows.append(a)
        return page(request, "articles.html", {"rows": rows, "q": q})

    def article_view(request: Request, db: sqlite_utils.Database, aid: str, selected: dict | None,
                     error: str | None = None, notice: list[str] | None = None, status: int = 200) -> Response:
        art = dict(next(iter(db.query("select * from articles where id = ?", [aid]))))
        text = art.pop("text")
        data = load(db)
        sentences = [dict(r) for r in db.query("select id, idx, start, end from sentences where article_id = ? "
                                                "order by start", [aid])]
        mentions = [dict(r) for r in db.query("select id, type, start, end, value, unit, period, entity_id from "
                                               "mentions where article_id = ? order by start", [aid])]
        claims = [dict(r) for r in db.query("select * from claims where article_id = ? order by start, end, id", [aid])]
        segments = render_segments(art, text, sentences, mentions, claims, data)
        rows: list[dict[str, Any]] = []
        for seg in segments:
            sid = seg.sentence["id"] if seg.sentence else None
            if rows and (rows[-1]["sid"] == sid or not text[seg.start:seg.end].strip()):
                rows[-1]["html"] += seg.html
                rows[-1]["end"] = seg.end
                continue
            rows.append({"sid": sid, "html": seg.html, "start": seg.start, "end": seg.end, "claims": [],
                         "boilerplate": "boilerplate" in seg.html[:200]})
        filters = _filters(request)
        ctx = request.query_params.get("ctx", "list" if filters else "article")
        for c in claims:
            target = next((r for r in rows if c["sentence_id"] and r["sid"] == c["sentence_id"]), None) or \
                next((r for r in rows if r["start"] <= c["start"] < r["end"]), rows[-1] if rows else None)
            if target is None:
                continue
            c["card"] = _card(db, c, data)
            c["href"] = f"/claims/{c['claim_key']}" + _query(filters, ctx=ctx)
            target["claims"].append(c)
        prev = nxt = None
        position = total = None
        if ctx == "list" and selected is not None:
            try:
                listed = _list(db, filters)
            except AuditError:
                listed = []
            prev, nxt, position = neighbours(listed, selected, filters.get("sort", "weakest"))
            total = len(listed)
        else:
            order = claims
            if selected is None:
                nxt = order[0] if order else None
            else:
                keys = [c["claim_key"] for c in order]
                i = keys.index(selected["claim_key"])
                prev = order[i - 1] if i > 0 else None
                nxt = order[i + 1] if i + 1 < len(order) else None
                position, total = i, len(order)
        link = lambda c: (f"/claims/{c['claim_key']}" + _query(filters, ctx=ctx)) if c else None  # noqa: E731
        back = ("/claims" + _query(filters)) if ctx == "list" else f"/articles/{aid}"
        return page(request, "article.html", {
            "article": art, "rows": rows, "claims": claims, "selected": selected, "prev": link(prev),
            "next": link(nxt), "position": position, "total": total, "ctx": ctx, "back": back,
            "here": str(request.url.path) + (("?" + request.url.query) if request.url.query else ""),
            "error": error, "notice": notice or [], "fields": CLAIM_FIELDS,
        }, status=status)

    def article_page(request: Request) -> Response:
        aid = request.path_params["aid"]
        with store.open() as db:
            if db.execute("select 1 from articles where id = ?", [aid]).fetchone() is None:
                return page(request, "message.html", {"title": "No such article", "message": f"no article {aid!r}"},
                            status=404)
            return article_view(request, db, aid, None)

    def claim_page(request: Request) -> Response:
        key = request.path_params["key"]
        notice = request.query_params.getlist("notice")
        with store.open() as db:
            try:
                claim = resolve(db, key)
            except AuditError as exc:
                return page(request, "message.html", {"title": "No such claim", "message": str(exc)}, status=404)
            return article_view(request, db, claim["article_id"], claim, notice=notice)

    async def verdict_post(request: Request) -> Response:
        form = await request.form()
        if not same(form.get("secret"), secret):
            return Response("the form is out of date (the server was restarted?): reload the page", status_code=403)
        key = request.path_params["key"]
        verdict = str(form.get("verdict") or "")
        note = str(form.get("note") or "").strip() or None
        reference = str(form.get("reference") or "").strip() or None
        assignment = str(form.get("set") or "").strip()
        back = _local(str(form.get("back") or ""), f"/claims/{key}")
        from starlette.concurrency import run_in_threadpool

        def write() -> tuple[str | None, list[str], dict | None]:
            with store.open() as db:
                try:
                    claim = resolve(db, key)
                except AuditError as exc:
                    return str(exc), [], None
                try:
                    fields = None
                    warnings: list[str] = []
                    if verdict == "fix":
                        if "=" not in assignment:
                            raise AuditError("write the fix as field=value (e.g. period=2019-03)")
                        text = db.execute("select text from articles where id = ?", [claim["article_id"]]).fetchone()[0]
                        fields = parse_assignments([assignment], text)
                        name, raw = assignment.split("=", 1)
                        warnings = fix_warnings(claim, fields, {name.strip(): raw.strip()})
                    record(db, claim, verdict, fields=fields, note=note, reviewer=reviewer,
                           reference=reference if verdict == "misstated" else None)
                except AuditError as exc:
                    return str(exc), [], claim
                return None, warnings, claim

        error, warnings, claim = await run_in_threadpool(write)
        if error is not None:
            if claim is None:
                return Response(error, status_code=404)

            def again() -> Response:
                with store.open() as db:
                    return article_view(request, db, claim["article_id"], claim, error=error, status=422)
            # the form's own query (filters, context) is in ``back``: render that page with the error
            request.scope["query_string"] = urlsplit(back).query.encode()
            return await run_in_threadpool(again)
        if warnings:
            sep = "&" if "?" in back else "?"
            back += sep + urlencode([("notice", w) for w in warnings])
        return RedirectResponse(back + f"#claim-{key}", status_code=303)

    def indicators_page(request: Request) -> Response:
        with store.open() as db:
            rows = chart.places(db)
            names = {r[0]: r[1] for r in db.execute("select id, name from indicators")}
        return page(request, "indicators.html", {"rows": rows, "names": names})

    def indicator_page(request: Request) -> Response:
        ind = request.path_params["indicator"]
        geo = request.query_params.get("geo") or None
        with store.open() as db:
            row = db.execute("select name from indicators where id = ?", [ind]).fetchone()
            if row is None:
                return page(request, "message.html", {"title": "No such indicator",
                                                      "message": f"no indicator {ind!r}"}, status=404)
            pts = chart.points(db, ind, geo)
            geos = [r[0] for r in db.execute("select geo from claims where indicator = ? and geo is not null "
                                              "group by geo order by count(*) desc", [ind])]
        return page(request, "indicator.html", {"indicator": ind, "name": row[0], "geo": geo, "geos": geos,
                                                "charts": chart.figures(pts), "points": pts, "kinds": chart.KINDS})

    def orphans_page(request: Request) -> Response:
        with store.open() as db:
            rows = orphans(db)
        return page(request, "orphans.html", {"rows": rows})

    def plotly(request: Request) -> Response:
        return Response(plotly_js(), media_type="application/javascript",
                        headers={"Cache-Control": "public, max-age=86400"})

    routes = [
        Route("/", home),
        Route("/claims", claims_page),
        Route("/claims/{key}", claim_page),
        Route("/claims/{key}/verdict", verdict_post, methods=["POST"]),
        Route("/articles", articles_page),
        Route("/articles/{aid}", article_page),
        Route("/indicators", indicators_page),
        Route("/indicators/{indicator}", indicator_page),
        Route("/orphans", orphans_page),
        Route("/static/vendor/plotly.min.js", plotly),
        Mount("/static", app=StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    app = Starlette(routes=routes)
    app.state.secret = secret
    app.add_middleware(Guard, token=token, loopback_only=loopback_only)
    return app


def _card(db: sqlite_utils.Database, claim: dict, data: Any) -> dict[str, Any]:
    """What a claim's card shows: its fields with a fix in force, its flags and verdicts."""
    verdicts = history(db, claim["claim_key"])
    current = verdicts[-1] if verdicts else None
    fixed = json.loads(current["fields"]) if current and current["verdict"] == "fix" and current["fields"] else {}
    g = gold_claim(claim)
    shown = apply_fix(g, fixed, "", None) if fixed and "quote" not in fixed else {**g, **fixed}
    flags = []
    for f in flags_for(db, claim["claim_key"]):
        f["open"] = data.is_open(f)
        flags.append(f)
    return {"fields": g, "fixed": fixed, "shown": shown, "verdict": current, "history": verdicts, "flags": flags,
            "open_flags": sum(f["open"] for f in flags)}


def serve(db_path: str | Path, host: str, port: int, *, token: str | None, loopback_only: bool,
          reviewer: str | None = None) -> None:
    import uvicorn

    try:
        app = create_app(db_path, token=token, loopback_only=loopback_only, reviewer=reviewer)
    except StoreError:
        raise
    uvicorn.run(app, host=host, port=port, log_level="warning")
