//! Which condition keys a request can carry, by who makes it: some keys are set from the
//! caller (so they are not free: the principal class fixes them), some are in every request,
//! some only in signed requests or only for IAM principals, and a key the catalogue does not
//! know is never set (IAM "AWS global condition context keys" page, per key "Availability").

use crate::eval::request::Caller;

/// How a key can appear in a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Availability {
    /// Set from the caller or the resource owner by `Request::new`: fixed by the principal class.
    Derived,
    /// In every request, with a value the request chooses (`aws:SecureTransport`).
    Always,
    /// Time: `aws:CurrentTime` and `aws:EpochTime`, one instant written twice.
    Time,
    /// Present or absent, any value of its type.
    Free,
    /// Never present for this caller.
    Never,
}

/// Keys `Request::new` derives from the caller and the resource owner.
const DERIVED: &[&str] = &[
    "aws:principalarn",
    "aws:principalaccount",
    "aws:principaltype",
    "aws:userid",
    "aws:username",
    "aws:principalisawsservice",
    "aws:principalservicename",
    "aws:resourceaccount",
    "s3:resourceaccount",
];

/// Keys set from an IAM principal's credentials or account: absent for anonymous callers and
/// AWS service principals (global keys page: "This key is included in the request context
/// when the requester is an IAM principal" and similar).
const IAM_ONLY: &[&str] = &[
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:multifactorauthpresent",
    "aws:multifactorauthage",
    "aws:tokenissuetime",
    "aws:federatedprovider",
    "aws:sourceidentity",
    "aws:rolesessionname",
    "aws:ec2instancesourcevpc",
    "aws:ec2instancesourceprivateipv4",
    "aws:assumedroot",
];

/// Keys of service-to-service requests: present only when an AWS service principal calls on
/// behalf of a resource owner (global keys page, aws:SourceArn: "included in the request
/// context only if accessing a resource triggers an AWS service to call another service on
/// behalf of the resource owner").
const SERVICE_ONLY: &[&str] = &[
    "aws:sourcearn",
    "aws:sourceaccount",
    "aws:sourceowner",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
];

/// Keys that need a signed request: absent for anonymous callers (forward access sessions
/// and the S3 signature keys).
const SIGNED_ONLY: &[&str] = &[
    "aws:calledvia",
    "aws:calledviafirst",
    "aws:calledvialast",
    "aws:principalservicenameslist",
    "s3:signatureversion",
    "s3:signatureage",
];

/// How `key` (any case) can appear in a request made by `caller`.
pub fn availability(key: &str, caller: &Caller) -> Availability {
    // Compared without case and without a lowercase copy: the engine asks this per action
    // and dimension.
    let is = |k: &str| key.eq_ignore_ascii_case(k);
    let among = |list: &[&str]| list.iter().any(|k| key.eq_ignore_ascii_case(k));
    if among(DERIVED) {
        return Availability::Derived;
    }
    if is("aws:currenttime") || is("aws:epochtime") {
        return Availability::Time;
    }
    // Request::new sets these in every request; the request chooses their value.
    if is("aws:securetransport") || is("aws:viaawsservice") {
        return Availability::Always;
    }
    // AWS rule: AWS sets only the keys it defines; a condition on any other key sees it absent.
    if !crate::catalog::is_known_key(key) {
        return Availability::Never;
    }
    let iam = caller.account().is_some();
    let principal_tag = starts_with_ci(key, "aws:principaltag/");
    if (among(IAM_ONLY) || principal_tag) && !iam {
        return Availability::Never;
    }
    if among(SERVICE_ONLY) && !matches!(caller, Caller::Service { .. }) {
        return Availability::Never;
    }
    if among(SIGNED_ONLY) && *caller == Caller::Anonymous {
        return Availability::Never;
    }
    Availability::Free
}

/// Whether `text` starts with `prefix`, ignoring ASCII case.
fn starts_with_ci(text: &str, prefix: &str) -> bool {
    text.as_bytes()
        .get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix.as_bytes()))
}

/// S3 keys set from the access point a request goes through (S3 "Access points" condition
/// keys): absent from requests made to the bucket itself, the only ones the engine enumerates.
const ROUTE: &[&str] = &[
    "s3:dataaccesspointaccount",
    "s3:dataaccesspointarn",
    "s3:accesspointnetworkorigin",
];

