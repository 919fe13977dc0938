//! Identity policies by principal: the roles, users and groups an IaC unit declares, each with
//! its inline policies, the managed policies attached to it (by reference, by ARN) and, for a
//! user, its groups' — built into the shape an account folder gives
//! (`aws iam get-account-authorization-details`, [`AuthorizationDetails`]), so `query --bucket`
//! applies a principal's own policies as it does for an account folder.
//!
//! Principals are in the owner account, the symbolic [`OWN_ACCOUNT`] (the configuration does
//! not say which account it is applied to); a name not known offline is the resource address
//! made into a name. What cannot be known offline never reads as "no access": a managed policy
//! known only by ARN (an AWS managed policy: the project carries none) is an unresolved
//! reference, a policy attached to a principal not known offline, or a value inside a policy
//! that is not, is listed in [`AuthorizationDetails::unknowns`] for each principal it may
//! touch; inside a policy, an Allow value holding an unknown is read as `*` and a Deny holding
//! one is left out, as for bucket policies ([`super::model`]). A role's or user's permissions
//! boundary is the managed policy its `permissions_boundary`/`PermissionsBoundary` names.

use super::model::{OWN_ACCOUNT, held, widen};
use super::{Attachment, Extracted, IacPolicy, IamEntity, IamKind, IamLink, IamLinkKind, IamRef};
use crate::aws_docs::account::{
    AttachedPolicy, AuthorizationDetails, DocumentFile, Group, InlinePolicy, ManagedPolicy, Role,
    User,
};
use crate::aws_docs::read::Loaded;
use crate::load::{self, LoadOptions};
use crate::policy::{Policy, PolicyKind, Spanned};
use crate::source::Span;
use std::collections::HashMap;

/// The principal ARN of [`AuthorizationDetails::unknowns`] entries that may touch any
/// principal of the configuration.
pub const ANY: &str = "*";

/// A principal or managed policy of the unit, with its ARN.
struct Entity<'a> {
    e: &'a IamEntity,
    name: String,
    arn: String,
}

/// The unit's IAM configuration as account authorization details, located in `files[0]` (each
/// policy keeps its own file); `None` when the unit declares no role, user or group.
pub fn authorization(files: &[Extracted]) -> Option<Loaded<AuthorizationDetails>> {
    let entities: Vec<Entity> = files
        .iter()
        .flat_map(|x| x.iam.entities.iter().map(entity))
        .collect();
    if !entities.iter().any(|e| e.e.kind != IamKind::ManagedPolicy) {
        return None;
    }
    let first = files.first()?;
    let mut b = Builder {
        files,
        entities: &entities,
        ix: Index::new(files, &entities),
        slots: HashMap::new(),
        details: AuthorizationDetails {
            users: Vec::new(),
            groups: Vec::new(),
            roles: Vec::new(),
            policies: Vec::new(),
            span: Span::new(0, 0),
            unknowns: Vec::new(),
            widened: Vec::new(),
        },
    };
    b.managed_policies();
    for x in &entities {
        b.principal(x);
    }
    b.apply_links();
    b.unattached();
    Some(Loaded {
        source: first.source.clone(),
        root: super::object(Span::new(0, 0), Vec::new()),
        doc: b.details,
        notes: Vec::new(),
    })
}

fn entity(e: &IamEntity) -> Entity<'_> {
    // A name not known offline: the address, made into an IAM name (`[\w+=,.@-]`).
    let name = e.name.clone().unwrap_or_else(|| {
        e.address
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "+=,.@-_".contains(c) {
                    c
                } else {
                    '-'
                }
            })
            .collect()
    });
    let kind = match e.kind {
        IamKind::Role => "role",
        IamKind::User => "user",
        IamKind::Group => "group",
        IamKind::ManagedPolicy => "policy",
    };
    let mut path = e.path.clone();
    if !path.starts_with('/') {
        path.insert(0, '/');
    }
    if !path.ends_with('/') {
        path.push('/');
    }
    // IAM ARNs: arn:aws:iam::ACCOUNT:role/PATH/NAME (IAM "IAM identifiers").
    let arn = format!("arn:aws:iam::{OWN_ACCOUNT}:{kind}{path}{name}");
    Entity { e, name, arn }
}

