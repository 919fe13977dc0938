//! The request being decided: who calls, which action on which resource, and the request
//! context with the keys AWS sets for such a request.

use crate::eval::context::{Context, Origin};
use crate::policy::PrincipalArn;

/// Who makes the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// An unsigned request.
    Anonymous,
    /// The root user of an account.
    Root {
        /// Partition, e.g. `aws`.
        partition: String,
        /// Account id.
        account: String,
    },
    /// An IAM user.
    User {
        /// Partition.
        partition: String,
        /// Account id.
        account: String,
        /// Path, e.g. `/` or `/division/`.
        path: String,
        /// User name.
        name: String,
    },
    /// A role session (`arn:aws:sts::A:assumed-role/ROLE/SESSION`).
    Session {
        /// Partition.
        partition: String,
        /// Account id.
        account: String,
        /// The role's path (not in the session ARN; `/` unless given as a role ARN).
        role_path: String,
        /// Role name.
        role: String,
        /// Session name.
        session: String,
    },
    /// A federated user (`arn:aws:sts::A:federated-user/NAME`).
    FederatedUser {
        /// Partition.
        partition: String,
        /// Account id.
        account: String,
        /// Federated user name.
        name: String,
    },
    /// An AWS service principal acting directly, e.g. `logging.s3.amazonaws.com`.
    Service {
        /// The service principal name.
        name: String,
    },
}

/// Default session name when a role ARN is given as the caller.
pub const DEFAULT_SESSION: &str = "s3-access";

impl Caller {
    /// Parses `anonymous`, an account id (its root user), a service principal name, or an
    /// IAM/STS ARN (a role ARN stands for a session of that role named `s3-access`).
    pub fn parse(s: &str) -> Result<Caller, String> {
        if s.eq_ignore_ascii_case("anonymous") || s == "*" {
            return Ok(Caller::Anonymous);
        }
        if crate::arn::is_account_id(s) {
            return Ok(Caller::Root {
                partition: "aws".into(),
                account: s.into(),
            });
        }
        if !s.starts_with("arn:") {
            if s.contains('.') && !s.contains(char::is_whitespace) {
                return Ok(Caller::Service { name: s.into() });
            }
            return Err(format!(
                "`{s}` is not a principal: use `anonymous`, an account id, a service principal such as `cloudtrail.amazonaws.com`, or an IAM/STS ARN"
            ));
        }
        let arn = crate::arn::parse(s).map_err(|e| format!("`{s}`: {}", e.message()))?;
        if !crate::arn::is_account_id(arn.account) {
            return Err(format!("`{s}` has no 12-digit account id"));
        }
        let partition = arn.partition.to_string();
        let account = arn.account.to_string();
        match PrincipalArn::read(arn.service, arn.resource) {
            Some(PrincipalArn::Root) => Ok(Caller::Root { partition, account }),
            Some(PrincipalArn::User { path, name }) => Ok(Caller::User {
                partition,
                account,
                path: path.into(),
                name: name.into(),
            }),
            Some(PrincipalArn::Role { path, name }) => Ok(Caller::Session {
                partition,
                account,
                role_path: path.into(),
                role: name.into(),
                session: DEFAULT_SESSION.into(),
            }),
            Some(PrincipalArn::AssumedRole { role, session }) => Ok(Caller::Session {
                partition,
                account,
                role_path: "/".into(),
                role: role.into(),
                session: session.into(),
            }),
            Some(PrincipalArn::FederatedUser { name }) => Ok(Caller::FederatedUser {
                partition,
                account,
                name: name.into(),
            }),
            None if arn.service == "sts" && arn.resource.starts_with("assumed-role/") => Err(
                format!("`{s}` is not of the form arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION"),
            ),
            None => Err(format!(
                "`{s}` is not a user, role, root, assumed-role or federated-user ARN"
            )),
        }
    }

    /// The caller's account, if it has one.
    pub fn account(&self) -> Option<&str> {
        match self {
            Caller::Root { account, .. }
            | Caller::User { account, .. }
            | Caller::Session { account, .. }
            | Caller::FederatedUser { account, .. } => Some(account),
            Caller::Anonymous | Caller::Service { .. } => None,
        }
    }

