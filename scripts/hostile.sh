#!/usr/bin/env bash
# Runs every hostile input of the robustness issue at full size against a release build and
# prints a Markdown table: input, wall time, peak RSS, exit code and outcome.
# Usage: scripts/hostile.sh [workdir]   (needs python3 and GNU time at /usr/bin/time)
# The table in docs/robustness.md comes from this script. cargo test runs the same cases,
# some at a smaller size, in tests/hostile.rs.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --quiet
BIN="$PWD/target/release/s3-access"
WORK="${1:-$(mktemp -d)}"
mkdir -p "$WORK"
cd "$WORK"

python3 - <<'EOF'
import json, os
def w(name, data, mode='w'):
    with open(name, mode) as f: f.write(data)
pol = lambda body: '{"Version":"2012-10-17","Statement":[' + body + ']}'
st = lambda extra='': '{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"' + extra + '}'
w('deep-arrays.json', '[' * 100_000)
w('deep-objects.json', '{"a":' * 100_000)
w('million-resources.json', pol('{"Effect":"Allow","Action":"s3:GetObject","Resource":[' + ','.join(f'"arn:aws:s3:::b/k{i}"' for i in range(1_000_000)) + ']}'))
w('million-numbers.json', '[' + ','.join('0' for _ in range(1_000_000)) + ']')
w('string-10mb-action.json', pol('{"Effect":"Allow","Action":"s3:' + 'a' * 10_000_000 + '","Resource":"*"}'))
w('string-10mb-resource.json', pol('{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::' + 'a' * 10_000_000 + '"}'))
w('invalid-utf8.json', b'{"Version": "2012-10-17", "Id": "\xff"}', 'wb')
w('bom.json', '\ufeff' + pol(st()))
w('nul-raw.json', b'{"Version": \x00"2012-10-17"}', 'wb')
w('nul-escaped.json', pol('{"Effect":"Deny","Action":"s3:Get\\u0000Object","Resource":"*"}'))
cond = lambda op, key, v: pol('{"Effect":"Deny","Action":"s3:*","Resource":"*","Condition":{"%s":{"%s":%s}}}' % (op, key, v))
w('number-1e999.json', cond('NumericLessThan', 's3:max-keys', '1e999'))
w('number-72-digits.json', cond('NumericLessThan', 's3:max-keys', '"' + '9' * 72 + '"'))
w('date-year-99999.json', cond('DateLessThan', 'aws:CurrentTime', '"99999-01-01T00:00:00Z"'))
w('date-feb-30.json', cond('DateLessThan', 'aws:CurrentTime', '"2020-02-30"'))
w('date-epoch-past-9999.json', cond('DateLessThan', 'aws:EpochTime', '"999999999999"'))
w('cidr-1.2.3.4-99.json', cond('IpAddress', 'aws:SourceIp', '"1.2.3.4/99"'))
w('duplicate-keys.json', '{"Version":"2012-10-17","Effect":"Allow","Effect":"Deny","Statement":[' + st() + ']}')
w('case-variant-keys.json', pol('{"Effect":"Allow","effect":"Deny","Action":"*","Resource":"*"}'))
n = 100_000
w('keys-unknown-100k.json', '{"Version":"2012-10-17","Statement":[],' + ','.join(f'"k{i}":0' for i in range(n)) + '}')
w('keys-duplicate-100k.json', '{"Version":"2012-10-17","Statement":[],' + ','.join('"a":0' for _ in range(n)) + '}')
w('keys-duplicate-10m-60mb.json', '{"Version":"2012-10-17","Statement":[],' + ','.join('"a":0' for _ in range(10_000_000)) + '}')
w('keys-case-variant-100k.json', '{"Version":"2012-10-17","Statement":[],' + ','.join('"%s":0' % ''.join('K' if i >> b & 1 else 'k' for b in range(17)) for i in range(n)) + '}')
w('sids-100k.json', pol(','.join(st(f',"Sid":"S{i}"') for i in range(n))))
w('policies-100k.json', '[' + ','.join('{"Statement":[]}' for _ in range(n)) + ']')
w('zeros-62mb.json', '[' + ','.join('0' for _ in range(31_000_000)) + ']')
w('empty.json', '')
w('whitespace.json', ' \n\t ')
w('ok.json', pol(st()))
os.makedirs('many', exist_ok=True)
text = pol(st())
for i in range(100_000):
    w(f'many/p{i:06}.json', text)
