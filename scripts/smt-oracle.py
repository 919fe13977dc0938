#!/usr/bin/env python3
"""An independent SMT oracle for the exact engine (issue 11, item 6).

Draws a seeded sample of questions about real bucket policies (the shared corpus: bucket
policies found on GitHub and the AWS documentation's examples), encodes each question to SMT
with the z3 Python API, written from the AWS documentation's semantics (not from the engine),
and compares z3's sat/unsat with the engine's yes/no, asked through
`examples/exact_question.rs`. For every "yes" the engine's witness request is also checked
against the SMT constraints.

What is modelled (the same documents as `s3-access who-can` on a bucket policy file):
  - the bucket policy, and the caller's own identity policies allowing everything (Access
    Analyzer's reading, which `who-can` assumes when no identity policy is given);
  - the decision: an explicit Deny that matches wins (the bucket owner's root user is exempt
    from the bucket policy's Denies for Get/Put/DeleteBucketPolicy); an IAM principal of the
    bucket owner's account is allowed by its identity policy; anyone else needs an Allow of
    the bucket policy (cross-account: both sides, and the identity side allows); S3 serves
    Get/Put/DeleteBucketPolicy to the owner's account only;
  - no ACLs, Object Ownership or Block Public Access (a policy file carries none);
  - requests to the bucket itself (not through access points), at or after `now`.

Request variables: the caller (kind: anonymous, root, user, role session, federated user, AWS
service; its 12-digit account; its names), the action (a catalogue action authorized on a
bucket or object, or an `s3:` action the catalogue does not know), the resource (the bucket
ARN or an object ARN with a non-empty key) and every condition key the policy or question
names (present or absent; a value of its type; multi-valued keys as sets of up to 3 values).
Key availability follows the IAM global condition keys page: keys derived from the caller are
fixed by it; aws:SecureTransport and the request time are in every request; IAM-principal-only,
service-only and signed-only keys; S3 keys only for the actions the Service Authorization
Reference lists them for; a key AWS does not define is never present.

Questions the encoding cannot express are skipped and counted by reason.

Usage:
  python3 scripts/smt-oracle.py [--count 900] [--seed 11] [--corpus ../../shared/corpus]
      [--engine 'target/release/examples/exact_question'] [--verbose]
z3 comes from PyPI (`z3-solver`, scripts/smt-oracle-requirements.txt); when it is missing the
script creates a virtual environment in target/smt-venv, installs it there and re-runs itself.
"""

import argparse
import collections
import datetime
import glob
import ipaddress
import json
import os
import random
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def ensure_z3():
    try:
        import z3  # noqa: F401
        return
    except ImportError:
        pass
    venv = os.path.join(ROOT, "target", "smt-venv")
    python = os.path.join(venv, "bin", "python")
    if os.environ.get("SMT_ORACLE_VENV"):
        sys.exit("z3-solver is not importable even in " + venv)
    if not os.path.exists(python):
        subprocess.check_call([sys.executable, "-m", "venv", venv])
    req = os.path.join(HERE, "smt-oracle-requirements.txt")
    subprocess.check_call([python, "-m", "pip", "install", "-q", "-r", req])
    os.environ["SMT_ORACLE_VENV"] = "1"
    os.execv(python, [python] + sys.argv)


ensure_z3()
import z3  # noqa: E402

OWNER_DEFAULT = "111122223333"
NOW = 1_767_225_600
POLICY_OPS = {"s3:getbucketpolicy", "s3:putbucketpolicy", "s3:deletebucketpolicy"}

# Global condition keys (IAM "AWS global condition context keys" page): type and availability.
# availability: derived (from the caller), always, time, iam (IAM principals only), service
# (AWS service principals only), signed (not anonymous), free.
GLOBAL = {
    "aws:principalarn": ("ARN", "derived"),
    "aws:principalaccount": ("String", "derived"),
    "aws:principaltype": ("String", "derived"),
    "aws:userid": ("String", "derived"),
    "aws:username": ("String", "derived"),
    "aws:principalisawsservice": ("Bool", "derived"),
    "aws:principalservicename": ("String", "derived"),
    "aws:resourceaccount": ("String", "derived"),
    "aws:securetransport": ("Bool", "always"),
    "aws:viaawsservice": ("Bool", "always"),
    "aws:currenttime": ("Date", "time"),
    "aws:epochtime": ("Numeric", "time"),
    "aws:principalorgid": ("String", "iam"),
    "aws:principalorgpaths": ("ArrayOfString", "iam"),
    "aws:multifactorauthpresent": ("Bool", "iam"),
    "aws:multifactorauthage": ("Numeric", "iam"),
    "aws:tokenissuetime": ("Date", "iam"),
    "aws:federatedprovider": ("String", "iam"),
    "aws:sourceidentity": ("String", "iam"),
    "aws:rolesessionname": ("String", "iam"),
    "aws:ec2instancesourcevpc": ("String", "iam"),
    "aws:ec2instancesourceprivateipv4": ("IPAddress", "iam"),
    "aws:sourcearn": ("ARN", "service"),
    "aws:sourceaccount": ("String", "service"),
    "aws:sourceowner": ("String", "service"),
    "aws:sourceorgid": ("String", "service"),
    "aws:sourceorgpaths": ("ArrayOfString", "service"),
    "aws:calledvia": ("ArrayOfString", "signed"),
    "aws:calledviafirst": ("String", "signed"),
    "aws:calledvialast": ("String", "signed"),
    "aws:principalservicenameslist": ("ArrayOfString", "signed"),
    "aws:sourceip": ("IPAddress", "free"),
    "aws:sourcevpc": ("String", "free"),
    "aws:sourcevpce": ("String", "free"),
    "aws:vpcsourceip": ("IPAddress", "free"),
    "aws:referer": ("String", "free"),
    "aws:useragent": ("String", "free"),
    "aws:requestedregion": ("String", "free"),
    "aws:tagkeys": ("ArrayOfString", "free"),
    "aws:isMcpServiceAction".lower(): ("Bool", "free"),
}
PREFIXED_GLOBAL = {  # key prefixes with a tag part
    "aws:principaltag/": ("String", "iam"),
    "aws:requesttag/": ("String", "free"),
    "aws:resourcetag/": ("String", "free"),
}
ACCESS_POINT_KEYS = {"s3:dataaccesspointaccount", "s3:dataaccesspointarn", "s3:accesspointnetworkorigin"}
SIGNED_S3 = {"s3:signatureversion", "s3:signatureage"}

