//! Scenario files with mistakes: each problem is reported with today's message, at its place,
//! in file order (the reader's findings and those found when loading, interleaved as read).

use std::path::Path;

/// Runs `scenario` (written as `name`, beside `files`) and lists its problems as
/// `file:line:column CODE message`, the folder left out of paths.
fn problems(name: &str, scenario: &str, files: &[(&str, &str)]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    for (file, text) in files {
        std::fs::write(dir.path().join(file), text).unwrap();
    }
    let path = dir.path().join(name);
    let source = crate::source::SourceFile::new(path.display().to_string(), scenario);
    let Err(invalid) = super::run(
        source,
        &path,
        0,
        &crate::contain::Root::new(&[dir.path().to_path_buf()], None),
    ) else {
        panic!("{name} ran");
    };
    let folder = format!("{}/", dir.path().display());
    let file_name = |name: &str| Path::new(name).file_name().unwrap().display().to_string();
    invalid
        .reports
        .iter()
        .flat_map(|r| {
            r.findings.iter().map(|l| {
                format!(
                    "{}:{}:{} {} {}",
                    file_name(r.source.name()),
                    l.start.line,
                    l.start.column,
                    l.finding.code.as_str(),
                    l.finding.message.replace(&folder, "")
                )
            })
        })
        .collect()
}

const BAD_POLICY: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allw", "Action": "s3:GetObject", "Resource": "*"}]}"#;
const BAD_ACL: &str = r#"{"Grants": 5}"#;

#[test]
fn policy_problems_keep_file_order_with_unreadable_files_among_them() {
    let scenario = r#"{
  "policies": {
    "identity": ["missing-1.json", {"Statement": [{"Effect": "Permit", "Action": "s3:GetObject", "Resource": "*"}]}, ["missing-2.json", "bad.json"]],
    "idenity": {},
    "scp": "root.json",
    "rcp": [["missing-3.json"], 5]
  },
  "requests": [
    {"name": "no action", "principal": "anonymous", "resource": "arn:aws:s3:::b/k", "expect": "Allow"},
    {"name": "own layers", "principal": "anonymous", "action": "s3:GetObject", "resource": "arn:aws:s3:::b/k",
     "expect": "Allow", "policies": {"session": "missing-4.json", "scp": {}}, "time": "soon"}
  ]
}
"#;
    assert_eq!(
        problems("policies.json", scenario, &[("bad.json", BAD_POLICY)]),
        [
            "policies.json:4:5 P101 unknown policies field `idenity`; did you mean `identity`?",
            "policies.json:3:18 E008 cannot read `missing-1.json`: No such file or directory (os error 2)",
            "policies.json:3:119 E008 cannot read `missing-2.json`: No such file or directory (os error 2)",
            "policies.json:5:12 E008 `scp` must be an array of organisation levels, root first",
            "policies.json:6:14 E008 cannot read `missing-3.json`: No such file or directory (os error 2)",
            "policies.json:9:5 E008 missing `action`",
            "policies.json:11:49 E008 cannot read `missing-4.json`: No such file or directory (os error 2)",
            "policies.json:11:74 E008 `scp` must be an array of organisation levels, root first",
            "policies.json:11:87 E008 `time` must be an ISO 8601 date or epoch seconds (as a string)",
            "policies.json:3:36 P102 the policy has no `Version`",
            "policies.json:3:62 P107 `Permit` is not a valid Effect",
            "bad.json:1:52 P107 `Allw` is not a valid Effect",
        ]
    );
}

