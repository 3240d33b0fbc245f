#!/usr/bin/env python3
"""Compare `relkit changelog --all` with git-cliff, and time both.

    benches/peers/changelog.py [--runs N] [--repos a,b,...] [--out FILE.md] [--json FILE.json]

For each history (rebuilt from ../shared/corpus) it runs git-cliff with
benches/peers/cliff-equivalent.toml (`--context`, the JSON of every
release) and relkit with the same settings (`--format json`, revert
dropping off), then compares, release by release and section by section,
the sets of commit ids. Every difference is listed with the commits'
subjects. Then it times the whole-history Markdown changelog of each
(hyperfine) and measures peak memory (GNU time's maximum resident set).
The timings also go, one row per history, to target/bench-results/changelog.json
(see table.py).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
from table import save  # noqa: E402  (benches/peers/table.py)
from common import RELKIT, ROOT, corpus, sh  # noqa: E402  (benches/peers/common.py)

CLIFF_TOML = os.path.join(ROOT, "benches", "peers", "cliff-equivalent.toml")
RELKIT_TOML = "[changelog]\ndrop-reverted = false\n"


def cliff_sets(repo):
    ctx = json.loads(sh(["git-cliff", "--config", CLIFF_TOML, "--context"], cwd=repo))
    out = {}
    for rel in ctx:
        version = rel.get("version")
        key = version.lstrip("v") if version else "Unreleased"
        groups = {}
        for c in rel.get("commits", []):
            groups.setdefault(c["group"], set()).add(c["id"])
        out[key] = groups
    return out


def relkit_sets(repo, config):
    log = json.loads(sh([RELKIT, "changelog", "--all", "--format", "json", "--config", config], cwd=repo))
    out = {}
    for rel in log["releases"]:
        groups = {}
        for s in rel["sections"]:
            for e in s["entries"]:
                groups.setdefault(s["title"], set()).update(c["id"] for c in e["commits"])
        out[rel["title"]] = groups
    return out


def subjects(repo):
    text = sh(["git", "log", "--all", "--format=%H %s"], cwd=repo)
    return dict(line.split(" ", 1) for line in text.splitlines() if " " in line)


def compare(name, repo, config):
    a, b = relkit_sets(repo, config), cliff_sets(repo)
    subj = subjects(repo)
    releases = sorted(set(a) | set(b))
    same = 0
    diffs = []
    for r in releases:
        ga, gb = a.get(r, {}), b.get(r, {})
        ok = True
        for g in sorted(set(ga) | set(gb)):
            only_ours = ga.get(g, set()) - gb.get(g, set())
            only_theirs = gb.get(g, set()) - ga.get(g, set())
            for c in sorted(only_ours):
                diffs.append(f"{name} {r} {g}: only relkit lists {c[:7]} {subj.get(c, '')}")
            for c in sorted(only_theirs):
                diffs.append(f"{name} {r} {g}: only git-cliff lists {c[:7]} {subj.get(c, '')}")
            ok = ok and not only_ours and not only_theirs
        same += ok
    return len(releases), same, diffs


def peak_kb(cmd, cwd):
    r = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, cwd=cwd, capture_output=True, text=True)
    return int(r.stderr.strip().splitlines()[-1])


def time_it(cmd, cwd, runs):
    with tempfile.NamedTemporaryFile(suffix=".json") as t:
        sh(["hyperfine", "-N", "--warmup", "1", "--runs", str(runs), "--export-json", t.name, "--", " ".join(cmd)], cwd=cwd)
        r = json.load(open(t.name))["results"][0]
    return r["mean"], r["stddev"] or 0.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--repos", default="cocogitto,git-cliff,release-plz,vite,nuxt")
    ap.add_argument("--out")
    ap.add_argument("--json", default=os.path.join(ROOT, "target", "bench-results", "changelog.json"))
    a = ap.parse_args()
    for tool in ("hyperfine", "git-cliff", "/usr/bin/time"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is not on PATH (hyperfine, git-cliff and GNU time are needed)")
    if not os.path.exists(RELKIT):
        sh(["cargo", "build", "--release", "-p", "relkit-cli"], cwd=ROOT)
    lines = ["| history | releases | same commits in every section | relkit | git-cliff | relkit vs git-cliff | peak memory relkit / git-cliff |",
             "|---|---|---|---|---|---|---|"]
    all_diffs = []
    json_rows = []
    with tempfile.TemporaryDirectory() as tmp:
        config = os.path.join(tmp, "relkit.toml")
        open(config, "w").write(RELKIT_TOML)
        for name in a.repos.split(","):
            repo = corpus(name)
            n, same, diffs = compare(name, repo, config)
            all_diffs += diffs
            ours = time_it([RELKIT, "changelog", "--all", "--config", config], repo, a.runs)
            cliff_runs = max(2, a.runs // 3)
            theirs = time_it(["git-cliff", "--config", CLIFF_TOML], repo, cliff_runs)
            mem = (peak_kb([RELKIT, "changelog", "--all", "--config", config], repo),
                   peak_kb(["git-cliff", "--config", CLIFF_TOML], repo))
            lines.append(f"| {name} | {n} | {same} | {ours[0]*1000:.0f} ms ± {ours[1]*1000:.0f} | {theirs[0]*1000:.0f} ms ± {theirs[1]*1000:.0f} "
                         f"| {theirs[0]/ours[0]:.1f}× faster | {mem[0]/1024:.0f} MiB / {mem[1]/1024:.0f} MiB |")
            commits = int(sh(["git", "rev-list", "--all", "--count"], cwd=repo))
            json_rows.append(dict(
                task="whole-history changelog, Markdown", data=f"{name}, {commits:,} commits, {n} release{'s' * (n != 1)}",
                relkit_name="relkit changelog --all", relkit_seconds=ours[0], relkit_stddev=ours[1], relkit_runs=a.runs,
                peer_name="git-cliff (equivalent config)", peer_seconds=theirs[0], peer_stddev=theirs[1], peer_runs=cliff_runs,
                note=None if same == n else f"{name}: relkit and git-cliff list the same commits in every "
                                           f"section in {same} of {n} release{'s' * (n != 1)}; benches/peers/changelog.py "
                                           "prints each difference and crates/changelog/README.md explains them"))
    save(a.json, "changelog", json_rows)
    print("\n".join(lines))
    print()
    print(f"{len(all_diffs)} differences:")
    for d in all_diffs:
        print("  " + d)
    if a.out:
        with open(a.out, "w") as f:
            f.write("\n".join(lines) + "\n\n" + "\n".join(all_diffs) + "\n")


if __name__ == "__main__":
    main()