    /// The ARN the request is made with (the session ARN for role sessions).
    pub fn arn(&self) -> Option<String> {
        match self {
            Caller::Root { partition, account } => {
                Some(format!("arn:{partition}:iam::{account}:root"))
            }
            Caller::User {
                partition,
                account,
                path,
                name,
            } => Some(format!("arn:{partition}:iam::{account}:user{path}{name}")),
            Caller::Session {
                partition,
                account,
                role,
                session,
                ..
            } => Some(format!(
                "arn:{partition}:sts::{account}:assumed-role/{role}/{session}"
            )),
            Caller::FederatedUser {
                partition,
                account,
                name,
            } => Some(format!(
                "arn:{partition}:sts::{account}:federated-user/{name}"
            )),
            Caller::Anonymous | Caller::Service { .. } => None,
        }
    }

    /// The value of `aws:PrincipalArn`: the role ARN (with path) for role sessions.
    // AWS rule: aws:PrincipalArn is the role ARN for assumed roles (IAM "Global condition keys" page).
    pub fn principal_arn(&self) -> Option<String> {
        match self {
            Caller::Session {
                partition,
                account,
                role_path,
                role,
                ..
            } => Some(format!(
                "arn:{partition}:iam::{account}:role{role_path}{role}"
            )),
            other => other.arn(),
        }
    }

    /// The value of `aws:PrincipalType`.
    pub fn principal_type(&self) -> &'static str {
        match self {
            Caller::Anonymous => "Anonymous",
            Caller::Root { .. } => "Account",
            Caller::User { .. } => "User",
            Caller::Session { .. } => "AssumedRole",
            Caller::FederatedUser { .. } => "FederatedUser",
            Caller::Service { .. } => "Service",
        }
    }

    /// Whether identity-based policies (and boundaries) can apply to this caller.
    pub fn has_identity_policies(&self) -> bool {
        matches!(
            self,
            Caller::User { .. } | Caller::Session { .. } | Caller::FederatedUser { .. }
        )
    }

    /// Whether session policies can apply (role sessions and federated users).
    pub fn has_session(&self) -> bool {
        matches!(self, Caller::Session { .. } | Caller::FederatedUser { .. })
    }

    /// Whether this is a session of a service-linked role (exempt from SCPs and RCPs).
    // AWS rule: SCPs and RCPs do not restrict service-linked roles (Organizations SCP/RCP pages).
    pub fn is_service_linked_role(&self) -> bool {
        // Service-linked roles live under /aws-service-role/ and are named AWSServiceRoleFor...;
        // a session ARN carries no path, so the name is the tell-tale there.
        matches!(self, Caller::Session { role_path, role, .. }
            if role_path.starts_with("/aws-service-role/") || role.starts_with("AWSServiceRoleFor"))
    }
}

impl std::fmt::Display for Caller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Caller::Anonymous => f.write_str("anonymous"),
            Caller::Service { name } => f.write_str(name),
            other => f.write_str(&other.arn().unwrap_or_default()),
        }
    }
}

/// One request to decide.
#[derive(Debug, Clone)]
pub struct Request {
    /// Who.
    pub caller: Caller,
    /// The action, e.g. `s3:GetObject`.
    pub action: String,
    /// Lowercase action, for case-insensitive matching without allocation.
    pub(crate) action_lower: String,
    /// The resource ARN (`*` for actions without a resource).
    pub resource: String,
    /// Byte ranges of the resource ARN's six parts, split once.
    pub(crate) resource_parts: Option<[(usize, usize); 6]>,
    /// The account that owns the resource (the bucket owner for S3).
    pub resource_account: String,
    /// Whether the resource owner was given or assumed.
    pub resource_account_given: bool,
    /// The request context.
    pub context: Context,
}

/// `now` as `aws:CurrentTime` writes it, formatted once per thread for the last instant
/// asked: a run builds many requests at one instant.
fn current_time(now: i64) -> String {
    thread_local! {
        static LAST: std::cell::RefCell<Option<(i64, String)>> = const { std::cell::RefCell::new(None) };
    }
    LAST.with(|last| {
        let mut last = last.borrow_mut();
        match &*last {
            Some((t, text)) if *t == now => text.clone(),
            _ => {
                let text = crate::eval::context::iso8601(now);
                *last = Some((now, text.clone()));
                text
            }
        }
    })
}

