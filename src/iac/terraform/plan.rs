//! Terraform plans (`terraform show -json PLANFILE`) read into the IaC model.
//!
//! Policies and bucket settings come from `planned_values` (root and child modules, the state
//! after apply), each named by its resource address and located in the plan file. The
//! `before` value of each `resource_changes` entry is kept as well, so a plan can serve as a
//! ready-made diff. A value marked in `after_unknown` is known only after apply: it is an
//! unknown, never skipped. `configuration` supplies the references that link a split
//! setting or a bucket policy to its bucket when the bucket name is not known yet.

use crate::aws_docs::folder::names;
use crate::diagnostic::Finding;
use crate::iac::{Attachment, Extracted, Format, IacBucket, IacPolicy, Unknown};
use crate::json::{self, Kind, Member, Value};
use crate::policy::PolicyKind;
use crate::registry::Code;
use crate::source::{SourceFile, Span};
use std::collections::HashMap;

/// A plan read: what the apply would leave (`after`), and the policies before it.
#[derive(Debug, Clone)]
pub struct PlanRead {
    /// The state after apply, located in the plan.
    pub after: Extracted,
    /// The policies of resources that exist before the apply (`resource_changes[].change.before`).
    pub before: Vec<IacPolicy>,
    /// The resources that exist before the apply (`resource_changes[].change.before`), read
    /// as planned values are: buckets with their ACL, Block Public Access, Object Ownership and
    /// versioning, and the policies; located in the plan.
    pub prior: Extracted,
}

/// Decodes plan bytes: UTF-8 (a BOM is skipped by the JSON reader) or UTF-16 with a BOM, as
/// PowerShell's `>` writes it.
pub fn decode(bytes: Vec<u8>) -> Result<String, String> {
    let utf16 = |le: bool| {
        let units: Vec<u16> = bytes[2..]
            .chunks(2)
            .map(|c| {
                let pair = [c[0], *c.get(1).unwrap_or(&0)];
                if le {
                    u16::from_le_bytes(pair)
                } else {
                    u16::from_be_bytes(pair)
                }
            })
            .collect();
        String::from_utf16(&units).map_err(|_| "the plan is not valid UTF-16".to_string())
    };
    if bytes.len() > json::MAX_INPUT_BYTES {
        return Err(format!(
            "the plan is larger than {} MB",
            json::MAX_INPUT_BYTES >> 20
        ));
    }
    match bytes.get(..2) {
        Some([0xFF, 0xFE]) => utf16(true),
        Some([0xFE, 0xFF]) => utf16(false),
        _ => String::from_utf8(bytes).map_err(|e| {
            format!(
                "the plan is not UTF-8 (byte {})",
                e.utf8_error().valid_up_to()
            )
        }),
    }
}

/// Whether a parsed JSON document is a Terraform plan (`format_version` with planned values
/// or resource changes).
pub fn is_plan(v: &Value) -> bool {
    v.get("format_version").is_some()
        && (v.get("planned_values").is_some() || v.get("resource_changes").is_some())
}

/// Reads a plan from its text.
pub fn read_plan(source: SourceFile) -> PlanRead {
    let mut after = super::empty(source.clone(), Format::TerraformPlan);
    let text = source.text();
    let body = &text[json::bom_len(text)..];
    let shift = u32::try_from(text.len() - body.len()).unwrap_or(0);
    let root = match json::parse(body) {
        Ok(mut v) => {
            v.remap(&|at| at + shift);
            v
        }
        Err(e) => {
            after.findings.push(crate::load::json_error(&e, None));
            return PlanRead {
                prior: super::empty(source.clone(), Format::TerraformPlan),
                after,
                before: Vec::new(),
            };
        }
    };
    if !is_plan(&root) {
        let f = Finding::new(
            Code::TerraformSyntax,
            root.span,
            "not a Terraform plan: no `format_version` with `planned_values` or `resource_changes`",
        );
        after.findings.push(f);
        return PlanRead {
            prior: super::empty(source.clone(), Format::TerraformPlan),
            after,
            before: Vec::new(),
        };
    }
    let mut prior = super::empty(source.clone(), Format::TerraformPlan);
    let mut r = Reader {
        text,
        root: &root,
        out: &mut prior,
        before: Vec::new(),
        prior: true,
        changes_by: std::cell::OnceCell::new(),
        config_by: std::cell::OnceCell::new(),
    };
    r.prior_resources();
    let mut r = Reader {
        text,
        root: &root,
        out: &mut after,
        before: Vec::new(),
        prior: false,
        changes_by: std::cell::OnceCell::new(),
        config_by: std::cell::OnceCell::new(),
    };
    if let Some(m) = root
        .get("planned_values")
        .and_then(|p| p.get("root_module"))
    {
        r.module(m);
    }
    r.changes();
    let before = std::mem::take(&mut r.before);
    PlanRead {
        after,
        before,
        prior,
    }
}