KINDS = ["anonymous", "root", "user", "session", "federated", "service"]
K = {k: i for i, k in enumerate(KINDS)}


class Skip(Exception):
    """A question the encoding cannot express: the reason."""


# ---------------------------------------------------------------- the catalogue

class Catalogue:
    def __init__(self, corpus):
        path = os.path.join(corpus, "s3-service-reference", "s3-reference.normalized.json")
        data = json.load(open(path))
        self.types = {}  # lower key or prefix -> type
        self.prefixes = {}
        for c in data["condition_keys"]:
            key = c["key"]
            head = re.split(r"\$\{|<", key)[0]
            if head != key:
                self.prefixes[head.lower()] = c["type"]
            else:
                self.types[key.lower()] = c["type"]
        self.actions = {}  # lower name -> (name, on_bucket, on_object, keys(lower, heads))
        for a in data["actions"]:
            types = {r["name"] for r in a["resource_types"]}
            keys = set(k.lower() for k in a["condition_keys"])
            for r in a["resource_types"]:
                keys |= set(k.lower() for k in r["condition_keys"])
            heads = {re.split(r"\$\{|<", k)[0] for k in keys}
            self.actions[a["action"].lower()] = (a["action"], "bucket" in types, "object" in types, heads)

    def key_info(self, lower):
        """(type, availability) of a key, or None when AWS does not define it."""
        if lower in GLOBAL:
            return GLOBAL[lower]
        for p, info in PREFIXED_GLOBAL.items():
            if lower.startswith(p) and len(lower) > len(p):
                return info
        if lower.startswith("s3:"):
            if lower in self.types:
                return (self.types[lower], "s3")
            for p, t in self.prefixes.items():
                if lower.startswith(p) and len(lower) > len(p):
                    return (t, "s3")
        return None

    def s3_key_for(self, lower_key, lower_action):
        a = self.actions.get(lower_action)
        if a is None:
            return True
        return any(lower_key == h or (h.endswith("/") and lower_key.startswith(h)) for h in a[3])

    def tried(self):
        """The catalogue actions the engine tries: authorized on a bucket or an object."""
        return {k: v for k, v in self.actions.items() if v[1] or v[2]}


# ---------------------------------------------------------------- wildcards as regexes

def ci_char(c):
    if c.lower() != c.upper():
        return z3.Union(z3.Re(c.lower()), z3.Re(c.upper()))
    return z3.Re(c)


def glob_re(pattern, case_insensitive=False, star=None):
    """An IAM wildcard pattern (`*` any run, `?` any one character) as a z3 regex."""
    star = star if star is not None else z3.Star(z3.AllChar(z3.ReSort(z3.StringSort())))
    any1 = z3.AllChar(z3.ReSort(z3.StringSort()))
    parts = []
    lit = ""
    for c in pattern:
        if c in "*?":
            if lit:
                parts.append(ci_lit(lit) if case_insensitive else z3.Re(lit))
                lit = ""
            parts.append(star if c == "*" else any1)
        else:
            lit += c
    if lit:
        parts.append(ci_lit(lit) if case_insensitive else z3.Re(lit))
    if not parts:
        return z3.Re("")
    return parts[0] if len(parts) == 1 else z3.Concat(*parts)


def ci_lit(s):
    rs = [ci_char(c) for c in s]
    return rs[0] if len(rs) == 1 else z3.Concat(*rs)


def not_colon():
    # Every character but ':' (z3 regexes over Unicode code points).
    return z3.Union(z3.Range("\x00", "9"), z3.Range(";", "\U0002ffff"))


