"""A real feed reader's parser (feedparser, from PyPI) reads a running `fonds serve`'s Atom feeds.

FONDS_SERVER is the server (no trailing slash); FONDS_EXPORT the file of
`fonds export` (a header line, then one public record a line), which gives
each record's title and collections; the OAI-PMH endpoint at the same server
gives each record's datestamp, which the feed's `updated` must repeat.
"""
import calendar
import json
import os
import time
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

import feedparser

OAI = "{http://www.openarchives.org/OAI/2.0/}"


def base():
    return os.environ["FONDS_SERVER"]


def records():
    with open(os.environ["FONDS_EXPORT"]) as f:
        lines = f.read().splitlines()[1:]
    return {r["id"]: r for r in map(json.loads, lines)}


def datestamps():
    """Each record's OAI-PMH datestamp, as seconds since the epoch."""
    out = {}
    url = f"{base()}/oai?verb=ListIdentifiers&metadataPrefix=oai_dc"
    while url:
        with urllib.request.urlopen(url) as response:
            root = ET.fromstring(response.read())
        for header in root.iter(f"{OAI}header"):
            identifier = header.find(f"{OAI}identifier").text
            stamp = header.find(f"{OAI}datestamp").text
            out[identifier.rsplit(":", 1)[1]] = calendar.timegm(
                time.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ")
            )
        token = root.find(f".//{OAI}resumptionToken")
        url = None
        if token is not None and token.text:
            url = f"{base()}/oai?verb=ListIdentifiers&resumptionToken={urllib.parse.quote(token.text)}"
    return out


def fetch(path):
    d = feedparser.parse(base() + path)
    assert d.bozo == 0, d.get("bozo_exception")
    assert d.version == "atom10"
    assert d.status == 200
    assert d.headers["content-type"] == "application/atom+xml; charset=utf-8"
    return d


def check_entries(d, expected_ids):
    known = records()
    stamps = datestamps()
    prefix = f"{base()}/records/"
    ids = []
    previous = None
    for entry in d.entries:
        assert entry.link.startswith(prefix), entry.link
        rid = urllib.parse.unquote(entry.link[len(prefix):])
        ids.append(rid)
        record = known[rid]
        assert entry.title == record["title"]
        assert entry.id == entry.link
        updated = calendar.timegm(entry.updated_parsed)
        assert updated == stamps[rid], rid
        if previous is not None:
            assert updated <= previous, "newest first"
        previous = updated
        assert [t.term for t in entry.get("tags", [])] == record.get("collections", [])
        if record.get("summary"):
            assert entry.summary.endswith(record["summary"])
    assert len(ids) == len(set(ids)), "no record twice"
    assert set(ids) <= set(expected_ids)
    assert len(ids) == min(50, len(expected_ids))
    if d.entries:
        assert d.feed.updated_parsed == d.entries[0].updated_parsed


def test_the_archive_feed():
    d = fetch("/feed.atom")
    assert d.feed.title == "fonds archive: new and changed records"
    assert d.feed.link == f"{base()}/"
    assert any(
        link.rel == "self" and link.href == f"{base()}/feed.atom" for link in d.feed.links
    )
    check_entries(d, list(records()))


def test_a_collection_feed():
    known = records()
    collection = next(c for r in known.values() for c in r.get("collections", []))
    query = urllib.parse.urlencode({"collection": collection})
    d = fetch(f"/feed.atom?{query}")
    assert d.feed.title == f"fonds archive: {collection}"
    assert any(
        link.rel == "self" and link.href == f"{base()}/feed.atom?{query}" for link in d.feed.links
    )
    members = [rid for rid, r in known.items() if collection in r.get("collections", [])]
    assert members and len(members) < len(known)
    check_entries(d, members)
    assert all(collection in [t.term for t in e.tags] for e in d.entries)
