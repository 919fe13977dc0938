#!/usr/bin/env bash
# s3-access against its peers on the same inputs: per-item times, whole-process wall times
# (median of N runs), peak memory, and the ratios. See docs/performance.md.
#
#   bash bench/compare.sh
#
# Environment:
#   RUNS=10          runs of each s3-access / serde_json command (the median is shown)
#   PEER_RUNS=1      runs of each peer command (they take seconds to minutes)
#   BUCKETS=10000    generated bucket policies;  IDENTITIES=10000  generated identity policies
#   QUERIES=2000     requests in the query workload
#   SMALL=100000     one-statement files for the bounded-memory run (0 skips it)
#   MANAGED=DIR      AWS managed policies (default ../shared/corpus/managed-policies/latest)
#   BENCH=DIR        where ../shared/peers/setup.sh installed the peers
#                    (default $HOME/.cache/s3-access-peers)
#   KEEP=1           keep the temporary directory (printed at the end)
#
# Nothing is written into the repository except cargo's usual target directory (set
# CARGO_TARGET_DIR to build elsewhere); the corpus, outputs and timings go to `mktemp -d`.
# Peers are run from ../shared/peers when installed; a missing peer is reported and skipped.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
SHARED=$(cd "$REPO/.." && pwd)/shared
PEERS=$SHARED/peers
BENCH=${BENCH:-$HOME/.cache/s3-access-peers}
RUNS=${RUNS:-10}
PEER_RUNS=${PEER_RUNS:-1}
BUCKETS=${BUCKETS:-10000}
IDENTITIES=${IDENTITIES:-10000}
QUERIES=${QUERIES:-2000}
SMALL=${SMALL:-100000}
MANAGED=${MANAGED:-$SHARED/corpus/managed-policies/latest}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/s3-access-bench.XXXXXX")
cleanup() { if [ "${KEEP:-0}" = 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi; }
trap cleanup EXIT

echo "== machine"
echo "cpus: $(nproc); $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'); $(rustc --version)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"

echo "== build (cargo build --release)"
(cd "$REPO" && cargo build --release --locked --quiet --bin s3-access \
    --example json_floor --example query_throughput)
TARGET=${CARGO_TARGET_DIR:-$REPO/target}
S3=$TARGET/release/s3-access
FLOOR=$TARGET/release/examples/json_floor
QT=$TARGET/release/examples/query_throughput

echo "== corpus (bench/gen_corpus.py, fixed seed) in $WORK/corpus"
python3 "$REPO/bench/gen_corpus.py" "$WORK/corpus" --bucket "$BUCKETS" \
    --identity "$IDENTITIES" --queries "$QUERIES" --small "$SMALL"
C=$WORK/corpus
ONE=$C/bucket/00003.json
mkdir -p "$WORK/empty"
"$S3" lint --format json "$C/bucket" "$C/identity" > "$WORK/corpus-lint.json" || true
python3 - "$WORK/corpus-lint.json" <<'EOF'
import json, sys
# The corpus must be valid policy language (no E/P error); the risk audit (S codes) rightly
# reports the public website buckets and the rest of the checklist.
doc = json.load(open(sys.argv[1]))
s = doc["summary"]
grammar = sum(1 for f in doc["findings"] if f["severity"] == "error" and f["code"][0] in "EP")
print(f"generated corpus lints with {s['errors']} errors ({grammar} grammar), "
      f"{s['warnings']} warnings, {s['notes']} notes over {s['files']} files")
sys.exit(1 if grammar else 0)
EOF

# The timer: runs a command N times (with hyperfine -N when installed: no shell, precise
# start-up; else a Python loop), records the median wall and the CPU time, then runs it once
# more under /usr/bin/time for the peak RSS and the stderr (the peers print their in-process
# timing there). A peer with PEER_RUNS=1 is timed by that one run.
cat > "$WORK/timeit.py" <<'EOF'
import json, os, shlex, shutil, statistics, subprocess, sys, tempfile, time
out, runs, name, items = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
cmd = sys.argv[5:]
walls, cpus = [], []
if shutil.which("hyperfine") and runs > 1:
    with tempfile.NamedTemporaryFile(suffix=".json") as f:
        subprocess.run(["hyperfine", "-N", "-i", "-w", "1", "-r", str(runs), "--export-json", f.name,
                        "--", shlex.join(cmd)], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        r = json.load(open(f.name))["results"][0]
    walls, cpus = r["times"], [r["user"] + r["system"]]
elif runs > 1:
    for _ in range(runs):
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, _, ru = os.wait4(p.pid, 0)
        walls.append(time.perf_counter() - t0)
        cpus.append(ru.ru_utime + ru.ru_stime)
# One more run under /usr/bin/time: peak RSS, and the peers' in-process timing line.
wrap = ["/usr/bin/time", "-f", "S3A_MAXRSS_KB=%M"] if os.access("/usr/bin/time", os.X_OK) else []
t0 = time.perf_counter()
p = subprocess.run(wrap + cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
if not walls:
    walls, cpus = [time.perf_counter() - t0], [float("nan")]
rss, inproc = None, None
for line in p.stderr.decode(errors="replace").splitlines():
    if line.startswith("S3A_MAXRSS_KB="):
        rss = int(line.split("=")[1])
        continue
    try:
        d = json.loads(line)
    except ValueError:
        continue
    if isinstance(d, dict) and d.get("seconds") is not None:
        n = d.get("policies") or d.get("evaluations") or items
        inproc = d["seconds"] / max(n, 1)
rec = {"name": name, "items": items, "runs": runs, "wall": statistics.median(walls),
       "wall_min": min(walls), "cpu": statistics.median(cpus), "rss_kb": rss,
       "inproc_per_item": inproc}
with open(out, "a") as f:
    f.write(json.dumps(rec) + "\n")
mem = f"{rss / 1024:.1f} MB peak" if rss else "peak RSS unknown (no /usr/bin/time)"
print(f"  {name:<44} {rec['wall'] * 1000:10.1f} ms median of {runs} "
      f"(min {rec['wall_min'] * 1000:.1f}, cpu {rec['cpu'] * 1000:.1f} ms, {mem})")
EOF
RES=$WORK/results.jsonl
t() { python3 "$WORK/timeit.py" "$RES" "$@"; }
count() { find "$1" -name '*.json' | wc -l; }

PY=$BENCH/peers/venv/bin/python
have_py() { [ -x "$PY" ] && "$PY" -c "import $1" 2>/dev/null; }
have_node() { command -v node >/dev/null && [ -d "$BENCH/peers/node/node_modules/@cloud-copilot/iam-simulate" ]; }
peer() { # peer NAME MODULE INPUT-LABEL DIR
    if have_py "$2"; then
        t "$PEER_RUNS" "$1 $3" "$(count "$4")" "$PY" "$PEERS/wrappers/${1}_wrap.py" "$4"
    else
        echo "  $1: not installed ($PY cannot import $2); run bash ../shared/peers/setup.sh - skipped"
    fi
}

NB=$(count "$C/bucket"); NI=$(count "$C/identity"); NM=$(count "$MANAGED")
echo "== timings"
t 30 "s3-access startup (empty directory)" 1 "$S3" lint "$WORK/empty"
t 30 "s3-access one file (pre-commit)" 1 "$S3" lint "$ONE"
for input in bucket identity managed; do
    case $input in
        bucket) dir=$C/bucket; n=$NB ;;
        identity) dir=$C/identity; n=$NI ;;
        managed) dir=$MANAGED; n=$NM ;;
    esac
    t "$RUNS" "s3-access $input" "$n" "$S3" lint "$dir"
    t "$RUNS" "s3-access (1 thread) $input" "$n" env RAYON_NUM_THREADS=1 "$S3" lint "$dir"
    t "$RUNS" "serde_json floor $input" "$n" "$FLOOR" "$dir"
    t "$RUNS" "serde_json floor (1 thread) $input" "$n" env RAYON_NUM_THREADS=1 "$FLOOR" "$dir"
    peer parliament parliament "$input" "$dir"
    if [ "$input" != bucket ]; then peer cloudsplaining cloudsplaining "$input" "$dir"; fi
    if [ "$input" != identity ]; then peer policyuniverse policyuniverse "$input" "$dir"; fi
