//! `s3-access query`: decide one request. The flags become a [`QueryInput`] that the library
//! checks and loads ([`s3_access::query`]); this file prints what loading says, then the
//! answer, and compares it with `--expect`.

use crate::output::{EXIT_ERROR, EXIT_FINDINGS, Format, json_error, style, write_out};
use s3_access::eval::Decision;
use s3_access::query::{self, Notice, QueryInput};
use s3_access::report;
use std::path::PathBuf;

/// The arguments of `query`.
#[derive(clap::Args)]
pub struct QueryArgs {
    /// The caller: `anonymous`, an account id (its root user), an IAM user or role ARN, an
    /// assumed-role session ARN, a federated-user ARN, or a service principal
    #[arg(long)]
    principal: String,
    /// The action, e.g. `s3:GetObject`
    #[arg(long)]
    action: String,
    /// The resource ARN (`*` for actions without a resource)
    #[arg(long)]
    resource: String,
    /// The account that owns the bucket (default: the caller's account)
    #[arg(long, value_name = "ACCOUNT")]
    bucket_owner: Option<String>,
    /// A request context value `KEY=VALUE`; repeat a key to make it multi-valued
    #[arg(long = "context", value_name = "KEY=VALUE")]
    context: Vec<String>,
    /// The caller's identity-based policy (repeatable)
    #[arg(long, value_name = "FILE")]
    identity_policy: Vec<PathBuf>,
    /// The bucket policy
    #[arg(long, value_name = "FILE")]
    bucket_policy: Option<PathBuf>,
    /// The caller's permissions boundary
    #[arg(long, value_name = "FILE")]
    permissions_boundary: Option<PathBuf>,
    /// The session policy of the caller's session
    #[arg(long, value_name = "FILE")]
    session_policy: Option<PathBuf>,
    /// SCPs of one organisation level, root first (repeatable; one policy or a JSON array)
    #[arg(long, value_name = "FILE")]
    scp: Vec<PathBuf>,
    /// RCPs of one organisation level, root first (repeatable; one policy or a JSON array)
    #[arg(long, value_name = "FILE")]
    rcp: Vec<PathBuf>,
    /// The request time (ISO 8601 or epoch seconds; default: now)
    #[arg(long)]
    time: Option<String>,
    /// A bucket folder (docs/bucket-folder.md): its policy, ACLs, Object Ownership, Block
    /// Public Access, access points, objects, and the account's IAM principals; or a bucket
    /// declared in a `.tf` file or module directory, a plan or a template (`FILE#ADDRESS`
    /// picks one of several, docs/iac.md)
    #[arg(long, value_name = "DIR|FILE[#ADDRESS]")]
    bucket: Option<PathBuf>,
    /// The bucket ACL (`aws s3api get-bucket-acl` output)
    #[arg(long, value_name = "FILE")]
    bucket_acl: Option<PathBuf>,
    /// The ACL of the requested object (`aws s3api get-object-acl` output)
    #[arg(long, value_name = "FILE")]
    object_acl: Option<PathBuf>,
    /// The account that owns the requested object (default: the bucket owner)
    #[arg(long, value_name = "ACCOUNT")]
    object_owner: Option<String>,
    /// Object Ownership (`aws s3api get-bucket-ownership-controls` output)
    #[arg(long, value_name = "FILE")]
    ownership_controls: Option<PathBuf>,
    /// The bucket's Block Public Access (`aws s3api get-public-access-block` output)
    #[arg(long, value_name = "FILE")]
    public_access_block: Option<PathBuf>,
    /// The account's Block Public Access (`aws s3control get-public-access-block` output)
    #[arg(long, value_name = "FILE")]
    account_public_access_block: Option<PathBuf>,
    /// An access point folder (`access-point.json`, `policy.json`); repeatable
    #[arg(long, value_name = "DIR")]
    access_point: Vec<PathBuf>,
    /// Let the paths that `--bucket` and `--access-point` folders name lead into DIR too
    /// (by default they must stay inside the folder given)
    #[arg(long, value_name = "DIR")]
    root: Option<PathBuf>,
    /// The key policy of the object's KMS key (`aws kms get-key-policy` output or the policy):
    /// decides the KMS leg of reads and writes of an SSE-KMS object
    #[arg(long, value_name = "FILE")]
    key_policy: Option<PathBuf>,
    /// The object's KMS key (`aws kms describe-key` output): its ARN and owner account
    #[arg(long, value_name = "FILE")]
    describe_key: Option<PathBuf>,
    /// The object's metadata (`aws s3api head-object` output): which KMS key encrypts it and
    /// whether with an S3 Bucket Key
    #[arg(long, value_name = "FILE")]
    head_object: Option<PathBuf>,
    /// What if the object were encrypted with this KMS key (key ARN)
    #[arg(long, value_name = "ARN")]
    sse_kms_key: Option<String>,
    /// The grants of the object's KMS key (`aws kms list-grants` output): a grant naming the
    /// caller allows its operations besides the key policy
    #[arg(long, value_name = "FILE")]
    kms_grants: Option<PathBuf>,
    /// The VPC endpoint the request comes through (`aws ec2 describe-vpc-endpoints` output, or
    /// an endpoint policy): its policy must allow, and its id is the request's
    /// `aws:SourceVpce` unless `--context` gives one
    #[arg(long, value_name = "FILE")]
    vpce_policy: Option<PathBuf>,
    /// Output format. human: the decision, a table of the layers, the deciding statement
    /// shown in its file and each statement's outcome (and the KMS leg's, for an SSE-KMS
    /// object); json: `decision`, `determining`, `trace`, `context`, the notes and `kms`
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Exit 1 unless the decision is this one
    #[arg(long, value_parser = parse_decision)]
    expect: Option<Decision>,
}