def arn_re(pattern, case_insensitive=False):
    """An ARN pattern (Resource entries, ArnLike/ArnEquals): six colon-separated parts, the
    first five's wildcards do not cross `:`; a pattern of fewer parts ending in `*` lets its
    last wildcard run over the rest (IAM "ARN" matching)."""
    if pattern == "*":
        return z3.Star(z3.AllChar(z3.ReSort(z3.StringSort())))
    parts = pattern.split(":", 5)
    if len(parts) < 6 and not parts[-1].endswith("*"):
        return None
    nc = z3.Star(not_colon())
    out = []
    for i, p in enumerate(parts):
        last = i == len(parts) - 1
        out.append(glob_re(p, case_insensitive, None if last else nc))
        if not last:
            out.append(z3.Re(":"))
    return z3.Concat(*out)


def has_variable(s):
    return isinstance(s, str) and "${" in s


# ---------------------------------------------------------------- the request model

class Model:
    """The variables of one question's requests and the constraints tying them."""

    def __init__(self, cat, bucket, owner, action_domain):
        self.cat = cat
        self.bucket = bucket
        self.owner = owner
        S = z3.String
        self.kind = z3.Int("kind")
        self.acct = S("account")
        self.upath = S("user_path_name")  # path + name, e.g. /team/alice
        self.rpath = S("role_path")
        self.rname = S("role_name")
        self.sname = S("session_name")
        self.fname = S("federated_name")
        self.svc = S("service_name")
        # The action: an index into the catalogue's tried actions, or -1 for an `s3:` action
        # the catalogue does not know, named by the string `unknown_action`.
        self.act = z3.Int("action")
        self.uact = S("unknown_action")
        self.names = sorted(cat.tried())
        self.objkey = S("object_key")
        self.is_object = z3.Bool("is_object")
        self.resource = z3.If(self.is_object,
                              z3.Concat(z3.StringVal("arn:aws:s3:::%s/" % bucket), self.objkey),
                              z3.StringVal("arn:aws:s3:::%s" % bucket))
        self.t_ms = z3.Int("time_ms")
        self.vars = {}  # lower key -> (present, value(s))
        self.constraints = []
        digit = z3.Range("0", "9")
        slash = z3.Re("/")
        no_slash = z3.Union(z3.Range("\x00", "."), z3.Range("0", "\U0002ffff"))
        name = z3.Plus(no_slash)
        c = self.constraints
        c.append(z3.And(self.kind >= 0, self.kind <= 5))
        c.append(z3.InRe(self.acct, z3.Loop(digit, 12, 12)))
        c.append(z3.InRe(self.upath, z3.Concat(slash, z3.Star(z3.Concat(name, slash)), name)))
        c.append(z3.InRe(self.rpath, z3.Concat(slash, z3.Star(z3.Concat(name, slash)))))
        c.append(z3.InRe(self.rname, name))
        c.append(z3.InRe(self.sname, name))
        c.append(z3.InRe(self.fname, name))
        c.append(z3.Length(self.svc) > 0)
        c.append(z3.Length(self.objkey) > 0)
        c.append(self.t_ms >= NOW * 1000)
        # The action: a catalogue action on a resource it is authorized against, or one the
        # catalogue does not know (then on the bucket or an object).
        tried = cat.tried()
        options = []
        for i, low in enumerate(self.names):
            if low not in action_domain:
                continue
            _, b, o, _ = tried[low]
            where = []
            if b:
                where.append(z3.Not(self.is_object))
            if o:
                where.append(self.is_object)
            options.append(z3.And(self.act == i, z3.Or(*where)))
        if "unknown" in action_domain:
            lower_letters = z3.Plus(z3.Range("a", "z"))
            unknown = z3.And(self.act == -1,
                             z3.InRe(self.uact, z3.Concat(z3.Re("s3:"), lower_letters)),
                             *[self.uact != z3.StringVal(low) for low in cat.actions])
            options.append(unknown)
        c.append(z3.Or(*options) if options else z3.BoolVal(False))

    def action_is(self, low):
        """Whether the action is the catalogue action `low`."""
        return self.act == self.names.index(low) if low in self.names else z3.BoolVal(False)

    def action_matches(self, pattern):
        """Whether the action matches an IAM action pattern (case-insensitive wildcards)."""
        rx = re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern),
                        re.IGNORECASE | re.DOTALL)
        hits = [i for i, low in enumerate(self.names) if rx.fullmatch(low)]
        return z3.Or(z3.Or(*[self.act == i for i in hits]) if hits else z3.BoolVal(False),
                     z3.And(self.act == -1, z3.InRe(self.uact, glob_re(pattern, True))))

    def iam(self):
        return z3.And(self.kind >= 1, self.kind <= 4)

    def is_kind(self, k):
        return self.kind == K[k]

    def principal_arn(self):
        a = self.acct
        return z3.If(self.is_kind("root"), z3.Concat(z3.StringVal("arn:aws:iam::"), a, z3.StringVal(":root")),
               z3.If(self.is_kind("user"), z3.Concat(z3.StringVal("arn:aws:iam::"), a, z3.StringVal(":user"), self.upath),
               z3.If(self.is_kind("session"), z3.Concat(z3.StringVal("arn:aws:iam::"), a, z3.StringVal(":role"), self.rpath, self.rname),
                     z3.Concat(z3.StringVal("arn:aws:sts::"), a, z3.StringVal(":federated-user/"), self.fname))))

    def derived(self, low):
        """(present, value) of a key derived from the caller (Request::new's defaults follow
        the global keys page; aws:userid is set for anonymous, root and federated callers)."""
        k = self.is_kind
        if low == "aws:principalarn":
            return self.iam(), self.principal_arn()
        if low == "aws:principalaccount":
            return z3.Or(self.iam(), k("anonymous")), z3.If(k("anonymous"), z3.StringVal("anonymous"), self.acct)
        if low == "aws:principaltype":
            names = ["Anonymous", "Account", "User", "AssumedRole", "FederatedUser", "Service"]
            v = z3.StringVal(names[5])
            for i in range(4, -1, -1):
                v = z3.If(self.kind == i, z3.StringVal(names[i]), v)
            return z3.BoolVal(True), v
        if low == "aws:userid":
            v = z3.If(k("anonymous"), z3.StringVal("anonymous"),
                      z3.If(k("root"), self.acct, z3.Concat(self.acct, z3.StringVal(":"), self.fname)))
            return z3.Or(k("anonymous"), k("root"), k("federated")), v
        if low == "aws:username":
            # The user name: the part of path+name after its last slash.
            return k("user"), self.user_name()
        if low == "aws:principalisawsservice":
            return z3.Not(k("anonymous")), k("service")
        if low == "aws:principalservicename":
            return k("service"), self.svc
        if low in ("aws:resourceaccount", "s3:resourceaccount"):
            return z3.BoolVal(True), z3.StringVal(self.owner)
        raise Skip("derived key " + low)

    def user_name(self):
        n = z3.String("user_name")
        p = z3.String("user_path")
        self.constraints.append(self.upath == z3.Concat(p, n))
        self.constraints.append(z3.Not(z3.Contains(n, z3.StringVal("/"))))
        self.constraints.append(z3.SuffixOf(z3.StringVal("/"), p))
        return n

    def key(self, low):
        """(present, value, type, multi) of a condition key; value is a list for sets."""
        if low in self.vars:
            return self.vars[low]
        info = self.cat.key_info(low)
        if info is None:
            v = (z3.BoolVal(False), z3.StringVal(""), "String", False)
            self.vars[low] = v
            return v
        typ, avail = info
        multi = typ.startswith("ArrayOf")
        base = typ[len("ArrayOf"):] if multi else typ
        if avail == "derived":
            present, value = self.derived(low)
            v = (present, value, base, False)
            self.vars[low] = v
            return v
        if avail == "time":
            value = self.t_ms if low == "aws:currenttime" else self.t_ms / 1000
            v = (z3.BoolVal(True), value, "Date" if low == "aws:currenttime" else "EpochSeconds", False)
            self.vars[low] = v
            return v
        present = z3.Bool("present:" + low)
        safe = re.sub(r"[^a-z0-9:/_-]", "_", low)

        def one(i):
            if base == "Bool":
                return z3.Bool("%s#%d" % (safe, i))
            if base in ("Numeric", "Date"):
                return z3.Int("%s#%d" % (safe, i))
            if base == "IPAddress":
                v6 = z3.Bool("%s#%d:v6" % (safe, i))
                addr = z3.Int("%s#%d:addr" % (safe, i))
                self.constraints.append(z3.And(addr >= 0, z3.If(v6, addr < 2**128, addr < 2**32)))
                return (v6, addr)
            return z3.String("%s#%d" % (safe, i))
        if multi:
            n = z3.Int("count:" + low)
            self.constraints.append(z3.And(n >= 0, n <= 3))
            value = (n, [one(i) for i in range(3)])
        else:
            value = one(0)
        c = self.constraints
        if avail == "always":
            c.append(present)
        elif avail == "iam":
            c.append(z3.Implies(present, self.iam()))
        elif avail == "service":
            c.append(z3.Implies(present, self.is_kind("service")))
        elif avail == "signed":
            c.append(z3.Implies(present, z3.Not(self.is_kind("anonymous"))))
        elif avail == "s3":
            if low in ACCESS_POINT_KEYS:
                c.append(z3.Not(present))
            else:
                if low in SIGNED_S3:
                    c.append(z3.Implies(present, z3.Not(self.is_kind("anonymous"))))
                allowed = [self.act == i for i, lo in enumerate(self.names) if self.cat.s3_key_for(low, lo)]
                c.append(z3.Implies(present, z3.Or(self.act == -1, *allowed)))
        v = (present, value, base, multi)
        self.vars[low] = v
        return v


