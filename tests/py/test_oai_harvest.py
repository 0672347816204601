"""A real OAI-PMH harvester (sickle, from PyPI) harvests a running `fonds serve`.

FONDS_OAI_URL is the endpoint; FONDS_PUBLISHED the file of published identifiers
(one per line) the harvest must return, each exactly once.
"""
import os

from sickle import Sickle


def test_a_full_harvest_returns_every_published_record_once():
    endpoint = os.environ["FONDS_OAI_URL"]
    with open(os.environ["FONDS_PUBLISHED"]) as f:
        published = sorted(line.strip() for line in f if line.strip())
    sickle = Sickle(endpoint, max_retries=0)
    identify = sickle.Identify()
    assert identify.protocolVersion == "2.0"
    seen = []
    for record in sickle.ListRecords(metadataPrefix="oai_dc", ignore_deleted=False):
        assert not record.deleted
        assert record.metadata["title"], record.header.identifier
        seen.append(record.header.identifier.rsplit(":", 1)[1])
    assert len(seen) == len(set(seen)), "no record twice"
    assert sorted(seen) == published
    sets = [s.setSpec for s in sickle.ListSets()]
    assert sets, "collections are sets"
    in_set = list(sickle.ListIdentifiers(metadataPrefix="oai_dc", set=sets[0]))
    assert 0 < len(in_set) <= len(published)
