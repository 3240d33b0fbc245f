#!/usr/bin/env python3
"""Make a large, deterministic git history for benchmarks.

    make-history.py COMMITS DEST [--tag-every N] [--untagged-tail M]

Writes a repository at DEST with COMMITS commits on `main` (empty trees but
for one file touched per commit, spread over a few package directories), a
merge every 50 commits, realistic Conventional Commit messages (and some
that are not), and a lightweight tag `vX.Y.Z` every N commits (default
1000), the last one M commits below HEAD (default 500). Same arguments,
same commit ids: identities and dates are fixed.
"""
import argparse
import os
import subprocess
import sys

KINDS = ["feat", "fix", "fix", "chore", "docs", "refactor", "perf", "test", "ci", "build"]
SCOPES = [None, "core", "cli", "api", "parser", "docs"]
WORDS = "add support handle empty input remove deprecated flag speed up lookup of tags rename option fix typo in message".split()


def message(i: int) -> str:
    if i % 97 == 0:
        return f"Merge pull request #{i} from someone/topic-{i}\n"
    if i % 89 == 0:
        return "WIP\n"
    kind = KINDS[i % len(KINDS)]
    scope = SCOPES[(i // 7) % len(SCOPES)]
    words = " ".join(WORDS[(i * 3 + k) % len(WORDS)] for k in range(4 + i % 5))
    head = f"{kind}({scope}): {words}" if scope else f"{kind}: {words}"
    body = f"\n\nLonger explanation of change {i}, wrapped as people write it.\n"
    if i % 211 == 0:
        body += "\nBREAKING CHANGE: the old behaviour is gone\n"
    if i % 5 == 0:
        body += f"\nRefs: #{i % 1000}\n"
    return head + body


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("commits", type=int)
    ap.add_argument("dest")
    ap.add_argument("--tag-every", type=int, default=1000)
    ap.add_argument("--untagged-tail", type=int, default=500)
    a = ap.parse_args()
    os.makedirs(a.dest, exist_ok=True)
    env = dict(os.environ, GIT_CONFIG_GLOBAL="/dev/null", GIT_CONFIG_NOSYSTEM="1")
    subprocess.run(["git", "init", "-q", "--initial-branch=main", a.dest], check=True, env=env)
    p = subprocess.Popen(["git", "fast-import", "--quiet"], cwd=a.dest, stdin=subprocess.PIPE, env=env)
    out = p.stdin
    w = lambda s: out.write(s.encode() if isinstance(s, str) else s)
    t0 = 1_600_000_000
    last_tag_at = a.commits - a.untagged_tail
    version = [0, 1, 0]
    side = None  # mark of the side-branch commit to merge next
    for i in range(1, a.commits + 1):
        # Every 50 commits, one commit on a side branch that the next commit merges.
        if i % 50 == 25:
            data = message(i * 7919).encode()
            w(f"commit refs/heads/side\nmark :{a.commits + i}\n")
            w(f"author Bench <bench@example.invalid> {t0 + i * 60 - 30} +0000\n")
            w(f"committer Bench <bench@example.invalid> {t0 + i * 60 - 30} +0000\n")
            w(f"data {len(data)}\n"); w(data)
            w(f"from :{i - 1}\n" if i > 1 else "")
            w(f"M 644 inline side/{i % 13}.txt\ndata 2\n{i % 10}\n\n")
            side = a.commits + i
        data = message(i).encode()
        w(f"commit refs/heads/main\nmark :{i}\n")
        w(f"author Bench <bench@example.invalid> {t0 + i * 60} +0000\n")
        w(f"committer Bench <bench@example.invalid> {t0 + i * 60} +0000\n")
        w(f"data {len(data)}\n"); w(data)
        if i > 1:
            w(f"from :{i - 1}\n")
        if side is not None and i % 50 == 26:
            w(f"merge :{side}\n")
            side = None
        pkg = ["core", "cli", "api", "parser"][i % 4]
        w(f"M 644 inline crates/{pkg}/f{i % 17}.txt\ndata {len(str(i)) + 1}\n{i}\n\n")
        if i % a.tag_every == 0 and i <= last_tag_at or i == last_tag_at:
            w(f"reset refs/tags/v{version[0]}.{version[1]}.{version[2]}\nfrom :{i}\n\n")
            version[1] += 1
            if version[1] % 10 == 0:
                version = [version[0] + 1, 0, 0]
    out.close()
    if p.wait() != 0:
        return 1
    subprocess.run(["git", "-C", a.dest, "reset", "-q", "--hard", "main"], check=True, env=env)
    print(f"{a.commits} commits -> {a.dest}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