EOF
truncate -s 100M big-100mb.json
mkdir -p links/sub && cp ok.json links/sub/p.json
ln -sfn "$WORK/links" links/sub/loop && ln -sf "$WORK/links/missing.json" links/broken.json
mkdir -p special && cp ok.json special/ok.json && rm -f special/pipe.json && mkfifo special/pipe.json
ln -sf /proc/self/mem special/mem.json
# Issue 16: documents that name files outside the tree, and output forgery.
mkdir -p escape/tree/b escape/tree/sc escape/outside
printf '{"token": "S3A-OUTSIDE-SECRET"}\n' > escape/outside/creds.json
printf '{"bucket": "b", "account": "111122223333", "account_dir": "../../outside", "objects": [{"key": "k", "acl": "/proc/self/environ"}, {"key": "l", "acl": "../../outside/creds.json"}]}\n' > escape/tree/b/s3-access.json
printf '{}\n' > escape/tree/b/policy.json
printf '{"policies": {"bucket": "/proc/self/environ", "identity": "../../outside/creds.json"}, "requests": [{"principal": "anonymous", "action": "s3:GetObject", "resource": "arn:aws:s3:::b/k", "expect": "Allow"}]}\n' > escape/tree/sc/s.json
ln -sfn "$WORK/escape/outside" escape/tree/outside-dir && ln -sf "$WORK/escape/outside/creds.json" escape/tree/creds.json
printf '{"Version":"2012-10-17","Statement":[{"Sid":"a\\u001b[2K\\u001b[1A\\u009bX","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}\n' > escapes.json
PATTERN="arn:aws:s3:::$(python3 -c 'print("*a" * 2000, end="")')b"
printf '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"%s"}]}' "$PATTERN" > wildcard.json
LONG="arn:aws:s3:::$(python3 -c 'print("a" * 100000, end="")')"

# Issue 12: infrastructure as code, through `lint`.
python3 - <<'EOF2'
import os
def w(name, data):
    os.makedirs(os.path.dirname(name) or '.', exist_ok=True)
    with open(name, 'w') as f: f.write(data)
bomb = "AWSTemplateFormatVersion: '2010-09-09'\na0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
for i in range(1, 10):
    bomb += f"a{i}: &a{i} [" + ', '.join([f'*a{i-1}'] * 10) + "]\n"