/// Keeps `aws:CurrentTime` and `aws:EpochTime` the same instant when one of them was given:
/// the other is derived from it, as AWS sets both from the request time.
// AWS rule: IAM "Global condition context keys": aws:CurrentTime and aws:EpochTime are the
// date and time of the request, in ISO 8601 and epoch seconds.
fn same_time(context: &mut Context) {
    let given = |k: &str| {
        context
            .get(k)
            .filter(|e| e.origin == Origin::Given)
            .and_then(|e| e.values.first())
            .and_then(|v| crate::values::parse_date(v))
    };
    let (current, epoch) = (given("aws:CurrentTime"), given("aws:EpochTime"));
    let seconds = |ms: i64| ms.div_euclid(1000);
    match (current, epoch) {
        (Some(ms), None) => context.set(
            "aws:EpochTime",
            vec![seconds(ms).to_string()],
            Origin::Default,
        ),
        (None, Some(ms)) => context.set(
            "aws:CurrentTime",
            vec![crate::eval::context::iso8601(seconds(ms))],
            Origin::Default,
        ),
        _ => {}
    }
}

impl Request {
    /// Builds a request and its context: the keys AWS sets for every such request get
    /// defaults derived from it, then `given` values override them (a key given twice is
    /// multi-valued). `now` is the request time in epoch seconds.
    pub fn new(
        caller: Caller,
        action: &str,
        resource: &str,
        resource_account: Option<&str>,
        given: &[(String, String)],
        now: i64,
    ) -> Request {
        let owner = resource_account
            .map(str::to_string)
            .or_else(|| caller.account().map(str::to_string))
            .unwrap_or_default();
        let mut context = Context::default();
        // Each default key is set once, into an empty context: no earlier entry to look for.
        let mut set = |k: &str, v: String| context.set_new(k, vec![v], Origin::Default);
        // AWS rule: keys present in every request (IAM "Global condition context keys" page).
        set("aws:SecureTransport", "true".into());
        set("aws:CurrentTime", current_time(now));
        set("aws:EpochTime", now.to_string());
        set("aws:ViaAWSService", "false".into());
        set("aws:PrincipalType", caller.principal_type().into());
        match &caller {
            Caller::Anonymous => {
                set("aws:PrincipalAccount", "anonymous".into());
                set("aws:userid", "anonymous".into());
            }
            Caller::Service { name } => {
                set("aws:PrincipalIsAWSService", "true".into());
                set("aws:PrincipalServiceName", name.clone());
            }
            other => {
                if let Some(arn) = other.principal_arn() {
                    set("aws:PrincipalArn", arn);
                }
                if let Some(a) = other.account() {
                    set("aws:PrincipalAccount", a.to_string());
                }
                set("aws:PrincipalIsAWSService", "false".into());
                match other {
                    Caller::Root { account, .. } => set("aws:userid", account.clone()),
                    Caller::User { name, .. } => set("aws:username", name.clone()),
                    Caller::FederatedUser { account, name, .. } => {
                        set("aws:userid", format!("{account}:{name}"))
                    }
                    _ => {}
                }
            }
        }
        if !owner.is_empty() {
            set("aws:ResourceAccount", owner.clone());
            if action
                .get(..3)
                .is_some_and(|p| p.eq_ignore_ascii_case("s3:"))
            {
                set("s3:ResourceAccount", owner.clone());
            }
        }
        // A session ARN has no role path; a given aws:PrincipalArn (the role ARN) supplies it.
        let mut caller = caller;
        if let Caller::Session {
            role_path,
            role,
            account,
            ..
        } = &mut caller
        {
            let given_arn = given
                .iter()
                .rev()
                .find(|(k, _)| k.eq_ignore_ascii_case("aws:PrincipalArn"));
            if let Some(Ok(Caller::Session {
                role_path: p,
                role: r,
                account: a,
                ..
            })) = given_arn.map(|(_, v)| Caller::parse(v))
                && r == *role
                && a == *account
            {
                *role_path = p;
            }
        }
        let mut seen: Vec<&str> = Vec::new();
        for (k, v) in given {
            if seen.iter().any(|s| s.eq_ignore_ascii_case(k)) {
                context.push_value(k, v.clone());
            } else {
                seen.push(k);
                context.set(k, vec![v.clone()], Origin::Given);
            }
        }
        same_time(&mut context);
        Request {
            caller,
            action: action.to_string(),
            action_lower: action.to_ascii_lowercase(),
            resource: resource.to_string(),
            resource_parts: split_ranges(resource),
            resource_account_given: resource_account.is_some(),
            resource_account: owner,
            context,
        }
    }