# ---------------------------------------------------------------- conditions

NEGATED = {"stringnotequals", "stringnotequalsignorecase", "stringnotlike", "numericnotequals",
           "datenotequals", "notipaddress", "arnnotequals", "arnnotlike"}


def date_ms(text):
    t = text.strip()
    if re.fullmatch(r"-?\d+", t):
        return int(t) * 1000
    t = t.replace("Z", "+00:00")
    try:
        d = datetime.datetime.fromisoformat(t)
    except ValueError:
        raise Skip("date value " + text)
    if d.tzinfo is None:
        d = d.replace(tzinfo=datetime.timezone.utc)
    return int(d.timestamp() * 1000)


def value_match(op, base, value, v, m):
    """Whether one request value matches one policy value under the positive form of `op`."""
    if has_variable(v):
        raise Skip("policy variable in a condition")
    if op in ("stringequals", "stringnotequals"):
        if base in ("String", "ARN"):
            return value == z3.StringVal(v)
        raise Skip("string operator on a %s key" % base)
    if op in ("stringequalsignorecase", "stringnotequalsignorecase"):
        if base in ("String", "ARN"):
            return z3.InRe(value, ci_lit(v) if v else z3.Re(""))
        raise Skip("string operator on a %s key" % base)
    if op in ("stringlike", "stringnotlike"):
        if base in ("String", "ARN"):
            return z3.InRe(value, glob_re(v))
        raise Skip("string operator on a %s key" % base)
    if op in ("arnequals", "arnlike", "arnnotequals", "arnnotlike"):
        if base not in ("String", "ARN"):
            raise Skip("ARN operator on a %s key" % base)
        r = arn_re(v)
        if r is None:
            return z3.BoolVal(False)
        return z3.InRe(value, r)
    if op.startswith("numeric"):
        if base not in ("Numeric", "EpochSeconds"):
            raise Skip("numeric operator on a %s key" % base)
        if not re.fullmatch(r"-?\d+", v.strip()):
            raise Skip("non-integer number " + v)
        n = int(v)
        return {"numericequals": value == n, "numericnotequals": value == n,
                "numericlessthan": value < n, "numericlessthanequals": value <= n,
                "numericgreaterthan": value > n, "numericgreaterthanequals": value >= n}[op]
    if op.startswith("date"):
        if base == "Date":
            n = date_ms(v)
        elif base == "EpochSeconds":
            raise Skip("date operator on aws:EpochTime")
        else:
            raise Skip("date operator on a %s key" % base)
        return {"dateequals": value == n, "datenotequals": value == n,
                "datelessthan": value < n, "datelessthanequals": value <= n,
                "dategreaterthan": value > n, "dategreaterthanequals": value >= n}[op]
    if op in ("ipaddress", "notipaddress"):
        if base != "IPAddress":
            raise Skip("IP operator on a %s key" % base)
        try:
            net = ipaddress.ip_network(v.strip(), strict=False)
        except ValueError:
            raise Skip("bad CIDR " + v)
        v6, addr = value
        lo, hi = int(net.network_address), int(net.broadcast_address)
        return z3.And(v6 == (net.version == 6), addr >= lo, addr <= hi)
    if op == "bool":
        if base != "Bool":
            raise Skip("Bool operator on a %s key" % base)
        if v.lower() not in ("true", "false"):
            return z3.BoolVal(False)
        return value == (v.lower() == "true")
    raise Skip("operator " + op)


