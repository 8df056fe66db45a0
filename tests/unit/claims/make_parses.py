"""Parse the texts of rules.yaml once with the trained pipeline (everything before the claim
builder) and store the docs in parses.spacy, so that the rule tests run on fixed parses with no
model. Run it after adding a case: ``.venv/bin/python -m tests.unit.claims.make_parses``."""

from __future__ import annotations

from pathlib import Path

from spacy.tokens import DocBin

from extractor.nlp.pipeline import build
from extractor.rules import load_file

HERE = Path(__file__).parent


def main() -> None:
    nlp = build(with_claims=False)
    texts = {(c["text"], c["published"]) for c in load_file(HERE / "rules.yaml")}
    bin_ = DocBin(store_user_data=True)
    for text, published in sorted(texts, key=lambda t: (t[0], t[1] or "")):
        doc = nlp.make_doc(text)
        doc._.published = published
        bin_.add(nlp(doc))
    bin_.to_disk(HERE / "parses.spacy")
    print(f"{len(texts)} parses written to {HERE / 'parses.spacy'}")


if __name__ == "__main__":
    main()
