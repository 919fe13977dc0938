//! Terraform plans (`terraform show -json PLANFILE`) read into the IaC model.
//!
//! Policies and bucket settings come from `planned_values` (root and child modules, the state
//! after apply), each named by its resource address and located in the plan file. The
//! `before` value of each `resource_changes` entry is kept as well, so a plan can serve as a
//! ready-made diff. A value marked in `after_unknown` is known only after apply: it is an
//! unknown, never skipped. `configuration` supplies the references that link a split
//! setting or a bucket policy to its bucket when the bucket name is not known yet.

use super::value::{VKind, Val};
use crate::aws_docs::folder::names;
use crate::diagnostic::Finding;
use crate::iac::{
    Attachment, Extracted, Format, IacBucket, IacPolicy, IamEntity, IamKind, IamLink, IamLinkKind,
    IamRef, Unknown,
};
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
    tidy_iam(&mut r.out.iam);
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
    tidy_iam(&mut r.out.iam);
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
            // An access point's `policy` is computed too when an
            // `aws_s3control_access_point_policy` sets it (aws_s3_access_point resource page).
            let computed = match rtype {
                "aws_s3_bucket" => true,
                "aws_s3_access_point" => self.config(address).is_some(),
                _ => false,
            };
            let inline = !computed || set || self.configured(address, attr);
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
        if rtype == "aws_s3_access_point" {
            self.access_point(address, values, span);
        }
        if let Some(v) = values {
            self.iam(address, rtype, v, span);
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
        let legacy = rtype == "aws_s3_bucket";
        let attr = if legacy {
            "grant"
        } else {
            "access_control_policy"
        };
        // The bucket's own ACL belongs to it; an ACL resource names its bucket.
        let link = if legacy {
            Some(Attachment::Bucket(address.to_string()))
        } else {
            self.link(address, values)
        };
        let Some(link) = link else {
            return;
        };
        if let Some(setting) = canned_setting {
            self.attach(link, names::ACL, setting, span);
            return;
        }
        // The grants are what the apply sets for an ACL resource, and for a bucket whose
        // configuration sets `grant`; a bucket's `grant` computed by provider v4+ is the state
        // last read, which an `aws_s3_bucket_acl` of the plan may replace.
        let listed = values
            .and_then(|v| v.get(attr))
            .and_then(Value::as_array)
            .is_some_and(|g| !g.is_empty());
        let read = !legacy || listed && self.configured(address, attr);
        let grants = match values {
            Some(v) if read => self.grants_acl(address, attr, v),
            _ => None,
        };
        if let Some(setting) = grants {
            self.attach(link, names::ACL, setting, span);
        } else if !legacy || values.is_some_and(grants_a_group) {
            let why = if self.after_unknown(address, attr) {
                "the grants of the ACL are known only after apply"
            } else if legacy {
                "the bucket's `grant` is computed by the provider, not set by the configuration, and an `aws_s3_bucket_acl` may replace it"
            } else {
                "the plan gives neither a canned `acl` nor `access_control_policy` grants"
            };
            self.unknown_acl(link, address, attr, values, span, why);
        }
    }

    /// The grants of `attr` (an `aws_s3_bucket_acl`'s `access_control_policy`, a legacy
    /// bucket's `grant` list) as `get-bucket-acl` output, read as the `.tf` reader reads them
    /// ([`super::grants`]). A field `after_unknown` marks is an unknown located at the object
    /// that would hold it; `None` when the plan gives no grants (the whole attribute absent or
    /// known only after apply).
    fn grants_acl(&mut self, address: &str, attr: &str, values: &Value) -> Option<Value> {
        let marks = self.unknown_marks(address, attr);
        if is_marked(marks.as_ref()) {
            return None;
        }
        let given = values.get(attr)?;
        let (body, body_marks, list_path) = if attr == "access_control_policy" {
            let body = given.as_array()?.first()?;
            (body, mark_at(marks.as_ref(), 0), format!("{attr}[0].grant"))
        } else {
            (values, None, attr.to_string())
        };
        let (list, list_marks) = if attr == "access_control_policy" {
            (body.get("grant"), mark(body_marks, "grant"))
        } else {
            (Some(given), marks.as_ref())
        };
        let owner = self.grants_owner(address, attr, body, body_marks);
        let grants = if is_marked(list_marks) {
            self.unknown_val(format!("{address}.{list_path}"), body.span)
        } else {
            let mut out = Vec::new();
            for (i, g) in list
                .and_then(Value::as_array)
                .unwrap_or(&[])
                .iter()
                .enumerate()
            {
                let expr = format!("{address}.{list_path}[{i}]");
                self.plan_grant(&expr, g, mark_at(list_marks, i), &mut out);
            }
            Val::new(VKind::List(out), list.map_or(body.span, |l| l.span))
        };
        Some(super::grants::cli_acl(owner, grants, body.span).to_json())
    }

    /// The owner of an `access_control_policy` (`owner[0].id`), else an unknown: the bucket
    /// owner's canonical id is not in a legacy `grant` list, and known only from AWS.
    fn grants_owner(
        &mut self,
        address: &str,
        attr: &str,
        body: &Value,
        body_marks: Option<&Value>,
    ) -> Val {
        let owner = body
            .get("owner")
            .and_then(Value::as_array)
            .and_then(|o| o.first());
        let owner_marks = mark_at(mark(body_marks, "owner"), 0);
        if attr == "access_control_policy" && is_marked(mark(owner_marks, "id")) {
            let at = owner.map_or(body.span, |o| o.span);
            return self.unknown_val(format!("{address}.{attr}[0].owner[0].id"), at);
        }
        match owner.and_then(|o| o.get("id")) {
            Some(id) if id.as_str().is_some_and(|t| !t.is_empty()) => Val::from_json(id),
            _ => {
                let id = self.out.unknowns.len();
                self.out.unknowns.push(Unknown {
                    expression: format!("{address}.{attr}"),
                    span: body.span,
                    why: "the bucket owner's canonical id (known only from AWS)".to_string(),
                });
                Val::new(VKind::Unknown(id), body.span)
            }
        }
    }

    /// One planned grant (`expr` names it) into `out`; its fields `marks` says are known only
    /// after apply are unknowns.
    fn plan_grant(&mut self, expr: &str, g: &Value, marks: Option<&Value>, out: &mut Vec<Val>) {
        if is_marked(marks) || g.kind == Kind::Null {
            // A whole grant not known offline: the ACL holding it is unknown.
            out.push(self.unknown_val(expr.to_string(), g.span));
            return;
        }
        // `access_control_policy` grants name their grantee in a block; legacy ones inline.
        let block = g.get("grantee").and_then(Value::as_array);
        let (grantee, grantee_marks, grantee_expr) = match block {
            Some(b) => (
                b.first().unwrap_or(g),
                mark_at(mark(marks, "grantee"), 0),
                format!("{expr}.grantee[0]"),
            ),
            None => (g, marks, expr.to_string()),
        };
        let perm_key = if block.is_some() || g.get("permission").is_some() {
            "permission"
        } else {
            "permissions"
        };
        let field = |this: &mut Self, obj: &Value, m: Option<&Value>, key: &str, e: &str| {
            if is_marked(mark(m, key)) {
                Some(this.unknown_val(format!("{e}.{key}"), obj.span))
            } else {
                obj.get(key).map(Val::from_json)
            }
        };
        let permissions = match field(self, g, marks, perm_key, expr) {
            Some(Val {
                kind: VKind::List(items),
                ..
            }) => items,
            Some(v) => vec![v],
            None => Vec::new(),
        };
        let grant = super::grants::TfGrant {
            kind: field(self, grantee, grantee_marks, "type", &grantee_expr),
            id: field(self, grantee, grantee_marks, "id", &grantee_expr),
            uri: field(self, grantee, grantee_marks, "uri", &grantee_expr),
            email: field(self, grantee, grantee_marks, "email_address", &grantee_expr),
            permissions,
            span: g.span,
        };
        grant.cli_grants(out);
    }

    /// An unknown known only after apply, at `span`, as a value.
    fn unknown_val(&mut self, expression: String, span: Span) -> Val {
        let id = self.out.unknowns.len();
        self.out.unknowns.push(Unknown {
            expression,
            span,
            why: "marked in the plan's `after_unknown`".to_string(),
        });
        Val::new(VKind::Unknown(id), span)
    }

    /// `after_unknown` of attribute `attr` of `address` (nothing before the apply).
    fn unknown_marks(&self, address: &str, attr: &str) -> Option<Value> {
        if self.prior {
            return None;
        }
        self.change(address)?
            .get("after_unknown")?
            .get(attr)
            .cloned()
    }

    /// An ACL whose grants are not read (`attr` of an `aws_s3_bucket_acl` or a legacy
    /// bucket), for the reason `why`: its bucket's ACL is an unknown, placed at `attr` (or the
    /// resource), so a verdict on it is uncertain.
    fn unknown_acl(
        &mut self,
        link: Attachment,
        address: &str,
        attr: &str,
        values: Option<&Value>,
        span: Span,
        why: &str,
    ) {
        let at = values.and_then(|v| v.get(attr)).map_or(span, |v| v.span);
        let id = self.out.unknowns.len();
        self.out.unknowns.push(Unknown {
            expression: format!("{address}.{attr}"),
            span: at,
            why: why.to_string(),
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

    /// The IAM entity a resource declares (`aws_iam_role`, `_user`, `_group`, `_policy`) and
    /// the links it writes (managed policy attachments, a role's `managed_policy_arns`, group
    /// memberships), as the `.tf` reader gives them (`iac::identity` builds principals from
    /// both alike).
    fn iam(&mut self, address: &str, rtype: &str, v: &Value, span: Span) {
        let kind = match rtype {
            "aws_iam_role" => Some(IamKind::Role),
            "aws_iam_user" => Some(IamKind::User),
            "aws_iam_group" => Some(IamKind::Group),
            "aws_iam_policy" => Some(IamKind::ManagedPolicy),
            _ => None,
        };
        if let Some(kind) = kind {
            let text = |k: &str| {
                v.get(k)
                    .and_then(Value::as_str)
                    .filter(|t| !t.is_empty())
                    .map(str::to_string)
            };
            let name = text("name");
            if name.is_none() && self.after_unknown(address, "name") {
                self.out.unknowns.push(Unknown {
                    expression: format!("{address}.name"),
                    span,
                    why: "the IAM name is known only after apply (a generated name)".into(),
                });
            }
            self.out.iam.entities.push(IamEntity {
                address: address.to_string(),
                kind,
                name,
                path: text("path").unwrap_or_else(|| "/".into()),
                span,
            });
        }
        let me = || vec![IamRef::Address(address.to_string())];
        let (from, to, link): (Vec<IamRef>, Vec<IamRef>, IamLinkKind) = match rtype {
            // A role's `managed_policy_arns` is its exclusive set of managed policies
            // (aws_iam_role resource page).
            // Computed when not configured: it then lists the attachments read separately.
            "aws_iam_role"
                if self.configured(address, "managed_policy_arns")
                    || self.config(address).is_none() =>
            {
                (
                    self.policy_refs(address, v, "managed_policy_arns"),
                    me(),
                    IamLinkKind::Policy,
                )
            }
            "aws_iam_role_policy_attachment"
            | "aws_iam_user_policy_attachment"
            | "aws_iam_group_policy_attachment"
            | "aws_iam_policy_attachment" => {
                let mut to = Vec::new();
                for (attr, target) in [
                    ("role", "aws_iam_role"),
                    ("user", "aws_iam_user"),
                    ("group", "aws_iam_group"),
                    ("roles", "aws_iam_role"),
                    ("users", "aws_iam_user"),
                    ("groups", "aws_iam_group"),
                ] {
                    to.extend(self.iam_refs(address, v, attr, target));
                }
                let from = self.policy_refs(address, v, "policy_arn");
                (from, to, IamLinkKind::Policy)
            }
            "aws_iam_user_group_membership" => (
                self.iam_refs(address, v, "groups", "aws_iam_group"),
                self.iam_refs(address, v, "user", "aws_iam_user"),
                IamLinkKind::Member,
            ),
            "aws_iam_group_membership" => (
                self.iam_refs(address, v, "group", "aws_iam_group"),
                self.iam_refs(address, v, "users", "aws_iam_user"),
                IamLinkKind::Member,
            ),
            _ => return,
        };
        for f in &from {
            for t in &to {
                self.out.iam.links.push(IamLink {
                    kind: link,
                    from: f.clone(),
                    to: t.clone(),
                    span,
                });
            }
        }
    }

    /// The managed policies attribute `attr` names: a declared `aws_iam_policy` by reference,
    /// else an ARN, else unknown.
    fn policy_refs(&mut self, address: &str, v: &Value, attr: &str) -> Vec<IamRef> {
        self.iam_refs(address, v, attr, "aws_iam_policy")
            .into_iter()
            .map(|r| match r {
                IamRef::Name(arn) => IamRef::Arn(arn),
                other => other,
            })
            .collect()
    }

    /// What attribute `attr` (one value or a list) of a resource refers to: the resources of
    /// type `target` its configuration references, by address; the known strings of its
    /// planned value as names (a list may mix references and literals: those that name a
    /// declared resource are merged with their reference afterwards, [`tidy_iam`]); and an
    /// unknown when `after_unknown` marks a value no reference accounts for.
    fn iam_refs(&mut self, address: &str, v: &Value, attr: &str, target: &str) -> Vec<IamRef> {
        let module = module_prefix(address);
        let mut out: Vec<IamRef> = self
            .config_refs(address, attr)
            .into_iter()
            .filter(|r| {
                r.starts_with(&format!("{target}.")) && !r[target.len() + 1..].contains('.')
            })
            .map(|r| IamRef::Address(format!("{module}{r}")))
            .collect();
        let referenced = !out.is_empty();
        let value = v.get(attr);
        let items = match value.map(|x| &x.kind) {
            Some(Kind::Array(items)) => items.iter().collect(),
            Some(_) => value.into_iter().collect(),
            None => Vec::new(),
        };
        // A single value given by reference is that reference.
        if !referenced || matches!(value.map(|x| &x.kind), Some(Kind::Array(_))) {
            out.extend(
                items
                    .iter()
                    .filter_map(|x| x.as_str())
                    .filter(|t| !t.is_empty())
                    .map(|t| IamRef::Name(t.to_string())),
            );
        }
        let marks = self.unknown_marks(address, attr);
        let marked = is_marked(marks.as_ref())
            || marks
                .as_ref()
                .and_then(Value::as_array)
                .is_some_and(|m| m.iter().any(|x| x.kind == Kind::Bool(true)));
        if marked && !referenced {
            let expression = format!("{address}.{attr}");
            self.out.unknowns.push(Unknown {
                expression: expression.clone(),
                span: value.map_or(v.span, |x| x.span),
                why: "marked in the plan's `after_unknown`".into(),
            });
            out.push(IamRef::Unknown(expression));
        }
        out
    }

    /// An `aws_s3_access_point`, described as `.tf` gives it: its name, bucket, VPC and Block
    /// Public Access flags, whose omitted ones are on (S3 User Guide, "Managing public access
    /// to access points"). A flag `after_unknown` marks is an unknown (read as off by the model).
    fn access_point(&mut self, address: &str, values: Option<&Value>, span: Span) {
        let Some(v) = values else { return };
        let first = |key: &str| v.get(key)?.as_array()?.first();
        let vpc = first("vpc_configuration").map(|c| {
            // Which VPC does not decide who can reach it, only that it is one.
            let id = c.get("vpc_id").filter(|i| i.as_str().is_some());
            id.cloned().unwrap_or_else(|| Value {
                kind: Kind::String("a VPC known only after apply".into()),
                span: c.span,
            })
        });
        let marks = self.unknown_marks(address, "public_access_block_configuration");
        let block_marks = mark_at(marks.as_ref(), 0);
        let public_access_block = first("public_access_block_configuration").map(|b| {
            let mut flags = Vec::new();
            for (tf, cli) in [
                ("block_public_acls", "BlockPublicAcls"),
                ("ignore_public_acls", "IgnorePublicAcls"),
                ("block_public_policy", "BlockPublicPolicy"),
                ("restrict_public_buckets", "RestrictPublicBuckets"),
            ] {
                let flag = if is_marked(mark(block_marks, tf)) {
                    self.unknown_val(
                        format!("{address}.public_access_block_configuration[0].{tf}"),
                        b.span,
                    )
                    .to_json()
                } else {
                    // A flag of another type: read as off, the least blocking reading.
                    match b.get(tf) {
                        Some(
                            f @ Value {
                                kind: Kind::Bool(_),
                                ..
                            },
                        ) => f.clone(),
                        Some(f) if f.kind != Kind::Null => Value {
                            kind: Kind::Bool(false),
                            span: f.span,
                        },
                        _ => Value {
                            kind: Kind::Bool(true),
                            span: b.span,
                        },
                    }
                };
                flags.push((cli, flag));
            }
            crate::iac::object(b.span, flags)
        });
        let name = v
            .get("name")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
            .map(str::to_string);
        let bucket = self.link(address, values);
        self.out.access_points.push(crate::iac::IacAccessPoint {
            address: address.to_string(),
            name,
            bucket,
            vpc,
            public_access_block,
            span,
        });
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
            ("access_point_arn", "aws_s3_access_point"),
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
            return Some(match target {
                "aws_s3_bucket" => Attachment::Bucket(a),
                "aws_s3_access_point" => Attachment::AccessPoint(a),
                _ => Attachment::Principal(a),
            });
        }
        let name = values?.get(attr)?.as_str()?;
        if target == "aws_s3_access_point" {
            // An access point ARN ends in `accesspoint/NAME` (S3 User Guide, "Referencing
            // access points"): the declared access point of that name, else none declared.
            let ap = name.rsplit_once(":accesspoint/")?.1;
            let declared = self
                .out
                .access_points
                .iter()
                .find(|p| p.name.as_deref() == Some(ap));
            return declared.map(|p| Attachment::AccessPoint(p.address.clone()));
        }
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

/// The `after_unknown` marks of member `key` (a value marked as a whole marks every part).
fn mark<'v>(marks: Option<&'v Value>, key: &str) -> Option<&'v Value> {
    let m = marks?;
    if m.kind == Kind::Bool(true) {
        return Some(m);
    }
    m.get(key)
}

/// The `after_unknown` marks of element `i`.
fn mark_at(marks: Option<&Value>, i: usize) -> Option<&Value> {
    let m = marks?;
    if m.kind == Kind::Bool(true) {
        return Some(m);
    }
    m.as_array()?.get(i)
}

/// Whether `after_unknown` marks the value as known only after apply.
fn is_marked(marks: Option<&Value>) -> bool {
    marks.is_some_and(|m| m.kind == Kind::Bool(true))
}

/// Merges IAM references that name a declared entity with their reference: a principal by its
/// IAM name, a managed policy by an ARN ending in its name (the plan gives the ARNs of
/// existing policies in another account's form than the symbolic own account), then drops
/// repeated links.
fn tidy_iam(iam: &mut crate::iac::Iam) {
    use std::collections::{HashMap, HashSet};
    let mut principals: HashMap<&str, &str> = HashMap::new();
    let mut policies: HashMap<&str, &str> = HashMap::new();
    for e in &iam.entities {
        let Some(name) = e.name.as_deref() else {
            continue;
        };
        let map = if e.kind == IamKind::ManagedPolicy {
            &mut policies
        } else {
            &mut principals
        };
        map.entry(name).or_insert(e.address.as_str());
    }
    let canonical = |r: &IamRef, policy: bool| -> Option<IamRef> {
        let address = match r {
            IamRef::Name(n) if !policy => principals.get(n.as_str()),
            IamRef::Arn(a) if a.starts_with("arn:aws:iam::") => {
                policies.get(a.rsplit('/').next().unwrap_or_default())
            }
            _ => None,
        };
        address.map(|a| IamRef::Address(a.to_string()))
    };
    let mut seen = HashSet::new();
    let mut links = Vec::new();
    for l in &iam.links {
        let mut l = l.clone();
        if let Some(from) = canonical(&l.from, l.kind == IamLinkKind::Policy) {
            l.from = from;
        }
        if let Some(to) = canonical(&l.to, false) {
            l.to = to;
        }
        if seen.insert(format!("{:?} {:?} {:?}", l.kind, l.from, l.to)) {
            links.push(l);
        }
    }
    iam.links = links;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(resources: &str) -> PlanRead {
        let text = format!(
            r#"{{"format_version":"1.2","planned_values":{{"root_module":{{"resources":[{resources}]}}}}}}"#
        );
        read_plan(SourceFile::new("plan.json", text))
    }

    fn res(address: &str, values: &str) -> String {
        let (rtype, name) = address.split_once('.').unwrap();
        format!(
            r#"{{"address":"{address}","mode":"managed","type":"{rtype}","name":"{name}","values":{values}}}"#
        )
    }

    #[test]
    fn iam_names_and_arns_of_declared_entities_link_to_their_address_once() {
        // No configuration: the links are by name and ARN, as planned values give them.
        let read = plan(&[
            res("aws_iam_role.r", r#"{"name":"reader","path":"/"}"#),
            res("aws_iam_policy.p", r#"{"name":"read","path":"/"}"#),
            res(
                "aws_iam_role.s",
                r#"{"name":"other","managed_policy_arns":["arn:aws:iam::123456789012:policy/read","arn:aws:iam::aws:policy/ReadOnlyAccess"]}"#,
            ),
            res(
                "aws_iam_role_policy_attachment.a",
                r#"{"role":"reader","policy_arn":"arn:aws:iam::123456789012:policy/read"}"#,
            ),
            res(
                "aws_iam_role_policy_attachment.b",
                r#"{"role":"reader","policy_arn":"arn:aws:iam::123456789012:policy/read"}"#,
            ),
        ]
        .join(","));
        let iam = &read.after.iam;
        assert_eq!(iam.entities.len(), 3);
        let links: Vec<(&IamRef, &IamRef)> = iam.links.iter().map(|l| (&l.from, &l.to)).collect();
        let a = |s: &str| IamRef::Address(s.into());
        assert_eq!(
            links,
            vec![
                (&a("aws_iam_policy.p"), &a("aws_iam_role.s")),
                (
                    &IamRef::Arn("arn:aws:iam::aws:policy/ReadOnlyAccess".into()),
                    &a("aws_iam_role.s")
                ),
                (&a("aws_iam_policy.p"), &a("aws_iam_role.r")),
            ]
        );
    }
}