/// Lookups built once, so a configuration of many principals and links stays linear.
#[derive(Default)]
struct Index<'a> {
    /// Identity policies by address (variants `ADDRESS [..]` under their base address).
    policies: HashMap<&'a str, Vec<(usize, &'a IacPolicy)>>,
    /// Identity policies by the role, user or group they name (address or IAM name).
    inline: HashMap<&'a str, Vec<(usize, &'a IacPolicy)>>,
    /// Entities by address, principals by IAM name, and all by ARN.
    by_address: HashMap<&'a str, usize>,
    by_name: HashMap<&'a str, usize>,
    by_arn: HashMap<&'a str, usize>,
    /// Policy and boundary links by the address of the policy they attach.
    links_from: HashMap<&'a str, Vec<&'a IamLink>>,
}

/// The policy address without a CloudFormation variant suffix (`Policy [Cond=true]`).
fn base(address: &str) -> &str {
    address.split(" [").next().unwrap_or(address)
}

impl<'a> Index<'a> {
    fn new(files: &'a [Extracted], entities: &'a [Entity<'a>]) -> Index<'a> {
        let mut ix = Index::default();
        for (i, x) in entities.iter().enumerate() {
            ix.by_address.entry(x.e.address.as_str()).or_insert(i);
            ix.by_arn.entry(x.arn.as_str()).or_insert(i);
            if x.e.kind != IamKind::ManagedPolicy {
                ix.by_name.entry(x.name.as_str()).or_insert(i);
            }
        }
        for l in files.iter().flat_map(|x| x.iam.links.iter()) {
            // A boundary too: what its policy holds that is not known is noted for its users.
            if let (IamLinkKind::Policy | IamLinkKind::Boundary, IamRef::Address(a)) =
                (l.kind, &l.from)
            {
                ix.links_from.entry(a.as_str()).or_default().push(l);
            }
        }
        for (i, x) in files.iter().enumerate() {
            for p in x.policies.iter().filter(|p| p.kind == PolicyKind::Identity) {
                let b = base(&p.address);
                ix.policies.entry(b).or_default().push((i, p));
                if let Some(Attachment::Principal(a)) = &p.attached_to
                    && !ix.linked(b, entities)
                {
                    ix.inline.entry(a.as_str()).or_default().push((i, p));
                }
            }
        }
        ix
    }

    /// Whether the policy at `address` is attached by links (a managed policy, or
    /// CloudFormation's `AWS::IAM::Policy` with its `Roles`/`Users`/`Groups`): then the links
    /// say where it applies.
    fn linked(&self, address: &str, entities: &[Entity<'_>]) -> bool {
        self.links_from.contains_key(address)
            || self
                .by_address
                .get(address)
                .is_some_and(|i| entities[*i].e.kind == IamKind::ManagedPolicy)
    }
}

struct Builder<'a> {
    files: &'a [Extracted],
    entities: &'a [Entity<'a>],
    ix: Index<'a>,
    /// Where each principal ARN is in `details`: 0 roles, 1 users, 2 groups; position.
    slots: HashMap<String, (u8, usize)>,
    details: AuthorizationDetails,
}

impl<'a> Builder<'a> {
    /// The identity policies of `address`, every CloudFormation variant of an undecided
    /// `Fn::If` included (each may be the one deployed).
    fn policies_of(&self, address: &str) -> Vec<(usize, &'a IacPolicy)> {
        self.ix.policies.get(address).cloned().unwrap_or_default()
    }

    /// Lowers a policy; what it holds that is not known offline is noted for `arns`.
    fn lower(&mut self, file: usize, p: &IacPolicy, arns: &[String]) -> Option<Policy> {
        let x = &self.files[file];
        for u in held(&p.document, x, &[]) {
            let why = format!(
                "`{}` at {} in identity policy `{}` is not known offline ({})",
                u.expression,
                self.place(file, u.span),
                p.address,
                u.why
            );
            self.note_widened(arns, why);
        }
        let doc = widen(p.document.clone(), x);
        let options = LoadOptions::of_kind(PolicyKind::Identity);
        let a = load::analyze_value(x.source.clone(), &doc, &options, Vec::new());
        let failed = a.report.max_severity() == Some(crate::registry::Severity::Error);
        match a.policies.into_iter().next() {
            Some(policy) if !failed => Some(policy),
            _ => {
                let why = format!(
                    "identity policy `{}` at {} has errors (see `lint`) and is not applied",
                    p.address,
                    self.place(file, p.document.span)
                );
                self.note(arns, why);
                None
            }
        }
    }

