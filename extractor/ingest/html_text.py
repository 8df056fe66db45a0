"""Plain text from an HTML page dropped into the corpus by mistake (one paragraph per block)."""

from __future__ import annotations

import re

import lxml.html


BLOCK_TAGS = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "article", "section", "header", "footer", "title"}


_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


def html_to_text(html: str) -> str:
    # lxml refuses a str that still carries an encoding declaration; the text is decoded already
    root = lxml.html.document_fromstring(_XML_DECLARATION.sub("", html, count=1))
    for bad in root.xpath("//script|//style|//noscript"):
        bad.drop_tree()
    lines: list[str] = []
    for el in root.iter():
        if el.tag in BLOCK_TAGS:
            lines.append("\n")
        # comments and processing instructions have a non-str tag; their text is not page text
        if el.text and isinstance(el.tag, str) and el.tag not in ("script", "style"):
            lines.append(el.text)
        if el.tail:
            lines.append(el.tail)
    text = "".join(lines)
    paras = [" ".join(part.split()) for part in text.split("\n")]
    return "\n\n".join(p for p in paras if p) + "\n"
