//! Access tests as code: a scenario file holds the documents (inline or by path) and a list
//! of requests with the decision each must get. `s3-access check` runs them in CI.
//! The format is documented in `docs/scenarios.md`.

use crate::diagnostic::Finding;
use crate::eval::{self, Caller, Decision, Graph, Layer, Request, Response};
use crate::json::{self, Kind, Value};
use crate::lint::{self, FileReport, LintOptions};
use crate::registry::{Code, Severity};
use crate::source::{SourceFile, Span};
use std::path::{Path, PathBuf};

/// The outcome of one request of a scenario.
#[derive(Debug)]
pub struct Outcome {
    /// The request's name.
    pub name: String,
    /// The expected decision.
    pub expected: Decision,
    /// The request as built.
    pub request: Request,
    /// The answer.
    pub response: Response,
    /// The graph it was decided on.
    pub graph: std::rc::Rc<Graph>,
    /// Where the request is written.
    pub span: Span,
}

impl Outcome {
    /// Whether the decision is the expected one.
    pub fn passed(&self) -> bool {
        self.expected == self.response.decision && !self.uncertain()
    }

    /// Whether the answer is marked uncertain: it then cannot pass, whatever the decision (a
    /// test must not go green on an answer s3-access could not model).
    pub fn uncertain(&self) -> bool {
        !self.response.uncertain.is_empty()
    }
}

/// The result of running one scenario file.
#[derive(Debug)]
pub struct Report {
    /// The scenario file.
    pub source: SourceFile,
    /// Its description.
    pub description: Option<String>,
    /// One outcome per request, in file order.
    pub outcomes: Vec<Outcome>,
}

/// Why a scenario could not be run: findings located in the scenario file or in a policy it
/// refers to.
#[derive(Debug)]
pub struct Invalid {
    /// Reports with at least one error.
    pub reports: Vec<FileReport>,
}

mod s3;

const TOP: &[&str] = &[
    "description",
    "bucket_owner",
    "time",
    "policies",
    "s3",
    "requests",
];
const REQUEST: &[&str] = &[
    "name",
    "principal",
    "action",
    "resource",
    "bucket_owner",
    "context",
    "policies",
    "expect",
    "reference",
    "time",
    "s3",
];
const LAYERS: &[(&str, Layer)] = &[
    ("identity", Layer::Identity),
    ("bucket", Layer::Bucket),
    ("permissions_boundary", Layer::PermissionsBoundary),
    ("session", Layer::Session),
    ("scp", Layer::Scp),
    ("rcp", Layer::Rcp),
];

/// Collects findings about the scenario file itself.
struct Checker {
    findings: Vec<Finding>,
}

impl Checker {
    fn error(&mut self, span: Span, message: impl Into<String>) {
        self.findings
            .push(Finding::new(Code::WrongType, span, message));
    }

    fn keys(&mut self, v: &Value, allowed: &[&str], what: &str) {
        for m in v.as_object().unwrap_or(&[]) {
            if !allowed.contains(&&*m.key) {
                let hint = crate::suggest::closest(&m.key, allowed.iter().copied())
                    .map(|h| format!("; did you mean `{h}`?"))
                    .unwrap_or_default();
                self.findings.push(Finding::new(
                    Code::UnknownElement,
                    m.key_span,
                    format!("unknown {what} field `{}`{hint}", m.key),
                ));
            }
        }
    }

    fn string(&mut self, v: Option<&Value>, what: &str, parent: Span) -> Option<String> {
        match v {
            Some(x) => match x.as_str() {
                Some(s) => Some(s.to_string()),
                None => {
                    self.error(x.span, format!("`{what}` must be a string"));
                    None
                }
            },
            None => {
                self.error(
                    Span::new(parent.start as usize, parent.start as usize + 1),
                    format!("missing `{what}`"),
                );
                None
            }
        }
    }
}

/// One policy reference inside a scenario: inline JSON, or a path relative to the scenario.
enum PolicyRef<'a> {
    Inline(&'a Value),
    Path(PathBuf, Span),
}

fn policy_refs<'a>(v: &'a Value, dir: &Path) -> Vec<PolicyRef<'a>> {
    match &v.kind {
        Kind::String(s) => vec![PolicyRef::Path(dir.join(&**s), v.span)],
        Kind::Array(items) => items.iter().flat_map(|i| policy_refs(i, dir)).collect(),
        _ => vec![PolicyRef::Inline(v)],
    }
}