done
if [ "$SMALL" -gt 0 ]; then
    t 3 "s3-access small ($SMALL files)" "$SMALL" "$S3" lint "$C/small"
    t 3 "s3-access --format json small ($SMALL files)" "$SMALL" "$S3" lint --format json "$C/small"
fi

echo "== queries ($QUERIES requests, one compiled graph, one thread)"
"$QT" "$C/queries/workload.json" --repeat 200 | tee "$WORK/s3-queries.json"
if have_node; then
    python3 "$REPO/scripts/difftest/scenario2vectors.py" "$C/queries/workload.json" > "$WORK/vectors.jsonl"
    t "$PEER_RUNS" "iam-simulate queries" "$QUERIES" node "$PEERS/wrappers/iam-simulate.mjs" vectors "$WORK/vectors.jsonl"
else
    echo "  iam-simulate: not installed (no node or no $BENCH/peers/node/node_modules); skipped"
fi

echo "== summary"
python3 - "$RES" "$WORK/s3-queries.json" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
by = {r["name"]: r for r in rows}
start = by["s3-access startup (empty directory)"]["wall"]
def inproc(r):
    if r["inproc_per_item"] is not None:
        return r["inproc_per_item"]
    return max(r["wall"] - start, 0) / r["items"] if r["name"].startswith("s3-access") else None
print(f"{'tool / input':<46}{'items':>8}{'wall ms':>11}{'us/item':>10}{'in-proc us':>12}"
      f"{'x wall':>9}{'x in-proc':>11}{'peak MB':>9}")
for r in rows:
    if r["name"].startswith("s3-access startup"):
        continue
    inp = r["name"].split()[-1]
    ref = by.get(f"s3-access {inp}")
    ip = inproc(r)
    xw = r["wall"] / ref["wall"] if ref and not r["name"].startswith("s3-access") else None
    xi = ip / inproc(ref) if ref and ip and inproc(ref) and not r["name"].startswith("s3-access") else None
    print(f"{r['name']:<46}{r['items']:>8}{r['wall']*1000:>11.1f}{r['wall']/r['items']*1e6:>10.1f}"
          f"{(ip*1e6 if ip is not None else float('nan')):>12.2f}"
          f"{(xw if xw else float('nan')):>9.1f}{(xi if xi else float('nan')):>11.1f}"
          f"{(r['rss_kb'] / 1024 if r['rss_kb'] else float('nan')):>9.1f}")
q = json.load(open(sys.argv[2]))
print(f"\ns3-access queries: {q['queries_per_sec']:.0f}/s ({q['us_per_query']:.2f} us), "
      f"with trace {q['queries_per_sec_with_trace']:.0f}/s; graph compile {q['graph_compile_us']:.0f} us "
      f"(lint included); decisions {q['decisions']}")
sim = by.get("iam-simulate queries")
if sim and sim["inproc_per_item"]:
    print(f"iam-simulate: {1/sim['inproc_per_item']:.0f} requests/s in process; "
          f"s3-access is {q['queries_per_sec']*sim['inproc_per_item']:.0f}x that")
print("\nx wall: the peer's median wall time over s3-access's (2 threads) on the same input;")
print("x in-proc: per-item time inside the process over s3-access's (its wall minus start-up).")
EOF
