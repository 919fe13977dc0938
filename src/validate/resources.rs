//! P3xx: each resource is a well-formed ARN, and each action has a resource of a type it accepts.

use super::{Validator, candidate_actions, sub_span};
use crate::catalog::{self, Action, ResourceType, Service};
use crate::diagnostic::Finding;
use crate::policy::Statement;
use crate::registry::{Code, Severity};
use crate::variables;
use crate::wildcard::{self, Case, Pattern};

impl<'a> Validator<'a> {
    // rule: P301 P302
    /// Checks each resource of the statement, then whether one covers another.
    pub(super) fn resources(&mut self, s: &Statement) {
        let Some(block) = &s.resource else { return };
        for item in &block.items {
            let text = item.value.as_str();
            if text.is_empty() || text.bytes().all(|b| b == b'*') {
                continue;
            }
            if variables::contains_variable(text)
                && !self.variables_need_version(item.span, text)
                && self.invalid_variable(item.span, text)
            {
                continue;
            }
            let arn = match crate::arn::parse(text) {
                Ok(a) => a,
                Err(e) => {
                    let at = e.offset().min(text.len());
                    // An empty resource part is accepted by IAM (AWS-managed policies have
                    // `arn:aws:organizations::*:`) but matches only ARNs ending in `:`.
                    let severity = if e.kind() == crate::arn::ArnErrorKind::EmptyResource {
                        Severity::Warning
                    } else {
                        Severity::Error
                    };
                    self.push(
                        Finding::new(Code::MalformedArn, sub_span(self.file, item.span, text, at..text.len().max(at + 1)), format!("`{text}` is not a valid ARN: {}", e.message()))
                            .with_severity(severity)
                            .with_help("an ARN has six parts: arn:partition:service:region:account:resource (S3: arn:aws:s3:::bucket/key)"),
                    );
                    continue;
                }
            };
            // AWS rule: S3 bucket and object ARNs have no region or account (S3 "Policy resources" page).
            let cannot_be_empty = |seg: &str| seg.bytes().any(|b| b != b'*');
            if arn.service == "s3"
                && (cannot_be_empty(arn.region) || cannot_be_empty(arn.account))
                && !s3_regional_resource(arn.resource)
            {
                let start = "arn:".len() + arn.partition.len() + 1 + arn.service.len() + 1;
                let end = start + arn.region.len() + 1 + arn.account.len();
                self.push(
                    Finding::new(Code::S3ArnRegionOrAccount, sub_span(self.file, item.span, text, start..end), format!("S3 bucket and object ARNs have no region or account: `{text}` matches nothing"))
                        .with_help(format!("write `arn:{}:s3:::{}`", arn.partition, arn.resource)),
                );
            }
        }
        self.redundant_resources(&block.items);
    }

    // rule: P303
    /// Actions paired only with resources of types they do not accept.
    pub(super) fn resource_types(&mut self, s: &'a Statement) {
        let (Some(actions), Some(resources)) = (&s.action, &s.resource) else {
            return;
        };
        // Empty, malformed or region-carrying S3 resources are reported by their own codes.
        let reported_elsewhere = |r: &str| match crate::arn::parse(r) {
            Ok(a) => {
                a.service == "s3"
                    && (a.region.bytes().any(|b| b != b'*') || a.account.bytes().any(|b| b != b'*'))
                    && !s3_regional_resource(a.resource)
            }
            Err(_) => true,
        };
        if actions.negated
            || resources.negated
            || resources.items.is_empty()
            || resources
                .items
                .iter()
                .any(|r| r.value.bytes().all(|b| b == b'*') || reported_elsewhere(&r.value))
        {
            return;
        }
        let mut shapes: Vec<(&'static Service, Vec<ResourceShape<'a>>)> = Vec::new();
        for item in &actions.items {
            let Some((svc, name)) = item.value.split_once(':') else {
                continue;
            };
            let Some(service) = catalog::service(svc) else {
                continue;
            };
            if !service.has_details() || svc.contains(['*', '?']) {
                continue;
            }
            // An ASCII name without wildcards matches at most the one action of that name
            // (catalogue names are ASCII and distinct under ASCII folding).
            let single;
            let several: Vec<&Action>;
            let matched: &[&Action] = if name.is_ascii() && !name.contains(['*', '?']) {
                single = service.action(name);
                single.as_slice()
            } else {
                let pattern = Pattern::new(name);
                several = candidate_actions(service, &pattern)
                    .iter()
                    .filter(|a| pattern.is_match(a.name(), Case::Insensitive))
                    .collect();
                &several
            };
            if matched.is_empty() {
                continue;
            }
            let index = match shapes.iter().position(|(p, _)| std::ptr::eq(*p, service)) {
                Some(i) => i,
                None => {
                    let fresh = resources
                        .items
                        .iter()
                        .map(|r| ResourceShape::new(service, &r.value))
                        .collect();
                    shapes.push((service, fresh));
                    shapes.len() - 1
                }
            };
            let applies = match shapes.get_mut(index) {
                Some((_, service_shapes)) => matched.iter().any(|a| {
                    service_shapes
                        .iter_mut()
                        .any(|shape| action_accepts(a, shape, &mut self.memo))
                }),
                None => true,
            };
            if !applies {
                let types: Vec<&str> = matched
                    .first()
                    .map(|a| a.resource_types().iter().map(|t| t.name()).collect())
                    .unwrap_or_default();
                let expected = if types.is_empty() {
                    "\"*\" (it takes no resource)".to_string()
                } else {
                    types.join(" or ")
                };
                let mut f = Finding::new(
                    Code::ResourceTypeMismatch,
                    item.span,
                    format!(
                        "`{}` does not apply to any resource of this statement",
                        item.value
                    ),
                )
                .with_related(resources.span, "the statement's resources")
                .with_help(format!(
                    "`{}` needs a resource of type {expected}",
                    item.value
                ));
                if let Some(example) = example_resource(
                    service,
                    matched.first().copied(),
                    resources.items.first().map(|r| r.value.as_str()),
                ) {
                    f = f.with_help(format!(
                        "`{}` needs a resource of type {expected}, e.g. `{example}`",
                        item.value
                    ));
                }
                self.push(f);
            }
        }
    }
}

