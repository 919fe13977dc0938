//! Linting: every file loaded ([`crate::load`]: recognised, lowered, validated, located), and
//! the risk audit ([`crate::audit`]) on every policy AWS would accept.

pub mod baseline;
pub mod comments;
pub mod folder;
pub mod iac;
pub mod run;
pub mod vpce;

use crate::load::{self, LoadOptions};
pub use crate::load::{
    Analysis, FileKind, FileReport, Links, Located, MAX_FINDINGS, Root, WalkError, collect_files,
    pointer, read_limited,
};
use crate::policy::{Policy, PolicyKind};
use crate::source::SourceFile;
use std::path::Path;

/// What the user asked for.
#[derive(Debug, Clone, Default)]
pub struct LintOptions {
    /// Treat every policy as this kind instead of detecting it.
    pub kind: Option<PolicyKind>,
    /// Run the risk audit ([`crate::audit`]) on top of the grammar checks: `lint` does, the
    /// loaders of `query` and `check` do not (a public policy must still be evaluable).
    pub audit: bool,
    /// Accounts and organisations that are not outsiders (from `[trust]` in the
    /// configuration), for the risk rules.
    pub trust: crate::audit::Trust,
}

impl LintOptions {
    /// Runs `f` with the load options these lint options mean: the risk audit, if asked for,
    /// as the check on every policy AWS would accept.
    fn with_load<R>(&self, f: impl FnOnce(&LoadOptions<'_>) -> R) -> R {
        let audit = |policy: &Policy, source: &SourceFile| {
            crate::audit::policy(policy, source, &self.trust, None)
        };
        f(&LoadOptions {
            kind: self.kind,
            check: self.audit.then_some(&audit as load::PolicyCheck<'_>),
        })
    }
}

/// Lints bytes read from `name`.
pub fn lint_bytes(name: &str, bytes: Vec<u8>, options: &LintOptions) -> FileReport {
    analyze_bytes(name, bytes, options).report
}

/// Lints bytes read from `name` and keeps the parsed policies.
pub fn analyze_bytes(name: &str, bytes: Vec<u8>, options: &LintOptions) -> Analysis {
    let mut analysis = options.with_load(|o| load::analyze_bytes(name, bytes, o));
    vpce::endpoints(&mut analysis, options.audit);
    analysis
}

/// Lints bytes of an input of `lint` read from `name`: a Terraform plan or a CloudFormation
/// template is read into the IaC model and linted there ([`iac::analyze_extracted`]); YAML
/// that is not a template is not an AWS document (E007); anything else goes to the JSON
/// loader. (Terraform `.tf` files are read by module directory: [`iac::analyze_module`].)
pub fn analyze_input(name: &str, bytes: Vec<u8>, options: &LintOptions) -> Analysis {
    use crate::iac::recognise::{self, ByName};
    let text = match bytes.get(..2) {
        // UTF-16 with a byte-order mark: a plan as PowerShell's `>` writes it.
        Some([0xFF, 0xFE] | [0xFE, 0xFF]) => {
            crate::iac::terraform::plan::decode(bytes.clone()).ok()
        }
        _ if bytes.len() > crate::json::MAX_INPUT_BYTES => None,
        _ => std::str::from_utf8(&bytes).ok().map(str::to_string),
    };
    let Some(text) = text else {
        return analyze_bytes(name, bytes, options);
    };
    let source = SourceFile::new(name, text);
    if let Some(extracted) = recognise::read_document(source.clone()) {
        // A plan or template reads nothing else: an empty root.
        let buckets = if options.audit {
            crate::iac::model::bucket_folders(
                std::slice::from_ref(&extracted),
                &[],
                &Root::default(),
            )
        } else {
            Vec::new()
        };
        return iac::analyze_extracted(&extracted, &buckets, options);
    }
    if recognise::by_name(Path::new(name)) == ByName::Yaml {
        let head = crate::source::Span::new(0, usize::from(!source.text().is_empty()));
        let findings = load::locate(&source, vec![load::not_a_policy(head, "YAML")], &[]);
        return Analysis {
            report: FileReport {
                source,
                file_kind: FileKind::Unknown,
                findings,
            },
            policies: Vec::new(),
        };
    }
    analyze(source, options)
}

/// Lints a source text.
pub fn lint_text(source: SourceFile, options: &LintOptions) -> FileReport {
    analyze(source, options).report
}

/// Lints a source text and keeps the parsed policies. A top-level JSON array of policies (as
/// an organisation level holds several SCPs) is linted element by element.
pub fn analyze(source: SourceFile, options: &LintOptions) -> Analysis {
    let mut analysis = options.with_load(|o| load::analyze(source, o));
    vpce::endpoints(&mut analysis, options.audit);
    analysis
}

/// Lints a file on disk (`-` reads standard input).
pub fn lint_path(path: &Path, options: &LintOptions) -> Result<FileReport, std::io::Error> {
    analyze_path(path, options).map(|a| a.report)
}

/// Lints a file on disk and keeps the parsed policies.
pub fn analyze_path(path: &Path, options: &LintOptions) -> Result<Analysis, std::io::Error> {
    let mut analysis = options.with_load(|o| crate::aws_docs::folder::analyze_path(path, o))?;
    vpce::endpoints(&mut analysis, options.audit);
    Ok(analysis)
}
