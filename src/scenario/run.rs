//! Runs a read scenario: loads the documents it names, builds the graph (with the S3 facts)
//! each request is decided on, and decides every request.

use super::model::{Policies, PolicyRef, RequestSpec, Scenario};
use super::problems::Problems;
use super::proofs::{self, ProofOutcome};
use super::{Outcome, s3_facts};
use crate::contain::Root;
use crate::eval::{self, Graph, Layer, LoadError, Request};
use crate::load::{self, LoadOptions};
use crate::registry::Severity;
use crate::source::SourceFile;
use std::rc::Rc;

/// Decides every request of `scenario` (read from `source`), and proves its assertions;
/// requests without a time of their own or of the scenario's are made at `default_time`.
pub(super) fn outcomes(
    scenario: Scenario,
    source: &SourceFile,
    default_time: i64,
    root: &Root,
    problems: &mut Problems,
) -> (Vec<Outcome>, Vec<ProofOutcome>) {
    let owner = scenario.bucket_owner;
    let mut base = match scenario.s3 {
        Some(section) => s3_facts::bucket(section, source, owner.as_deref(), root, problems).graph,
        None => Graph::new(),
    };
    if let Some(policies) = &scenario.policies {
        add_policies(&mut base, source, policies, problems);
    }
    let base = Rc::new(base);
    let scenario_time = scenario.time.unwrap_or(default_time);
    // The proofs' KMS leg: the scenario's key, with its grants beside the key policy.
    let (kms, proof_graph) = match scenario.kms {
        Some((key, grants)) => {
            let mut g = (*base).clone();
            let grants = grants.and_then(|d| {
                s3_facts::load::<crate::aws_docs::kms::KeyGrants>(d, source, problems)
            });
            if let Some(l) = grants {
                g.add_kms_grants(&l.source, &l.doc.grants);
            }
            (Some(key), Some(g))
        }
        None => (None, None),
    };
    let setting = proofs::Setting {
        graph: proof_graph.as_ref().unwrap_or(&base),
        owner: owner.as_deref(),
        organization: scenario.organization.as_deref(),
        now: scenario_time,
        kms: kms.as_ref(),
    };
    let proved = proofs::prove(scenario.proofs, &setting, problems);
    let decided = scenario
        .requests
        .into_iter()
        .map(|req| {
            let owner = req.bucket_owner.clone().or_else(|| owner.clone());
            outcome(req, &base, owner, scenario_time, (source, root), problems)
        })
        .collect();
    (decided, proved)
}

/// Decides one request, on the scenario's graph or on its own when it replaces parts of it.
fn outcome(
    req: RequestSpec,
    base: &Rc<Graph>,
    owner: Option<String>,
    scenario_time: i64,
    (source, root): (&SourceFile, &Root),
    problems: &mut Problems,
) -> Outcome {
    let s3 = req
        .s3
        .map(|section| s3_facts::bucket(section, source, owner.as_deref(), root, problems).graph);
    let graph = if req.policies.is_some() || s3.is_some() {
        let g = request_graph(base, s3, req.policies.as_ref(), source, problems);
        Rc::new(g)
    } else {
        base.clone()
    };
    let now = req.time.unwrap_or(scenario_time);
    let request = Request::new(
        req.caller,
        &req.action,
        &req.resource,
        owner.as_deref(),
        &req.context,
        now,
    );
    // Through an Object Lambda access point of the bucket folder: every leg must allow.
    let mut response = match eval::object_lambda::decide_through(&graph, &request, true) {
        Some(d) => d.response(),
        None => eval::decide(&graph, &request, true),
    };
    // The KMS leg: the key policy and the caller's documents of the same graph.
    if let Some(key) = req.kms {
        let mut leg_graph = eval::kms::leg_graph(&graph);
        let grants = req
            .kms_grants
            .and_then(|d| s3_facts::load::<crate::aws_docs::kms::KeyGrants>(d, source, problems));
        if let Some(g) = grants {
            leg_graph.add_kms_grants(&g.source, &g.doc.grants);
        }
        let object = request.resource.clone();
        if let Some(leg) = eval::kms::KmsLeg::decide(leg_graph, key, &request, &object, true) {
            crate::query::kms::fold(&mut response, &leg);
        }
    }
    Outcome {
        name: req.name,
        expected: req.expected,
        request,
        response,
        graph,
        span: req.span,
    }
}

/// The graph of a request that gives its own layers or `s3` section: each replaces the
/// scenario's (its `s3` section brings its own access points; without one the scenario's
/// access points and S3 facts stay).
fn request_graph(
    base: &Graph,
    s3: Option<Graph>,
    policies: Option<&Policies>,
    source: &SourceFile,
    problems: &mut Problems,
) -> Graph {
    let mut g = s3.unwrap_or_else(|| {
        let mut g = Graph::new();
        g.s3 = base.s3.clone();
        for d in base.documents_of(Layer::AccessPoint).map(|(_, d)| d) {
            g.add(d.source.clone(), d.policy.clone(), d.layer, d.level);
        }
        g
    });
    let overridden: Vec<Layer> = policies
        .map(|p| p.layers.iter().map(|l| l.layer).collect())
        .unwrap_or_default();
    // The endpoints the scenario's endpoint policies belong to (their documents' levels).
    if !overridden.contains(&Layer::VpcEndpoint) {
        g.vpc_endpoints.clone_from(&base.vpc_endpoints);
    }
    for d in base
        .documents
        .iter()
        .filter(|d| d.layer != Layer::AccessPoint && !overridden.contains(&d.layer))
    {
        g.add(d.source.clone(), d.policy.clone(), d.layer, d.level);
    }
    if let Some(policies) = policies {
        add_policies(&mut g, source, policies, problems);
    }
    g
}

/// Adds the documents of `policies` to `graph`, layer by layer, each level in order.
fn add_policies(
    graph: &mut Graph,
    scenario: &SourceFile,
    policies: &Policies,
    problems: &mut Problems,
) {
    for given in &policies.layers {
        for (level, docs) in given.levels.iter().enumerate() {
            if docs.is_empty() {
                graph.add_empty_level(given.layer, level);
            }
            for doc in docs {
                add_policy(graph, scenario, doc, (given.layer, level), problems);
            }
        }
    }
}

/// Lints a policy with the kind of its layer and adds it to `graph` at `place` (layer and
/// organisation level); one with an error-level finding is reported instead (AWS would not
/// accept it), and an unreadable file where its path is written.
fn add_policy(
    graph: &mut Graph,
    scenario: &SourceFile,
    doc: &PolicyRef,
    (layer, level): (Layer, usize),
    problems: &mut Problems,
) {
    if layer == Layer::VpcEndpoint {
        super::vpce::add(graph, scenario, doc, problems);
        return;
    }
    match doc {
        PolicyRef::Inline(value) => {
            let options = LoadOptions::of_kind(layer.kind());
            let analysis = load::analyze_value(scenario.clone(), value, &options, Vec::new());
            if analysis.report.max_severity() == Some(Severity::Error) {
                problems.report(analysis.report);
                return;
            }
            for p in analysis.policies {
                graph.add(scenario.clone(), p, layer, level);
            }
        }
        PolicyRef::File { path, span, mark } => match eval::add_file(graph, path, layer, level) {
            Ok(_) => {}
            Err(LoadError::Io(p, err)) => {
                problems.error_at(*mark, *span, format!("cannot read `{p}`: {err}"));
            }
            Err(LoadError::Invalid(report) | LoadError::NoPolicy(report)) => {
                problems.report(*report);
            }
        },
    }
}
