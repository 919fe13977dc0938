//! ACL grants as Terraform writes them, made into the `get-bucket-acl` shape the ACL reader
//! (`aws_docs::acl`) reads. One function for the `.tf` reader (`aws_s3_bucket_acl`'s
//! `access_control_policy`, a legacy `aws_s3_bucket`'s `grant` blocks) and the plan reader
//! (the same attributes in planned values), so both give the same ACL model a bucket folder's
//! `acl.json` gives.

use super::value::{VKind, Val};
use crate::source::Span;

/// One grant as Terraform writes it, its fields evaluated (an unknown field is a
/// [`VKind::Unknown`] value or holds a placeholder): a legacy `aws_s3_bucket.grant` (`type`,
/// `id`, `uri`, `permissions`) or an `access_control_policy.grant` (`grantee { type, id, uri,
/// email_address }`, `permission`).
#[derive(Debug, Clone)]
pub(super) struct TfGrant {
    /// `type`: `CanonicalUser`, `Group` or `AmazonCustomerByEmail`.
    pub kind: Option<Val>,
    /// `id`: a canonical user id.
    pub id: Option<Val>,
    /// `uri`: a group URI.
    pub uri: Option<Val>,
    /// `email_address`.
    pub email: Option<Val>,
    /// `permission`, or each of `permissions`.
    pub permissions: Vec<Val>,
    /// The grant block.
    pub span: Span,
}

/// Whether a field is given: the provider writes an unset optional string as `""` or `null`.
fn given(v: &Option<Val>) -> Option<&Val> {
    v.as_ref().filter(|v| match &v.kind {
        VKind::Null => false,
        VKind::Str(s) => !s.text.is_empty(),
        _ => true,
    })
}

/// The grantee types and the field each is identified by (S3 API Reference, `Grantee`).
const FIELDS: [(&str, &str); 3] = [
    ("CanonicalUser", "ID"),
    ("Group", "URI"),
    ("AmazonCustomerByEmail", "EmailAddress"),
];

impl TfGrant {
    /// The grant as `get-bucket-acl` grants, one per permission, appended to `out`. A missing
    /// `type` is inferred from the one field given; a known type keeps only its own field (so
    /// a grantee lacking it is the ACL reader's located error), an unknown type every field
    /// given (so the unknown stays visible and the ACL is unknown).
    pub(super) fn cli_grants(&self, out: &mut Vec<Val>) {
        let span = self.span;
        let fields = [
            ("ID", given(&self.id)),
            ("URI", given(&self.uri)),
            ("EmailAddress", given(&self.email)),
        ];
        let inferred = || match fields {
            [(_, _), (_, Some(_)), _] => "Group",
            [_, (_, None), (_, Some(_))] => "AmazonCustomerByEmail",
            _ => "CanonicalUser",
        };
        let kind = given(&self.kind)
            .cloned()
            .unwrap_or_else(|| Val::str_at(inferred(), span));
        let own = kind
            .as_str()
            .filter(|_| !kind.has_unknown())
            .and_then(|t| FIELDS.iter().find(|(k, _)| *k == t))
            .map(|(_, f)| *f);
        let mut grantee = vec![("Type".to_string(), kind.span, kind.clone())];
        for (key, v) in fields {
            if let Some(v) = v
                && own.is_none_or(|o| o == key)
            {
                grantee.push((key.to_string(), v.span, v.clone()));
            }
        }
        for p in &self.permissions {
            out.push(Val::new(
                VKind::Map(vec![
                    (
                        "Grantee".into(),
                        span,
                        Val::new(VKind::Map(grantee.clone()), span),
                    ),
                    ("Permission".into(), p.span, p.clone()),
                ]),
                span,
            ));
        }
    }
}

/// `{"Owner": {"ID": owner}, "Grants": grants}`, as `aws s3api get-bucket-acl` prints it;
/// `grants` is a list, or an unknown when the whole list is not known offline.
pub(super) fn cli_acl(owner: Val, grants: Val, span: Span) -> Val {
    let owner = Val::new(VKind::Map(vec![("ID".into(), owner.span, owner)]), span);
    Val::new(
        VKind::Map(vec![
            ("Owner".into(), span, owner),
            ("Grants".into(), grants.span, grants),
        ]),
        span,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws_docs::acl::{Acl, Grantee};
    use crate::aws_docs::read::read_value;
    use crate::source::SourceFile;

    fn s(t: &str) -> Option<Val> {
        Some(Val::str_at(t, Span::new(0, 1)))
    }

    fn read(grants: &[TfGrant]) -> Result<Acl, String> {
        let mut out = Vec::new();
        for g in grants {
            g.cli_grants(&mut out);
        }
        let span = Span::new(0, 1);
        let acl = cli_acl(
            Val::str_at("owner", span),
            Val::new(VKind::List(out), span),
            span,
        );
        let source = SourceFile::new("main.tf", "x".to_string());
        read_value::<Acl>(&source, acl.to_json(), Vec::new())
            .map(|l| l.doc)
            .map_err(|r| format!("{:?}", r.findings))
    }

    fn grant(kind: &str, id: &str, uri: &str, email: &str, perms: &[&str]) -> TfGrant {
        TfGrant {
            kind: s(kind),
            id: s(id),
            uri: s(uri),
            email: s(email),
            permissions: perms.iter().filter_map(|p| s(p)).collect(),
            span: Span::new(0, 1),
        }
    }

    #[test]
    fn each_grantee_type_reads_as_the_acl_reader_reads_it() {
        let all = "http://acs.amazonaws.com/groups/global/AllUsers";
        let acl = read(&[
            // The provider's empty strings for unset fields are not given.
            grant("Group", "", all, "", &["READ", "READ_ACP"]),
            grant("CanonicalUser", "abc", "", "", &["FULL_CONTROL"]),
            grant("AmazonCustomerByEmail", "", "", "a@example.com", &["WRITE"]),
            // No type: inferred from the one field given.
            grant("", "", "", "b@example.com", &["READ"]),
        ])
        .unwrap();
        let grantees: Vec<&Grantee> = acl.grants.iter().map(|g| &g.grantee).collect();
        assert_eq!(grantees.len(), 5);
        assert_eq!(grantees[0], &Grantee::AllUsers);
        assert_eq!(grantees[2].canonical_id(), Some("abc"));
        assert_eq!(grantees[3], &Grantee::Email("a@example.com".into()));
        assert_eq!(grantees[4], &Grantee::Email("b@example.com".into()));
        assert!(acl.is_public());
    }

    #[test]
    fn a_grantee_without_the_field_its_type_needs_is_an_error() {
        let err = read(&[grant("Group", "abc", "", "", &["READ"])]).unwrap_err();
        assert!(err.contains("has no `URI`"), "{err}");
    }
}
