#!/usr/bin/env bash
# Writes what the `s3-access` binary prints for the examples in `policies/` (lint in every
# format, query over a grid of requests, public, check, rules, explain) into one folder, one
# file per command, each ending with its exit code. Run it with the binary before and after a
# refactoring and `diff -r` the two folders: a refactoring that changes no behaviour gives no
# difference. Requests without a time are decided at the wall clock, so today's timestamps
# (ISO 8601 and epoch seconds) are replaced by `<now>`.
#
#   scripts/golden-outputs.sh target/debug/s3-access /tmp/before
set -uo pipefail
bin=$(realpath "${1:?usage: golden-outputs.sh BINARY OUTDIR}")
out=${2:?usage: golden-outputs.sh BINARY OUTDIR}
cd "$(dirname "$0")/.."
mkdir -p "$out"
export NO_COLOR=1
today=$(date -u +%Y-%m-%d)
epoch=$(date -u +%s)
n=0
# Today's ISO 8601 times and epoch seconds within a day of now become `<now>`.
normalise() {
  sed -E -e "s/${today}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z/<now>/g" \
    -e "s/\b(${epoch:0:5}[0-9]{5})\b/<now>/g"
}
run() {
  n=$((n + 1))
  local file
  file=$(printf '%s/%04d.txt' "$out" "$n")
  {
    printf '$ s3-access'
    printf ' %q' "$@"
    printf '\n'
    "$bin" "$@" 2>&1
    printf '\nexit %s\n' "$?"
  } | normalise >"$file"
}

for format in human json sarif github; do
  run lint policies/ --format "$format"
done
run lint policies/ --fail-on never --no-config
for dir in policies/*/; do
  run lint "$dir" --format json
done

for format in human json; do
  run public policies/ --format "$format"
  # A bucket folder names its account folder (`../account`) and scenarios name policies in
  # `../valid`: `--root` lets those paths lead out of the path given (docs/security.md).
  run public policies/buckets/example-bucket --root policies/buckets --format "$format"
  run check policies/scenarios --root policies --format "$format"
done
run check policies/scenarios --root policies --verbose

bucket=policies/buckets/example-bucket
for principal in anonymous 111122223333 arn:aws:iam::111122223333:user/alice \
  arn:aws:iam::444455556666:role/partner s3.amazonaws.com; do
  for action in s3:GetObject s3:PutObject s3:ListBucket s3:PutBucketPolicy s3:DeleteObject; do
    case "$action" in
      s3:ListBucket | s3:PutBucketPolicy) resource=arn:aws:s3:::example-bucket ;;
      *) resource=arn:aws:s3:::example-bucket/logo.png ;;
    esac
    for format in human json; do
      run query --bucket "$bucket" --root policies/buckets --principal "$principal" --action "$action" \
        --resource "$resource" --time 2026-01-01T00:00:00Z --format "$format"
    done
  done
done
for file in policies/public/*.json policies/valid/*.json; do
  run query --bucket-policy "$file" --principal anonymous --action s3:GetObject \
    --resource arn:aws:s3:::amzn-s3-demo-bucket/key --bucket-owner 111122223333 \
    --time 2026-01-01T00:00:00Z --format json
done

run rules
for code in $("$bin" rules 2>/dev/null | grep -oE '^\| [A-Z][0-9]{3}' | cut -c3-); do
  run explain "$code"
done
echo "$n commands written to $out"
