"""When: the period a figure covers.

In the figure's sentence (``SENTENCE``): "now" in its clause, the nearest date of its sentence that
is its own (not the date of a statement, a comparison, another clause or the value compared with),
"now" governing its verb. In context (used by :mod:`extractor.nlp.claims.discourse`): the period of
the figures before it (``inherited``), a relative date resolved against an earlier figure's period
(``relative_to``), fiscal years of the claim's country (``fiscal_periods``) and the story's own
period for headlines and full-year figures (``story_context_periods``).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass

from spacy.tokens import Span

from extractor.nlp.claims.context import DocContext
from extractor.nlp.claims.draft import Draft
from extractor.nlp.claims.tree import governors, reports
from extractor.nlp.periods import fiscal
from extractor.nlp.periods.iso import Anchor, parse_iso_period
from extractor.nlp.rule_table import RuleTable
from extractor.nlp.text import DATELINE


def same_months_in(year: str, period: str | None, days: bool) -> str | None:
    """``period``'s months (and days, with ``days``) in ``year``: "the same month of 2019" beside a
    2021-03 figure is 2019-03; "the same period of 2022" beside 2023-01/2023-09 is 2022-01/2022-09.
    None for a period at year precision or spanning years."""
    if not period:
        return None
    if re.fullmatch(r"\d{4}-\d{2}(?:-\d{2})?" if days else r"\d{4}-\d{2}", period):
        return year + period[4:]
    if re.fullmatch(r"(\d{4})(-\d{2})/\1(-\d{2})", period):
        return f"{year}{period[4:7]}/{year}{period[-3:]}"
    return None


def now_period(anchor: Anchor) -> dict:
    """"now": the publication date, at the precision it is known."""
    iso = f"{anchor.year:04d}" + (f"-{anchor.month:02d}" if anchor.month else "") + (
        f"-{anchor.day:02d}" if anchor.month and anchor.day else "")
    return {"period": iso, "period_start": None, "period_end": None}


# -- dates that are not the figure's -------------------------------------------------------------------

def is_basis_date(ctx: DocContext, ds: Span) -> bool:
    """"from a year earlier", "over the same period last year", "than in 2022": a comparison."""
    pre = ctx.text[max(ctx.sent_of(ds).start_char, ds.start_char - 40):ds.start_char]
    m = ctx.lex.basis_before.search(pre)
    if not m:
        return False
    if m.group(0).strip().lower().startswith("from") and (
        re.search(r"\bto\b|-|–", ds.text) or not ctx.text[ctx.sent_of(ds).start_char:ds.start_char - len(m.group(0))].strip()
    ):
        return False  # "From January to May 2025, ...": the period itself
    return True


#: a page's date line before the story on the same line (" date 2024-02-15 There were ...")
_DATE_HEADER = re.compile(r"(?<!\s)\s*+(?:date|published|updated|posted)[:\s]++\d{4}-\d{2}-\d{2}\b", re.I)


def in_dateline(ctx: DocContext, ds: Span) -> bool:
    """"HANOI, October 6 (VNA) –", " date 2024-02-15 There were ...": the date of the story, not of
    its figures."""
    line_start = ctx.text.rfind("\n", 0, ds.start_char) + 1
    m = DATELINE.match(ctx.text, line_start) or _DATE_HEADER.match(ctx.text, line_start)
    return m is not None and ds.end_char <= m.end()


def attached_to_reporting(ctx: DocContext, ds: Span) -> bool:
    """"said on Thursday", "reported by Xinhua in June": the date of the statement, not the figure."""
    tok = ds.root
    if tok.dep_ in ("nsubj", "nsubjpass", "dobj", "attr"):
        return False  # "growth for 2023-24 is projected at": a date parsed as what is said is no date of saying
    for _ in range(3):
        head = tok.head
        if head.i == tok.i:
            return False
        if head.pos_ in ("VERB", "AUX"):
            # "turnover ... was estimated at US$248.19 billion": the estimate's figure, not a statement;
            # "employers added 130,000 jobs in August": a verb whose object is a figure states no saying
            return head.lemma_.lower() in ctx.lex.reporting_verbs and head.lemma_.lower() not in ("estimate", "calculate", "put") \
                and reports(head)
        if head.pos_ in ("NOUN", "PROPN"):
            return False  # "turnover in the first nine months": the date of a noun, not of the saying
        tok = head
    return False


def date_of_other_clause(ds: Span, span: Span) -> bool:
    """A date in a subordinate clause that does not hold the figure ("fell 6.5 percent to
    6.31 trillion yuan, as tariffs imposed since 2018 continued to weigh")."""
    t = ds.root
    while t.head.i != t.i:
        if t.dep_ in ("advcl", "relcl"):
            # a clause after the figure ("..., as tariffs imposed since 2018 continued") is about
            # something else; one before it ("Comparing the third quarter with ...,") sets its frame
            return t.left_edge.i >= span.end and not (t.left_edge.i <= span.start and span.end - 1 <= t.right_edge.i)
        if t.dep_ == "conj" and t.pos_ in ("VERB", "AUX") and any(c.dep_ in ("nsubj", "nsubjpass") for c in t.children):
            # "..., covering 3,980 contracts, and the number of such contracts has doubled since
            # 2016": a coordinated clause with a subject of its own
            subj_start = min(c.left_edge.i for c in t.children if c.dep_ in ("nsubj", "nsubjpass"))
            if subj_start >= span.end:
                return True
        t = t.head
    return False


# -- the figure's sentence ---------------------------------------------------------------------------------

@dataclass
class Figure:
    ctx: DocContext
    span: Span
    q: dict
    change: dict | None  # the rate paired with the figure


def _now_in_clause(f: Figure) -> dict | None:
    """"... now stands at 12,000": the publication date."""
    sent = f.ctx.sent_of(f.span)
    clause = f.ctx.text[sent.start_char:f.q["start"]]
    clause = re.split(r";|,\s+(?:and|but|while|whereas)\s+", clause)[-1]
    if f.ctx.anchor is not None and re.search(r"\b(?:now|currently)\b", clause, re.I):
        return now_period(f.ctx.anchor)
    return None


def _sentence_date(f: Figure) -> dict | None:
    """The nearest date of the sentence that is the figure's own."""
    ctx, span, q = f.ctx, f.span, f.q
    sent = ctx.sent_of(span)
    cands = []
    k = ctx.sent_at[span.start]
    in_sent = [(ds, d) for ds, d in ctx.in_sentence("dates", k) if not in_dateline(ctx, ds)]
    # "In the April-December period, the first nine months of fiscal 2023, the deficit ...": a
    # date in apposition restates the one before it (the first is the one the text gives)
    appositive: set[int] = set()
    for (a, _), (b, _) in zip(in_sent, in_sent[1:]):
        gap = ctx.text[a.end_char:b.start_char]
        # ("the October-December period of last year": the second names the first's year)
        if re.fullmatch(r",\s*", gap) or re.fullmatch(r"(?<!\s)\s+of\s+(?:fiscal\s+|financial\s+)?", gap, re.I):
            appositive.add(b.start)
    in_sent = [(ds, d) for ds, d in in_sent if ds.start not in appositive]
    for ds, d in in_sent:
        # "with Q2 at 6.5 per cent; Q3 at 6.0 per cent", "Q3: 5.6%": a date written as the label of
        # the figure right after it is that figure's
        labelled = [os for os in _right_after(ctx, ds)
                    if not _NOT_LABEL.search(ctx.text[max(0, ds.start_char - 12):ds.start_char])]
        if labelled:
            if labelled[0].start == span.start:
                cands.append((False, 0, False, d))
            continue
        if attached_to_reporting(ctx, ds) or is_basis_date(ctx, ds) or date_of_other_clause(ds, span):
            continue
        lead = ctx.text[max(sent.start_char, ds.start_char - 60):ds.start_char + (5 if ds[0].lower_ == "since" else 0)]
        if ctx.lex.record_since.search(lead):
            continue  # "its lowest point since November 1976": where a record starts
        if ctx.text[max(0, ds.start_char - 1):ds.start_char] == "(" and len(in_sent) > 1:
            continue  # "By 2025, the final year of the plan (2021-25)": an aside on the date before
        dist = ds.start - span.end if ds.start >= span.end else span.start - ds.end
        owner = min(
            (abs(ds.start - os.end if ds.start >= os.end else os.start - ds.end), n, os)
            for n, (os, o) in enumerate(ctx.in_sentence("qs", k)) if o.get("conversion_of") is None
        )
        own = owner[2].start == span.start or (f.change is not None and owner[2].start_char == f.change["start"])
        if q["unit"] == "times" and not own and ds.start >= span.end:
            continue  # "3.8 times the 612.4 billion yuan spent in 2009": the date of the value compared with
        if q["unit"] == "times" and (ds[0].lower_ == "since" or re.search(
                r"\bsince\s+$", ctx.text[max(0, ds.start_char - 7):ds.start_char], re.I)):
            continue  # "has doubled since 2016": the base of the multiple; the figure is of the story's time
        gap = ctx.text[owner[2].end_char:ds.start_char]
        if not own and ds.start >= owner[2].end and dist > 1 and (
                ds.start - owner[2].end <= 1 or re.fullmatch(r"(?<!\s)\s*+(?:in|during|over|for)?\s*+the same (?:period|month|quarter) (?:of|in)\s*", gap)
                or (ANAPHORIC_DATE.match(" ".join(ds.text.lower().split())) and ds.start - owner[2].end <= 4)):
            continue  # "up from 7.9 percent a year earlier", "¥58.3 billion in deficit a year before": the date of the figure just before it
        # at equal distance the date after the figure is its own ("from 11 per cent in June to 34
        # per cent in September": September is the 34's)
        cands.append((abs(dist) > owner[0] + 3, abs(dist), ds.start < span.start, d))
    if cands:
        cands.sort(key=lambda c: (c[0], c[1], c[2]))
        return cands[0][3]
    return None


_LABEL_GAP = re.compile(r"(?<!\s)\s*+(?:at|was|were|of|[:=])\s*+")


def _right_after(ctx: DocContext, ds: Span) -> list[Span]:
    """The quantities a date labels: only a label word between them ("Q3 at 5.6%", "Q3: 5.6%")."""
    out = []
    for os, _ in ctx.qs[bisect_left(ctx.q_token_starts, ds.end):]:
        gap = ctx.text[ds.end_char:os.start_char]
        if _LABEL_GAP.fullmatch(gap):
            out.append(os)
        elif len(gap.strip()) > 4:
            break  # the gap to every later quantity holds this one: more than one label word
    return out
#: a date after these words is no label ("unchanged from May at 4.9 per cent": a comparison)
_NOT_LABEL = re.compile(r"\b(?:from|since|than|to|until|till|versus|vs\.?)\s+$", re.I)


def _now_governor(f: Figure) -> dict | None:
    """"now" or "currently" on the verb the figure hangs on."""
    if f.ctx.anchor is None:
        return None
    heads = governors(f.span)
    if any(t.lower_ in ("now", "currently") and t.head.i in heads for t in f.ctx.sent_of(f.span)):
        return now_period(f.ctx.anchor)
    return None


#: each rule's ``period_how`` (the kind of evidence: the claim's confidence weighs it)
SENTENCE_HOW = {"period.now_in_clause": "now", "period.sentence_date": "sentence", "period.now_governor": "now"}
SENTENCE: RuleTable[dict] = RuleTable("period.sentence", [
    ("period.now_in_clause", _now_in_clause),
    ("period.sentence_date", _sentence_date),
    ("period.now_governor", _now_governor),
])


def sentence_period(ctx: DocContext, span: Span, q: dict, change: dict | None) -> tuple[dict | None, str, str]:
    """(the period, its ``period_how``, the rule) from the figure's sentence."""
    found = SENTENCE.first(Figure(ctx, span, q, change))
    if found is None:
        return None, "none", "period.none"
    return found.value, SENTENCE_HOW[found.rule], found.rule


# -- from the figures around it ------------------------------------------------------------------------------

ANAPHORIC_DATE = re.compile(
    r"^(?:(?:a|one) (?P<u1>year|month|quarter) (?:earlier|ago|before)|the (?:previous|prior|preceding) (?P<u2>year|month|quarter)"
    r"|the same (?:period|month|quarter) (?:of )?(?:last|a|the previous) year|(?:a|the) year-ago (?:period|month|quarter)"
    r"|(?P<same>the same (?:period|month|quarter|year|time)))$")

#: a period named only by its unit: it is the period in context ("received 6.58 million
#: applications during the year" after figures for last year)
BARE_PERIOD = re.compile(r"^(?:during |in |over |for )?the (?P<unit>year|period|month|quarter)$")


def headline(ctx: DocContext, d: Draft) -> bool:
    """A claim in a line without a final stop (a headline): it sets no period for the body."""
    if d.headline is None:
        sent = ctx.sent_of(d.span)
        line_end = ctx.text.find("\n", sent.start_char)
        line = ctx.text[sent.start_char: line_end if line_end >= 0 else len(ctx.text)].rstrip()
        d.headline = not re.search(r"[.!?”\"]$", line)
    return d.headline


def relative_to(ctx: DocContext, d: Draft, base: dict | None) -> dict | None:
    """"20.3% a year earlier" in a sentence that states no period of its own: a year before the
    period of the figures it is compared with (the previous claim's), not before publication."""
    if not base or not base.get("period") or not d.period:
        return None
    own_text = d.period.get("text") or ""
    if re.fullmatch(r"\d{4}", own_text.strip()):
        start = d.period.get("start")
        lead = ctx.text[max(0, start - 30):start] if isinstance(start, int) else ""
        if re.search(r"\bthe same (?:period|months?|quarter|time) (?:of|in)\s+$", lead, re.I):
            # "US$12.4 billion in the same period of 2022": the figures' months in that year
            iso = same_months_in(own_text.strip(), base["period"], days=False)
            return dict(parse_iso_period(iso).fields(), text=own_text) if iso else None
    bare = BARE_PERIOD.match(" ".join(own_text.lower().split()))
    if bare is not None:
        try:
            p = parse_iso_period(base["period"])
        except (ValueError, TypeError):
            return None
        if bare.group("unit") == "year" and p.start and p.end and p.start[:1] == p.end[:1] and len(p.start) > 1:
            return dict(parse_iso_period(f"{p.start[0]:04d}").fields(), text=own_text)  # the year of those figures
        if bare.group("unit") == "year" and not (p.start and len(p.start) == 1 and p.start == p.end):
            return None
        return dict(base, text=own_text)
    m = ANAPHORIC_DATE.match(" ".join(own_text.lower().split()))
    if m is None:
        return None
    sent = ctx.sent_of(d.span)
    if any(ctx.sent_of(ds).start == sent.start and t.get("text") != d.period.get("text")
           for ds, t in ctx.all_dates if t.get("period")):
        return None  # the resolver had the sentence's own period to go by
    if m.group("same"):
        return dict(base, text=d.period.get("text"))  # "in the same month": the figures' own period
    unit = m.group("u1") or m.group("u2") or "year"
    try:
        p = parse_iso_period(base["period"])
    except (ValueError, TypeError):
        return None
    if p.start is None or p.end is None:
        return None
    if unit == "year":
        p = p.shift(years=-1)
    elif len(p.start) >= 2:
        p = p.shift(months=-1 if unit == "month" else -3)
    else:
        return None
    return dict(p.fields(), text=d.period.get("text"))


def story_period(ctx: DocContext, before: list[Draft], headlined: frozenset[str] = frozenset()) -> dict | None:
    """The period the article has stated most often in ``before`` (reported figures with a
    period of their sentence or paragraph); a tie goes to the headline's, else to the one stated
    first (the lede's)."""
    stated = [x.period for x in before if x.period is not None and x.period_how in ("sentence", "paragraph")
              and x.modality == "reported" and not x.basis_of_previous and not x.compared_with
              and not headline(ctx, x)]
    if not stated:
        return None
    counts = Counter(p["period"] for p in stated)
    top = max(counts.values())
    # a tie goes to the headline's period (``headlined``) ("Trade surplus reaches US$9.8 billion in first five
    # months", then "... US$2.61 billion in May and US$9.8 billion in the first five months")
    tied = [p for p in stated if counts[p["period"]] == top]
    return next((p for p in tied if p["period"] in headlined), tied[0])


def inherited(ctx: DocContext, d: Draft, drafts: list[Draft]) -> tuple[dict | None, str, str]:
    """(period, period_how, rule) for a figure whose sentence states none: the figures before it."""
    text = ctx.text
    sent = ctx.sent_of(d.span)
    before = [x for x in drafts if x.index < d.index and x.period is not None and x.period_how != "now"
              and not x.basis_of_previous and not x.compared_with and x.modality == "reported"
              and not headline(ctx, x)]  # a headline sets no period for the body
    if not before:
        # no figure before it: the time a sentence before it states ("German exports rebounded
        # in March, data showed." then "Exports increased by 1.1 per cent on the month ...")
        stated = [(ds, t) for ds, t in ctx.all_dates if t.get("period") and ds.start_char < d.q["start"]
                  and not in_dateline(ctx, ds)
                  and ctx.sent_of(ds).start != sent.start and not attached_to_reporting(ctx, ds)
                  and not is_basis_date(ctx, ds)]
        if stated:
            # the last sentence that states a time, and its first date (the main clause's: "...
            # widened in April as shipments bounced back from disruptions in March")
            last_sent = ctx.sent_of(stated[-1][0]).start
            ds, t = next((ds, t) for ds, t in stated if ctx.sent_of(ds).start == last_sent)
            return (t, "paragraph", "period.stated_before") if ds.start_char >= d.para \
                else (t, "carried", "period.stated_before")
        return None, "none", "period.none"
    last = before[-1]
    if last.para == d.para:
        return last.period, "paragraph", "period.paragraph"
    lead = text[sent.start_char:sent.start_char + 24].lower()
    if re.match(r"^\s*(?:of them|of these|of which|among them|among these|of the total|in particular)\b", lead):
        return last.period, "paragraph", "period.breakdown"
    # a paragraph that names no time of its own goes on with the period of the figures before
    # it (a lede's "in the first seven months" governs the breakdown that follows)
    if last.period_how in ("sentence", "paragraph", "carried") and not headline(ctx, last) and not any(
            d.para <= ds.start_char < d.q["start"] and not attached_to_reporting(ctx, ds)
            and not (is_basis_date(ctx, ds) or not t.get("period")) for ds, t in ctx.all_dates):
        # the period the article has stated most often so far (the story's reference period,
        # not a comparison year mentioned once in the paragraph before)
        headlined = frozenset(x.period["period"] for x in drafts if x.index < d.index and x.period is not None
                              and x.period.get("period") and headline(ctx, x))
        story = story_period(ctx, before, headlined)
        return (story or last.period), "carried", "period.carried"
    return None, "none", "period.none"


def fiscal_periods(ctx: DocContext, drafts: list[Draft], article_geo: str | None) -> None:
    """A fiscal year of the claim's country ("FY25", "2023-24", "this fiscal", "the financial
    year to date", a "full-year" figure): ``fiscal_years.yaml`` and :mod:`extractor.nlp.periods.fiscal`."""
    table = fiscal.fiscal_years()
    published = ctx.doc._.published
    pub = None
    if published and re.match(r"^\d{4}-\d{2}", published):
        pub = (int(published[:4]), int(published[5:7]))
    story = story_period(ctx, drafts)
    story_end = None
    if story is not None:
        try:
            p = parse_iso_period(story["period"])
            if p.end and len(p.end) >= 2:
                story_end = (p.end[0], p.end[1])
        except (ValueError, TypeError):
            pass
    text = ctx.text
    for d in drafts:
        country = d.geo[0] if d.geo and len(d.geo) == 1 else article_geo
        if not country or country[:2] not in table:
            continue
        found = None
        per = d.period or {}
        start = per.get("start")
        if per.get("text") and isinstance(start, int):
            # the date with a split-year tail the date finder may cut ("the first ten months of 2023-24")
            date_text = text[start:start + len(per["text"])]
            tail = re.match(r"^\s*[-–/]\s*\d{2}\b", text[start + len(per["text"]):start + len(per["text"]) + 6])
            found = fiscal.resolve(date_text + (tail.group(0) if tail else ""), country, pub, story_end)
            if found is None and fiscal.PART_ONLY.fullmatch(date_text.strip()):
                # "Q1, 2024-25", "with Q2 at 6.5 per cent" after "for 2023-24": a quarter of the
                # fiscal year written after it, else of the last one its sentence names before it
                after = re.match(r"(?<!\s)\s*+[,:]?\s*+((?:19|20)\d\d\s*+[-–/]\s*+\d\d)\b", text[start + len(per["text"]):start + len(per["text"]) + 14])
                before = fiscal.SPLIT_YEAR.findall(text[ctx.sent_of(d.span).start_char:start])
                named = after.group(1) if after else (before[-1] if before else None)
                if named:
                    found = fiscal.resolve(f"{date_text} {named}", country, pub, story_end)
        if found is None and d.period_how in ("carried", "paragraph", "none", "story", "now"):
            # "... to cross $470 billion this fiscal": a fiscal expression that is no date mention
            sent = ctx.sent_of(d.span)
            window = text[max(sent.start_char, d.q["start"] - 60):min(sent.end_char, d.q["end"] + 40)]
            if re.search(r"\b(?:fiscal|financial)\b|\bFY\s*'?\d", window, re.I):
                found = fiscal.resolve(window, country, pub, story_end)
        if found is None and d.phrase is not None and ctx.lex.full_year.search(d.phrase.text) and fiscal.TALKS_FISCAL.search(text):
            # a "full-year" figure is of the fiscal year only in a story that counts in fiscal years
            found = fiscal.resolve(d.phrase.text, country, pub, story_end, full_year=True)
        if found is not None:
            d.period = dict(found.fields(), text=per.get("text") or "fiscal", start=start)
            d.fiscal = True
            d.how["period"] = "period.fiscal_year"


def story_context_periods(ctx: DocContext, drafts: list[Draft]) -> None:
    """Periods the story itself supplies: a headline figure that names a span of time but no
    year is of the story's period ("Nine-month exports slip 7.6%"), and a "full-year" figure is of
    the story's year ("a full-year export decline of around 7 per cent", "keeping full-year foreign
    trade above 4 trillion yuan")."""
    body = [x for x in drafts if not headline(ctx, x)]
    for d in drafts:
        if d.period is None and headline(ctx, d) and ctx.lex.headline_period.search(ctx.sent_of(d.span).text):
            story = story_period(ctx, body)
            if story is not None:
                d.period, d.period_how, d.how["period"] = dict(story), "story", "period.headline_story"
        phrase = d.phrase.text if d.phrase is not None else ""
        if d.fiscal:
            continue  # a fiscal year of its country (fiscal_periods)
        if ctx.lex.full_year.search(phrase) and (d.period is None or d.period_how in ("now", "carried", "paragraph", "sentence")):
            if d.period is not None and re.fullmatch(r"\d{4}", d.period.get("period") or ""):
                continue  # "full-year 2023": its own year
            published = ctx.doc._.published
            story = story_period(ctx, [x for x in drafts if x.index != d.index]) or (
                {"period": (published or "")[:4]} if published else None)
            if story is not None and story.get("period"):
                try:
                    p = parse_iso_period(story["period"])
                except (ValueError, TypeError):
                    continue
                if p.start:
                    d.period = dict(parse_iso_period(f"{p.start[0]:04d}").fields(), text=phrase)
                    d.period_how, d.how["period"] = "story", "period.full_year"


#: the rule ids this module records as a claim's ``how``
RECORDS: tuple[str, ...] = (*SENTENCE.ids, "period.stated_before", "period.paragraph", "period.breakdown",
                            "period.carried", "period.relative_to_earlier", "period.fiscal_year",
                            "period.headline_story", "period.full_year")
