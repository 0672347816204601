#!/usr/bin/env python3
"""Names beyond the authority, and English over untranslated Korean: measured.

    python3 bench/names_eval.py [--fonds target/release/fonds] [--corpus ../shared/corpus]

Builds, from the Korean periodicals' manifest, a development set from a
signal fonds never learns from here: the `named_entities` and `glossary`
columns of a held-out fifth of the articles (chosen by a hash of their
identifier). Two archives are imported with the real `fonds import`:

1. Names. The held-out articles are imported without those two columns
   (their texts and translations stay), the others whole: fonds learns
   name pairs and glosses from those only. Every name in a held-out line
   that has a Han or hangul form and a Latin form of two or more words
   (a personal or place name, not "Mr. Park") gives one query per form that
   the article's own text holds, each script apart; forms the held-out lines
   give together are one name. A record is relevant to a query when its text
   (original, translation, title, creator) holds any form the held-out lines
   give for that name, or a held-out line of it lists the name. Each query
   runs twice through the JSON API: `exact=true` (the spelling typed) and as
   fonds searches by default; recall and precision are over every hit.

2. English over untranslated Korean. The held-out articles are imported
   without their translations, English titles and summaries too, in a
   collection of their own. For each held-out glossary line (a Korean word
   the article's text holds, and its English meaning), the meaning is
   searched among them: recall@10 and precision@10 against the held-out
   articles whose original holds that Korean word.

Prints a Markdown table (the README keeps it). Needs ../shared/corpus.
"""
import argparse
import csv
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

HAN = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]{2,6}$")
HANGUL = re.compile(r"^[\uac00-\ud7a3]{2,6}$")
LATIN_NAME = re.compile(r"^[A-Z][a-zA-Z'\u00c0-\u024f]+(?:[- ][A-Za-z\u00c0-\u024f'][a-zA-Z'\u00c0-\u024f]*){1,3}$")


def held_out(identifier):
    return int(hashlib.sha256(identifier.encode()).hexdigest(), 16) % 5 == 0


def script_of(form):
    if HAN.match(form):
        return "Han"
    if HANGUL.match(form):
        return "Hangul"
    if LATIN_NAME.match(form):
        return "Latin"
    return None


def line_forms(line):
    out = []
    for cell in line.split("\t"):
        cell = cell.strip()
        if not cell or cell == "---":
            continue
        if " (" in cell:
            form, gloss = cell.split(" (", 1)
            out += [form.strip(), gloss.rstrip(")").strip()]
        else:
            out.append(cell)
    return out


def latin_tokens(text):
    return " " + " ".join(re.findall(r"[\w']+", text.lower())) + " "


def holds(form, text, tokens):
    if script_of(form) == "Latin":
        return latin_tokens(form) in tokens
    return form in text