    /// The same request for another `action` and `resource`, changed in place: many actions
    /// of one caller are tried without building the context again. What [`Request::new`]
    /// derives from the action follows it: `s3:ResourceAccount`, set for `s3:` actions when
    /// the owner is known, unless it was given.
    pub fn set_target(&mut self, action: &str, resource: &str) {
        let s3 = |a: &str| a.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("s3:"));
        let given = self
            .context
            .get("s3:ResourceAccount")
            .is_some_and(|e| e.origin == Origin::Given);
        if !self.resource_account.is_empty() && !given && s3(&self.action) != s3(action) {
            if s3(action) {
                let owner = self.resource_account.clone();
                self.context
                    .set("s3:ResourceAccount", vec![owner], Origin::Default);
            } else {
                self.context.remove("s3:ResourceAccount");
            }
        }
        self.action.clear();
        self.action.push_str(action);
        self.action_lower.clear();
        self.action_lower.push_str(action);
        self.action_lower.make_ascii_lowercase();
        self.resource.clear();
        self.resource.push_str(resource);
        self.resource_parts = split_ranges(resource);
    }

    /// The same request against another resource owned by `owner`, with `extra` context
    /// values set where the request has none (an access point's keys, for instance).
    pub fn retarget(&self, resource: &str, owner: &str, extra: &[(&str, String)]) -> Request {
        let mut context = self.context.clone();
        for (k, v) in extra {
            if context.get(k).is_none() {
                context.set(k, vec![v.clone()], Origin::Default);
            }
        }
        Request {
            caller: self.caller.clone(),
            action: self.action.clone(),
            action_lower: self.action_lower.clone(),
            resource: resource.to_string(),
            resource_parts: split_ranges(resource),
            resource_account: owner.to_string(),
            resource_account_given: true,
            context,
        }
    }

    /// The request another service makes with the caller's credentials (a forward access
    /// session): same caller and context, a new action on a resource of `owner`; the keys of
    /// the first service (`s3:...`) are not sent.
    // AWS rule: with forward access sessions the downstream service checks the same
    // principal, and "the original requester's IP address is preserved" (IAM "Forward access
    // sessions"; "AWS: Denies access to AWS based on the source IP").
    pub fn forwarded(&self, action: &str, resource: &str, owner: &str) -> Request {
        let mut context = self.context.clone();
        let first_service: Vec<String> = context
            .entries()
            .iter()
            .filter(|e| {
                e.key
                    .get(..3)
                    .is_some_and(|p| p.eq_ignore_ascii_case("s3:"))
            })
            .map(|e| e.key.to_string())
            .collect();
        for key in first_service {
            context.remove(&key);
        }
        context.set(
            "aws:ResourceAccount",
            vec![owner.to_string()],
            Origin::Default,
        );
        Request {
            caller: self.caller.clone(),
            action: action.to_string(),
            action_lower: action.to_ascii_lowercase(),
            resource: resource.to_string(),
            resource_parts: split_ranges(resource),
            resource_account: owner.to_string(),
            resource_account_given: true,
            context,
        }
    }

    /// The resource ARN's six parts.
    pub(crate) fn resource_split(&self) -> Option<[&str; 6]> {
        let ranges = self.resource_parts?;
        let r = &self.resource;
        Some(ranges.map(|(a, b)| r.get(a..b).unwrap_or("")))
    }

    /// Whether the caller belongs to the account that owns the resource.
    pub fn same_account(&self) -> bool {
        self.caller
            .account()
            .is_some_and(|a| a == self.resource_account)
    }
}