struct Reader<'a> {
    text: &'a str,
    root: &'a Value,
    out: &'a mut Extracted,
    before: Vec<IacPolicy>,
    /// Reading `before` values: nothing is known only after apply.
    prior: bool,
    /// `resource_changes` by address (the first of each), built at the first lookup: one
    /// lookup per attribute, not a scan of every change.
    changes_by: std::cell::OnceCell<HashMap<&'a str, &'a Value>>,
    /// `configuration` resources by `module names|address` (see [`config_index`]).
    config_by: std::cell::OnceCell<HashMap<String, &'a Value>>,
}

/// The policy attributes of a resource type and their kind.
fn policy_attribute(rtype: &str) -> Option<(&'static str, PolicyKind)> {
    Some(match rtype {
        "aws_s3_bucket_policy" | "aws_s3_bucket" => ("policy", PolicyKind::Bucket),
        "aws_iam_policy"
        | "aws_iam_role_policy"
        | "aws_iam_user_policy"
        | "aws_iam_group_policy" => ("policy", PolicyKind::Identity),
        "aws_iam_role" => ("assume_role_policy", PolicyKind::Trust),
        "aws_s3_access_point" | "aws_s3control_access_point_policy" => {
            ("policy", PolicyKind::AccessPoint)
        }
        "aws_kms_key" => ("policy", PolicyKind::Resource),
        "aws_organizations_policy" => ("content", PolicyKind::Scp),
        _ => return None,
    })
}

