//! `aws ec2 describe-vpc-endpoints` output in `lint`: the policy of each endpoint, embedded
//! as a JSON string, is linted like any policy (its findings located inside the string), and
//! with the audit each endpoint is asked S522. A file the reader refuses gets the reader's
//! located errors instead of passing as a document not linted.

use crate::aws_docs::AwsDocument;
use crate::aws_docs::read;
use crate::aws_docs::vpce::VpcEndpoints;
use crate::document::KindSource;
use crate::eval::graph::Layer;
use crate::load::{self, Analysis, FileKind, LoadOptions, MAX_FINDINGS};

/// What the file kind says once its endpoint policies are linted.
const WRAPPER: &str = "ec2 describe-vpc-endpoints output";

/// Lints the endpoint policies of `analysis` when its file is a VPC endpoint description;
/// `audit`: also the endpoint rules.
pub fn endpoints(analysis: &mut Analysis, audit: bool) {
    if analysis.report.file_kind
        != (FileKind::Other {
            what: VpcEndpoints::WHAT,
        })
    {
        return;
    }
    let source = analysis.report.source.clone();
    let loaded = match read::read_source::<VpcEndpoints>(&source) {
        Ok(l) => l,
        Err(refused) => {
            // In a bucket folder the folder's own reading reports the file's errors.
            if !crate::aws_docs::folder::in_folder(std::path::Path::new(source.name())) {
                analysis.report.findings.extend(refused.findings);
                analysis.report.file_kind = FileKind::Unknown;
            }
            return;
        }
    };
    let report = &mut analysis.report;
    let options = LoadOptions::of_kind(Layer::VpcEndpoint.kind());
    for e in &loaded.doc.endpoints {
        let Some(policy) = &e.policy else { continue };
        if report.findings.len() > MAX_FINDINGS {
            break;
        }
        let linted = load::analyze_value(source.clone(), policy, &options, Vec::new());
        let rejected = linted.report.max_severity() == Some(crate::registry::Severity::Error);
        report.findings.extend(linted.report.findings);
        if audit
            && !rejected
            && let Some(f) = crate::audit::vpce::full_access(e, &linted.policies, &source)
        {
            report
                .findings
                .extend(load::locate(&source, vec![f], &[policy]));
        }
        report.file_kind = FileKind::Policy {
            kind: options.kind.unwrap_or(crate::policy::PolicyKind::Resource),
            kind_source: KindSource::Wrapper,
            wrapper: Some(WRAPPER),
        };
    }
    report.findings.sort_by_key(|f| f.finding.span.start);
}
