#!/usr/bin/env python3
"""Confirm the classification of disagreements by counterfactuals on the peer's input.

For each disagreement whose class says "iam-simulate differs from the documentation" (or "the
documents leave it open"), rewrite the vector so that the documented reading is spelled out in a
form iam-simulate handles (e.g. `arn:aws:s3:::*` -> `*` for an action without a resource type, an
epoch date written as ISO 8601, an unresolvable variable replaced by a value that cannot match),
run iam-simulate again, and count how many disagreements turn into agreement. A class whose
disagreements all flip is explained by that one difference and nothing else.

    python3 scripts/difftest/confirm.py --dir OUT_DIR [--peers /work/shared/peers]

Writes OUT_DIR/confirm.json and prints a table. Python 3 standard library only.
"""

import argparse
import collections
import copy
import datetime
import ipaddress
import json
import os
import re
import subprocess
import sys

sys.dont_write_bytecode = True  # nothing written next to the scripts
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from classify import VAR_RE, as_list, ctx_get, statements  # noqa: E402

NULL = "__no-value-here__"


def docs(pol):
    out = []
    if pol.get("resource"):
        out.append(pol["resource"])
    out += pol.get("identity", []) + pol.get("permission_boundary", [])
    if pol.get("session"):
        out.append(pol["session"])
    for lv in pol.get("scp", []) + pol.get("rcp", []):
        out += lv["policies"]
    return out


def edit_statements(pol, fn):
    for d in docs(pol):
        sts = d.get("Statement")
        if isinstance(sts, dict):
            fn(sts)
        elif isinstance(sts, list):
            for s in sts:
                if isinstance(s, dict):
                    fn(s)


def resolve(value, ctx):
    """Substitute the variables the context resolves; unresolvable ones become NULL text."""
    def rep(m):
        inner = m.group(1)
        if inner in ("*", "?", "$"):
            return m.group(0)
        name, _, default = inner.partition(",")
        v = ctx_get(ctx, name.strip())
        if isinstance(v, str):
            return v
        d = default.strip()
        if d.startswith("'") and d.endswith("'"):
            return d[1:-1]
        return NULL
    return VAR_RE.sub(rep, value)


def t_arn_star(v):
    def fn(st):
        for el in ("Resource", "NotResource"):
            if el in st:
                st[el] = ["*" if re.fullmatch(r"arn:aws:s3:::\*+", r) else r for r in as_list(st[el])]
    edit_statements(v["policies"], fn)


def t_dates(v):
    ctx = v["request"]["context"]

    def to_fmt(val, like):
        epoch_like = bool(re.fullmatch(r"-?\d+(\.\d+)?", str(like)))
        s = str(val)
        if re.fullmatch(r"-?\d+(\.\d+)?", s):
            t = datetime.datetime.fromtimestamp(float(s), datetime.timezone.utc)
        else:
            s2 = s.replace("Z", "+00:00")
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", s2):
                s2 += "T00:00:00+00:00"
            t = datetime.datetime.fromisoformat(s2)
            if t.tzinfo is None:
                t = t.replace(tzinfo=datetime.timezone.utc)
        if epoch_like:
            return str(int(t.timestamp()))
        return t.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

    def fn(st):
        for op, kv in (st.get("Condition") or {}).items():
            if "Date" in op and isinstance(kv, dict):
                for k in kv:
                    rv = ctx_get(ctx, k)
                    if rv is not None:
                        kv[k] = [to_fmt(x, rv if isinstance(rv, str) else rv[0]) for x in as_list(kv[k])]
    edit_statements(v["policies"], fn)


def t_literal_variables(v):
    for d in docs(v["policies"]):
        if d.get("Version") != "2012-10-17":
            d["Version"] = "2012-10-17"
            text = json.dumps(d.get("Statement"))
            # `${$}` is the documented escape for a literal `$`.
            text = text.replace("${", "${$}{")
            d["Statement"] = json.loads(text)


def t_resolve_variables(v):
    ctx = v["request"]["context"]

    def fn(st):
        for el in ("Resource", "NotResource"):
            if el in st:
                st[el] = [resolve(r, ctx) if isinstance(r, str) else r for r in as_list(st[el])]
        for op, kv in (st.get("Condition") or {}).items():
            if isinstance(kv, dict):
                for k in kv:
                    kv[k] = [resolve(x, ctx) if isinstance(x, str) else x for x in as_list(kv[k])]
    edit_statements(v["policies"], fn)


def t_root_full_access(v):
    # The root user's implicit full access in its own account, written as an identity policy.
    v["policies"]["identity"] = [{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}]


def t_drop_session_policy(v):
    v["policies"].pop("session", None)


def t_empty_session_policy(v):
    # GetFederationToken without a session policy: a session that may do nothing.
    v["policies"]["session"] = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetBucketLocation", "Resource": "arn:aws:s3:::no-such-bucket-for-this-session"}]}