impl Reader<'_> {
    fn module(&mut self, m: &Value) {
        for r in m.get("resources").and_then(Value::as_array).unwrap_or(&[]) {
            if r.get("mode").and_then(Value::as_str) == Some("managed") {
                self.resource(r);
            }
        }
        for c in m
            .get("child_modules")
            .and_then(Value::as_array)
            .unwrap_or(&[])
        {
            self.module(c);
        }
    }

    fn resource(&mut self, r: &Value) {
        let (Some(address), Some(rtype)) = (
            r.get("address").and_then(Value::as_str),
            r.get("type").and_then(Value::as_str),
        ) else {
            return;
        };
        self.resource_values(address, rtype, r.get("values"), r.span);
    }

    /// The managed resources as they are before the apply: each `resource_changes` entry whose
    /// `change.before` is an object (`null` for a resource the apply creates), and each planned
    /// resource the plan lists no change for (unchanged, so as planned).
    fn prior_resources(&mut self) {
        let root: &Value = self.root;
        let changes = root
            .get("resource_changes")
            .and_then(Value::as_array)
            .unwrap_or(&[]);
        let listed: std::collections::HashSet<&str> = changes
            .iter()
            .filter_map(|c| c.get("address").and_then(Value::as_str))
            .collect();
        let mut stack: Vec<&Value> = root
            .get("planned_values")
            .and_then(|p| p.get("root_module"))
            .into_iter()
            .collect();
        while let Some(m) = stack.pop() {
            for r in m.get("resources").and_then(Value::as_array).unwrap_or(&[]) {
                let address = r.get("address").and_then(Value::as_str);
                if r.get("mode").and_then(Value::as_str) == Some("managed")
                    && address.is_some_and(|a| !listed.contains(a))
                {
                    self.resource(r);
                }
            }
            stack.extend(
                m.get("child_modules")
                    .and_then(Value::as_array)
                    .unwrap_or(&[]),
            );
        }
        for c in changes {
            let (Some(address), Some(rtype), Some(before)) = (
                c.get("address").and_then(Value::as_str),
                c.get("type").and_then(Value::as_str),
                c.get("change").and_then(|ch| ch.get("before")),
            ) else {
                continue;
            };
            let managed = c.get("mode").and_then(Value::as_str) != Some("data");
            if managed && matches!(before.kind, Kind::Object(_)) {
                self.resource_values(address, rtype, Some(before), c.span);
            }
        }
    }

    fn resource_values(&mut self, address: &str, rtype: &str, values: Option<&Value>, span: Span) {
        if let Some((attr, mut kind)) = policy_attribute(rtype) {
            if rtype == "aws_organizations_policy" {
                match values.and_then(|v| v.get("type")).and_then(Value::as_str) {
                    None | Some("SERVICE_CONTROL_POLICY") => {}
                    Some("RESOURCE_CONTROL_POLICY") => kind = PolicyKind::Rcp,
                    Some(_) => return,
                }
            }
            // `aws_s3_bucket.policy` is computed from the bucket policy in provider v4+: only a
            // policy the configuration sets is the bucket's inline policy.
            // Before the apply, it holds whatever bucket policy the bucket has.
            let set = !self.prior
                && values
                    .and_then(|v| v.get(attr))
                    .is_some_and(|p| p.as_str().is_some());
            // Otherwise the bucket has no inline policy: it is read with its settings below.
            let inline = rtype != "aws_s3_bucket" || set || self.configured(address, attr);
            let attached_to = if inline {
                self.link(address, values)
            } else {
                None
            };
            match values.and_then(|v| v.get(attr)).filter(|_| inline) {
                Some(
                    p @ Value {
                        kind: Kind::String(s),
                        ..
                    },
                ) if !s.trim().is_empty() => self.policy(address, kind, p, attached_to),
                _ if inline && self.after_unknown(address, attr) => {
                    let why = format!(
                        "the whole policy of `{address}` is known only after apply{}",
                        self.references(address, attr)
                    );
                    self.out.unknowns.push(Unknown {
                        expression: format!("{address}.{attr}"),
                        span,
                        why,
                    });
                }
                _ => {}
            }
        }
        if rtype == "aws_s3_bucket" {
            self.bucket(address, values, span);
        }
        if rtype == "aws_iam_role" {
            self.inline_policies(address, values, span);
        }
        if rtype == "aws_s3_bucket_acl" || rtype == "aws_s3_bucket" {
            self.acl(address, rtype, values, span);
        }
        if let Some((file, setting)) = values.and_then(|v| split_setting(rtype, v))
            && let Some(link) = self.link(address, values)
        {
            self.attach(link, file, setting, span);
        }
    }

    /// The ACL of an `aws_s3_bucket_acl`, or the legacy `acl`/`grant` of an `aws_s3_bucket`
    /// (AWS provider before v4), attached to its bucket.
    fn acl(&mut self, address: &str, rtype: &str, values: Option<&Value>, span: Span) {
        // The ACL resource, or the legacy `acl` argument of the bucket itself (AWS provider
        // before v4).
        let canned = values
            .and_then(|v| v.get("acl"))
            .filter(|a| a.as_str().is_some())
            // A bucket's `private` is the default already, and must not override an ACL
            // resource of the same bucket read before it.
            .filter(|a| {
                rtype == "aws_s3_bucket_acl"
                    || (rtype == "aws_s3_bucket" && a.as_str() != Some("private"))
            });
        let canned_setting = canned.and_then(|a| self.canned_acl(a));
        // A legacy `grant` list naming All Users or Authenticated Users is not read: unknown.
        let acl_resource = rtype == "aws_s3_bucket_acl"
            || (rtype == "aws_s3_bucket" && values.is_some_and(grants_a_group));
        // The bucket's own ACL belongs to it; an ACL resource names its bucket.
        let acl_link = || {
            if rtype == "aws_s3_bucket" {
                Some(Attachment::Bucket(address.to_string()))
            } else {
                self.link(address, values)
            }
        };
        if let Some(setting) = canned_setting {
            if let Some(link) = acl_link() {
                self.attach(link, names::ACL, setting, span);
            }
        } else if acl_resource && let Some(link) = acl_link() {
            // Grants written as `access_control_policy` (or an ACL the plan does not give)
            // are not read from plans yet: the ACL is unknown, never the owner-only default.
            let attr = if rtype == "aws_s3_bucket" {
                "grant"
            } else {
                "access_control_policy"
            };
            self.unknown_acl(link, address, attr, values, span);
        }
    }

    /// An ACL whose grants are not read (`attr` of an `aws_s3_bucket_acl` or a legacy
    /// bucket): its bucket's ACL is an unknown, placed at `attr` (or the resource), so a
    /// verdict on it is uncertain.
    fn unknown_acl(
        &mut self,
        link: Attachment,
        address: &str,
        attr: &str,
        values: Option<&Value>,
        span: Span,
    ) {
        let at = values.and_then(|v| v.get(attr)).map_or(span, |v| v.span);
        let id = self.out.unknowns.len();
        self.out.unknowns.push(Unknown {
            expression: format!("{address}.{attr}"),
            span: at,
            why: "the grants of an ACL resource in a plan are not read yet".to_string(),
        });
        let setting = Value {
            kind: Kind::String(super::value::placeholder(id).into()),
            span: at,
        };
        self.attach(link, names::ACL, setting, span);
    }

    /// `get-bucket-acl` output of a canned ACL; the owner's canonical id is an unknown.
    fn canned_acl(&mut self, acl: &Value) -> Option<Value> {
        let name = acl.as_str()?;
        let id = self.out.unknowns.len();
        let why = "the bucket owner's canonical id (known only from AWS)".to_string();
        self.out.unknowns.push(Unknown {
            expression: format!("acl = {name}"),
            span: acl.span,
            why,
        });
        let owner = super::value::placeholder(id);
        let parsed = crate::aws_docs::acl::canned(
            name,
            &crate::aws_docs::acl::Owner::new(owner.clone()),
            None,
            false,
        )?;
        let s = |t: &str| Value {
            kind: Kind::String(t.into()),
            span: acl.span,
        };
        let obj = |m: Vec<(&str, Value)>| Value {
            kind: Kind::Object(
                m.into_iter()
                    .map(|(k, value)| Member {
                        key: k.into(),
                        key_span: acl.span,
                        value,
                    })
                    .collect(),
            ),
            span: acl.span,
        };
        let grants = parsed
            .grants
            .iter()
            .map(|g| {
                let grantee = match (g.grantee.group_uri(), g.grantee.canonical_id()) {
                    (Some(u), _) => obj(vec![("Type", s("Group")), ("URI", s(u))]),
                    (None, Some(i)) => obj(vec![("Type", s("CanonicalUser")), ("ID", s(i))]),
                    _ => obj(Vec::new()),
                };
                obj(vec![
                    ("Grantee", grantee),
                    ("Permission", s(g.permission.as_str())),
                ])
            })
            .collect();
        let grants = Value {
            kind: Kind::Array(grants),
            span: acl.span,
        };
        Some(obj(vec![
            ("Owner", obj(vec![("ID", s(&owner))])),
            ("Grants", grants),
        ]))
    }

    /// A role's `inline_policy` blocks, each an identity policy of the role.
    fn inline_policies(&mut self, address: &str, values: Option<&Value>, span: Span) {
        let items = values
            .and_then(|v| v.get("inline_policy"))
            .and_then(Value::as_array)
            .unwrap_or(&[]);
        for item in items {
            let label = format!("{address}.inline_policy");
            match item.get("policy") {
                Some(
                    p @ Value {
                        kind: Kind::String(s),
                        ..
                    },
                ) if !s.trim().is_empty() => {
                    self.policy(
                        &label,
                        PolicyKind::Identity,
                        p,
                        Some(Attachment::Principal(address.to_string())),
                    );
                }
                _ => {}
            }
        }
        // Computed when not configured (it then lists the role policies read separately).
        if self.after_unknown(address, "inline_policy") && self.configured(address, "inline_policy")
        {
            let why = format!("the inline policies of `{address}` are known only after apply");
            self.out.unknowns.push(Unknown {
                expression: format!("{address}.inline_policy"),
                span,
                why,
            });
        }
    }

    fn bucket(&mut self, address: &str, values: Option<&Value>, span: Span) {
        let name = values
            .and_then(|v| v.get("bucket"))
            .and_then(Value::as_str)
            .map(str::to_string);
        self.out.buckets.push(IacBucket {
            address: address.to_string(),
            name,
            span,
            settings: Vec::new(),
        });
    }

    fn policy(
        &mut self,
        address: &str,
        kind: PolicyKind,
        literal: &Value,
        attached_to: Option<Attachment>,
    ) {
        match json::parse_embedded(self.text, literal.span) {
            Ok(document) => self.out.policies.push(IacPolicy {
                address: address.to_string(),
                kind,
                document,
                attached_to,
            }),
            Err(e) => self
                .out
                .findings
                .push(crate::load::json_error(&e, Some(address))),
        }
    }

    /// Whether `resource_changes` marks attribute `attr` of `address` as known only after apply.
    fn after_unknown(&self, address: &str, attr: &str) -> bool {
        !self.prior
            && self
                .change(address)
                .and_then(|c| c.get("after_unknown"))
                .and_then(|u| u.get(attr))
                .is_some_and(|v| v.kind == Kind::Bool(true))
    }

    fn change(&self, address: &str) -> Option<&Value> {
        let root = self.root;
        let by = self.changes_by.get_or_init(|| {
            let mut by = HashMap::new();
            let all = root.get("resource_changes").and_then(Value::as_array);
            for c in all.unwrap_or(&[]) {
                if let Some(a) = c.get("address").and_then(Value::as_str) {
                    by.entry(a).or_insert(c);
                }
            }
            by
        });
        by.get(address)?.get("change")
    }

    /// ` (from data.x.json, ...)`: the configuration references of an attribute, for messages.
    fn references(&self, address: &str, attr: &str) -> String {
        let refs = self.config_refs(address, attr);
        if refs.is_empty() {
            String::new()
        } else {
            format!(" (from {})", refs.join(", "))
        }
    }

    /// The `configuration` block of a resource, found through `module_calls` for a resource
    /// of a child module (instance keys dropped: configuration is per declaration).
    fn config(&self, address: &str) -> Option<&Value> {
        let root = self.root;
        let by = self.config_by.get_or_init(|| {
            let mut by = HashMap::new();
            if let Some(m) = root.get("configuration").and_then(|c| c.get("root_module")) {
                config_index(m, String::new(), &mut by, 0);
            }
            by
        });
        let mut path = String::new();
        let mut rest = address;
        while let Some(after) = rest.strip_prefix("module.") {
            let end = after.find('.')?;
            path.push_str(after[..end].split('[').next()?);
            path.push('.');
            rest = &after[end + 1..];
        }
        by.get(&format!("{path}|{}", strip_index(rest))).copied()
    }

    /// The `configuration` references of attribute `attr` of a resource, relative to its module.
    fn config_refs(&self, address: &str, attr: &str) -> Vec<String> {
        self.config(address)
            .and_then(|r| {
                r.get("expressions")?
                    .get(attr)?
                    .get("references")?
                    .as_array()
                    .map(<[Value]>::to_vec)
            })
            .unwrap_or_default()
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect()
    }

    /// Whether the configuration sets attribute `attr` of a resource.
    fn configured(&self, address: &str, attr: &str) -> bool {
        self.config(address)
            .and_then(|r| r.get("expressions")?.get(attr))
            .is_some()
    }

    /// The bucket (or role) a resource refers to: by configuration reference, else by name.
    fn link(&self, address: &str, values: Option<&Value>) -> Option<Attachment> {
        let (attr, target) = [
            ("bucket", "aws_s3_bucket"),
            ("role", "aws_iam_role"),
            ("user", "aws_iam_user"),
            ("group", "aws_iam_group"),
        ]
        .into_iter()
        .find(|(a, _)| {
            values.and_then(|v| v.get(a)).is_some() || !self.config_refs(address, a).is_empty()
        })?;
        // The module part of the address (`module.a["x"].module.b.`), which references are
        // relative to.
        let module = module_prefix(address);
        let mut refs: Vec<String> = self
            .config_refs(address, attr)
            .into_iter()
            .filter(|r| {
                r.starts_with(&format!("{target}.")) && !r[target.len() + 1..].contains('.')
            })
            .collect();
        refs.sort_by_key(|r| std::cmp::Reverse(r.len()));
        if let Some(r) = refs.first() {
            let a = format!("{module}{r}");
            return Some(if target == "aws_s3_bucket" {
                Attachment::Bucket(a)
            } else {
                Attachment::Principal(a)
            });
        }
        let name = values?.get(attr)?.as_str()?;
        if target != "aws_s3_bucket" {
            return Some(Attachment::Principal(name.to_string()));
        }
        let declared = self
            .out
            .buckets
            .iter()
            .find(|b| b.name.as_deref() == Some(name));
        Some(match declared {
            Some(b) => Attachment::Bucket(b.address.clone()),
            None => Attachment::BucketName(name.to_string()),
        })
    }

    fn attach(&mut self, link: Attachment, file: &'static str, setting: Value, span: Span) {
        let pos = self.out.buckets.iter().position(|b| match &link {
            Attachment::Bucket(a) => &b.address == a,
            Attachment::BucketName(n) => b.name.as_deref() == Some(n.as_str()),
            _ => false,
        });
        match pos {
            Some(i) => self.out.buckets[i].settings.push((file, setting)),
            None => {
                let (address, name) = match link {
                    Attachment::Bucket(a) => (a, None),
                    Attachment::BucketName(n) => (format!("bucket \"{n}\""), Some(n)),
                    _ => return,
                };
                self.out.buckets.push(IacBucket {
                    address,
                    name,
                    span,
                    settings: vec![(file, setting)],
                });
            }
        }
    }

    /// The `before` policies of changed resources, for a diff.
    fn changes(&mut self) {
        let Some(changes) = self.root.get("resource_changes").and_then(Value::as_array) else {
            return;
        };
        for c in changes {
            let (Some(address), Some(rtype)) = (
                c.get("address").and_then(Value::as_str),
                c.get("type").and_then(Value::as_str),
            ) else {
                continue;
            };
            let Some((attr, kind)) = policy_attribute(rtype) else {
                continue;
            };
            let Some(p) = c
                .get("change")
                .and_then(|ch| ch.get("before"))
                .and_then(|b| b.get(attr))
            else {
                continue;
            };
            if let (Kind::String(_), Ok(document)) =
                (&p.kind, json::parse_embedded(self.text, p.span))
            {
                self.before.push(IacPolicy {
                    address: address.to_string(),
                    kind,
                    document,
                    attached_to: None,
                });
            }
        }
    }
}

