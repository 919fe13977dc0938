#!/usr/bin/env bash
# Instructions per run of the exact engine's benchmarks (`exact/who-can` on the benchmark
# bucket, with and without its account's IAM configuration, `exact/diff` of two
# 20-statement policies), counted by valgrind's callgrind: a figure
# the load of a shared machine does not move at all, to compare two builds where wall and CPU
# times are too noisy. See docs/exact-analysis.md ("Performance").
#
#   bash bench/exact-instructions.sh                 # the newest release benchmark binary, N=5
#   N=10 bash bench/exact-instructions.sh OTHER_BIN  # another build of `benches/speed.rs`
#
# It runs the binary (built by `cargo bench --bench speed --no-run`) under callgrind with
# S3A_EXACT_CPU=N (the benchmark's work N times) and S3A_EXACT_CPU=0 (the setup alone), and
# prints the difference divided by N, every thread counted. Needs valgrind
# (`apt-get install valgrind`).
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
N=${N:-5}
BIN=${1:-$(ls -t "$REPO"/target/release/deps/speed-* 2>/dev/null | grep -v '\.d$' | head -n 1 || true)}
if [ -z "$BIN" ] || [ ! -x "$BIN" ]; then
    echo "no release benchmark binary: run cargo bench --bench speed --no-run first" >&2
    exit 2
fi
if ! command -v valgrind >/dev/null; then
    echo "valgrind is missing (apt-get install valgrind)" >&2
    exit 2
fi

# Instructions of one run of the loop with S3A_EXACT_CPU=$2 for benchmark $1.
instructions() {
    S3A_EXACT_CPU_WHAT=$1 S3A_EXACT_CPU=$2 valgrind --tool=callgrind --callgrind-out-file=/dev/null \
        "$BIN" 2>&1 >/dev/null | grep -o 'refs: *[0-9,]*' | tr -dc 0-9
}

echo "binary: $BIN"
for what in who-can who-can-alone diff; do
    setup=$(instructions "$what" 0)
    total=$(instructions "$what" "$N")
    echo "exact/$what: $(( (total - setup) / N / 1000000 )).$(( (total - setup) / N / 100000 % 10 )) M instructions per run ($N runs)"
done
