//! Typed S3 and IAM documents: every fixture under `tests/fixtures/s3/` (see its NOTICE.md)
//! reads to the facts it holds, malformed documents give errors at the offending token, and
//! the example bucket folder under `policies/buckets/` loads completely.

use s3_access::aws_docs::access_point::NetworkOrigin;
use s3_access::aws_docs::account::Origin;
use s3_access::aws_docs::acl::{Grantee, Permission};
use s3_access::aws_docs::folder;
use s3_access::aws_docs::read::{self, AwsDocument, Loaded};
use s3_access::aws_docs::settings::{
    CorsMethod, DestinationKind, LogKeyFormat, RetentionMode, RetentionPeriod, SseAlgorithm,
    VersioningStatus,
};
use s3_access::aws_docs::*;
use s3_access::lint::FileReport;
use s3_access::policy::PolicyKind;
use s3_access::registry::{Code, Severity};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn load<T: AwsDocument>(name: &str) -> T {
    let path = root().join("tests/fixtures/s3").join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    match read::read_str::<T>(name, &text) {
        Ok(loaded) => loaded.doc,
        Err(report) => panic!("{name}: {:#?}", report.findings),
    }
}

/// (line, column, code, message, underlined text) of every finding.
fn errors<T: AwsDocument + std::fmt::Debug>(
    name: &str,
) -> Vec<(u32, u32, &'static str, String, String)> {
    let path = root().join("tests/fixtures/s3").join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    let report = read::read_str::<T>(name, &text).unwrap_err();
    located(&report)
}

fn located(report: &FileReport) -> Vec<(u32, u32, &'static str, String, String)> {
    report
        .findings
        .iter()
        .map(|f| {
            (
                f.start.line,
                f.start.column,
                f.finding.code.as_str(),
                f.finding.message.clone(),
                report.source.slice(f.finding.span).to_string(),
            )
        })
        .collect()
}

#[test]
fn custodian_acls_read_owner_grants_and_public_grantees() {
    let acl = load::<Acl>("custodian-acl-log-delivery.json");
    let owner = acl.owner.as_ref().unwrap();
    assert_eq!(
        owner.id,
        "631e4e145c2211ed2e31307ba841b1862307d16de5eab6f5399a23bbbecc26e2"
    );
    assert_eq!(owner.display_name.as_deref(), Some("custodian-skunkworks"));
    assert_eq!(acl.grants.len(), 3);
    assert!(!acl.is_public());
    assert!(acl.grants(&Grantee::LogDelivery, Permission::Write));
    assert!(acl.grants(&Grantee::LogDelivery, Permission::ReadAcp));
    assert!(!acl.grants(&Grantee::LogDelivery, Permission::Read));
    assert_eq!(
        acl.grants[0].grantee.canonical_id(),
        Some(owner.id.as_str())
    );

    let acl = load::<Acl>("custodian-acl-all-users-write.json");
    assert_eq!(acl.grants.len(), 1);
    assert_eq!(acl.grants[0].grantee, Grantee::AllUsers);
    assert_eq!(acl.grants[0].permission, Permission::Write);
    assert_eq!(acl.public_grants().count(), 1);

    let acl = load::<Acl>("custodian-acl-authenticated-read.json");
    assert_eq!(acl.grants.len(), 3);
    let public: Vec<_> = acl
        .public_grants()
        .map(|g| (g.grantee.clone(), g.permission))
        .collect();
    assert_eq!(public, [(Grantee::AuthenticatedUsers, Permission::Read)]);

    let acl = load::<Acl>("custodian-acl-no-grants.json");
    assert!(acl.grants.is_empty());
    assert_eq!(
        acl.owner.unwrap().id,
        "904fc4c4790937100e9eb293a15e6a0a1f265a064888055b43d030034f8881ee"
    );

    let acl = load::<Acl>("custodian-acl-owner-only.json");
    assert_eq!(acl.grants.len(), 1);
    assert_eq!(
        acl.grants[0].grantee,
        Grantee::CanonicalUser {
            id: "9bc5907c3dcc0edea88a21fc6ada6f5e9120a2e204134503bb78f1492b1d287e".into(),
            display_name: Some("aws-us-sbx+put-cloud-ctls".into()),
        }
    );
    assert_eq!(acl.grants[0].permission, Permission::FullControl);
}

