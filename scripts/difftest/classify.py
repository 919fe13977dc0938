"""Cluster a disagreement between s3-access and iam-simulate into a class (placeholder)."""


def classify(rec):
    return f"{rec['ours']} vs {rec['peer']} / {rec['meta']['caller_kind']}"
