"""News-like sentences made of the parts the pipeline reads (issue 14): number forms, currencies,
scale words, percentages, date words, relative expressions and runs of punctuation, joined by
the words of economic news. One grammar serves the hypothesis property test (as a strategy) and
the measurement of the longest time per sentence (``python -m tests.generated_news N``).
"""

from __future__ import annotations

import random
import sys
import time
from typing import Callable

NUMBERS = ["5", "12", "3.8", "0.5", "1,234", "12,345.67", "1.234,5", "816 000", "1'250'000", "99999999999", "007",
           "three", "twenty-five", "a dozen", "one in three", "two-thirds", "half", "1/4", "-2.1", "+0.4", "1e6",
           "12-15", "1,2,3", "4.4.4.4", "9" * 30, "1 2 3 4 5 6 7 8"]
CURRENCIES = ["$", "US$", "HK$", "RMB", "¥", "€", "£", "Rs ", "USD ", "", ""]
SCALES = [" billion", " million", " trillion", "bn", "m", " thousand", " crore", " lakh", "", ""]
UNITS = [" yuan", " dollars", " US dollars", " euros", " percent", "%", " per cent", " percentage points",
         " basis points", " times", " tonnes", " barrels", " jobs", " workers", " units", "", ""]
DATES = ["in March", "in March 2019", "on Tuesday", "last month", "this month", "until this month", "until this year",
         "till next year", "since last year", "since the 1990s", "since 2016", "from January to May 2025",
         "in the first five months", "in the first half", "in Q3", "in the third quarter of last year", "a year earlier",
         "the same period last year", "in fiscal 2024", "in FY25", "in 2023-24", "on Feb. 29", "on June 31",
         "in the March 1-10 period", "by May 20", "in the year to June", "end-June", "the week ended July 4",
         "earlier this week", "later that year", "yesterday", "next Thursday", "in the 2020s", "this century",
         "in mid-2024", "the past 12 months", "for three years", "every Monday", "at 10 a.m.", "", ""]
VERBS = ["rose", "fell", "reached", "totaled", "grew", "dropped", "edged up to", "climbed", "stood at", "was", "hit",
         "amounted to", "jumped by", "narrowed to", "widened", "will rise", "is expected to reach"]
SUBJECTS = ["Exports", "Imports", "China's exports", "The trade surplus", "Guangdong's foreign trade", "Inflation",
            "Unemployment", "GDP", "Profit", "Revenue", "The figure", "It", "Those", "High-tech imports",
            "The central bank's policy rate", "Payrolls"]
CREDITS = ["", "", ", the customs office said", ", according to the statistics bureau", ", data showed",
           ", Li said on Monday", ", the Labor Department said", ", officials said in a statement"]
JUNK = ["...", "--", "!!!", "   ", "\n\n", " - - - ", "(", ")", "“", "”", "|", ";;", "\u00a0", "\t", ",,,,", "....",
        "$$$", "%%", "   \n   \n", "-" * 40, "." * 60, " " * 200, "\n" * 50, "the " * 40, "March " * 30,
        "2019 " * 30, "1," * 60, "a-" * 50]


def figure(pick: Callable[[list[str]], str]) -> str:
    return f"{pick(CURRENCIES)}{pick(NUMBERS)}{pick(SCALES)}{pick(UNITS)}"


def sentence(pick: Callable[[list[str]], str]) -> str:
    """One sentence; ``pick`` chooses an element of a list (random.choice, or hypothesis' draw)."""
    parts = [pick(SUBJECTS), pick(VERBS), figure(pick), pick(DATES)]
    if pick(["", "change"]) == "change":
        parts += [pick(["up", "down", "an increase of", "compared with"]), figure(pick), pick(DATES)]
    body = " ".join(p for p in parts if p)
    junk = pick(JUNK + [""] * 20)
    return f"{body}{pick(CREDITS)}.{junk}"


PUBLISHED = ["2025-03-14", "2019-02", "2024", "2024-02-29", None, None]


def measure(n: int, seed: int = 14, cap: float = 60.0) -> dict:
    """The pipeline on ``n`` generated sentences, one at a time: the longest time per sentence.
    Each sentence runs under an alarm of ``cap`` seconds of the harness's own (so that the same
    measurement runs on code without the project's bounds); one that hits it counts as stuck."""
    import signal

    from extractor.nlp.pipeline import build

    class Stuck(Exception):
        pass

    def alarm(signum, frame):
        raise Stuck()

    rng = random.Random(seed)
    nlp = build()
    nlp("Exports rose 5 percent to $3 billion in March.")
    worst: list[tuple[float, str, str | None]] = []
    total = 0.0
    failures: list[dict] = []
    previous = signal.signal(signal.SIGALRM, alarm)
    try:
        for _ in range(n):
            text = sentence(rng.choice)
            pub = rng.choice(PUBLISHED)
            doc = nlp.make_doc(text)
            doc._.published = pub
            t = time.perf_counter()
            try:
                signal.setitimer(signal.ITIMER_REAL, cap, cap)  # again if something swallows it
                nlp(doc)
            except Stuck:
                failures.append({"stuck": True, "text": text, "published": pub})
            except Exception as exc:  # noqa: BLE001
                failures.append({"error": f"{type(exc).__name__}: {exc}", "text": text, "published": pub})
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            took = time.perf_counter() - t
            total += took
            worst = sorted(worst + [(took, text, pub)], reverse=True)[:5]
    finally:
        signal.signal(signal.SIGALRM, previous)
    return {"sentences": n, "mean_ms": round(1000 * total / n, 2), "failures": len(failures),
            "first_failures": failures[:5],
            "slowest": [{"ms": round(1000 * t, 1), "text": s, "published": p} for t, s, p in worst]}


if __name__ == "__main__":  # pragma: no cover
    import json

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    print(json.dumps(measure(n, cap=float(sys.argv[2]) if len(sys.argv) > 2 else 60.0), indent=2, ensure_ascii=False))
