"""Cluster a disagreement between s3-access and iam-simulate into a class.

classify(rec) looks at the request, the policies and s3-access's trace (the statements it matched,
and the first element that failed for the others) and returns the name of the first class whose
rule fits. The classes and their verdicts are described in docs/differential.md; CLASSES below
holds a one-line description of each. Python 3 standard library only.
"""

import re

CLASSES = {
    "root-same-account": "caller is the bucket owner's root user: s3-access allows without any policy, iam-simulate has no root-user rule",
    "root-cross-account": "caller is another account's root user named by the bucket policy: s3-access needs no identity policy for it, iam-simulate does",
    "root-bucket-policy-lockout": "bucket owner's root user calls Get/Put/DeleteBucketPolicy despite a bucket-policy Deny",
    "resourceless-action-s3-arn-star": "D15: an action without resource type (resource `*`) against a statement whose Resource is `arn:aws:s3:::*`",
    "date-epoch-vs-iso": "D16: a Date condition compares an epoch value with an ISO 8601 value (or the reverse)",
    "version-2008-literal-variables": "policy Version 2008-10-17 (or none): `${...}` is literal text for s3-access, substituted by iam-simulate",
    "unresolved-variable-in-notresource": "a NotResource entry with a policy variable the request cannot resolve",
    "unresolved-variable-negated-condition": "D4: a negated condition operator against a policy variable the request cannot resolve",
    "session-arn-grant-vs-session-policy": "D1: same-account bucket-policy grant naming the session ARN, session policy does not allow",
    "everyone-grant-vs-session-policy": "D2: same-account bucket-policy grant to everyone (Principal `*`, or an Allow NotPrincipal) while the session policy does not allow",
    "federated-user-vs-parent-user-arn": "federated-user caller, bucket policy names the IAM user of the same name (iam-simulate takes it for the user who federated)",
    "notprincipal-deny-with-boundary-ignores-action-resource": "caller has a permissions boundary: s3-access applies a NotPrincipal Deny of the bucket policy whatever its Action and Resource",
    "notprincipal-deny-with-boundary-ignores-condition": "caller has a permissions boundary: s3-access applies a NotPrincipal Deny of the bucket policy whatever its Condition",
    "notprincipal-deny-role-and-account-listed": "bucket-policy Deny whose NotPrincipal lists the caller's role and account but not its session ARN",
    "notprincipal-deny-account-not-listed": "bucket-policy Deny whose NotPrincipal lists the caller (or its role) but not its account",
    "notprincipal-deny-only-account-listed": "bucket-policy Deny whose NotPrincipal lists the caller's account but not the caller (nor its role)",
    "notprincipal-deny-other": "bucket-policy Deny with NotPrincipal, other combinations",
    "notprincipal-allow-grants-listed-principal": "bucket-policy Allow with NotPrincipal: s3-access grants to a principal the NotPrincipal lists",
    "service-linked-role-session": "caller is a session of a service-linked role given by its session ARN (SCPs/RCPs do not apply to it)",
    "ipv4-mapped-ipv6-notation": "an IPv4-mapped IPv6 CIDR written with a dotted quad (::ffff:203.0.113.0/120) against the same address in hex notation",
    "principal-arn-case": "the caller's ARN differs only in letter case from a principal ARN of the bucket policy",
    "not-ip-address-bare-ipv4-vs-ipv6-caller": "NotIpAddress with a bare IPv4 address (no /prefix) for a caller with an IPv6 aws:SourceIp",
    "federated-user-without-session-policy": "federated-user caller (GetFederationToken) and no session policy: s3-access grants nothing, iam-simulate evaluates the user's identity policies alone",
    "unclassified": "no rule fits yet",
}

