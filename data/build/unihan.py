#!/usr/bin/env python3
"""Builds data/unihan.tsv.gz, the Han character table fonds converts with.

From the Unicode Character Database's Unihan files (Unicode License v3,
see data/LICENSE-unihan.txt), as Debian's `unicode-data` package ships them
(/usr/share/unicode/Unihan_*.txt.bz2; `apt-get download unicode-data` and
`dpkg -x` it where the package is not installed):

- kHangul (Unihan_Readings): the hangul readings of a hanja, in Unihan's
  order; a reading marked for personal names (N) has a "*" after it.
- kSimplifiedVariant / kTraditionalVariant (Unihan_Variants): the
  simplified and traditional forms of a character, where they differ.

One line per character that has any of them:
    char <TAB> readings (space-separated) <TAB> simplified <TAB> traditional
Usage: python3 data/build/unihan.py [UNIHAN_DIR] > /dev/null
"""
import bz2
import gzip
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
src = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/unicode"
out = os.path.join(here, "..", "unihan.tsv.gz")


def lines(name):
    path = os.path.join(src, name)
    opener = bz2.open if path.endswith(".bz2") else open
    if not os.path.exists(path):
        path = path[: -len(".bz2")]
        opener = open
    with opener(path, "rt", encoding="utf-8") as f:
        for line in f:
            if line.startswith("U+"):
                yield line.rstrip("\n").split("\t")


def char(code):
    return chr(int(code.split("<")[0][2:], 16))


table = {}
for code, field, value in lines("Unihan_Readings.txt.bz2"):
    if field == "kHangul":
        readings = []
        for item in value.split():
            syllable, _, flags = item.partition(":")
            readings.append(syllable + ("*" if "N" in flags else ""))
        table.setdefault(char(code), ["", "", ""])[0] = " ".join(dict.fromkeys(readings))
for code, field, value in lines("Unihan_Variants.txt.bz2"):
    c = char(code)
    if field in ("kSimplifiedVariant", "kTraditionalVariant"):
        forms = [char(v) for v in value.split()]
        forms = [f for f in forms if f != c]
        if forms:
            column = 1 if field == "kSimplifiedVariant" else 2
            table.setdefault(c, ["", "", ""])[column] = forms[0]

with gzip.GzipFile(out, "wb", mtime=0) as f:
    for c in sorted(table):
        f.write(("\t".join([c] + table[c]) + "\n").encode("utf-8"))
print(f"{len(table)} characters -> {os.path.normpath(out)}", file=sys.stderr)
