//! The principal classes: one caller for each kind of principal the documents tell apart.
//!
//! The documents name principals by equality only (Principal elements, literal values of the
//! keys derived from the caller), so the classes are: anonymous; every named user, role
//! (one session of it), session, federated user and service; per account that appears
//! anywhere (plus one account that appears nowhere, "any other account"): its root user and
//! one user, one role session and one federated user that no document names; and a session of
//! a service-linked role per account when SCPs or RCPs are given (they exempt such roles).
//! A pattern on a caller-derived key (`StringLike aws:PrincipalArn`) can single out callers
//! these classes do not contain: the question then says so.

use super::{Reason, ReasonKind};
use crate::eval::graph::{Graph, Layer, PrincipalMatcher};
use crate::eval::request::Caller;
use crate::policy::{AwsPrincipal, BaseOperator, OperatorFamily};

/// The account id used for "an account no document names".
fn fresh_account(known: &[String]) -> String {
    (0u64..)
        .map(|i| format!("{:012}", 999_999_999_999 - i))
        .find(|a| !known.contains(a))
        .unwrap_or_default()
}

/// Names no document uses, for the unnamed user, role and federated user of an account.
const OTHER_USER: &str = "s3-access-other-user";
const OTHER_ROLE: &str = "s3-access-other-role";
const OTHER_FEDERATED: &str = "s3-access-other-federated";
const SERVICE_LINKED_ROLE: &str = "AWSServiceRoleForS3AccessWitness";
const OTHER_SERVICE: &str = "s3-access-other.amazonaws.com";
/// The service principal S3's log delivery group stands for (ACL grantee `LogDelivery`).
const LOG_DELIVERY: &str = "logging.s3.amazonaws.com";

/// A principal class: its representative caller and what it stands for.
#[derive(Debug, Clone)]
pub struct Class {
    /// The representative caller.
    pub caller: Caller,
    /// Whether the caller is one no document names (it stands for every such caller).
    pub unnamed: bool,
    /// Whether the account is one no document names ("any other account").
    pub other_account: bool,
}

/// Every principal class of `graph` for a bucket owned by `owner`.
pub fn classes(graph: &Graph, owner: &str, reasons: &mut Vec<Reason>) -> Vec<Class> {
    classes_with(graph, owner, &[], reasons)
}

/// [`classes`], with `more` accounts besides those the documents name (the account of a KMS
/// key, which decides whether its key policy is read as same-account or cross-account).
pub fn classes_with(
    graph: &Graph,
    owner: &str,
    more: &[String],
    reasons: &mut Vec<Reason>,
) -> Vec<Class> {
    let mut named: Vec<Caller> = Vec::new();
    let mut accounts: Vec<String> = vec![owner.to_string()];
    accounts.extend(more.iter().cloned());
    let mut services: Vec<String> = vec![LOG_DELIVERY.to_string()];
    let mut usernames: Vec<String> = Vec::new();
    for s in &graph.statements {
        if let Some((_, items)) = &s.principal {
            for m in items {
                match m {
                    PrincipalMatcher::Aws(p) => named_principal(p, &mut named, &mut accounts),
                    PrincipalMatcher::Service(name) => services.push(name.clone()),
                    // A canonical id's account is among `canonical_ids`, added below.
                    PrincipalMatcher::Everyone
                    | PrincipalMatcher::CanonicalUser(_)
                    | PrincipalMatcher::Other(_) => {}
                }
            }
        }
    }
    // The grantees of a KMS key's grants (the KMS leg) name callers too.
    for g in &graph.kms_grants {
        let value = g.grant.grantee.value.as_str();
        if let Ok(p) = AwsPrincipal::parse(value) {
            named_principal(&p, &mut named, &mut accounts);
        } else if !value.starts_with("arn:") && value.contains('.') {
            services.push(value.to_string());
        }
    }
    derived_values(
        graph,
        &mut named,
        &mut accounts,
        &mut services,
        &mut usernames,
        reasons,
    );
    for (_, account) in &graph.s3.canonical_ids {
        accounts.push(account.clone());
    }
    accounts.extend(
        graph
            .s3
            .objects
            .iter()
            .filter_map(|o| o.owner_account.clone()),
    );
    accounts.extend(graph.s3.object_owner.clone());
    accounts.extend(graph.s3.access_points.iter().map(|a| a.account.clone()));
    accounts.retain(|a| crate::arn::is_account_id(a));
    accounts.sort();
    accounts.dedup();
    let other = fresh_account(&accounts);
    let guardrails = graph.has_layer(Layer::Scp) || graph.has_layer(Layer::Rcp);
    let mut out: Vec<Class> = vec![Class {
        caller: Caller::Anonymous,
        unnamed: false,
        other_account: false,
    }];
    for a in accounts.iter().chain([&other]) {
        let other_account = *a == other;
        let mut push = |caller: Caller, unnamed: bool| {
            out.push(Class {
                caller,
                unnamed,
                other_account,
            })
        };
        push(root(a), false);
        push(user(a, OTHER_USER), true);
        push(
            session(a, OTHER_ROLE, crate::eval::request::DEFAULT_SESSION),
            true,
        );
        push(
            Caller::FederatedUser {
                partition: "aws".into(),
                account: a.clone(),
                name: OTHER_FEDERATED.into(),
            },
            true,
        );
        if guardrails {
            push(session(a, SERVICE_LINKED_ROLE, "s3-access"), true);
        }
        for name in &usernames {
            push(user(a, name), false);
        }
    }
    for caller in named {
        out.push(Class {
            caller,
            unnamed: false,
            other_account: false,
        });
    }
    services.sort();
    services.dedup();
    for name in services.into_iter().chain([OTHER_SERVICE.to_string()]) {
        out.push(Class {
            unnamed: name == OTHER_SERVICE,
            caller: Caller::Service { name },
            other_account: false,
        });
    }
    dedup(out)
}