/// Adds the documents of one `policies` object to `graph`.
fn add_layers(
    graph: &mut Graph,
    scenario: &SourceFile,
    policies: &Value,
    dir: &Path,
    checker: &mut Checker,
    invalid: &mut Vec<FileReport>,
) {
    checker.keys(
        policies,
        &LAYERS.iter().map(|(k, _)| *k).collect::<Vec<_>>(),
        "policies",
    );
    for (key, layer) in LAYERS {
        let Some(v) = policies.get(key) else { continue };
        // SCPs and RCPs: an array of organisation levels, root first.
        let levels: Vec<&Value> = match (layer, &v.kind) {
            (Layer::Scp | Layer::Rcp, Kind::Array(items)) => items.iter().collect(),
            (Layer::Scp | Layer::Rcp, _) => {
                checker.error(
                    v.span,
                    format!("`{key}` must be an array of organisation levels, root first"),
                );
                continue;
            }
            _ => vec![v],
        };
        for (level, lv) in levels.into_iter().enumerate() {
            for r in policy_refs(lv, dir) {
                let result = match r {
                    PolicyRef::Inline(value) => {
                        let options = crate::load::LoadOptions::of_kind(eval::kind_of(*layer));
                        let analysis = crate::load::analyze_value(
                            scenario.clone(),
                            value,
                            &options,
                            Vec::new(),
                        );
                        if analysis.report.max_severity() == Some(Severity::Error) {
                            Err(eval::LoadError::Invalid(Box::new(analysis.report)))
                        } else {
                            for p in analysis.policies {
                                graph.add(scenario.clone(), p, *layer, level);
                            }
                            Ok(())
                        }
                    }
                    PolicyRef::Path(path, span) => eval::add_file(graph, &path, *layer, level)
                        .map(|_| ())
                        .map_err(|e| match e {
                            eval::LoadError::Io(p, err) => {
                                checker.error(span, format!("cannot read `{p}`: {err}"));
                                eval::LoadError::Io(p, err)
                            }
                            other => other,
                        }),
                };
                match result {
                    Ok(()) => {}
                    Err(eval::LoadError::Invalid(report) | eval::LoadError::NoPolicy(report)) => {
                        invalid.push(*report)
                    }
                    Err(eval::LoadError::Io(..)) => {}
                }
            }
        }
    }
}

