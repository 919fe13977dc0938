#!/usr/bin/env python3
"""Join the decisions of s3-access and iam-simulate by request id and report the agreement.

Reads, in --dir: vectors.jsonl (gen.py), peer.jsonl (iam-simulate.mjs vectors), ours.json and
ours.stderr (s3-access check --format json). Writes disagreements.jsonl (one line per disagreeing
request: both decisions, a class from classify.py, the request and every policy) and summary.json,
and prints the figures. Python 3 standard library only.
"""

import argparse
import collections
import json
import os
import re
import sys

sys.dont_write_bytecode = True  # nothing written next to the scripts
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import classify  # noqa: E402

NORM = {"Allow": "allow", "ExplicitDeny": "explicit-deny", "ImplicitDeny": "implicit-deny"}


def refused_scenarios(stderr_text):
    """scenario path -> error-level finding codes, from the human diagnostics on stderr."""
    refused = {}
    pending = []
    lines = stderr_text.splitlines()
    code = None
    is_error = False
    for line in lines:
        m = re.match(r"^([EP]\d{3})\(([^)]*)\)\s*$", line)
        if m:
            code = f"{m.group(1)}({m.group(2)})"
            is_error = None
            continue
        if code and is_error is None and line.strip():
            is_error = line.strip().startswith("×")
            if is_error:
                pending.append(code)
            continue
        m = re.match(r"^error: (.*) cannot be run", line)
        if m:
            refused[os.path.normpath(m.group(1))] = sorted(set(pending)) or ["?"]
            pending = []
            code = None
    return refused


_files = {}


def statement_at(path, line, column):
    """The JSON object that starts at line:column of a scenario file (the statement a step is about)."""
    if not path or not line:
        return None
    if path not in _files:
        try:
            text = open(path).read()
        except OSError:
            text = ""
        starts = [0]
        for i, ch in enumerate(text):
            if ch == "\n":
                starts.append(i + 1)
        _files[path] = (text, starts)
    text, starts = _files[path]
    if line - 1 >= len(starts):
        return None
    off = starts[line - 1] + max(column - 1, 0)
    try:
        obj, _ = json.JSONDecoder().raw_decode(text, off)
        return obj
    except ValueError:
        return None


def compact_trace(trace):
    out = []
    for t in trace:
        e = {"layer": t.get("layer"), "index": t.get("index"), "sid": t.get("sid"), "effect": t.get("effect"),
             "outcome": t.get("outcome")}
        m = t.get("mismatch")
        if m:
            e["mismatch"] = m.get("reason") or m.get("element")
        if t.get("outcome") == "matched" or (m and m.get("element") == "condition"):
            e["statement"] = statement_at(t.get("file"), t.get("line"), t.get("column"))
        out.append({k: v for k, v in e.items() if v is not None})
    return out


