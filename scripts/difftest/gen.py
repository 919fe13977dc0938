#!/usr/bin/env python3
"""Generate random but realistic S3 access cases for differential testing.

Each case is one situation: a bucket policy, 0-3 identity policies of the caller, and sometimes a
permissions boundary, a session policy, SCP levels and RCP levels; plus 8-15 requests against it
(callers of every kind, same- and cross-account, anonymous, service principals) with request
contexts whose values are chosen to hit (or narrowly miss) the conditions of the case's policies.
Policies are either generated statement by statement or sampled from the corpora (bucket policies
from s3-bucket-policies/unique, identity policies from AWS managed policies, the AWS documentation
examples and quacky's samples that use S3 actions).

Outputs, under --out:
  vectors.jsonl        one line per request in the vector format of iam-simulate.mjs (peers/README.md)
  scenarios/NNNNN.json one s3-access scenario per case (docs/scenarios.md), every `expect` = Allow
  cases.jsonl          per case: id, origin of each policy, request ids (for the comparison)

Request contexts are written out in full (the keys AWS sets for every request included), because
iam-simulate adds no defaults; s3-access gets the same values (a given value replaces its default).
Only keys that AWS documents for the request's action (or global keys) are set, as iam-simulate
drops the others. Layers that cannot apply to a caller are left out of that request's vector (the
scenario keeps them; s3-access decides applicability itself): identity policies, boundary and
session policy for anonymous callers, AWS service principals and root users; the session policy
for IAM users; SCPs for anonymous callers and service principals; SCPs and RCPs for sessions of a
service-linked role (AWS exempts them; iam-simulate has no such rule). iam-simulate rejects some of
these combinations outright (anonymous + identity policies, session policy + IAM user).

Python 3 standard library only; deterministic for a given --seed.
"""

import argparse
import copy
import glob
import hashlib
import ipaddress
import json
import os
import random
import re

OWNER = "111122223333"
OTHER = "444455556666"
THIRD = "777788889999"
ORG_A = "o-aa11bb22cc"
ORG_B = "o-zz99yy88xx"
ORG_OF = {OWNER: ORG_A, OTHER: ORG_A, THIRD: ORG_B}
ORG_PATH = {
    ORG_A: "o-aa11bb22cc/r-ab12/ou-ab12-11111111/",
    ORG_B: "o-zz99yy88xx/r-cd34/ou-cd34-22222222/",
}
BUCKET = "amzn-s3-demo-bucket"
SIBLING = "amzn-s3-demo-bucket-logs"
TIMES = ["2026-01-01T00:00:00Z", "2025-03-15T12:30:00Z", "2026-07-04T08:00:00Z"]

USERS = [("/", "alice"), ("/", "bob"), ("/division/", "carol"), ("/", "dave")]
ROLES = [("/", "Reader"), ("/app/", "Writer"), ("/", "Admin"), ("/aws-service-role/s3.amazonaws.com/", "AWSServiceRoleForS3")]
SESSIONS = ["sess1", "alice", "i-0abc1234"]
SERVICES = ["cloudtrail.amazonaws.com", "logging.s3.amazonaws.com", "delivery.logs.amazonaws.com"]
TEAMS = ["finance", "data", "eng"]
PUBLIC_IPS = ["203.0.113.10", "203.0.113.200", "198.51.100.7", "192.0.2.55", "54.240.143.12", "2001:db8::1", "2001:db8:1::abcd"]
VPCES = ["vpce-1a2b3c4d", "vpce-0badc0de"]
VPCS = ["vpc-111bbb22", "vpc-999fff00"]
KMS_KEYS = [
    "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    "arn:aws:kms:us-east-1:444455556666:key/ffffeeee-12ab-34cd-56ef-1234567890ab",
]
KEYS = ["report.csv", "public/index.html", "home/alice/notes.txt", "home/bob/x.bin", "private/secret.txt",
        "logs/2026/01/a.log", "a/b/c.txt", "uploads/img.png", "finance/q1.xlsx", "data/part-0000.parquet"]

# Actions used in generated statements.
OBJ_ACTIONS = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:GetObjectVersion", "s3:GetObjectTagging",
               "s3:PutObjectTagging", "s3:PutObjectAcl", "s3:GetObjectAcl", "s3:AbortMultipartUpload",
               "s3:RestoreObject", "s3:DeleteObjectVersion", "s3:GetObjectAttributes", "s3:ListMultipartUploadParts"]
BUCKET_ACTIONS = ["s3:ListBucket", "s3:ListBucketVersions", "s3:GetBucketPolicy", "s3:PutBucketPolicy",
                  "s3:DeleteBucketPolicy", "s3:GetBucketLocation", "s3:GetBucketAcl", "s3:PutBucketAcl",
                  "s3:PutBucketPublicAccessBlock", "s3:GetBucketVersioning", "s3:PutEncryptionConfiguration",
                  "s3:DeleteBucket", "s3:ListBucketMultipartUploads", "s3:GetBucketTagging",
                  "s3:PutLifecycleConfiguration", "s3:CreateBucket", "s3:GetBucketPolicyStatus"]
NORES_ACTIONS = ["s3:ListAllMyBuckets", "s3:GetAccountPublicAccessBlock", "s3:PutAccountPublicAccessBlock",
                 "s3:ListAccessPoints", "s3:ListJobs"]
ACTION_PATTERNS = ["s3:*", "s3:Get*", "s3:List*", "s3:Put*", "s3:Delete*", "s3:*Object", "s3:GetObject*",
                   "s3:*Bucket*", "s3:*Policy", "s3:?etObject", "s3:Get*Tagging", "*", "s3:*Acl", "s3:*Version*",
                   "s3:getobject", "S3:ListBucket", "s3:Put*Acl", "s3:List*Buckets"]
OTHER_SERVICE_ACTIONS = ["ec2:DescribeInstances", "iam:PassRole", "kms:Decrypt", "kms:GenerateDataKey", "sqs:*"]

# Condition-value types (what an operator of each family expects), by key (lower case).
STR, ARN, IP, NUM, DATE, BOOL = "str", "arn", "ip", "num", "date", "bool"
REF = None  # the Reference, set in main()


def key_type(k):
    k = k.lower()
    if k in ("aws:sourceip", "aws:vpcsourceip"):
        return IP
    if k in ("aws:principalarn", "aws:sourcearn", "s3:x-amz-server-side-encryption-aws-kms-key-id", "s3:dataaccesspointarn"):
        return ARN
    if k in ("s3:tlsversion", "s3:max-keys", "s3:signatureage", "aws:multifactorauthage", "s3:object-lock-remaining-retention-days"):
        return NUM
    if k in ("aws:currenttime", "aws:epochtime", "aws:tokenissuetime", "s3:object-lock-retain-until-date"):
        return DATE
    if k in ("aws:securetransport", "aws:multifactorauthpresent", "aws:principalisawsservice", "aws:viaawsservice",
             "s3:objectcreationoperation"):
        return BOOL
    return STR


MULTI = {"aws:principalorgpaths", "s3:requestobjecttagkeys", "aws:tagkeys", "aws:calledvia", "aws:principalservicenameslist",
         "aws:vpceorgpaths", "aws:resourceorgpaths", "aws:sourceorgpaths"}

