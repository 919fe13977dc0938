//! `--catalog`: a newer service reference loaded at run time, consulted before the embedded
//! catalogue by every command (docs/catalog.md). The overlay is process-wide, so these tests
//! run the binary.

use std::path::Path;
use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_s3-access"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// An S3 service reference (AWS's format) with one action and one key the embedded
/// catalogue does not know.
const REFERENCE: &str = r#"{
  "Name": "s3",
  "Actions": [
    {"Name": "GetObjectBrandNew", "ActionConditionKeys": ["s3:BrandNewKey"],
     "Annotations": {"Properties": {"IsList": false, "IsPermissionManagement": false,
                                    "IsTaggingOnly": false, "IsWrite": false}},
     "Resources": [{"Name": "object"}]}
  ],
  "ConditionKeys": [{"Name": "s3:BrandNewKey", "Types": ["String"]}],
  "Resources": [{"Name": "object",
                 "ARNFormats": ["arn:${Partition}:s3:::${BucketName}/${ObjectName}"]}],
  "Version": "v1.4"
}"#;

const POLICY: &str = r#"{"Version": "2012-10-17", "Statement": [{"Sid": "New", "Effect": "Allow",
  "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "s3:GetObjectBrandNew",
  "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/*",
  "Condition": {"StringEquals": {"s3:BrandNewKey": "x"}}}]}"#;

struct Files {
    dir: tempfile::TempDir,
}

impl Files {
    fn new() -> Files {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("s3.json"), REFERENCE).unwrap();
        std::fs::write(dir.path().join("policy.json"), POLICY).unwrap();
        Files { dir }
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).to_str().unwrap().to_owned()
    }
}

#[test]
fn an_action_and_a_key_unknown_to_the_embedded_catalogue_become_known() {
    let f = Files::new();
    let policy = f.path("policy.json");
    let before = out(&run(&["lint", "--format", "concise", &policy]));
    assert!(
        before.contains("P204") && before.contains("P402"),
        "{before}"
    );
    let reference = f.path("s3.json");
    let after = run(&[
        "lint",
        "--format",
        "concise",
        "--catalog",
        &reference,
        &policy,
    ]);
    let text = out(&after);
    assert!(!text.contains("P204") && !text.contains("P402"), "{text}");
    // The embedded S3 actions stay known beside the new one: a file of new actions takes
    // nothing away (S302 would call one read action "every S3 action" otherwise).
    assert!(!text.contains("S302"), "{text}");
    assert_eq!(after.status.code(), Some(0), "{}", err(&after));
}

#[test]
fn query_check_public_and_who_can_use_it_too() {
    let f = Files::new();
    let (reference, policy) = (f.path("s3.json"), f.path("policy.json"));
    let query = |extra: &[&str]| {
        let mut a = vec![
            "query",
            "--principal",
            "111122223333",
            "--action",
            "s3:GetObjectBrandNew",
            "--resource",
            "arn:aws:s3:::amzn-s3-demo-bucket/k",
            "--bucket-owner",
            "111122223333",
            "--context",
            "s3:BrandNewKey=x",
            "--bucket-policy",
            &policy,
        ];
        a.extend(extra);
        run(&a)
    };
    let unknown = query(&[]);
    assert_eq!(unknown.status.code(), Some(2), "{}", err(&unknown));
    let known = query(&["--catalog", &reference, "--quiet"]);
    assert_eq!(known.status.code(), Some(0), "{}", err(&known));
    assert!(out(&known).starts_with("Allow: "), "{}", out(&known));
    // A misspelling of the new action gets the new action as its suggestion.
    let near = run(&[
        "query",
        "--catalog",
        &reference,
        "--principal",
        "111122223333",
        "--action",
        "s3:GetObjectBrandNw",
        "--resource",
        "arn:aws:s3:::amzn-s3-demo-bucket/k",
    ]);
    assert!(
        err(&near).contains("did you mean `s3:GetObjectBrandNew`"),
        "{}",
        err(&near)
    );
    // Without a suggestion, the message names the catalogue, overlay included.
    let far = run(&[
        "query",
        "--catalog",
        &reference,
        "--principal",
        "111122223333",
        "--action",
        "s3:Qqqqqqqqqqqqqqqqqqqq",
        "--resource",
        "arn:aws:s3:::amzn-s3-demo-bucket/k",
    ]);
    assert!(err(&far).contains("and --catalog for s3"), "{}", err(&far));
    for command in ["public", "who-can"] {
        let o = run(&[command, "--catalog", &reference, &policy]);
        assert_ne!(o.status.code(), Some(2), "{command}: {}", err(&o));
    }
    let o = run(&[
        "check",
        "--catalog",
        &reference,
        "policies/scenarios/enforce-tls.json",
        "--root",
        "policies",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
}

#[test]
fn an_iam_data_folder_is_read_too() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    for sub in ["actions", "conditionKeys", "resourceTypes"] {
        std::fs::create_dir_all(data.join(sub)).unwrap();
    }
    std::fs::write(data.join("services.json"), r#"["newsvc"]"#).unwrap();
    std::fs::write(
        data.join("actions/newsvc.json"),
        r#"{"dothing": {"name": "DoThing", "accessLevel": "Write", "resourceTypes": [], "conditionKeys": ["newsvc:Colour"]}}"#,
    )
    .unwrap();
    std::fs::write(
        data.join("conditionKeys/newsvc.json"),
        r#"{"newsvc:colour": {"key": "newsvc:Colour", "type": "String"}}"#,
    )
    .unwrap();
    let policy = dir.path().join("identity.json");
    std::fs::write(
        &policy,
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "newsvc:DoThing",
          "Resource": "*", "Condition": {"StringEquals": {"newsvc:Colour": "red"}}}]}"#,
    )
    .unwrap();
    let policy = policy.to_str().unwrap();
    let before = out(&run(&["lint", "--format", "concise", policy]));
    assert!(before.contains("P203"), "{before}");
    let root = dir.path().to_str().unwrap();
    let after = run(&["lint", "--format", "concise", "--catalog", root, policy]);
    let text = out(&after);
    assert!(
        !text.contains("P203") && !text.contains("P402"),
        "{text}{}",
        err(&after)
    );
}

