"""What the peer comparisons share: where things are, running a command,
and the benchmark repositories (made once, kept under RELKIT_BENCH_DATA)."""
import os
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DATA = os.environ.get("RELKIT_BENCH_DATA", os.path.join(ROOT, "target", "bench-data"))
RELKIT = os.path.join(ROOT, "target", "release", "relkit")


def sh(cmd, cwd=None, check=True):
    """The command's stdout; with check, a failure ends the script with its stderr."""
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if check and r.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed: {r.stderr[-2000:]}")
    return r.stdout


def corpus(name):
    """A real history of ../shared/corpus, rebuilt as a git repository."""
    dest = os.path.join(DATA, f"corpus-{name}")
    if not os.path.isdir(os.path.join(dest, ".git")):
        sh([os.path.join(ROOT, "..", "shared", "corpus", "build-repo.sh"), name, dest])
    return dest