# Keys derived from the caller / resource: never set from policy hints (the caller choice does that).
DERIVED = {"aws:principalarn", "aws:principalaccount", "aws:userid", "aws:username", "aws:principaltype",
           "aws:resourceaccount", "s3:resourceaccount", "aws:principalisawsservice", "aws:principalservicename",
           "aws:currenttime", "aws:epochtime", "aws:viaawsservice"}

GLOBAL_KEYS = {k.lower() for k in [
    "aws:PrincipalArn", "aws:PrincipalAccount", "aws:PrincipalOrgPaths", "aws:PrincipalOrgID", "aws:PrincipalIsAWSService",
    "aws:PrincipalServiceName", "aws:PrincipalServiceNamesList", "aws:PrincipalType", "aws:userid", "aws:username",
    "aws:TokenIssueTime", "aws:MultiFactorAuthAge", "aws:MultiFactorAuthPresent", "aws:SourceIdentity", "aws:SourceIp",
    "aws:SourceVpc", "aws:SourceVpcArn", "aws:SourceVpce", "aws:VpceAccount", "aws:VpceOrgID", "aws:VpcSourceIp",
    "aws:ResourceAccount", "aws:ResourceOrgID", "aws:ResourceOrgPaths", "aws:CalledVia", "aws:CalledViaFirst",
    "aws:CalledViaLast", "aws:ViaAWSService", "aws:CurrentTime", "aws:EpochTime", "aws:referer", "aws:RequestedRegion",
    "aws:TagKeys", "aws:SecureTransport", "aws:SourceArn", "aws:SourceAccount", "aws:SourceOwner", "aws:SourceOrgID",
    "aws:UserAgent"]}
GLOBAL_PREFIXES = ["aws:principaltag/", "aws:requesttag/"]


# --------------------------------------------------------------------------------------------------
# S3 service reference: action -> resource kind and applicable condition keys


class Reference:
    def __init__(self, corpus):
        path = os.path.join(corpus, "s3-service-reference", "s3-reference.normalized.json")
        data = json.load(open(path))
        self.kind = {}
        self.keys = {}
        for a in data["actions"]:
            names = {r["name"] for r in a["resource_types"]}
            if not names:
                kind = "none"
            elif "object" in names:
                kind = "object"
            elif "bucket" in names:
                kind = "bucket"
            else:
                continue
            name = a["action"]
            self.kind[name] = kind
            keys = list(a["condition_keys"])
            for r in a["resource_types"]:
                if r["name"] in ("object", "bucket"):
                    keys += r["condition_keys"]
            self.keys[name] = [k.lower() for k in keys]
        self.all_actions = sorted(self.kind)

    def applicable(self, action, key):
        k = key.lower()
        if k in GLOBAL_KEYS or any(k.startswith(p) and len(k) > len(p) for p in GLOBAL_PREFIXES):
            return True
        for t in self.keys.get(action, []):
            m = re.match(r"^(.*?)(\$\{[^}]*\}|<[^>]*>)$", t)
            if m:
                if k.startswith(m.group(1)) and len(k) > len(m.group(1)):
                    return True
            elif t == k:
                return True
        return False


# --------------------------------------------------------------------------------------------------
# Callers


def caller_profile(kind, account, rng, name=None, role=None, session=None, path="/"):
    """A caller: the principal string both tools take plus the context keys AWS derives from it."""
    p = {"kind": kind, "account": account}
    if kind == "anonymous":
        p["principal"] = "anonymous"
        p["ctx"] = {"aws:PrincipalType": "Anonymous", "aws:PrincipalAccount": "anonymous", "aws:userid": "anonymous"}
        return p
    if kind == "service":
        p["principal"] = name
        p["account"] = None
        p["ctx"] = {"aws:PrincipalType": "Service", "aws:PrincipalIsAWSService": "true", "aws:PrincipalServiceName": name}
        return p
    ctx = {"aws:PrincipalAccount": account, "aws:PrincipalIsAWSService": "false"}
    if kind == "root":
        p["principal"] = f"arn:aws:iam::{account}:root"
        ctx.update({"aws:PrincipalType": "Account", "aws:PrincipalArn": p["principal"], "aws:userid": account})
    elif kind == "user":
        p["principal"] = f"arn:aws:iam::{account}:user{path}{name}"
        p["username"] = name
        uid = "AIDA" + hashlib.sha1(p["principal"].encode()).hexdigest()[:16].upper()
        ctx.update({"aws:PrincipalType": "User", "aws:PrincipalArn": p["principal"], "aws:username": name, "aws:userid": uid})
    elif kind in ("session", "role"):
        role_arn = f"arn:aws:iam::{account}:role{path}{role}"
        rid = "AROA" + hashlib.sha1(role_arn.encode()).hexdigest()[:16].upper()
        if kind == "role":
            # s3-access reads a role ARN as a session of that role named `s3-access`.
            session = "s3-access"
            p["principal"] = role_arn
        else:
            p["principal"] = f"arn:aws:sts::{account}:assumed-role/{role}/{session}"
        p["role"], p["session"] = role, session
        ctx.update({"aws:PrincipalType": "AssumedRole", "aws:PrincipalArn": role_arn, "aws:userid": f"{rid}:{session}"})
    elif kind == "federated":
        p["principal"] = f"arn:aws:sts::{account}:federated-user/{name}"
        p["username"] = name
        ctx.update({"aws:PrincipalType": "FederatedUser", "aws:PrincipalArn": p["principal"], "aws:userid": f"{account}:{name}"})
    p["ctx"] = ctx
    return p


def random_caller(rng, hints):
    """Picks a caller: half the time one named (or implied) by the case's policies."""
    if hints["principals"] and rng.random() < 0.45:
        h = rng.choice(hints["principals"])
        c = caller_from_principal(h, rng)
        if c:
            return c
    kind = rng.choices(["user", "session", "federated", "root", "anonymous", "service", "role"],
                       [26, 30, 7, 7, 13, 9, 2])[0]
    account = rng.choices([OWNER, OTHER, THIRD], [55, 33, 12])[0]
    if kind == "anonymous":
        return caller_profile("anonymous", None, rng)
    if kind == "service":
        return caller_profile("service", None, rng, name=rng.choice(SERVICES))
    if kind == "root":
        return caller_profile("root", account, rng)
    if kind == "user":
        path, name = rng.choice(USERS)
        return caller_profile("user", account, rng, name=name, path=path)
    if kind == "federated":
        return caller_profile("federated", account, rng, name=rng.choice(["carol", "alice", "ext-user"]))
    path, role = rng.choice(ROLES if rng.random() < 0.15 else ROLES[:3])
    return caller_profile(kind, account, rng, role=role, session=rng.choice(SESSIONS), path=path)


