#!/usr/bin/env python3
"""Compare the risk findings of two s3-access builds on a directory of policies.

Usage: scripts/audit-diff.py OLD_BINARY NEW_BINARY [DIRECTORY]

DIRECTORY defaults to ../shared/corpus/s3-bucket-policies/unique (from the checkout). Both binaries run
`lint --format json --no-config` on every JSON file of it (one run each). Findings are keyed
by (file, code, line, column); the script prints a Markdown table of every finding that
only one build reports, or that both report with a different severity, message or witness,
with the reason the rebased audit gives for it, then counts by code and kind of change.
Only the risk codes (S...) are compared; the P-codes are the validator's and do not change.
Python standard library only.
"""

import json
import re
import os
import subprocess
import sys
from collections import Counter


def findings(binary, directory):
    """Every S-code finding of one run, keyed by (file, code, line, column)."""
    files = sorted(
        os.path.join(directory, f) for f in os.listdir(directory) if f.endswith(".json")
    )
    out = subprocess.run(
        [binary, "lint", "--format", "json", "--no-config", *files],
        capture_output=True,
        text=True,
        check=False,
    )
    doc = json.loads(out.stdout)
    got = {}
    for f in doc["findings"]:
        if not f["code"].startswith("S"):
            continue
        # S201 is one finding per policy, at the first Deny it discusses: keyed by file.
        at = (0, 0) if f["code"] == "S201" else (f["line"], f["column"])
        key = (os.path.basename(f["file"]), f["code"], *at)
        got[key] = f
    return got


def short(text, n=150):
    text = text.replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= n else text[: n - 1] + "…"


def reason(kind, old, new):
    """Why a finding changed, in the words of the rebased audit (see docs/exact-analysis.md)."""
    if kind == "dropped":
        code = old["code"]
        if code in ("S101", "S102", "S103", "S104"):
            return ("no action of this access level applies to the statement's resources, or "
                    "no request it grants at this level gets through (no witness)")
        if code == "S306":
            return ("no permissions-management action applies to the statement's resources, "
                    "or no request of the grantees gets through (no witness)")
        if code == "S301":
            return "no request of the named accounts gets through (no witness)"
        if code == "S302":
            return "the statement's resources take no action of S3 (no witness)"
        return "not reported by the rebased audit"
    if kind == "added":
        if new["code"] == "S301":
            return ("an account pinned by aws:SourceOwner, aws:SourceArn or aws:PrincipalArn: "
                    "a witness request of that account (or a service acting for it) gets through")
        return "a witness request gets through"
    why = []
    if old["severity"] != new["severity"]:
        why.append(f"severity {old['severity']} → {new['severity']}")
        if "no request" in new["message"] and "gets through because of" in new["message"]:
            why.append("public by S3's definition, but a Deny refuses every such request")
    if old["message"] != new["message"]:
        om, nm, code = old["message"], new["message"], new["code"]
        if code == "S201":
            if nm.startswith("anyone gets in over plain HTTP"):
                why.append("names an anonymous request that gets through over HTTP")
            labels = re.compile(r"Sid `[^`]*`|statement #\d+")
            if set(labels.findall(om)) - set(labels.findall(nm)):
                why.append("Deny statements that do not depend on transport no longer named")
            if labels.sub("", om) != labels.sub("", nm) and len(why) < 2:
                why.append("actions listed everyday first")
        elif "gets through" in nm and "e.g. `" in nm:
            why.append("anonymous callers are refused, but another caller gets in: the witness is named")
        elif code == "S302":
            why.append("object-only resources: the message names object actions, not bucket ones")
        elif code in ("S101", "S102", "S103", "S104", "S306", "S301"):
            why.append("actions limited to those of the statement's resources, everyday first")
        else:
            why.append("message")
    if old.get("witness") != new.get("witness") and new.get("witness"):
        why.append("witness added (JSON)")
    return "; ".join(why)


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    old_bin, new_bin = sys.argv[1], sys.argv[2]
    here = os.path.dirname(os.path.abspath(__file__))
    # ../shared from the main checkout; ../../shared from a worktree under wt/.
    candidates = [
        os.path.join(here, *[".."] * up, "shared", "corpus", "s3-bucket-policies", "unique")
        for up in (2, 3)
    ]
    default = next((c for c in candidates if os.path.isdir(c)), candidates[0])
    directory = sys.argv[3] if len(sys.argv) > 3 else default
    old, new = findings(old_bin, directory), findings(new_bin, directory)
    rows = []
    for key in sorted(set(old) | set(new)):
        o, n = old.get(key), new.get(key)
        if o and not n:
            kind = "dropped"
        elif n and not o:
            kind = "added"
        else:
            same = (o["severity"], o["message"]) == (n["severity"], n["message"])
            if same and o.get("witness") == n.get("witness"):
                continue
            kind = "changed" if not same else "witness"
        rows.append((key, kind, o, n))
    counts = Counter((key[1], kind) for key, kind, _, _ in rows)
    print(f"{len(old)} risk findings before, {len(new)} after, on "
          f"{len([f for f in os.listdir(directory) if f.endswith('.json')])} files.\n")
    print("| code | kind | count |\n|------|------|-------|")
    for (code, kind), n in sorted(counts.items()):
        print(f"| {code} | {kind} | {n} |")
    print("\n| file | code | line:col | change | before | after | reason |")
    print("|------|------|----------|--------|--------|-------|--------|")
    for (file, code, line, col), kind, o, n in rows:
        if kind == "witness":
            continue
        before = f"{o['severity']}: {short(o['message'])}" if o else ""
        after = f"{n['severity']}: {short(n['message'])}" if n else ""
        print(f"| {file} | {code} | {line}:{col} | {kind} | {before} | {after} | "
              f"{reason(kind, o, n)} |")
    witnessed = sum(1 for _, kind, _, _ in rows if kind == "witness")
    print(f"\n{witnessed} findings are unchanged but for the new `witness` field.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