#[test]
fn request_problems() {
    let scenario = r#"{
  "descripton": "typo",
  "time": 5,
  "requests": [
    5,
    {"name": "empty"},
    {"principal": 5, "action": [], "resource": null, "expect": 1},
    {"principal": "anonymous", "action": "s3:GetObject", "resource": "arn:aws:s3:::b/k", "expect": "Maybe"},
    {"principal": "arn:aws:iam::1:nope", "action": "s3:GetObject", "resource": "arn:aws:s3:::b/k", "expect": "Allow"},
    {"principal": "anonymous", "action": "s3:GetObject", "resource": "arn:aws:s3:::b/k", "expect": "Allow",
     "refrence": "x", "context": {"a": [1, null], "b": {}}, "time": "later"}
  ]
}
"#;
    assert_eq!(
        problems("requests.json", scenario, &[]),
        [
            "requests.json:2:3 P101 unknown scenario field `descripton`; did you mean `description`?",
            "requests.json:3:11 E008 `time` must be an ISO 8601 date or epoch seconds (as a string)",
            "requests.json:5:5 E008 each request must be an object",
            "requests.json:6:5 E008 missing `principal`",
            "requests.json:6:5 E008 missing `action`",
            "requests.json:6:5 E008 missing `resource`",
            "requests.json:6:5 E008 missing `expect`",
            "requests.json:7:19 E008 `principal` must be a string",
            "requests.json:7:32 E008 `action` must be a string",
            "requests.json:7:48 E008 `resource` must be a string",
            "requests.json:7:64 E008 `expect` must be a string",
            "requests.json:8:100 E008 `Maybe` is not Allow, ExplicitDeny or ImplicitDeny",
            "requests.json:9:19 E008 `arn:aws:iam::1:nope` has no 12-digit account id",
            "requests.json:11:6 P101 unknown request field `refrence`; did you mean `reference`?",
            "requests.json:11:44 E008 context values are strings, numbers or booleans",
            "requests.json:11:56 E008 context values are strings, numbers or booleans",
            "requests.json:11:69 E008 `time` must be an ISO 8601 date or epoch seconds (as a string)",
        ]
    );
}

#[test]
fn a_scenario_is_an_object() {
    assert_eq!(
        problems("array.json", "[]", &[]),
        [
            "array.json:1:1 E008 a scenario is a JSON object with `policies` and `requests`",
            "array.json:1:1 E008 `requests` must be a non-empty array",
        ]
    );
}

#[test]
fn s3_section_problems() {
    let scenario = r#"{
  "s3": {
    "bucket_folder": 5, "bucket": 5, "canonical_ids": {"111122223333": 5},
    "object_ownership": "Writer",
    "bucket_acl": {"canned": "public-reed"},
    "objects": [5, {"key": "a", "owner_account": "12", "acl": {"canned": "log-delivery-write"}, "size": 1},
                {"key": "b", "acl": "bad-acl.json"}, {"key": "c", "acl": 5}],
    "public_access_block": {"account": 5, "bucket": "missing-bpa.json", "org": {}},
    "access_points": {},
    "extra": 1
  },
  "requests": [{"principal": "anonymous", "action": "s3:GetObject", "resource": "arn:aws:s3:::b/k", "expect": "Allow"}]
}
"#;
    assert_eq!(
        problems("s3.json", scenario, &[("bad-acl.json", BAD_ACL)]),
        [
            "s3.json:10:5 P101 unknown s3 field `extra`",
            "s3.json:3:22 E008 `bucket_folder` must be a path",
            "s3.json:3:35 E008 `bucket` must be a bucket name",
            "s3.json:3:72 E008 a canonical id is a string",
            "s3.json:4:25 E008 `object_ownership` is BucketOwnerEnforced, BucketOwnerPreferred or ObjectWriter",
            "s3.json:5:30 E008 `public-reed` is not a canned ACL for a bucket; canned ACLs are private, public-read, public-read-write, authenticated-read, aws-exec-read, bucket-owner-read, bucket-owner-full-control, log-delivery-write",
            "s3.json:6:17 E008 an object needs a `key`",
            "s3.json:6:97 P101 unknown object field `size`",
            "s3.json:6:50 E008 `owner_account` must be a 12-digit account id",
            "s3.json:6:74 E008 `log-delivery-write` is not a canned ACL for an object; canned ACLs are private, public-read, public-read-write, authenticated-read, aws-exec-read, bucket-owner-read, bucket-owner-full-control, log-delivery-write",
            "s3.json:7:74 E008 a ACL is an object or a path",
            "s3.json:8:73 P101 unknown public_access_block field `org`",
            "s3.json:8:40 E008 a Block Public Access configuration is an object or a path",
            "s3.json:9:22 E008 `access_points` must be an array",
            "bad-acl.json:1:12 E009 `Grants` must be an array, found the number `5`",
            "missing-bpa.json:1:1 E009 cannot read the file: No such file or directory (os error 2)",
        ]
    );
}

