#!/usr/bin/env bash
# relkit-sbom next to cargo-cyclonedx on a large real workspace: the same purls, and timing.
#
#   crates/sbom/benches/peers.sh [nushell|gitoxide|relkit]     (default: nushell)
#
# Needs: cargo-cyclonedx (`nice cargo install --locked cargo-cyclonedx`), hyperfine, zstd,
# python3, crates.io access for the first `cargo metadata` (about 1,000 crates download).
# Not a CI test. Results go into crates/sbom/README.md by hand; the timings, one row per
# (task, peer), also go to $JSON (default: target/bench-results/sbom.json; see
# benches/peers/table.py).
#
# Env: RELKIT (a `relkit` binary; default: build relkit-cli, else the library's `gen`
# example with the same options), WORK (default /tmp/relkit-sbom-peers), RUNS (default 10), JSON.
set -euo pipefail

name=${1:-nushell}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
shared=$(cd "$repo/../shared" && pwd)
work=${WORK:-/tmp/relkit-sbom-peers}
runs=${RUNS:-10}
json=${JSON:-$repo/target/bench-results/sbom.json}
for tool in cargo-cyclonedx hyperfine zstd python3; do
  command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 1; }
done
rm -f "$json"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/work/target-sbom}
host=$(rustc -vV | sed -n 's/^host: //p')

mkdir -p "$work"
case "$name" in
  relkit)
    ws="$work/relkit"
    rm -rf "$ws" && mkdir -p "$ws"
    (cd "$repo" && tar --exclude=./target --exclude=./.git --exclude=./fuzz/target -cf - .) | tar -xf - -C "$ws"
    ;;
  *)
    ws="$work/$name"
    [ -d "$ws" ] || tar --zstd -xf "$shared/corpus/$name-cargo.tar.zst" -C "$work"
    ;;
esac
echo "workspace: $ws ($(grep -c '^\[\[package\]\]' "$ws/Cargo.lock") packages in Cargo.lock), host $host"

# The relkit command line, or the library through its example with the same options.
if [ -z "${RELKIT:-}" ]; then
  if (cd "$repo" && nice cargo build -q -j 1 --release -p relkit-cli 2>/dev/null) \
     && "$CARGO_TARGET_DIR/release/relkit" sbom --help >/dev/null 2>&1; then
    RELKIT="$CARGO_TARGET_DIR/release/relkit sbom"
  else
    (cd "$repo" && nice cargo build -q -j 1 --release -p relkit-sbom --example gen)
    RELKIT="$CARGO_TARGET_DIR/release/examples/gen"
    echo "note: relkit-cli is not wired yet; timing the library through examples/gen.rs"
  fi
fi
case "$RELKIT" in
  */gen) meta_args="--target $host --include-build --spec 1.5 $ws"; lock_args="--lockfile-only --spec 1.5 $ws" ;;
  *) meta_args="--manifest-path $ws/Cargo.toml --locked --target $host --include-build --spec-version 1.5"
     lock_args="--manifest-path $ws/Cargo.toml --lockfile-only --spec-version 1.5" ;;
esac
out="$work/$name.relkit.cdx.json"
lock_out="$work/$name.relkit-lock.cdx.json"

# Warm up (downloads crates once) and check that nothing changes the lock file.
(cd "$ws" && nice cargo metadata --locked --format-version 1 >/dev/null)

# 1. The same purls as cargo-cyclonedx for the same scope: cargo-cyclonedx's default
#    (host target, normal + build dependencies, one SBOM per package) against ours with
#    --target HOST --include-build, one SBOM for the workspace.
find "$ws" -name '*.cdx.json' -delete
(cd "$ws" && cargo cyclonedx -q -f json --spec-version 1.5)
SOURCE_DATE_EPOCH=1700000000 $RELKIT $meta_args > "$out"
SOURCE_DATE_EPOCH=1700000000 $RELKIT $lock_args > "$lock_out"
python3 "$here/../tests/validate.py" "$shared/testdata/cyclonedx/schema" "$out" "$lock_out" | tail -1
python3 - "$ws" "$out" "$lock_out" <<'PY'
import glob, json, sys, urllib.parse
def purls(doc):
    out = set()
    def walk(cs):
        for c in cs or []:
            if c.get("purl"):
                out.add(c["purl"])
            walk(c.get("components"))
    walk(doc.get("components"))
    walk([doc.get("metadata", {}).get("component") or {}])
    return out
ws, ours_file, lock_file = sys.argv[1:4]
theirs = set()
files = glob.glob(ws + "/**/*.cdx.json", recursive=True)
for f in files:
    theirs |= purls(json.load(open(f)))
ours = purls(json.load(open(ours_file)))
lock = purls(json.load(open(lock_file)))
dec = lambda s: {urllib.parse.unquote(p) for p in s}
nonpath = lambda s: {p for p in s if "download_url=" not in p}
namever = lambda s: {urllib.parse.unquote(p.split("?")[0]) for p in s if "download_url=" in p}
t, o = dec(nonpath(theirs)), dec(nonpath(ours))
print(f"cargo-cyclonedx: {len(files)} SBOMs, {len(theirs)} distinct purls; relkit: 1 SBOM, {len(ours)} purls")
print(f"registry/git purls (percent-decoded): cargo-cyclonedx {len(t)}, relkit {len(o)}, equal: {t == o}")
if t != o:
    print("  only cargo-cyclonedx:", sorted(t - o)[:20])
    print("  only relkit:", sorted(o - t)[:20])
tp, op = namever(theirs), namever(ours)
print(f"path packages (name@version): cargo-cyclonedx {len(tp)}, relkit {len(op)}, equal: {tp == op}")
raw = {p for p in nonpath(ours) if p not in nonpath(theirs)}
print(f"purls that differ only by percent-encoding ('+' in versions): {len(raw)}")
print(f"lockfile-only mode: {len(lock)} purls (every package of Cargo.lock)")
PY

# 2. Timing, side by side.
find "$ws" -name '*.cdx.json' -delete
hyperfine -N -w 2 -r "$runs" --export-markdown "$work/$name.md" --export-json "$work/$name.json" \
  -n "cargo metadata alone" "cargo metadata --manifest-path $ws/Cargo.toml --locked --format-version 1 --filter-platform $host" \
  -n "cargo cyclonedx" "cargo cyclonedx --manifest-path $ws/Cargo.toml -q -f json --spec-version 1.5" \
  -n "relkit sbom (cargo metadata)" "$RELKIT $meta_args" \
  -n "relkit sbom --lockfile-only" "$RELKIT $lock_args"
find "$ws" -name '*.cdx.json' -delete
packages=$(grep -c '^\[\[package\]\]' "$ws/Cargo.lock")
python3 "$repo/benches/peers/table.py" add "$json" --comparison sbom --hyperfine "$work/$name.json" \
  --task "CycloneDX SBOM of a Cargo workspace (host target, normal + build deps)" \
  --data "$name, $packages packages in Cargo.lock" --relkit "relkit sbom (cargo metadata)" --peer "cargo cyclonedx"
python3 "$repo/benches/peers/table.py" add "$json" --comparison sbom --hyperfine "$work/$name.json" \
  --task "CycloneDX SBOM from Cargo.lock alone (every package)" \
  --data "$name, $packages packages in Cargo.lock" --relkit "relkit sbom --lockfile-only"
cat "$work/$name.md"
