#!/usr/bin/env python3
"""Generate the benchmark corpus: realistic S3 bucket policies and identity policies.

    python3 bench/gen_corpus.py OUT_DIR [--bucket N] [--identity N] [--seed S] [--small N]
                                        [--queries N]

writes OUT_DIR/bucket/NNNNN.json (default 10,000 bucket policies of 1-20 statements) and
OUT_DIR/identity/NNNNN.json (default 10,000 identity policies of 1-10 statements over mixed
services). With --small N it also writes OUT_DIR/small/DDD/NNNNNN.json: N one-statement policies
in folders of 1,000, to show that memory stays bounded on huge directories. With --queries N it
writes OUT_DIR/queries/workload.json: a 20-statement bucket policy, 5 identity policies of the
caller and N requests against them (callers of every kind, object and bucket actions, contexts
that hit or miss the conditions), in the shape of a scenario file without expectations
(docs/scenarios.md), for examples/query_throughput.rs and, converted to vectors, iam-simulate.

The statement shapes are those of real bucket policies (see ../shared/corpus/s3-bucket-policies):
TLS-only and minimum-TLS denies, cross-account read and write, CloudFront origin access control
and legacy origin access identities, VPC endpoint and VPC restrictions, organisation conditions,
S3 server-access-log, ELB, CloudTrail, Config and inventory delivery, encryption and
object-ownership enforcement, IP allow lists, MFA for deletes, public website read, replication
and per-user home prefixes. Every document lints with 0 errors (bench/compare.sh checks it).

Python 3 standard library only; the output is identical for a given seed and counts.
"""

import argparse
import json
import os
import random

ACCOUNTS = ["111122223333", "444455556666", "777788889999", "123456789012", "210987654321"]
ORGS = ["o-aa11bb22cc", "o-zz99yy88xx", "o-a1b2c3d4e5"]
REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2"]
# Account ids of Elastic Load Balancing in a few regions (AWS documentation).
ELB_ACCOUNTS = ["127311923021", "797873946194", "156460612806", "054676820928", "783225319266"]
WORDS = ["data", "logs", "assets", "backup", "reports", "media", "raw", "curated", "exports",
         "web", "archive", "ml", "analytics", "billing", "events", "uploads", "static", "audit"]
ROLES = ["Analytics", "DataEngineer", "ReadOnly", "Deployer", "EtlJob", "Partner", "Auditor",
         "BackupService", "LambdaExec", "WebApp"]


class Gen:
    """One random stream and the bucket being described."""

    def __init__(self, rng):
        self.r = rng

    def pick(self, xs):
        return self.r.choice(xs)

    def bucket_name(self):
        return "%s-%s-%s-%d" % (self.pick(["acme", "example", "corp", "team"]), self.pick(WORDS),
                                self.pick(["prod", "dev", "stage", "shared"]), self.r.randrange(1000))

    def role(self, account):
        return "arn:aws:iam::%s:role/%s%d" % (account, self.pick(ROLES), self.r.randrange(50))

    def vpce(self):
        return "vpce-%08x%09x" % (self.r.getrandbits(32), self.r.getrandbits(36))