/// The full iam-data package as an overlay gives the same findings as the embedded data it
/// was generated from (when the package is beside the repository, as in development).
#[test]
fn the_embedded_data_as_an_overlay_changes_nothing() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/aws-iam-data");
    if !data.join("data/services.json").is_file() {
        // A clone without the shared data beside it: nothing to compare.
        return;
    }
    let data = data.to_str().unwrap();
    let plain = run(&["lint", "--format", "json", "policies"]);
    let overlaid = run(&["lint", "--format", "json", "--catalog", data, "policies"]);
    assert_eq!(out(&plain), without_overlay_name(&out(&overlaid)));
    assert_eq!(plain.status.code(), overlaid.status.code());
}

/// The text with the overlay's name taken out of the catalogue version that help texts
/// quote (" and --catalog for a2c, a4b, ... and N more"): the one intended difference.
fn without_overlay_name(text: &str) -> String {
    const MARK: &str = " and --catalog for ";
    let mut rest = text;
    let mut kept = String::new();
    while let Some(start) = rest.find(MARK) {
        kept.push_str(&rest[..start]);
        let after = &rest[start..];
        let end = after
            .find(" more")
            .map_or(after.len(), |e| e + " more".len());
        rest = &after[end..];
    }
    kept.push_str(rest);
    kept
}

#[test]
fn a_bad_reference_is_a_located_error_and_exit_2() {
    let f = Files::new();
    let policy = f.path("policy.json");
    let cases: &[(&str, &str)] = &[
        (
            "{\"Name\": \"s3\",\n \"Actions\": {}}",
            ":2:13: `Actions` must be an array, not object",
        ),
        (
            "{\"Name\": \"s3\", \"Actions\": [",
            ":1:28: unexpected end of input",
        ),
        ("{\"Actions\": []}", ":1:1: a service has no `Name`"),
        (
            "{\"Name\": \"../../etc\", \"Actions\": []}",
            "is not a service prefix",
        ),
        ("[[[[", "unexpected end of input"),
        (&"[".repeat(100_000), "nesting deeper than"),
        ("\u{feff}\u{0}", "1:"),
    ];
    for (text, expected) in cases {
        let path = f.path("bad.json");
        std::fs::write(&path, text).unwrap();
        let o = run(&["lint", "--catalog", &path, &policy]);
        assert_eq!(o.status.code(), Some(2), "{expected}");
        assert!(err(&o).contains(expected), "{expected}: {}", err(&o));
        assert!(out(&o).is_empty());
    }
    let bytes = f.path("latin1.json");
    std::fs::write(&bytes, b"{\"Name\": \"s\xe9\"}").unwrap();
    let o = run(&["lint", "--catalog", &bytes, &policy]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("UTF-8"), "{}", err(&o));
    for missing in ["no/such/file.json", "/proc/self/environ"] {
        let o = run(&["lint", "--catalog", missing, &policy]);
        assert_eq!(o.status.code(), Some(2), "{missing}");
        assert!(err(&o).contains("cannot read"), "{missing}: {}", err(&o));
    }
    let o = run(&["lint", "--catalog", f.dir.path().to_str().unwrap(), &policy]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("not an iam-data folder"), "{}", err(&o));
}