    /// A note that adds no permission: the value is read at its widest (see `widened`).
    fn note_widened(&mut self, arns: &[String], why: String) {
        let from = self.details.unknowns.len();
        self.note(arns, why);
        self.details
            .widened
            .extend(from..self.details.unknowns.len());
    }

    fn note(&mut self, arns: &[String], why: String) {
        for a in arns {
            self.details.unknowns.push((a.clone(), why.clone()));
        }
    }

    fn file(&self, i: usize) -> Option<DocumentFile> {
        Some(DocumentFile(self.files.get(i)?.source.clone()))
    }

    fn place(&self, file: usize, span: Span) -> String {
        let x = &self.files[file];
        let at = x.source.line_col(span.start);
        format!("{}:{}:{}", x.source.name(), at.line, at.column)
    }

    /// The customer managed policies, with their documents.
    fn managed_policies(&mut self) {
        let entities: &'a [Entity<'a>] = self.entities;
        for x in entities
            .iter()
            .filter(|x| x.e.kind == IamKind::ManagedPolicy)
        {
            let attached_to = self.attached_to(&x.e.address);
            for (file, p) in self.policies_of(&x.e.address) {
                let Some(document) = self.lower(file, p, &attached_to) else {
                    continue;
                };
                self.details.policies.push(ManagedPolicy {
                    name: spanned(&x.name, x.e.span),
                    arn: spanned(&x.arn, x.e.span),
                    id: None,
                    path: Some(x.e.path.clone()),
                    default_version_id: None,
                    is_attachable: Some(true),
                    document,
                    span: x.e.span,
                    source: self.file(file),
                });
            }
        }
    }

    /// The principal ARNs the policy at `address` is linked to ([`ANY`] for a principal not
    /// known offline).
    fn attached_to(&self, address: &str) -> Vec<String> {
        let mut out = Vec::new();
        for l in self.ix.links_from.get(address).into_iter().flatten() {
            match &l.to {
                IamRef::Unknown(_) => out.push(ANY.to_string()),
                to => out.extend(self.resolve(to).map(|x| x.arn.clone())),
            }
        }
        out.sort();
        out.dedup();
        out
    }