def caller_from_principal(h, rng):
    if h == "*":
        return None
    if re.fullmatch(r"\d{12}", h):
        h = f"arn:aws:iam::{h}:root"
    if h.endswith(".amazonaws.com") and not h.startswith("arn:"):
        return caller_profile("service", None, rng, name=h)
    m = re.fullmatch(r"arn:aws:iam::(\d{12}):root", h)
    if m:
        # The account: any of its principals.
        kind = rng.choice(["root", "user", "session", "user", "session"])
        if kind == "root":
            return caller_profile("root", m.group(1), rng)
        if kind == "user":
            path, name = rng.choice(USERS)
            return caller_profile("user", m.group(1), rng, name=name, path=path)
        path, role = rng.choice(ROLES[:3])
        return caller_profile("session", m.group(1), rng, role=role, session=rng.choice(SESSIONS), path=path)
    m = re.fullmatch(r"arn:aws:iam::(\d{12}):user(/(?:[^/]+/)*)?([^/*?]+)", h)
    if m:
        name = m.group(3)
        if rng.random() < 0.04:
            name = name.swapcase()  # IAM names are unique without regard to case; ARN matching is another matter
        return caller_profile("user", m.group(1), rng, name=name, path=m.group(2) or "/")
    m = re.fullmatch(r"arn:aws:iam::(\d{12}):role(/(?:[^/]+/)*)?([^/*?]+)", h)
    if m:
        kind = "role" if rng.random() < 0.08 else "session"
        return caller_profile(kind, m.group(1), rng, role=m.group(3), session=rng.choice(SESSIONS), path=m.group(2) or "/")
    m = re.fullmatch(r"arn:aws:sts::(\d{12}):assumed-role/([^/]+)/([^/*?]+)", h)
    if m:
        return caller_profile("session", m.group(1), rng, role=m.group(2), session=m.group(3))
    m = re.fullmatch(r"arn:aws:sts::(\d{12}):federated-user/([^/*?]+)", h)
    if m:
        return caller_profile("federated", m.group(1), rng, name=m.group(2))
    return None


# --------------------------------------------------------------------------------------------------
# Random statements


def pick(rng, xs, k=None):
    if k is None:
        return rng.choice(xs)
    return rng.sample(xs, min(k, len(xs)))


def one_or_list(rng, xs):
    return xs[0] if len(xs) == 1 and rng.random() < 0.7 else xs


def rand_actions(rng, layer):
    n = rng.choices([1, 2, 3, 4], [50, 25, 15, 10])[0]
    out = []
    for _ in range(n):
        r = rng.random()
        if r < 0.35:
            out.append(pick(rng, OBJ_ACTIONS))
        elif r < 0.6:
            out.append(pick(rng, BUCKET_ACTIONS))
        elif r < 0.67:
            out.append(pick(rng, NORES_ACTIONS))
        elif r < 0.97 or layer in ("bucket", "rcp"):
            out.append(pick(rng, ACTION_PATTERNS))
        else:
            out.append(pick(rng, OTHER_SERVICE_ACTIONS))
    if layer == "rcp":
        out = [a for a in out if a != "*"] or ["s3:*"]
    return sorted(set(out), key=out.index)


def rand_resources(rng, layer, bucket):
    b = f"arn:aws:s3:::{bucket}"
    pool = [b, b + "/*", b + "/public/*", b + "/home/${aws:username}/*", b + "/private/*", b + "/home/*",
            b + "/${aws:PrincipalTag/team}/*", b + "/a/?/*", b + "/report.csv", b + "/logs/*"]
    if layer != "bucket":
        pool += ["*", "arn:aws:s3:::*", f"arn:aws:s3:::{bucket}*", "arn:aws:s3:::other-bucket/*", "arn:aws:s3:::*/*",
                 f"arn:aws:s3:::{bucket}/home/${{aws:PrincipalTag/team, 'shared'}}/*"]
    else:
        pool += ["*"] if rng.random() < 0.1 else []
    n = rng.choices([1, 2, 3], [50, 35, 15])[0]
    out = pick(rng, pool, n)
    if layer in ("scp", "rcp") and rng.random() < 0.6:
        out = ["*"]
    return out


def principal_pool(bucket_owner):
    accts = [OWNER, OTHER, THIRD]
    pool = []
    for a in accts:
        pool += [a, f"arn:aws:iam::{a}:root", f"arn:aws:iam::{a}:user/alice", f"arn:aws:iam::{a}:user/division/carol",
                 f"arn:aws:iam::{a}:role/Reader", f"arn:aws:iam::{a}:role/app/Writer",
                 f"arn:aws:sts::{a}:assumed-role/Reader/sess1", f"arn:aws:sts::{a}:federated-user/carol",
                 f"arn:aws:iam::{a}:user/bob"]
    return pool


def rand_principal(rng, effect):
    r = rng.random()
    if r < 0.28:
        return "Principal", rng.choice(["*", {"AWS": "*"}])
    if r < 0.36:
        return "Principal", {"Service": one_or_list(rng, pick(rng, SERVICES, rng.randint(1, 2)))}
    if (effect == "Deny" and r < 0.46) or (effect == "Allow" and r < 0.38):
        names = pick(rng, principal_pool(OWNER), rng.randint(1, 3))
        return "NotPrincipal", {"AWS": one_or_list(rng, names)}
    names = pick(rng, principal_pool(OWNER), rng.randint(1, 3))
    p = {"AWS": one_or_list(rng, names)}
    if rng.random() < 0.1:
        p["Service"] = pick(rng, SERVICES)
    return "Principal", p


def fmt_epoch(iso):
    import datetime
    return str(int(datetime.datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc).timestamp()))


