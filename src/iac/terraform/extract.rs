//! From evaluated resources to the shared IaC model: policies by resource type, buckets with
//! their legacy inline blocks and split v4+ settings, account-level Block Public Access.

use super::eval::Scope;
use super::module::{Decl, Instance, Module};
use super::value::{VKind, Val, parse_located};
use crate::aws_docs::acl::{self, Owner};
use crate::aws_docs::folder::names;
use crate::iac::{Attachment, IacBucket, IacPolicy};
use crate::json::Value;
use crate::policy::PolicyKind;
use crate::source::Span;
use hcl_edit::expr::{Expression, TraversalOperator};
use hcl_edit::structure::Body;
use std::collections::HashMap;

/// What one module instance declares, each item with the index of its file.
#[derive(Debug, Default)]
pub struct Found {
    /// Policies.
    pub policies: Vec<(usize, IacPolicy)>,
    /// Buckets.
    pub buckets: Vec<(usize, IacBucket)>,
    /// Settings of split resources: (file, link, setting file name, value).
    pub settings: Vec<(usize, Attachment, &'static str, Value)>,
    /// Account-level settings: (file, address, setting file name, value).
    pub account: Vec<(usize, String, &'static str, Value)>,
    /// Whole policies not known offline: (file, unknown id, address).
    pub unknown_policies: Vec<(usize, usize, String)>,
    /// JSON errors in policies: (file, finding).
    pub errors: Vec<(usize, crate::diagnostic::Finding)>,
    /// IAM roles, users, groups and managed policies: (file, entity).
    pub iam: Vec<(usize, crate::iac::IamEntity)>,
    /// Policy attachments and group memberships: (file, link).
    pub links: Vec<(usize, crate::iac::IamLink)>,
    /// Access points: (file, access point).
    pub access_points: Vec<(usize, crate::iac::IacAccessPoint)>,
}

/// Which policy attributes each resource type has, and what kind of policy they hold.
fn policy_attributes(rtype: &str) -> &'static [(&'static str, PolicyKind)] {
    match rtype {
        "aws_s3_bucket_policy" | "aws_s3_bucket" => &[("policy", PolicyKind::Bucket)],
        "aws_iam_policy"
        | "aws_iam_role_policy"
        | "aws_iam_user_policy"
        | "aws_iam_group_policy" => &[("policy", PolicyKind::Identity)],
        "aws_iam_role" => &[("assume_role_policy", PolicyKind::Trust)],
        "aws_s3_access_point" | "aws_s3control_access_point_policy" => {
            &[("policy", PolicyKind::AccessPoint)]
        }
        "aws_kms_key" => &[("policy", PolicyKind::Resource)],
        "aws_organizations_policy" => &[("content", PolicyKind::Scp)],
        _ => &[],
    }
}

impl Module {
    /// Everything this module instance declares (not its children).
    pub fn extract(&self) -> Found {
        let mut found = Found::default();
        for decl in self.decls.iter().filter(|d| !d.data && d.rtype != "module") {
            for inst in self.instances(decl).iter() {
                self.extract_instance(decl, inst, &mut found);
            }
        }
        // After every policy and bucket: a value both read is evaluated (and an unknown in it
        // first registered, located) where they read it.
        for decl in self.decls.iter().filter(|d| !d.data && d.rtype != "module") {
            for inst in self.instances(decl).iter() {
                self.extract_links(decl, inst, &mut found);
            }
        }
        found
    }

