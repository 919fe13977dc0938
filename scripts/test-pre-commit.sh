#!/usr/bin/env bash
# Installs the real pre-commit from PyPI into a temporary virtualenv and runs the s3-access
# hook in a temporary git repository: committing a good policy must pass, a bad one must be
# refused with the finding shown.
#
# Two configurations are tried:
#   1. `repo: local` with `language: system` and the binary cargo built (fast);
#   2. this repository as a hook repository at its HEAD commit, so the committed
#      .pre-commit-hooks.yaml itself (id, types, pass_filenames) is what runs; `language` and
#      `entry` are overridden to the built binary so that pre-commit does not rebuild it.
#      With S3_ACCESS_PRE_COMMIT_RUST=1 the hook runs unmodified, `language: rust`, and
#      pre-commit builds s3-access with `cargo install` (several minutes on 2 cores).
#
# Exits 0 with "skipped" when PyPI cannot be reached; any other failure exits non-zero.
set -euo pipefail
repo_root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo_root"

echo "== pre-commit hook test"
cargo build --locked --quiet --bin s3-access
bin="$repo_root/target/debug/s3-access"
[ -x "$bin" ] || { echo "no binary at $bin" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export PRE_COMMIT_HOME="$work/cache"
export PIP_DISABLE_PIP_VERSION_CHECK=1
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE

# The project's machines have Python; a bare Debian may lack it or its venv module.
if ! command -v python3 >/dev/null || ! python3 -c "import venv, ensurepip" 2>/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "installing python3-venv with apt-get"
        apt-get update -qq >/dev/null && apt-get install -y -qq python3 python3-venv >/dev/null
    else
        echo "python3 with the venv module is needed (e.g. apt-get install python3-venv)" >&2
        exit 1
    fi
fi
python3 -m venv "$work/venv"
if ! "$work/venv/bin/pip" install --quiet --timeout 30 pre-commit >"$work/pip.log" 2>&1; then
    if grep -qiE "connection|resolve|network|timed out|temporary failure|no matching distribution" "$work/pip.log"; then
        echo "skipped: PyPI is not reachable, so pre-commit cannot be installed"
        exit 0
    fi
    cat "$work/pip.log" >&2
    exit 1
fi
pre_commit="$work/venv/bin/pre-commit"
echo "pre-commit $("$pre_commit" --version | awk '{print $2}')"

passed=0
failed=0
check() { # check NAME EXPECTED_STATUS ACTUAL_STATUS
    if [ "$2" = "$3" ]; then
        passed=$((passed + 1))
        echo "ok: $1"
    else
        failed=$((failed + 1))
        echo "FAIL: $1 (exit $3, expected $2)"
    fi
}

# try_config NAME CONFIG_TEXT: a fresh git repository, the hook installed, two commits.
try_config() {
    local name="$1" config="$2" dir="$work/$1"
    mkdir -p "$dir/policies"
    git -C "$dir" init --quiet
    git -C "$dir" config user.email "test@example.com"
    git -C "$dir" config user.name "pre-commit test"
    git -C "$dir" config commit.gpgsign false
    printf '%s\n' "$config" >"$dir/.pre-commit-config.yaml"
    (cd "$dir" && "$pre_commit" install --install-hooks >/dev/null)
    git -C "$dir" add .pre-commit-config.yaml
    git -C "$dir" commit --quiet --no-verify -m "pre-commit configuration"

    cp "$repo_root/policies/valid/identity-admin-with-mfa.json" "$dir/policies/good.json"
    git -C "$dir" add policies/good.json
    local status=0
    (cd "$dir" && git commit --quiet -m "good policy" >"$work/$name-good.log" 2>&1) || status=$?
    check "$name: a good policy is committed" 0 "$status"
    grep -q "s3-access lint" "$work/$name-good.log" || { echo "FAIL: $name: the hook did not run"; failed=$((failed + 1)); }

    # Other JSON is skipped quietly: no E007 warning on package.json.
    printf '{"name": "x", "version": "1.0.0", "scripts": {}}\n' >"$dir/package.json"
    git -C "$dir" add package.json
    status=0
    (cd "$dir" && git commit --quiet -m "package.json" >"$work/$name-pkg.log" 2>&1) || status=$?
    check "$name: package.json is committed" 0 "$status"
    if grep -q "E007" "$work/$name-pkg.log"; then
        check "$name: package.json gets no E007" 0 1
        cat "$work/$name-pkg.log"
    fi

    # A Terraform file runs the hook: a public bucket policy is refused, located in the .tf.
    mkdir -p "$dir/infra"
    cat >"$dir/infra/main.tf" <<'TF'
resource "aws_s3_bucket_policy" "site" {
  bucket = "amzn-s3-demo-bucket"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = "*", Action = "s3:GetObject", Resource = "arn:aws:s3:::amzn-s3-demo-bucket/*" }]
  })
}
TF
    git -C "$dir" add infra/main.tf
    status=0
    (cd "$dir" && git commit --quiet -m "public tf" >"$work/$name-tf.log" 2>&1) || status=$?
    check "$name: a public bucket policy in a .tf file is refused" 1 "$status"
    if grep -q "S101(public-read)" "$work/$name-tf.log" && grep -q "infra/main.tf:5" "$work/$name-tf.log"; then
        check "$name: the refusal shows the finding in the .tf line" 0 0
    else
        check "$name: the refusal shows the finding in the .tf line" 0 1
        cat "$work/$name-tf.log"
    fi
    git -C "$dir" rm --cached --quiet infra/main.tf

    cp "$repo_root/policies/invalid/P107-invalid-effect.json" "$dir/policies/bad.json"
    git -C "$dir" add policies/bad.json
    local head_before
    head_before="$(git -C "$dir" rev-parse HEAD)"
    status=0
    (cd "$dir" && git commit --quiet -m "bad policy" >"$work/$name-bad.log" 2>&1) || status=$?
    check "$name: a bad policy is refused" 1 "$status"
    if grep -q "P107(invalid-effect)" "$work/$name-bad.log" && grep -q "policies/bad.json" "$work/$name-bad.log"; then
        check "$name: the refusal shows the finding and the file" 0 0
    else
        check "$name: the refusal shows the finding and the file" 0 1
        cat "$work/$name-bad.log"
    fi
    [ "$(git -C "$dir" rev-parse HEAD)" = "$head_before" ] && check "$name: nothing was committed" 0 0 \
        || check "$name: nothing was committed" 0 1
}

try_config local "repos:
  - repo: local
    hooks:
      - id: s3-access-lint
        name: s3-access lint
        entry: $bin lint --skip-unrecognised
        language: system
        files: '\\.(json|tf|ya?ml|template)\$'
        types: [text]"

if git -C "$repo_root" rev-parse --verify --quiet HEAD >/dev/null \
    && git -C "$repo_root" cat-file -e HEAD:.pre-commit-hooks.yaml 2>/dev/null; then
    rev="$(git -C "$repo_root" rev-parse HEAD)"
    if [ "${S3_ACCESS_PRE_COMMIT_RUST:-}" = 1 ]; then
        try_config published-rust "repos:
  - repo: $repo_root
    rev: $rev
    hooks:
      - id: s3-access-lint"
    else
        try_config published "repos:
  - repo: $repo_root
    rev: $rev
    hooks:
      - id: s3-access-lint
        language: system
        entry: $bin lint --skip-unrecognised"
    fi
else
    echo "note: $repo_root has no commit with .pre-commit-hooks.yaml; the published hook is not tried"
fi

echo "pre-commit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
