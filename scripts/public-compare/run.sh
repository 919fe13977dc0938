#!/usr/bin/env bash
# Runs `s3-access public`, iam-simulate's probe (with and without RestrictPublicBuckets) and
# policyuniverse on a folder of bucket policies, then compare.py. Needs the peers installed
# with ../shared/peers/setup.sh; writes only to a temporary directory.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
dir=${1:-$repo/../shared/corpus/s3-bucket-policies/unique}
peers=${BENCH:-$HOME/.cache/s3-access-peers}/peers
wrappers=$repo/../shared/peers/wrappers
out=$(mktemp -d)
[ -x "$peers/venv/bin/python" ] || { echo "peers not installed: run bash ../shared/peers/setup.sh" >&2; exit 2; }
cargo build --release --quiet --manifest-path "$repo/Cargo.toml"
"$repo/target/release/s3-access" public --format json "$dir" > "$out/ours.json" 2> "$out/ours.err" || true
node "$wrappers/iam-simulate.mjs" policy "$dir" --summary > "$out/sim.jsonl" 2>/dev/null
node "$wrappers/iam-simulate.mjs" policy "$dir" --bpa --summary > "$out/sim-bpa.jsonl" 2>/dev/null
"$peers/venv/bin/python" "$wrappers/policyuniverse_wrap.py" "$dir" > "$out/pu.jsonl" 2>/dev/null
python3 "$here/compare.py" --ours "$out/ours.json" --sim "$out/sim.jsonl" --sim-bpa "$out/sim-bpa.jsonl" \
  --pu "$out/pu.jsonl" --dir "$dir" --out "$out/disagreements.jsonl"
echo "details: $out/disagreements.jsonl"
