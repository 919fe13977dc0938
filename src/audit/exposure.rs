//! Who a resource policy lets in, and how broadly.
//!
//! - S101–S104 public-read, public-write, public-list, public-permissions-management: an Allow
//!   statement that makes the policy public by AWS's definition ([`crate::public`]), by the
//!   access levels of the S3 actions it covers; a note instead when RestrictPublicBuckets
//!   blocks it.
//! - S301 cross-account-access: grants to accounts (or organisations) other than the owner's
//!   and the trusted ones, with the actions and conditions.
//! - S302 wildcard-action, S303 not-action-with-allow, S304 not-resource-with-allow,
//!   S305 spoofable-condition-only, S306 permissions-management-granted (also raised for ACL
//!   grants by the settings checks, `settings/acls.rs`).

use super::{Audited, Context, statement};
use crate::aws_docs::NetworkOrigin;
use crate::diagnostic::Finding;
use crate::eval::graph::{Graph, Layer, PrincipalMatcher};
use crate::eval::request::Caller;
use crate::eval::s3_facts::BpaFlag;
use crate::exact::PrincipalScope;
use crate::exact::claim::{self, Claim};
use crate::policy::{AwsPrincipal, Effect, PrincipalKind, Statement};
use crate::public::{self, PolicyOn};
use crate::registry::{Code, Severity};
use crate::source::{SourceFile, Span};

/// The actions that manage who can access the bucket (the privilege-escalation set).
pub const PERMISSION_MANAGEMENT: &[&str] = &[
    "s3:putbucketpolicy",
    "s3:deletebucketpolicy",
    "s3:putbucketacl",
    "s3:putobjectacl",
    "s3:putbucketownershipcontrols",
    "s3:putbucketpublicaccessblock",
];

/// Runs every exposure check on the resource policies of `ctx.graph`.
pub fn check(ctx: &Context<'_>, out: &mut Vec<Audited>) {
    public_statements(ctx, out);
    cross_account(ctx, out);
    broad(ctx, out);
    not_elements(ctx, out);
}

fn resource_statements(
    graph: &Graph,
) -> impl Iterator<Item = (usize, &SourceFile, &Statement, Layer, usize)> {
    (0..graph.statements.len()).filter_map(move |id| {
        let (source, st, layer) = statement(graph, id)?;
        let level = graph
            .statements
            .get(id)
            .and_then(|s| graph.documents.get(s.doc))
            .map_or(0, |d| d.level);
        layer
            .is_resource_policy()
            .then_some((id, source, st, layer, level))
    })
}

/// How a finding names the layer of statement `id` (a Multi-Region Access Point's policy by
/// that name).
fn layer_name(graph: &Graph, id: usize, layer: Layer) -> &'static str {
    graph
        .statements
        .get(id)
        .and_then(|s| graph.documents.get(s.doc))
        .map_or(layer.as_str(), |d| graph.layer_name(d))
}

fn principal_span(st: &Statement) -> Span {
    st.principal.as_ref().map_or(st.effect.span, |p| p.span)
}

