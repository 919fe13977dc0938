//! S3 Object Lambda access points: a request through one is three requests, each decided by
//! [`decide`] on its own graph (S3 "Configuring IAM policies for Object Lambda access
//! points": the IAM identity, the supporting access point with its bucket, the Object Lambda
//! access point and the Lambda function must all grant):
//!
//! 1. the Object Lambda access point leg: `s3-object-lambda:ACTION` on the Object Lambda
//!    access point's ARN, decided by the caller-side documents and its policy (the resource
//!    policy of that request), under its own Block Public Access;
//! 2. the supporting access point leg: `s3:ACTION` through the supporting access point, made
//!    with the caller's credentials and `aws:CalledVia` `s3-object-lambda.amazonaws.com`,
//!    decided through that access point and the bucket like any access point request;
//! 3. the Lambda leg, for the operations the configuration transforms: `lambda:InvokeFunction`
//!    of the configured function by the caller, also with `aws:CalledVia`, decided by the
//!    caller-side documents only (the function's own policy is not read; for a caller of
//!    another account it must allow too, which the answer states as an assumption).
//!
//! The request is allowed only when every leg allows; the first leg that does not decides.

use crate::aws_docs::folder::{ObjectLambdaFolder, Setting};
use crate::aws_docs::object_lambda::{olap_parts, supporting_parts};
use crate::eval::bucket::BucketModel;
use crate::eval::context::Origin;
use crate::eval::decide::{Decision, LayerReport, Response, Stage, Uncertainty, decide};
use crate::eval::graph::{Graph, Layer};
use crate::eval::request::Request;
use crate::eval::s3_facts::{BpaLevel, BpaSetting, Place, S3Facts};
use crate::load::{self, FileReport, LoadOptions};
use crate::policy::Policy;
use crate::registry::Severity;
use crate::source::SourceFile;
use std::sync::Arc;

/// The service principal S3 Object Lambda calls other services as: the value of
/// `aws:CalledVia` in the requests it makes with the caller's credentials.
// AWS rule: the IAM policy example of S3 "Configuring IAM policies for Object Lambda access
// points" grants `lambda:InvokeFunction` and the supporting access point's actions under
// `ForAnyValue:StringEquals` `aws:CalledVia` `s3-object-lambda.amazonaws.com`.
pub const CALLED_VIA: &str = "s3-object-lambda.amazonaws.com";

/// An Object Lambda access point whose supporting access point is on the bucket.
#[derive(Debug, Clone)]
pub struct ObjectLambdaFacts {
    /// Its name.
    pub name: String,
    /// Its account: the supporting access point's (the configuration names no other).
    pub account: String,
    /// Its region: the supporting access point's.
    pub region: String,
    /// The supporting access point's ARN.
    pub supporting: String,
    /// The transformations: the operations (`GetObject`, ...) and the function ARN.
    pub transformations: Vec<(Vec<String>, String)>,
    /// Its own Block Public Access settings, from its description; `None` when not given.
    pub bpa: Option<BpaSetting>,
    /// Its policy documents (none when it has no policy).
    pub policy: Vec<(SourceFile, Arc<Policy>)>,
    /// Whether its policy is known (given, or known not to exist).
    pub policy_known: bool,
    /// Where its configuration is written.
    pub place: Option<Place>,
}

impl ObjectLambdaFacts {
    /// `arn:aws:s3-object-lambda:REGION:ACCOUNT:accesspoint/NAME`.
    pub fn arn(&self, partition: &str) -> String {
        format!(
            "arn:{partition}:s3-object-lambda:{}:{}:accesspoint/{}",
            self.region, self.account, self.name
        )
    }

    /// How messages name it.
    pub fn label(&self) -> String {
        format!("Object Lambda access point `{}`", self.name)
    }

    /// The graph of the Object Lambda access point leg: the caller-side documents of
    /// `main` and its policy as the resource policy, with its own Block Public Access.
    pub fn leg_graph(&self, main: &Graph) -> Graph {
        let mut g = caller_side(main);
        for (source, policy) in &self.policy {
            g.add(source.clone(), Arc::clone(policy), Layer::Bucket, 0);
        }
        g.s3 = S3Facts {
            bucket_bpa: self.bpa.clone(),
            object_lambda_leg: true,
            ..S3Facts::default()
        };
        g
    }

