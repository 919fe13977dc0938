#!/usr/bin/env bash
# User CPU time per run of the exact engine's benchmarks (`exact/who-can` on the benchmark
# bucket, `exact/diff` of two 20-statement policies), a figure the load of a shared machine
# inflates less than criterion's wall-clock time. See docs/exact-analysis.md ("Performance").
#
#   bash bench/exact-cpu.sh            # N=200 who-can runs, N=200 diff runs
#   N=500 bash bench/exact-cpu.sh
#
# It runs the release benchmark binary (built by `cargo bench --bench speed --no-run`, or
# `cargo build --release --bench speed`; the newest one under target/release/deps is used)
# with S3A_EXACT_CPU=N, which does the benchmark's work N times and nothing else, and with
# S3A_EXACT_CPU=0 (the setup alone); the difference of their user CPU times (`/usr/bin/time
# -f %U`, every thread counted), divided by N, is the CPU time per run. The load average is
# printed beside it.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
N=${N:-200}
BIN=$(ls -t "$REPO"/target/release/deps/speed-* 2>/dev/null | grep -v '\.d$' | head -n 1 || true)
if [ -z "$BIN" ] || [ ! -x "$BIN" ]; then
    echo "no release benchmark binary: run cargo bench --bench speed --no-run first" >&2
    exit 2
fi
TIME=/usr/bin/time
if [ ! -x "$TIME" ]; then
    echo "/usr/bin/time is missing (apt-get install time)" >&2
    exit 2
fi

# User CPU seconds of one run of the loop with S3A_EXACT_CPU=$2 for benchmark $1.
user_time() {
    S3A_EXACT_CPU_WHAT=$1 S3A_EXACT_CPU=$2 "$TIME" -f %U "$BIN" 2>&1 >/dev/null | tail -n 1
}

echo "binary: $BIN"
for what in who-can diff; do
    setup=$(user_time "$what" 0)
    total=$(user_time "$what" "$N")
    load=$(cut -d' ' -f1-3 /proc/loadavg)
    awk -v w="$what" -v n="$N" -v s="$setup" -v t="$total" -v l="$load" 'BEGIN {
        printf "exact/%s: %.3f ms user CPU per run (%d runs: %.2f s, setup %.2f s), load %s\n",
            w, (t - s) * 1000 / n, n, t, s, l
    }'
done
