#!/usr/bin/env bash
# Whole-process times of `s3-access lint` on infrastructure as code (issue 12's targets), with
# the release binary: the median wall time of RUNS runs of each command (a hyperfine-like
# loop), inputs generated into a temporary directory (nothing is committed):
#   - one `.tf` file (a bucket, its Block Public Access, a two-statement policy document), as a
#     pre-commit run lints it: target < 10 ms;
#   - a tree of 1,000 such `.tf` files (100 module directories of 10): target < 1 s;
#   - a `terraform show -json` plan of 2,000 resources (1,000 buckets and their policies, in
#     `planned_values`, `resource_changes` and `configuration`): target < 1 s;
#   - 2,000 buckets under one `for_each`, a split setting each (`aws_s3_bucket.b[each.key]`),
#     and `--version` alone (process start-up), for reference.
# Each row also gives the median user+sys CPU time of the process, which the load of other
# processes on a shared machine inflates less than the wall time.
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
# As `terraform show -json` writes a plan: every resource also in `resource_changes` and
# `configuration` (the policy's bucket a reference).
changes, config = [], []
for r in resources:
    c = {k: v for k, v in r.items() if k != 'values'}
    changes.append(dict(c, change={'actions': ['create'], 'before': None, 'after': r['values'],
                                   'after_unknown': {'id': True, 'arn': True}}))
    b = r['address'].split('.', 1)[1]
    expr = ({'bucket': {'references': [f'aws_s3_bucket.{b}.id', f'aws_s3_bucket.{b}']}}
            if r['type'] == 'aws_s3_bucket_policy'
            else {'bucket': {'constant_value': r['values']['bucket']}})
    config.append(dict(c, expressions=expr))
write(f'{work}/plan.json', json.dumps({'format_version': '1.2',
      'planned_values': {'root_module': {'resources': resources}},
      'resource_changes': changes,
      'configuration': {'root_module': {'resources': config}}}, indent=2))
# 2,000 buckets under one `for_each`, a split setting each linked by `[each.key]`.
names = ',\n'.join(f'    "amzn-s3-demo-bucket-{i}"' for i in range(2000))
write(f'{work}/foreach/main.tf', f'''variable "names" {{
  default = [
{names}
  ]
}}
resource "aws_s3_bucket" "b" {{
  for_each = toset(var.names)
  bucket   = each.key
}}
resource "aws_s3_bucket_versioning" "v" {{
  for_each = toset(var.names)
  bucket   = aws_s3_bucket.b[each.key].id
  versioning_configuration {{
    status = "Enabled"
  }}
}}
''')

print(f'load average before: {os.getloadavg()[0]:.1f}')
print('| input | median wall time | median user+sys CPU | runs | exit | target |')
print('|---|---|---|---|---|---|')
for label, args, target in [
    ('--version (process start)', ['--version'], ''),
    ('one .tf file', ['lint', 'one/main.tf'], '< 10 ms'),
    ('tree of 1,000 .tf files', ['lint', 'tree'], '< 1 s'),
    ('plan of 2,000 resources', ['lint', 'plan.json'], '< 1 s'),
    ('2,000 for_each buckets, one file', ['lint', 'foreach/main.tf'], ''),
]:
    times, cpu, code = [], [], None
    if args[0] == 'lint':
        args = ['lint', '--no-config', '--format', 'concise', *args[1:]]
    for _ in range(runs):
        t = time.perf_counter()
        p = subprocess.Popen([binary, *args], cwd=work, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        # The child's own CPU time (user + system): the load of other processes inflates it
        # far less than the wall time.
        _, status, usage = os.wait4(p.pid, 0)
        times.append(time.perf_counter() - t)
        cpu.append(usage.ru_utime + usage.ru_stime)
        code = os.waitstatus_to_exitcode(status)
    print(f'| {label} | {statistics.median(times) * 1000:.1f} ms | '
          f'{statistics.median(cpu) * 1000:.1f} ms | {runs} | {code} | {target} |')
print(f'load average after: {os.getloadavg()[0]:.1f}')
PY