/// Runs a scenario file; `path` locates relative policy paths.
pub fn run(source: SourceFile, path: &Path, default_time: i64) -> Result<Report, Invalid> {
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let root = match json::parse(source.text()) {
        Ok(v) => v,
        Err(_) => {
            return Err(Invalid {
                reports: vec![lint::lint_text(source, &LintOptions::default())],
            });
        }
    };
    let mut checker = Checker {
        findings: Vec::new(),
    };
    let mut invalid = Vec::new();
    if root.as_object().is_none() {
        checker.error(
            root.span,
            "a scenario is a JSON object with `policies` and `requests`",
        );
    }
    checker.keys(&root, TOP, "scenario");
    let description = root
        .get("description")
        .and_then(Value::as_str)
        .map(str::to_string);
    let default_owner = root
        .get("bucket_owner")
        .and_then(Value::as_str)
        .map(str::to_string);
    let time = |v: Option<&Value>, checker: &mut Checker| -> i64 {
        match v {
            Some(t) => match t.as_str().and_then(crate::values::parse_date) {
                Some(ms) => ms.div_euclid(1000),
                None => {
                    checker.error(
                        t.span,
                        "`time` must be an ISO 8601 date or epoch seconds (as a string)",
                    );
                    default_time
                }
            },
            None => default_time,
        }
    };
    let scenario_time = time(root.get("time"), &mut checker);
    let mut base = match root.get("s3") {
        Some(v) => {
            s3::read(
                &source,
                v,
                &dir,
                default_owner.as_deref(),
                &mut checker,
                &mut invalid,
            )
            .graph
        }
        None => Graph::new(),
    };
    if let Some(p) = root.get("policies") {
        add_layers(&mut base, &source, p, &dir, &mut checker, &mut invalid);
    }
    let base = std::rc::Rc::new(base);
    let mut outcomes = Vec::new();
    let requests = root
        .get("requests")
        .and_then(Value::as_array)
        .unwrap_or(&[]);
    if root
        .get("requests")
        .and_then(Value::as_array)
        .is_none_or(<[Value]>::is_empty)
    {
        let span = root.get("requests").map_or(Span::new(0, 1), |v| v.span);
        checker.error(span, "`requests` must be a non-empty array");
    }
    for req in requests {
        if req.as_object().is_none() {
            checker.error(req.span, "each request must be an object");
            continue;
        }
        checker.keys(req, REQUEST, "request");
        let name = req
            .get("name")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| format!("request at byte {}", req.span.start));
        let principal = checker.string(req.get("principal"), "principal", req.span);
        let action = checker.string(req.get("action"), "action", req.span);
        let resource = checker.string(req.get("resource"), "resource", req.span);
        let expect = checker.string(req.get("expect"), "expect", req.span);
        let (Some(principal), Some(action), Some(resource), Some(expect)) =
            (principal, action, resource, expect)
        else {
            continue;
        };
        let Some(expected) = Decision::parse(&expect) else {
            if let Some(v) = req.get("expect") {
                checker.error(
                    v.span,
                    format!("`{expect}` is not Allow, ExplicitDeny or ImplicitDeny"),
                );
            }
            continue;
        };
        let caller = match Caller::parse(&principal) {
            Ok(c) => c,
            Err(e) => {
                if let Some(v) = req.get("principal") {
                    checker.error(v.span, e);
                }
                continue;
            }
        };
        let mut given = Vec::new();
        if let Some(ctx) = req.get("context") {
            match ctx.as_object() {
                Some(members) => {
                    for m in members {
                        let scalar = |v: &Value| match &v.kind {
                            Kind::String(s) => Some(s.to_string()),
                            Kind::Number(n) => Some(n.to_string()),
                            Kind::Bool(b) => Some(b.to_string()),
                            _ => None,
                        };
                        match &m.value.kind {
                            Kind::Array(items) => {
                                for i in items {
                                    match scalar(i) {
                                        Some(s) => given.push((m.key.to_string(), s)),
                                        None => checker.error(
                                            i.span,
                                            "context values are strings, numbers or booleans",
                                        ),
                                    }
                                }
                            }
                            _ => match scalar(&m.value) {
                                Some(s) => given.push((m.key.to_string(), s)),
                                None => checker.error(
                                    m.value.span,
                                    "context values are strings, numbers or booleans",
                                ),
                            },
                        }
                    }
                }
                None => checker.error(ctx.span, "`context` must be an object of key: value"),
            }
        }
        let owner = req
            .get("bucket_owner")
            .and_then(Value::as_str)
            .map(str::to_string)
            .or_else(|| default_owner.clone());
        let req_s3 = req.get("s3").map(|v| {
            s3::read(
                &source,
                v,
                &dir,
                owner.as_deref(),
                &mut checker,
                &mut invalid,
            )
        });
        let graph = if req.get("policies").is_some() || req_s3.is_some() {
            // Layers (and an `s3` section) given on the request replace the scenario's.
            let mut g = match req_s3 {
                Some(b) => b.graph,
                None => {
                    let mut g = Graph::new();
                    g.s3 = base.s3.clone();
                    for d in base.documents_of(Layer::AccessPoint).map(|(_, d)| d) {
                        g.add(d.source.clone(), d.policy.clone(), d.layer, d.level);
                    }
                    g
                }
            };
            let overridden: Vec<Layer> = LAYERS
                .iter()
                .filter(|(k, _)| req.get("policies").is_some_and(|p| p.get(k).is_some()))
                .map(|(_, l)| *l)
                .collect();
            for d in base
                .documents
                .iter()
                .filter(|d| d.layer != Layer::AccessPoint && !overridden.contains(&d.layer))
            {
                g.add(d.source.clone(), d.policy.clone(), d.layer, d.level);
            }
            if let Some(p) = req.get("policies") {
                add_layers(&mut g, &source, p, &dir, &mut checker, &mut invalid);
            }
            std::rc::Rc::new(g)
        } else {
            base.clone()
        };
        let now = if req.get("time").is_some() {
            time(req.get("time"), &mut checker)
        } else {
            scenario_time
        };
        let request = Request::new(caller, &action, &resource, owner.as_deref(), &given, now);
        let response = eval::decide(&graph, &request, true);
        outcomes.push(Outcome {
            name,
            expected,
            request,
            response,
            graph,
            span: req.span,
        });
    }
    if !checker.findings.is_empty() {
        let report = lint_report(source.clone(), checker.findings);
        invalid.insert(0, report);
    }
    if !invalid.is_empty() {
        return Err(Invalid { reports: invalid });
    }
    Ok(Report {
        source,
        description,
        outcomes,
    })
}

fn lint_report(source: SourceFile, findings: Vec<Finding>) -> FileReport {
    let located = findings
        .into_iter()
        .map(|finding| {
            let start = source.line_col(finding.span.start);
            let end = source.line_col(finding.span.end);
            lint::Located {
                finding,
                path: String::new(),
                start,
                end,
            }
        })
        .collect();
    FileReport {
        source,
        file_kind: lint::FileKind::Unknown,
        findings: located,
    }
}