#[test]
fn awscli_acl_examples_without_grantee_type_are_read() {
    let acl = load::<Acl>("awscli-get-bucket-acl.json");
    assert_eq!(acl.grants.len(), 1);
    assert!(!acl.is_public());
    let acl = load::<Acl>("awscli-get-object-acl.json");
    assert_eq!(acl.grants.len(), 2);
    assert_eq!(acl.grants[1].grantee, Grantee::AllUsers);
    assert_eq!(acl.grants[1].permission, Permission::Read);
    // Public READ on an object is GetObject for everyone.
    assert!(
        acl.grants[1]
            .permission
            .actions(true)
            .contains(&"s3:GetObject")
    );
}

#[test]
fn block_public_access_documents_read_their_flags() {
    let flags = |b: &PublicAccessBlock| {
        [
            b.block_public_acls,
            b.ignore_public_acls,
            b.block_public_policy,
            b.restrict_public_buckets,
        ]
    };
    let a = load::<PublicAccessBlock>("custodian-bpa-ignore-acls-off.json");
    assert_eq!(flags(&a), [true, false, true, true]);
    let b = load::<PublicAccessBlock>("custodian-bpa-two-on.json");
    assert_eq!(flags(&b), [false, true, true, false]);
    assert!(a.union(&b).is_all_on());
    let off = load::<PublicAccessBlock>("custodian-bpa-all-off.json");
    assert_eq!(flags(&off), [false; 4]);
    assert!(load::<PublicAccessBlock>("awscli-get-public-access-block.json").is_all_on());
    assert!(load::<PublicAccessBlock>("awscli-s3control-get-public-access-block.json").is_all_on());
}

#[test]
fn ownership_controls_read_with_and_without_the_wrapper() {
    let p = load::<OwnershipControls>("custodian-ownership-preferred.json");
    assert_eq!(p.ownership, ObjectOwnership::BucketOwnerPreferred);
    assert!(p.ownership.acls_enabled());
    let e = load::<OwnershipControls>("custodian-ownership-enforced.json");
    assert_eq!(e.ownership, ObjectOwnership::BucketOwnerEnforced);
    assert!(!e.ownership.acls_enabled());
    let cli = load::<OwnershipControls>("awscli-get-bucket-ownership-controls.json");
    assert_eq!(cli.ownership, ObjectOwnership::BucketOwnerEnforced);
}

#[test]
fn bucket_settings_read_from_cli_examples() {
    let enc = load::<Encryption>("awscli-get-bucket-encryption.json");
    assert_eq!(enc.rules.len(), 1);
    let default = enc.rules[0].default.as_ref().unwrap();
    assert_eq!(default.algorithm, SseAlgorithm::Aes256);
    assert!(default.kms_key.is_none());
    assert!(!enc.rules[0].blocks_sse_c());

    let v = load::<Versioning>("awscli-get-bucket-versioning.json");
    assert_eq!(v.status, VersioningStatus::Enabled);
    assert_eq!(v.mfa_delete, None);

    let logging = load::<Logging>("awscli-get-bucket-logging.json");
    let target = logging.target.unwrap();
    assert_eq!(target.bucket.value, "amzn-s3-demo-bucket-logs");
    assert_eq!(target.prefix.value, "");
    assert!(target.grants.is_empty());

    let logging = load::<Logging>("awscli-put-bucket-logging-email-grantee.json");
    let target = logging.target.unwrap();
    assert_eq!(target.prefix.value, "amzn-s3-demo-bucket-logs/");
    assert_eq!(
        target.grants[0].grantee,
        Grantee::Email("bob@example.com".into())
    );
    assert_eq!(target.grants[0].permission, Permission::FullControl);

    let cors = load::<Cors>("awscli-get-bucket-cors.json");
    assert_eq!(cors.rules.len(), 2);
    assert_eq!(
        cors.rules[0].allowed_methods,
        [CorsMethod::Put, CorsMethod::Post, CorsMethod::Delete]
    );
    assert_eq!(
        cors.rules[0].allowed_origins[0].value,
        "http://www.example.com"
    );
    assert_eq!(cors.rules[1].allowed_origins[0].value, "*");
    assert_eq!(cors.rules[1].max_age_seconds, Some(3000));

    let n = load::<Notifications>("awscli-get-bucket-notification-configuration.json");
    assert_eq!(n.destinations.len(), 1);
    assert_eq!(n.destinations[0].kind, DestinationKind::Topic);
    assert_eq!(
        n.destinations[0].arn.value,
        "arn:aws:sns:us-west-2:123456789012:my-notification-topic"
    );
    assert_eq!(n.destinations[0].events[0].value, "s3:ObjectCreated:*");
    assert!(!n.event_bridge);

    assert_eq!(
        load::<Location>("awscli-get-bucket-location.json").region,
        "us-west-2"
    );

    let lock = load::<ObjectLock>("awscli-get-object-lock-configuration.json");
    assert!(lock.enabled);
    let retention = lock.default_retention.unwrap();
    assert_eq!(retention.mode, RetentionMode::Compliance);
    assert_eq!(retention.period, RetentionPeriod::Days(50));

    assert!(!load::<PolicyStatus>("awscli-get-bucket-policy-status.json").is_public);
}