def rand_condition_entry(rng, layer):
    """One (operator, key, values) triple, realistic for S3 policies."""
    choices = [
        ("StringEquals", "aws:PrincipalOrgID", [ORG_A]),
        ("StringNotEquals", "aws:PrincipalOrgID", [ORG_A]),
        ("StringNotEqualsIfExists", "aws:PrincipalOrgID", [ORG_A, ORG_B]),
        ("StringEquals", "aws:PrincipalAccount", [OWNER]),
        ("StringNotEquals", "aws:PrincipalAccount", [OWNER, OTHER]),
        ("StringEquals", "aws:SourceAccount", [OWNER]),
        ("StringEquals", "aws:ResourceAccount", ["${aws:PrincipalAccount}"]),
        ("StringNotEquals", "aws:ResourceAccount", ["${aws:PrincipalAccount}"]),
        ("StringEquals", "s3:ResourceAccount", [OWNER]),
        ("StringNotEquals", "aws:SourceVpce", [VPCES[0]]),
        ("StringEquals", "aws:SourceVpce", VPCES[:1]),
        ("StringNotEqualsIfExists", "aws:SourceVpc", [VPCS[0]]),
        ("StringEquals", "aws:SourceVpc", VPCS),
        ("StringLike", "s3:prefix", ["home/${aws:username}/*", "", "home/"]),
        ("StringLike", "s3:prefix", ["public/*"]),
        ("StringNotLike", "s3:prefix", ["private/*"]),
        ("StringEquals", "s3:prefix", ["", "home/"]),
        ("StringEquals", "s3:x-amz-acl", ["bucket-owner-full-control"]),
        ("StringNotEquals", "s3:x-amz-acl", ["bucket-owner-full-control"]),
        ("StringEquals", "s3:x-amz-acl", ["public-read", "public-read-write"]),
        ("StringNotEquals", "s3:x-amz-server-side-encryption", ["aws:kms"]),
        ("StringNotEqualsIfExists", "s3:x-amz-server-side-encryption", ["AES256", "aws:kms"]),
        ("StringEquals", "s3:x-amz-server-side-encryption-aws-kms-key-id", [KMS_KEYS[0]]),
        ("StringEquals", "aws:PrincipalTag/team", ["finance"]),
        ("StringEqualsIgnoreCase", "aws:PrincipalTag/team", ["FINANCE", "Data"]),
        ("StringEquals", "s3:ExistingObjectTag/team", ["${aws:PrincipalTag/team}"]),
        ("StringEquals", "s3:ExistingObjectTag/classification", ["public"]),
        ("StringNotEquals", "s3:ExistingObjectTag/classification", ["public"]),
        ("StringEquals", "s3:RequestObjectTag/team", ["${aws:PrincipalTag/team}"]),
        ("StringLike", "aws:userid", ["AROA*:*", "AIDA*"]),
        ("StringNotLike", "aws:userid", ["AROA*:alice", OWNER]),
        ("StringEquals", "aws:username", ["alice", "bob"]),
        ("StringLike", "aws:referer", ["https://www.example.com/*"]),
        ("StringEquals", "s3:authType", ["REST-QUERY-STRING"]),
        ("StringNotEquals", "s3:signatureversion", ["AWS4-HMAC-SHA256"]),
        ("StringEquals", "aws:PrincipalType", ["AssumedRole", "User"]),
        ("StringEquals", "aws:RequestedRegion", ["us-east-1"]),
        ("StringEquals", "aws:PrincipalServiceName", ["cloudtrail.amazonaws.com"]),
        ("StringLike", "aws:PrincipalTag/team", ["fin*", "d?ta"]),
        ("StringEquals", "aws:PrincipalTag/team", ["${aws:PrincipalTag/project}"]),
        ("StringNotEquals", "aws:PrincipalTag/team", ["${aws:PrincipalTag/project}"]),
        ("StringLike", "s3:prefix", ["${aws:PrincipalTag/team, 'shared'}/*"]),
        ("ArnLike", "aws:PrincipalArn", [f"arn:aws:iam::{OWNER}:role/*"]),
        ("ArnNotLike", "aws:PrincipalArn", [f"arn:aws:iam::{OWNER}:role/Admin", f"arn:aws:iam::{OWNER}:role/app/*"]),
        ("ArnEquals", "aws:PrincipalArn", [f"arn:aws:iam::{OTHER}:role/Reader"]),
        ("ArnLike", "aws:PrincipalArn", ["arn:aws:iam::*:user/*"]),
        ("ArnLike", "aws:SourceArn", [f"arn:aws:s3:::{BUCKET}-source", f"arn:aws:cloudtrail:us-east-1:{OWNER}:trail/*"]),
        ("ArnNotEquals", "aws:SourceArn", [f"arn:aws:s3:::{BUCKET}-source"]),
        ("StringLike", "aws:PrincipalArn", [f"arn:aws:iam::{OWNER}:*"]),
        ("Bool", "aws:SecureTransport", ["false"]),
        ("Bool", "aws:SecureTransport", ["true"]),
        ("BoolIfExists", "aws:MultiFactorAuthPresent", ["false"]),
        ("Bool", "aws:MultiFactorAuthPresent", ["true"]),
        ("Bool", "aws:PrincipalIsAWSService", ["false"]),
        ("BoolIfExists", "aws:PrincipalIsAWSService", ["false"]),
        ("Bool", "aws:ViaAWSService", ["false"]),
        ("Null", "aws:SourceVpce", ["true"]),
        ("Null", "s3:x-amz-server-side-encryption", ["true"]),
        ("Null", "aws:PrincipalOrgID", ["false"]),
        ("Null", "aws:MultiFactorAuthAge", ["true"]),
        ("Null", "s3:x-amz-server-side-encryption-aws-kms-key-id", ["false"]),
        ("IpAddress", "aws:SourceIp", ["203.0.113.0/24", "198.51.100.7/32"]),
        ("NotIpAddress", "aws:SourceIp", ["203.0.113.0/24"]),
        ("NotIpAddress", "aws:SourceIp", ["192.0.2.0/24", "2001:db8::/32"]),
        ("IpAddress", "aws:SourceIp", ["2001:db8::/32", "54.240.143.0/24"]),
        ("IpAddressIfExists", "aws:SourceIp", ["203.0.113.0/24"]),
        ("IpAddress", "aws:VpcSourceIp", ["10.0.0.0/16"]),
        ("NumericLessThan", "s3:TlsVersion", ["1.2"]),
        ("NumericGreaterThanEquals", "s3:TlsVersion", ["1.2"]),
        ("NumericGreaterThan", "s3:signatureAge", ["600000"]),
        ("NumericLessThanEquals", "s3:max-keys", ["100"]),
        ("NumericGreaterThan", "aws:MultiFactorAuthAge", ["3600"]),
        ("NumericLessThanIfExists", "aws:MultiFactorAuthAge", ["3600"]),
        ("DateGreaterThan", "aws:CurrentTime", ["2025-06-01T00:00:00Z"]),
        ("DateLessThan", "aws:CurrentTime", ["2026-03-01T00:00:00Z"]),
        ("DateLessThan", "aws:EpochTime", ["1767225600"]),
        ("DateGreaterThanEquals", "aws:EpochTime", ["2026-01-01T00:00:00Z"]),
        ("DateLessThan", "aws:CurrentTime", ["1767225600"]),
        ("DateGreaterThan", "aws:TokenIssueTime", ["2025-12-31T00:00:00Z"]),
        ("DateLessThan", "aws:CurrentTime", ["2026-01-01", "2026-01-01T02:00:00+02:00", "2025-12-31T23:59:59.500Z"]),
        ("DateGreaterThanEquals", "aws:CurrentTime", ["2026-01-01T00:00:00Z"]),
        ("DateNotEquals", "aws:TokenIssueTime", ["2025-06-01T00:00:00Z"]),
        ("StringLike", "s3:prefix", ["home/${aws:username}/${*}"]),
        ("StringEquals", "aws:userid", ["${aws:userid}"]),
        ("StringNotLike", "aws:PrincipalArn", ["arn:aws:iam::${aws:PrincipalAccount}:role/*"]),
        ("NotIpAddress", "aws:SourceIp", ["2001:DB8::/32", "::ffff:203.0.113.0/120"]),
        ("StringEqualsIgnoreCase", "s3:x-amz-server-side-encryption", ["AWS:KMS"]),
        ("ForAllValues:StringEquals", "aws:TagKeys", ["team", "project"]),
        ("ForAnyValue:StringLike", "aws:TagKeys", ["t*"]),
        ("ForAnyValue:StringLike", "aws:PrincipalOrgPaths", [ORG_PATH[ORG_A] + "*"]),
        ("ForAllValues:StringLike", "aws:PrincipalOrgPaths", ["o-aa11bb22cc/*"]),
        ("ForAnyValue:StringEquals", "s3:RequestObjectTagKeys", ["team", "project"]),
        ("ForAllValues:StringEquals", "s3:RequestObjectTagKeys", ["team", "project"]),
        ("ForAnyValue:StringNotEquals", "s3:RequestObjectTagKeys", ["team"]),
        ("ForAllValues:StringNotLike", "aws:PrincipalOrgPaths", ["o-zz*"]),
        ("ForAnyValue:StringEquals", "aws:PrincipalOrgID", [ORG_A]),
        ("ForAllValues:StringEquals", "aws:PrincipalOrgID", [ORG_A]),
        ("StringEquals", "aws:PrincipalOrgPaths", [ORG_PATH[ORG_A]]),
        ("StringNotEquals", "s3:RequestObjectTagKeys", ["secret"]),
        ("StringEqualsIfExists", "s3:x-amz-acl", ["private"]),
        ("StringEquals", "s3:x-amz-storage-class", ["STANDARD_IA"]),
        ("StringEquals", "s3:versionid", ["3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY+MTRCxf3vjVBH40Nrjfkd"]),
    ]
    op, key, values = rng.choice(choices)
    values = pick(rng, values, rng.randint(1, len(values)))
    if rng.random() < 0.04:
        key = key.lower() if rng.random() < 0.5 else key.upper()
    return op, key, values