    /// The functions S3 Object Lambda invokes for `action` (`s3-object-lambda:…`, lowercase),
    /// and whether the action stands for several operations of which only some are
    /// transformed (a List of either version, say).
    // AWS rule: "With S3 Object Lambda, GET requests will automatically invoke Lambda
    // functions and all other requests will be forwarded to S3" (S3 "Configuring IAM policies
    // for Object Lambda access points", context keys); the configuration's `Actions` name the
    // operations transformed (GetObject, HeadObject, ListObjects, ListObjectsV2).
    pub fn functions_for(&self, action_lower: &str) -> (Vec<&str>, bool) {
        let operations: &[&str] = match action_lower {
            "s3-object-lambda:getobject" | "s3-object-lambda:getobjectversion" => &["GetObject"],
            "s3-object-lambda:listbucket" => &["ListObjects", "ListObjectsV2"],
            _ => &[],
        };
        let mut out = Vec::new();
        let mut partial = false;
        for (actions, function) in &self.transformations {
            let hits = operations
                .iter()
                .filter(|o| actions.iter().any(|a| a == *o))
                .count();
            if hits > 0 {
                out.push(function.as_str());
                partial |= hits < operations.len();
            }
        }
        (out, partial)
    }
}

/// The caller-side documents of `main` (organisation levels, identity, boundary, session).
fn caller_side(main: &Graph) -> Graph {
    let mut g = Graph::new();
    for layer in [Layer::Scp, Layer::Rcp] {
        for level in 0..main.levels(layer) {
            g.add_empty_level(layer, level);
        }
    }
    let side = [
        Layer::Scp,
        Layer::Rcp,
        Layer::Identity,
        Layer::PermissionsBoundary,
        Layer::Session,
    ];
    for d in main.documents.iter().filter(|d| side.contains(&d.layer)) {
        g.add(d.source.clone(), Arc::clone(&d.policy), d.layer, d.level);
    }
    g
}

impl S3Facts {
    /// The Object Lambda access point a resource ARN names, and the object key (for
    /// `…:accesspoint/NAME/object/KEY`).
    pub fn object_lambda_of<'r>(&self, resource: &'r str) -> Option<(usize, Option<&'r str>)> {
        let (region, account, name, key) = olap_parts(resource)?;
        let index = self
            .object_lambda
            .iter()
            .position(|o| o.name == name && o.account == account && o.region == region)?;
        Some((index, key))
    }
}

impl BucketModel {
    /// Adds an Object Lambda access point whose supporting access point is one of this
    /// bucket's (by the configuration; the folder check is the caller's). Its policy is read
    /// and validated as an access point policy but kept out of the bucket's graph: it decides
    /// only the requests made through it.
    pub fn add_object_lambda(&mut self, f: &ObjectLambdaFolder) -> Result<(), Vec<FileReport>> {
        let Setting::Present(c) = &f.configuration else {
            return Ok(());
        };
        let Some((region, account, _)) = supporting_parts(&c.doc.supporting_access_point.value)
        else {
            return Ok(());
        };
        let mut policy = Vec::new();
        if let Setting::Present(p) = &f.policy {
            let options = LoadOptions::of_kind(Layer::AccessPoint.kind());
            let analysis = load::analyze_value(p.source.clone(), &p.root, &options, Vec::new());
            if analysis.report.max_severity() == Some(Severity::Error) {
                return Err(vec![analysis.report]);
            }
            policy = analysis
                .policies
                .into_iter()
                .map(|d| (p.source.clone(), Arc::new(d)))
                .collect();
            self.reports.push(analysis.report);
        }
        let bpa = f.access_point.loaded().and_then(|d| {
            let flags = d.doc.public_access_block?;
            Some(BpaSetting::from_file(
                flags,
                BpaLevel::ObjectLambdaAccessPoint,
                d.source.clone(),
                &d.root,
            ))
        });
        self.graph.s3.object_lambda.push(ObjectLambdaFacts {
            name: f.name.clone(),
            account,
            region,
            supporting: c.doc.supporting_access_point.value.clone(),
            transformations: c
                .doc
                .transformations
                .iter()
                .map(|t| {
                    let ops = t.actions.iter().map(|a| a.value.clone()).collect();
                    (ops, t.function_arn.value.clone())
                })
                .collect(),
            bpa,
            policy,
            policy_known: !f.policy.is_unknown(),
            place: Some(Place {
                source: c.source.clone(),
                span: c.doc.span,
            }),
        });
        Ok(())
    }
}