/// S3 ARNs that legitimately carry a region and account (access points, jobs, ...): the
/// resource part starts with the literal prefix of a regional S3 resource type's template.
fn s3_regional_resource(resource: &str) -> bool {
    let Some(svc) = catalog::service("s3") else {
        return false;
    };
    svc.resource_types().iter().any(|t| {
        let template = t.arn_template();
        let regional = template.contains("${Region}") || template.contains("${Account}");
        let tail = template.splitn(6, ':').nth(5).unwrap_or("");
        let prefix = tail.split("${").next().unwrap_or("");
        regional
            && !prefix.is_empty()
            && (resource.starts_with(prefix) || resource.starts_with('*'))
    })
}

/// Whether `resource` (a Resource pattern) could name a resource that `action` accepts.
/// What a Resource entry may denote, for one service: each resource type is checked at most
/// once per statement (memoised), then reused for every action.
struct ResourceShape<'r> {
    resource: &'r str,
    service: &'static Service,
    /// Holds a policy variable: any type is possible.
    variable: bool,
    /// `*` (or `arn:aws:s3:::*`-like): accepted by actions that take no resource.
    star_like: bool,
    /// Resource types checked so far, and whether the entry may name one.
    checked: Vec<(&'static str, bool)>,
}

impl<'r> ResourceShape<'r> {
    fn new(service: &'static Service, resource: &'r str) -> ResourceShape<'r> {
        ResourceShape {
            resource,
            service,
            variable: variables::contains_variable(resource),
            // AWS rule: actions without a resource type need "*"; AWS examples also use
            // arn:aws:s3:::* for s3:ListAllMyBuckets (S3 "Policy actions" page).
            star_like: resource.bytes().all(|b| b == b'*')
                || resource == "arn:aws:s3:::*"
                || resource.ends_with(":*") && !resource.contains('/'),
            checked: Vec::new(),
        }
    }

    fn may_be(&mut self, type_name: &str, memo: &mut Memo<'r>) -> bool {
        if let Some((_, known)) = self
            .checked
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(type_name))
        {
            return *known;
        }
        let Some(rt) = self.service.resource_type(type_name) else {
            return false;
        };
        let answer = memo.may_be(rt, self.resource);
        self.checked.push((rt.name(), answer));
        answer
    }
}