/// How `key` can appear in a request of `caller` for `action` (`s3:Name`): as
/// [`availability`], and an S3 key is present only for the actions the catalogue lists it for
/// (Service Authorization Reference, "Actions defined by Amazon S3", condition keys column),
/// and never from an access point in a request to the bucket itself.
pub fn availability_for(key: &str, caller: &Caller, action: &str) -> Availability {
    match availability(key, caller) {
        Availability::Free if never_carries(key, action, || crate::catalog::action(action)) => {
            Availability::Never
        }
        base => base,
    }
}

/// Whether `action` never carries `key`, a key its caller may otherwise send (availability
/// [`Availability::Free`]): the action-dependent part of [`availability_for`]. `known` looks
/// the action up in the catalogue, only for an S3 key (a caller asking for many keys looks it
/// up once).
pub fn never_carries<'a>(
    key: &str,
    action: &str,
    known: impl FnOnce() -> Option<&'a crate::catalog::Action>,
) -> bool {
    // AWS rule: KMS sets its `kms:` keys in requests to KMS only (KMS "Condition keys for AWS
    // KMS"); the KMS leg's request is built from the S3 request by `eval::kms::leg_request`.
    if starts_with_ci(key, "kms:") {
        return !starts_with_ci(action, "kms:");
    }
    if !starts_with_ci(key, "s3:") {
        return false;
    }
    if ROUTE.iter().any(|k| key.eq_ignore_ascii_case(k)) {
        return true;
    }
    // An action the catalogue does not know may carry any key.
    known().is_some_and(|a| {
        !a.condition_keys().iter().any(|k| {
            let head = k.split("${").next().unwrap_or(k);
            if head.len() < k.len() {
                starts_with_ci(key, head)
            } else {
                k.eq_ignore_ascii_case(key)
            }
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_follow_the_caller() {
        let anon = Caller::Anonymous;
        let user = Caller::parse("arn:aws:iam::111122223333:user/u").unwrap();
        let svc = Caller::parse("cloudtrail.amazonaws.com").unwrap();
        assert_eq!(
            availability("aws:PrincipalOrgID", &anon),
            Availability::Never
        );
        assert_eq!(
            availability("aws:PrincipalOrgID", &svc),
            Availability::Never
        );
        assert_eq!(
            availability("aws:PrincipalOrgID", &user),
            Availability::Free
        );
        assert_eq!(
            availability("aws:PrincipalTag/team", &anon),
            Availability::Never
        );
        assert_eq!(availability("aws:SourceArn", &anon), Availability::Never);
        assert_eq!(availability("aws:SourceArn", &svc), Availability::Free);
        assert_eq!(availability("aws:SourceOwner", &user), Availability::Never);
        assert_eq!(
            availability("aws:PrincipalArn", &user),
            Availability::Derived
        );
        assert_eq!(availability("AWS:EPOCHTIME", &user), Availability::Time);
        assert_eq!(
            availability("aws:SecureTransport", &anon),
            Availability::Always
        );
        assert_eq!(availability("aws:SourceIp", &anon), Availability::Free);
        assert_eq!(availability("s3ax:nothing", &user), Availability::Never);
        // S3 keys follow the action, and access point keys are absent from bucket requests.
        let get = "s3:GetObject";
        assert_eq!(
            availability_for("s3:DataAccessPointAccount", &anon, get),
            Availability::Never
        );
        assert_eq!(
            availability_for("s3:x-amz-server-side-encryption", &user, get),
            Availability::Never
        );
        assert_eq!(
            availability_for("s3:x-amz-server-side-encryption", &user, "s3:PutObject"),
            Availability::Free
        );
        assert_eq!(
            availability_for("s3:ExistingObjectTag/team", &user, get),
            Availability::Free
        );
        assert_eq!(
            availability_for("s3:prefix", &user, "s3:ListBucket"),
            Availability::Free
        );
        assert_eq!(
            availability_for("s3:prefix", &user, "s3:NewThing"),
            Availability::Free
        );
        // KMS keys are in requests to KMS only.
        assert_eq!(
            availability_for("kms:ViaService", &user, get),
            Availability::Never
        );
        assert_eq!(
            availability_for("kms:ViaService", &user, "kms:Decrypt"),
            Availability::Free
        );
    }
}