/// Which leg.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LegKind {
    /// The request to the Object Lambda access point.
    ObjectLambda,
    /// The request through the supporting access point to the bucket.
    SupportingAccessPoint,
    /// The invocation of the Lambda function.
    Lambda,
}

impl LegKind {
    /// A display name.
    pub fn as_str(self) -> &'static str {
        match self {
            LegKind::ObjectLambda => "the Object Lambda access point",
            LegKind::SupportingAccessPoint => "the supporting access point and the bucket",
            LegKind::Lambda => "the Lambda function invocation",
        }
    }
}

/// One leg, decided.
#[derive(Debug)]
pub struct Leg {
    /// Which leg.
    pub kind: LegKind,
    /// Its graph; `None` for the bucket's own graph (the supporting access point leg).
    pub graph: Option<Box<Graph>>,
    /// The request.
    pub request: Request,
    /// The answer.
    pub response: Response,
}

/// A request through an Object Lambda access point, decided leg by leg.
#[derive(Debug)]
pub struct ObjectLambdaDecision {
    /// The Object Lambda access point (index into the graph's `object_lambda`).
    pub index: usize,
    /// Its label.
    pub label: String,
    /// The legs, in the order S3 Object Lambda needs them.
    pub legs: Vec<Leg>,
    /// Allow only when every leg allows.
    pub decision: Decision,
    /// The leg that decided a denial.
    pub denied_by: Option<LegKind>,
    /// What could make the answer wrong.
    pub uncertain: Vec<Uncertainty>,
    /// Assumptions made.
    pub notes: Vec<String>,
}

impl ObjectLambdaDecision {
    /// The graph a leg was decided on.
    pub fn graph_of<'g>(&'g self, leg: &'g Leg, main: &'g Graph) -> &'g Graph {
        leg.graph.as_deref().unwrap_or(main)
    }

    /// One answer on the bucket's graph: the supporting access point leg's, with the
    /// combined decision; when another leg decided, its statements are not the bucket
    /// graph's, so none are named and a note says which leg denied.
    pub fn response(&self) -> Response {
        let mut base = self
            .legs
            .iter()
            .find(|l| l.kind == LegKind::SupportingAccessPoint)
            .map(|l| l.response.clone())
            .unwrap_or_else(|| {
                let mut r = self
                    .legs
                    .first()
                    .map(|l| l.response.clone())
                    .unwrap_or_else(|| decide(&Graph::new(), &empty_request(), false));
                r.determining.clear();
                r.grants.clear();
                r.trace.clear();
                r
            });
        if self
            .denied_by
            .is_some_and(|k| k != LegKind::SupportingAccessPoint)
        {
            base.determining.clear();
            base.grants.clear();
            base.kms_grants.clear();
        }
        base.decision = self.decision;
        base.notes.extend(self.notes.iter().cloned());
        base.uncertain = self.uncertain.clone();
        base
    }
}

/// A request that matches nothing (the base of an answer without a leg on the main graph).
fn empty_request() -> Request {
    Request::new(
        crate::eval::Caller::Anonymous,
        "s3:GetObject",
        "*",
        None,
        &[],
        0,
    )
}

/// The `s3:` action a `s3-object-lambda:` action is forwarded as; `None` for the ones that
/// are not requests through the access point (`WriteGetObjectResponse`, which the function
/// calls).
fn forwarded_action(action: &str) -> Option<String> {
    let name = action.split_once(':')?.1;
    if name.eq_ignore_ascii_case("WriteGetObjectResponse") {
        return None;
    }
    let known = crate::catalog::service("s3").and_then(|s| s.action(name));
    known.map(|a| format!("s3:{}", a.name()))
}

/// The keys S3 Object Lambda sets on the requests it makes with the caller's credentials.
fn via_object_lambda(r: &mut Request) {
    // AWS rule: a request a service makes with the caller's credentials carries the service
    // in aws:CalledVia (first and last when it is the only one) and aws:ViaAWSService true
    // (IAM "Global condition context keys", aws:CalledVia, "Forward access sessions").
    let mut set = |k: &str, v: &str| r.context.set(k, vec![v.to_string()], Origin::Default);
    set("aws:CalledVia", CALLED_VIA);
    set("aws:CalledViaFirst", CALLED_VIA);
    set("aws:CalledViaLast", CALLED_VIA);
    set("aws:ViaAWSService", "true");
}