    /// The entity a reference names: by address, a principal by IAM name, or by ARN.
    fn resolve(&self, r: &IamRef) -> Option<&'a Entity<'a>> {
        let entities: &'a [Entity<'a>] = self.entities;
        let i = match r {
            IamRef::Address(a) => self.ix.by_address.get(a.as_str()),
            IamRef::Name(n) => self.ix.by_name.get(n.as_str()),
            IamRef::Arn(a) => self.ix.by_arn.get(a.as_str()),
            IamRef::Unknown(_) => None,
        }?;
        entities.get(*i)
    }

    /// One role, user or group with its inline policies (attached to it by reference or name).
    fn principal(&mut self, x: &Entity<'_>) {
        if x.e.kind == IamKind::ManagedPolicy {
            return;
        }
        let mut inline = Vec::new();
        let arns = [x.arn.clone()];
        let mut mine: Vec<(usize, &IacPolicy)> = Vec::new();
        mine.extend(
            self.ix
                .inline
                .get(x.e.address.as_str())
                .into_iter()
                .flatten(),
        );
        if x.name != x.e.address {
            mine.extend(self.ix.inline.get(x.name.as_str()).into_iter().flatten());
        }
        for (file, p) in mine {
            if let Some(policy) = self.lower(file, p, &arns) {
                inline.push(InlinePolicy {
                    name: spanned(&p.address, p.document.span),
                    policy,
                    url_encoded: false,
                    span: p.document.span,
                    source: self.file(file),
                });
            }
        }
        let name = spanned(&x.name, x.e.span);
        let arn = spanned(&x.arn, x.e.span);
        let path = Some(x.e.path.clone());
        let d = &mut self.details;
        let slot = match x.e.kind {
            IamKind::Role => {
                d.roles.push(Role {
                    name,
                    arn,
                    path,
                    id: None,
                    trust_policy: None,
                    inline_policies: inline,
                    attached: Vec::new(),
                    boundary: None,
                    tags: Vec::new(),
                    span: x.e.span,
                });
                (0, d.roles.len() - 1)
            }
            IamKind::User => {
                d.users.push(User {
                    name,
                    arn,
                    path,
                    id: None,
                    groups: Vec::new(),
                    inline_policies: inline,
                    attached: Vec::new(),
                    boundary: None,
                    tags: Vec::new(),
                    span: x.e.span,
                });
                (1, d.users.len() - 1)
            }
            _ => {
                d.groups.push(Group {
                    name,
                    arn,
                    path,
                    id: None,
                    inline_policies: inline,
                    attached: Vec::new(),
                    span: x.e.span,
                });
                (2, d.groups.len() - 1)
            }
        };
        self.slots.entry(x.arn.clone()).or_insert(slot);
    }

    /// The principal ARNs a link's `to` names; one not known offline may be any principal of
    /// the unit, and says so.
    fn targets(&mut self, l: &IamLink, file: usize) -> Vec<String> {
        match &l.to {
            IamRef::Unknown(expr) => {
                let why = format!(
                    "a policy or group is attached at {} to `{expr}`, which is not known offline",
                    self.place(file, l.span)
                );
                self.note(&[ANY.to_string()], why);
                Vec::new()
            }
            to => self
                .resolve(to)
                .map(|x| x.arn.clone())
                .into_iter()
                .collect(),
        }
    }

    /// Managed policy attachments, `AWS::IAM::Policy` attachments and group memberships.
    fn apply_links(&mut self) {
        let files: &'a [Extracted] = self.files;
        for (file, x) in files.iter().enumerate() {
            for l in &x.iam.links {
                for arn in self.targets(l, file) {
                    match l.kind {
                        IamLinkKind::Policy => self.attach(file, l, &arn),
                        IamLinkKind::Member => self.member(file, l, &arn),
                        IamLinkKind::Boundary => self.boundary(file, l, &arn),
                    }
                }
            }
        }
    }

    /// Policy `l.from` attached to the principal `arn`.
    fn attach(&mut self, file: usize, l: &IamLink, arn: &str) {
        let managed = match &l.from {
            IamRef::Address(a) => match self.resolve(&l.from) {
                Some(x) if x.e.kind == IamKind::ManagedPolicy => Some(x.arn.clone()),
                _ => {
                    let found = self.policies_of(a);
                    if found.is_empty() {
                        let why = format!(
                            "the policy `{a}` attached at {} is not in the configuration read",
                            self.place(file, l.span)
                        );
                        self.note(&[arn.to_string()], why);
                    }
                    for (f, p) in found {
                        if let Some(policy) = self.lower(f, p, &[arn.to_string()]) {
                            let inline = InlinePolicy {
                                name: spanned(&p.address, p.document.span),
                                policy,
                                url_encoded: false,
                                span: p.document.span,
                                source: self.file(f),
                            };
                            self.with(arn, |inl, _| inl.push(inline));
                        }
                    }
                    None
                }
            },
            IamRef::Arn(a) | IamRef::Name(a) => {
                if self.resolve(&IamRef::Arn(a.clone())).is_none() {
                    // AWS managed policies are not carried: the permissions are not known.
                    let why = format!(
                        "managed policy `{a}` attached at {} is not in the configuration (s3-access carries no AWS managed policies)",
                        self.place(file, l.span)
                    );
                    self.note(&[arn.to_string()], why);
                }
                Some(a.clone())
            }
            IamRef::Unknown(expr) => {
                let why = format!(
                    "the managed policy `{expr}` attached at {} is not known offline",
                    self.place(file, l.span)
                );
                self.note(&[arn.to_string()], why);
                None
            }
        };
        if let Some(policy) = managed {
            let attached = AttachedPolicy {
                name: None,
                arn: spanned(&policy, l.span),
            };
            self.with(arn, |_, att| att.push(attached));
        }
    }

    /// The permissions boundary `l.from` of the role or user `arn`: the ARN of a managed
    /// policy of the unit, or one given by ARN (not carried: the reader of the details then
    /// says it is not applied). One not known offline is noted: a boundary only restricts, so
    /// leaving it out may allow more than AWS would, never less (IAM "Permissions boundaries
    /// for IAM entities").
    fn boundary(&mut self, file: usize, l: &IamLink, arn: &str) {
        let policy = match (&l.from, self.resolve(&l.from)) {
            (_, Some(x)) if x.e.kind == IamKind::ManagedPolicy => x.arn.clone(),
            (IamRef::Arn(a) | IamRef::Name(a), _) => match self.resolve(&IamRef::Arn(a.clone())) {
                Some(x) => x.arn.clone(),
                None => {
                    let why = format!(
                        "the permissions boundary `{a}` set at {} is not in the configuration (s3-access carries no AWS managed policies); it is not applied",
                        self.place(file, l.span)
                    );
                    self.note_widened(&[arn.to_string()], why);
                    a.clone()
                }
            },
            (IamRef::Address(a), _) => {
                let why = format!(
                    "the permissions boundary `{a}` at {} is not in the configuration read; it is not applied",
                    self.place(file, l.span)
                );
                self.note_widened(&[arn.to_string()], why);
                return;
            }
            (IamRef::Unknown(expr), _) => {
                let why = format!(
                    "the permissions boundary `{expr}` at {} is not known offline; it is not applied",
                    self.place(file, l.span)
                );
                self.note_widened(&[arn.to_string()], why);
                return;
            }
        };
        let boundary = Some(spanned(&policy, l.span));
        let d = &mut self.details;
        match self.slots.get(arn).copied() {
            Some((0, i)) => {
                if let Some(r) = d.roles.get_mut(i) {
                    r.boundary = r.boundary.take().or(boundary);
                }
            }
            Some((1, i)) => {
                if let Some(u) = d.users.get_mut(i) {
                    u.boundary = u.boundary.take().or(boundary);
                }
            }
            _ => {}
        }
    }

    /// The user `arn` put in the group `l.from`.
    fn member(&mut self, file: usize, l: &IamLink, arn: &str) {
        let group = match (&l.from, self.resolve(&l.from)) {
            (IamRef::Unknown(expr), _) => {
                let why = format!(
                    "the group `{expr}` at {} is not known offline",
                    self.place(file, l.span)
                );
                self.note(&[arn.to_string()], why);
                return;
            }
            (_, Some(x)) => x.name.clone(),
            // A group declared elsewhere: an unresolved group of the user (said as such).
            (IamRef::Name(n) | IamRef::Arn(n) | IamRef::Address(n), None) => n.clone(),
        };
        if let Some((1, i)) = self.slots.get(arn).copied()
            && let Some(u) = self.details.users.get_mut(i)
        {
            u.groups.push(spanned(&group, l.span));
        }
    }

    /// Applies `f` to the inline and attached lists of the principal `arn`.
    fn with(
        &mut self,
        arn: &str,
        f: impl FnOnce(&mut Vec<InlinePolicy>, &mut Vec<AttachedPolicy>),
    ) {
        let d = &mut self.details;
        match self.slots.get(arn).copied() {
            Some((0, i)) => {
                if let Some(r) = d.roles.get_mut(i) {
                    f(&mut r.inline_policies, &mut r.attached)
                }
            }
            Some((1, i)) => {
                if let Some(u) = d.users.get_mut(i) {
                    f(&mut u.inline_policies, &mut u.attached)
                }
            }
            Some((_, i)) => {
                if let Some(g) = d.groups.get_mut(i) {
                    f(&mut g.inline_policies, &mut g.attached)
                }
            }
            None => {}
        }
    }

    /// Identity policies attached to a principal not known offline (a `role` whose value is
    /// not known): any principal of the unit may have them.
    fn unattached(&mut self) {
        let mut found = Vec::new();
        for (i, x) in self.files.iter().enumerate() {
            for p in x.policies.iter().filter(|p| p.kind == PolicyKind::Identity) {
                // SAM function policies belong to the function's own role.
                if p.attached_to.is_some()
                    || self.ix.linked(base(&p.address), self.entities)
                    || p.address.contains(".Policies[")
                {
                    continue;
                }
                found.push(format!(
                    "identity policy `{}` at {} is attached to a principal not known offline",
                    p.address,
                    self.place(i, p.document.span)
                ));
            }
        }
        for why in found {
            self.note(&[ANY.to_string()], why);
        }
    }
}

fn spanned(value: &str, span: Span) -> Spanned<String> {
    Spanned {
        value: value.to_string(),
        span,
    }
}
