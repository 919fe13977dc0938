#!/usr/bin/env python3
"""Convert s3-access scenario files (inline policies only) into iam-simulate vectors.

    python3 scripts/difftest/scenario2vectors.py SCENARIO.json... > vectors.jsonl
    node /work/shared/peers/wrappers/iam-simulate.mjs vectors vectors.jsonl

Each request becomes one vector with the context keys AWS sets for every request filled in the way
s3-access fills its defaults (iam-simulate adds none), then the request's own `context` on top.
Layers that cannot apply to the caller are left out as gen.py does; RCP levels lose the
RCPFullAWSAccess statement iam-simulate adds itself. Used to run the reproductions in repro/ through
the peer. Python 3 standard library only.
"""

import json
import os
import random
import re
import sys

sys.dont_write_bytecode = True  # nothing written next to the scripts
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen  # noqa: E402


def caller_of(principal):
    rng = random.Random(0)
    if principal == "anonymous":
        return gen.caller_profile("anonymous", None, rng)
    m = re.fullmatch(r"(?:arn:aws:iam::)?(\d{12})(?::root)?", principal)
    if m:
        return gen.caller_profile("root", m.group(1), rng)
    m = re.fullmatch(r"arn:aws:iam::(\d{12}):role(/(?:[^/]+/)*)?([^/]+)", principal)
    if m:
        return gen.caller_profile("role", m.group(1), rng, role=m.group(3), path=m.group(2) or "/")
    if not principal.startswith("arn:"):
        return gen.caller_profile("service", None, rng, name=principal)
    return gen.caller_from_principal(principal, rng)


def vectors(path):
    s = json.load(open(path))
    base = s.get("policies", {})
    owner = s.get("bucket_owner")
    time_iso = s.get("time", "2026-01-01T00:00:00Z")
    for i, r in enumerate(s["requests"]):
        pol = dict(base)
        pol.update(r.get("policies", {}))
        caller = caller_of(r["principal"])
        kind = caller["kind"]
        own = r.get("bucket_owner", owner) or caller.get("account")
        ctx = {"aws:SecureTransport": "true", "aws:CurrentTime": time_iso, "aws:EpochTime": gen.fmt_epoch(time_iso),
               "aws:ViaAWSService": "false"}
        ctx.update(caller["ctx"])
        ctx["aws:ResourceAccount"] = own
        if r["action"].lower().startswith("s3:"):
            ctx["s3:ResourceAccount"] = own
        ctx.update(r.get("context", {}))
        vp = {}
        if "bucket" in pol:
            vp["resource"] = pol["bucket"]
        slr = "/aws-service-role/" in str(ctx.get("aws:PrincipalArn", ""))
        if kind in ("user", "session", "role", "federated"):
            if pol.get("identity"):
                vp["identity"] = pol["identity"]
            if pol.get("permissions_boundary"):
                vp["permission_boundary"] = [pol["permissions_boundary"]]
        if kind in ("session", "role", "federated") and pol.get("session"):
            vp["session"] = pol["session"]
        as_level = lambda lv: lv if isinstance(lv, list) else [lv]
        if kind not in ("anonymous", "service") and pol.get("scp") and not slr:
            vp["scp"] = [{"org": f"scp-level-{j}", "policies": as_level(lv)} for j, lv in enumerate(pol["scp"])]
        if pol.get("rcp") and not slr:
            vp["rcp"] = [{"org": f"rcp-level-{j}", "policies": [p for p in as_level(lv) if p != gen.RCP_FULL_ACCESS]}
                         for j, lv in enumerate(pol["rcp"])]
        yield {"id": r.get("name", f"{os.path.basename(path)}#{i}"),
               "request": {"principal": {"anonymous": True} if kind == "anonymous" else caller["principal"],
                           "action": r["action"], "resource": r["resource"], "resource_account": own, "context": ctx},
               "policies": vp}


def main():
    for p in sys.argv[1:]:
        for v in vectors(p):
            print(json.dumps(v))


if __name__ == "__main__":
    main()
