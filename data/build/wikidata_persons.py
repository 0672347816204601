#!/usr/bin/env python3
"""Builds data/wikidata-persons.txt.gz: people's names in Latin, Cyrillic,
hangul and Han scripts, keyed by their Wikidata items, in the format of
data/persons.txt ("Q855 | Joseph Stalin | Иосиф Сталин | 이오시프 스탈린 | 斯大林").

Source: the X-FACTR benchmark's data (github.com/jzbjyb/X-FACTR, commit
c1938ec7262ebc34ac0b39daff3f446e103e8a87; Jiang et al., "X-FACTR:
Multilingual Factual Knowledge Retrieval from Pretrained Language Models",
EMNLP 2020), whose data/ folder holds the Wikidata labels and aliases (en, ru,
ko, zh, ja) and "instance of" classes of its entities. The names are Wikidata's
(CC0 1.0); see data/LICENSE-wikidata-persons.txt. Get the files with

    git clone https://github.com/jzbjyb/X-FACTR && cd X-FACTR && \
      git checkout c1938ec7262ebc34ac0b39daff3f446e103e8a87
    python3 data/build/wikidata_persons.py /path/to/X-FACTR

Only people (instance of human, Q5) are kept, and of their names only the
forms that say who is meant: Latin and Cyrillic forms of two words or more
("Washington" alone is also a city and a state), hangul forms of two words or
four syllables, Han forms of three characters or more (Japanese forms only
when all Han). A form two people share is left out of both. A person needs
a Latin form and a Cyrillic, hangul or Han one.
"""
import gzip
import os
import re
import sys
from collections import defaultdict

SRC = sys.argv[1] if len(sys.argv) > 1 else "X-FACTR"
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "wikidata-persons.txt.gz")
import json

SETS = ("mTRExf", "mTREx", "TREx")
LANGS = ("en", "ru", "ko", "zh", "ja")

CYR = re.compile(r"[\u0400-\u04FF]")
HANGUL = re.compile(r"[\uAC00-\uD7A3\u1100-\u11FF\u3130-\u318F]")
HAN = re.compile(r"[\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF\U00020000-\U0002FFFF]")
KANA = re.compile(r"[\u3040-\u30FF]")
LATIN = re.compile(r"[A-Za-z\u00C0-\u024F]")
SCRIPT_OK = {
    "en": lambda s: bool(LATIN.search(s)),
    "ru": lambda s: bool(CYR.search(s)),
    "ko": lambda s: bool(HANGUL.search(s)),
    "zh": lambda s: bool(HAN.search(s)) and not KANA.search(s) and not HANGUL.search(s),
    "ja": lambda s: bool(HAN.search(s) or KANA.search(s)),
}


def path(*p):
    return os.path.join(SRC, *p)


def read_lines(p):
    if not os.path.exists(p):
        return []
    with open(p, encoding="utf-8") as f:
        return [l.rstrip("\n") for l in f]


def clean(s):
    s = " ".join(s.replace("\t", " ").replace("|", "/").split())
    # a few aliases carry a stray language prefix ("zh:约瑟夫·斯大林"): keep the name only
    return re.sub(r"^[a-z]{2,3}(-[a-z]+)?:(?=\S)", "", s)


# 1. humans: any set says "instance of human (Q5)"
humans = set()
for ds in SETS:
    for line in read_lines(path("data", f"{ds}_instanceof.txt")):
        parts = line.split("\t")
        if any(p.startswith("Q5,") for p in parts[1:]):
            humans.add(parts[0])

# 2. English labels from the fact files
en_label = {}
for ds in ("mTRExf", "mTREx"):
    d = path("data", ds, "sub")
    if not os.path.isdir(d):
        continue
    for fn in sorted(os.listdir(d)):
        if not fn.endswith(".jsonl"):
            continue
        for line in read_lines(os.path.join(d, fn)):
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            for u, l in (("sub_uri", "sub_label"), ("obj_uri", "obj_label")):
                q, lab = rec.get(u), rec.get(l)
                if q and lab:
                    en_label.setdefault(q, clean(lab))