# Verdict per class (see docs/differential.md): who is right according to the AWS documentation.
#   ours-bug      s3-access contradicts the documentation (or cannot be told what it needs)
#   peer-differs  iam-simulate contradicts the documentation (s3-access follows it)
#   ambiguous     the documentation does not settle it
VERDICT = {
    "root-same-account": "peer-differs",
    "root-cross-account": "peer-differs",
    "root-bucket-policy-lockout": "peer-differs",
    "resourceless-action-s3-arn-star": "peer-differs",
    "date-epoch-vs-iso": "peer-differs",
    "version-2008-literal-variables": "peer-differs",
    "unresolved-variable-in-notresource": "peer-differs",
    "unresolved-variable-negated-condition": "peer-differs",
    "session-arn-grant-vs-session-policy": "peer-differs",
    "federated-user-without-session-policy": "peer-differs",
    "ipv4-mapped-ipv6-notation": "peer-differs",
    "not-ip-address-bare-ipv4-vs-ipv6-caller": "peer-differs",
    "everyone-grant-vs-session-policy": "ambiguous",
    "notprincipal-deny-account-not-listed": "ambiguous",
    "notprincipal-deny-only-account-listed": "ambiguous",
    "principal-arn-case": "ambiguous",
    "notprincipal-deny-with-boundary-ignores-action-resource": "ours-bug",
    "notprincipal-deny-with-boundary-ignores-condition": "ours-bug",
    "notprincipal-allow-grants-listed-principal": "ours-bug",
    "notprincipal-deny-role-and-account-listed": "ours-bug",
    "service-linked-role-session": "ours-bug",
    "federated-user-vs-parent-user-arn": "ours-bug",
}


def verdict(cls):
    return VERDICT.get(cls, "unknown")


VAR_RE = re.compile(r"\$\{([^}]*)\}")
NEGATED = ("StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "ArnNotEquals", "ArnNotLike",
           "NumericNotEquals", "DateNotEquals", "NotIpAddress")


def as_list(v):
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


def statements(doc):
    if not isinstance(doc, dict):
        return []
    s = doc.get("Statement", [])
    return [x for x in as_list(s) if isinstance(x, dict)]


def ctx_get(ctx, key):
    for k, v in ctx.items():
        if k.lower() == key.lower():
            return v
    return None


def unresolved(value, ctx):
    """Variables in `value` that the request context cannot resolve (no default given)."""
    out = []
    for m in VAR_RE.finditer(str(value)):
        inner = m.group(1)
        if inner in ("*", "?", "$"):
            continue
        name, _, default = inner.partition(",")
        if default.strip():
            continue
        if ctx_get(ctx, name.strip()) is None:
            out.append(name.strip())
    return out


def involved(rec):
    """Statements s3-access matched, or rejected only on a condition (principal, action and
    resource matched): those whose evaluation can differ between the tools."""
    out = []
    for t in rec.get("ours_trace") or []:
        if t.get("outcome") == "matched":
            out.append((t["layer"], t.get("statement") or {}, "matched"))
        elif t.get("statement"):
            out.append((t["layer"], t["statement"], "condition: " + str(t.get("mismatch", ""))))
    return out


def all_statements(rec):
    pol = rec["policies"]
    out = []
    if pol.get("resource"):
        out += [("bucket", s) for s in statements(pol["resource"])]
    for d in pol.get("identity", []):
        out += [("identity", s) for s in statements(d)]
    for d in pol.get("permission_boundary", []):
        out += [("permissions-boundary", s) for s in statements(d)]
    if pol.get("session"):
        out += [("session", s) for s in statements(pol["session"])]
    for lv in pol.get("scp", []):
        for d in lv["policies"]:
            out += [("scp", s) for s in statements(d)]
    for lv in pol.get("rcp", []):
        for d in lv["policies"]:
            out += [("rcp", s) for s in statements(d)]
    return out


def docs_with_old_version(rec):
    pol = rec["policies"]
    docs = [pol.get("resource")] + pol.get("identity", []) + pol.get("permission_boundary", []) + [pol.get("session")]
    for lv in pol.get("scp", []) + pol.get("rcp", []):
        docs += lv["policies"]
    return [d for d in docs if isinstance(d, dict) and d.get("Version") != "2012-10-17" and "${" in str(d)]