def rand_conditions(rng, layer):
    n = rng.choices([0, 1, 2, 3], [42, 38, 15, 5])[0]
    cond = {}
    for _ in range(n):
        op, key, values = rand_condition_entry(rng, layer)
        if op in cond and any(k.lower() == key.lower() for k in cond[op]):
            continue
        v = values[0] if len(values) == 1 and rng.random() < 0.6 else values
        if key_type(key) == BOOL and rng.random() < 0.15:
            v = v == "true" if isinstance(v, str) else v
        elif key_type(key) == NUM and op.startswith("Numeric") and isinstance(v, str) and rng.random() < 0.2:
            v = float(v) if "." in v else int(v)
        cond.setdefault(op, {})[key] = v
    return cond


def rand_statement(rng, layer, bucket, sid=None):
    if layer == "rcp":
        effect = "Deny"
    elif layer in ("bucket",):
        effect = rng.choices(["Allow", "Deny"], [62, 38])[0]
    elif layer in ("scp",):
        effect = rng.choices(["Allow", "Deny"], [35, 65])[0]
    else:
        effect = rng.choices(["Allow", "Deny"], [78, 22])[0]
    st = {}
    if sid:
        st["Sid"] = sid
    st["Effect"] = effect
    if layer == "bucket":
        k, v = rand_principal(rng, effect)
        st[k] = v
    elif layer == "rcp":
        st["Principal"] = "*"
    acts = rand_actions(rng, layer)
    if layer != "rcp" and rng.random() < (0.18 if effect == "Deny" else 0.07):
        st["NotAction"] = one_or_list(rng, acts)
    else:
        st["Action"] = one_or_list(rng, acts)
    res = rand_resources(rng, layer, bucket)
    if rng.random() < (0.15 if effect == "Deny" else 0.05):
        st["NotResource"] = one_or_list(rng, res if res != ["*"] else [f"arn:aws:s3:::{bucket}/public/*"])
    else:
        st["Resource"] = one_or_list(rng, res)
    cond = rand_conditions(rng, layer)
    if cond:
        st["Condition"] = cond
    return st


def action_kinds(pattern):
    """The resource kinds (object / bucket / none) of the S3 actions an action pattern matches."""
    svc, _, name = pattern.partition(":")
    if pattern == "*":
        return {"object", "bucket", "none"}
    if svc.lower() != "s3":
        return set()
    rx = re.compile("^" + re.escape(name).replace(r"\*", ".*").replace(r"\?", ".") + "$", re.I)
    return {k for a, k in REF.kind.items() if rx.match(a.split(":", 1)[1])}


def res_kinds(resources):
    kinds = set()
    for r in resources:
        if r == "*" or r in ("arn:aws:s3:::*",):
            kinds |= {"object", "bucket"}
        elif r.startswith("arn:aws:s3:::"):
            rest = r[len("arn:aws:s3:::"):]
            kinds.add("object" if "/" in rest else "bucket")
            if "/" not in rest and "*" in rest:
                kinds.add("object")
    return kinds


def fix_bucket_statement(st, bucket):
    """S3 rejects a bucket-policy statement with an action that applies to none of its resources."""
    if "Action" not in st or "Resource" not in st:
        return
    acts = [a for a in as_list(st["Action"]) if "none" not in action_kinds(a) or action_kinds(a) - {"none"}]
    if not acts:
        acts = ["s3:GetObject"]
    res = as_list(st["Resource"])
    have = res_kinds(res)
    for a in acts:
        need = action_kinds(a) - {"none"}
        if need and not (need & have):
            k = sorted(need)[0]
            res.append(f"arn:aws:s3:::{bucket}" if k == "bucket" else f"arn:aws:s3:::{bucket}/*")
            have.add(k)
    st["Action"] = acts[0] if len(acts) == 1 and not isinstance(st["Action"], list) else acts
    st["Resource"] = res[0] if len(res) == 1 and not isinstance(st["Resource"], list) else res


def rand_policy(rng, layer, bucket, nmin=1, nmax=4):
    n = rng.randint(nmin, nmax)
    sts = []
    for i in range(n):
        sid = f"S{i}" if rng.random() < 0.5 else None
        st = rand_statement(rng, layer, bucket, sid)
        if layer == "bucket":
            fix_bucket_statement(st, bucket)
        sts.append(st)
    version = "2012-10-17"
    r = rng.random()
    doc = {}
    if r < 0.03 and layer not in ("rcp",):
        version = "2008-10-17"
    if not (r > 0.985 and layer in ("identity", "bucket")):
        doc["Version"] = version
    if layer == "bucket" and rng.random() < 0.3:
        doc["Id"] = "Policy" + str(rng.randint(1000, 9999))
    doc["Statement"] = sts if (len(sts) > 1 or rng.random() < 0.8) else sts[0]
    return doc


FULL_ACCESS = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
RCP_FULL_ACCESS = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]}


def rand_scp_levels(rng, bucket):
    levels = []
    for _ in range(rng.randint(1, 3)):
        level = []
        r = rng.random()
        if r < 0.75:
            level.append(FULL_ACCESS)
        elif r < 0.9:
            level.append({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": pick(rng, ["s3:Get*", "s3:List*", "s3:PutObject", "s3:*Object", "iam:*"], rng.randint(1, 3)),
                 "Resource": "*"}]})
        if rng.random() < 0.7 or not level:
            level.append(rand_policy(rng, "scp", bucket, 1, 3))
        levels.append(level)
    return levels


def rand_rcp_levels(rng, bucket):
    return [[rand_policy(rng, "rcp", bucket, 1, 2)] for _ in range(rng.randint(1, 2))]


# --------------------------------------------------------------------------------------------------
# Corpora


def load_corpora(corpus):
    bucket_policies = []
    for f in sorted(glob.glob(os.path.join(corpus, "s3-bucket-policies", "unique", "*.json"))):
        try:
            d = json.load(open(f))
        except Exception:
            continue
        if isinstance(d, dict) and "Statement" in d:
            bucket_policies.append((os.path.relpath(f, corpus), d))
    identity = []
    files = sorted(glob.glob(os.path.join(corpus, "managed-policies", "latest", "*.json")))
    files += sorted(glob.glob(os.path.join(corpus, "awsdocs", "*", "identity-policy", "*.json")))
    qidx = os.path.join(corpus, "quacky", "index.jsonl")
    if os.path.exists(qidx):
        seen = set()
        for line in open(qidx):
            e = json.loads(line)
            if e.get("kind") == "identity-policy" and e["sha"] not in seen:
                seen.add(e["sha"])
                files.append(os.path.join(corpus, "quacky", e["file"]))
    for f in files:
        try:
            text = open(f).read()
            d = json.loads(text)
        except Exception:
            continue
        if not isinstance(d, dict) or "Statement" not in d or len(text) > 9000:
            continue
        if '"s3:' not in text.lower() and '"s3:*"' not in text.lower():
            continue
        if '"Principal"' in text or '"NotPrincipal"' in text:
            continue
        identity.append((os.path.relpath(f, corpus), d))
    return bucket_policies, identity