# 3. labels + aliases per language
forms = defaultdict(lambda: defaultdict(set))  # lang -> qid -> set
for ds in SETS:
    for lang in LANGS:
        for line in read_lines(path("data", "alias", ds, f"{lang}.txt")):
            parts = line.split("\t")
            if parts[0] in humans:
                forms[lang][parts[0]].update(clean(x) for x in parts[1:] if x.strip())

# 4. marked single labels for ru and ko
marked = {"ru": {}, "ko": {}}
for lang, fn in (("ru", "data/russian/TREx_russian.txt"), ("ko", "data/korean/TREx_korean.txt")):
    for line in read_lines(path(fn)):
        parts = line.split("\t")
        if len(parts) >= 2 and parts[1].strip():
            marked[lang][parts[0]] = clean(parts[1])


def ordered(lang, q, first=None):
    ok = SCRIPT_OK[lang]
    vals = sorted(v for v in forms[lang].get(q, ()) if v and ok(v))
    if first and ok(first):
        vals = [first] + [v for v in vals if v != first]
    return vals



SEP = re.compile(r"[\s\u00b7\u30fb.,-]+")


def words(form):
    return [w for w in SEP.split(form) if w]


def precise(lang, form):
    if lang in ("en", "ru"):
        return len(words(form)) >= 2 and len(form) <= 60
    if lang == "ko":
        return len(words(form)) >= 2 or len(form.replace(" ", "")) >= 4
    han = [c for c in form if HAN.match(c)]
    if lang == "ja" and (KANA.search(form) or HANGUL.search(form)):
        return False
    return len(han) >= 3 and len(form) <= 20


def key(form):
    return "".join(c.lower() for c in form if c.isalnum())


def candidates(q):
    en = en_label.get(q, "")
    return en, {
        "en": ([en] if en and SCRIPT_OK["en"](en) else []) + ordered("en", q),
        "ru": ordered("ru", q, marked["ru"].get(q)),
        "ko": ordered("ko", q, marked["ko"].get(q)),
        "zh": ordered("zh", q),
        "ja": ordered("ja", q),
    }


# A form two people share names neither for certain: it is left out of both.
owners = defaultdict(set)
for q in humans:
    for forms_ in candidates(q)[1].values():
        for f in forms_:
            owners[key(f)].add(q)
taken = {k for k, qs in owners.items() if len(qs) > 1}
lines = []
for q in sorted(humans, key=lambda x: int(x[1:])):
    en, groups = candidates(q)
    kept = {}
    for lang, forms_ in groups.items():
        kept[lang] = []
        for f in forms_:
            k = key(f)
            if k and precise(lang, f) and k not in taken and f not in kept[lang]:
                kept[lang].append(f)
    if not kept["en"] or not (kept["ru"] or kept["ko"] or kept["zh"]):
        continue
    # The preferred form first: a full name holding the benchmark's short
    # label, without initials, shortest; else the shortest full name.
    def rank(f):
        holds = bool(en) and all(w in words(f) for w in words(en))
        return (f != en, not holds, "." in f or '"' in f, len(f), f)
    kept["en"].sort(key=rank)
    out = [q]
    for lang in ("en", "ru", "ko", "zh", "ja"):
        for f in kept[lang]:
            k = key(f)
            if k not in taken:
                taken.add(k)
                out.append(f)
    lines.append(" | ".join(out))

with gzip.GzipFile(OUT, "wb", mtime=0) as f:
    f.write(("# People from Wikidata (CC0) via X-FACTR: see data/build/wikidata_persons.py\n").encode())
    for line in lines:
        f.write((line + "\n").encode("utf-8"))
print(f"{len(lines)} people -> {OUT}", file=sys.stderr)