/// Answers of [`resource_may_be`] for one policy: bucket policies repeat the same few
/// resources in many statements. Also the compiled patterns of ARN template tails and of
/// resource parts, each compared with many resource types.
#[derive(Default)]
pub(super) struct Memo<'r> {
    answers: Vec<(&'static ResourceType, &'r str, bool)>,
    templates: Vec<(&'static str, Pattern)>,
    parts: Vec<(&'r str, Pattern)>,
}

impl<'r> Memo<'r> {
    fn may_be(&mut self, rt: &'static ResourceType, resource: &'r str) -> bool {
        if let Some((_, _, known)) = self
            .answers
            .iter()
            .find(|(t, r, _)| std::ptr::eq(*t, rt) && *r == resource)
        {
            return *known;
        }
        let answer = resource_may_be(rt.name(), rt.arn_template(), resource, self);
        self.answers.push((rt, resource, answer));
        answer
    }

    /// Whether the resource part `part` intersects the pattern of the template tail `tail`
    /// (`${Var}` as `*`).
    fn tail_intersects(&mut self, tail: &'static str, part: &'r str) -> bool {
        let t = match self.templates.iter().position(|(t, _)| *t == tail) {
            Some(i) => i,
            None => {
                self.templates.push((tail, template_pattern(tail)));
                self.templates.len() - 1
            }
        };
        let p = match self.parts.iter().position(|(p, _)| *p == part) {
            Some(i) => i,
            None => {
                self.parts.push((part, Pattern::new(part)));
                self.parts.len() - 1
            }
        };
        match (self.templates.get(t), self.parts.get(p)) {
            (Some((_, tpl)), Some((_, part))) => wildcard::intersects(tpl, part, Case::Sensitive),
            _ => true,
        }
    }
}

/// Whether `action` of `service` accepts the resource ARN `resource`: the judgement of P303
/// for one action and one resource (`query` warns with it before deciding).
pub fn action_accepts_resource(service: &'static Service, action: &Action, resource: &str) -> bool {
    let mut memo = Memo::default();
    let mut shape = ResourceShape::new(service, resource);
    action_accepts(action, &mut shape, &mut memo)
}

/// Whether `action` accepts a resource of this shape.
fn action_accepts<'r>(action: &Action, shape: &mut ResourceShape<'r>, memo: &mut Memo<'r>) -> bool {
    if shape.variable {
        return true;
    }
    let types = action.resource_types();
    if types.is_empty() {
        return shape.star_like;
    }
    types.iter().any(|t| shape.may_be(t.name(), memo))
}

/// Whether a Resource pattern may denote a resource of the given type.
fn resource_may_be<'r>(
    type_name: &str,
    template: &'static str,
    resource: &'r str,
    memo: &mut Memo<'r>,
) -> bool {
    let Ok(arn) = crate::arn::parse(resource) else {
        return false;
    };
    let mut tpl_parts = template.splitn(6, ':');
    let res_parts = [arn.partition, arn.service, arn.region, arn.account];
    // First five segments: a template variable matches anything; literals must intersect.
    // (`res_parts` drives the zip, so the template's sixth part is left for the tail.)
    for (&r, t) in res_parts.iter().zip(tpl_parts.by_ref().skip(1)) {
        if t.contains("${") {
            continue;
        }
        if !t.contains(['*', '?']) && !r.contains(['*', '?']) {
            if t != r {
                return false;
            }
            continue;
        }
        if !wildcard::intersects(&Pattern::new(t), &Pattern::new(r), Case::Sensitive) {
            return false;
        }
    }
    let tail = tpl_parts.next().unwrap_or("");
    let part = arn.resource;
    // S3 bucket and access point names never contain `/`, so a bucket pattern must not
    // require one, and an object pattern must allow one.
    match type_name {
        "bucket" | "accesspoint" => {
            let prefix = tail.split("${").next().unwrap_or("");
            let rest = if prefix.is_empty() {
                Some(part)
            } else {
                part.strip_prefix(prefix)
            };
            match rest {
                Some(name) => !name.contains('/'),
                None => part.starts_with('*'),
            }
        }
        "object" | "accesspointobject" => {
            memo.tail_intersects(tail, part) && (part.contains('/') || part.contains(['*', '?']))
        }
        _ => memo.tail_intersects(tail, part),
    }
}

/// An ARN template's part with every `${Var}` turned into `*`.
fn template_pattern(tail: &str) -> Pattern {
    let mut b = wildcard::PatternBuilder::new();
    let mut rest = tail;
    while let Some(start) = rest.find("${") {
        b.literal(rest.get(..start).unwrap_or(""));
        b.any_run();
        rest = rest
            .get(start..)
            .and_then(|r| r.find('}').map(|e| &r[e + 1..]))
            .unwrap_or("");
    }
    b.literal(rest);
    b.build()
}

/// An example resource of a type `action` accepts, derived from the statement's first resource.
fn example_resource(
    service: &Service,
    action: Option<&Action>,
    first: Option<&str>,
) -> Option<String> {
    let action = action?;
    if service.prefix() != "s3" {
        return None;
    }
    let arn = crate::arn::parse(first?).ok()?;
    let bucket = arn.resource.split('/').next()?.trim_end_matches('*');
    let names: Vec<&str> = action.resource_types().iter().map(|t| t.name()).collect();
    if names.contains(&"object") {
        Some(format!("arn:{}:s3:::{bucket}/*", arn.partition))
    } else if names.contains(&"bucket") {
        Some(format!("arn:{}:s3:::{bucket}", arn.partition))
    } else if names.is_empty() {
        Some("*".to_string())
    } else {
        None
    }
}
