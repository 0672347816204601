"""IIIF Presentation 3 from a running `fonds serve`, read as real clients read it.

Every manifest and collection is checked against the IIIF Presentation 3 JSON
Schema (`../shared/tools/iiif-validate`), loaded with iiif-prezi3 (the IIIF
community's Python library, from PyPI), and read for the fields viewers use:
type, id, label, the image service of every painting annotation (whose
info.json must answer), rights, requiredStatement and thumbnail (whose image
must answer at the size the manifest says).

Environment (tests/py/iiif.sh sets it):
- FONDS_IIIF_BASE: the server's base URL, without a trailing slash;
- FONDS_IIIF_RECORDS: public records with page images, space-separated, as
  `ID:PAGES` (number of page images);
- FONDS_IIIF_IN_COLLECTIONS: those of them that belong to a collection;
- FONDS_IIIF_RIGHTS: `ID=URI`, a record whose manifest carries that rights URI;
- FONDS_IIIF_DRAFT: a draft record with a page image (nowhere to the public);
- FONDS_IIIF_VALIDATE: the path of the iiif-validate tool.
"""
import io
import json
import os
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

import pytest
from iiif_prezi3 import Collection, Manifest
from PIL import Image

BASE = os.environ["FONDS_IIIF_BASE"]
RECORDS = dict(
    (entry.split(":")[0], int(entry.split(":")[1]))
    for entry in os.environ["FONDS_IIIF_RECORDS"].split()
)
IN_COLLECTIONS = set(os.environ["FONDS_IIIF_IN_COLLECTIONS"].split())
RIGHTS_ID, RIGHTS_URI = os.environ["FONDS_IIIF_RIGHTS"].split("=", 1)
DRAFT = os.environ["FONDS_IIIF_DRAFT"]
VALIDATE = os.environ["FONDS_IIIF_VALIDATE"]
PRESENTATION_CONTEXT = "http://iiif.io/api/presentation/3/context.json"


def fetch(url):
    """(status, content type, body bytes) of a GET."""
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read()


def fetch_json(url):
    status, media, body = fetch(url)
    assert status == 200, f"{url}: {status} {body[:300]!r}"
    assert media.startswith("application/json") or media.startswith("application/ld+json"), media
    return json.loads(body)


def schema_valid(url, document):
    """Checks `document` with the Presentation 3 JSON Schema tool."""
    out = subprocess.run(
        [sys.executable, VALIDATE, "-"],
        input=json.dumps(document).encode(),
        capture_output=True,
        timeout=120,
    )
    assert out.returncode == 0, (
        f"{url} fails the IIIF Presentation 3 schema:\n"
        f"{out.stdout.decode()}{out.stderr.decode()}"
    )


def manifest_url(record_id):
    return f"{BASE}/iiif/{urllib.parse.quote(record_id, safe='')}/manifest.json"


def label_text(label):
    """Every string of a language map."""
    assert isinstance(label, dict) and label, label
    return [text for values in label.values() for text in values]


def image_size(url):
    status, media, body = fetch(url)
    assert status == 200, f"{url}: {status}"
    assert media == "image/jpeg", f"{url}: {media}"
    return Image.open(io.BytesIO(body)).size


def check_thumbnail(thumbnail, record_id):
    assert isinstance(thumbnail, list) and thumbnail, thumbnail
    thumb = thumbnail[0]
    assert thumb["type"] == "Image"
    assert thumb["format"] == "image/jpeg"
    service = thumb["service"][0]
    assert service["type"] == "ImageService3"
    assert service["id"].startswith(f"{BASE}/iiif/{urllib.parse.quote(record_id, safe='')}/")
    width, height = image_size(thumb["id"])
    assert (width, height) == (thumb["width"], thumb["height"]), thumb
    assert max(width, height) <= 200