/// Decides `request` when it names an Object Lambda access point of `graph` (its ARN, or
/// `…/object/KEY` for an object through it); `None` otherwise.
pub fn decide_through(
    graph: &Graph,
    request: &Request,
    explain: bool,
) -> Option<ObjectLambdaDecision> {
    // Requests through it are authorized as `s3-object-lambda:` actions (the service prefix
    // of its ARN and of the catalogue's `objectlambdaaccesspoint` actions).
    if !request.action_lower.starts_with("s3-object-lambda:") {
        return None;
    }
    let (index, key) = graph.s3.object_lambda_of(&request.resource)?;
    let olap = graph.s3.object_lambda.get(index)?;
    let s3_action = forwarded_action(&request.action)?;
    let partition = crate::arn::Arn::split(&request.resource).map_or("aws", |a| a.partition);
    let mut uncertain = Vec::new();
    let mut notes = Vec::new();
    let mut legs = Vec::new();
    // 1. The Object Lambda access point: its ARN is the resource (the catalogue's
    // `objectlambdaaccesspoint` type has no object part).
    let leg_graph = olap.leg_graph(graph);
    let olap_request = request.retarget(&olap.arn(partition), &olap.account, &[]);
    let response = decide(&leg_graph, &olap_request, explain);
    legs.push(Leg {
        kind: LegKind::ObjectLambda,
        graph: Some(Box::new(leg_graph)),
        request: olap_request,
        response,
    });
    // 2. The supporting access point, for the object or the access point itself.
    let supporting = match key {
        Some(k) => format!("{}/object/{k}", olap.supporting),
        None => olap.supporting.clone(),
    };
    let mut s3_request = request.retarget(&supporting, &request.resource_account, &[]);
    s3_request.action_lower = s3_action.to_ascii_lowercase();
    s3_request.action = s3_action;
    via_object_lambda(&mut s3_request);
    if graph.s3.access_point_of(&s3_request.resource).is_none() {
        uncertain.push(Uncertainty {
            statement: None,
            reason: format!(
                "the supporting access point {} of {} was not given (`access-points/` in the bucket folder): the request through it is evaluated as written",
                olap.supporting,
                olap.label()
            ),
            if_not_allowed: false,
        });
    }
    let response = decide(graph, &s3_request, explain);
    legs.push(Leg {
        kind: LegKind::SupportingAccessPoint,
        graph: None,
        request: s3_request,
        response,
    });
    // 3. The Lambda functions that transform this operation.
    let (functions, partial) = olap.functions_for(&request.action_lower);
    let mut allow_only = Vec::new();
    for function in functions {
        let doubts = (&mut uncertain, &mut allow_only);
        legs.push(lambda_leg(
            graph, request, function, explain, &mut notes, doubts,
        ));
    }
    if partial {
        notes.push(format!(
            "{} transforms only some of the operations `{}` stands for: the Lambda leg applies to those",
            olap.label(),
            request.action
        ));
    }
    let mut d = combine(olap, index, legs, uncertain, notes);
    if d.decision == Decision::Allow {
        d.uncertain.extend(allow_only);
    }
    Some(d)
}

