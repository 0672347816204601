"""Schemathesis hooks for tests/py/schemathesis.sh: how to send a body of
`application/x-ndjson` (JSON Lines, what POST /api/v1/records takes), a
media type Schemathesis has no serializer of its own for. The document
describes the body as text; text goes as it is, anything else (what a
schema-breaking case sends) as one line of JSON."""

import json

import schemathesis


@schemathesis.serializer("application/x-ndjson")
def json_lines(ctx, value):
    if value is None:
        return None
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    return (json.dumps(value) + "\n").encode("utf-8")
