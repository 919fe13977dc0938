//! Infrastructure as code in a lint run: Terraform module directories, plans and
//! CloudFormation templates read ([`crate::iac`]), their policies linted as every policy is,
//! each finding named by the resource address or logical id it belongs to, a note on every
//! value the file leaves unknown (the checks that read it are uncertain, never "safe"), and
//! the file's own suppression comments applied (docs/iac.md).

use super::{Analysis, FileKind, FileReport, LintOptions, Root};
use crate::aws_docs::folder::Part;
use crate::diagnostic::Finding;
use crate::iac::model::IacBucketFolder;
use crate::iac::{self, Extracted, Format, Unknown, terraform};
use crate::registry::Code;
use crate::source::{SourceFile, Span};
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// Lints what an IaC file declares: its policies through the ordinary pipeline
/// ([`iac::analyze`]), then addresses, uncertainty notes and suppression comments.
/// `buckets` are the bucket folders of the unit the file belongs to
/// ([`iac::model::bucket_folders`]): the bucket-level audit runs on those it declares.
pub fn analyze_extracted(
    extracted: &Extracted,
    buckets: &[IacBucketFolder],
    options: &LintOptions,
) -> Analysis {
    let mut analysis = options.with_load(|o| iac::analyze(extracted, o));
    let owners = owners(extracted);
    let report = &mut analysis.report;
    let audited = bucket_audit(extracted, buckets, &report.findings, options);
    // Grammar findings on a placeholder are about the reader's stand-in, not what the user
    // wrote: the uncertainty note below names the unknown instead.
    report
        .findings
        .retain(|f| !(is_grammar(f.finding.code) && on_unknown(&f.finding, &extracted.unknowns)));
    // An unknown the reader made of an error it reports (a reference to nothing) needs no
    // second word.
    let errors: Vec<Span> = report
        .findings
        .iter()
        .filter(|f| f.finding.severity == crate::registry::Severity::Error)
        .map(|f| f.finding.span)
        .collect();
    // The bucket audit's findings come after: an unknown they sit on keeps its note (a public
    // ACL grant on a value holding the unknown owner id is public whatever the id).
    report
        .findings
        .extend(crate::load::locate(&extracted.source, audited, &[]));
    let mut notes: Vec<Finding> = unknowns_that_matter(extracted)
        .into_iter()
        .filter(|u| !errors.contains(&u.span))
        .map(|u| uncertain(u, &extracted.source, extracted.format))
        .collect();
    // The file's findings stay within the cap; the last note says when some were left out.
    let budget = super::MAX_FINDINGS.saturating_sub(report.findings.len());
    if notes.len() > budget {
        notes.truncate(budget);
        let at = notes.last().map_or(Span::new(0, 0), |n| n.span);
        notes.push(Finding::new(
            Code::UnknownValue,
            at,
            "more unknown values in this file are not listed: the checks there are uncertain too",
        ));
    }
    report
        .findings
        .extend(crate::load::locate(&extracted.source, notes, &[]));
    for f in &mut report.findings {
        f.address = owner_of(&owners, f.finding.span).map(str::to_string);
    }
    report
        .findings
        .sort_by_key(|f| (f.finding.span.start, f.finding.span.end, f.finding.code));
    // The variants of an undecided `Fn::If` share their spans: one finding per place.
    report.findings.dedup_by(|a, b| {
        a.finding.code == b.finding.code
            && a.finding.span == b.finding.span
            && a.finding.message == b.finding.message
    });
    analysis
}

/// The bucket-level audit of a bucket folder (`folder::audit_bucket`, the one path bucket
/// folders on disk take) on each bucket of the unit: the findings placed in this file that
/// lint does not already report (same code, same place). A finding on a value not known
/// offline is left out (E016 names it), and so is a claim the unknown could make wrong: no
/// "Block Public Access off" while a flag is unknown (it is read as off), no "nothing refuses"
/// (S201, S202, S203, S510) while a Deny or a policy of the unit is not known (docs/iac.md).
fn bucket_audit(
    extracted: &Extracted,
    buckets: &[IacBucketFolder],
    reported: &[super::Located],
    options: &LintOptions,
) -> Vec<Finding> {
    let name = extracted.source.name();
    let mut out: Vec<Finding> = Vec::new();
    if !options.audit {
        return out;
    }
    // (code, place) of what is already reported, so each bucket finding is one lookup.
    let mut known: std::collections::HashSet<(Code, Span)> = reported
        .iter()
        .map(|r| (r.finding.code, r.finding.span))
        .collect();
    for b in buckets.iter().filter(|b| b.files.iter().any(|f| f == name)) {
        let unsettled = &b.folder.unsettled;
        let open = |p: &[Part]| unsettled.iter().any(|u| p.contains(&u.part));
        let bpa_open = open(&[Part::PublicAccessBlock]);
        let policy_open = open(&[Part::Policy, Part::PolicyDeny]);
        let declared = b.folder.manifest.doc.span;
        let (_, found) = super::folder::audit_bucket(&b.folder, options);
        for a in found.into_iter().filter(|a| a.source.name() == name) {
            let mut f = a.finding;
            // A finding about a whole document (no bucket policy) points at the bucket.
            if f.span.start == 0 && f.span.end <= 1 {
                f.span = declared;
            }
            let on_unknown = unsettled
                .iter()
                .any(|u| u.source.name() == name && overlap(f.span, u.span));
            let unsure = match f.code {
                Code::BlockPublicAccessOff => bpa_open,
                // A Deny holding an unknown is left out of the model (it may not apply), and a
                // policy whose bucket is unknown may be this one: "nothing refuses" is unsure.
                Code::InsecureTransportAllowed
                | Code::UnencryptedUploadAllowed
                | Code::SseCOverHttp
                | Code::PresignedUrlUnlimited => policy_open,
                _ => false,
            };
            if !(on_unknown || unsure || known.contains(&(f.code, f.span))) {
                known.insert((f.code, f.span));
                out.push(f);
            }
        }
    }
    out
}

