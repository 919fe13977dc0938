#!/usr/bin/env python3
"""Compares `s3-access public` with iam-simulate's probe and policyuniverse on a folder of
bucket policies, and sorts every disagreement into a class with its reason.

    scripts/public-compare/run.sh [DIR]          # runs all three tools, then this script
    compare.py --ours OURS.json --sim SIM.jsonl --sim-bpa SIMBPA.jsonl --pu PU.jsonl

Python 3 standard library only; nothing is written into the repository.
"""
import argparse, collections, json, os, sys

def load_jsonl(path):
    out = {}
    for line in open(path):
        line = line.strip()
        if not line.startswith("{"):
            continue
        d = json.loads(line)
        if "id" in d:
            out[os.path.basename(d["id"])] = d
    return out

IDENTITY_KEYS = {k.lower() for k in [
    "aws:SourceIp", "aws:SourceArn", "aws:SourceVpc", "aws:SourceVpce", "aws:SourceOwner",
    "aws:SourceAccount", "s3:x-amz-server-side-encryption-aws-kms-key-id", "aws:userid",
    "s3:DataAccessPointArn", "s3:DataAccessPointAccount", "aws:PrincipalOrgID",
    "aws:PrincipalAccount", "aws:PrincipalArn", "aws:PrincipalOrgPaths",
    "aws:PrincipalIsAWSService", "aws:PrincipalServiceName", "aws:PrincipalServiceNamesList",
    "aws:SourceVpcArn", "aws:VpceAccount", "aws:VpceOrgID", "aws:VpceOrgPaths"]}

def classify(policy, ours_public, probe_public, pu_public):
    """The reason for a disagreement, judged from the policy's own statements."""
    sts = policy.get("Statement", [])
    sts = sts if isinstance(sts, list) else [sts]
    allows = [s for s in sts if s.get("Effect") == "Allow"]
    denies = [s for s in sts if s.get("Effect") == "Deny"]
    def everyone(s):
        p = s.get("Principal")
        return p == "*" or (isinstance(p, dict) and (p.get("AWS") == "*" or (isinstance(p.get("AWS"), list) and "*" in p["AWS"])))
    keys = lambda s: {k.lower() for op in (s.get("Condition") or {}).values() for k in op}
    star_allows = [s for s in allows if everyone(s) or "NotPrincipal" in s]
    if ours_public and not probe_public:
        if any("NotPrincipal" in s for s in star_allows):
            return "A-not-principal", "NotPrincipal with Allow is public by definition; the probe's callers are among those listed or the probe did not reach it"
        if star_allows and all(keys(s) and not (keys(s) & IDENTITY_KEYS) for s in star_allows):
            return "A-non-identity-condition", "the `*` statements are limited only by keys that do not identify the caller (aws:SecureTransport, aws:Referer, tags, time ...); AWS calls that public, the probe's fixed context does not satisfy them"
        if star_allows and any(keys(s) & IDENTITY_KEYS for s in star_allows):
            return "A-identity-key-not-fixed", "a `*` statement uses an identity key, but with a wildcard, a negated or ...IfExists operator, a broad CIDR or ForAllValues, which does not make it non-public; the probe's context does not match it"
        if denies:
            return "A-deny-narrows", "a Deny statement stops the probe's anonymous request; Deny statements never make a policy non-public (BPA definition)"
        return "A-probe-misses-action-or-resource", "the public statement grants actions or resources the probe matrix does not try"
    if probe_public and not ours_public:
        return "B-probe-public-ours-not", "anonymous request allowed by the probe while s3-access says not public"
    if ours_public and not pu_public:
        return "C-policyuniverse-narrower", "policyuniverse's older heuristic treats some conditions as restricting (e.g. /1 CIDRs, any condition it does not parse)"
    return "D-policyuniverse-wider", "policyuniverse flags a statement s3-access judges restricted"

def main():
    a = argparse.ArgumentParser()
    for f in ("ours", "sim", "sim-bpa", "pu", "dir"):
        a.add_argument("--" + f, required=True)
    a.add_argument("--refused", default="")
    a.add_argument("--out", default="")
    args = a.parse_args()
    ours = {os.path.basename(b["source"]): b for b in json.load(open(args.ours))["buckets"]}
    sim, simb, pu = load_jsonl(args.sim), load_jsonl(args.sim_bpa), load_jsonl(args.pu)
    files = sorted(f for f in os.listdir(args.dir) if f.endswith(".json"))
    refused = [f for f in files if f not in ours]
    rows, classes = [], collections.Counter()
    agree_probe = agree_pu = agree_cls = n = 0
    for f in files:
        if f not in ours:
            continue
        n += 1
        o = ours[f]["verdict"] == "public"
        probe = bool(sim.get(f, {}).get("public"))
        p = bool(pu.get(f, {}).get("internet_accessible"))
        # iam-simulate's own BPA classifier, seen through RestrictPublicBuckets: grants to
        # anonymous or cross-account callers that vanish under --bpa were judged public.
        plain = sim.get(f, {}); bpa = simb.get(f, {})
        granted = len(plain.get("anonymous_allowed", [])) + len(plain.get("cross_account_allowed", []))
        kept = len(bpa.get("anonymous_allowed", [])) + len(bpa.get("cross_account_allowed", []))
        cls = None if granted == 0 else (kept < granted)
        agree_probe += o == probe
        agree_pu += o == p
        if cls is not None:
            agree_cls += o == cls
        policy = json.load(open(os.path.join(args.dir, f)))
        if isinstance(policy.get("Policy"), str):
            policy = json.loads(policy["Policy"])
        if o != probe or o != p:
            c, why = classify(policy, o, probe, p)
            classes[c] += 1
            rows.append({"file": f, "ours": ours[f]["verdict"], "iam_simulate_probe": probe,
                         "iam_simulate_classifier": cls, "policyuniverse": p, "class": c, "why": why,
                         "reasons": ours[f]["reasons"]})
    cls_n = sum(1 for f in files if f in ours and (len(sim.get(f, {}).get("anonymous_allowed", [])) + len(sim.get(f, {}).get("cross_account_allowed", []))) > 0)
    print(f"policies: {len(files)}, judged by s3-access: {n}, refused as invalid: {len(refused)}")
    print(f"s3-access public: {sum(1 for f in ours if ours[f]['verdict'] == 'public')}")
    print(f"agreement with iam-simulate's anonymous probe: {agree_probe}/{n} ({100*agree_probe/max(n,1):.1f} %)")
    print(f"agreement with iam-simulate's BPA classifier (where observable, {cls_n} policies): {agree_cls}/{cls_n}")
    print(f"agreement with policyuniverse: {agree_pu}/{n} ({100*agree_pu/max(n,1):.1f} %)")
    for c, k in sorted(classes.items()):
        print(f"  {c}: {k}")
    if args.out:
        with open(args.out, "w") as fh:
            for r in rows:
                fh.write(json.dumps(r) + "\n")
            for f in refused:
                fh.write(json.dumps({"file": f, "class": "refused"}) + "\n")

if __name__ == "__main__":
    main()
