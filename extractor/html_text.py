"""Plain text from an HTML page dropped into the corpus by mistake (one paragraph per block)."""

from __future__ import annotations

import lxml.html


BLOCK_TAGS = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "article", "section", "header", "footer", "title"}


def html_to_text(html: str) -> str:
    root = lxml.html.document_fromstring(html)
    for bad in root.xpath("//script|//style|//noscript"):
        bad.drop_tree()
    lines: list[str] = []
    for el in root.iter():
        if el.tag in BLOCK_TAGS:
            lines.append("\n")
        if el.text and el.tag not in ("script", "style"):
            lines.append(el.text)
        if el.tail:
            lines.append(el.tail)
    text = "".join(lines)
    paras = [" ".join(part.split()) for part in text.split("\n")]
    return "\n\n".join(p for p in paras if p) + "\n"
