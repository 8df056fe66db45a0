"""Entity spans and ids (issue 6): titles outside PERSON, common nouns outside ORG names."""

from __future__ import annotations

import pytest

from extractor.nlp.entities.gazetteer import titled_name_start, titles


@pytest.mark.parametrize(
    "text,label,name",
    [
        # issue 6: a minister's title with a department in it ("of Industry and Trade")
        ("Exports rose 23.2 percent, Minister of Industry and Trade Nguyen Hong Dien told reporters.", "PERSON",
         "Nguyen Hong Dien"),
        ("Commerce Minister Wang Wentao said exports rose 5 percent.", "PERSON", "Wang Wentao"),
        ("Guangdong Governor Ma Xingrui said trade grew 3 percent.", "PERSON", "Ma Xingrui"),
        # issue 6: a body named after common nouns keeps only its name
        ("Exports will fall, the foreign trade association BGA said on Wednesday.", "ORG", "BGA"),
    ],
)
def test_issue6_names_without_titles_or_descriptors(nlp, text, label, name):
    doc = nlp(text)
    assert (name, label) in [(e.text, e.label_) for e in doc.ents]


@pytest.mark.parametrize("text,name", [
    ("Imports climbed, according to the General Department of Vietnam Customs.", "General Department of Vietnam Customs"),
    ("The Ministry of Trade, Industry and Energy said exports fell.", "Ministry of Trade, Industry and Energy"),
])
def test_issue6_a_body_with_a_title_word_is_not_a_person(nlp, text, name):
    """"General" is a title word, but "Vietnam Customs" is a body, not a person's name."""
    doc = nlp(text)
    assert not any(e.label_ == "PERSON" for e in doc.ents), [(e.text, e.label_) for e in doc.ents]
    assert name in text


def test_titles_are_data():
    assert {"minister", "governor", "director"} <= titles()


def test_titled_name_needs_a_title_before_the_name(nlp):
    doc = nlp("Nguyen Hong Dien told reporters.")
    assert titled_name_start(doc, 0, 3) is None
