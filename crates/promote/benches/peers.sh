#!/usr/bin/env bash
# Time relkit-promote against skopeo, side by side (hyperfine), on the same 1 GiB of content:
#   push:  `layout push` of a 1 GiB file into a fresh OCI layout (hash while written, fsync, rename)
#     vs   `skopeo copy oci:SRC:big oci:DST:big` of the same artifact between two layouts
#   copy:  `layout copy` (our layout-to-layout copy, referrers included) vs the same skopeo copy
# Needs: hyperfine, skopeo (apt-get install -y hyperfine skopeo).
# Everything big lives in $BENCH_DIR (default /tmp/relkit-promote-bench), never in the repository.
# Honours CARGO_TARGET_DIR, RUNS (5), BENCH_DIR, OUT, JSON (one row per task and peer;
# default target/bench-results/promote.json, see benches/peers/table.py).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
crate="$(dirname "$here")"
work="${BENCH_DIR:-/tmp/relkit-promote-bench}"
out="${OUT:-$work/results}"
runs="${RUNS:-5}"
table="$crate/../../benches/peers/table.py"
note="relkit-promote's side is the crate's example program (examples/layout.rs): the library, not the relkit command"
json="${JSON:-$crate/../../target/bench-results/promote.json}"
mkdir -p "$work" "$out"
rm -f "$json"

for tool in hyperfine skopeo python3; do
    command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 1; }
done

echo "== building the example binary (release)"
(cd "$crate" && nice cargo build --release -j 1 -p relkit-promote --example layout)
target="${CARGO_TARGET_DIR:-$(cd "$crate" && cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')}"
ours="$target/release/examples/layout"

big="$work/big.bin"
if [ ! -f "$big" ] || [ "$(stat -c %s "$big")" -ne 1073741824 ]; then
    echo "== writing a 1 GiB file of random bytes to $big"
    head -c 1073741824 /dev/urandom > "$big"
fi
cat "$big" > /dev/null   # into the page cache: we time the store, not the first read

# The source layout skopeo copies from holds exactly what a push writes.
rm -rf "$work/src"
"$ours" push "$work/src" big "$big" >/dev/null

echo "== CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== versions: $(skopeo --version); $(hyperfine --version)"

echo "== 1 GiB into a fresh layout: push (ours) vs skopeo copy between layouts"
hyperfine --warmup 1 --runs "$runs" --export-markdown "$out/push.md" --export-json "$out/push.json" \
    --prepare "rm -rf $work/dst-ours $work/dst-skopeo; sync" \
    -n "relkit-promote push" "$ours push $work/dst-ours big $big" \
    -n "skopeo copy oci→oci" "skopeo --insecure-policy copy -q oci:$work/src:big oci:$work/dst-skopeo:big"

echo "== 1 GiB layout-to-layout copy: ours vs skopeo"
hyperfine --warmup 1 --runs "$runs" --export-markdown "$out/copy.md" --export-json "$out/copy.json" \
    --prepare "rm -rf $work/dst-ours $work/dst-skopeo; sync" \
    -n "relkit-promote copy" "$ours copy $work/src big $work/dst-ours big" \
    -n "skopeo copy oci→oci" "skopeo --insecure-policy copy -q oci:$work/src:big oci:$work/dst-skopeo:big"

# Both produced the same artifact (one more run of each: the prepare step cleared them).
rm -rf "$work/dst-ours" "$work/dst-skopeo"
"$ours" copy "$work/src" big "$work/dst-ours" big >/dev/null
skopeo --insecure-policy copy -q "oci:$work/src:big" "oci:$work/dst-skopeo:big"
a="$(skopeo inspect --raw "oci:$work/dst-ours:big" | sha256sum | cut -d' ' -f1)"
b="$(skopeo inspect --raw "oci:$work/dst-skopeo:big" | sha256sum | cut -d' ' -f1)"
[ "$a" = "$b" ] || { echo "different manifests: $a vs $b" >&2; exit 1; }
python3 "$table" add "$json" --comparison promote --note "$note" --hyperfine "$out/push.json" \
    --task "a file into a fresh OCI layout (skopeo: layout to layout)" --data "1 GiB, page cache" \
    --relkit "relkit-promote push" --peer "skopeo copy oci→oci"
python3 "$table" add "$json" --comparison promote --note "$note" --hyperfine "$out/copy.json" \
    --task "OCI layout to layout copy" --data "1 GiB, page cache" \
    --relkit "relkit-promote copy" --peer "skopeo copy oci→oci"
echo "== same manifest sha256:$a; results in $out and $json"
