//! Who the identity policies of a module belong to: `aws_iam_role`, `aws_iam_user`,
//! `aws_iam_group` and `aws_iam_policy` as IAM entities, and the resources that attach a
//! managed policy to them (`aws_iam_*_policy_attachment`, `aws_iam_policy_attachment`, a role's
//! `managed_policy_arns`) or put a user in a group (`aws_iam_user_group_membership`,
//! `aws_iam_group_membership`), each end linked by reference where it names a resource.

use super::eval::Scope;
use super::extract::Found;
use super::module::{Decl, Module};
use super::value::{VKind, Val};
use crate::iac::{IamEntity, IamKind, IamLink, IamLinkKind, IamRef};
use hcl_edit::expr::Expression;
use hcl_edit::structure::Body;

/// The entity kind a resource type declares.
fn entity_kind(rtype: &str) -> Option<IamKind> {
    Some(match rtype {
        "aws_iam_role" => IamKind::Role,
        "aws_iam_user" => IamKind::User,
        "aws_iam_group" => IamKind::Group,
        "aws_iam_policy" => IamKind::ManagedPolicy,
        _ => return None,
    })
}

/// The resource type a principal attribute refers to.
fn principal_type(attr: &str) -> &'static str {
    match attr {
        "role" | "roles" => "aws_iam_role",
        "user" | "users" => "aws_iam_user",
        _ => "aws_iam_group",
    }
}

impl Module {
    /// The IAM entity `decl` declares and the links it writes, into `found`.
    pub(super) fn iam(&self, scope: &Scope, decl: &Decl, address: &str, found: &mut Found) {
        let body = &decl.block.body;
        let file = decl.file;
        if let Some(kind) = entity_kind(&decl.rtype) {
            let known = |v: Option<Val>| {
                v.and_then(|v| v.as_str().filter(|_| !v.has_unknown()).map(str::to_string))
            };
            let entity = IamEntity {
                address: address.to_string(),
                kind,
                name: known(self.attr(scope, body, "name")),
                path: known(self.attr(scope, body, "path")).unwrap_or_else(|| "/".into()),
                span: decl.span(),
            };
            found.iam.push((file, entity));
        }
        let mut link = |kind, from: IamRef, to: IamRef, span| {
            found.links.push((
                file,
                IamLink {
                    kind,
                    from,
                    to,
                    span,
                },
            ))
        };
        let me = || IamRef::Address(address.to_string());
        match decl.rtype.as_str() {
            // A role's `managed_policy_arns` is its exclusive set of managed policies
            // (aws_iam_role resource page).
            "aws_iam_role" => {
                for (r, span) in self.policy_refs(scope, body, "managed_policy_arns") {
                    link(IamLinkKind::Policy, r, me(), span);
                }
                for (r, span) in self.policy_refs(scope, body, "permissions_boundary") {
                    link(IamLinkKind::Boundary, r, me(), span);
                }
            }
            "aws_iam_user" => {
                for (r, span) in self.policy_refs(scope, body, "permissions_boundary") {
                    link(IamLinkKind::Boundary, r, me(), span);
                }
            }
            "aws_iam_role_policy_attachment"
            | "aws_iam_user_policy_attachment"
            | "aws_iam_group_policy_attachment"
            | "aws_iam_policy_attachment" => {
                let policies = self.policy_refs(scope, body, "policy_arn");
                for attr in ["role", "user", "group", "roles", "users", "groups"] {
                    for (to, span) in self.refs(scope, body, attr, principal_type(attr)) {
                        for (p, _) in &policies {
                            link(IamLinkKind::Policy, p.clone(), to.clone(), span);
                        }
                    }
                }
            }
            "aws_iam_user_group_membership" => {
                for (user, _) in self.refs(scope, body, "user", "aws_iam_user") {
                    for (g, span) in self.refs(scope, body, "groups", "aws_iam_group") {
                        link(IamLinkKind::Member, g, user.clone(), span);
                    }
                }
            }
            "aws_iam_group_membership" => {
                for (g, _) in self.refs(scope, body, "group", "aws_iam_group") {
                    for (user, span) in self.refs(scope, body, "users", "aws_iam_user") {
                        link(IamLinkKind::Member, g.clone(), user, span);
                    }
                }
            }
            _ => {}
        }
    }

    /// The managed policies attribute `attr` names: a declared `aws_iam_policy` by reference,
    /// else an ARN, else unknown.
    fn policy_refs(
        &self,
        scope: &Scope,
        body: &Body,
        attr: &str,
    ) -> Vec<(IamRef, crate::source::Span)> {
        self.refs(scope, body, attr, "aws_iam_policy")
            .into_iter()
            .map(|(r, span)| match r {
                IamRef::Name(arn) => (IamRef::Arn(arn), span),
                other => (other, span),
            })
            .collect()
    }

    /// What attribute `attr` (one value or a list) refers to: a resource of type `target` by
    /// address, else its known text as a name, else unknown (the expression as written).
    fn refs(
        &self,
        scope: &Scope,
        body: &Body,
        attr: &str,
        target: &str,
    ) -> Vec<(IamRef, crate::source::Span)> {
        let Some(a) = body.get_attribute(attr) else {
            return Vec::new();
        };
        let items: Vec<&Expression> = match &a.value {
            Expression::Array(items) => items.iter().collect(),
            e => vec![e],
        };
        let mut out = Vec::new();
        for e in items {
            let span = self.span_in(scope.file, e);
            if let Some(address) = self.reference_address(scope, e, target) {
                out.push((IamRef::Address(address), span));
                continue;
            }
            let v = self.eval(scope, e);
            let mut texts = Vec::new();
            match known_strings(&v, &mut texts) {
                Some(()) => out.extend(texts.into_iter().map(|t| (IamRef::Name(t), span))),
                None => out.push((IamRef::Unknown(self.excerpt(scope.file, span)), span)),
            }
        }
        out
    }
}

/// The strings of a known string or list of strings; `None` when any part is not known.
fn known_strings(v: &Val, out: &mut Vec<String>) -> Option<()> {
    match &v.kind {
        VKind::Str(s) if !v.has_unknown() => out.push(s.text.clone()),
        VKind::List(items) => {
            for i in items {
                known_strings(i, out)?;
            }
        }
        VKind::Null => {}
        _ => return None,
    }
    Some(())
}
