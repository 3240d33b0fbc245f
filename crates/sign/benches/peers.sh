#!/usr/bin/env bash
# Time relkit-sign against its peers, side by side, in one run (hyperfine):
#   SHA-256 of a 1 GiB file:  ours  vs  sha256sum  vs  openssl dgst -sha256
#   signing a 1 GiB file:     ours (minisign format)  vs  minisign -S
#                             ours (raw Ed25519)      vs  openssl pkeyutl -sign -rawin
# Needs: hyperfine, minisign, openssl (apt-get install -y hyperfine minisign openssl).
# The 1 GiB file lives in /tmp (never in the repository). Results: $OUT/*.md, and one row
# per (task, peer) in $JSON (default: target/bench-results/sign.json; see benches/peers/table.py).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
crate="$(dirname "$here")"
work="${BENCH_DIR:-/tmp/relkit-sign-bench}"
out="${OUT:-$work/results}"
runs="${RUNS:-5}"
table="$crate/../../benches/peers/table.py"
note="relkit-sign's side is the crate's example program (examples/sign_file.rs): the library, not the relkit command"
json="${JSON:-$crate/../../target/bench-results/sign.json}"
mkdir -p "$work" "$out"
rm -f "$json"

for tool in hyperfine minisign openssl sha256sum python3; do
    command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 1; }
done

echo "== building the example binary (release)"
(cd "$crate" && cargo build --release -j 1 -p relkit-sign --example sign_file)
target="${CARGO_TARGET_DIR:-$(cd "$crate" && cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')}"
ours="$target/release/examples/sign_file"

big="$work/big.bin"
if [ ! -f "$big" ] || [ "$(stat -c %s "$big")" -ne 1073741824 ]; then
    echo "== writing a 1 GiB file of random bytes to $big"
    head -c 1073741824 /dev/urandom > "$big"
fi
cat "$big" > /dev/null   # into the page cache: we time hashing, not the disk

# Unencrypted key pairs (no password prompt, no scrypt in the timing): one minisign, one PKCS#8.
rm -f "$work/m.key" "$work/m.pub"
minisign -G -W -p "$work/m.pub" -s "$work/m.key" >/dev/null
openssl genpkey -algorithm ed25519 -out "$work/o.pem" 2>/dev/null
openssl pkey -in "$work/o.pem" -pubout -out "$work/o.pub.pem"

echo "== CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores"
echo "== versions: $(openssl version); $(minisign -v); $(sha256sum --version | head -1); $(hyperfine --version)"

echo "== SHA-256 of 1 GiB"
hyperfine --warmup 1 --runs "$runs" --export-markdown "$out/sha256.md" --export-json "$out/sha256.json" \
    -n "relkit-sign (sign_file sha256)" "$ours sha256 $big" \
    -n "sha256sum" "sha256sum $big" \
    -n "openssl dgst -sha256" "openssl dgst -sha256 $big"
python3 "$table" add "$json" --comparison sign --note "$note" --hyperfine "$out/sha256.json" \
    --task "SHA-256 of a file" --data "1 GiB, page cache" --relkit "relkit-sign (sign_file sha256)" \
    --peer "sha256sum" --peer "openssl dgst -sha256"

echo "== signing 1 GiB (minisign format)"
hyperfine --warmup 1 --runs "$runs" --export-markdown "$out/minisign.md" --export-json "$out/minisign.json" \
    -n "relkit-sign (sign_file minisign)" "$ours minisign $work/m.key $big" \
    -n "minisign -S" "minisign -S -W -s $work/m.key -m $big"
minisign -V -q -p "$work/m.pub" -m "$big"   # the last signature written is valid
python3 "$table" add "$json" --comparison sign --note "$note" --hyperfine "$out/minisign.json" \
    --task "sign a file, minisign format" --data "1 GiB, page cache" --relkit "relkit-sign (sign_file minisign)" \
    --peer "minisign -S"

echo "== signing 1 GiB (raw Ed25519, pure: the file is hashed twice)"
hyperfine --warmup 1 --runs "$runs" --export-markdown "$out/raw.md" --export-json "$out/raw.json" \
    -n "relkit-sign (sign_file raw)" "$ours raw $work/o.pem $big" \
    -n "openssl pkeyutl -sign -rawin" "openssl pkeyutl -sign -inkey $work/o.pem -rawin -in $big -out $work/openssl.sig"
openssl pkeyutl -verify -pubin -inkey "$work/o.pub.pem" -rawin -in "$big" -sigfile "$big.sig" >/dev/null
python3 "$table" add "$json" --comparison sign --note "$note" --hyperfine "$out/raw.json" \
    --task "sign a file, raw Ed25519 (pure: read twice)" --data "1 GiB, page cache" --relkit "relkit-sign (sign_file raw)" \
    --peer "openssl pkeyutl -sign -rawin"

echo "== results in $out and $json"
cat "$out/sha256.md" "$out/minisign.md" "$out/raw.md"