/// The Lambda leg: `lambda:InvokeFunction` of `function` by the caller, decided by the
/// caller-side documents alone. `doubts`: what could make any answer wrong, and what could
/// only make an `Allow` wrong (a function policy that was not read).
fn lambda_leg(
    graph: &Graph,
    request: &Request,
    function: &str,
    explain: bool,
    notes: &mut Vec<String>,
    doubts: (&mut Vec<Uncertainty>, &mut Vec<Uncertainty>),
) -> Leg {
    let (uncertain, allow_only) = doubts;
    let function_account = crate::arn::Arn::split(function)
        .map(|a| a.account.to_string())
        .unwrap_or_default();
    let caller_account = request.caller.account().unwrap_or_default().to_string();
    // The function's resource policy is not read: the identity side is decided in the
    // caller's own account, and for a function of another account its policy is an
    // assumption stated with the answer.
    let mut r = request.forwarded("lambda:InvokeFunction", function, &caller_account);
    via_object_lambda(&mut r);
    if !function_account.is_empty() {
        let owner = vec![function_account.clone()];
        r.context.set("aws:ResourceAccount", owner, Origin::Default);
    }
    if !function_account.is_empty() && function_account != caller_account {
        allow_only.push(Uncertainty {
            statement: None,
            reason: format!(
                "the Lambda function {function} is in account {function_account}: its resource policy must also let the caller invoke it, and it was not read"
            ),
            if_not_allowed: false,
        });
    }
    // AWS rule: "If using a Lambda function from your account you must include the function
    // version in your policy statement" (S3 "Configuring IAM policies for Object Lambda
    // access points"): an unqualified function is invoked as `:$LATEST`.
    let unqualified = function.matches(':').count() == 6;
    if unqualified {
        let latest = format!("{function}:$LATEST");
        let plain = decide(&caller_side(graph), &r, false).decision;
        r = r.retarget(&latest, &caller_account, &[]);
        let owner = vec![function_account.clone()];
        r.context.set("aws:ResourceAccount", owner, Origin::Default);
        notes.push(format!(
            "the function is configured without a version: S3 Object Lambda invokes {latest}"
        ));
        let leg_graph = caller_side(graph);
        let response = decide(&leg_graph, &r, explain);
        if plain != response.decision {
            uncertain.push(Uncertainty {
                statement: None,
                reason: format!(
                    "the identity policies decide `lambda:InvokeFunction` differently for {function} ({}) and {latest} ({}): which ARN S3 Object Lambda's invocation is authorized against decides",
                    plain.as_str(),
                    response.decision.as_str()
                ),
                if_not_allowed: false,
            });
        }
        return Leg {
            kind: LegKind::Lambda,
            graph: Some(Box::new(leg_graph)),
            request: r,
            response,
        };
    }
    let leg_graph = caller_side(graph);
    let response = decide(&leg_graph, &r, explain);
    Leg {
        kind: LegKind::Lambda,
        graph: Some(Box::new(leg_graph)),
        request: r,
        response,
    }
}

/// The combined decision: the first leg that does not allow decides.
fn combine(
    olap: &ObjectLambdaFacts,
    index: usize,
    mut legs: Vec<Leg>,
    mut uncertain: Vec<Uncertainty>,
    mut notes: Vec<String>,
) -> ObjectLambdaDecision {
    rename_policy_layer(&mut legs);
    let denied = legs.iter().find(|l| l.response.decision != Decision::Allow);
    let decision = denied.map_or(Decision::Allow, |l| l.response.decision);
    let denied_by = denied.map(|l| l.kind);
    if let Some(l) = denied {
        notes.push(format!(
            "{}: {} denies ({}); every leg must allow",
            olap.label(),
            l.kind.as_str(),
            l.response.decision.as_str()
        ));
    }
    if !olap.policy_known {
        uncertain.push(Uncertainty {
            statement: None,
            reason: format!(
                "the policy of {} was not given: it could grant this request",
                olap.label()
            ),
            if_not_allowed: true,
        });
    }
    // Every leg's own doubts, without statement ids (they are another graph's).
    for l in &legs {
        uncertain.extend(l.response.uncertain.iter().map(|u| Uncertainty {
            statement: if l.graph.is_none() { u.statement } else { None },
            ..u.clone()
        }));
    }
    if decision == Decision::Allow {
        uncertain.retain(|u| !u.if_not_allowed);
    }
    ObjectLambdaDecision {
        index,
        label: olap.label(),
        legs,
        decision,
        denied_by,
        uncertain,
        notes,
    }
}

/// The Object Lambda access point leg holds its policy as the resource policy: its layer row
/// says so.
fn rename_policy_layer(legs: &mut [Leg]) {
    for l in legs.iter_mut().filter(|l| l.kind == LegKind::ObjectLambda) {
        for row in &mut l.response.layers {
            if row.layer == Stage::Policy(Layer::Bucket) {
                *row = LayerReport {
                    layer: Stage::ObjectLambdaPolicy,
                    level: row.level,
                    verdict: row.verdict.clone(),
                };
            }
        }
    }
}