fn parse_decision(s: &str) -> Result<Decision, String> {
    Decision::parse(s).ok_or_else(|| format!("`{s}` is not Allow, ExplicitDeny or ImplicitDeny"))
}

impl From<QueryArgs> for QueryInput {
    fn from(a: QueryArgs) -> QueryInput {
        QueryInput {
            principal: a.principal,
            action: a.action,
            resource: a.resource,
            bucket_owner: a.bucket_owner,
            context: a.context,
            identity_policy: a.identity_policy,
            bucket_policy: a.bucket_policy,
            permissions_boundary: a.permissions_boundary,
            session_policy: a.session_policy,
            scp: a.scp,
            rcp: a.rcp,
            time: a.time,
            bucket: a.bucket,
            bucket_acl: a.bucket_acl,
            object_acl: a.object_acl,
            object_owner: a.object_owner,
            ownership_controls: a.ownership_controls,
            public_access_block: a.public_access_block,
            account_public_access_block: a.account_public_access_block,
            access_point: a.access_point,
            root: a.root,
            key_policy: a.key_policy,
            describe_key: a.describe_key,
            head_object: a.head_object,
            sse_kms_key: a.sse_kms_key,
            kms_grants: a.kms_grants,
            vpce_policy: a.vpce_policy,
        }
    }
}

/// Loads the documents, decides the request and writes the answer.
pub fn run(args: QueryArgs) -> std::io::Result<u8> {
    let (format, expect) = (args.format, args.expect);
    let style = style();
    let mut notices = Vec::new();
    let loaded = query::load(&args.into(), &mut notices);
    for notice in &notices {
        match notice {
            Notice::Warning(w) => eprintln!("warning: {}", crate::output::said(w)),
            Notice::Input(w) => eprintln!("warning: {}", crate::output::said(w)),
            Notice::Findings(r) => eprint!("{}", report::human(r, style)),
            Notice::Error(e) => eprintln!("error: {}", crate::output::said(e)),
        }
    }
    let Ok(query) = loaded else {
        return Ok(EXIT_ERROR);
    };
    let (response, kms) = query.decide_with_kms();
    let (graph, request) = (&query.graph, &query.request);
    let olap = query.decide_object_lambda();
    let text = match format {
        Format::Human
            if !crate::output::quiet()
                && let Some(d) = &olap =>
        {
            report::object_lambda::object_lambda_human(graph, request, d, style)
        }
        Format::Json if let Some(d) = &olap => {
            let v = report::object_lambda::object_lambda_json(graph, request, d);
            report::json_text(&v).map_err(json_error)?
        }
        Format::Human if crate::output::quiet() => {
            report::query::verdict(graph, &response, request)
        }
        Format::Human => {
            let mut text = report::query::human(graph, &response, request, style);
            if let Some(leg) = &kms {
                text.push_str(&report::query::kms_human(leg, style));
            }
            text
        }
        Format::Json => {
            let mut v = report::query::json(graph, &response, request);
            if let (Some(leg), Some(o)) = (&kms, v.as_object_mut()) {
                o.insert("kms".into(), report::query::kms_json(leg));
            }
            report::json_text(&v).map_err(json_error)?
        }
    };
    write_out(&text)?;
    Ok(match expect {
        Some(expected) if expected != response.decision => {
            eprintln!(
                "expected {}, got {}",
                expected.as_str(),
                response.decision.as_str()
            );
            EXIT_FINDINGS
        }
        // An answer s3-access could not model never satisfies an expectation.
        Some(_) if !response.uncertain.is_empty() => {
            eprintln!("the answer is uncertain (see above): --expect cannot be satisfied");
            EXIT_FINDINGS
        }
        _ => 0,
    })
}
