"""`fonds cite` output read by real parsers: BibTeX by bibtexparser, RIS by
rispy (both from PyPI). Each file must parse to exactly one entry whose
fields agree with the CSL-JSON fonds gives for the same record.

Run by tests/py/run.sh, which writes the files into $FONDS_CITE_OUT as
ID.bib, ID.ris and ID.json.
"""

import json
import os
import pathlib

import bibtexparser
import pytest
import rispy
from bibtexparser.bparser import BibTexParser

OUT = pathlib.Path(os.environ["FONDS_CITE_OUT"])
IDS = ["208261", "frus1961-63v06d12"]


def csl(record_id):
    items = json.loads((OUT / f"{record_id}.json").read_text(encoding="utf-8"))
    assert len(items) == 1
    return items[0]


def inverted(name):
    if "literal" in name:
        return name["literal"]
    return f"{name['family']}, {name['given']}"


def unbraced(value):
    return value.replace("{", "").replace("}", "")


@pytest.mark.parametrize("record_id", IDS)
def test_bibtex_parses_to_the_record(record_id):
    item = csl(record_id)
    parser = BibTexParser(common_strings=False)
    parser.ignore_nonstandard_types = False
    text = (OUT / f"{record_id}.bib").read_text(encoding="utf-8")
    db = bibtexparser.loads(text, parser)
    assert len(db.entries) == 1, text
    entry = db.entries[0]
    assert entry["ENTRYTYPE"] == "unpublished"
    assert entry["ID"] == record_id
    assert unbraced(entry["title"]) == item["title"]
    assert unbraced(entry["author"]) == " and ".join(map(inverted, item["author"]))
    year = item["issued"]["date-parts"][0][0]
    assert entry["date"].startswith(str(year))
    assert entry["url"] == item["URL"]
    assert item["archive"] in entry["library"]
    assert item["archive_location"] in entry["library"]
    if "translator" in item:
        assert unbraced(entry["translator"]) == " and ".join(
            map(inverted, item["translator"])
        )
        assert entry["origlanguage"] == "russian"


@pytest.mark.parametrize("record_id", IDS)
def test_ris_parses_to_the_record(record_id):
    item = csl(record_id)
    text = (OUT / f"{record_id}.ris").read_text(encoding="utf-8")
    assert "\r" not in text
    entries = rispy.loads(text)
    assert len(entries) == 1, text
    entry = entries[0]
    assert entry["type_of_reference"] == "MANSCPT"
    assert entry["title"] == item["title"]
    assert entry["authors"] == [inverted(n) for n in item["author"]]
    assert entry["year"] == str(item["issued"]["date-parts"][0][0])
    assert entry["name_of_database"] == item["archive"]
    assert entry["accession_number"] == item["archive_location"]
    assert entry["urls"] == [item["URL"]]
    assert entry.get("subsidiary_authors", []) == [
        inverted(n) for n in item.get("translator", [])
    ]
    assert entry["type_of_work"] == item["genre"]