w('iac/alias-bomb.yaml', bomb + "Resources: {}\n")
w('iac/deep.yaml', "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  X:\n    " + '[' * 100_000 + "\n")
w('iac/deep/main.tf', 'x = ' + '[' * 100_000)
w('iac/heredoc/main.tf', 'resource "aws_s3_bucket_policy" "p" {\n  policy = <<EOF\n' + '{"a": 1}\n' * 100_000)
w('iac/range/main.tf', 'resource "aws_s3_bucket" "b" {\n  for_each = toset([for i in range(1000000) : tostring(i)])\n  bucket = each.key\n}\n')
w('iac/generated/main.tf', 'locals {\n  xs = [' + ','.join(['"x"'] * 1_000_000) + ']\n}\nresource "aws_s3_bucket" "b" {\n  for_each = toset(local.xs)\n  bucket = each.key\n}\n')
w('iac/self/main.tf', 'module "me" {\n  source = "./"\n}\n')
w('iac/sub-self.yaml', 'Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: !Sub "${Bucket}-logs"\n')
EOF2
mkdir -p iac/big && truncate -s 100M iac/big/main.tf
row() { # label, then the command
  local label="$1"; shift
  set +e +o pipefail
  /usr/bin/time -f "TIME %e %M" timeout 600 "$@" > out.txt 2> err.txt
  local rc=$?
  local t m codes summary
  t=$(grep -ao 'TIME [0-9.]* [0-9]*' err.txt | tail -1 | awk '{print $2}')
  m=$(grep -ao 'TIME [0-9.]* [0-9]*' err.txt | tail -1 | awk '{print $3}')
  summary=$(python3 - <<'PY'
import json, collections, os
out = open('out.txt', 'rb').read().decode('utf-8', 'replace')
err = [l for l in open('err.txt', 'rb').read().decode('utf-8', 'replace').splitlines() if l.startswith(('error:', 'note:'))]
raw = open('out.txt', 'rb').read() + open('err.txt', 'rb').read()
leaks = [m for m in (b'S3A-OUTSIDE-SECRET', b'S3A_HOSTILE_ENV', b'\x1b[2K') if m in raw]
try:
    doc = json.loads(out)
except ValueError:
    doc = None
parts = []
if isinstance(doc, dict) and 'findings' in doc:
    codes = collections.Counter(f['code'] for f in doc['findings'])
    parts.append(' '.join(f'{c}×{n}' for c, n in sorted(codes.items())) or 'no findings')
    parts.append(f"{doc['summary']['files']} file(s)")
elif out.split(':')[0] in ('Allow', 'ExplicitDeny', 'ImplicitDeny'):
    parts.append(out.split(':')[0])
if err:
    parts.append('; '.join(e[:120] for e in err[:2]))
if leaks:
    parts.append('LEAKED ' + ' '.join(m.decode('ascii', 'replace') for m in leaks))
elif os.environ.get('S3A_SECRET_MARKER'):
    parts.append('no secret and no raw ESC in stdout or stderr')
print(', '.join(parts).replace('|', '/'))
PY
)
  printf '| %s | %ss | %s MB | %s | %s |\n' "$label" "$t" "$(( ${m:-0} / 1024 ))" "$rc" "$summary"
  set -e -o pipefail
}
echo "| input | time | peak RSS | exit | outcome |"
echo "|---|---|---|---|---|"
row "100 MB file (sparse)" "$BIN" lint --format json big-100mb.json
row "100 MB on stdin" sh -c "head -c 104857600 /dev/zero | $BIN lint --format json -"
row "/dev/zero as a policy file" "$BIN" lint --format json /dev/zero
row "/dev/zero as a scenario file" "$BIN" check /dev/zero
row "/dev/zero as a query policy" "$BIN" query --principal 111122223333 --action s3:GetObject --resource arn:aws:s3:::b/k --identity-policy /dev/zero
row "arrays nested 100,000 deep" "$BIN" lint --format json deep-arrays.json
row "objects nested 100,000 deep" "$BIN" lint --format json deep-objects.json
row "1,000,000 resources in one statement" "$BIN" lint --format json million-resources.json
row "array of 1,000,000 numbers" "$BIN" lint --format json million-numbers.json
row "10 MB action string" "$BIN" lint --format json string-10mb-action.json
row "10 MB resource string" "$BIN" lint --format json string-10mb-resource.json
row "(*a)x2000 b pattern vs 100 KB resource" "$BIN" query --principal arn:aws:iam::111122223333:user/u --action s3:GetObject --resource "$LONG" --identity-policy wildcard.json
row "invalid UTF-8" "$BIN" lint --format json invalid-utf8.json
row "byte-order mark" "$BIN" lint --format json bom.json
row "raw NUL byte" "$BIN" lint --format json nul-raw.json
row "escaped NUL in an action" "$BIN" lint --format json nul-escaped.json
row "number 1e999" "$BIN" lint --format json number-1e999.json
row "72-digit number" "$BIN" lint --format json number-72-digits.json
row "date year 99999" "$BIN" lint --format json date-year-99999.json
row "date 2020-02-30" "$BIN" lint --format json date-feb-30.json
row "epoch date past year 9999" "$BIN" lint --format json date-epoch-past-9999.json
row "--time 99999-01-01" "$BIN" query --principal 111122223333 --action s3:GetObject --resource arn:aws:s3:::b/k --identity-policy ok.json --time 99999-01-01
row "CIDR 1.2.3.4/99" "$BIN" lint --format json cidr-1.2.3.4-99.json
row "duplicate keys" "$BIN" lint --format json duplicate-keys.json
row "case-variant keys" "$BIN" lint --format json case-variant-keys.json
row "100,000 unknown keys" "$BIN" lint --format json keys-unknown-100k.json
row "100,000 duplicate keys" "$BIN" lint --format json keys-duplicate-100k.json
row "10,000,000 duplicate keys (60 MB)" "$BIN" lint --format json keys-duplicate-10m-60mb.json
row "100,000 case-variant keys" "$BIN" lint --format json keys-case-variant-100k.json
row "100,000 statements with Sids" "$BIN" lint --format json --kind identity sids-100k.json
row "100,000 policies in one array" "$BIN" lint --format json policies-100k.json
row "62 MB array of zeros (memory worst case)" "$BIN" lint --format json zeros-62mb.json
row "symlink loop and broken link" "$BIN" lint --format json links
row "FIFO and /proc/self/mem in a directory" "$BIN" lint --format json special
row "symlink loop and broken link, --follow" "$BIN" lint --follow --format json links
row "FIFO and /proc/self/mem, --follow" "$BIN" lint --follow --format json special
export S3A_SECRET_MARKER=S3A_HOSTILE_ENV
row "manifest naming /proc/self/environ and ../outside" "$BIN" lint --format json escape/tree/b
row "same, human output" "$BIN" lint escape/tree/b
row "scenario naming /proc/self/environ and ../outside" "$BIN" check escape/tree/sc
row "links out of the tree, --follow" "$BIN" lint --follow --format json escape/tree
row "/proc/self/environ on the command line" "$BIN" lint --format json /proc/self/environ
row "Sid with terminal escapes (human)" "$BIN" lint escapes.json
row "Sid with terminal escapes (public)" "$BIN" public escapes.json
unset S3A_SECRET_MARKER
row "empty file" "$BIN" lint --format json empty.json
row "whitespace-only file" "$BIN" lint --format json whitespace.json
row "YAML alias bomb (lint)" "$BIN" lint --format json iac/alias-bomb.yaml
row "YAML nested 100,000 deep (lint)" "$BIN" lint --format json iac/deep.yaml
row "HCL nested 100,000 deep (lint)" "$BIN" lint --format json iac/deep/main.tf
row "100 MB .tf (sparse, lint)" "$BIN" lint --format json iac/big/main.tf
row "heredoc that never ends (lint)" "$BIN" lint --format json iac/heredoc/main.tf
row "for_each over range(1000000) (lint)" "$BIN" lint --format json iac/range/main.tf
row "for_each over 10^6 generated elements (lint)" "$BIN" lint --format json iac/generated/main.tf
row "module that sources itself (lint)" "$BIN" lint --format json iac/self
row "Fn::Sub that refers to itself (lint)" "$BIN" lint --format json iac/sub-self.yaml
row "directory of 100,000 files" "$BIN" lint --format json many