/// Byte ranges of an ARN's six parts.
fn split_ranges(resource: &str) -> Option<[(usize, usize); 6]> {
    crate::arn::Arn::split(resource).map(|arn| {
        arn.parts().map(|p| {
            let start = p.as_ptr() as usize - resource.as_ptr() as usize;
            (start, start + p.len())
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_remembered_current_time_is_the_instant_asked() {
        for t in [0, 1_700_000_000, 1_700_000_000, 86_399, 0] {
            assert_eq!(current_time(t), crate::eval::context::iso8601(t));
        }
    }

    #[test]
    fn a_retargeted_request_is_the_request_built_for_its_target() {
        let caller = Caller::parse("111122223333").unwrap();
        let given = [("aws:SourceIp".to_string(), "192.0.2.1".to_string())];
        let targets = [
            ("s3:GetObject", "arn:aws:s3:::b/k"),
            ("s3:ListBucket", "arn:aws:s3:::b"),
            ("kms:Decrypt", "arn:aws:kms:us-east-1:111122223333:key/k"),
            ("S3:PutObject", "arn:aws:s3:::b/other"),
        ];
        for owner in [Some("444455556666"), None] {
            let new = |(a, r): (&str, &str)| {
                Request::new(caller.clone(), a, r, owner, &given, 1_700_000_000)
            };
            let mut moved = new(targets[0]);
            for t in targets {
                moved.set_target(t.0, t.1);
                let built = new(t);
                let entries = |r: &Request| {
                    let mut e: Vec<String> = r
                        .context
                        .entries()
                        .iter()
                        .map(|e| format!("{e:?}"))
                        .collect();
                    e.sort();
                    e
                };
                assert_eq!(entries(&moved), entries(&built), "{t:?}");
                assert_eq!(
                    (&moved.action, &moved.action_lower, &moved.resource),
                    (&built.action, &built.action_lower, &built.resource)
                );
                assert_eq!(moved.resource_parts, built.resource_parts);
                assert_eq!(moved.resource_account, built.resource_account);
            }
        }
        // A given s3:ResourceAccount stays, whatever the action.
        let given = [("s3:ResourceAccount".to_string(), "999999999999".to_string())];
        let mut r = Request::new(caller, "s3:GetObject", "arn:aws:s3:::b/k", None, &given, 0);
        r.set_target("kms:Decrypt", "*");
        let kept = r
            .context
            .get("s3:ResourceAccount")
            .map(|e| e.values.to_vec());
        assert_eq!(kept, Some(vec!["999999999999".to_string()]));
    }

    #[test]
    fn callers_parse_from_every_documented_form() {
        assert_eq!(Caller::parse("anonymous"), Ok(Caller::Anonymous));
        assert!(matches!(
            Caller::parse("111122223333"),
            Ok(Caller::Root { .. })
        ));
        assert!(matches!(
            Caller::parse("cloudtrail.amazonaws.com"),
            Ok(Caller::Service { .. })
        ));
        let s = Caller::parse("arn:aws:sts::111122223333:assumed-role/Admin/alice").unwrap();
        assert_eq!(
            s.principal_arn().unwrap(),
            "arn:aws:iam::111122223333:role/Admin"
        );
        let r = Caller::parse("arn:aws:iam::111122223333:role/team/Admin").unwrap();
        assert_eq!(
            r.principal_arn().unwrap(),
            "arn:aws:iam::111122223333:role/team/Admin"
        );
        assert_eq!(
            r.arn().unwrap(),
            "arn:aws:sts::111122223333:assumed-role/Admin/s3-access"
        );
        let u = Caller::parse("arn:aws:iam::111122223333:user/ops/bob").unwrap();
        assert_eq!(u.arn().unwrap(), "arn:aws:iam::111122223333:user/ops/bob");
        assert!(Caller::parse("arn:aws:iam::1111:user/bob").is_err());
        assert!(Caller::parse("bob").is_err());
    }

    #[test]
    fn context_defaults_follow_the_caller_and_can_be_overridden() {
        let caller = Caller::parse("arn:aws:iam::111122223333:user/bob").unwrap();
        let given = vec![
            ("aws:SecureTransport".to_string(), "false".to_string()),
            ("aws:TagKeys".to_string(), "a".to_string()),
            ("aws:TagKeys".to_string(), "b".to_string()),
        ];
        let r = Request::new(
            caller,
            "s3:GetObject",
            "arn:aws:s3:::b/k",
            Some("444455556666"),
            &given,
            0,
        );
        assert_eq!(
            r.context.get("aws:username").unwrap().values.to_vec(),
            vec!["bob"]
        );
        assert_eq!(
            r.context
                .get("AWS:SECURETRANSPORT")
                .unwrap()
                .values
                .to_vec(),
            vec!["false"]
        );
        assert_eq!(
            r.context.get("aws:tagkeys").unwrap().values.to_vec(),
            vec!["a", "b"]
        );
        assert_eq!(
            r.context.get("s3:ResourceAccount").unwrap().values.to_vec(),
            vec!["444455556666"]
        );
        assert!(!r.same_account());
        let anon = Request::new(
            Caller::Anonymous,
            "s3:GetObject",
            "arn:aws:s3:::b/k",
            Some("1"),
            &[],
            0,
        );
        assert!(anon.context.get("aws:PrincipalArn").is_none());
        assert_eq!(
            anon.context
                .get("aws:PrincipalAccount")
                .unwrap()
                .values
                .to_vec(),
            vec!["anonymous"]
        );
    }
}