#[test]
fn the_cli_access_point_example_reads() {
    let ap = load::<AccessPoint>("awscli-s3control-get-access-point.json");
    assert_eq!(ap.name.value, "finance-ap");
    assert_eq!(ap.bucket.value, "business-records");
    assert_eq!(ap.network_origin, NetworkOrigin::Internet);
    let bpa = ap.public_access_block.unwrap();
    assert!(!bpa.block_public_acls && !bpa.restrict_public_buckets);
    assert!(ap.arn.is_none() && ap.account.is_none());
}

#[test]
fn the_cli_authorization_details_example_is_located_where_it_differs_from_real_output() {
    let got = errors::<AuthorizationDetails>("awscli-get-account-authorization-details.json");
    let summary: Vec<(u32, u32, &str)> = got.iter().map(|e| (e.0, e.1, e.2)).collect();
    assert_eq!(
        summary,
        [(73, 40, "E009"), (85, 40, "E009"), (289, 20, "E009")]
    );
    assert_eq!(
        got[0].3,
        "`GroupDetailList[0].AttachedManagedPolicies` must be an array, found an object"
    );
    assert!(got[2].3.starts_with("the output is truncated"));
    assert_eq!(got[2].4, "true");
}

#[test]
fn a_misspelt_acl_permission_is_reported_at_its_token() {
    let got = errors::<Acl>("malformed-acl-permission.json");
    assert_eq!(
        got,
        [(
            25,
            21,
            "E009",
            "`Grants[2].Permission` must be one of READ, WRITE, READ_ACP, WRITE_ACP, FULL_CONTROL, found `WRTIE`"
                .to_string(),
            "\"WRTIE\"".to_string()
        )]
    );
    let text =
        std::fs::read_to_string(root().join("tests/fixtures/s3/malformed-acl-permission.json"))
            .unwrap();
    let report = read::read_str::<Acl>("acl.json", &text).unwrap_err();
    assert_eq!(
        report.findings[0].finding.help.as_deref(),
        Some("did you mean `WRITE`?")
    );
    assert_eq!(report.findings[0].path, "/Grants/2/Permission");
}

#[test]
fn grantee_mistakes_are_each_reported() {
    let got = errors::<Acl>("malformed-acl-grantee.json");
    let summary: Vec<(u32, u32, &str, &str)> = got
        .iter()
        .map(|e| (e.0, e.1, e.3.as_str(), e.4.as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            (
                9,
                16,
                "`Grants[0].Grantee.URI` is not an S3 group URI, found `http://acs.amazonaws.com/groups/global/AllUser`",
                "\"http://acs.amazonaws.com/groups/global/AllUser\""
            ),
            (
                14,
                18,
                "`Grants[1].Grantee` of type CanonicalUser has no `ID`",
                "{"
            ),
            (
                22,
                17,
                "`Grants[2].Grantee.Type` must be one of CanonicalUser, Group, AmazonCustomerByEmail, found `Canonical User`",
                "\"Canonical User\""
            ),
        ]
    );
}