def is_epoch(v):
    return bool(re.fullmatch(r"-?\d+(\.\d+)?", str(v)))


def mixed_date(st, ctx):
    for op, kv in (st.get("Condition") or {}).items():
        if "Date" not in op or not isinstance(kv, dict):
            continue
        for k, vals in kv.items():
            rv = ctx_get(ctx, k)
            if rv is None:
                continue
            for v in as_list(vals):
                if is_epoch(v) != is_epoch(rv if isinstance(rv, str) else rv[0]):
                    return True
    return False


def glob(pattern, value, case=True):
    rx = "^" + re.escape(pattern).replace(r"\*", ".*").replace(r"\?", ".") + "$"
    return re.match(rx, value, 0 if case else re.I) is not None


def action_matches(st, action):
    if "Action" in st:
        return any(glob(a, action, False) for a in as_list(st["Action"]))
    return not any(glob(a, action, False) for a in as_list(st.get("NotAction")))


def resource_matches(st, resource):
    """Resource/NotResource match, ignoring entries with policy variables (unknown here)."""
    if "Resource" in st:
        rs = as_list(st["Resource"])
        return any("${" in r or glob(r, resource) for r in rs)
    rs = [r for r in as_list(st.get("NotResource")) if "${" not in r]
    return not any(glob(r, resource) for r in rs)


def listed(notprincipal, principal, account):
    """Which identities of the caller's chain a NotPrincipal element lists."""
    aws = as_list(notprincipal.get("AWS")) if isinstance(notprincipal, dict) else []
    f = {"account": False, "role": False, "exact": False}
    p = principal if isinstance(principal, str) else ""
    m = re.match(r"arn:aws:sts::(\d{12}):assumed-role/([^/]+)/", p)
    role = m.group(2) if m else None
    m2 = re.match(r"arn:aws:iam::(\d{12}):role/(?:.*/)?([^/]+)$", p)
    if m2:
        role = m2.group(2)
    for a in aws:
        if a == "*":
            f["account"] = f["role"] = f["exact"] = True
        elif account and a in (account, f"arn:aws:iam::{account}:root"):
            f["account"] = True
        elif a == p:
            f["exact"] = True
        elif role and account and re.fullmatch(rf"arn:aws:iam::{account}:role/(?:.*/)?{re.escape(role)}", a, re.I):
            f["role"] = True
    return f


def peer_statements(rec):
    """(layer, statement) of the grants and explicit denials iam-simulate reports."""
    pol = rec["policies"]
    out = []
    for e in rec.get("peer_explain") or []:
        for g in (e.get("grants") or []) + (e.get("denials") or []):
            t, pid, idx = g.get("policyType"), g.get("policyIdentifier"), g.get("statementIndex")
            doc, layer = None, None
            if t == "identity" and pid and pid.startswith("identity"):
                docs = pol.get("identity", [])
                i = int(pid[8:])
                doc, layer = (docs[i] if i < len(docs) else None), "identity"
            elif t == "resource":
                doc, layer = pol.get("resource"), "bucket"
            elif t == "session":
                doc, layer = pol.get("session"), "session"
            elif t in ("pb", "permissionBoundary"):
                doc, layer = (pol.get("permission_boundary") or [None])[0], "permissions-boundary"
            if doc is None or not idx:
                continue
            sts = statements(doc)
            if 0 < idx <= len(sts):
                out.append((layer, sts[idx - 1]))
    return out