def condition(m, op_text, key, values):
    """The truth of one condition (operator, key, values) on the model's request."""
    op = op_text.lower()
    qualifier = None
    if op.startswith("foranyvalue:"):
        qualifier, op = "any", op[len("foranyvalue:"):]
    elif op.startswith("forallvalues:"):
        qualifier, op = "all", op[len("forallvalues:"):]
    if_exists = op.endswith("ifexists")
    if if_exists:
        op = op[: -len("ifexists")]
    if not isinstance(values, list):
        values = [values]
    values = [v if isinstance(v, str) else json.dumps(v) for v in values]
    low = key.lower()
    present, value, base, multi = m.key(low)
    if op == "null":
        if qualifier:
            raise Skip("qualified Null")
        outs = []
        for v in values:
            if v.lower() == "true":
                outs.append(z3.Not(present))
            elif v.lower() == "false":
                outs.append(present)
        return z3.Or(*outs) if outs else z3.BoolVal(False)
    negated = op in NEGATED
    if multi and not qualifier:
        raise Skip("plain operator on a multi-valued key")
    if multi:
        n, elems = value
    else:
        n, elems = z3.IntVal(1), [value]

    def elem_match(e):
        return z3.Or(*[value_match(op, base, e, v, m) for v in values]) if values else z3.BoolVal(False)
    if qualifier is None:
        t = elem_match(value)
        t = z3.Not(t) if negated else t
        # AWS: a missing key makes a negated operator true and a positive one false.
        absent = z3.BoolVal(True) if (negated or if_exists) else z3.BoolVal(False)
        return z3.If(present, t, absent)
    per = [(i, z3.Not(elem_match(e)) if negated else elem_match(e)) for i, e in enumerate(elems)]
    if qualifier == "any":
        t = z3.Or(*[z3.And(n > i, p) for i, p in per])
        absent = z3.BoolVal(True) if if_exists else z3.BoolVal(False)
    else:
        t = z3.And(*[z3.Implies(n > i, p) for i, p in per])
        absent = z3.BoolVal(True)
    return z3.If(present, t, absent)


def conditions(m, block):
    if block is None:
        return z3.BoolVal(True)
    if not isinstance(block, dict):
        raise Skip("Condition is not an object")
    out = []
    for op, keys in block.items():
        if not isinstance(keys, dict):
            raise Skip("condition operator without keys")
        for key, values in keys.items():
            out.append(condition(m, op, key, values))
    return z3.And(*out) if out else z3.BoolVal(True)


# ---------------------------------------------------------------- statements