def bucket_statement(g, shape, b, owner, i):
    """One statement of shape `shape` for bucket `b` owned by `owner`; `i` keeps Sids unique."""
    r = g.r
    arn = "arn:aws:s3:::" + b
    obj = arn + "/*"
    other = g.pick([a for a in ACCOUNTS if a != owner])
    prefix = g.pick(WORDS)
    if shape == "tls":
        return {"Sid": "DenyInsecureTransport%d" % i, "Effect": "Deny", "Principal": "*",
                "Action": "s3:*", "Resource": [arn, obj],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
    if shape == "tls-version":
        return {"Sid": "EnforceTls12%d" % i, "Effect": "Deny", "Principal": {"AWS": "*"},
                "Action": "s3:*", "Resource": [obj, arn],
                "Condition": {"NumericLessThan": {"s3:TlsVersion": g.pick(["1.2", "1.3"])}}}
    if shape == "cross-read":
        principal = g.pick([
            {"AWS": "arn:aws:iam::%s:root" % other},
            {"AWS": other},
            {"AWS": [g.role(other), g.role(other)]},
            {"AWS": g.role(other)},
        ])
        return {"Sid": "CrossAccountRead%d" % i, "Effect": "Allow", "Principal": principal,
                "Action": g.pick([["s3:GetObject", "s3:GetObjectVersion"], "s3:GetObject",
                                  ["s3:GetObject", "s3:GetObjectTagging"]]),
                "Resource": "%s/%s/*" % (arn, prefix)}
    if shape == "cross-list":
        return {"Sid": "CrossAccountList%d" % i, "Effect": "Allow",
                "Principal": {"AWS": g.role(other)},
                "Action": ["s3:ListBucket", "s3:GetBucketLocation"], "Resource": arn,
                "Condition": {"StringLike": {"s3:prefix": ["%s/*" % prefix, "%s/" % prefix, ""]}}}
    if shape == "cross-write":
        return {"Sid": "CrossAccountWrite%d" % i, "Effect": "Allow",
                "Principal": {"AWS": g.role(other)},
                "Action": ["s3:PutObject", "s3:PutObjectAcl"], "Resource": "%s/%s/*" % (arn, prefix),
                "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}}
    if shape == "cloudfront-oac":
        dist = "E%013X" % r.getrandbits(52)
        return {"Sid": "AllowCloudFrontServicePrincipal%d" % i, "Effect": "Allow",
                "Principal": {"Service": "cloudfront.amazonaws.com"}, "Action": "s3:GetObject",
                "Resource": obj,
                "Condition": {"StringEquals": {
                    "AWS:SourceArn": "arn:aws:cloudfront::%s:distribution/%s" % (owner, dist)}}}
    if shape == "cloudfront-oai":
        oai = "E%013X" % r.getrandbits(52)
        return {"Sid": "LegacyOai%d" % i, "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity %s" % oai},
                "Action": "s3:GetObject", "Resource": obj}
    if shape == "vpce":
        ends = [g.vpce() for _ in range(r.randint(1, 3))]
        return {"Sid": "AccessViaVpceOnly%d" % i, "Effect": "Deny", "Principal": "*",
                "Action": g.pick(["s3:*", ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]]),
                "Resource": [arn, obj],
                "Condition": {"StringNotEquals": {"aws:SourceVpce": ends if len(ends) > 1 else ends[0]}}}
    if shape == "vpc":
        return {"Sid": "AccessViaVpcOnly%d" % i, "Effect": "Deny", "Principal": "*",
                "Action": "s3:*", "Resource": [arn, obj],
                "Condition": {"StringNotEqualsIfExists": {"aws:SourceVpc": "vpc-%08x" % r.getrandbits(32)},
                              "Bool": {"aws:ViaAWSService": "false"}}}
    if shape == "org":
        return {"Sid": "OrgRead%d" % i, "Effect": "Allow", "Principal": "*",
                "Action": g.pick([["s3:GetObject", "s3:ListBucket"], "s3:GetObject"]),
                "Resource": [arn, obj] if r.random() < 0.5 else [obj, arn],
                "Condition": {"StringEquals": {"aws:PrincipalOrgID": g.pick(ORGS)}}}
    if shape == "org-deny":
        return {"Sid": "DenyOutsideOrg%d" % i, "Effect": "Deny", "Principal": "*",
                "Action": "s3:*", "Resource": [arn, obj],
                "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": g.pick(ORGS)},
                              "BoolIfExists": {"aws:PrincipalIsAWSService": "false"}}}
    if shape == "org-paths":
        org = g.pick(ORGS)
        return {"Sid": "OuRead%d" % i, "Effect": "Allow", "Principal": "*",
                "Action": "s3:GetObject", "Resource": "%s/%s/*" % (arn, prefix),
                "Condition": {"ForAnyValue:StringLike": {
                    "aws:PrincipalOrgPaths": "%s/r-ab12/ou-ab12-%08d/*" % (org, r.randrange(10**8))}}}
    if shape == "logging":
        src = g.bucket_name()
        return {"Sid": "S3ServerAccessLogsPolicy%d" % i, "Effect": "Allow",
                "Principal": {"Service": "logging.s3.amazonaws.com"}, "Action": "s3:PutObject",
                "Resource": "%s/%s/*" % (arn, prefix),
                "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::" + src},
                              "StringEquals": {"aws:SourceAccount": owner}}}
    if shape == "elb":
        return {"Sid": "ElbLogDelivery%d" % i, "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::%s:root" % g.pick(ELB_ACCOUNTS)},
                "Action": "s3:PutObject",
                "Resource": "%s/%s/AWSLogs/%s/*" % (arn, prefix, owner)}
    if shape == "cloudtrail":
        trail = "arn:aws:cloudtrail:%s:%s:trail/%s" % (g.pick(REGIONS), owner, g.pick(WORDS))
        if r.random() < 0.5:
            return {"Sid": "AWSCloudTrailAclCheck%d" % i, "Effect": "Allow",
                    "Principal": {"Service": "cloudtrail.amazonaws.com"},
                    "Action": "s3:GetBucketAcl", "Resource": arn,
                    "Condition": {"StringEquals": {"aws:SourceArn": trail}}}
        return {"Sid": "AWSCloudTrailWrite%d" % i, "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject",
                "Resource": "%s/AWSLogs/%s/*" % (arn, owner),
                "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control",
                                               "aws:SourceArn": trail}}}
    if shape == "config":
        return {"Sid": "AWSConfigBucketDelivery%d" % i, "Effect": "Allow",
                "Principal": {"Service": "config.amazonaws.com"}, "Action": "s3:PutObject",
                "Resource": "%s/AWSLogs/%s/Config/*" % (arn, owner),
                "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control",
                                               "AWS:SourceAccount": owner}}}
    if shape == "inventory":
        return {"Sid": "InventoryAndAnalyticsExamplePolicy%d" % i, "Effect": "Allow",
                "Principal": {"Service": "s3.amazonaws.com"}, "Action": "s3:PutObject",
                "Resource": "%s/%s/*" % (arn, prefix),
                "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::" + g.bucket_name()},
                              "StringEquals": {"aws:SourceAccount": owner,
                                               "s3:x-amz-acl": "bucket-owner-full-control"}}}
    if shape == "sse":
        return g.pick([
            {"Sid": "DenyIncorrectEncryptionHeader%d" % i, "Effect": "Deny", "Principal": "*",
             "Action": "s3:PutObject", "Resource": obj,
             "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}}},
            {"Sid": "DenyUnencryptedObjectUploads%d" % i, "Effect": "Deny", "Principal": "*",
             "Action": "s3:PutObject", "Resource": obj,
             "Condition": {"Null": {"s3:x-amz-server-side-encryption": "true"}}},
            {"Sid": "DenyWrongKmsKey%d" % i, "Effect": "Deny", "Principal": "*",
             "Action": "s3:PutObject", "Resource": obj,
             "Condition": {"StringNotEqualsIfExists": {
                 "s3:x-amz-server-side-encryption-aws-kms-key-id":
                     "arn:aws:kms:%s:%s:key/%08x-0000-4000-8000-%012x" % (
                         g.pick(REGIONS), owner, r.getrandbits(32), r.getrandbits(48))}}},
        ])
    if shape == "ownership":
        return {"Sid": "RequireBucketOwnerFullControl%d" % i, "Effect": "Deny",
                "Principal": {"AWS": "arn:aws:iam::%s:root" % other}, "Action": "s3:PutObject",
                "Resource": obj,
                "Condition": {"StringNotEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}}
    if shape == "ip":
        nets = ["203.0.113.0/24", "198.51.100.%d/32" % r.randrange(256), "2001:db8::/32",
                "192.0.2.0/24"]
        return {"Sid": "IpAllowList%d" % i, "Effect": "Deny", "Principal": "*",
                "Action": "s3:*", "Resource": [arn, obj],
                "Condition": {"NotIpAddress": {"aws:SourceIp": r.sample(nets, r.randint(1, 3))},
                              "Bool": {"aws:ViaAWSService": "false"}}}
    if shape == "mfa":
        return {"Sid": "DenyDeleteWithoutMfa%d" % i, "Effect": "Deny", "Principal": "*",
                "Action": ["s3:DeleteObject", "s3:DeleteObjectVersion"],
                "Resource": "%s/%s/*" % (arn, prefix),
                "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}
    if shape == "mfa-age":
        return {"Sid": "RecentMfa%d" % i, "Effect": "Deny", "Principal": "*",
                "Action": "s3:PutBucketPolicy", "Resource": arn,
                "Condition": {"NumericGreaterThan": {"aws:MultiFactorAuthAge": str(r.choice([900, 3600]))}}}
    if shape == "website":
        return {"Sid": "PublicReadGetObject%d" % i, "Effect": "Allow", "Principal": "*",
                "Action": "s3:GetObject", "Resource": "%s/%s/*" % (arn, prefix)}
    if shape == "replication":
        role = g.role(owner)
        return {"Sid": "ReplicationPermissions%d" % i, "Effect": "Allow", "Principal": {"AWS": role},
                "Action": ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags",
                           "s3:ObjectOwnerOverrideToBucketOwner"],
                "Resource": obj}
    if shape == "deny-delete":
        return {"Sid": "DenyDeleteExceptAdmins%d" % i, "Effect": "Deny", "Principal": "*",
                "Action": ["s3:DeleteBucket", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy"],
                "Resource": arn,
                "Condition": {"ArnNotLike": {"aws:PrincipalArn": [
                    "arn:aws:iam::%s:role/Admin*" % owner, "arn:aws:iam::%s:root" % owner]}}}
    if shape == "home":
        return {"Sid": "HomeFolderList%d" % i, "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::%s:root" % owner}, "Action": "s3:ListBucket",
                "Resource": arn,
                "Condition": {"StringLike": {"s3:prefix": ["home/${aws:username}/*", "home/"]}}}
    if shape == "home-objects":
        return {"Sid": "HomeFolderObjects%d" % i, "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::%s:root" % owner},
                "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                "Resource": "%s/home/${aws:username}/*" % arn}
    if shape == "tags":
        return {"Sid": "TaggedObjects%d" % i, "Effect": "Allow",
                "Principal": {"AWS": g.role(other)}, "Action": "s3:GetObject", "Resource": obj,
                "Condition": {"StringEquals": {"s3:ExistingObjectTag/classification":
                                               g.pick(["public", "internal"])}}}
    raise ValueError(shape)


# Shapes and how often real policies use them.
BUCKET_SHAPES = [
    ("tls", 10), ("tls-version", 3), ("cross-read", 8), ("cross-list", 4), ("cross-write", 3),
    ("cloudfront-oac", 6), ("cloudfront-oai", 2), ("vpce", 5), ("vpc", 2), ("org", 4),
    ("org-deny", 3), ("org-paths", 1), ("logging", 3), ("elb", 2), ("cloudtrail", 3),
    ("config", 2), ("inventory", 1), ("sse", 5), ("ownership", 2), ("ip", 3), ("mfa", 2),
    ("mfa-age", 1), ("website", 3), ("replication", 2), ("deny-delete", 2), ("home", 1),
    ("home-objects", 1), ("tags", 1),
]


def statement_count(r):
    """1-20 statements, most policies short as in the real corpus."""
    return min(20, 1 + int(r.expovariate(1 / 3.5)))


def bucket_policy(g):
    r = g.r
    b = g.bucket_name()
    owner = g.pick(ACCOUNTS)
    n = statement_count(r)
    names = [s for s, _ in BUCKET_SHAPES]
    weights = [w for _, w in BUCKET_SHAPES]
    shapes = []
    while len(shapes) < n:
        s = r.choices(names, weights)[0]
        # Real policies have each guard once; repeats are for the grants.
        if s in shapes and s in ("tls", "tls-version", "vpc", "org-deny", "ip", "mfa-age", "home",
                                 "home-objects", "sse", "ownership", "deny-delete"):
            continue
        shapes.append(s)
    doc = {"Version": "2012-10-17"}
    if r.random() < 0.4:
        doc["Id"] = "Policy%d" % r.randrange(10**12, 10**13)
    doc["Statement"] = [bucket_statement(g, s, b, owner, i) for i, s in enumerate(shapes)]
    return doc


def identity_statement(g, shape, i):
    r = g.r
    acct = g.pick(ACCOUNTS)
    region = g.pick(REGIONS)
    b = g.bucket_name()
    if shape == "s3-read":
        return {"Sid": "S3Read%d" % i, "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation"],
                "Resource": ["arn:aws:s3:::" + b, "arn:aws:s3:::%s/*" % b]}
    if shape == "s3-write":
        return {"Sid": "S3Write%d" % i, "Effect": "Allow",
                "Action": ["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
                "Resource": "arn:aws:s3:::%s/%s/*" % (b, g.pick(WORDS))}
    if shape == "s3-list-all":
        return {"Sid": "ListBuckets%d" % i, "Effect": "Allow",
                "Action": ["s3:ListAllMyBuckets", "s3:GetBucketLocation"], "Resource": "*"}
    if shape == "ec2":
        return {"Sid": "Ec2Describe%d" % i, "Effect": "Allow",
                "Action": g.pick(["ec2:Describe*", ["ec2:DescribeInstances", "ec2:DescribeVolumes",
                                                    "ec2:DescribeSnapshots"]]),
                "Resource": "*"}
    if shape == "ec2-start":
        return {"Sid": "Ec2StartStop%d" % i, "Effect": "Allow",
                "Action": ["ec2:StartInstances", "ec2:StopInstances"],
                "Resource": "arn:aws:ec2:%s:%s:instance/*" % (region, acct),
                "Condition": {"StringEquals": {"aws:ResourceTag/Team": g.pick(WORDS)}}}
    if shape == "kms":
        return {"Sid": "KmsUse%d" % i, "Effect": "Allow",
                "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                "Resource": "arn:aws:kms:%s:%s:key/%08x-0000-4000-8000-%012x" % (
                    region, acct, r.getrandbits(32), r.getrandbits(48)),
                "Condition": {"StringEquals": {"kms:ViaService": "s3.%s.amazonaws.com" % region}}}
    if shape == "dynamodb":
        return {"Sid": "DynamoTable%d" % i, "Effect": "Allow",
                "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query",
                           "dynamodb:UpdateItem"],
                "Resource": ["arn:aws:dynamodb:%s:%s:table/%s" % (region, acct, g.pick(WORDS)),
                             "arn:aws:dynamodb:%s:%s:table/%s/index/*" % (region, acct, g.pick(WORDS))]}
    if shape == "lambda":
        return {"Sid": "InvokeFunctions%d" % i, "Effect": "Allow", "Action": "lambda:InvokeFunction",
                "Resource": "arn:aws:lambda:%s:%s:function:%s-*" % (region, acct, g.pick(WORDS))}
    if shape == "logs":
        return {"Sid": "WriteLogs%d" % i, "Effect": "Allow",
                "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": "arn:aws:logs:%s:%s:log-group:/aws/lambda/*" % (region, acct)}
    if shape == "sqs":
        return {"Sid": "QueueConsumer%d" % i, "Effect": "Allow",
                "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
                "Resource": "arn:aws:sqs:%s:%s:%s" % (region, acct, g.pick(WORDS))}
    if shape == "sns":
        return {"Sid": "Publish%d" % i, "Effect": "Allow", "Action": "sns:Publish",
                "Resource": "arn:aws:sns:%s:%s:%s-alerts" % (region, acct, g.pick(WORDS))}
    if shape == "cloudwatch":
        return {"Sid": "Metrics%d" % i, "Effect": "Allow",
                "Action": ["cloudwatch:PutMetricData", "cloudwatch:GetMetricData"], "Resource": "*",
                "Condition": {"StringEquals": {"cloudwatch:namespace": g.pick(["App", "Batch"])}}}
    if shape == "passrole":
        return {"Sid": "PassRole%d" % i, "Effect": "Allow", "Action": "iam:PassRole",
                "Resource": g.role(acct),
                "Condition": {"StringEquals": {"iam:PassedToService": g.pick(
                    ["lambda.amazonaws.com", "ec2.amazonaws.com", "ecs-tasks.amazonaws.com"])}}}
    if shape == "assume":
        return {"Sid": "AssumeDeploy%d" % i, "Effect": "Allow", "Action": "sts:AssumeRole",
                "Resource": g.role(g.pick(ACCOUNTS))}
    if shape == "secrets":
        return {"Sid": "ReadSecrets%d" % i, "Effect": "Allow",
                "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                "Resource": "arn:aws:secretsmanager:%s:%s:secret:%s/*" % (region, acct, g.pick(WORDS))}
    if shape == "ssm":
        return {"Sid": "ReadParameters%d" % i, "Effect": "Allow",
                "Action": ["ssm:GetParameter", "ssm:GetParametersByPath"],
                "Resource": "arn:aws:ssm:%s:%s:parameter/%s/*" % (region, acct, g.pick(WORDS))}
    if shape == "ecr":
        return {"Sid": "PullImages%d" % i, "Effect": "Allow",
                "Action": ["ecr:GetAuthorizationToken", "ecr:BatchGetImage",
                           "ecr:GetDownloadUrlForLayer"], "Resource": "*"}
    if shape == "deny-region":
        return {"Sid": "DenyOtherRegions%d" % i, "Effect": "Deny", "NotAction": [
            "iam:*", "sts:*", "cloudfront:*", "route53:*", "support:*"], "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:RequestedRegion": r.sample(REGIONS, 2)}}}
    if shape == "deny-s3-delete":
        return {"Sid": "NoDeletes%d" % i, "Effect": "Deny",
                "Action": ["s3:DeleteBucket", "s3:DeleteObjectVersion"], "Resource": "*"}
    if shape == "mfa":
        return {"Sid": "RequireMfa%d" % i, "Effect": "Deny", "NotAction": [
            "iam:ChangePassword", "iam:GetUser", "sts:GetSessionToken"], "Resource": "*",
            "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}
    raise ValueError(shape)


IDENTITY_SHAPES = [
    ("s3-read", 10), ("s3-write", 6), ("s3-list-all", 3), ("ec2", 5), ("ec2-start", 2),
    ("kms", 4), ("dynamodb", 4), ("lambda", 3), ("logs", 5), ("sqs", 3), ("sns", 2),
    ("cloudwatch", 2), ("passrole", 2), ("assume", 2), ("secrets", 3), ("ssm", 3), ("ecr", 2),
    ("deny-region", 1), ("deny-s3-delete", 2), ("mfa", 1),
]


def identity_policy(g):
    r = g.r
    n = min(10, 1 + int(r.expovariate(1 / 2.5)))
    names = [s for s, _ in IDENTITY_SHAPES]
    weights = [w for _, w in IDENTITY_SHAPES]
    shapes = []
    while len(shapes) < n:
        s = r.choices(names, weights)[0]
        if s in shapes and s in ("s3-list-all", "ec2", "ecr", "deny-region", "mfa", "deny-s3-delete"):
            continue
        shapes.append(s)
    return {"Version": "2012-10-17",
            "Statement": [identity_statement(g, s, i) for i, s in enumerate(shapes)]}


QUERY_BUCKET = "amzn-s3-demo-bucket"
QUERY_OWNER = "111122223333"
QUERY_OTHER = "444455556666"


def query_workload(g, n):
    """A bucket with a 20-statement policy, the caller's identity policies and n requests."""
    r = g.r
    b, owner = QUERY_BUCKET, QUERY_OWNER
    # Guards most requests pass (TLS, encryption, MFA for deletes) and grants some match, so
    # the decisions are mixed; a VPC-endpoint or IP guard would deny nearly every request.
    shapes = ["tls", "cross-read", "cross-list", "cloudfront-oac", "org", "logging", "sse",
              "ownership", "mfa", "website", "replication", "deny-delete", "home",
              "home-objects", "tags", "cross-write", "cloudtrail", "inventory", "tls-version",
              "config"]
    bucket = {"Version": "2012-10-17",
              "Statement": [bucket_statement(g, s, b, owner, i) for i, s in enumerate(shapes)]}
    arn = "arn:aws:s3:::" + b
    identity = []
    for k in range(5):
        doc = identity_policy(g)
        doc["Statement"].append({"Sid": "OwnBucket%d" % k, "Effect": "Allow",
                                 "Action": ["s3:GetObject", "s3:PutObject", "s3:ListBucket"],
                                 "Resource": [arn, arn + "/%s/*" % WORDS[k]]})
        identity.append(doc)
    callers = [
        "arn:aws:iam::%s:user/alice" % owner,
        "arn:aws:sts::%s:assumed-role/DataEngineer7/etl" % owner,
        "arn:aws:sts::%s:assumed-role/Partner3/session" % QUERY_OTHER,
        "arn:aws:iam::%s:role/Analytics1" % QUERY_OTHER,
        QUERY_OTHER,
        "anonymous",
        "cloudfront.amazonaws.com",
        "logging.s3.amazonaws.com",
    ]
    actions = ["s3:GetObject", "s3:GetObject", "s3:PutObject", "s3:ListBucket", "s3:DeleteObject",
               "s3:GetObjectVersion", "s3:PutObjectAcl", "s3:GetBucketPolicy"]
    requests = []
    for i in range(n):
        action = r.choice(actions)
        if action in ("s3:ListBucket", "s3:GetBucketPolicy"):
            resource = arn
        else:
            resource = "%s/%s/%s-%d.csv" % (arn, r.choice(WORDS), r.choice(WORDS), r.randrange(100))
        ctx = {}
        if r.random() < 0.1:
            ctx["aws:SecureTransport"] = "false"
        if r.random() < 0.3:
            ctx["aws:SourceVpce"] = g.vpce()
        if r.random() < 0.3:
            ctx["aws:PrincipalOrgID"] = r.choice(ORGS)
        if r.random() < 0.3:
            ctx["aws:SourceIp"] = r.choice(["203.0.113.7", "198.51.100.20", "192.0.2.44"])
        if action == "s3:PutObject" and r.random() < 0.5:
            ctx["s3:x-amz-server-side-encryption"] = r.choice(["aws:kms", "AES256"])
        if action == "s3:ListBucket" and r.random() < 0.5:
            ctx["s3:prefix"] = r.choice(["home/alice/", "shared/", "data/"])
        requests.append({"name": "q%05d" % i, "principal": r.choice(callers), "action": action,
                         "resource": resource, "bucket_owner": owner, "context": ctx})
    return {"description": "query benchmark workload (no expectations: for timing only)",
            "bucket_owner": owner, "time": "2026-01-01T00:00:00Z",
            "policies": {"bucket": bucket, "identity": identity}, "requests": requests}


def dump(doc, r):
    """Mostly pretty-printed like the console and CLI write them, some minified."""
    if r.random() < 0.8:
        return json.dumps(doc, indent=r.choice([2, 4])) + "\n"
    return json.dumps(doc, separators=(",", ":"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--bucket", type=int, default=10_000)
    ap.add_argument("--identity", type=int, default=10_000)
    ap.add_argument("--small", type=int, default=0)
    ap.add_argument("--queries", type=int, default=0)
    ap.add_argument("--seed", type=int, default=20240601)
    args = ap.parse_args()
    g = Gen(random.Random(args.seed))
    for sub, count, make in (("bucket", args.bucket, bucket_policy),
                             ("identity", args.identity, identity_policy)):
        d = os.path.join(args.out, sub)
        os.makedirs(d, exist_ok=True)
        for n in range(count):
            with open(os.path.join(d, "%05d.json" % n), "w") as f:
                f.write(dump(make(g), g.r))
    for n in range(args.small):
        d = os.path.join(args.out, "small", "%03d" % (n // 1000))
        if n % 1000 == 0:
            os.makedirs(d, exist_ok=True)
        doc = {"Version": "2012-10-17", "Statement": [bucket_statement(
            g, "tls", "small-%d" % n, ACCOUNTS[0], 0)]}
        with open(os.path.join(d, "%06d.json" % n), "w") as f:
            f.write(json.dumps(doc, separators=(",", ":")))
    if args.queries:
        d = os.path.join(args.out, "queries")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "workload.json"), "w") as f:
            json.dump(query_workload(Gen(random.Random(args.seed + 1)), args.queries), f, indent=2)


if __name__ == "__main__":
    main()
