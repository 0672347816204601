"""`fonds cite` output read by real parsers: BibTeX by bibtexparser, RIS by
rispy (both from PyPI). Each file must parse to exactly one entry whose
fields agree with the CSL-JSON fonds gives for the same record. And pybtex
(PyPI) renders the BibTeX of every record in BibTeX's classic `plain` style,
which needs a `year` and, for `@unpublished`, a `note`.

Run by tests/py/run.sh, which writes the files into $FONDS_CITE_OUT as
ID.bib, ID.ris and ID.json for the seed and a FRUS document, and the BibTeX
of every record it imported into all.bib (from `fonds serve`'s unAPI, the
same writer), their identifiers in all.ids.
"""

import json
import os
import pathlib

import bibtexparser
import pybtex.database
import pybtex.plugin
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
    # A document printed in an edition is a section of that book, with the
    # volume's editors; an archival document is unpublished.
    in_edition = "container-title" in item
    assert entry["ENTRYTYPE"] == ("incollection" if in_edition else "unpublished")
    assert entry["ID"] == record_id
    assert unbraced(entry["title"]) == item["title"]
    assert unbraced(entry["author"]) == " and ".join(map(inverted, item["author"]))
    year = item["issued"]["date-parts"][0][0]
    assert entry["date"].startswith(str(year))
    assert entry["year"] == str(year)
    assert entry["url"] == item["URL"]
    assert item["archive"] in entry["library"]
    assert item["archive_location"] in entry["library"]
    # The note, the one field classic styles print besides author, title and
    # year, says where the original is.
    assert entry["note"].startswith(item["archive"] + ", " + item["archive_location"])
    if in_edition:
        assert unbraced(entry["booktitle"]) == item["container-title"]
        assert unbraced(entry["editor"]) == " and ".join(map(inverted, item["editor"]))
        assert entry["pages"] == item["page"]
        assert entry["publisher"] == item["publisher"]
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
    in_edition = "container-title" in item
    assert entry["type_of_reference"] == ("CHAP" if in_edition else "MANSCPT")
    assert entry["title"] == item["title"]
    assert entry["authors"] == [inverted(n) for n in item["author"]]
    assert entry["year"] == str(item["issued"]["date-parts"][0][0])
    assert entry["name_of_database"] == item["archive"]
    assert entry["accession_number"] == item["archive_location"]
    assert entry["urls"] == [item["URL"]]
    assert entry.get("subsidiary_authors", []) == [
        inverted(n) for n in item.get("translator", [])
    ]
    # ED (editor) is not in rispy's tag table; it keeps it as it is.
    unknown = entry.get("unknown_tag", {})
    assert unknown.get("ED", []) == [inverted(n) for n in item.get("editor", [])]
    assert "tertiary_authors" not in entry, "A3 would make them series editors"
    if in_edition:
        assert entry["secondary_title"] == item["container-title"]
        assert entry["start_page"] == item["page"]
        assert entry["notes"] == [f"Document {item['number']}."]
    else:
        assert entry["type_of_work"] == item["genre"]


def test_pybtex_plain_style_renders_every_record():
    ids = (OUT / "all.ids").read_text(encoding="utf-8").split()
    assert len(ids) > 100, "every demo record"
    bib = pybtex.database.parse_file(str(OUT / "all.bib"), bib_format="bibtex")
    assert sorted(bib.entries.keys()) == sorted(ids)
    style = pybtex.plugin.find_plugin("pybtex.style.formatting", "plain")()
    backend = pybtex.plugin.find_plugin("pybtex.backends", "text")()
    rendered = {}
    for key, entry in bib.entries.items():
        # One at a time, so that a failure names its record.
        try:
            [formatted] = list(style.format_entries([entry]))
        except Exception as e:  # noqa: BLE001 - any failure is the finding
            pytest.fail(f"pybtex plain cannot render {key}: {e!r}")
        rendered[key] = formatted.text.render(backend)
    for key, text in rendered.items():
        entry = bib.entries[key]
        fields = entry.fields
        # Classic styles require an author of these types; a record without
        # one is @misc, which requires none.
        if "author" in entry.persons:
            assert entry.type in ("unpublished", "incollection"), (key, entry.type)
        else:
            assert entry.type == "misc", (key, entry.type)
        assert fields["year"] in text, (key, text)
        if entry.type != "incollection":  # pybtex prints no note there
            assert fields["note"] in text, (key, text)
    seed = rendered["208261"]
    assert seed.startswith("Kim Il Sung. Telephone Message via VCh"), seed
    assert "RGASPI, f. 558, op. 11, d. 109, ll. 0065–0067" in seed, seed
    frus = rendered["frus1961-63v06d12"]
    assert "In Charles S. Sampson and Glenn W. LaFantasie, editors, Foreign Relations" in frus, frus