def principal_entry(m, kind, v):
    """Whether the caller is the principal `v` of `kind` (AWS or Service)."""
    if v == "*":
        return z3.BoolVal(True) if kind == "AWS" else m.is_kind("service")
    if kind == "Service":
        return z3.And(m.is_kind("service"), m.svc == z3.StringVal(v))
    if kind != "AWS":
        raise Skip("principal type " + kind)
    if "*" in v or "?" in v or has_variable(v):
        raise Skip("wildcard principal ARN")
    if re.fullmatch(r"\d{12}", v):
        return z3.And(m.iam(), m.acct == z3.StringVal(v))
    r = re.fullmatch(r"arn:aws:(iam|sts)::(\d{12}):(.*)", v)
    if not r:
        raise Skip("principal " + v)
    svc, acct, rest = r.groups()
    same = m.acct == z3.StringVal(acct)
    if svc == "iam" and rest == "root":
        return z3.And(m.iam(), same)
    if svc == "iam" and rest.startswith("user/"):
        return z3.And(m.is_kind("user"), same, m.upath == z3.StringVal(rest[len("user"):]))
    if svc == "iam" and rest.startswith("role/"):
        role = rest[len("role"):]
        return z3.And(m.is_kind("session"), same, z3.Concat(m.rpath, m.rname) == z3.StringVal(role))
    if svc == "sts" and rest.startswith("assumed-role/"):
        parts = rest.split("/")
        if len(parts) != 3:
            raise Skip("principal " + v)
        return z3.And(m.is_kind("session"), same, m.rname == z3.StringVal(parts[1]),
                      m.sname == z3.StringVal(parts[2]))
    if svc == "sts" and rest.startswith("federated-user/"):
        return z3.And(m.is_kind("federated"), same, m.fname == z3.StringVal(rest[len("federated-user/"):]))
    raise Skip("principal " + v)


def principal_match(m, p):
    if p == "*":
        return z3.BoolVal(True)
    if not isinstance(p, dict):
        raise Skip("principal form")
    out = []
    for kind, vs in p.items():
        for v in (vs if isinstance(vs, list) else [vs]):
            if not isinstance(v, str):
                raise Skip("principal value")
            out.append(principal_entry(m, kind, v))
    return z3.Or(*out) if out else z3.BoolVal(False)


def listed(x):
    return x if isinstance(x, list) else [x]


def statement(m, s):
    """(effect, whether the statement applies to the request)."""
    if not isinstance(s, dict):
        raise Skip("statement form")
    effect = s.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise Skip("effect")
    if "Principal" in s:
        pm = principal_match(m, s["Principal"])
    elif "NotPrincipal" in s:
        pm = z3.Not(principal_match(m, s["NotPrincipal"]))
    else:
        raise Skip("statement without principal")
    if "Action" in s:
        am = z3.Or(*[m.action_matches(a) for a in listed(s["Action"])])
    elif "NotAction" in s:
        am = z3.Not(z3.Or(*[m.action_matches(a) for a in listed(s["NotAction"])]))
    else:
        raise Skip("statement without action")
    key = "Resource" if "Resource" in s else "NotResource" if "NotResource" in s else None
    if key is None:
        raise Skip("statement without resource")
    rs = []
    for r in listed(s[key]):
        if not isinstance(r, str) or has_variable(r):
            raise Skip("policy variable in a resource")
        rr = arn_re(r)
        rs.append(z3.BoolVal(False) if rr is None else z3.InRe(m.resource, rr))
    rm = z3.Or(*rs) if rs else z3.BoolVal(False)
    if key == "NotResource":
        rm = z3.Not(rm)
    return effect, z3.And(pm, am, rm, conditions(m, s.get("Condition")))


def decision(m, policy):
    """Whether the request is allowed (module docstring: the decision modelled)."""
    sts = listed(policy.get("Statement", []))
    allows, denies = [], []
    for s in sts:
        effect, applies = statement(m, s)
        (allows if effect == "Allow" else denies).append(applies)
    allow_bp = z3.Or(*allows) if allows else z3.BoolVal(False)
    deny = z3.Or(*denies) if denies else z3.BoolVal(False)
    owner = z3.StringVal(m.owner)
    same_account = z3.And(m.iam(), m.acct == owner)
    policy_op = z3.Or(*[m.action_is(o) for o in POLICY_OPS])
    # The bucket owner's root user may always read, change and delete the bucket policy.
    exempt = z3.And(m.is_kind("root"), m.acct == owner, policy_op)
    deny = z3.And(deny, z3.Not(exempt))
    # Identity side: the caller's own identity policies allow everything (assumed).
    allowed = z3.If(same_account, z3.BoolVal(True), allow_bp)
    # S3 serves the bucket-policy operations to the owner's account only.
    owner_only = z3.Implies(policy_op, same_account)
    return z3.And(allowed, z3.Not(deny), owner_only)


# ---------------------------------------------------------------- questions

def scope(m, q):
    p = q["principals"]
    k = m.kind
    owner = z3.StringVal(q["owner"])
    c = {"anonymous": m.is_kind("anonymous"),
         "outside": z3.And(k != K["anonymous"], z3.Or(m.is_kind("service"), m.acct != owner)),
         "account": z3.And(m.iam(), m.acct == owner),
         "services": m.is_kind("service"),
         "all": z3.BoolVal(True)}[p]
    out = [c]
    if q.get("actions"):
        out.append(z3.Or(*[m.action_matches(a) for a in q["actions"]]))
    if q.get("resource"):
        out.append(z3.InRe(m.resource, arn_re(q["resource"])))
    if q.get("conditions"):
        out.append(conditions(m, q["conditions"]))
    return z3.And(*out)