#[test]
fn block_public_access_type_errors_and_near_misses_are_errors() {
    let got = errors::<PublicAccessBlock>("malformed-bpa.json");
    let summary: Vec<(u32, u32, &str)> = got.iter().map(|e| (e.0, e.1, e.3.as_str())).collect();
    assert_eq!(
        summary,
        [
            (
                4,
                25,
                "`PublicAccessBlockConfiguration.IgnorePublicAcls` must be `true` or `false`, found the string `true`"
            ),
            (
                5,
                5,
                "unknown key `BlockPublicPolicys` in `PublicAccessBlockConfiguration`"
            ),
        ]
    );
}

#[test]
fn other_malformed_documents_point_at_the_offending_value() {
    let got = errors::<OwnershipControls>("malformed-ownership-two-rules.json");
    assert_eq!(
        (got[0].0, got[0].1, got[0].3.as_str()),
        (
            3,
            14,
            "`OwnershipControls.Rules` must hold exactly one rule, found 2"
        )
    );

    let got = errors::<ObjectLock>("malformed-object-lock.json");
    let summary: Vec<(u32, u32, &str)> = got.iter().map(|e| (e.0, e.1, e.3.as_str())).collect();
    assert_eq!(
        summary,
        [
            (
                6,
                17,
                "`ObjectLockConfiguration.Rule.DefaultRetention.Mode` must be one of GOVERNANCE, COMPLIANCE, found `Governance`"
            ),
            (
                7,
                17,
                "`ObjectLockConfiguration.Rule.DefaultRetention.Days` must be a non-negative whole number, found the number `-1`"
            ),
        ]
    );

    let got = errors::<AccessPoint>("malformed-access-point.json");
    let summary: Vec<(u32, u32, &str)> = got.iter().map(|e| (e.0, e.1, e.4.as_str())).collect();
    assert_eq!(
        summary,
        [
            (4, 20, "\"Vpc\""),
            (11, 21, "\"arn:aws:s3:us-west-2:123456789012:finance-ap\"")
        ]
    );

    let got = errors::<PolicyStatus>("malformed-policy-status.json");
    assert_eq!(
        (got[0].0, got[0].1, got[0].3.as_str()),
        (
            3,
            17,
            "`PolicyStatus.IsPublic` must be `true` or `false`, found the string `false`"
        )
    );
}

fn example_folder() -> PathBuf {
    root().join("policies/buckets/example-bucket")
}

fn loaded_bucket(dir: &Path) -> BucketFolder {
    match load_bucket(dir, &s3_access::lint::Root::new(&[dir.join("..")], None)) {
        Ok(b) => b,
        Err(reports) => panic!("{:#?}", reports.iter().map(located).collect::<Vec<_>>()),
    }
}

