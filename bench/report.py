#!/usr/bin/env python3
"""The benchmark table: every engine of one or more results folders, with its ratio to fonds.

    python3 bench/report.py LABEL=RESULTS_DIR [LABEL=RESULTS_DIR ...]

Reads build-ENGINE.json and query-ENGINE.json (the peers' format, which benches/search.rs also
writes). Cells: p50 / p99 ms per query class, over all timed samples (queries x rounds; one
sample = top 10 by relevance + exact total count; fonds also counts facets and makes snippets).
"ratio" columns: the engine's figure divided by fonds's (above 1: fonds is faster / smaller).
"""
import json, os, sys

CLASSES = ["en_common", "en_rare", "en_and2", "en_phrase", "ko_word", "date"]
ORDER = ["fonds", "tantivy", "sqlite", "postgres", "mariadb", "sqlite-trigram"]


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, int(round(p / 100 * len(xs) + 0.5)) - 1))]


def fmt(x):
    return f"{x:.2f}" if x < 10 else f"{x:.1f}" if x < 100 else f"{x:.0f}"


def size(b):
    return f"{b / 2**30:.2f} GiB" if b >= 2**30 else f"{b / 2**20:.0f} MiB"


def main():
    for arg in sys.argv[1:]:
        label, d = arg.split("=", 1)
        rows = {}
        for e in ORDER:
            bf, qf = os.path.join(d, f"build-{e}.json"), os.path.join(d, f"query-{e}.json")
            if not (os.path.exists(bf) and os.path.exists(qf)):
                continue
            text = open(bf).read().strip()
            if not text:
                continue
            b = json.loads(text.splitlines()[-1])
            q = json.load(open(qf))
            per = {c: [m for x in q["queries"] if x["class"] == c for m in x["ms"]] for c in CLASSES}
            allms = [m for c in CLASSES for m in per[c]]
            rows[e] = (b, q, per, allms)
        if not rows:
            continue
        print(f"## {label}: {next(iter(rows.values()))[0]['docs']} documents\n")
        print("| engine | " + " | ".join(CLASSES) + " | all p50 / p99 | p50 ratio | p99 ratio | build | size | rounds |")
        print("|---" * (len(CLASSES) + 7) + "|")
        base = rows.get("fonds")
        for e, (b, q, per, allms) in rows.items():
            cells = [f"{fmt(pct(per[c], 50))} / {fmt(pct(per[c], 99))}" if per[c] else "—" for c in CLASSES]
            p50, p99 = pct(allms, 50), pct(allms, 99)
            r50 = r99 = "—"
            if base:
                r50 = f"{p50 / pct(base[3], 50):.2f}"
                r99 = f"{p99 / pct(base[3], 99):.2f}"
            print(f"| {e} | " + " | ".join(cells) + f" | {fmt(p50)} / {fmt(p99)} | {r50} | {r99} | "
                  f"{b['build_s']:.0f} s | {size(b['size_bytes'])} | {q['rounds']} |")
        print()
        ref = {x["qid"]: x["count"] for x in rows["tantivy"][1]["queries"]} if "tantivy" in rows else {}
        for e, (b, q, per, allms) in rows.items():
            same = sum(1 for x in q["queries"] if ref.get(x["qid"]) == x["count"])
            zero = sum(1 for x in q["queries"] if x["count"] == 0)
            print(f"- {e}: build phases {json.dumps(b.get('phases', {}))}; {zero} queries with no hit"
                  + (f"; total equal to raw tantivy's for {same} of {len(q['queries'])}" if ref and e != "tantivy" else ""))
        print()


if __name__ == "__main__":
    main()