def statements(doc):
    s = doc.get("Statement", [])
    return s if isinstance(s, list) else [s]


def as_list(v):
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


def collect_hints(docs):
    """Values the case's policies mention: principals, condition values, resources, actions."""
    h = {"principals": [], "conds": [], "resources": [], "actions": []}
    for layer, doc in docs:
        if not isinstance(doc, dict):
            continue
        for st in statements(doc):
            if not isinstance(st, dict):
                continue
            for el in ("Principal", "NotPrincipal"):
                p = st.get(el)
                if p == "*":
                    continue
                if isinstance(p, dict):
                    for t, v in p.items():
                        if t in ("AWS", "Service"):
                            h["principals"] += [x for x in as_list(v) if isinstance(x, str) and x != "*"]
            for el in ("Resource", "NotResource"):
                h["resources"] += [r for r in as_list(st.get(el)) if isinstance(r, str)]
            for el in ("Action", "NotAction"):
                h["actions"] += [a for a in as_list(st.get(el)) if isinstance(a, str) and a.lower().startswith("s3:")]
            c = st.get("Condition")
            if isinstance(c, dict):
                for op, kv in c.items():
                    if isinstance(kv, dict):
                        for k, v in kv.items():
                            vals = [str(x).lower() if isinstance(x, bool) else str(x) for x in as_list(v)]
                            h["conds"].append((op, k, vals))
    return h


# --------------------------------------------------------------------------------------------------
# Request contexts


def fill_like(rng, pattern):
    out = []
    for ch in pattern:
        if ch == "*":
            out.append(rng.choice(["", "x", "abc", "home/alice", "2026"]))
        elif ch == "?":
            out.append(rng.choice("abcxyz0"))
        else:
            out.append(ch)
    return "".join(out)


VAR_RE = re.compile(r"\$\{([^}]*)\}")


def substitute(value, ctx):
    """Substitutes policy variables from ctx; None when one has no value (and no default)."""
    bad = False

    def rep(m):
        nonlocal bad
        inner = m.group(1)
        if inner in ("*", "?", "$"):
            return inner
        name, _, default = inner.partition(",")
        name = name.strip()
        for k, v in ctx.items():
            if k.lower() == name.lower() and isinstance(v, str):
                return v
        d = default.strip()
        if d.startswith("'") and d.endswith("'") and len(d) >= 2:
            return d[1:-1]
        bad = True
        return ""

    out = VAR_RE.sub(rep, value)
    return None if bad else out


def value_hitting(rng, op, key, value, ctx):
    """A request value that satisfies (or narrowly misses) `op key value`."""
    base = op.split(":")[-1].replace("IfExists", "")
    v = substitute(value, ctx) if "${" in value else value
    if v is None:
        v = rng.choice(TEAMS)
    t = key_type(key)
    miss = rng.random() < 0.25
    if base.startswith("String") or base.startswith("Arn"):
        if "Like" in base or base.startswith("Arn"):
            v = fill_like(rng, v)
        if "IgnoreCase" in base and rng.random() < 0.5:
            v = v.swapcase()
        if miss:
            v = v + "x" if v else "y"
        return v
    if base in ("IpAddress", "NotIpAddress") or t == IP:
        try:
            net = ipaddress.ip_network(v, strict=False)
            if miss:
                return "192.0.2.250" if net.version == 4 and not net.overlaps(ipaddress.ip_network("192.0.2.0/24")) else "203.0.113.77"
            n = net.num_addresses
            return str(net.network_address + (rng.randrange(n) if n > 1 else 0))
        except ValueError:
            return v
    if base.startswith("Numeric"):
        try:
            x = float(v)
            d = rng.choice([-1, 0, 1]) * (0.1 if "." in v else 1)
            r = x + d
            return f"{r:.1f}" if "." in v else str(int(r))
        except ValueError:
            return v
    if base.startswith("Date"):
        return v
    if base == "Bool":
        return rng.choice(["true", "false"])
    return v