@pytest.mark.parametrize("record_id", sorted(RECORDS))
def test_a_manifest_passes_the_schema_loads_in_prezi3_and_says_what_viewers_read(record_id):
    url = manifest_url(record_id)
    m = fetch_json(url)
    schema_valid(url, m)
    loaded = Manifest(**m)
    assert str(loaded.id) == url
    assert loaded.type == "Manifest"

    assert m["@context"] == PRESENTATION_CONTEXT
    assert m["type"] == "Manifest"
    assert m["id"] == url
    assert label_text(m["label"])[0].strip()
    statement = m["requiredStatement"]
    assert label_text(statement["label"]) == ["Citation"]
    assert any(len(t) > 40 for t in label_text(statement["value"])), statement
    check_thumbnail(m["thumbnail"], record_id)
    if record_id == RIGHTS_ID:
        assert m["rights"] == RIGHTS_URI
    assert m["homepage"][0]["id"] == f"{BASE}/records/{urllib.parse.quote(record_id, safe='')}"

    canvases = m["items"]
    assert len(canvases) == RECORDS[record_id]
    assert len(loaded.items) == len(canvases)
    for n, canvas in enumerate(canvases, 1):
        assert canvas["type"] == "Canvas"
        assert canvas["width"] > 0 and canvas["height"] > 0
        annotation = canvas["items"][0]["items"][0]
        assert annotation["motivation"] == "painting"
        assert annotation["target"] == canvas["id"]
        body = annotation["body"]
        assert body["type"] == "Image"
        service = body["service"][0]
        assert service["type"] == "ImageService3"
        assert service["profile"] in ("level1", "level2")
        assert service["id"] == f"{BASE}/iiif/{urllib.parse.quote(record_id, safe='')}/{n}"
        # The viewer's next request: the service's info.json, at that id.
        info = fetch_json(service["id"] + "/info.json")
        assert info["id"] == service["id"]
        assert info["type"] == "ImageService3"
        assert info["profile"] == service["profile"]
        assert (info["width"], info["height"]) == (canvas["width"], canvas["height"])
        # The painted image itself, at the size the body says.
        assert image_size(body["id"]) == (body["width"], body["height"])
        # prezi3 read the same service.
        prezi_service = loaded.items[n - 1].items[0].items[0].body.service[0]
        assert str(prezi_service.id) == service["id"]


def walk_collections():
    """Every collection page reachable from the top, and every manifest
    reference in them: ([(url, document)], {manifest id: reference})."""
    pages, manifests, todo, seen = [], {}, [f"{BASE}/iiif-collections/top.json"], set()
    while todo:
        url = todo.pop(0)
        assert url not in seen, f"{url} is listed twice"
        seen.add(url)
        assert len(seen) < 200, "the collections nest without end"
        c = fetch_json(url)
        pages.append((url, c))
        for item in c["items"]:
            if item["type"] == "Collection":
                todo.append(item["id"])
            else:
                assert item["type"] == "Manifest", item
                assert item["id"] not in manifests, f"{item['id']} listed twice"
                manifests[item["id"]] = item
    return pages, manifests


def test_collections_pass_the_schema_load_in_prezi3_and_list_the_public_manifests():
    pages, manifests = walk_collections()
    assert len(pages) >= 2, "a top collection and at least one nested one"
    for url, c in pages:
        schema_valid(url, c)
        loaded = Collection(**c)
        assert str(loaded.id) == url
        assert c["@context"] == PRESENTATION_CONTEXT
        assert c["type"] == "Collection"
        assert c["id"] == url
        assert label_text(c["label"])[0].strip()
        assert len(c["items"]) <= 1001
    assert set(manifests) == {manifest_url(r) for r in IN_COLLECTIONS}
    for record_id in IN_COLLECTIONS:
        ref = manifests[manifest_url(record_id)]
        assert label_text(ref["label"])[0].strip()
        check_thumbnail(ref["thumbnail"], record_id)
        # The manifest says which collection it is part of.
        m = fetch_json(ref["id"])
        part_of = {p["id"] for p in m["partOf"]}
        assert part_of & {url for url, _ in pages}, part_of


def test_a_drafts_manifest_is_nowhere_for_the_public():
    status, _, _ = fetch(manifest_url(DRAFT))
    assert status == 404
    status, _, _ = fetch(f"{BASE}/iiif/{urllib.parse.quote(DRAFT, safe='')}/1/info.json")
    assert status == 404
    _, manifests = walk_collections()
    assert manifest_url(DRAFT) not in manifests
