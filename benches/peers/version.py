#!/usr/bin/env python3
"""Time `relkit version next` side by side with git-cliff and cocogitto.

    benches/peers/version.py [--runs N] [--out FILE.md] [--json FILE.json]

On each history (a generated 100k-commit one, and real ones rebuilt from
../shared/corpus) it first checks that the three tools give the same next
version, then times each with hyperfine (-N, warm cache) and prints a
Markdown table; the same figures, one row per (history, peer), go to
target/bench-results/version.json (see table.py). Peers: `git cliff
--bumped-version` (default configuration) and `cog bump --auto --dry-run`
(with `tag_prefix = "v"`, kept out of the work tree through
.git/info/exclude, since cog refuses a dirty tree).
Needs hyperfine, git-cliff and cog on PATH (`cargo install --locked
git-cliff cocogitto`) and a release build of relkit.
"""
import argparse
import json
import os
import shutil
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
from table import save  # noqa: E402  (benches/peers/table.py)
from common import DATA, RELKIT, ROOT, corpus, sh  # noqa: E402  (benches/peers/common.py)


def history(n):
    dest = os.path.join(DATA, f"history-{n}")
    if not os.path.isdir(os.path.join(dest, ".git")):
        sh([sys.executable, os.path.join(ROOT, "benches/scripts/make-history.py"), str(n), dest])
    return dest


def prepare_cog(repo):
    with open(os.path.join(repo, "cog.toml"), "w") as f:
        f.write('tag_prefix = "v"\n')
    exclude = os.path.join(repo, ".git", "info", "exclude")
    os.makedirs(os.path.dirname(exclude), exist_ok=True)
    text = open(exclude).read() if os.path.exists(exclude) else ""
    if "cog.toml" not in text:
        with open(exclude, "a") as f:
            f.write("\ncog.toml\n")


def last_version(out):
    lines = [l.strip() for l in out.splitlines() if l.strip()]
    return lines[-1].lstrip("v") if lines else "?"


def time_it(cmd, cwd, runs):
    with tempfile.NamedTemporaryFile(suffix=".json") as t:
        sh(["hyperfine", "-N", "--warmup", "1" if runs > 2 else "0", "--runs", str(runs),
            "--export-json", t.name, "--", " ".join(cmd)], cwd=cwd)
        r = json.load(open(t.name))["results"][0]
    return r["mean"], r["stddev"] or 0.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--out")
    ap.add_argument("--json", default=os.path.join(ROOT, "target", "bench-results", "version.json"))
    a = ap.parse_args()
    for tool in ("hyperfine", "git-cliff", "cog"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is not on PATH (see this script's docstring)")
    if not os.path.exists(RELKIT):
        sh(["cargo", "build", "--release", "-p", "relkit-cli"], cwd=ROOT)
    repos = [("generated, 102k commits", history(100_000)),
             ("git-cliff (1.6k commits)", corpus("git-cliff")),
             ("nuxt (18.8k commits)", corpus("nuxt"))]
    tools = [("relkit", [RELKIT, "version", "next"]),
             ("git-cliff", ["git-cliff", "--bumped-version"]),
             ("cocogitto", ["cog", "bump", "--auto", "--dry-run"])]
    rows = []
    for label, repo in repos:
        prepare_cog(repo)
        answers = {name: last_version(sh(cmd, cwd=repo, check=False)) for name, cmd in tools}
        timing = {}
        for name, cmd in tools:
            # git-cliff reads the whole history: a few runs are enough there.
            runs = a.runs if name != "git-cliff" else max(2, a.runs // 10)
            timing[name] = time_it(cmd, repo, runs) + (runs,)
        ours = timing["relkit"][0]
        fastest_peer = min(timing[n][0] for n in ("git-cliff", "cocogitto"))
        rows.append((label, answers, timing, fastest_peer / ours))
    lines = ["| history | relkit | git-cliff | cocogitto | relkit vs faster peer | same answer |",
             "|---|---|---|---|---|---|"]
    for label, answers, timing, ratio in rows:
        cells = [f"{timing[n][0] * 1000:.1f} ms ± {timing[n][1] * 1000:.1f}" for n in ("relkit", "git-cliff", "cocogitto")]
        same = len(set(answers.values())) == 1
        ans = answers["relkit"] if same else ", ".join(f"{k} {v}" for k, v in answers.items())
        lines.append(f"| {label} | {' | '.join(cells)} | {ratio:.1f}× faster | {'yes: ' if same else 'NO: '}{ans} |")
    table = "\n".join(lines)
    print(table)
    json_rows = []
    for label, answers, timing, _ in rows:
        for name, cmd in tools[1:]:
            same = answers[name] == answers["relkit"]
            json_rows.append(dict(
                task="next version", data=label, relkit_name=" ".join(["relkit"] + tools[0][1][1:]),
                relkit_seconds=timing["relkit"][0], relkit_stddev=timing["relkit"][1], relkit_runs=timing["relkit"][2],
                peer_name=" ".join(cmd), peer_seconds=timing[name][0], peer_stddev=timing[name][1],
                peer_runs=timing[name][2],
                note=None if same else f"{label}: relkit says {answers['relkit']}, {name} says {answers[name]}"))
    save(a.json, "version", json_rows)
    if a.out:
        with open(a.out, "w") as f:
            f.write(table + "\n")


if __name__ == "__main__":
    main()