// rule: S101 S102 S103 S104
/// S101–S104: each public Allow statement, once per access level it opens (read, write,
/// list, permissions management).
fn public_statements(ctx: &Context<'_>, out: &mut Vec<Audited>) {
    let graph = ctx.graph;
    for (id, source, st, layer, level) in resource_statements(graph) {
        let on = if layer == Layer::AccessPoint {
            PolicyOn::AccessPoint
        } else {
            PolicyOn::Bucket
        };
        let access_point = (layer == Layer::AccessPoint).then_some(level);
        // AWS rule: an access point with a VPC network origin is never public (S3 "The meaning
        // of public", access points).
        if access_point
            .and_then(|i| graph.s3.access_points.get(i))
            .is_some_and(|a| matches!(a.network, NetworkOrigin::Vpc { .. }))
        {
            continue;
        }
        let Some(v) = public::classify_statement(st, on) else {
            continue;
        };
        if !v.public {
            continue;
        }
        let access = ctx.shapes.access(id);
        let blocked = graph
            .s3
            .bpa_setter(BpaFlag::RestrictPublicBuckets, access_point)
            .map(|s| {
                let at = s
                    .place_of(BpaFlag::RestrictPublicBuckets)
                    .map(|p| {
                        let lc = p.source.line_col(p.span.start);
                        format!(", {}:{}:{}", p.source.name(), lc.line, lc.column)
                    })
                    .unwrap_or_default();
                format!("RestrictPublicBuckets ({} setting{at})", s.level.as_str())
            });
        for (on_class, code, what) in [
            (access.read, Code::PublicRead, "read"),
            (access.write, Code::PublicWrite, "write"),
            (access.list, Code::PublicList, "list"),
            (
                access.permissions_management,
                Code::PublicPermissionsManagement,
                "manage permissions",
            ),
        ] {
            if !on_class {
                continue;
            }
            let actions = level_actions(ctx, id, code);
            let claim = if blocked.is_none() && layer == Layer::Bucket {
                public_claim(ctx, id, &actions)
            } else {
                // Blocked, or behind an access point: the claim stays today's reasoning.
                Claim::Uncertain(Vec::new())
            };
            let witness = match &claim {
                Claim::Nothing => continue,
                Claim::Proven(f) => Some(claim::witness(f)),
                _ => None,
            };
            let shown = listed(&actions, 4);
            let mut f;
            if let Claim::Denied(ids) = &claim {
                let message = format!(
                    "{} of the {} is public by S3's definition ({}), so Block Public Access would act on it, and no request to {what} ({shown}) gets through because of {}",
                    st.label(),
                    layer_name(graph, id, layer),
                    v.reason,
                    deny_places(graph, ids)
                );
                f = Finding::new(code, principal_span(st), message).with_severity(Severity::Note);
            } else {
                let mut message = format!(
                    "{} of the {} lets anyone {what} ({shown}): {}",
                    st.label(),
                    layer_name(graph, id, layer),
                    v.reason
                );
                if let Some(b) = &blocked {
                    message.push_str(&format!(
                        "; {b} blocks it for everyone outside the owner account except AWS services"
                    ));
                    f = Finding::new(code, principal_span(st), message)
                        .with_severity(Severity::Note);
                } else {
                    if !ctx.bpa_known {
                        message
                            .push_str(" (unless Block Public Access RestrictPublicBuckets is on)");
                    }
                    f = Finding::new(code, principal_span(st), message);
                }
            }
            if let Some(w) = witness {
                // S3 calls the statement public for anonymous callers; when they are refused
                // and another caller gets in, say who.
                if w.principal != "anonymous" {
                    f.message = format!("{}; e.g. `{w}` gets through", f.message);
                }
                f = f.with_witness(w);
            }
            if let Some(fix) = &v.fix {
                f = f.with_help(fix.clone());
            }
            if let Some(a) = &st.action {
                f = f.with_related(a.span, format!("{what} actions"));
            }
            out.push(Audited {
                source: source.clone(),
                finding: f,
            });
        }
    }
}

/// The actions of statement `id` that apply to its resources, at the access level of `code`
/// (S101 read, S102 write, S103 list, S104 permissions management), everyday ones first.
fn level_actions(ctx: &Context<'_>, id: usize, code: Code) -> Vec<String> {
    use crate::catalog::AccessLevel;
    let u = crate::eval::actions::Universe::get();
    let Some(shape) = ctx.shapes.get(id) else {
        return Vec::new();
    };
    let level = match code {
        Code::PublicRead => AccessLevel::Read,
        Code::PublicWrite => AccessLevel::Write,
        Code::PublicList => AccessLevel::List,
        _ => AccessLevel::PermissionsManagement,
    };
    let applicable = shape.applicable();
    u.everyday_first(&applicable)
        .into_iter()
        .filter(|a| u.index(a).and_then(|i| u.levels.get(i)) == Some(&level))
        .map(str::to_string)
        .collect()
}

