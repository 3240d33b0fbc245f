#!/usr/bin/env python3
"""The results of the peer comparisons as JSON, and one table of them all.

    benches/peers/table.py [--results DIR] [--criterion DIR] [--expect a,b,...]
                           [--since EPOCH] [--out FILE.md]
    benches/peers/table.py add FILE.json --comparison NAME --hyperfine EXPORT.json
                           --task TASK --data DATA --relkit NAME [--peer NAME ...] [--note TEXT]

Every peer script writes one file, DIR/NAME.json (DIR defaults to
target/bench-results): {"comparison", "written", "rows": [...]}, one row
per (task, peer):

    {"task", "data", "relkit_name", "relkit_seconds", "relkit_stddev",
     "relkit_runs", "peer_name", "peer_seconds", "peer_stddev", "peer_runs",
     "note"}

(peer_name and peer_seconds are null for a figure of ours with no peer).
The Python scripts call `save`; the shell scripts call `add`, which turns
a `hyperfine --export-json` file into rows and appends them.

Without a sub-command it prints one Markdown table of every row of every
file, in the order of --expect, then a few key criterion figures read from
target/criterion/*/new/estimates.json. --expect fails when a comparison's
file is missing; --since (seconds since the epoch) fails when a file, or a
criterion figure, is older than that, so that a table never mixes runs.
"""
import argparse
import datetime
import glob
import json
import math
import os
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
RESULTS = os.path.join(ROOT, "target", "bench-results")
CRITERION = os.path.join(ROOT, "target", "criterion")

# The key criterion figures: full benchmark id -> (task, data). In process, no peer.
KEY_CRITERION = [
    ("version/next/history-100k (510 commits since v10.0.0)",
     "next version, whole job (open, tags, walk, bump), *in process*", "generated history, 102k commits"),
    ("changelog/classify+build+render/nuxt 18.8k commits as one release",
     "changelog: classify, build and render Markdown, *in process*", "nuxt, 18.8k commits as one release"),
    ("ed25519_verify/one_by_one/64",
     "Ed25519 verification, one by one, *in process*", "64 signatures"),
    ("ed25519_verify/batched/64",
     "Ed25519 verification, batched, *in process*", "64 signatures"),
    ("end-to-end/lockfile-only 1000 packages",
     "SBOM from a Cargo.lock (parse, graph, CycloneDX JSON), *in process*", "synthetic lock, 1,000 packages"),
    ("mann_whitney/100k_vs_100k",
     "Mann-Whitney U test, *in process*", "100k vs 100k samples"),
    ("simulate/linear10every10m_background_10s",
     "rollout simulation, *in process*", "canary 10% every 10 min, analysis every 10 s"),
]


