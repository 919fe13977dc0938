//! What an input file is, for the commands that walk directories (`lint`, and the bucket
//! inputs of `public`): a Terraform file by its name, a Terraform plan or a CloudFormation
//! template by its content, and anything else left to the JSON document reader
//! ([`crate::load`]). The rule for skipping JSON that is not an AWS document at all is
//! [`crate::load::looks_like_aws_json`]; docs/iac.md states both.

use super::{Extracted, cloudformation, terraform};
use crate::source::SourceFile;
use std::path::Path;

/// What a file is by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByName {
    /// Terraform configuration, native syntax (`.tf`) or JSON syntax (`.tf.json`): read with
    /// the rest of its module directory.
    Terraform,
    /// A JSON file (`.json`): a policy, an AWS CLI output, a plan or a template.
    Json,
    /// YAML or `.template` (CloudFormation's own extension): a template, or other YAML.
    Yaml,
    /// Anything else.
    Other,
}

/// What `path` is by its name (extensions compared ignoring case).
pub fn by_name(path: &Path) -> ByName {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    if name.ends_with(".tf") || name.ends_with(".tf.json") {
        ByName::Terraform
    } else if name.ends_with(".json") {
        ByName::Json
    } else if [".yaml", ".yml", ".template"]
        .iter()
        .any(|x| name.ends_with(x))
    {
        ByName::Yaml
    } else {
        ByName::Other
    }
}

/// Reads `source` as a Terraform plan or a CloudFormation template when it is one: `None`
/// for any other text (a policy, an AWS CLI output, other JSON or YAML). JSON is parsed for
/// this only when its text shows a plan's or a template's marks, so policy files are not
/// parsed twice; YAML is always tried as a template (an unreadable one is reported only when
/// it shows a template's marks).
pub fn read_document(source: SourceFile) -> Option<Extracted> {
    let text = source.text();
    let json = text
        .trim_start_matches('\u{feff}')
        .trim_start()
        .starts_with(['{', '[']);
    if !json {
        return cloudformation::read(source);
    }
    let has = |mark: &str| text.contains(mark);
    if has("\"format_version\"") && (has("\"planned_values\"") || has("\"resource_changes\"")) {
        let body = &text[crate::json::bom_len(text)..];
        if crate::json::parse(body).is_ok_and(|v| terraform::plan::is_plan(&v)) {
            return Some(terraform::plan::read_plan(source).after);
        }
    }
    if has("AWSTemplateFormatVersion") || has("\"AWS::") {
        return cloudformation::read(source);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_decide_terraform_and_yaml() {
        assert_eq!(by_name(Path::new("a/main.tf")), ByName::Terraform);
        assert_eq!(by_name(Path::new("a/main.TF.json")), ByName::Terraform);
        assert_eq!(by_name(Path::new("t.template")), ByName::Yaml);
        assert_eq!(by_name(Path::new("package.json")), ByName::Json);
        assert_eq!(by_name(Path::new("README.md")), ByName::Other);
    }

    #[test]
    fn plans_and_templates_are_read_other_documents_are_not() {
        let plan = r#"{"format_version": "1.2", "planned_values": {"root_module": {}}}"#;
        let read = read_document(SourceFile::new("plan.json", plan)).unwrap();
        assert_eq!(read.format, crate::iac::Format::TerraformPlan);
        let cfn = "Resources:\n  B:\n    Type: AWS::S3::Bucket\n";
        let read = read_document(SourceFile::new("t.yaml", cfn)).unwrap();
        assert_eq!(read.buckets.len(), 1);
        let policy = r#"{"Version": "2012-10-17", "Statement": []}"#;
        assert!(read_document(SourceFile::new("p.json", policy)).is_none());
        assert!(read_document(SourceFile::new("c.yaml", "jobs:\n  a: 1\n")).is_none());
    }
}