/// `a`, `b`, `c`, `d` and N more.
fn listed(actions: &[String], max: usize) -> String {
    let shown: Vec<String> = actions.iter().take(max).map(|a| format!("`{a}`")).collect();
    if actions.len() > max {
        format!("{} and {} more", shown.join(", "), actions.len() - max)
    } else {
        shown.join(", ")
    }
}

/// Whether any caller outside the owner account gets through with one of `actions` by
/// statement `id` ([`claim::public_claim`]).
fn public_claim(ctx: &Context<'_>, id: usize, actions: &[String]) -> Claim {
    claim::public_claim(
        ctx.graph,
        id,
        super::coverage::shown_bucket(ctx.bucket),
        ctx.owner,
        actions,
        super::now(),
    )
}

/// Whether principals of one of `accounts` (or AWS services acting for it) get through with
/// one of `actions` by statement `id`: the first witness, else uncertain (no accounts:
/// nothing to claim).
fn account_claim(ctx: &Context<'_>, id: usize, accounts: &[String], actions: &[String]) -> Claim {
    let now = super::now();
    let bucket = super::coverage::shown_bucket(ctx.bucket);
    let service = likely_service(ctx.graph, id);
    let mut questions = Vec::new();
    // Not an account id (the `cloudfront` of an origin access identity): no caller for it,
    // nor for the accounts after it.
    let callable = accounts
        .iter()
        .take_while(|a| crate::arn::is_account_id(a))
        .count();
    for a in accounts.iter().take(callable) {
        // The likely caller: a principal of that account the statement names (in Principal or
        // `aws:PrincipalArn`), else its root; for services, one the statement points at.
        let likely = named_of(ctx.graph, id, a)
            .or_else(|| Caller::parse(a).ok())
            .unwrap_or(Caller::Anonymous);
        for (principals, likely) in [
            (PrincipalScope::Account(a.clone()), likely),
            (PrincipalScope::Services, service.clone()),
        ] {
            questions.push(claim::StatementQuestion {
                graph: ctx.graph,
                statement: id,
                bucket,
                owner: ctx.owner,
                principals,
                likely,
                actions,
                now,
            });
        }
    }
    // The likely requests only: cross-account grants are many and mostly conditioned, and a
    // full search for each would make `lint` several times slower; a miss keeps today's
    // finding, without a witness.
    match claim::likely_first(&questions) {
        Some(f) => Claim::Proven(Box::new(f)),
        None if accounts.is_empty() => Claim::Nothing,
        None => Claim::Uncertain(Vec::new()),
    }
}