#[test]
fn the_example_bucket_folder_loads_completely_and_consistently() {
    let b = loaded_bucket(&example_folder());
    assert_eq!(b.bucket(), "example-bucket");
    assert_eq!(b.account_id(), "111122223333");
    assert_eq!(b.region(), Some("eu-west-1"));
    assert!(b.unknown_files.is_empty(), "{:?}", b.unknown_files);

    let policy = b.policy.loaded().unwrap();
    assert!(policy.doc.wrapped);
    // The lead lowers policies; the file must lint clean as a bucket policy.
    let analysis = s3_access::load::analyze_value(
        policy.source.clone(),
        &policy.root,
        &s3_access::load::LoadOptions::default(),
        Vec::new(),
    );
    assert!(
        analysis.report.max_severity() < Some(Severity::Warning),
        "{:#?}",
        analysis.report.findings
    );
    assert_eq!(analysis.policies[0].kind, PolicyKind::Bucket);

    let acl = b.acl.doc().unwrap();
    assert_eq!(acl.grants.len(), 1);
    assert!(!acl.is_public());
    assert_eq!(
        b.object_ownership(),
        Some(ObjectOwnership::BucketOwnerPreferred)
    );
    let bpa = b.public_access_block.doc().unwrap();
    assert!(bpa.block_public_acls && !bpa.ignore_public_acls);
    assert!(!b.policy_status.doc().unwrap().is_public);
    let enc = b.encryption.doc().unwrap();
    assert_eq!(
        enc.rules[0].default.as_ref().unwrap().algorithm,
        SseAlgorithm::AwsKms
    );
    assert!(enc.rules[0].blocks_sse_c());
    assert_eq!(enc.rules[0].bucket_key_enabled, Some(true));
    let v = b.versioning.doc().unwrap();
    assert_eq!(
        (v.status, v.mfa_delete),
        (VersioningStatus::Enabled, Some(false))
    );
    let log = b.logging.doc().unwrap().target.as_ref().unwrap();
    assert_eq!(log.bucket.value, "example-bucket-logs");
    assert_eq!(log.key_format, Some(LogKeyFormat::PartitionedByEventTime));
    assert_eq!(
        b.cors.doc().unwrap().rules[0].allowed_methods,
        [CorsMethod::Get, CorsMethod::Head]
    );
    assert!(b.object_lock.is_absent());
    let n = b.notification.doc().unwrap();
    assert!(n.event_bridge);
    assert_eq!(n.destinations[0].kind, DestinationKind::Queue);
    assert_eq!(n.destinations[0].filter.len(), 2);
    assert_eq!(b.location.doc().unwrap().region, "eu-west-1");

    let aps = b.access_points.as_ref().unwrap();
    assert_eq!(aps.len(), 1);
    assert_eq!(aps[0].name, "reports-ap");
    let ap = aps[0].access_point.doc().unwrap();
    assert_eq!(
        ap.network_origin,
        NetworkOrigin::Vpc {
            vpc_id: "vpc-1a2b3c4d".into()
        }
    );
    assert_eq!(ap.account.as_deref(), Some("111122223333"));
    assert!(ap.public_access_block.unwrap().is_all_on());
    assert!(aps[0].policy.loaded().unwrap().doc.wrapped);

    assert_eq!(b.objects.len(), 2);
    let logo = &b.objects[0];
    assert_eq!(logo.key.value, "public/logo.png");
    assert!(logo.acl.doc().unwrap().is_public());
    let report = &b.objects[1];
    assert_eq!(report.owner_account.as_ref().unwrap().value, "444455556666");
    let report_acl = report.acl.doc().unwrap();
    assert!(report_acl.grants(
        &Grantee::CanonicalUser {
            id: b.manifest.doc.canonical_id.as_ref().unwrap().value.clone(),
            display_name: None
        },
        Permission::Read
    ));

    let account = b.account.as_ref().unwrap();
    assert_eq!(account.manifest.doc.account.value, "111122223333");
    assert!(
        account
            .public_access_block
            .doc()
            .unwrap()
            .block_public_policy
    );
    let details = account.authorization_details.doc().unwrap();
    assert_eq!(
        (
            details.users.len(),
            details.groups.len(),
            details.roles.len(),
            details.policies.len()
        ),
        (2, 1, 1, 3)
    );
    let alice = details
        .identity_policies_of("arn:aws:iam::111122223333:user/alice")
        .unwrap();
    let origins: Vec<Origin<'_>> = alice.policies.iter().map(|p| p.origin).collect();
    assert_eq!(
        origins,
        [
            Origin::Inline { name: "alice-home" },
            Origin::GroupManaged {
                group: "data-readers",
                arn: "arn:aws:iam::111122223333:policy/ExampleBucketRead"
            }
        ]
    );
    assert!(alice.unresolved.is_empty());
    let bob = "arn:aws:iam::111122223333:user/contractors/bob";
    assert_eq!(
        details.identity_policies_of(bob).unwrap().policies[0].origin,
        Origin::Managed {
            arn: "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
        }
    );
    let boundary = details.boundary_of(bob).unwrap();
    assert_eq!(boundary.policy.unwrap().name.value, "ExampleBoundary");
    let analyst = details
        .role("arn:aws:sts::111122223333:assumed-role/analyst/alice")
        .unwrap();
    assert!(analyst.trust_policy.is_some());
    assert!(details.boundary_of(&analyst.arn.value).is_some());
}

