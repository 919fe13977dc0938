#!/usr/bin/env bash
# Whole-process times of `s3-access lint` on infrastructure as code (issue 12's targets), with
# the release binary: the median wall time of RUNS runs of each command (a hyperfine-like
# loop), inputs generated into a temporary directory (nothing is committed):
#   - one `.tf` file (a bucket, its Block Public Access, a two-statement policy document), as a
#     pre-commit run lints it: target < 10 ms;
#   - a tree of 1,000 such `.tf` files (100 module directories of 10): target < 1 s;
#   - a `terraform show -json` plan of 2,000 resources (1,000 buckets and their policies):
#     target < 1 s.
#
#   bash bench/iac.sh            (RUNS=20 by default)
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${RUNS:-20}
cd "$REPO"
cargo build --release --locked --quiet --bin s3-access
BIN="$REPO/target/release/s3-access"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/s3-access-iac-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
python3 - "$WORK" "$BIN" "$RUNS" <<'PY'
import json, os, statistics, subprocess, sys, time
work, binary, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])

def tf(i):
    return f'''variable "name{i}" {{
  default = "amzn-s3-demo-bucket-{i}"
}}
resource "aws_s3_bucket" "b{i}" {{
  bucket = var.name{i}
}}
resource "aws_s3_bucket_public_access_block" "b{i}" {{
  bucket                  = aws_s3_bucket.b{i}.id
  block_public_acls       = true
  ignore_public_acls      = true
  block_public_policy     = true
  restrict_public_buckets = true
}}
data "aws_iam_policy_document" "p{i}" {{
  statement {{
    sid       = "TLS"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.b{i}.arn, "${{aws_s3_bucket.b{i}.arn}}/*"]
    principals {{
      type        = "*"
      identifiers = ["*"]
    }}
    condition {{
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }}
  }}
  statement {{
    sid       = "Read"
    actions   = ["s3:GetObject"]
    resources = ["${{aws_s3_bucket.b{i}.arn}}/*"]
    principals {{
      type        = "AWS"
      identifiers = ["arn:aws:iam::111122223333:root"]
    }}
  }}
}}
resource "aws_s3_bucket_policy" "b{i}" {{
  bucket = aws_s3_bucket.b{i}.id
  policy = data.aws_iam_policy_document.p{i}.json
}}
'''

def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        f.write(text)

write(f'{work}/one/main.tf', tf(0))
for d in range(100):
    for f in range(10):
        write(f'{work}/tree/m{d}/f{f}.tf', tf(d * 10 + f))
resources = []
for i in range(1000):
    name = f'amzn-s3-demo-bucket-{i}'
    resources.append({'address': f'aws_s3_bucket.b{i}', 'mode': 'managed', 'type': 'aws_s3_bucket',
                      'name': f'b{i}', 'values': {'bucket': name}})
    policy = {'Version': '2012-10-17', 'Statement': [{'Sid': 'Read', 'Effect': 'Allow',
              'Principal': {'AWS': 'arn:aws:iam::111122223333:root'}, 'Action': 's3:GetObject',
              'Resource': f'arn:aws:s3:::{name}/*'}]}
    resources.append({'address': f'aws_s3_bucket_policy.b{i}', 'mode': 'managed',
                      'type': 'aws_s3_bucket_policy', 'name': f'b{i}',
                      'values': {'bucket': name, 'policy': json.dumps(policy)}})
write(f'{work}/plan.json', json.dumps({'format_version': '1.2',
      'planned_values': {'root_module': {'resources': resources}}}, indent=2))

print('| input | median wall time | runs | exit | target |')
print('|---|---|---|---|---|')
for label, args, target in [
    ('one .tf file', ['one/main.tf'], '< 10 ms'),
    ('tree of 1,000 .tf files', ['tree'], '< 1 s'),
    ('plan of 2,000 resources', ['plan.json'], '< 1 s'),
]:
    times, code = [], None
    for _ in range(runs):
        t = time.perf_counter()
        p = subprocess.run([binary, 'lint', '--no-config', '--format', 'concise', *args],
                           cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - t)
        code = p.returncode
    print(f'| {label} | {statistics.median(times) * 1000:.1f} ms | {runs} | {code} | {target} |')
PY