#[test]
fn an_access_point_policy_is_judged_only_once_its_description_is_read() {
    let scenario = r#"{
  "s3": {"access_points": [
    {"policy": {}},
    {"access_point": 5, "policy": 5},
    {"access_point": "missing-ap.json", "policy": 5},
    {"access_point": {"Name": "ap", "Bucket": "b", "NetworkOrigin": "Internet"}, "policy": 6, "x": 1},
    {"access_point": {"Name": "ap2", "Bucket": "b", "NetworkOrigin": "Internet"}, "policy": "missing-policy.json"},
    {"access_point": {}, "multi_region_access_point": {}},
    {"multi_region_access_point": {"AccessPoint": {"Name": "m", "Alias": "m", "Regions": []}}}
  ]},
  "requests": [{"principal": "anonymous", "resource": "arn:aws:s3:::b/k", "expect": "Allow"}]
}
"#;
    assert_eq!(
        problems("access-points.json", scenario, &[]),
        [
            "access-points.json:3:5 E008 an access point needs its `access_point` description",
            "access-points.json:4:22 E008 a access point description is an object or a path",
            "access-points.json:6:95 P101 unknown access point field `x`",
            "access-points.json:6:92 E008 a policy is an object or a path",
            "access-points.json:8:5 E008 an entry is an access point (`access_point`) or a Multi-Region Access Point (`multi_region_access_point`), not both",
            "access-points.json:11:16 E008 missing `action`",
            "missing-ap.json:1:1 E009 cannot read the file: No such file or directory (os error 2)",
            "missing-policy.json:1:1 E009 cannot read the file: No such file or directory (os error 2)",
            "access-points.json:9:74 E009 `Alias` must be a Multi-Region Access Point alias (letters and digits ending in `.mrap`), found `m`",
        ]
    );
}

#[test]
fn kms_sections_say_what_is_wrong_where() {
    let scenario = r#"{
  "requests": [
    {"principal": "anonymous", "action": "s3:GetObject", "resource": "arn:aws:s3:::b/k", "expect": "Allow",
     "kms": {"key": "arn:aws:s3:::b", "bucket-key": true}},
    {"principal": "anonymous", "action": "s3:GetObject", "resource": "arn:aws:s3:::b/k", "expect": "Allow",
     "kms": {"key": "arn:aws:kms:us-east-1:111122223333:key/k", "bucket_key": "yes"}},
    {"principal": "anonymous", "action": "s3:GetObject", "resource": "arn:aws:s3:::b/k", "expect": "Allow",
     "kms": "arn:aws:kms:us-east-1:111122223333:key/k"}
  ]
}"#;
    let found = problems("kms.json", scenario, &[]);
    assert_eq!(found.len(), 4, "{found:#?}");
    assert!(found[0].contains("bucket-key"), "{found:#?}");
    assert!(found[1].contains("is not a KMS key ARN"), "{found:#?}");
    assert!(
        found[2].contains("`bucket_key` must be true or false"),
        "{found:#?}"
    );
    assert!(found[3].contains("`kms` must be an object"), "{found:#?}");
}

#[test]
fn a_scenario_kms_for_the_proofs_says_what_is_wrong_where() {
    let scenario = r#"{
  "bucket_owner": "111122223333",
  "policies": {"bucket": {"Version": "2012-10-17", "Statement": []}},
  "kms": {"key": "arn:aws:kms:us-east-1:111122223333:alias/k", "grants": 7},
  "never": [{"principal": "anonymous"}]
}"#;
    let found = problems("kms-top.json", scenario, &[]);
    assert!(
        found.iter().any(|f| f.contains("kms-top.json:4:")),
        "{found:#?}"
    );
    assert!(
        found.iter().any(|f| f.contains("is not a KMS key ARN")),
        "{found:#?}"
    );
}