def build_context(rng, action, caller, owner, time_iso, hints, ref):
    ctx = {}
    ctx["aws:SecureTransport"] = "true" if rng.random() < 0.85 else "false"
    ctx["aws:CurrentTime"] = time_iso
    ctx["aws:EpochTime"] = fmt_epoch(time_iso)
    ctx["aws:ViaAWSService"] = "false"
    ctx.update(caller["ctx"])
    ctx["aws:ResourceAccount"] = owner
    ctx["s3:ResourceAccount"] = owner
    ctx["aws:RequestedRegion"] = rng.choice(["us-east-1", "us-east-1", "eu-west-1"])
    kind = caller["kind"]
    if kind == "service":
        if rng.random() < 0.8:
            ctx["aws:SourceAccount"] = rng.choice([OWNER, OWNER, OTHER])
            ctx["aws:SourceArn"] = rng.choice([f"arn:aws:s3:::{BUCKET}-source", f"arn:aws:cloudtrail:us-east-1:{OWNER}:trail/main",
                                               f"arn:aws:logs:us-east-1:{OTHER}:log-group:x"])
        ctx["aws:SourceIp"] = rng.choice(PUBLIC_IPS)
    else:
        if rng.random() < 0.75:
            ctx["aws:SourceIp"] = rng.choice(PUBLIC_IPS)
        else:
            ctx["aws:SourceVpce"] = rng.choice(VPCES)
            ctx["aws:SourceVpc"] = rng.choice(VPCS)
            ctx["aws:VpcSourceIp"] = rng.choice(["10.0.1.5", "10.1.0.9"])
    if kind not in ("anonymous", "service"):
        org = ORG_OF.get(caller["account"])
        if org and rng.random() < 0.85:
            ctx["aws:PrincipalOrgID"] = org
            ctx["aws:PrincipalOrgPaths"] = [ORG_PATH[org]]
        if kind in ("user", "session", "role", "federated") and rng.random() < 0.6:
            ctx["aws:PrincipalTag/team"] = rng.choice(TEAMS)
            if rng.random() < 0.4:
                ctx["aws:PrincipalTag/project"] = rng.choice(TEAMS + ["apollo"])
        if kind in ("session", "role", "federated"):
            mfa = rng.random() < 0.4
            ctx["aws:MultiFactorAuthPresent"] = "true" if mfa else "false"
            if mfa:
                ctx["aws:MultiFactorAuthAge"] = str(rng.choice([30, 900, 3600, 7200]))
            ctx["aws:TokenIssueTime"] = rng.choice(["2025-12-31T12:00:00Z", "2025-06-01T00:00:00Z", time_iso])
    if rng.random() < 0.1:
        ctx["aws:referer"] = rng.choice(["https://www.example.com/page", "https://evil.example.net/"])
    # S3 request keys
    if ctx["aws:SecureTransport"] == "true":
        ctx["s3:TlsVersion"] = rng.choice(["1.2", "1.3", "1.3", "1.1"])
    if kind != "anonymous":
        ctx["s3:signatureversion"] = "AWS4-HMAC-SHA256" if rng.random() < 0.95 else "AWS"
        ctx["s3:authType"] = rng.choice(["REST-HEADER", "REST-HEADER", "REST-QUERY-STRING"])
        ctx["s3:signatureAge"] = str(rng.choice([0, 1000, 650000]))
        ctx["s3:x-amz-content-sha256"] = "UNSIGNED-PAYLOAD"
    a = action.lower()
    if a in ("s3:listbucket", "s3:listbucketversions"):
        if rng.random() < 0.8:
            ctx["s3:prefix"] = rng.choice(["", "home/", "home/alice/", "home/bob/", "public/", "private/", "finance/"])
        if rng.random() < 0.5:
            ctx["s3:delimiter"] = "/"
        if rng.random() < 0.4:
            ctx["s3:max-keys"] = rng.choice(["50", "100", "1000"])
    if a in ("s3:putobject", "s3:putobjectacl", "s3:putbucketacl", "s3:createbucket") and rng.random() < 0.4:
        ctx["s3:x-amz-acl"] = rng.choice(["private", "public-read", "bucket-owner-full-control", "authenticated-read"])
    if a == "s3:putobject":
        r = rng.random()
        if r < 0.3:
            ctx["s3:x-amz-server-side-encryption"] = "aws:kms"
            if rng.random() < 0.6:
                ctx["s3:x-amz-server-side-encryption-aws-kms-key-id"] = rng.choice(KMS_KEYS)
        elif r < 0.45:
            ctx["s3:x-amz-server-side-encryption"] = "AES256"
        if rng.random() < 0.3:
            keys = pick(rng, ["team", "project", "secret"], rng.randint(1, 2))
            ctx["s3:RequestObjectTagKeys"] = keys
            for k in keys:
                ctx[f"s3:RequestObjectTag/{k}"] = rng.choice(TEAMS)
        if rng.random() < 0.2:
            ctx["s3:x-amz-storage-class"] = rng.choice(["STANDARD", "STANDARD_IA"])
    if ref.applicable(action, "s3:ExistingObjectTag/x") and rng.random() < 0.35:
        ctx["s3:ExistingObjectTag/classification"] = rng.choice(["public", "internal"])
        if rng.random() < 0.5:
            ctx["s3:ExistingObjectTag/team"] = rng.choice(TEAMS)
    # Hint-driven values: hit the policies' conditions.
    for op, key, values in hints["conds"]:
        kl = key.lower()
        if kl in DERIVED or not values or rng.random() < 0.45:
            continue
        if op == "Null" or op.endswith(":Null"):
            if rng.random() < 0.5:
                drop = [k for k in ctx if k.lower() == kl]
                for k in drop:
                    del ctx[k]
            elif not any(k.lower() == kl for k in ctx):
                ctx[key] = rng.choice(TEAMS) if key_type(key) == STR else ("true" if key_type(key) == BOOL else "1")
            continue
        v = value_hitting(rng, op, key, rng.choice(values), ctx)
        for k in [k for k in ctx if k.lower() == kl]:
            del ctx[k]
        if kl in MULTI:
            extra = [] if rng.random() < 0.6 else [rng.choice(["team", "project", "o-zz99yy88xx/r-cd34/"])]
            ctx[key] = [v] + extra
        else:
            ctx[key] = v
    if a == "s3:createbucket" and rng.random() < 0.5 and not any(k.lower() == "aws:tagkeys" for k in ctx):
        keys = [] if rng.random() < 0.2 else pick(rng, ["team", "project", "secret"], rng.randint(1, 2))
        ctx["aws:TagKeys"] = keys
        for k in keys:
            ctx[f"aws:RequestTag/{k}"] = rng.choice(TEAMS)
    if "s3:RequestObjectTagKeys" in ctx and rng.random() < 0.05:
        ctx["s3:RequestObjectTagKeys"] = []
    if ctx.get("aws:SourceIp") and rng.random() < 0.04:
        ctx["aws:SourceIp"] = rng.choice(["::ffff:203.0.113.10", "2001:DB8::1"])
    # One entry per key whatever its case (the last one set wins).
    seen = {}
    for k in list(ctx):
        if k.lower() in seen:
            del ctx[seen[k.lower()]]
        seen[k.lower()] = k
    # Keep only keys AWS documents for this action (iam-simulate drops the rest).
    ctx = {k: v for k, v in ctx.items() if ref.applicable(action, k)}
    for k in list(ctx):
        if k.lower() in MULTI and isinstance(ctx[k], str):
            ctx[k] = [ctx[k]]
        if k.lower() not in MULTI and isinstance(ctx[k], list):
            ctx[k] = ctx[k][0]
    return ctx


# --------------------------------------------------------------------------------------------------
# Requests


def bucket_of(docs):
    for layer, d in docs:
        if layer != "bucket":
            continue
        for st in statements(d):
            if not isinstance(st, dict):
                continue
            for r in as_list(st.get("Resource")) + as_list(st.get("NotResource")):
                m = re.match(r"^arn:aws:s3:::([a-z0-9][a-z0-9.\-]*[a-z0-9])(/|$)", str(r))
                if m:
                    return m.group(1)
    return BUCKET


def key_from_pattern(rng, pattern, bucket, caller):
    m = re.match(r"^arn:aws:s3:::([^/]+)/(.+)$", pattern)
    if not m or not re.fullmatch(re.escape(m.group(1)).replace(r"\*", ".*").replace(r"\?", "."), bucket):
        return None
    k = m.group(2)
    ctx = dict(caller["ctx"])
    k = substitute(k, ctx) if "${" in k else k
    if k is None:
        k = m.group(2)
        k = VAR_RE.sub(lambda mm: rng.choice(["alice", "finance", "shared"]), k)
    k = fill_like(rng, k).strip("/")
    if not k or "*" in k or "?" in k or "$" in k:
        return None
    return k


def pick_action(rng, hints, ref):
    specific = [a for a in hints["actions"] if "*" not in a and "?" not in a]
    canon = {x.lower(): x for x in ref.all_actions}
    if specific and rng.random() < 0.4:
        a = canon.get(rng.choice(specific).lower())
        if a:
            return a
    r = rng.random()
    if r < 0.7:
        return rng.choices(["s3:GetObject", "s3:PutObject", "s3:ListBucket", "s3:DeleteObject", "s3:GetBucketPolicy",
                            "s3:PutBucketPolicy", "s3:GetObjectTagging", "s3:PutObjectAcl", "s3:ListAllMyBuckets",
                            "s3:GetBucketLocation", "s3:DeleteBucket", "s3:ListBucketVersions", "s3:GetObjectVersion"],
                           [20, 14, 14, 6, 4, 3, 3, 3, 3, 3, 2, 2, 2])[0]
    return rng.choice(ref.all_actions)