/// Whether a code is about the policy's grammar or types (`P...`, E008 wrong-type: a
/// `Statement` that is one unknown expression reads as a string).
fn is_grammar(code: Code) -> bool {
    code == Code::WrongType || code.as_str().starts_with('P')
}

/// Whether a finding (or one of its related places) touches an unknown's place.
fn on_unknown(f: &Finding, unknowns: &[Unknown]) -> bool {
    let overlaps = |s: Span| unknowns.iter().any(|u| overlap(s, u.span));
    overlaps(f.span) || f.related.iter().any(|r| overlaps(r.span))
}

fn overlap(a: Span, b: Span) -> bool {
    a.start < b.end.max(b.start + 1) && b.start < a.end.max(a.start + 1)
}

/// The places a finding can belong to, sorted by start: each policy document and bucket
/// setting, each bucket's declaring block, and the statements of a policy written outside its
/// document's span (a `data "aws_iam_policy_document"` block that a resource refers to), each
/// with the resource address or logical id.
pub(super) fn owners(extracted: &Extracted) -> Vec<(Span, String)> {
    let mut out: Vec<(Span, String)> = Vec::new();
    for p in &extracted.policies {
        let doc = p.document.span;
        out.push((doc, p.address.clone()));
        let statements: Vec<&crate::json::Value> = match p.document.get("Statement") {
            Some(v) => match v.as_array() {
                Some(items) => items.iter().collect(),
                None => vec![v],
            },
            None => Vec::new(),
        };
        out.extend(
            statements
                .into_iter()
                .filter(|st| !(doc.start <= st.span.start && st.span.end <= doc.end))
                .take(10_000)
                .map(|st| (st.span, p.address.clone())),
        );
    }
    for b in &extracted.buckets {
        for (_, setting) in &b.settings {
            out.push((setting.span, b.address.clone()));
        }
        out.push((b.span, b.address.clone()));
    }
    out.sort_by_key(|(s, _)| (s.start, std::cmp::Reverse(s.end)));
    out
}

/// The address of the smallest owner containing `span`. Owners are sorted by start and an
/// inner one starts after the one around it, so the candidates are the last few starting at
/// or before `span` (a bounded look back: a file of many owners stays linear).
pub(super) fn owner_of(owners: &[(Span, String)], span: Span) -> Option<&str> {
    let before = owners.partition_point(|(s, _)| s.start <= span.start);
    owners
        .get(..before)
        .unwrap_or_default()
        .iter()
        .rev()
        .take(256)
        .filter(|(s, _)| s.start <= span.start && span.end <= s.end)
        .min_by_key(|(s, _)| s.end - s.start)
        .map(|(_, a)| a.as_str())
}

/// Every unknown of the file, once per place: the readers register only values they need
/// (a policy, a setting, a bucket name, a `count`), so each can decide a verdict. A Terraform
/// document depends on an unknown through its placeholder even when the expression sits
/// elsewhere in the file; those are named too.
fn unknowns_that_matter(extracted: &Extracted) -> Vec<&Unknown> {
    let mut out: Vec<&Unknown> = extracted.unknowns.iter().collect();
    if extracted.format == Format::Terraform {
        for p in &extracted.policies {
            out.extend(terraform::unknowns_in(&p.document, extracted));
        }
    }
    out.sort_by_key(|u| (u.span.start, u.span.end, u.expression.clone()));
    out.dedup_by(|a, b| a.span == b.span && a.expression == b.expression);
    out
}

// rule: E016
/// The note on a value the file leaves unknown: the checks that read it are uncertain, so a
/// missing finding there does not mean "safe" (the soundness rule of docs/iac.md).
fn uncertain(u: &Unknown, source: &SourceFile, format: Format) -> Finding {
    let at = source.line_col(u.span.start);
    let when = match format {
        Format::CloudFormation => "before deployment",
        Format::Terraform | Format::TerraformPlan => "before apply",
    };
    Finding::new(
        Code::UnknownValue,
        u.span,
        format!(
            "uncertain: `{}` at {}:{} is not known {when} ({})",
            one_line(&u.expression),
            at.line,
            at.column,
            u.why
        ),
    )
    .with_help(
        "the checks that read this value cannot rule out access through it; give it a \
         value the reader can see (a variable default, a `.tfvars` file, a parameter \
         default) or review it by hand",
    )
}