def save(path, comparison, rows):
    """Write one comparison's rows (dicts with the keys above) to PATH."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    doc = {"comparison": comparison,
           "written": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
           "rows": [row(**r) for r in rows]}
    with open(path, "w") as f:
        json.dump(doc, f, indent=1, ensure_ascii=False)
        f.write("\n")


def row(task, data, relkit_name, relkit_seconds, relkit_stddev=None, relkit_runs=None,
        peer_name=None, peer_seconds=None, peer_stddev=None, peer_runs=None, note=None):
    return {"task": task, "data": data,
            "relkit_name": relkit_name, "relkit_seconds": relkit_seconds,
            "relkit_stddev": relkit_stddev, "relkit_runs": relkit_runs,
            "peer_name": peer_name, "peer_seconds": peer_seconds,
            "peer_stddev": peer_stddev, "peer_runs": peer_runs, "note": note}


def add(a):
    results = {r["command"]: r for r in json.load(open(a.hyperfine))["results"]}

    def get(name):
        if name not in results:
            sys.exit(f"table.py add: no command named {name!r} in {a.hyperfine} (has {sorted(results)})")
        r = results[name]
        return r["mean"], r["stddev"] or 0.0, len(r["times"])

    ours = get(a.relkit)
    new = []
    for peer in a.peer or [None]:
        theirs = get(peer) if peer else (None, None, None)
        new.append(dict(task=a.task, data=a.data, relkit_name=a.relkit, relkit_seconds=ours[0],
                        relkit_stddev=ours[1], relkit_runs=ours[2], peer_name=peer,
                        peer_seconds=theirs[0], peer_stddev=theirs[1], peer_runs=theirs[2], note=a.note))
    rows = json.load(open(a.file))["rows"] if os.path.exists(a.file) else []
    save(a.file, a.comparison, rows + new)


def duration(s, sd=None):
    """Seconds as µs, ms or s with three significant digits, and ± the deviation in the same unit."""
    unit, k = ("s", 1) if s >= 1 else ("ms", 1e3) if s >= 1e-3 else ("µs", 1e6)
    decimals = max(0, 2 - math.floor(math.log10(s * k)))
    if sd is None:
        return f"{s * k:.{decimals}f} {unit}"
    dev = f"{sd * k:.{decimals}f}"
    if float(dev) == 0 and sd > 0:  # smaller than the mean's last digit: two significant digits
        dev = f"{sd * k:.2g}"
    return f"{s * k:.{decimals}f} {unit} ± {dev}"


def verdict(ours, theirs):
    r = theirs / ours
    word, r = ("faster", r) if r >= 1 else ("slower", 1 / r)
    n = f"{r:.2f}" if r < 2 else f"{r:.1f}" if r < 10 else f"{r:.0f}"
    return f"{n}× {word}"


def criterion_rows(base, since):
    found = {}
    for meta in glob.glob(os.path.join(base, "**", "new", "benchmark.json"), recursive=True):
        found[json.load(open(meta))["full_id"]] = os.path.dirname(meta)
    rows = []
    for full_id, task, data in KEY_CRITERION:
        if full_id not in found:
            sys.exit(f"table.py: criterion has no results for {full_id!r} under {base} (run `cargo bench --workspace`)")
        est_file = os.path.join(found[full_id], "estimates.json")
        if since and os.path.getmtime(est_file) < since:
            sys.exit(f"table.py: {est_file} is older than this run")
        est = json.load(open(est_file))
        point = (est.get("slope") or est["mean"])["point_estimate"] / 1e9
        sd = est["std_dev"]["point_estimate"] / 1e9
        rows.append(row(task, data, "criterion: " + full_id, point, sd))
    return rows


def show(a):
    files = {os.path.splitext(os.path.basename(p))[0]: p
             for p in glob.glob(os.path.join(a.results, "*.json"))}
    order = [n for n in (a.expect or "").split(",") if n]
    missing = [n for n in order if n not in files]
    if missing:
        sys.exit(f"table.py: no results for {', '.join(missing)} in {a.results}")
    order += sorted(n for n in files if n not in order)
    rows = []
    for name in order:
        if a.since and os.path.getmtime(files[name]) < a.since:
            sys.exit(f"table.py: {files[name]} is older than this run")
        rows += json.load(open(files[name]))["rows"]
    if not a.no_criterion:
        rows += criterion_rows(a.criterion, a.since)
    if not rows:
        sys.exit(f"table.py: no results in {a.results}")
    lines = ["| task | data | relkit | peer | peer time | relkit is |",
             "|---|---|---|---|---|---|"]
    notes = []
    for r in rows:
        peer = r["peer_name"] is not None
        ours = r["relkit_name"]
        task = r["task"] if ours.startswith("criterion: ") else f"{r['task']}: `{ours}`"
        cells = [task, r["data"], duration(r["relkit_seconds"], r["relkit_stddev"]),
                 r["peer_name"] if peer else "—",
                 duration(r["peer_seconds"], r["peer_stddev"]) if peer else "—",
                 verdict(r["relkit_seconds"], r["peer_seconds"]) if peer else "—"]
        if r.get("note"):
            if r["note"] not in notes:
                notes.append(r["note"])
            cells[1] += f" [{notes.index(r['note']) + 1}]"
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    lines.append("Times are means ± standard deviation. Rows marked *in process* are criterion's "
                 "estimate per iteration of the library call; all others time whole processes with "
                 "hyperfine, files in the page cache.")
    if notes:
        lines.append("")
    for i, n in enumerate(notes, 1):
        lines.append(f"- [{i}] {n}")
    text = "\n".join(lines) + "\n"
    sys.stdout.write(text)
    if a.out:
        with open(a.out, "w") as f:
            f.write(text)


def main():
    argv = sys.argv[1:]
    if argv[:1] == ["add"]:
        ap = argparse.ArgumentParser(prog="table.py add")
        ap.add_argument("file")
        ap.add_argument("--comparison", required=True)
        ap.add_argument("--hyperfine", required=True)
        ap.add_argument("--task", required=True)
        ap.add_argument("--data", required=True)
        ap.add_argument("--relkit", required=True)
        ap.add_argument("--peer", action="append")
        ap.add_argument("--note")
        add(ap.parse_args(argv[1:]))
        return
    ap = argparse.ArgumentParser(prog="table.py")
    ap.add_argument("--results", default=RESULTS)
    ap.add_argument("--criterion", default=CRITERION)
    ap.add_argument("--no-criterion", action="store_true")
    ap.add_argument("--expect", help="comparisons that must be there, in table order")
    ap.add_argument("--since", type=float, help="fail on results older than this (epoch seconds)")
    ap.add_argument("--out")
    show(ap.parse_args(argv))


if __name__ == "__main__":
    main()