/// `Sid `D` (line:column)`, for each Deny statement.
fn deny_places(graph: &Graph, ids: &[usize]) -> String {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    ids.iter()
        .filter_map(|id| {
            let (source, st, _) = statement(graph, *id)?;
            let lc = source.line_col(super::head(st).start);
            Some(format!("{} at {}:{}", st.label(), lc.line, lc.column))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Ids named in a policy, with where each is written.
type Named = Vec<(String, Span)>;

/// The accounts and organisations an Allow statement's principal names or pins.
fn grantees(graph: &Graph, id: usize, st: &Statement) -> (Named, Named) {
    let mut accounts = Vec::new();
    let mut orgs = Vec::new();
    let Some((false, items)) = graph.statements.get(id).and_then(|s| s.principal.as_ref()) else {
        return (accounts, orgs);
    };
    let spans: Vec<Span> = st
        .principal
        .as_ref()
        .map(|p| p.items.iter().map(|i| i.span).collect())
        .unwrap_or_default();
    let mut everyone = false;
    for (m, span) in items.iter().zip(
        spans
            .iter()
            .copied()
            .chain(std::iter::repeat(st.effect.span)),
    ) {
        match m {
            PrincipalMatcher::Everyone => everyone = true,
            PrincipalMatcher::Aws(p) => {
                let a = match p {
                    AwsPrincipal::Account { account }
                    | AwsPrincipal::User { account, .. }
                    | AwsPrincipal::Role { account, .. }
                    | AwsPrincipal::AssumedRole { account, .. }
                    | AwsPrincipal::FederatedUser { account, .. } => account.clone(),
                    #[allow(unreachable_patterns, reason = "future principal forms")]
                    _ => continue,
                };
                accounts.push((a, span));
            }
            _ => {}
        }
    }
    if everyone {
        for c in &st.conditions {
            let key = c.key.value.to_ascii_lowercase();
            let positive = !c.operator.value.base.is_negated() && !c.operator.value.if_exists;
            if !positive {
                continue;
            }
            match key.as_str() {
                "aws:principalaccount"
                | "aws:sourceaccount"
                | "aws:sourceowner"
                | "s3:dataaccesspointaccount" => accounts.extend(
                    c.values
                        .iter()
                        .filter(|v| crate::arn::is_account_id(&v.text))
                        .map(|v| (v.text.clone(), v.span)),
                ),
                // An ARN's account part pins the caller (aws:PrincipalArn) or the resource a
                // service acts for (aws:SourceArn) to that account.
                "aws:principalarn" | "aws:sourcearn" => {
                    accounts.extend(c.values.iter().filter_map(|v| {
                        let arn = crate::arn::Arn::split(&v.text)?;
                        crate::arn::is_account_id(arn.account)
                            .then(|| (arn.account.to_string(), v.span))
                    }))
                }
                "aws:principalorgid" => {
                    orgs.extend(c.values.iter().map(|v| (v.text.clone(), v.span)))
                }
                _ => {}
            }
        }
    }
    (accounts, orgs)
}

// rule: S301
/// S301: each Allow statement that names accounts or organisations neither the owner's nor
/// trusted, with what it lets them do.
fn cross_account(ctx: &Context<'_>, out: &mut Vec<Audited>) {
    let graph = ctx.graph;
    for (id, source, st, layer, _) in resource_statements(graph) {
        if st.effect.value != Effect::Allow {
            continue;
        }
        let (accounts, orgs) = grantees(graph, id, st);
        let foreign: Vec<&(String, Span)> = accounts
            .iter()
            .filter(|(a, _)| Some(a.as_str()) != ctx.owner && !ctx.trust.trusts_account(a))
            .collect();
        let foreign_orgs: Vec<&(String, Span)> = orgs
            .iter()
            .filter(|(o, _)| !ctx.trust.trusts_organization(o))
            .collect();
        if foreign.is_empty() && foreign_orgs.is_empty() {
            continue;
        }
        let access = ctx.shapes.access(id);
        let claim = if layer == Layer::Bucket && foreign_orgs.is_empty() {
            let mut names: Vec<String> = foreign.iter().map(|(a, _)| a.clone()).collect();
            names.dedup();
            let u = crate::eval::actions::Universe::get();
            let actions: Vec<String> = ctx
                .shapes
                .get(id)
                .map(|s| {
                    u.everyday_first(&s.applicable())
                        .into_iter()
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default();
            account_claim(ctx, id, &names, &actions)
        } else {
            Claim::Uncertain(Vec::new())
        };
        let witness = match &claim {
            // No request of those accounts gets through: no cross-account access to claim.
            Claim::Nothing | Claim::Denied(_) => continue,
            Claim::Proven(f) => Some(claim::witness(f)),
            Claim::Uncertain(_) => None,
        };
        let classes = access.classes();
        let mut who: Vec<String> = foreign
            .iter()
            .map(|(a, _)| format!("account {a}"))
            .collect();
        who.dedup();
        who.extend(
            foreign_orgs
                .iter()
                .map(|(o, _)| format!("organisation {o}")),
        );
        let conditions: Vec<String> = st
            .conditions
            .iter()
            .map(|c| format!("`{}` on `{}`", c.operator.value.text, c.key.value))
            .collect();
        let resources = st
            .resource
            .as_ref()
            .map(|r| {
                r.items
                    .iter()
                    .map(|i| format!("`{}`", i.value))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default();
        let message = format!(
            "{} of the {} lets {} {} ({} S3 action{}) on {resources}{}{}",
            st.label(),
            layer_name(graph, id, layer),
            who.join(", "),
            if classes.is_empty() {
                "act".to_string()
            } else {
                classes
                    .iter()
                    .map(|c| match *c {
                        "tagging" => "tag",
                        "permissions-management" => "manage permissions",
                        other => other,
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            },
            access.actions.len(),
            if access.actions.len() == 1 { "" } else { "s" },
            if conditions.is_empty() {
                ", with no condition".to_string()
            } else {
                format!(", under {}", conditions.join(", "))
            },
            // Once [trust] lists accounts, the owner's is assumed among them: no need to ask.
            if ctx.owner.is_none() && ctx.trust.accounts.is_empty() {
                " (the bucket owner is not known: list your own accounts under [trust] in .s3-access.toml)"
            } else {
                ""
            }
        );
        let span = foreign
            .first()
            .map(|(_, s)| *s)
            .or_else(|| foreign_orgs.first().map(|(_, s)| *s))
            .unwrap_or(st.effect.span);
        let severity = if ctx.owner.is_some() || !ctx.trust.accounts.is_empty() {
            Severity::Warning
        } else {
            Severity::Note
        };
        let mut f = Finding::new(Code::CrossAccountAccess, span, message)
            .with_severity(severity)
            .with_help("if the account is yours or a partner's you trust, list it under [trust] accounts (or its organisation under [trust] organizations) in .s3-access.toml");
        if let Some(w) = witness {
            f = f.with_witness(w);
        }
        out.push(Audited {
            source: source.clone(),
            finding: f,
        });
    }
}

/// Whether the statement is the bucket's delegation to the owner account's access points:
/// `Principal: *` pinned by `s3:DataAccessPointAccount` to the owner (S3 "Delegating access
/// control to access points"). The access point policies then decide.
fn delegates_to_own_access_points(st: &Statement, owner: Option<&str>) -> bool {
    st.conditions.iter().any(|c| {
        c.key
            .value
            .eq_ignore_ascii_case("s3:DataAccessPointAccount")
            && !c.operator.value.base.is_negated()
            && !c.operator.value.if_exists
            && !c.values.is_empty()
            && c.values.iter().all(|v| match owner {
                Some(o) => v.text == o,
                None => crate::arn::is_account_id(&v.text),
            })
    })
}

// rule: S302 S305 S306
/// S302, S305, S306: each Allow statement that grants every S3 action, is public behind a
/// spoofable header only, or lets others change who can access the bucket.
fn broad(ctx: &Context<'_>, out: &mut Vec<Audited>) {
    let graph = ctx.graph;
    let all = crate::catalog::service("s3").map_or(0, |s| s.actions().len());
    for (id, source, st, layer, _) in resource_statements(graph) {
        if st.effect.value != Effect::Allow {
            continue;
        }
        let Some(shape) = ctx.shapes.get(id) else {
            continue;
        };
        let applicable = shape.applicable();
        let action_span = st.action.as_ref().map_or(st.effect.span, |a| a.span);
        let delegation = delegates_to_own_access_points(st, ctx.owner);
        let on_bucket = !applicable
            .and(crate::eval::actions::Universe::get().on_bucket)
            .is_empty();
        if all > 0 && shape.actions.count() == all && !applicable.is_empty() && !delegation {
            out.push(Audited {
                source: source.clone(),
                finding: Finding::new(
                    Code::WildcardAction,
                    action_span,
                    format!(
                        "{} of the {} grants every S3 action, including {}",
                        st.label(),
                        layer_name(graph, id, layer),
                        // Only the actions of its resources' types apply (objects, the bucket).
                        if on_bucket {
                            "deleting objects and changing the bucket policy and ACLs"
                        } else {
                            "reading, overwriting and deleting its objects and changing their ACLs"
                        }
                    ),
                )
                .with_help("grant only the actions the principal needs, e.g. `s3:GetObject` and `s3:ListBucket` for readers"),
            });
        }
        let on = if layer == Layer::AccessPoint {
            PolicyOn::AccessPoint
        } else {
            PolicyOn::Bucket
        };
        let verdict = public::classify_statement(st, on);
        // S305: `*` limited only by headers any client can set.
        let spoofable: Vec<&crate::policy::Condition> = st
            .conditions
            .iter()
            .filter(|c| {
                matches!(
                    c.key.value.to_ascii_lowercase().as_str(),
                    "aws:referer" | "aws:useragent"
                )
            })
            .collect();
        if verdict.as_ref().is_some_and(|v| v.public) && !spoofable.is_empty() {
            let c = spoofable[0];
            out.push(Audited {
                source: source.clone(),
                finding: Finding::new(
                    Code::SpoofableConditionOnly,
                    c.key.span,
                    format!(
                        "{} lets anyone in whose request carries the right `{}` header; any client can send any value, so this restricts nothing",
                        st.label(),
                        c.key.value
                    ),
                )
                .with_help("restrict with a key AWS sets itself: aws:SourceVpce, aws:SourceIp, aws:PrincipalOrgID, or a CloudFront origin access control (aws:SourceArn)"),
            });
        }
        // S306: permission management beyond the owner account.
        let manages: Vec<&str> = PERMISSION_MANAGEMENT
            .iter()
            .copied()
            .filter(|a| {
                graph
                    .statements
                    .get(id)
                    .is_some_and(|s| s.matches_action_lower(a))
                    && crate::eval::actions::Universe::get()
                        .index(a)
                        .is_some_and(|i| applicable.has(i))
            })
            .collect();
        if manages.is_empty() || delegation {
            continue;
        }
        let negated = st.principal.as_ref().is_some_and(|p| p.negated);
        let everyone = st.principal.as_ref().is_some_and(|p| {
            p.items.iter().any(|i| {
                matches!(i.kind, PrincipalKind::Everyone | PrincipalKind::Federated)
                    || (i.kind == PrincipalKind::Aws && i.value == "*")
            })
        });
        let (accounts, _) = grantees(graph, id, st);
        let foreign: Vec<String> = match ctx.owner {
            Some(owner) => accounts
                .iter()
                .filter(|(a, _)| a != owner && !ctx.trust.trusts_account(a))
                .map(|(a, _)| a.clone())
                .collect(),
            None => Vec::new(),
        };
        let who = if negated {
            Some("everyone not listed in NotPrincipal".to_string())
        } else if everyone {
            Some("principals outside the owner account (`Principal: *`)".to_string())
        } else if !foreign.is_empty() {
            Some(format!("account {}", foreign.join(", ")))
        } else {
            None
        };
        if let Some(who) = who {
            let names: Vec<String> = manages.iter().map(|a| display_action(a)).collect();
            let Some(witness) =
                manage_witness(ctx, id, layer, negated || everyone, &foreign, &names)
            else {
                continue;
            };
            let mut f = Finding::new(
                    Code::PermissionsManagementGranted,
                    action_span,
                    format!(
                        "{} lets {who} change who can access the bucket ({}): they can grant themselves anything",
                        st.label(),
                        manages
                            .iter()
                            .map(|a| format!("`{}`", display_action(a)))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
                .with_help("keep policy, ACL, Object Ownership and Block Public Access changes to the owner account's administrators");
            if let Some(w) = witness {
                f = f.with_witness(w);
            }
            out.push(Audited {
                source: source.clone(),
                finding: f,
            });
        }
    }
}

/// A caller of `account` that statement `id` names in its Principal, or in a positive
/// `aws:PrincipalArn` condition, if any.
fn named_of(graph: &Graph, id: usize, account: &str) -> Option<Caller> {
    let (_, st, _) = statement(graph, id)?;
    let principals = st
        .principal
        .iter()
        .filter(|p| !p.negated)
        .flat_map(|p| p.items.iter())
        .filter(|i| i.kind == PrincipalKind::Aws)
        .map(|i| i.value.as_str());
    let arns = st
        .conditions
        .iter()
        .filter(|c| {
            c.key.value.eq_ignore_ascii_case("aws:PrincipalArn")
                && !c.operator.value.base.is_negated()
        })
        .flat_map(|c| c.values.iter())
        .map(|v| v.text.as_str())
        .filter(|v| !v.contains(['*', '?', '$']));
    principals
        .chain(arns)
        .filter(|v| v.contains(account))
        .find_map(|v| Caller::parse(v).ok())
        .filter(|c| c.account() == Some(account))
}

/// The AWS service statement `id` likely grants to: one its Principal names, else the service
/// of an `aws:SourceArn` it names, else S3 itself (server access logs).
fn likely_service(graph: &Graph, id: usize) -> Caller {
    let named = statement(graph, id).and_then(|(_, st, _)| {
        let principal = st
            .principal
            .iter()
            .filter(|p| !p.negated)
            .flat_map(|p| p.items.iter())
            .find(|i| i.kind == PrincipalKind::Service)
            .map(|i| i.value.clone());
        let source = || {
            st.conditions
                .iter()
                .filter(|c| c.key.value.eq_ignore_ascii_case("aws:SourceArn"))
                .flat_map(|c| c.values.iter())
                .find_map(|v| crate::arn::Arn::split(&v.text))
                .filter(|a| !a.service.is_empty() && !a.service.contains(['*', '?', '$']))
                .map(|a| format!("{}.amazonaws.com", a.service))
        };
        principal.or_else(source)
    });
    named
        .and_then(|n| Caller::parse(&n).ok())
        .filter(|c| matches!(c, Caller::Service { .. }))
        .or_else(|| Caller::parse("s3.amazonaws.com").ok())
        .unwrap_or(Caller::Anonymous)
}

/// S306's claim: `None` when no request of the grantees gets through (every one refused by a
/// Deny, or by S3), else the witness if one was found.
fn manage_witness(
    ctx: &Context<'_>,
    id: usize,
    layer: Layer,
    public: bool,
    foreign: &[String],
    actions: &[String],
) -> Option<Option<crate::diagnostic::Witness>> {
    let c = if layer != Layer::Bucket {
        Claim::Uncertain(Vec::new())
    } else if public {
        public_claim(ctx, id, actions)
    } else {
        account_claim(ctx, id, foreign, actions)
    };
    match &c {
        Claim::Nothing | Claim::Denied(_) => None,
        Claim::Proven(f) => Some(Some(claim::witness(f))),
        Claim::Uncertain(_) => Some(None),
    }
}

fn display_action(lower: &str) -> String {
    let u = super::coverage::Universe::get();
    u.index(lower)
        .and_then(|i| u.names.get(i))
        .cloned()
        .unwrap_or_else(|| lower.to_string())
}

// rule: S303 S304
/// S303, S304: NotAction or NotResource with Allow, in any policy kind.
pub fn not_elements(ctx: &Context<'_>, out: &mut Vec<Audited>) {
    let graph = ctx.graph;
    for id in 0..graph.statements.len() {
        let Some((source, st, _)) = statement(graph, id) else {
            continue;
        };
        if st.effect.value != Effect::Allow {
            continue;
        }
        if let Some(a) = st.action.as_ref().filter(|a| a.negated) {
            out.push(Audited {
                source: source.clone(),
                finding: Finding::new(
                    Code::NotActionWithAllow,
                    a.span,
                    format!(
                        "{} allows every action except those listed, including actions AWS adds later",
                        st.label()
                    ),
                )
                .with_help("list the actions to allow in `Action`; use `NotAction` only with `Deny`"),
            });
        }
        if let Some(r) = st.resource.as_ref().filter(|r| r.negated) {
            out.push(Audited {
                source: source.clone(),
                finding: Finding::new(
                    Code::NotResourceWithAllow,
                    r.span,
                    format!(
                        "{} allows its actions on every resource except those listed, in every bucket and service",
                        st.label()
                    ),
                )
                .with_help("list the resources to allow in `Resource`; use `NotResource` only with `Deny`"),
            });
        }
    }
}