    fn extract_instance(&self, decl: &Decl, inst: &Instance, found: &mut Found) {
        let scope = inst.scope(decl.file);
        let body = &decl.block.body;
        let address = format!("{}{}.{}{}", self.prefix, decl.rtype, decl.name, inst.suffix);
        let file = decl.file;
        for (attr, kind) in policy_attributes(&decl.rtype) {
            let mut kind = *kind;
            if decl.rtype == "aws_organizations_policy" {
                // `type` defaults to SERVICE_CONTROL_POLICY; tag, backup and AI opt-out policies
                // are not IAM policies (aws_organizations_policy resource page).
                match self
                    .attr(&scope, body, "type")
                    .as_ref()
                    .and_then(Val::as_str)
                {
                    None | Some("SERVICE_CONTROL_POLICY") => {}
                    Some("RESOURCE_CONTROL_POLICY") => kind = PolicyKind::Rcp,
                    Some(_) => continue,
                }
            }
            let label = if *attr == "policy" || *attr == "content" {
                address.clone()
            } else {
                format!("{address}.{attr}")
            };
            self.policy_attr(
                &scope,
                body,
                attr,
                kind,
                label,
                self.attachment(&scope, decl),
                found,
            );
        }
        if decl.rtype == "aws_iam_role" {
            for (s, b, _) in self.blocks(&scope, body, "inline_policy") {
                let link = Some(Attachment::Principal(address.clone()));
                self.policy_attr(
                    &s,
                    b,
                    "policy",
                    PolicyKind::Identity,
                    format!("{address}.inline_policy"),
                    link,
                    found,
                );
            }
        }
        if decl.rtype == "aws_s3_bucket" {
            let name = self
                .attr(&scope, body, "bucket")
                .and_then(|v| v.as_str().filter(|_| !v.has_unknown()).map(str::to_string));
            let settings = self
                .legacy_settings(&scope, body, decl.span())
                .into_iter()
                .map(|(n, v)| (n, v.to_json()))
                .collect();
            found.buckets.push((
                file,
                IacBucket {
                    address: address.clone(),
                    name,
                    span: decl.span(),
                    settings,
                },
            ));
        }
        if decl.rtype == "aws_s3_account_public_access_block"
            && let Some(v) = self.public_access_block(&scope, body, decl.span())
        {
            found.account.push((
                file,
                address.clone(),
                names::PUBLIC_ACCESS_BLOCK,
                v.to_json(),
            ));
        }
        if let Some((setting, v)) = self.split_setting(&scope, decl) {
            // A setting whose bucket is not known offline still counts, on a bucket of its own.
            let link = self
                .attachment(&scope, decl)
                .unwrap_or_else(|| Attachment::Bucket(format!("{address}.bucket")));
            found.settings.push((file, link, setting, v.to_json()));
        }
    }