def make_request(rng, hints, ref, bucket, owner, time_iso, ids):
    caller = random_caller(rng, hints)
    action = pick_action(rng, hints, ref)
    kind = ref.kind[action]
    if kind == "none":
        resource = "*"
    else:
        b = bucket if rng.random() < 0.95 else SIBLING
        if kind == "bucket":
            resource = f"arn:aws:s3:::{b}"
        else:
            key = None
            pats = [r for r in hints["resources"] if isinstance(r, str) and r.startswith("arn:aws:s3:::")]
            if pats and rng.random() < 0.6:
                key = key_from_pattern(rng, rng.choice(pats), b, caller)
            if key is None:
                key = rng.choice(KEYS)
                if caller.get("username") and rng.random() < 0.3:
                    key = f"home/{caller['username']}/file.txt"
            resource = f"arn:aws:s3:::{b}/{key}"
    ctx = build_context(rng, action, caller, owner, time_iso, hints, ref)
    return {"id": ids, "caller": caller, "action": action, "resource": resource, "context": ctx}


# --------------------------------------------------------------------------------------------------
# Cases


def gen_case(rng, idx, ref, bucket_corpus, identity_corpus):
    origins = {}
    docs = []
    bucket = BUCKET
    # bucket policy
    bp = None
    if rng.random() < 0.85:
        if bucket_corpus and rng.random() < 0.35:
            src, d = rng.choice(bucket_corpus)
            bp = copy.deepcopy(d)
            origins["bucket"] = src
        else:
            bp = rand_policy(rng, "bucket", BUCKET, 1, 5)
            origins["bucket"] = "random"
        docs.append(("bucket", bp))
        bucket = bucket_of(docs)
    identity = []
    for i in range(rng.choices([0, 1, 2, 3], [20, 45, 25, 10])[0]):
        if identity_corpus and rng.random() < 0.3:
            src, d = rng.choice(identity_corpus)
            identity.append(copy.deepcopy(d))
            origins[f"identity{i}"] = src
        else:
            identity.append(rand_policy(rng, "identity", bucket, 1, 4))
            origins[f"identity{i}"] = "random"
    docs += [("identity", d) for d in identity]
    pb = rand_policy(rng, "pb", bucket, 1, 3) if rng.random() < 0.2 else None
    if pb and rng.random() < 0.3:
        pb = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    sp = rand_policy(rng, "session", bucket, 1, 3) if rng.random() < 0.2 else None
    scp = rand_scp_levels(rng, bucket) if rng.random() < 0.2 else None
    rcp = rand_rcp_levels(rng, bucket) if rng.random() < 0.15 else None
    for name, d in (("pb", pb), ("session", sp)):
        if d:
            docs.append((name, d))
            origins[name] = "random"
    for name, lv in (("scp", scp), ("rcp", rcp)):
        if lv:
            origins[name] = f"random, {len(lv)} level(s)"
            for level in lv:
                docs += [(name, d) for d in level]
    owner = OWNER
    hints = collect_hints(docs)
    accts = sorted({m for p in hints["principals"] for m in re.findall(r"\b\d{12}\b", p)})
    if origins.get("bucket", "random") != "random" and accts and rng.random() < 0.5:
        owner = rng.choice(accts)
    time_iso = rng.choice(TIMES)
    nreq = rng.randint(8, 15)
    reqs = [make_request(rng, hints, ref, bucket, owner, time_iso, f"c{idx:05d}-r{j:02d}") for j in range(nreq)]
    return {"idx": idx, "bucket": bucket, "owner": owner, "time": time_iso, "bucket_policy": bp, "identity": identity,
            "pb": pb, "session": sp, "scp": scp, "rcp": rcp, "origins": origins, "requests": reqs}


def vector_for(case, req):
    kind = req["caller"]["kind"]
    pol = {}
    if case["bucket_policy"] is not None:
        pol["resource"] = case["bucket_policy"]
    if kind in ("user", "session", "role", "federated"):
        if case["identity"]:
            pol["identity"] = case["identity"]
        if case["pb"]:
            pol["permission_boundary"] = [case["pb"]]
    if kind in ("session", "role", "federated") and case["session"]:
        pol["session"] = case["session"]
    service_linked = kind in ("session", "role") and req["caller"]["ctx"].get("aws:PrincipalArn", "").count("/aws-service-role/")
    if kind not in ("anonymous", "service") and case["scp"] and not service_linked:
        pol["scp"] = [{"org": f"scp-level-{i}", "policies": level} for i, level in enumerate(case["scp"])]
    if case["rcp"] and not service_linked:
        pol["rcp"] = [{"org": f"rcp-level-{i}", "policies": level} for i, level in enumerate(case["rcp"])]
    principal = {"anonymous": True} if kind == "anonymous" else req["caller"]["principal"]
    return {"id": req["id"], "request": {"principal": principal, "action": req["action"], "resource": req["resource"],
                                         "resource_account": case["owner"], "context": req["context"]},
            "policies": pol}


def scenario_for(case):
    pol = {}
    if case["identity"]:
        pol["identity"] = case["identity"]
    if case["bucket_policy"] is not None:
        pol["bucket"] = case["bucket_policy"]
    if case["pb"]:
        pol["permissions_boundary"] = case["pb"]
    if case["session"]:
        pol["session"] = case["session"]
    if case["scp"]:
        pol["scp"] = case["scp"]
    if case["rcp"]:
        # AWS attaches RCPFullAWSAccess at every level (it cannot be detached); iam-simulate adds it itself.
        pol["rcp"] = [[RCP_FULL_ACCESS] + level for level in case["rcp"]]
    reqs = []
    for r in case["requests"]:
        reqs.append({"name": r["id"], "principal": r["caller"]["principal"], "action": r["action"],
                     "resource": r["resource"], "context": r["context"], "expect": "Allow"})
    return {"description": f"difftest case {case['idx']}: " + ", ".join(f"{k}={v}" for k, v in sorted(case["origins"].items())),
            "bucket_owner": case["owner"], "time": case["time"], "policies": pol, "requests": reqs}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=1000, help="number of cases (8-15 requests each)")
    ap.add_argument("--seed", type=int, default=20260101)
    ap.add_argument("--out", required=True)
    ap.add_argument("--corpus", default=os.environ.get("CORPUS", "/work/shared/corpus"))
    args = ap.parse_args()
    rng = random.Random(args.seed)
    global REF
    ref = REF = Reference(args.corpus)
    bucket_corpus, identity_corpus = load_corpora(args.corpus)
    os.makedirs(os.path.join(args.out, "scenarios"), exist_ok=True)
    nreq = 0
    with open(os.path.join(args.out, "vectors.jsonl"), "w") as vf, open(os.path.join(args.out, "cases.jsonl"), "w") as cf:
        for i in range(args.count):
            case = gen_case(rng, i, ref, bucket_corpus, identity_corpus)
            path = os.path.join(args.out, "scenarios", f"{i:05d}.json")
            with open(path, "w") as f:
                json.dump(scenario_for(case), f, indent=1)
            for r in case["requests"]:
                v = vector_for(case, r)
                v["meta"] = {"case": i, "caller_kind": r["caller"]["kind"], "caller_account": r["caller"]["account"],
                             "owner": case["owner"], "scenario": path}
                vf.write(json.dumps(v) + "\n")
                nreq += 1
            cf.write(json.dumps({"case": i, "scenario": path, "origins": case["origins"],
                                 "requests": [r["id"] for r in case["requests"]]}) + "\n")
    print(json.dumps({"cases": args.count, "requests": nreq, "seed": args.seed, "out": args.out,
                      "corpus_bucket_policies": len(bucket_corpus), "corpus_identity_policies": len(identity_corpus)}))


if __name__ == "__main__":
    main()