def classify(rec, skip=()):
    """The first class whose rule fits, leaving out the classes in `skip`."""
    req = rec["request"]
    ctx = req.get("context") or {}
    meta = rec["meta"]
    kind = meta["caller_kind"]
    ours, peer = rec["ours"], rec["peer"]
    same = meta.get("caller_account") is not None and meta.get("caller_account") == meta.get("owner")
    both = involved(rec)
    matched = [x for x in both if x[2] == "matched"]
    matched_bucket = [s for l, s, _ in matched if l == "bucket"]

    if kind == "root":
        if ours != "explicit-deny" and peer == "explicit-deny" and same and req["action"].lower() in (
                "s3:getbucketpolicy", "s3:putbucketpolicy", "s3:deletebucketpolicy"):
            if "root-bucket-policy-lockout" not in skip:
                return "root-bucket-policy-lockout"
    if kind == "federated" and ours == "implicit-deny" and peer == "allow" and "session" not in rec["policies"]:
        if "federated-user-without-session-policy" not in skip:
            return "federated-user-without-session-policy"
    # Differences in how a statement matches come first: they also apply to root callers.
    peer_sts = peer_statements(rec)
    if req["resource"] == "*":
        for layer, st in [(l, s) for l, s, _ in matched] + peer_sts:
            for el in ("Resource", "NotResource"):
                res = as_list(st.get(el))
                if res and "*" not in res and any(re.fullmatch(r"arn:aws:s3:::\*+", r) for r in res):
                    if "resourceless-action-s3-arn-star" not in skip:
                        return "resourceless-action-s3-arn-star"
    for layer, st, how in both:
        if (how == "matched" or "`Date" in how) and mixed_date(st, ctx):
            if "date-epoch-vs-iso" not in skip:
                return "date-epoch-vs-iso"
    for layer, st in [(l, s) for l, s, _ in both] + peer_sts:
        for op, kv in (st.get("Condition") or {}).items():
            if "IpAddress" in op and isinstance(kv, dict):
                vals = [str(v) for vs in kv.values() for v in as_list(vs)]
                if any(":" in v and "." in v for v in vals):
                    if "ipv4-mapped-ipv6-notation" not in skip:
                        return "ipv4-mapped-ipv6-notation"
                sip = str(ctx_get(ctx, "aws:SourceIp") or "")
                if "NotIpAddress" in op and ":" in sip and any("/" not in v and "." in v for v in vals):
                    if "not-ip-address-bare-ipv4-vs-ipv6-caller" not in skip:
                        return "not-ip-address-bare-ipv4-vs-ipv6-caller"
    p = req["principal"] if isinstance(req["principal"], str) else ""
    for layer, st in [(l, s) for l, s, _ in both] + peer_sts:
        pr = st.get("Principal") or st.get("NotPrincipal")
        for a in (as_list(pr.get("AWS")) if isinstance(pr, dict) else []):
            if a != p and a.lower() == p.lower():
                if "principal-arn-case" not in skip:
                    return "principal-arn-case"
    old_docs = docs_with_old_version(rec)
    if old_docs:
        old_sts = [s for d in old_docs for s in statements(d) if "${" in str(s)]
        if any(st in old_sts for _, st, _ in both) or any(st in old_sts for _, st in peer_sts) \
                or (peer == "explicit-deny" and any(st.get("Effect") == "Deny" and action_matches(st, req["action"])
                                                     for st in old_sts)):
            if "version-2008-literal-variables" not in skip:
                return "version-2008-literal-variables"
    for layer, st, _ in matched:
        if any(unresolved(r, ctx) for r in as_list(st.get("NotResource"))):
            if "unresolved-variable-in-notresource" not in skip:
                return "unresolved-variable-in-notresource"
    for layer, st, _ in matched:
        for op, kv in (st.get("Condition") or {}).items():
            base = op.split(":")[-1].replace("IfExists", "")
            if base in NEGATED and isinstance(kv, dict) and any(unresolved(v, ctx) for vals in kv.values() for v in as_list(vals)):
                if "unresolved-variable-negated-condition" not in skip:
                    return "unresolved-variable-negated-condition"
    principal_arn = str(ctx_get(ctx, "aws:PrincipalArn") or "")
    if kind in ("session", "role") and "/aws-service-role/" in principal_arn:
        if "service-linked-role-session" not in skip:
            return "service-linked-role-session"
    if kind == "root" and ours == "allow" and peer == "implicit-deny":
        name = "root-same-account" if same else "root-cross-account"
        if name not in skip:
            return name
    if ours == "explicit-deny" and peer != "explicit-deny" and rec["policies"].get("permission_boundary"):
        for layer, st, _ in matched:
            if layer == "bucket" and st.get("Effect") == "Deny" and "NotPrincipal" in st:
                f = listed(st["NotPrincipal"], req["principal"], meta.get("caller_account"))
                # s3-access's own rule excludes the caller only when its whole chain is listed.
                excluded = f["account"] and f["exact"] and (kind not in ("session", "role") or f["role"])
                name = None
                if not excluded:
                    pass
                elif not (action_matches(st, req["action"]) and resource_matches(st, req["resource"])):
                    name = "notprincipal-deny-with-boundary-ignores-action-resource"
                elif st.get("Condition"):
                    name = "notprincipal-deny-with-boundary-ignores-condition"
                if name and name not in skip:
                    return name
    if ours == "explicit-deny" and peer != "explicit-deny":
        for layer, st, _ in matched:
            if layer == "bucket" and st.get("Effect") == "Deny" and "NotPrincipal" in st:
                f = listed(st["NotPrincipal"], req["principal"], meta.get("caller_account"))
                if kind in ("session", "role") and f["account"] and f["role"] and not f["exact"]:
                    name = "notprincipal-deny-role-and-account-listed"
                elif (f["exact"] or f["role"]) and not f["account"]:
                    name = "notprincipal-deny-account-not-listed"
                elif f["account"] and not (f["exact"] or f["role"]):
                    name = "notprincipal-deny-only-account-listed"
                elif rec["policies"].get("permission_boundary") and (f["exact"] or f["role"] or f["account"]):
                    name = None  # the boundary rule above
                elif not skip:
                    name = "notprincipal-deny-other"
                else:
                    name = None
                if name and name not in skip:
                    return name
    if ours == "allow" and peer != "allow":
        for layer, st, _ in matched:
            if layer == "bucket" and st.get("Effect") == "Allow" and "NotPrincipal" in st:
                f = listed(st["NotPrincipal"], req["principal"], meta.get("caller_account"))
                if f["exact"] or f["role"] or f["account"]:
                    if "notprincipal-allow-grants-listed-principal" not in skip:
                        return "notprincipal-allow-grants-listed-principal"
    if kind == "federated":
        m = re.match(r"arn:aws:sts::(\d{12}):federated-user/(.+)$", req["principal"])
        parent = f"arn:aws:iam::{m.group(1)}:user/{m.group(2)}" if m else None
        for layer, st in peer_sts:
            p = st.get("Principal")
            aws = as_list(p.get("AWS")) if isinstance(p, dict) else []
            if layer == "bucket" and parent in aws:
                if "federated-user-vs-parent-user-arn" not in skip:
                    return "federated-user-vs-parent-user-arn"
    if kind in ("session", "role", "federated") and same and ours == "allow" and peer == "implicit-deny" \
            and "session" in rec["policies"]:
        for st in matched_bucket:
            if st.get("Effect") != "Allow":
                continue
            p = st.get("Principal")
            aws = as_list(p.get("AWS")) if isinstance(p, dict) else []
            if p == "*" or "*" in aws or "NotPrincipal" in st:
                if "everyone-grant-vs-session-policy" not in skip:
                    return "everyone-grant-vs-session-policy"
            if any(a == req["principal"] for a in aws):
                if "session-arn-grant-vs-session-policy" not in skip:
                    return "session-arn-grant-vs-session-policy"
    return "unclassified"


def tags(rec):
    """Every class whose rule fits, first (primary) class first."""
    out = []
    while True:
        c = classify(rec, set(out))
        if c == "unclassified":
            return out or ["unclassified"]
        out.append(c)