/// An expression as one short line: whitespace runs become one space, and a long one (a
/// whole block) is cut after 60 characters.
fn one_line(expression: &str) -> String {
    let flat = expression.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(60) {
        Some((cut, _)) => format!("{}…", &flat[..cut]),
        None => flat,
    }
}

/// Reads the module in `dir` (every `.tf` file there, `terraform.tfvars`, `*.auto.tfvars`,
/// then `var_files`, as Terraform does) and lints it: one analysis per file of `named` (the
/// files of `dir` the run was given), then one per file of a local child module outside
/// `module_dirs` (the module directories the run lints on their own).
pub fn analyze_module(
    dir: &Path,
    named: &[PathBuf],
    var_files: &[PathBuf],
    module_dirs: &[PathBuf],
    root: &Root,
    options: &LintOptions,
) -> Vec<Result<Analysis, (PathBuf, std::io::Error)>> {
    let mut out = Vec::new();
    let listing = std::fs::read_dir(if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    })
    .map(|rd| {
        let mut v: Vec<PathBuf> = rd.filter_map(Result::ok).map(|e| e.path()).collect();
        v.sort();
        v
    })
    .unwrap_or_default();
    let in_dir = |p: &PathBuf| dir.join(p.file_name().unwrap_or_default());
    let tf: Vec<PathBuf> = listing
        .iter()
        .filter(|p| iac::recognise::by_name(p) == iac::recognise::ByName::Terraform && p.is_file())
        .map(in_dir)
        .collect();
    let mut sources = Vec::new();
    for path in &tf {
        match read_tf(path) {
            Ok(Ok(source)) => sources.push(source),
            Ok(Err(report)) => {
                if named.contains(path) {
                    out.push(Ok(Analysis {
                        report,
                        policies: Vec::new(),
                    }));
                }
            }
            Err(e) => {
                if named.contains(path) {
                    out.push(Err((path.clone(), e)));
                }
            }
        }
    }
    // `terraform.tfvars` first, then `*.auto.tfvars` in name order, then `-var-file`s.
    let mut tfvars = terraform::autoload_var_files(dir);
    tfvars.extend(var_files.iter().cloned());
    let mut vars = Vec::new();
    for path in &tfvars {
        // One that cannot be read leaves its variables unknown (E016 says where they are
        // used); `--var-file` paths are checked by the command before the run.
        if let Ok(Ok(s)) = read_tf(path) {
            vars.push(s);
        }
    }
    let reader = Rc::new(terraform::Contained { root: root.clone() });
    let read = terraform::read_module(dir, sources, &vars, reader);
    let buckets = if options.audit {
        iac::model::bucket_folders(&read.files, &read.account, root)
    } else {
        Vec::new()
    };
    for e in &read.files {
        let path = PathBuf::from(e.source.name());
        let own = named.contains(&path);
        // A variable file's read error is reported by the module that reads it.
        let var_file = tfvars.contains(&path);
        let child = !tf.contains(&path)
            && !var_file
            && !path
                .parent()
                .is_some_and(|p| module_dirs.iter().any(|d| same_dir(d, p)));
        if own || child || var_file {
            out.push(Ok(analyze_extracted(e, &buckets, options)));
        }
    }
    out
}

fn same_dir(a: &Path, b: &Path) -> bool {
    a == b || std::fs::canonicalize(a).ok() == std::fs::canonicalize(b).ok()
}

/// Reads a `.tf` or `.tfvars` file within [`terraform::MAX_TF_BYTES`] (never more into
/// memory): its source, or the report of a file too large or not UTF-8.
fn read_tf(path: &Path) -> std::io::Result<Result<SourceFile, FileReport>> {
    use std::io::Read;
    let name = path.display().to_string();
    let file = std::fs::File::open(path)?;
    crate::contain::check_real_file(&file)?;
    let mut bytes = Vec::new();
    file.take(terraform::MAX_TF_BYTES as u64 + 1)
        .read_to_end(&mut bytes)?;
    let problem = if bytes.len() > terraform::MAX_TF_BYTES {
        Some(Finding::new(
            Code::InputLimit,
            Span::new(0, 0),
            format!(
                "the file is larger than {} MiB and is not read",
                terraform::MAX_TF_BYTES >> 20
            ),
        ))
    } else {
        match String::from_utf8(bytes) {
            Ok(text) => return Ok(Ok(SourceFile::new(name, text))),
            Err(e) => {
                let at = e.utf8_error().valid_up_to();
                Some(Finding::new(
                    Code::InvalidUtf8,
                    Span::new(at, at + 1),
                    format!("the file is not valid UTF-8 (byte {at})"),
                ))
            }
        }
    };
    let source = SourceFile::new(name, String::new());
    let findings = crate::load::locate(&source, problem.into_iter().collect(), &[]);
    Ok(Err(FileReport {
        source,
        file_kind: FileKind::Iac {
            format: Format::Terraform.as_str(),
            policies: 0,
        },
        findings,
    }))
}
