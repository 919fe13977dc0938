#!/usr/bin/env bash
# Differential test: s3-access against the peer tool iam-simulate on generated cases.
#
#   scripts/difftest/run.sh [OUT_DIR]
#
# Environment: COUNT (cases, default 1000 = about 11,500 requests), SEED (default 20260101),
# S3_ACCESS_BIN (use this binary instead of building one), DIFFTEST_REV (build this git revision,
# e.g. HEAD, exported with git archive, instead of the working tree), DIFFTEST_TARGET (cargo target
# dir for the build, default /tmp/s3-access-difftest-target: nothing is written into the repository),
# CORPUS (default /work/shared/corpus), PEERS (default /work/shared/peers).
#
# Writes into OUT_DIR (default: a new temporary directory): vectors.jsonl, scenarios/, cases.jsonl,
# peer.jsonl, ours.json, ours.stderr, disagreements.jsonl, summary.json. Prints the agreement.
set -euo pipefail
export PYTHONDONTWRITEBYTECODE=1

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
COUNT=${COUNT:-1000}
SEED=${SEED:-20260101}
CORPUS=${CORPUS:-/work/shared/corpus}
PEERS=${PEERS:-/work/shared/peers}
out=${1:-$(mktemp -d /tmp/s3-access-difftest.XXXXXX)}
mkdir -p "$out"

peer_home=${BENCH:-$HOME/.cache/s3-access-peers}
if [ ! -d "$peer_home/peers/node/node_modules/@cloud-copilot/iam-simulate" ]; then
  echo "iam-simulate is not installed: run 'bash $PEERS/setup.sh' first (see $PEERS/README.md)" >&2
  exit 3
fi

bin=${S3_ACCESS_BIN:-}
if [ -z "$bin" ]; then
  target=${DIFFTEST_TARGET:-/tmp/s3-access-difftest-target}
  src="$repo"
  if [ -n "${DIFFTEST_REV:-}" ]; then
    # A committed revision instead of the working tree (which others may be editing).
    src="$out/src"
    rm -rf "$src" && mkdir -p "$src"
    git -C "$repo" archive "$DIFFTEST_REV" | tar -x -C "$src"
    echo "s3-access revision: $(git -C "$repo" rev-parse "$DIFFTEST_REV")" >&2
  fi
  echo "building s3-access (release) from $src into $target" >&2
  CARGO_TARGET_DIR="$target" cargo build --release --quiet --manifest-path "$src/Cargo.toml"
  bin="$target/release/s3-access"
fi
# Sanity: the project's own scenarios must pass, or the binary is a half-edited build.
# (They name policies in ../valid: --root; builds before it had no such flag.)
scenarios="${src:-$repo}/policies/scenarios"
if ! "$bin" check "$scenarios" --root "${src:-$repo}/policies" >/dev/null 2>&1 &&
  ! "$bin" check "$scenarios" >/dev/null 2>&1; then
  echo "warning: $bin fails the project's own scenarios (policies/scenarios); results may reflect a broken build" >&2
fi

t0=$(date +%s)
python3 "$here/gen.py" --count "$COUNT" --seed "$SEED" --out "$out" --corpus "$CORPUS" >&2
t1=$(date +%s)

# Both tools at once (2 cores).
node "$PEERS/wrappers/iam-simulate.mjs" vectors "$out/vectors.jsonl" > "$out/peer.jsonl" 2> "$out/peer.stderr" &
peer_pid=$!
set +e
"$bin" check "$out/scenarios" --format json > "$out/ours.json" 2> "$out/ours.stderr"
ours_rc=$?
set -e
wait "$peer_pid"
t2=$(date +%s)
# check exits 1 (decisions differ from the placeholder expectations) or 2 (some scenarios refused).
if [ "$ours_rc" -gt 2 ]; then
  echo "s3-access check failed with exit code $ours_rc (see $out/ours.stderr)" >&2
  exit 1
fi

python3 "$here/compare.py" --dir "$out" --bin "$bin" --corpus "$CORPUS"
echo "generate: $((t1 - t0)) s, run both tools: $((t2 - t1)) s; seed $SEED, $COUNT cases; output in $out" >&2
# Counterfactual check of the classes that say iam-simulate differs from the documentation.
python3 "$here/confirm.py" --dir "$out" --peers "$PEERS" || echo "warning: confirm.py failed" >&2
