//! Glacier Vault Lock (issue 15, item 4): `aws glacier get-vault-lock` and
//! `get-vault-access-policy` output are read as resource policies, their findings located
//! inside the embedded string; a lock policy that does not deny deleting an archive stored
//! today is S520 (decided by the evaluator, Glacier "Vault Lock Policies" page), and a
//! `Locked` lock is S521 (Glacier "Vault Lock": a completed lock's policy is immutable).

use s3_access::lint::{self, FileKind, FileReport, LintOptions};
use std::path::PathBuf;

const VAULT: &str = "arn:aws:glacier:us-west-2:111122223333:vaults/examplevault";

fn lint_text(name: &str, text: &str) -> FileReport {
    let options = LintOptions {
        audit: true,
        ..LintOptions::default()
    };
    lint::lint_bytes(name, text.as_bytes().to_vec(), &options)
}

fn lint_fixture(rel: &str) -> FileReport {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel);
    lint_text(rel, &std::fs::read_to_string(path).unwrap())
}

/// `(code, line, column)` of every finding.
fn found(r: &FileReport) -> Vec<(&'static str, u32, u32)> {
    r.findings
        .iter()
        .map(|f| (f.finding.code.as_str(), f.start.line, f.start.column))
        .collect()
}

/// `get-vault-lock` output with the given statements (a JSON array) and state.
fn vault_lock(statements: &str, state: &str) -> String {
    let policy = format!(r#"{{"Version":"2012-10-17","Statement":{statements}}}"#);
    let policy = serde_json::to_string(&policy).unwrap();
    format!(
        "{{\n  \"Policy\": {policy},\n  \"State\": \"{state}\",\n  \"ExpirationDate\": null,\n  \"CreationDate\": \"2026-12-06T09:00:00.000Z\"\n}}"
    )
}

fn deny_delete(principal: &str, condition: &str) -> String {
    format!(
        r#"[{{"Effect":"Deny","Principal":{principal},"Action":"glacier:DeleteArchive","Resource":"{VAULT}","Condition":{condition}}}]"#
    )
}

#[test]
fn s520_fixture_is_reported_at_the_policy_inside_the_string() {
    let r = lint_fixture("policies/audit/S520/fail-mfa-only-deny.json");
    assert_eq!(found(&r), vec![("S520", 2, 14)]);
    assert!(matches!(
        r.file_kind,
        FileKind::Policy {
            wrapper: Some("glacier get-vault-lock output"),
            ..
        }
    ));
    assert!(
        found(&lint_fixture(
            "policies/audit/S520/pass-retention-365-days.json"
        ))
        .is_empty()
    );
}

#[test]
fn s521_fixture_is_reported_at_the_state() {
    let r = lint_fixture("policies/audit/S521/fail-locked.json");
    assert_eq!(found(&r), vec![("S521", 3, 12)]);
    assert_eq!(r.findings[0].path, "/State");
    assert!(found(&lint_fixture("policies/audit/S521/pass-in-progress.json")).is_empty());
}

#[test]
fn s520_follows_the_evaluator_not_the_text() {
    let codes = |statements: String| -> Vec<&'static str> {
        let r = lint_text("lock.json", &vault_lock(&statements, "InProgress"));
        r.findings.iter().map(|f| f.finding.code.as_str()).collect()
    };
    let age =
        |op: &str, days: &str| format!(r#"{{"{op}":{{"glacier:ArchiveAgeInDays":"{days}"}}}}"#);
    // The documented pattern, in its equivalent forms: no finding.
    assert!(codes(deny_delete(r#""*""#, &age("NumericLessThan", "365"))).is_empty());
    assert!(codes(deny_delete(r#""*""#, &age("NumericLessThanEquals", "365"))).is_empty());
    // Condition keys are case-insensitive (IAM "Condition element" page).
    let lower = r#"{"NumericLessThan":{"glacier:archiveageindays":"30"}}"#;
    assert!(codes(deny_delete(r#""*""#, lower)).is_empty());
    let everything = format!(
        r#"[{{"Effect":"Deny","Principal":"*","Action":"glacier:*","Resource":"*","Condition":{}}}]"#,
        age("NumericLessThan", "365")
    );
    assert!(codes(everything).is_empty());
    // A period of zero days, a Deny of one role only, no Deny at all: S520.
    assert_eq!(
        codes(deny_delete(r#""*""#, &age("NumericLessThan", "0"))),
        vec!["S520"]
    );
    let one_role = r#"{"AWS":"arn:aws:iam::111122223333:role/ops"}"#;
    assert_eq!(
        codes(deny_delete(one_role, &age("NumericLessThan", "365"))),
        vec!["S520"]
    );
    let allow_only = format!(
        r#"[{{"Effect":"Allow","Principal":{{"AWS":"111122223333"}},"Action":"glacier:DeleteArchive","Resource":"{VAULT}"}}]"#
    );
    assert_eq!(codes(allow_only), vec!["S520"]);
    // A Deny of another vault leaves this one's archives deletable.
    let other = deny_delete(r#""*""#, &age("NumericLessThan", "365")).replacen(
        VAULT,
        "arn:aws:glacier:us-west-2:111122223333:vaults/other",
        1,
    );
    let two = other.replacen(
        "}]",
        &format!(r#"}},{{"Effect":"Allow","Principal":{{"AWS":"111122223333"}},"Action":"glacier:ListVaults","Resource":"{VAULT}"}}]"#),
        1,
    );
    assert_eq!(codes(two), vec!["S520"]);
}

#[test]
fn a_locked_policy_gets_both_codes_and_the_access_policy_neither() {
    let text = vault_lock(
        &deny_delete(r#""*""#, r#"{"Bool":{"aws:SecureTransport":"false"}}"#),
        "Locked",
    );
    let r = lint_text("lock.json", &text);
    assert_eq!(found(&r), vec![("S520", 2, 14), ("S521", 3, 12)]);
    // The same policy as the vault access policy: changeable, so neither code.
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":{}}}"#,
        deny_delete(r#""*""#, "{}")
    );
    let access = format!(
        "{{\"policy\": {{\"Policy\": {}}}}}",
        serde_json::to_string(&policy).unwrap()
    );
    let r = lint_text("access.json", &access);
    assert!(matches!(
        r.file_kind,
        FileKind::Policy {
            wrapper: Some("glacier get-vault-access-policy output"),
            ..
        }
    ));
    assert!(
        !found(&r).iter().any(|(c, ..)| c.starts_with("S52")),
        "{:?}",
        found(&r)
    );
}

#[test]
fn glacier_actions_and_keys_are_validated_inside_the_string() {
    // An action Glacier does not have, in get-vault-access-policy output: P204 at the action.
    let text = "{\"policy\": {\"Policy\": \"{\\\"Version\\\":\\\"2012-10-17\\\",\\\"Statement\\\":[{\\\"Effect\\\":\\\"Allow\\\",\\\"Principal\\\":\\\"*\\\",\\\"Action\\\":\\\"glacier:DeleteArchiv\\\",\\\"Resource\\\":\\\"arn:aws:glacier:us-west-2:111122223333:vaults/v\\\"}]}\"}}";
    let r = lint_text("access.json", text);
    assert_eq!(found(&r), vec![("P204", 1, 120)]);
    assert_eq!(&text[119..141], "\\\"glacier:DeleteArchiv");
    // The documented lock policy validates clean: glacier:DeleteArchive, the vault ARN and
    // glacier:ArchiveAgeInDays are in the catalogue.
    let lock = vault_lock(
        &deny_delete(
            r#""*""#,
            r#"{"NumericLessThan":{"glacier:ArchiveAgeInDays":"365"}}"#,
        ),
        "InProgress",
    );
    assert!(found(&lint_text("lock.json", &lock)).is_empty());
    let misspelt = lock.replace("ArchiveAgeInDays", "ArchiveAgeDays");
    assert!(
        found(&lint_text("lock.json", &misspelt))
            .iter()
            .any(|(c, ..)| *c == "P402"),
        "{:?}",
        found(&lint_text("lock.json", &misspelt))
    );
}

#[test]
fn a_lock_policy_on_its_own_gets_s520_by_its_shape_and_never_s521() {
    // "A Vault Lock policy is a vault access policy that you can lock" (Glacier "Vault Lock
    // Policies"): a file on its own is read as a lock policy when it only denies.
    let policy =
        |statements: &str| format!(r#"{{"Version":"2012-10-17","Statement":{statements}}}"#);
    let codes = |text: &str| -> Vec<&'static str> {
        let r = lint_text("lock.json", text);
        r.findings.iter().map(|f| f.finding.code.as_str()).collect()
    };
    let age =
        |op: &str, days: &str| format!(r#"{{"{op}":{{"glacier:ArchiveAgeInDays":"{days}"}}}}"#);
    let good = policy(&deny_delete(r#""*""#, &age("NumericLessThan", "365")));
    assert!(codes(&good).is_empty());
    let zero = policy(&deny_delete(r#""*""#, &age("NumericLessThan", "0")));
    assert_eq!(codes(&zero), vec!["S520"]);
    let r = lint_text("lock.json", &zero);
    assert_eq!(found(&r), vec![("S520", 1, 1)]);
    assert!(
        r.findings[0]
            .finding
            .message
            .contains("read as a vault lock policy")
    );
    // The input `aws glacier initiate-vault-lock --policy` takes: {"Policy": ".."}.
    let input = |p: &str| format!("{{\"Policy\": {}}}", serde_json::to_string(p).unwrap());
    assert!(codes(&input(&good)).is_empty());
    assert_eq!(
        found(&lint_text("in.json", &input(&zero))),
        vec![("S520", 1, 13)]
    );
    // An access policy on its own (it allows): neither code, whatever it denies.
    let access = policy(&format!(
        r#"[{{"Effect":"Allow","Principal":{{"AWS":"444455556666"}},"Action":"glacier:UploadArchive","Resource":"{VAULT}"}},{}]"#,
        deny_delete(r#""*""#, &age("NumericLessThan", "0"))
            .trim_start_matches('[')
            .trim_end_matches(']')
    ));
    assert!(codes(&access).is_empty(), "{:?}", codes(&access));
    assert!(codes(&input(&access)).is_empty());
}