def refused_policies(bin_path, out_dir, refused, corpus):
    """Lint every corpus document of the refused cases with its layer's kind: which ones s3-access
    refuses (error-level findings), and with which codes. Generated policies are never refused."""
    import subprocess
    docs = {}
    for line in open(os.path.join(out_dir, "cases.jsonl")):
        c = json.loads(line)
        scen = os.path.normpath(c["scenario"])
        if not any(scen.endswith(k) or k.endswith(scen) for k in refused):
            continue
        for layer, src in c["origins"].items():
            if not src.startswith("random"):
                docs[src] = "bucket" if layer == "bucket" else "identity"
    result = {}
    for src, kind in sorted(docs.items()):
        p = subprocess.run([bin_path, "lint", "--kind", kind, "--format", "json", os.path.join(corpus, src)],
                           capture_output=True, text=True)
        try:
            findings = json.loads(p.stdout).get("findings", [])
        except ValueError:
            continue
        errs = sorted({f"{f['code']}({f['name']})" for f in findings if f.get("severity") == "error"})
        if errs:
            result[src] = errs
    return result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--bin", help="the s3-access binary, to tell which corpus policies were refused")
    ap.add_argument("--corpus", default=os.environ.get("CORPUS", "/work/shared/corpus"))
    args = ap.parse_args()
    d = args.dir
    vectors = {}
    order = []
    for line in open(os.path.join(d, "vectors.jsonl")):
        v = json.loads(line)
        vectors[v["id"]] = v
        order.append(v["id"])
    peer = {}
    for line in open(os.path.join(d, "peer.jsonl")):
        line = line.strip()
        if line.startswith("{"):
            p = json.loads(line)
            peer[p["id"]] = p
    ours = {}
    text = open(os.path.join(d, "ours.json")).read()
    if text.strip():
        for r in json.loads(text).get("results", []):
            ours[r["request"]] = r
    refused = refused_scenarios(open(os.path.join(d, "ours.stderr")).read())

    stats = collections.Counter()
    matrix = collections.Counter()
    classes = collections.Counter()
    verdicts = collections.Counter()
    involved = collections.Counter()
    refused_codes = collections.Counter()
    refused_cases = set()
    peer_errors = collections.Counter()
    out = open(os.path.join(d, "disagreements.jsonl"), "w")
    for rid in order:
        v = vectors[rid]
        scen = os.path.normpath(os.path.relpath(v["meta"]["scenario"], d)) if os.path.isabs(v["meta"]["scenario"]) else os.path.normpath(v["meta"]["scenario"])
        p = peer.get(rid)
        o = ours.get(rid)
        stats["requests"] += 1
        if o is None:
            key = next((k for k in refused if k.endswith(scen) or scen.endswith(k)), None)
            if key is not None:
                stats["refused_by_s3_access"] += 1
                if v["meta"]["case"] not in refused_cases:
                    refused_cases.add(v["meta"]["case"])
                    for c in refused[key]:
                        refused_codes[c] += 1
            else:
                stats["missing_from_s3_access"] += 1
            continue
        if p is None or p.get("decision") in ("error", "crash", None):
            stats["peer_error"] += 1
            peer_errors[json.dumps((p or {}).get("errors", (p or {}).get("error", "missing")), sort_keys=True)[:200]] += 1
            continue
        ourd = NORM.get(o["decision"], o["decision"])
        stats["compared"] += 1
        matrix[(ourd, p["decision"])] += 1
        if ourd == p["decision"]:
            stats["agree"] += 1
            continue
        rec = {"id": rid, "ours": ourd, "peer": p["decision"], "meta": v["meta"], "request": v["request"],
               "policies": v["policies"], "scenario": v["meta"]["scenario"],
               "ours_layers": o.get("result", {}).get("layers"), "ours_notes": o.get("result", {}).get("notes"),
               "ours_uncertain": o.get("result", {}).get("uncertain"),
               "ours_determining": o.get("result", {}).get("determining"),
               "ours_trace": compact_trace(o.get("result", {}).get("trace", [])),
               "peer_explain": p.get("explain")}
        rec["tags"] = classify.tags(rec)
        rec["class"] = rec["tags"][0]
        for t in rec["tags"]:
            involved[t] += 1
        rec["verdict"] = classify.verdict(rec["class"])
        classes[rec["class"]] += 1
        verdicts[rec["verdict"]] += 1
        out.write(json.dumps(rec) + "\n")
    out.close()
    compared = stats["compared"] or 1
    refused_docs = refused_policies(args.bin, d, refused, args.corpus) if args.bin else None
    summary = {
        "requests": stats["requests"],
        "compared": stats["compared"],
        "agree": stats["agree"],
        "agreement": round(100.0 * stats["agree"] / compared, 2),
        "disagree": stats["compared"] - stats["agree"],
        "refused_by_s3_access_requests": stats["refused_by_s3_access"],
        "refused_by_s3_access_cases": len(refused_cases),
        "refused_codes": dict(refused_codes.most_common()),
        "refused_policies": None if refused_docs is None else len(refused_docs),
        "refused_policy_codes": None if refused_docs is None else dict(collections.Counter(
            c for v in refused_docs.values() for c in v).most_common()),
        "peer_errors": stats["peer_error"],
        "peer_error_kinds": dict(peer_errors.most_common(10)),
        "missing_from_s3_access": stats["missing_from_s3_access"],
        "matrix_ours_vs_peer": {f"{a} / {b}": n for (a, b), n in sorted(matrix.items())},
        "verdicts": dict(verdicts.most_common()),
        "agreement_if_peer_followed_the_docs": round(100.0 * (stats["agree"] + verdicts["peer-differs"]) / compared, 2),
        "classes": {c: {"count": classes[c], "involved_in": n, "verdict": classify.verdict(c),
                        "what": classify.CLASSES.get(c, "")}
                    for c, n in sorted(involved.items(), key=lambda x: (-classes[x[0]], -x[1]))},
    }
    json.dump(summary, open(os.path.join(d, "summary.json"), "w"), indent=1)
    if refused_docs is not None:
        json.dump(refused_docs, open(os.path.join(d, "refused-policies.json"), "w"), indent=1)
    print(json.dumps({k: v for k, v in summary.items() if k != "classes"}, indent=1))
    print("\ndisagreement classes (primary count, involved in, verdict, class):")
    for c, e in summary["classes"].items():
        print(f"  {e['count']:6d} {e['involved_in']:6d}  {e['verdict']:13s} {c}")
    print(f"\nagreement: {summary['agree']}/{summary['compared']} = {summary['agreement']}% "
          f"({summary['disagree']} disagreements -> {os.path.join(d, 'disagreements.jsonl')})")


if __name__ == "__main__":
    main()