/// A scratch copy of the example (bucket folder and account folder side by side).
fn scratch(name: &str) -> PathBuf {
    let base = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("s3-folders")
        .join(name);
    let _ = std::fs::remove_dir_all(&base);
    copy_dir(&root().join("policies/buckets"), &base);
    base.join("example-bucket")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn folder_errors(dir: &Path) -> Vec<(String, u32, u32, &'static str, String)> {
    let reports =
        load_bucket(dir, &s3_access::lint::Root::new(&[dir.join("..")], None)).unwrap_err();
    reports
        .iter()
        .flat_map(|r| {
            let file = Path::new(r.source.name())
                .strip_prefix(dir)
                .map(|p| p.display().to_string())
                .unwrap_or_else(|_| r.source.name().to_string());
            located(r)
                .into_iter()
                .map(move |e| (file.clone(), e.0, e.1, e.2, e.3))
        })
        .collect()
}

#[test]
fn missing_files_are_unknown_and_extra_files_are_listed() {
    let dir = scratch("unknown");
    std::fs::remove_file(dir.join("cors.json")).unwrap();
    std::fs::remove_dir_all(dir.join("access-points")).unwrap();
    std::fs::write(dir.join("README.txt"), "notes").unwrap();
    std::fs::write(dir.join(".DS_Store"), "").unwrap();
    let b = loaded_bucket(&dir);
    assert!(b.cors.is_unknown());
    assert!(b.access_points.is_none());
    assert_eq!(b.unknown_files, [dir.join("README.txt")]);
}

#[test]
fn manifest_and_consistency_errors_are_located() {
    let dir = scratch("inconsistent");
    let manifest = std::fs::read_to_string(dir.join(folder::MANIFEST))
        .unwrap()
        .replace("\"region\"", "\"regoin\"");
    std::fs::write(dir.join(folder::MANIFEST), manifest).unwrap();
    assert_eq!(
        folder_errors(&dir),
        [(
            "s3-access.json".to_string(),
            6,
            5,
            "E010",
            "unknown manifest key `regoin`".to_string()
        )]
    );

    let dir = scratch("inconsistent-2");
    std::fs::write(dir.join("acl.json"), "{}\n").unwrap();
    std::fs::write(dir.join("policy.json"), "").unwrap();
    let ap = dir.join("access-points/reports-ap/access-point.json");
    let text = std::fs::read_to_string(&ap).unwrap().replace(
        "\"Bucket\": \"example-bucket\"",
        "\"Bucket\": \"other-bucket\"",
    );
    std::fs::write(&ap, text).unwrap();
    let account = dir.join("../account/s3-access.json");
    let text = std::fs::read_to_string(&account).unwrap().replace(
        "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be",
        "ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12",
    );
    std::fs::write(&account, text).unwrap();
    let got = folder_errors(&dir);
    let summary: Vec<(&str, u32, u32, &str)> = got
        .iter()
        .map(|e| (e.0.as_str(), e.1, e.2, e.4.as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            ("policy.json", 1, 1, "the file is empty"),
            (
                "acl.json",
                1,
                1,
                "`{}` records a configuration that is absent on AWS, but every bucket has an ACL"
            ),
            (
                "access-points/reports-ap/access-point.json",
                3,
                15,
                "the access point is on bucket `other-bucket`, but this folder is for `example-bucket`"
            ),
            (
                "../account/s3-access.json",
                4,
                21,
                "the account's canonical id differs from the bucket manifest's `79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be`"
            ),
        ]
    );
}

#[test]
fn a_folder_without_a_manifest_is_an_error() {
    let dir = scratch("no-manifest");
    std::fs::remove_file(dir.join(folder::MANIFEST)).unwrap();
    let got = folder_errors(&dir);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].3, Code::BucketFolder.as_str());
    assert!(got[0].4.contains("has no manifest"));
}