/// Indexes the `configuration` resources of module `m` (at module-call `path`, `a.b.` for
/// `module.a.module.b`) by `path|address`, the first of each, and those of its calls, so a
/// resource's configuration is one lookup (a scan per resource would be quadratic). A call
/// name no address can spell (with `.`, `[` or `|`) is skipped; the JSON reader's nesting
/// limit bounds the depth (the check here is a second guard).
fn config_index<'a>(m: &'a Value, path: String, by: &mut HashMap<String, &'a Value>, depth: usize) {
    for r in m.get("resources").and_then(Value::as_array).unwrap_or(&[]) {
        if let Some(a) = r.get("address").and_then(Value::as_str) {
            by.entry(format!("{path}|{a}")).or_insert(r);
        }
    }
    if depth > 128 {
        return;
    }
    let calls = m.get("module_calls").and_then(Value::as_object);
    let mut seen = std::collections::HashSet::new();
    for call in calls.unwrap_or(&[]) {
        // `get` takes the first member of a name: so does this.
        if seen.insert(&*call.key)
            && !call.key.contains(['.', '[', '|'])
            && let Some(child) = call.value.get("module")
        {
            config_index(child, format!("{path}{}.", call.key), by, depth + 1);
        }
    }
}

/// The module part of an address: `module.a["x"].module.b.` of
/// `module.a["x"].module.b.aws_s3_bucket.this[0]` (empty at the root).
fn module_prefix(address: &str) -> &str {
    let mut at = 0;
    while let Some(after) = address[at..].strip_prefix("module.") {
        // The name, an optional `[...]` key (which may hold dots inside quotes), then `.`.
        let mut end = 0;
        let mut in_brackets = false;
        for (i, c) in after.char_indices() {
            match c {
                '[' => in_brackets = true,
                ']' => in_brackets = false,
                '.' if !in_brackets => {
                    end = i;
                    break;
                }
                _ => {}
            }
        }
        if end == 0 {
            break;
        }
        at += "module.".len() + end + 1;
    }
    &address[..at]
}

