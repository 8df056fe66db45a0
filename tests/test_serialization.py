"""A saved pipeline carries its rule data (issue 15): the claim builder and the entity components
load from disk without the installed rule files, give the same claims, and take changed data."""

from __future__ import annotations

import json

import pytest
import spacy

import extractor.rules

TEXT = ("Guangdong's exports rose 8.1 percent year-on-year to 389.5 billion yuan in May, "
        "the provincial customs said on Tuesday.")


def _claims(nlp) -> list[dict]:
    from extractor.nlp.claims.component import claim_dicts

    doc = nlp.make_doc(TEXT)
    doc._.published = "2024-06-11"
    return claim_dicts(nlp(doc))


@pytest.fixture(scope="module")
def saved(nlp, tmp_path_factory):
    path = tmp_path_factory.mktemp("pipeline") / "nlp"
    nlp.to_disk(path)
    return path


def test_saved_pipeline_needs_no_installed_rule_files(nlp, saved, monkeypatch):
    expected = _claims(nlp)
    assert expected and expected[0]["indicator"] == "trade.exports"

    def no_files(name: str):
        if name.startswith(("claims/", "indicators", "linker", "entities", "demonyms", "titles", "changes")):
            raise AssertionError(f"the loaded pipeline read the installed {name}")
        return real(name)

    real = extractor.rules.load_data
    monkeypatch.setattr(extractor.rules, "load_data", no_files)
    import extractor.nlp.claims.lexicon as lexicon_module
    import extractor.nlp.entities.gazetteer as gazetteer_module

    monkeypatch.setattr(lexicon_module, "load_data", no_files)
    monkeypatch.setattr(gazetteer_module, "load_data", no_files)
    loaded = spacy.load(saved)
    assert _claims(loaded) == expected


def test_saved_data_is_what_the_loaded_component_uses(nlp, saved, tmp_path):
    data = json.loads((saved / "claim_builder" / "data.json").read_text(encoding="utf-8"))
    data["indicators"] = [i for i in data["indicators"] if i["id"] != "trade.exports"]
    (saved / "claim_builder" / "data.json").write_text(json.dumps(data), encoding="utf-8")
    loaded = spacy.load(saved)
    assert _claims(loaded)[0]["indicator"] != "trade.exports"


def test_entity_components_round_trip(nlp, tmp_path):
    for name in ("entity_gazetteer", "entity_normalizer"):
        nlp.get_pipe(name).to_disk(tmp_path / name)
        data = json.loads((tmp_path / name / "data.json").read_text(encoding="utf-8"))
        assert {"entities", "demonyms", "titles"} <= set(data)
    gaz = spacy.blank("en").add_pipe("entity_gazetteer").from_disk(tmp_path / "entity_gazetteer")
    assert gaz.entities is not None and gaz.entities.link_place("Guangdong province") == "CN-GD"


def test_components_have_scorers(nlp):
    from spacy.training import Example

    doc = nlp.make_doc(TEXT)
    doc._.published = "2024-06-11"
    pred = nlp(doc)
    ref = nlp(nlp.make_doc(TEXT))
    scores = nlp.get_pipe("claim_builder").score([Example(pred, ref)])
    assert scores["claims_f"] == 1.0 and scores["claims_acc_indicator"] == 1.0
    ents = nlp.get_pipe("entity_normalizer").score([Example(pred, ref)])
    assert ents["ents_f"] == 1.0


@pytest.mark.parametrize("name", ["quantity_finder", "period_resolver"])
def test_issue15_rule_components_initialize_and_score(nlp, name):
    """The quantity finder and the period resolver compile their rules at initialize() and score
    their spans against a reference doc (spaCy's span scorer; the resolver also its periods)."""
    from spacy.training import Example

    component = nlp.get_pipe(name)
    component.initialize(lambda: [], nlp=nlp)
    text = "Exports rose 8.1 percent to $389.5 billion in May 2024."
    predicted = nlp(text)
    reference = nlp(text)  # the same reading as reference: every score is perfect
    scores = component.score([Example(predicted, reference)])
    assert scores["spans_f"] == 1.0, scores
    if name == "period_resolver":
        assert scores["periods_acc"] == 1.0
        ref = nlp(text)
        span = ref.spans["dates"][0]
        span._.timex = dict(span._.timex, period="2023-05")  # a reference that reads another period
        assert component.score([Example(nlp(text), ref)])["periods_acc"] == 0.0
    else:
        ref = nlp.make_doc(text)
        ref.spans["quantities"] = [ref.char_span(13, 24, label="PERCENT")]  # one of the two quantities
        scores = component.score([Example(nlp(text), ref)])
        assert scores["spans_p"] == 0.5 and scores["spans_r"] == 1.0