def encode(cat, q, policy):
    # A question naming its actions needs only them (and unknown actions its patterns match).
    domain = set(cat.tried())
    if q.get("actions"):
        domain = {a.lower() for a in q["actions"] if a.lower() in domain}
        if any("*" in a or "?" in a or a.lower() not in cat.actions for a in q["actions"]):
            domain.add("unknown")
    else:
        domain.add("unknown")
    m = Model(cat, q["bucket"], q["owner"], domain)
    goal = z3.And(decision(m, policy), scope(m, q))
    return m, goal


def witness_constraints(m, w):
    """The SMT constraints fixing the model's variables to the engine's witness."""
    c = w["caller"]
    low = w["action"].lower()
    act = m.action_is(low) if low in m.names else z3.And(m.act == -1, m.uact == z3.StringVal(w["action"]))
    out = [m.kind == K[c["kind"]], act]
    if "account" in c:
        out.append(m.acct == z3.StringVal(c["account"]))
    if c["kind"] == "user":
        out.append(m.upath == z3.StringVal(c["path"] + c["name"]))
    if c["kind"] == "session":
        out += [m.rpath == z3.StringVal(c["path"]), m.rname == z3.StringVal(c["name"]),
                m.sname == z3.StringVal(c["session"])]
    if c["kind"] == "federated":
        out.append(m.fname == z3.StringVal(c["name"]))
    if c["kind"] == "service":
        out.append(m.svc == z3.StringVal(c["name"]))
    base = "arn:aws:s3:::%s" % m.bucket
    r = w["resource"]
    if r == base:
        out.append(z3.Not(m.is_object))
    elif r.startswith(base + "/"):
        out += [m.is_object, m.objkey == z3.StringVal(r[len(base) + 1:])]
    else:
        out.append(z3.BoolVal(False))
    ctx = {k.lower(): v for k, v in w["context"].items()}
    for low, (present, value, base_t, multi) in list(m.vars.items()):
        if z3.is_false(present):
            continue
        info = m.cat.key_info(low)
        if info and info[1] in ("derived", "time"):
            if low == "aws:currenttime" and low in ctx:
                out.append(m.t_ms == date_ms(ctx[low][0]))
            continue
        if low not in ctx:
            out.append(z3.Not(present))
            continue
        vals = ctx[low]
        out.append(present)
        elems = value[1] if multi else [value]
        if multi:
            if len(vals) > 3:
                raise Skip("witness set larger than the model's")
            out.append(value[0] == len(vals))
        elif len(vals) != 1:
            out.append(z3.BoolVal(False))
            continue
        for e, v in zip(elems, vals):
            out.append(concrete(e, base_t, v))
    return out


def concrete(e, base, v):
    if base == "Bool":
        return e == (v.lower() == "true")
    if base in ("Numeric",):
        return e == int(v) if re.fullmatch(r"-?\d+", v) else z3.BoolVal(False)
    if base == "Date":
        return e == date_ms(v)
    if base == "IPAddress":
        ip = ipaddress.ip_address(v)
        return z3.And(e[0] == (ip.version == 6), e[1] == int(ip))
    return e == z3.StringVal(v)


# ---------------------------------------------------------------- sampling

def bucket_of(policy):
    for s in listed(policy.get("Statement", [])):
        if not isinstance(s, dict):
            continue
        for r in listed(s.get("Resource", [])):
            if isinstance(r, str):
                mm = re.match(r"arn:aws:s3:::([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(/|$)", r)
                if mm:
                    return mm.group(1)
    return None


def accounts_of(text):
    return sorted(set(re.findall(r"(?<!\d)(\d{12})(?!\d)", text)))


def sample_key(rng, pattern, bucket):
    """An object key that a Resource pattern on `bucket` names (wildcards filled)."""
    head = "arn:aws:s3:::%s/" % bucket
    if not pattern.startswith(head):
        return "docs/readme.txt"
    rest = pattern[len(head):]
    key = "".join(rng.choice(["", "a", "x/y"]) if c == "*" else ("q" if c == "?" else c) for c in rest)
    return key or "k"