/// `a.b[0]` as `a.b`.
fn strip_index(address: &str) -> String {
    match address.find('[') {
        Some(i) => address[..i].to_string(),
        None => address.to_string(),
    }
}

/// A split bucket setting from planned values, shaped as the AWS CLI prints it.
fn split_setting(rtype: &str, v: &Value) -> Option<(&'static str, Value)> {
    let obj = |members: Vec<(&str, Value)>, span: Span| crate::iac::object(span, members);
    let first_block = |key: &str| v.get(key)?.as_array()?.first().cloned();
    match rtype {
        "aws_s3_bucket_public_access_block" => {
            let mut flags = Vec::new();
            for (tf, cli) in [
                ("block_public_acls", "BlockPublicAcls"),
                ("ignore_public_acls", "IgnorePublicAcls"),
                ("block_public_policy", "BlockPublicPolicy"),
                ("restrict_public_buckets", "RestrictPublicBuckets"),
            ] {
                let f = v.get(tf).filter(|f| matches!(f.kind, Kind::Bool(_)))?;
                flags.push((cli, f.clone()));
            }
            Some((
                names::PUBLIC_ACCESS_BLOCK,
                obj(
                    vec![("PublicAccessBlockConfiguration", obj(flags, v.span))],
                    v.span,
                ),
            ))
        }
        "aws_s3_bucket_ownership_controls" => {
            let rule = first_block("rule")?;
            let o = rule.get("object_ownership")?.clone();
            let rules = Value {
                kind: Kind::Array(vec![obj(vec![("ObjectOwnership", o)], rule.span)]),
                span: rule.span,
            };
            Some((
                names::OWNERSHIP_CONTROLS,
                obj(
                    vec![("OwnershipControls", obj(vec![("Rules", rules)], v.span))],
                    v.span,
                ),
            ))
        }
        "aws_s3_bucket_versioning" => {
            let c = first_block("versioning_configuration")?;
            // "Disabled" means never enabled: `get-bucket-versioning` prints no Status.
            let status = c.get("status").filter(|s| s.as_str() != Some("Disabled"));
            let Some(status) = status.cloned() else {
                return Some((names::VERSIONING, obj(Vec::new(), c.span)));
            };
            Some((names::VERSIONING, obj(vec![("Status", status)], c.span)))
        }
        _ => None,
    }
}

/// Whether a bucket's legacy `grant` list names the All Users or Authenticated Users group,
/// the grantees that make an ACL public (S3 User Guide, "The meaning of public").
fn grants_a_group(values: &Value) -> bool {
    values
        .get("grant")
        .and_then(Value::as_array)
        .is_some_and(|grants| {
            grants.iter().any(|g| {
                g.get("uri")
                    .and_then(Value::as_str)
                    .is_some_and(|u| u.ends_with("/AllUsers") || u.ends_with("/AuthenticatedUsers"))
            })
        })
}