def t_lockout(v):
    pol = v["policies"]
    if pol.get("resource"):
        pol["resource"] = {"Version": "2012-10-17", "Statement": [s for s in statements(pol["resource"]) if s.get("Effect") == "Allow"] or
                           [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999999999999:root"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::x/*"}]}
    t_root_full_access(v)


def t_ip(v):
    def norm(c):
        try:
            n = ipaddress.ip_network(c, strict=False)
        except ValueError:
            return c
        if n.version == 6 and n.network_address.ipv4_mapped:
            return n.compressed
        return c if "/" in c else f"{c}/{n.prefixlen}"

    def fn(st):
        for op, kv in (st.get("Condition") or {}).items():
            if "IpAddress" in op and isinstance(kv, dict):
                for k in kv:
                    kv[k] = [norm(str(x)) for x in as_list(kv[k])]
    edit_statements(v["policies"], fn)


TRANSFORMS = {
    "resourceless-action-s3-arn-star": t_arn_star,
    "date-epoch-vs-iso": t_dates,
    "version-2008-literal-variables": t_literal_variables,
    "unresolved-variable-in-notresource": t_resolve_variables,
    "unresolved-variable-negated-condition": t_resolve_variables,
    "root-same-account": t_root_full_access,
    "root-cross-account": t_root_full_access,
    "root-bucket-policy-lockout": t_lockout,
    "session-arn-grant-vs-session-policy": t_drop_session_policy,
    "everyone-grant-vs-session-policy": t_drop_session_policy,
    "federated-user-without-session-policy": t_empty_session_policy,
    "ipv4-mapped-ipv6-notation": t_ip,
    "not-ip-address-bare-ipv4-vs-ipv6-caller": t_ip,
}


def run_peer(peers, path, vecs):
    with open(path, "w") as f:
        for v in vecs:
            f.write(json.dumps(v) + "\n")
    out = subprocess.run(["node", os.path.join(peers, "wrappers", "iam-simulate.mjs"), "vectors", path],
                         capture_output=True, text=True, check=True).stdout
    peer = {}
    for line in out.splitlines():
        if line.startswith("{"):
            p = json.loads(line)
            peer[p["id"]] = p.get("decision")
    return peer


def all_transforms(r):
    """Every counterfactual at once (for disagreements with two causes, e.g. a root caller and
    an epoch date); the root one only for root callers, the session one only with a session policy."""
    v = {"id": r["id"], "request": copy.deepcopy(r["request"]), "policies": copy.deepcopy(r["policies"])}
    for name, fn in TRANSFORMS.items():
        if name.startswith("root-") or "session-policy" in name:
            continue
        fn(v)
    if r["meta"]["caller_kind"] == "root":
        t_root_full_access(v)
    if r["class"].endswith("vs-session-policy"):
        t_drop_session_policy(v)
    if r["meta"]["caller_kind"] == "federated" and "session" not in r["policies"]:
        t_empty_session_policy(v)
    return v


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--peers", default=os.environ.get("PEERS", "/work/shared/peers"))
    args = ap.parse_args()
    recs = [json.loads(line) for line in open(os.path.join(args.dir, "disagreements.jsonl"))]
    vecs = []
    for r in recs:
        fn = TRANSFORMS.get(r["class"])
        if not fn:
            continue
        v = {"id": r["id"], "request": copy.deepcopy(r["request"]), "policies": copy.deepcopy(r["policies"])}
        fn(v)
        vecs.append(v)
    peer = run_peer(args.peers, os.path.join(args.dir, "confirm-vectors.jsonl"), vecs)
    # Second pass: the ones that did not flip, with every counterfactual applied.
    again = [all_transforms(r) for r in recs if r["class"] in TRANSFORMS and peer.get(r["id"]) != r["ours"]]
    peer2 = run_peer(args.peers, os.path.join(args.dir, "confirm-vectors-2.jsonl"), again) if again else {}
    tally = collections.defaultdict(lambda: collections.Counter())
    residual = {}
    for r in recs:
        if r["class"] not in TRANSFORMS:
            tally[r["class"]]["no counterfactual"] += 1
            continue
        d = peer.get(r["id"])
        if d == r["ours"]:
            tally[r["class"]]["flips to ours"] += 1
        elif peer2.get(r["id"]) == r["ours"]:
            tally[r["class"]]["flips with the other known differences too"] += 1
        else:
            tally[r["class"]][f"still {d}"] += 1
            residual.setdefault(r["class"], []).append(r["id"])
    res = {c: dict(t) for c, t in sorted(tally.items(), key=lambda x: -sum(x[1].values()))}
    for c, ids in residual.items():
        res[c]["residual_ids"] = ids
    json.dump(res, open(os.path.join(args.dir, "confirm.json"), "w"), indent=1)
    print("class: counterfactual outcome on iam-simulate")
    for c, t in res.items():
        print(f"  {c}: " + ", ".join(f"{k} {v}" for k, v in t.items() if k != "residual_ids"))
        if t.get("residual_ids"):
            print(f"      not explained: {' '.join(t['residual_ids'][:12])}")


if __name__ == "__main__":
    main()