    /// The IAM entities and links and the access points of one instance.
    fn extract_links(&self, decl: &Decl, inst: &Instance, found: &mut Found) {
        let scope = inst.scope(decl.file);
        let address = format!("{}{}.{}{}", self.prefix, decl.rtype, decl.name, inst.suffix);
        self.iam(&scope, decl, &address, found);
        if decl.rtype == "aws_s3_access_point" {
            let ap = self.access_point(&scope, decl, &address);
            found.access_points.push((decl.file, ap));
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn policy_attr(
        &self,
        scope: &Scope,
        body: &Body,
        attr: &str,
        kind: PolicyKind,
        address: String,
        attached_to: Option<Attachment>,
        found: &mut Found,
    ) {
        let Some(v) = self.attr(scope, body, attr) else {
            return;
        };
        let document = match &v.kind {
            VKind::Null => return,
            VKind::Json(inner) => inner.to_json(),
            VKind::Map(_) => v.to_json(),
            VKind::Str(s) if s.text.trim().is_empty() => return,
            VKind::Str(s)
                if super::value::placeholder_ids(&s.text)
                    .first()
                    .is_some_and(|id| s.text == super::value::placeholder(*id)) =>
            {
                let id = super::value::placeholder_ids(&s.text)[0];
                found.unknown_policies.push((scope.file, id, address));
                return;
            }
            VKind::Str(s) => match parse_located(s) {
                Ok(doc) => doc,
                Err(e) => {
                    found
                        .errors
                        .push((scope.file, crate::load::json_error(&e, Some(&address))));
                    return;
                }
            },
            VKind::Unknown(id) => {
                found.unknown_policies.push((scope.file, *id, address));
                return;
            }
            _ => v.to_json(),
        };
        found.policies.push((
            scope.file,
            IacPolicy {
                address,
                kind,
                document,
                attached_to,
            },
        ));
    }

    /// What the resource is attached to: its `bucket`, `role`, `user`, `group` or
    /// `access_point_arn`, linked to the declaring resource when it refers to one.
    fn attachment(&self, scope: &Scope, decl: &Decl) -> Option<Attachment> {
        let body = &decl.block.body;
        let (attr, target) = [
            ("bucket", "aws_s3_bucket"),
            ("role", "aws_iam_role"),
            ("user", "aws_iam_user"),
            ("group", "aws_iam_group"),
            ("access_point_arn", "aws_s3_access_point"),
        ]
        .into_iter()
        .find(|(a, _)| body.has_attribute(a))?;
        if decl.rtype == "aws_s3_bucket" {
            return None;
        }
        let expr = &body.get_attribute(attr)?.value;
        let wrap = |address: String| match target {
            "aws_s3_bucket" => Attachment::Bucket(address),
            "aws_s3_access_point" => Attachment::AccessPoint(address),
            _ => Attachment::Principal(address),
        };
        if let Some(address) = self.reference_address(scope, expr, target) {
            return Some(wrap(address));
        }
        let v = self.eval(scope, expr);
        let name = v.as_str().filter(|_| !v.has_unknown())?.to_string();
        if target != "aws_s3_bucket" {
            return Some(Attachment::Principal(name));
        }
        // A literal name of a bucket declared here links to that bucket.
        match self.bucket_names().get(&name) {
            Some(address) => Some(Attachment::Bucket(address.clone())),
            None => Some(Attachment::BucketName(name)),
        }
    }

    /// The address of the first bucket instance declaring each bucket name, read once per
    /// module (a scan per split resource would be quadratic).
    fn bucket_names(&self) -> std::rc::Rc<HashMap<String, String>> {
        if let Some(m) = self.bucket_name_memo.borrow().as_ref() {
            return m.clone();
        }
        let mut out = HashMap::new();
        for d in self
            .decls
            .iter()
            .filter(|d| !d.data && d.rtype == "aws_s3_bucket")
        {
            for inst in self.instances(d).iter() {
                let s = inst.scope(d.file);
                let n = self.attr(&s, &d.block.body, "bucket");
                if let Some(n) = n.as_ref().and_then(Val::as_str) {
                    out.entry(n.to_string()).or_insert_with(|| {
                        format!("{}{}.{}{}", self.prefix, d.rtype, d.name, inst.suffix)
                    });
                }
            }
        }
        let out = std::rc::Rc::new(out);
        *self.bucket_name_memo.borrow_mut() = Some(out.clone());
        out
    }

    /// `TARGET.NAME[.id|.arn|...]` (optionally indexed, optionally inside `"${...}"`) as the
    /// address of that resource instance.
    pub(super) fn reference_address(
        &self,
        scope: &Scope,
        expr: &Expression,
        target: &str,
    ) -> Option<String> {
        self.reference_depth(scope, expr, target, 0)
    }

    fn reference_depth(
        &self,
        scope: &Scope,
        expr: &Expression,
        target: &str,
        depth: u32,
    ) -> Option<String> {
        if depth > 8 {
            return None;
        }
        // `cond ? a : b` with a known condition refers to the branch taken.
        if let Expression::Conditional(c) = expr {
            let branch = match self.eval(scope, &c.cond_expr).kind {
                VKind::Bool(true) => &c.true_expr,
                VKind::Bool(false) => &c.false_expr,
                _ => return None,
            };
            return self.reference_depth(scope, branch, target, depth + 1);
        }
        // `aws_s3_bucket_policy.this[0].id` (a split resource of the bucket) refers to the
        // bucket that resource names: the provider sets its `id` to the bucket name.
        if let Expression::Traversal(t) = expr
            && let (Expression::Variable(root), Some(TraversalOperator::GetAttr(name))) =
                (&t.expr, t.operators.first().map(|o| o.value()))
        {
            let rtype = root.as_str();
            if target == "aws_s3_bucket" && rtype.starts_with("aws_s3_bucket_") {
                let decl = self.decl(false, rtype, name.as_str())?;
                let inst_scope = match t.operators.get(1).map(|o| o.value()) {
                    Some(TraversalOperator::Index(ix)) if decl.repeated() => {
                        let k = self.eval(scope, ix);
                        self.instances(decl).find(&k)?.scope(decl.file)
                    }
                    _ => self.instances(decl).first()?.scope(decl.file),
                };
                let inner = &decl.block.body.get_attribute("bucket")?.value;
                return self.reference_depth(&inst_scope, inner, target, depth + 1);
            }
        }
        let expr = match expr {
            Expression::StringTemplate(t) if t.len() == 1 => match t.iter().next()? {
                hcl_edit::template::Element::Interpolation(i) => &i.expr,
                _ => return None,
            },
            e => e,
        };
        let Expression::Traversal(t) = expr else {
            return None;
        };
        let Expression::Variable(root) = &t.expr else {
            return None;
        };
        if root.as_str() != target {
            return None;
        }
        let Some(TraversalOperator::GetAttr(name)) = t.operators.first().map(|o| o.value()) else {
            return None;
        };
        let Some(decl) = self.decl(false, target, name.as_str()) else {
            // Not declared in this module: still the resource the user named.
            return Some(format!("{}{}.{}", self.prefix, target, name.as_str()));
        };
        let suffix = match t.operators.get(1).map(|o| o.value()) {
            Some(TraversalOperator::Index(ix)) if decl.repeated() => {
                let k = self.eval(scope, ix);
                let instances = self.instances(decl);
                instances
                    .find(&k)
                    .map(|i| i.suffix.clone())
                    .unwrap_or_else(|| "[?]".into())
            }
            _ => String::new(),
        };
        Some(format!("{}{}.{}{}", self.prefix, target, decl.name, suffix))
    }

    /// The setting a split v4+ bucket resource declares, shaped as the AWS CLI prints it.
    fn split_setting(&self, scope: &Scope, decl: &Decl) -> Option<(&'static str, Val)> {
        let body = &decl.block.body;
        let span = decl.span();
        Some(match decl.rtype.as_str() {
            "aws_s3_bucket_public_access_block" => (
                names::PUBLIC_ACCESS_BLOCK,
                self.public_access_block(scope, body, span)?,
            ),
            "aws_s3_bucket_ownership_controls" => (
                names::OWNERSHIP_CONTROLS,
                self.ownership(scope, body, span)?,
            ),
            "aws_s3_bucket_acl" => (names::ACL, self.acl(scope, body, span)?),
            "aws_s3_bucket_server_side_encryption_configuration" => {
                (names::ENCRYPTION, self.encryption(scope, body, span))
            }
            "aws_s3_bucket_versioning" => {
                let (s, b, bs) = self
                    .blocks(scope, body, "versioning_configuration")
                    .into_iter()
                    .next()?;
                (names::VERSIONING, self.versioning(&s, b, bs, false))
            }
            "aws_s3_bucket_logging" => (names::LOGGING, logging(self, scope, body, span)),
            "aws_s3_bucket_cors_configuration" => (names::CORS, self.cors(scope, body, span)),
            "aws_s3_bucket_object_lock_configuration" => {
                (names::OBJECT_LOCK, self.object_lock(scope, body, span))
            }
            "aws_s3_bucket_notification" => {
                (names::NOTIFICATION, self.notification(scope, body, span))
            }
            _ => return None,
        })
    }

    /// The settings written inline in a legacy (provider v3) `aws_s3_bucket`.
    fn legacy_settings(&self, scope: &Scope, body: &Body, span: Span) -> Vec<(&'static str, Val)> {
        let mut out = Vec::new();
        if (body.has_attribute("acl") || !self.blocks(scope, body, "grant").is_empty())
            && let Some(v) = self.acl(scope, body, span)
        {
            out.push((names::ACL, v));
        }
        if let Some((s, b, bs)) = self.blocks(scope, body, "versioning").into_iter().next() {
            out.push((names::VERSIONING, self.versioning(&s, b, bs, true)));
        }
        if let Some((s, b, bs)) = self.blocks(scope, body, "logging").into_iter().next() {
            out.push((names::LOGGING, logging(self, &s, b, bs)));
        }
        if let Some((s, b, bs)) = self
            .blocks(scope, body, "server_side_encryption_configuration")
            .into_iter()
            .next()
        {
            out.push((names::ENCRYPTION, self.encryption(&s, b, bs)));
        }
        if !self.blocks(scope, body, "cors_rule").is_empty() {
            out.push((names::CORS, self.cors(scope, body, span)));
        }
        if let Some((s, b, bs)) = self
            .blocks(scope, body, "object_lock_configuration")
            .into_iter()
            .next()
        {
            out.push((names::OBJECT_LOCK, self.object_lock(&s, b, bs)));
        } else if let Some(v) = self.object_lock_enabled(scope, body, span) {
            out.push((names::OBJECT_LOCK, v));
        }
        out
    }

    /// `object_lock_enabled` of `aws_s3_bucket`: `true` is Object Lock enabled; absent or
    /// `false` is no Object Lock (`{}`, as a bucket folder says it): the provider's default is
    /// `false` (aws_s3_bucket resource page) and S3 creates a bucket without Object Lock unless
    /// asked (S3 API, CreateBucket `x-amz-bucket-object-lock-enabled`). A split
    /// `aws_s3_bucket_object_lock_configuration` of the bucket replaces it
    /// (`group_buckets`); a value not known offline leaves the setting unknown.
    fn object_lock_enabled(&self, scope: &Scope, body: &Body, span: Span) -> Option<Val> {
        let enabled = match self.attr(scope, body, "object_lock_enabled") {
            None => false,
            Some(v) => match v.kind {
                VKind::Bool(b) => b,
                VKind::Null => false,
                VKind::Str(ref s) if s.text == "true" || s.text == "false" => s.text == "true",
                _ => return None,
            },
        };
        let at = body
            .get_attribute("object_lock_enabled")
            .map_or(span, |a| self.span_in(scope.file, &a.value));
        Some(if enabled {
            let cfg = Val::new(
                VKind::Map(vec![(
                    "ObjectLockEnabled".to_string(),
                    at,
                    Val::str_at("Enabled", at),
                )]),
                at,
            );
            wrap_at("ObjectLockConfiguration", cfg, at)
        } else {
            Val::new(VKind::Map(Vec::new()), at)
        })
    }

    /// `{"PublicAccessBlockConfiguration": {...}}`; an omitted flag is false (the provider's
    /// default); a flag not known offline stays an unknown (never "on"); a flag of another
    /// type leaves the whole setting out.
    pub fn public_access_block(&self, scope: &Scope, body: &Body, span: Span) -> Option<Val> {
        Some(wrap(
            "PublicAccessBlockConfiguration",
            self.bpa_flags(scope, body, span, false)?,
        ))
    }

    /// The four Block Public Access flags of `body`, an omitted one `default`.
    fn bpa_flags(&self, scope: &Scope, body: &Body, span: Span, default: bool) -> Option<Val> {
        let mut m = Vec::new();
        for (tf, cli) in [
            ("block_public_acls", "BlockPublicAcls"),
            ("ignore_public_acls", "IgnorePublicAcls"),
            ("block_public_policy", "BlockPublicPolicy"),
            ("restrict_public_buckets", "RestrictPublicBuckets"),
        ] {
            let v = self
                .attr(scope, body, tf)
                .unwrap_or_else(|| Val::new(VKind::Bool(default), span));
            let v = match v.kind {
                VKind::Bool(_) => v,
                VKind::Null => Val::new(VKind::Bool(default), v.span),
                VKind::Str(ref s) if s.text == "true" || s.text == "false" => {
                    Val::new(VKind::Bool(s.text == "true"), v.span)
                }
                // Kept as the unknown it is: `iac::model` reads it as off and says so.
                _ if v.has_unknown() => v,
                _ => return None,
            };
            m.push((cli.to_string(), v.span, v));
        }
        Some(Val::new(VKind::Map(m), span))
    }

    /// An `aws_s3_access_point`: its name, bucket, VPC and Block Public Access flags, whose
    /// omitted ones are on (aws_s3_access_point resource page; S3 User Guide, "Managing public
    /// access to access points": all settings are enabled by default).
    fn access_point(
        &self,
        scope: &Scope,
        decl: &Decl,
        address: &str,
    ) -> crate::iac::IacAccessPoint {
        let body = &decl.block.body;
        let span = decl.span();
        let vpc = self
            .blocks(scope, body, "vpc_configuration")
            .into_iter()
            .next()
            .map(|(s, b, bs)| {
                // Which VPC does not decide who can reach it, only that it is one: the id is
                // shown as written, never evaluated (no unknown to note).
                let at = b
                    .get_attribute("vpc_id")
                    .map_or(bs, |a| self.span_in(s.file, &a.value));
                Val::str_at(self.excerpt(s.file, at), at).to_json()
            });
        let public_access_block = self
            .blocks(scope, body, "public_access_block_configuration")
            .into_iter()
            .next()
            .map(|(s, b, bs)| {
                // A flag of another type: read as off, the least blocking reading.
                self.bpa_flags(&s, b, bs, true)
                    .unwrap_or_else(|| Val::new(VKind::Map(Vec::new()), bs))
                    .to_json()
            });
        crate::iac::IacAccessPoint {
            address: address.to_string(),
            name: self
                .attr(scope, body, "name")
                .and_then(|v| v.as_str().filter(|_| !v.has_unknown()).map(str::to_string)),
            bucket: self.attachment(scope, decl),
            vpc,
            public_access_block,
            span,
        }
    }

    fn ownership(&self, scope: &Scope, body: &Body, span: Span) -> Option<Val> {
        let (s, b, bs) = self.blocks(scope, body, "rule").into_iter().next()?;
        let o = self.attr(&s, b, "object_ownership")?;
        let rule = Val::new(VKind::Map(vec![("ObjectOwnership".into(), o.span, o)]), bs);
        let rules = Val::new(
            VKind::Map(vec![(
                "Rules".into(),
                bs,
                Val::new(VKind::List(vec![rule]), bs),
            )]),
            bs,
        );
        Some(wrap_at("OwnershipControls", rules, span))
    }

    /// `get-bucket-acl` output of a canned `acl` or of `grant`/`access_control_policy` blocks
    /// (read by [`super::grants`], as the plan reader does). The owner is the
    /// `access_control_policy`'s `owner { id }`, else not known offline: an unknown.
    fn acl(&self, scope: &Scope, body: &Body, span: Span) -> Option<Val> {
        let policy_blocks = self.blocks(scope, body, "access_control_policy");
        let owner_id = policy_blocks
            .first()
            .and_then(|(s, b, _)| {
                let (os, ob, _) = self.blocks(s, b, "owner").into_iter().next()?;
                self.attr(&os, ob, "id")
            })
            .filter(|v| v.to_lstr().is_some())
            .unwrap_or_else(|| {
                self.unknown(
                    scope,
                    span,
                    "the bucket owner's canonical id (known only from AWS)",
                )
            });
        let owner_text = owner_id.to_lstr()?.text;
        let mut grants = Vec::new();
        if let Some(canned) = self
            .attr(scope, body, "acl")
            .filter(|v| !matches!(v.kind, VKind::Null))
        {
            let name = canned.as_str().filter(|_| !canned.has_unknown())?;
            let acl = acl::canned(name, &Owner::new(owner_text.clone()), None, false)?;
            for g in &acl.grants {
                grants.push(grant_val(
                    g.grantee.canonical_id(),
                    g.grantee.group_uri(),
                    Val::str_at(g.permission.as_str(), canned.span),
                    canned.span,
                ));
            }
        }
        let grant_scopes: Vec<_> = match policy_blocks.first() {
            Some((s, b, _)) => self.blocks(s, b, "grant"),
            None => self.blocks(scope, body, "grant"),
        };
        for (s, b, bs) in grant_scopes {
            // `access_control_policy` grants name their grantee in a block; legacy ones inline.
            let (gs, gb) = self
                .blocks(&s, b, "grantee")
                .into_iter()
                .next()
                .map_or((s.clone(), b), |(gs, gb, _)| (gs, gb));
            let permissions = match self
                .attr(&s, b, "permission")
                .or_else(|| self.attr(&s, b, "permissions"))
            {
                Some(Val {
                    kind: VKind::List(items),
                    ..
                }) => items,
                Some(v) => vec![v],
                None => Vec::new(),
            };
            let grant = super::grants::TfGrant {
                kind: self.attr(&gs, gb, "type"),
                id: self.attr(&gs, gb, "id"),
                uri: self.attr(&gs, gb, "uri"),
                email: self.attr(&gs, gb, "email_address"),
                permissions,
                span: bs,
            };
            grant.cli_grants(&mut grants);
        }
        Some(super::grants::cli_acl(
            owner_id,
            Val::new(VKind::List(grants), span),
            span,
        ))
    }

    fn encryption(&self, scope: &Scope, body: &Body, span: Span) -> Val {
        let mut rules = Vec::new();
        for (s, b, bs) in self.blocks(scope, body, "rule") {
            let mut rule = Vec::new();
            if let Some((ds, db, dspan)) = self
                .blocks(&s, b, "apply_server_side_encryption_by_default")
                .into_iter()
                .next()
            {
                let d = self.copy(
                    &ds,
                    db,
                    &[
                        ("sse_algorithm", "SSEAlgorithm"),
                        ("kms_master_key_id", "KMSMasterKeyID"),
                    ],
                    dspan,
                );
                rule.push(("ApplyServerSideEncryptionByDefault".to_string(), dspan, d));
            }
            if let Some(k) = self.attr(&s, b, "bucket_key_enabled") {
                rule.push(("BucketKeyEnabled".into(), k.span, k));
            }
            rules.push(Val::new(VKind::Map(rule), bs));
        }
        let cfg = Val::new(
            VKind::Map(vec![(
                "Rules".into(),
                span,
                Val::new(VKind::List(rules), span),
            )]),
            span,
        );
        wrap("ServerSideEncryptionConfiguration", cfg)
    }

    /// `get-bucket-versioning` output; never-enabled versioning prints `{}`.
    fn versioning(&self, scope: &Scope, body: &Body, span: Span, legacy: bool) -> Val {
        let mut m = Vec::new();
        let status = if legacy {
            self.attr(scope, body, "enabled").map(|v| match v.kind {
                VKind::Bool(true) => Val::str_at("Enabled", v.span),
                VKind::Bool(false) => Val::str_at("Suspended", v.span),
                _ => v,
            })
        } else {
            self.attr(scope, body, "status")
                .filter(|v| v.as_str() != Some("Disabled"))
        };
        if let Some(s) = status {
            m.push(("Status".to_string(), s.span, s));
        }
        if let Some(mfa) = self.attr(scope, body, "mfa_delete") {
            let mfa = match mfa.kind {
                VKind::Bool(b) => Val::str_at(if b { "Enabled" } else { "Disabled" }, mfa.span),
                _ => mfa,
            };
            m.push(("MFADelete".into(), mfa.span, mfa));
        }
        Val::new(VKind::Map(m), span)
    }

    fn cors(&self, scope: &Scope, body: &Body, span: Span) -> Val {
        let table = [
            ("id", "ID"),
            ("allowed_headers", "AllowedHeaders"),
            ("allowed_methods", "AllowedMethods"),
            ("allowed_origins", "AllowedOrigins"),
            ("expose_headers", "ExposeHeaders"),
            ("max_age_seconds", "MaxAgeSeconds"),
        ];
        let rules = self
            .blocks(scope, body, "cors_rule")
            .into_iter()
            .map(|(s, b, bs)| self.copy(&s, b, &table, bs))
            .collect();
        Val::new(
            VKind::Map(vec![(
                "CORSRules".into(),
                span,
                Val::new(VKind::List(rules), span),
            )]),
            span,
        )
    }

    fn object_lock(&self, scope: &Scope, body: &Body, span: Span) -> Val {
        let mut cfg = vec![(
            "ObjectLockEnabled".to_string(),
            span,
            Val::str_at("Enabled", span),
        )];
        if let Some((s, b, bs)) = self.blocks(scope, body, "rule").into_iter().next()
            && let Some((ds, db, dspan)) =
                self.blocks(&s, b, "default_retention").into_iter().next()
        {
            let d = self.copy(
                &ds,
                db,
                &[("mode", "Mode"), ("days", "Days"), ("years", "Years")],
                dspan,
            );
            let rule = Val::new(VKind::Map(vec![("DefaultRetention".into(), dspan, d)]), bs);
            cfg.push(("Rule".into(), bs, rule));
        }
        wrap_at(
            "ObjectLockConfiguration",
            Val::new(VKind::Map(cfg), span),
            span,
        )
    }

    fn notification(&self, scope: &Scope, body: &Body, span: Span) -> Val {
        let mut m = Vec::new();
        for (block, arn, key, cli) in [
            ("topic", "topic_arn", "TopicConfigurations", "TopicArn"),
            ("queue", "queue_arn", "QueueConfigurations", "QueueArn"),
            (
                "lambda_function",
                "lambda_function_arn",
                "LambdaFunctionConfigurations",
                "LambdaFunctionArn",
            ),
        ] {
            let items: Vec<Val> = self
                .blocks(scope, body, block)
                .into_iter()
                .map(|(s, b, bs)| {
                    self.copy(&s, b, &[("id", "Id"), (arn, cli), ("events", "Events")], bs)
                })
                .collect();
            if !items.is_empty() {
                m.push((key.to_string(), span, Val::new(VKind::List(items), span)));
            }
        }
        Val::new(VKind::Map(m), span)
    }

    /// An object of the attributes of `body` that are set, renamed by `table`.
    fn copy(&self, scope: &Scope, body: &Body, table: &[(&str, &str)], span: Span) -> Val {
        let mut m = Vec::new();
        for (tf, cli) in table {
            if let Some(v) = self
                .attr(scope, body, tf)
                .filter(|v| !matches!(v.kind, VKind::Null))
            {
                m.push(((*cli).to_string(), v.span, v));
            }
        }
        Val::new(VKind::Map(m), span)
    }
}

fn logging(m: &Module, scope: &Scope, body: &Body, span: Span) -> Val {
    let inner = m.copy(
        scope,
        body,
        &[
            ("target_bucket", "TargetBucket"),
            ("target_prefix", "TargetPrefix"),
        ],
        span,
    );
    wrap_at("LoggingEnabled", inner, span)
}

fn wrap(key: &str, v: Val) -> Val {
    let s = v.span;
    wrap_at(key, v, s)
}

fn wrap_at(key: &str, v: Val, span: Span) -> Val {
    Val::new(VKind::Map(vec![(key.to_string(), span, v)]), span)
}

fn grant_val(id: Option<&str>, uri: Option<&str>, permission: Val, span: Span) -> Val {
    let grantee = match (id, uri) {
        (_, Some(u)) => vec![
            ("Type".to_string(), span, Val::str_at("Group", span)),
            ("URI".into(), span, Val::str_at(u, span)),
        ],
        (Some(i), None) => vec![
            ("Type".to_string(), span, Val::str_at("CanonicalUser", span)),
            ("ID".into(), span, Val::str_at(i, span)),
        ],
        (None, None) => Vec::new(),
    };
    Val::new(
        VKind::Map(vec![
            ("Grantee".into(), span, Val::new(VKind::Map(grantee), span)),
            ("Permission".into(), permission.span, permission),
        ]),
        span,
    )
}