def questions(cat, corpus, count, seed):
    rng = random.Random(seed)
    files = sorted(glob.glob(os.path.join(corpus, "s3-bucket-policies", "unique", "*.json")))
    pool = []
    for f in files:
        try:
            text = open(f).read()
            p = json.loads(text)
        except (ValueError, OSError):
            continue
        if not isinstance(p, dict):
            continue
        b = bucket_of(p)
        if b:
            pool.append((f, p, b, accounts_of(text)))
    tried = sorted(cat.tried())
    out = []
    while len(out) < count:
        f, p, b, accounts = rng.choice(pool)
        owner = rng.choice(accounts) if accounts and rng.random() < 0.5 else OWNER_DEFAULT
        resources = [r for s in listed(p.get("Statement", [])) if isinstance(s, dict)
                     for r in listed(s.get("Resource", [])) if isinstance(r, str)]
        named = [a.lower() for s in listed(p.get("Statement", [])) if isinstance(s, dict)
                 for a in listed(s.get("Action", [])) if isinstance(a, str)]
        expanded = [a for a in tried if any(re.fullmatch(re.escape(n).replace(r"\*", ".*").replace(r"\?", "."), a) for n in named)]
        action_low = rng.choice(expanded) if expanded and rng.random() < 0.7 else rng.choice(tried)
        name, on_b, on_o, _ = cat.actions[action_low]
        if on_o and (not on_b or rng.random() < 0.6):
            key = sample_key(rng, rng.choice(resources) if resources else "", b)
            resource = "arn:aws:s3:::%s/%s" % (b, key)
            if rng.random() < 0.25:
                resource = "arn:aws:s3:::%s/*" % b
        else:
            resource = "arn:aws:s3:::%s" % b
        kind = rng.choice(["anonymous", "anonymous-http", "outside", "account", "outside-any", "services"])
        q = {"id": "q%d" % len(out), "policy": f, "bucket": b, "owner": owner, "now": NOW,
             "actions": [name], "resource": resource, "conditions": None, "kind": kind}
        if kind == "anonymous":
            q["principals"] = "anonymous"
        elif kind == "anonymous-http":
            q["principals"] = "anonymous"
            q["conditions"] = {"Bool": {"aws:SecureTransport": "false"}}
        elif kind == "outside-any":
            q.update(principals="outside", actions=[], resource=None)
        else:
            q["principals"] = kind
        out.append(q)
    return out


# ---------------------------------------------------------------- main

def engine_answers(engine, qs):
    payload = "".join(json.dumps({k: v for k, v in q.items() if k != "kind"}) + "\n" for q in qs)
    res = subprocess.run(engine, input=payload, capture_output=True, text=True, shell=True, cwd=ROOT)
    if res.returncode != 0:
        sys.exit("engine failed: " + res.stderr[-2000:])
    answers = {}
    for line in res.stdout.splitlines():
        a = json.loads(line)
        answers[a.get("id")] = a
    return answers


def solve(goal, extra, timeout_ms):
    s = z3.Solver()
    s.set("timeout", timeout_ms)
    s.add(goal)
    for e in extra:
        s.add(e)
    return s.check()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=900)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--corpus", default=os.path.join(ROOT, "..", "..", "shared", "corpus"))
    ap.add_argument("--engine", default="cargo run --quiet --release --example exact_question")
    ap.add_argument("--timeout-ms", type=int, default=5000)
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    cat = Catalogue(args.corpus)
    qs = questions(cat, args.corpus, args.count, args.seed)
    answers = engine_answers(args.engine, qs)
    tally = collections.Counter()
    skipped = collections.Counter()
    disagreements = []
    for q in qs:
        a = answers.get(q["id"], {"error": "no answer"})
        if "error" in a:
            # The policy does not load (placeholders such as `AccountB-ID` are not accounts).
            skipped["engine: the policy does not load (it has errors)"] += 1
            continue
        policy = json.load(open(q["policy"]))
        try:
            m, goal = encode(cat, q, policy)
            constraints = m.constraints
            res = solve(goal, constraints, args.timeout_ms)
        except Skip as e:
            skipped["encoding: " + str(e)[:60]] += 1
            continue
        if res == z3.unknown:
            skipped["z3: unknown (timeout)"] += 1
            continue
        if a["answer"] == "uncertain":
            skipped["engine: uncertain (z3 %s)" % res] += 1
            continue
        tally["asked"] += 1
        smt_yes = res == z3.sat
        eng_yes = a["answer"] == "yes"
        tally["yes" if eng_yes else "no"] += 1
        if smt_yes != eng_yes:
            disagreements.append((q, a, str(res)))
            continue
        if eng_yes:
            try:
                w = witness_constraints(m, a["witness"])
            except Skip as e:
                tally["witness unchecked"] += 1
                skipped["witness: " + str(e)[:60]] += 1
                tally["agreed"] += 1
                continue
            if solve(goal, constraints + w, args.timeout_ms) != z3.sat:
                disagreements.append((q, a, "witness fails the SMT constraints"))
                continue
            tally["witness checked"] += 1
        tally["agreed"] += 1
        if args.verbose:
            print(q["id"], q["kind"], a["answer"], "ok")
    print("questions drawn: %d (seed %d)" % (len(qs), args.seed))
    print("compared: %d (engine yes %d, no %d); agreed: %d; disagreed: %d; witnesses checked: %d" % (
        tally["asked"], tally["yes"], tally["no"], tally["agreed"], len(disagreements), tally["witness checked"]))
    print("skipped: %d" % sum(skipped.values()))
    for reason, n in skipped.most_common():
        print("  %4d  %s" % (n, reason))
    for q, a, why in disagreements:
        print("DISAGREE %s (%s): engine %s, z3 %s; %s" % (q["id"], q["kind"], a["answer"], why,
              json.dumps({k: q[k] for k in ("policy", "principals", "actions", "resource", "owner", "conditions")})))
        if a.get("witness"):
            print("  witness:", json.dumps(a["witness"]))
    return 1 if disagreements else 0


if __name__ == "__main__":
    sys.exit(main())