fn root(account: &str) -> Caller {
    Caller::Root {
        partition: "aws".into(),
        account: account.into(),
    }
}

fn user(account: &str, name: &str) -> Caller {
    Caller::User {
        partition: "aws".into(),
        account: account.into(),
        path: "/".into(),
        name: name.into(),
    }
}

fn session(account: &str, role: &str, session: &str) -> Caller {
    Caller::Session {
        partition: "aws".into(),
        account: account.into(),
        role_path: "/".into(),
        role: role.into(),
        session: session.into(),
    }
}

/// The caller a Principal element names, and its account.
fn named_principal(p: &AwsPrincipal, named: &mut Vec<Caller>, accounts: &mut Vec<String>) {
    let arn = match p {
        AwsPrincipal::Account { account } => {
            accounts.push(account.clone());
            return;
        }
        AwsPrincipal::User {
            partition,
            account,
            name,
        } => format!("arn:{partition}:iam::{account}:user/{name}"),
        AwsPrincipal::Role {
            partition,
            account,
            name,
        } => format!("arn:{partition}:iam::{account}:role/{name}"),
        AwsPrincipal::AssumedRole {
            partition,
            account,
            role,
            session,
        } => format!("arn:{partition}:sts::{account}:assumed-role/{role}/{session}"),
        AwsPrincipal::FederatedUser {
            partition,
            account,
            name,
        } => format!("arn:{partition}:sts::{account}:federated-user/{name}"),
        _ => return,
    };
    if let Ok(c) = Caller::parse(&arn) {
        if let Some(a) = c.account() {
            accounts.push(a.to_string());
        }
        named.push(c);
    }
}

/// The literal values of conditions on caller-derived keys become callers and accounts; a
/// pattern or case-folded comparison on such a key is a reason the classes may not be exact.
fn derived_values(
    graph: &Graph,
    named: &mut Vec<Caller>,
    accounts: &mut Vec<String>,
    services: &mut Vec<String>,
    usernames: &mut Vec<String>,
    reasons: &mut Vec<Reason>,
) {
    for (id, s) in graph.statements.iter().enumerate() {
        let Some((_, st)) = graph.written(s) else {
            continue;
        };
        for c in &st.conditions {
            let key = c.key.value.to_ascii_lowercase();
            // `kms:CallerAccount` is the caller's account in the KMS leg's request.
            let derived = super::keys::availability(&key, &Caller::Anonymous)
                == super::keys::Availability::Derived
                || key == "kms:calleraccount";
            if !derived {
                continue;
            }
            let base = c.operator.value.base;
            let exact_family = matches!(
                base.family(),
                OperatorFamily::String
                    | OperatorFamily::Arn
                    | OperatorFamily::Bool
                    | OperatorFamily::Null
            );
            let folded = matches!(
                base,
                BaseOperator::StringEqualsIgnoreCase | BaseOperator::StringNotEqualsIgnoreCase
            );
            for v in &c.values {
                let t = v.text.as_str();
                if !exact_family || folded || t.contains(['*', '?']) || t.contains("${") {
                    if base.family() != OperatorFamily::Null {
                        reasons.push(Reason::new(
                            ReasonKind::Principals,
                            Some(id),
                            format!("`{}` on `{}` with `{t}` may single out callers the principal classes do not contain (only literal values are modelled exactly)", c.operator.value.text, c.key.value),
                        ));
                    }
                    continue;
                }
                match key.as_str() {
                    "aws:principalarn" | "aws:userid" => {
                        if let Ok(caller) = Caller::parse(t) {
                            accounts.extend(caller.account().map(str::to_string));
                            named.push(caller);
                        }
                        if let Some((a, _)) = t.split_once(':') {
                            accounts.push(a.to_string());
                        }
                    }
                    "aws:principalaccount"
                    | "aws:resourceaccount"
                    | "s3:resourceaccount"
                    | "kms:calleraccount" => accounts.push(t.to_string()),
                    "aws:principalservicename" => services.push(t.to_string()),
                    "aws:username" => usernames.push(t.to_string()),
                    _ => {}
                }
            }
        }
    }
}

fn dedup(classes: Vec<Class>) -> Vec<Class> {
    let mut out: Vec<Class> = Vec::new();
    for c in classes {
        if !out.iter().any(|o| same(&o.caller, &c.caller)) {
            out.push(c);
        }
    }
    out
}

fn same(a: &Caller, b: &Caller) -> bool {
    a == b
}