class Server:
    def __init__(self, fonds, data):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.proc = subprocess.Popen(
            [fonds, "--data", data, "serve", "--listen", f"127.0.0.1:{self.port}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(600):
            try:
                urllib.request.urlopen(self.url("/health")).read()
                return
            except Exception:
                time.sleep(0.1)
        raise SystemExit("fonds serve did not start")

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def search(self, q, exact=False, limit=100, everything=True, **filters):
        ids, offset = [], 0
        while True:
            params = {"q": q, "limit": limit, "offset": offset, **filters}
            if exact:
                params["exact"] = "true"
            body = json.load(urllib.request.urlopen(
                self.url("/api/v1/search?" + urllib.parse.urlencode(params))))
            ids += [h["id"] for h in body["hits"]]
            offset += limit
            if not everything or offset >= min(body["total"], 10_000):
                return ids, body

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def import_manifest(fonds, corpus_set, rows, fields, data, work):
    if os.path.exists(data):
        return  # kept from an earlier run (--work)
    folder = os.path.join(work, os.path.basename(data) + "-set")
    os.makedirs(folder, exist_ok=True)
    texts = os.path.join(folder, "text")
    if not os.path.exists(texts):
        # A copy (hard links where the file system allows): the importer
        # reads nothing outside the manifest's folder, links included.
        def link(src, dst):
            try:
                os.link(src, dst)
            except OSError:
                shutil.copy2(src, dst)
        shutil.copytree(os.path.join(corpus_set, "text"), texts, copy_function=link)
    with open(os.path.join(folder, "manifest.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)
    subprocess.run([fonds, "--data", data, "import", folder], check=True,
                   stdout=subprocess.DEVNULL)


def read_text(corpus_set, path):
    if not path:
        return ""
    with open(os.path.join(corpus_set, path), encoding="utf-8") as f:
        return f.read()


def names_part(fonds, corpus_set, rows, fields, work):
    docs, labels = {}, {}
    out_rows = []
    for r in rows:
        text = " ".join([r["title"], r["translated_title"], r["creator"],
                         read_text(corpus_set, r["text"]),
                         read_text(corpus_set, r["translation"])])
        docs[r["identifier"]] = (text, latin_tokens(text))
        r = dict(r)
        if held_out(r["identifier"]):
            labels[r["identifier"]] = r["named_entities"]
            r["named_entities"] = ""
            r["glossary"] = ""
        out_rows.append(r)
    # Names of the held-out lines. A form counts where the article's own text
    # holds it (the tool's romanisations are sometimes of nothing in the
    # text); the forms the held-out lines give together are one name, joined
    # across lines (union-find over the held-out labels only).
    parent = {}

    def find(x):
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    listed_in = defaultdict(set)
    for ident, entities in labels.items():
        text, tokens = docs[ident]
        for line in entities.splitlines():
            forms = [f for f in line_forms(line) if script_of(f) and holds(f, text, tokens)]
            scripts = {script_of(f) for f in forms}
            if "Latin" not in scripts or not scripts & {"Han", "Hangul"}:
                continue
            for f in forms:
                parent[find(f)] = find(forms[0])
                listed_in[f].add(ident)
    forms_with = defaultdict(set)
    for f in list(parent):
        forms_with[find(f)].add(f)
    forms_with = {f: forms_with[find(f)] for f in parent}
    data = os.path.join(work, "names")
    import_manifest(fonds, corpus_set, out_rows, fields, data, work)
    server = Server(fonds, data)
    per = defaultdict(lambda: {"exact": [0, 0, 0], "fonds": [0, 0, 0]})
    examples = []
    try:
        for query in sorted(forms_with):
            gold = forms_with[query]
            relevant = {i for i, (t, tok) in docs.items() if any(holds(g, t, tok) for g in gold)}
            for g in gold:
                relevant |= listed_in[g]
            script = script_of(query)
            for mode in ("exact", "fonds"):
                found, _ = server.search(f'"{query}"', exact=(mode == "exact"))
                found = set(found)
                hit = len(found & relevant)
                stats = per[script][mode]
                stats[0] += hit / len(relevant) if relevant else 1.0
                stats[1] += hit / len(found) if found else 1.0
                stats[2] += 1
                if mode == "fonds" and (found - relevant or relevant - found):
                    examples.append({"query": query, "script": script, "gold": sorted(gold),
                                     "missed": sorted(relevant - found)[:5],
                                     "extra": sorted(found - relevant)[:5],
                                     "relevant": len(relevant), "found": len(found)})
    finally:
        server.stop()
    return per, examples


def cross_part(fonds, corpus_set, rows, fields, work):
    glossaries, originals = {}, {}
    out_rows = []
    for r in rows:
        r = dict(r)
        if held_out(r["identifier"]) and r["translation"]:
            glossaries[r["identifier"]] = r["glossary"]
            originals[r["identifier"]] = read_text(corpus_set, r["text"])
            for column in ("translation", "translation_language", "translated_title",
                           "summary", "named_entities", "glossary", "translator"):
                r[column] = ""
            r["collection"] = "held-out"
        elif held_out(r["identifier"]):
            continue
        out_rows.append(r)
    pairs = set()
    for ident, glossary in glossaries.items():
        for line in glossary.splitlines():
            cells = [c.strip() for c in line.split("\t") if c.strip()]
            if len(cells) < 2:
                continue
            word, meaning = cells[0], cells[-1]
            if not HANGUL.match(word) or not re.fullmatch(r"[A-Za-z][A-Za-z' -]*", meaning):
                continue
            if len(meaning.split()) > 3 or word not in originals[ident]:
                continue
            pairs.add((meaning.lower(), word))
    data = os.path.join(work, "cross")
    import_manifest(fonds, corpus_set, out_rows, fields, data, work)
    server = Server(fonds, data)
    recall = precision = found_any = 0.0
    n = 0
    try:
        for meaning, word in sorted(pairs):
            relevant = {i for i, t in originals.items() if word in t}
            top, _ = server.search(meaning, limit=10, everything=False, collection="held-out")
            top = top[:10]
            hit = len(set(top) & relevant)
            recall += hit / min(10, len(relevant))
            precision += hit / len(top) if top else 0.0
            found_any += 1 if hit else 0
            n += 1
    finally:
        server.stop()
    return n, recall / max(n, 1), precision / max(n, 1), found_any / max(n, 1), len(originals)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--fonds", default=os.path.join(ROOT, "target/release/fonds"))
    p.add_argument("--corpus", default=os.path.join(ROOT, "../shared/corpus"))
    p.add_argument("--work", default=None,
                   help="keep the archives and names-errors.json (each query fonds "
                        "got wrong) here")
    p.add_argument("--names-only", action="store_true")
    a = p.parse_args()
    corpus_set = os.path.join(a.corpus, "korean-periodicals-pgg")
    with open(os.path.join(corpus_set, "manifest.csv"), encoding="utf-8") as f:
        reader = csv.DictReader(f)
        fields = reader.fieldnames
        rows = list(reader)
    work = a.work or tempfile.mkdtemp(prefix="fonds-names-")
    try:
        per, examples = names_part(a.fonds, corpus_set, rows, fields, work)
        print("| script | queries | exact recall | exact precision | fonds recall | fonds precision |")
        print("|---|---:|---:|---:|---:|---:|")
        for script in ("Latin", "Hangul", "Han"):
            e, f = per[script]["exact"], per[script]["fonds"]
            n = max(e[2], 1)
            print(f"| {script} | {e[2]} | {e[0]/n:.3f} | {e[1]/n:.3f} | {f[0]/n:.3f} | {f[1]/n:.3f} |")
        with open(os.path.join(work, "names-errors.json"), "w", encoding="utf-8") as f:
            json.dump(examples, f, ensure_ascii=False, indent=1)
        if a.names_only:
            return
        n, recall, precision, any_, held = cross_part(a.fonds, corpus_set, rows, fields, work)
        print(f"\nEnglish over untranslated Korean: {n} glossary meanings from {held} held-out "
              f"articles (translations hidden): recall@10 {recall:.3f}, precision@10 {precision:.3f}, "
              f"queries finding at least one {any_:.3f}")
    finally:
        if not a.work:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