#[test]
fn an_acl_of_another_owner_is_flagged_at_its_owner_id() {
    let dir = scratch("foreign-acl");
    std::fs::copy(
        root().join("tests/fixtures/s3/custodian-acl-log-delivery.json"),
        dir.join("acl.json"),
    )
    .unwrap();
    let got = folder_errors(&dir);
    assert_eq!(got.len(), 1);
    assert_eq!((got[0].1, got[0].2), (4, 11));
    assert!(got[0].4.starts_with("the ACL's owner is `631e4e14"));
}

#[test]
fn loaded_documents_keep_their_source_for_later_findings() {
    let loaded: Loaded<Acl> = read::read_str(
        "acl.json",
        r#"{"Owner": {"ID": "abc"}, "Grants": [{"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"}, "Permission": "READ"}]}"#,
    )
    .unwrap();
    let grant = &loaded.doc.grants[0];
    assert!(loaded.source.slice(grant.span).starts_with("{\"Grantee\""));
    assert_eq!(
        loaded.source.slice(loaded.doc.owner.unwrap().span),
        "\"abc\""
    );
}

#[cfg(unix)]
#[test]
fn the_fetch_script_writes_a_folder_that_loads() {
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("s3-fetch");
    let _ = std::fs::remove_dir_all(&out);
    let bucket_dir = out.join("example-bucket");
    let path = format!(
        "{}:{}",
        root().join("tests/fixtures/s3/fake-aws").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let status = std::process::Command::new("bash")
        .arg(root().join("scripts/fetch-bucket.sh"))
        .args(["example-bucket"])
        .arg(&bucket_dir)
        .args(["--object", "public/logo.png"])
        .env("PATH", path)
        .env("S3_ACCESS_EXAMPLE", root().join("policies/buckets"))
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let b = loaded_bucket(&bucket_dir);
    // NoSuch... errors become `{}` (absent); other errors leave the file out (unknown); an
    // empty successful output is `{}`.
    assert!(b.policy.is_absent() && b.cors.is_absent() && b.object_lock.is_absent());
    assert!(b.public_access_block.is_unknown());
    assert!(b.versioning.is_absent() && b.logging.is_absent());
    // The notification's queue policy lands where the audit looks for it.
    let queue = &b.notification.doc().unwrap().destinations[0];
    let file = b.destination(queue.kind, &queue.arn.value).unwrap();
    assert!(file.policy.doc().unwrap().has_policy);
    assert_eq!(b.region(), Some("eu-west-1"));
    assert!(b.encryption.doc().is_some() && b.acl.doc().is_some());
    let aps = b.access_points.as_ref().unwrap();
    assert_eq!(aps.len(), 2);
    assert_eq!(aps[0].name, "archive-ap");
    assert!(aps[0].access_point.is_unknown() && aps[0].policy.is_absent());
    assert!(aps[1].access_point.doc().is_some());
    // Multi-Region Access Points routing to the bucket, listed from us-west-2; a policy that
    // could not be read is left out (unknown).
    let mraps = b.multi_region_access_points.as_ref().unwrap();
    assert_eq!(mraps.len(), 1);
    assert_eq!(
        mraps[0].access_point.doc().unwrap().alias.value,
        "mfzwi23gnjvgw.mrap"
    );
    assert!(mraps[0].policy.is_unknown());
    // Object Lambda access points over the bucket's access points only; no policy is `{}`.
    let olaps = b.object_lambda_access_points.as_ref().unwrap();
    assert_eq!(olaps.len(), 1);
    assert_eq!(olaps[0].name, "redact-olap");
    assert!(olaps[0].configuration.doc().is_some() && olaps[0].policy.is_absent());
    assert!(olaps[0].access_point.doc().is_some());
    assert!(b.objects[0].acl.doc().unwrap().is_public());
    // The account's S3 VPC endpoints in the bucket's region (none here).
    assert!(b.vpc_endpoints.doc().unwrap().endpoints.is_empty());
    let account = b.account.as_ref().unwrap();
    assert_eq!(
        account.dir.file_name().unwrap().to_string_lossy(),
        "account-111122223333"
    );
    assert_eq!(account.authorization_details.doc().unwrap().users.len(), 2);
    assert!(b.unknown_files.is_empty(), "{:?}", b.unknown_files);
}
