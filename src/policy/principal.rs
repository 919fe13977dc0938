//! The meaning of an `AWS` principal value: an account, a user, a role, a session, ...

/// What an `{"AWS": "..."}` principal names.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AwsPrincipal {
    /// `*`: every signed and anonymous caller.
    Any,
    /// `123456789012` or `arn:aws:iam::123456789012:root`: the account, which delegates to its
    /// own identity policies.
    // AWS rule: an account principal means the whole account (IAM "Principal" element page).
    Account {
        /// The account id.
        account: String,
    },
    /// `arn:aws:iam::A:user/path/name`.
    User {
        /// Partition.
        partition: String,
        /// Account id.
        account: String,
        /// The user name (without path).
        name: String,
    },
    /// `arn:aws:iam::A:role/path/name`: matches the role and all of its sessions.
    Role {
        /// Partition.
        partition: String,
        /// Account id.
        account: String,
        /// The role name (without path).
        name: String,
    },
    /// `arn:aws:sts::A:assumed-role/ROLE/SESSION`: only that session.
    AssumedRole {
        /// Partition.
        partition: String,
        /// Account id.
        account: String,
        /// The role name.
        role: String,
        /// The session name.
        session: String,
    },
    /// `arn:aws:sts::A:federated-user/NAME`.
    FederatedUser {
        /// Partition.
        partition: String,
        /// Account id.
        account: String,
        /// The federated user name.
        name: String,
    },
    /// A unique id (`AIDA...`, `AROA...`) that AWS shows after the named entity was deleted.
    UniqueId(String),
}

/// Why an AWS principal value is not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrincipalError {
    /// Lowercase message, no final period.
    pub message: String,
    /// Advice, if any.
    pub help: Option<&'static str>,
}

/// What an IAM or STS principal ARN names, with the path kept: the one reading of principal
/// ARNs, shared by the `Principal` element ([`AwsPrincipal`]) and the caller of a request
/// (`crate::eval::Caller`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrincipalArn<'a> {
    /// `arn:P:iam::A:root`.
    Root,
    /// `arn:P:iam::A:user/PATH/NAME`: the path with its slashes (`/` when none) and the name.
    User {
        /// `/` or `/path/`.
        path: &'a str,
        /// The user name.
        name: &'a str,
    },
    /// `arn:P:iam::A:role/PATH/NAME`.
    Role {
        /// `/` or `/path/`.
        path: &'a str,
        /// The role name.
        name: &'a str,
    },
    /// `arn:P:sts::A:assumed-role/ROLE/SESSION`.
    AssumedRole {
        /// The role name.
        role: &'a str,
        /// The session name.
        session: &'a str,
    },
    /// `arn:P:sts::A:federated-user/NAME`.
    FederatedUser {
        /// The federated user name.
        name: &'a str,
    },
}

impl<'a> PrincipalArn<'a> {
    /// Reads the service and resource of an ARN as a principal; `None` when they name no
    /// IAM or STS principal. The account is not checked here.
    // AWS rule: the principal ARN forms of the IAM "Principal" element and
    // "IAM identifiers" pages.
    pub fn read(service: &str, resource: &'a str) -> Option<PrincipalArn<'a>> {
        // `user/a/b/NAME` -> ("/a/b/", "NAME"); the path keeps its slashes.
        let path_and_name = |rest: &'a str| -> Option<(&'a str, &'a str)> {
            if rest.is_empty() {
                return None;
            }
            let cut = rest.rfind('/').map_or(0, |i| i + 1);
            // The resource's own `/` before `rest` starts the path.
            let path =
                resource.get(resource.len() - rest.len() - 1..resource.len() - rest.len() + cut)?;
            Some((path, rest.get(cut..)?))
        };
        match service {
            "iam" if resource == "root" => Some(PrincipalArn::Root),
            "iam" => {
                if let Some(rest) = resource.strip_prefix("user/") {
                    let (path, name) = path_and_name(rest)?;
                    return Some(PrincipalArn::User { path, name });
                }
                let (path, name) = path_and_name(resource.strip_prefix("role/")?)?;
                Some(PrincipalArn::Role { path, name })
            }
            "sts" => {
                if let Some(rest) = resource.strip_prefix("assumed-role/") {
                    let (role, session) = rest.split_once('/')?;
                    return (!role.is_empty() && !session.is_empty())
                        .then_some(PrincipalArn::AssumedRole { role, session });
                }
                let name = resource.strip_prefix("federated-user/")?;
                (!name.is_empty()).then_some(PrincipalArn::FederatedUser { name })
            }
            _ => None,
        }
    }
}

impl AwsPrincipal {
    /// Parses an `AWS` principal value.
    pub fn parse(value: &str) -> Result<AwsPrincipal, PrincipalError> {
        let err = |message: String, help: Option<&'static str>| PrincipalError { message, help };
        if value == "*" {
            return Ok(AwsPrincipal::Any);
        }
        if crate::arn::is_account_id(value) {
            return Ok(AwsPrincipal::Account {
                account: value.to_string(),
            });
        }
        if (value.starts_with("AIDA") || value.starts_with("AROA") || value.starts_with("AIPA"))
            && value.len() >= 16
            && value
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        {
            return Ok(AwsPrincipal::UniqueId(value.to_string()));
        }
        // AWS rule: wildcards in principal ARNs are not allowed; only a bare `*`
        // (IAM "Principal" element page, "Wildcard principals").
        if value.contains('*') || value.contains('?') {
            return Err(err(
                format!("`{value}` uses a wildcard, which a principal cannot have"),
                Some(
                    "use \"*\" with an aws:PrincipalArn or aws:PrincipalAccount condition instead",
                ),
            ));
        }
        let arn = crate::arn::parse(value).map_err(|e| {
            err(
                format!(
                    "`{value}` is neither an account id nor a valid ARN: {}",
                    e.message()
                ),
                Some("an AWS principal is a 12-digit account id or an IAM/STS ARN"),
            )
        })?;
        // AWS rule: a CloudFront origin access identity is written
        // `arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity ID` (S3 user guide,
        // "Restricting access to an Amazon S3 origin").
        if arn.account == "cloudfront"
            && let Some(id) = arn
                .resource
                .strip_prefix("user/CloudFront Origin Access Identity ")
            && !id.is_empty()
            && id.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return Ok(AwsPrincipal::User {
                partition: arn.partition.to_string(),
                account: "cloudfront".to_string(),
                name: format!("CloudFront Origin Access Identity {id}"),
            });
        }
        if !crate::arn::is_account_id(arn.account) {
            return Err(err(
                format!("`{value}` has no valid 12-digit account id"),
                None,
            ));
        }
        let partition = arn.partition.to_string();
        let account = arn.account.to_string();
        match PrincipalArn::read(arn.service, arn.resource) {
            Some(PrincipalArn::Root) => Ok(AwsPrincipal::Account { account }),
            Some(PrincipalArn::User { name, .. }) => Ok(AwsPrincipal::User {
                partition,
                account,
                name: name.to_string(),
            }),
            Some(PrincipalArn::Role { name, .. }) => Ok(AwsPrincipal::Role {
                partition,
                account,
                name: name.to_string(),
            }),
            Some(PrincipalArn::AssumedRole { role, session }) => Ok(AwsPrincipal::AssumedRole {
                partition,
                account,
                role: role.to_string(),
                session: session.to_string(),
            }),
            Some(PrincipalArn::FederatedUser { name }) => Ok(AwsPrincipal::FederatedUser {
                partition,
                account,
                name: name.to_string(),
            }),
            // AWS rule: IAM groups cannot be principals (IAM "Principal" element page).
            None if arn.service == "iam" && arn.resource.starts_with("group/") => Err(err(
                format!("`{value}` is an IAM group, which cannot be a principal"),
                Some(
                    "name the group's users or roles, or grant through the group's identity policy",
                ),
            )),
            None if arn.service == "iam" => Err(err(
                format!("`{value}` is not a user, role or root ARN"),
                None,
            )),
            None if arn.service == "sts" => Err(err(
                format!("`{value}` is not an assumed-role or federated-user ARN"),
                None,
            )),
            None => Err(err(
                format!(
                    "`{value}` is a `{}` ARN, not an IAM or STS principal",
                    arn.service
                ),
                None,
            )),
        }
    }

    /// The account the principal belongs to, if it names one.
    pub fn account(&self) -> Option<&str> {
        match self {
            AwsPrincipal::Account { account }
            | AwsPrincipal::User { account, .. }
            | AwsPrincipal::Role { account, .. }
            | AwsPrincipal::AssumedRole { account, .. }
            | AwsPrincipal::FederatedUser { account, .. } => Some(account),
            AwsPrincipal::Any | AwsPrincipal::UniqueId(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_documented_form() {
        assert_eq!(AwsPrincipal::parse("*"), Ok(AwsPrincipal::Any));
        let acct = AwsPrincipal::Account {
            account: "111122223333".into(),
        };
        assert_eq!(AwsPrincipal::parse("111122223333"), Ok(acct.clone()));
        assert_eq!(
            AwsPrincipal::parse("arn:aws:iam::111122223333:root"),
            Ok(acct)
        );
        assert!(matches!(
            AwsPrincipal::parse("arn:aws:iam::111122223333:role/path/to/Admin"),
            Ok(AwsPrincipal::Role { name, .. }) if name == "Admin"
        ));
        assert!(matches!(
            AwsPrincipal::parse("arn:aws:sts::111122223333:assumed-role/Admin/alice"),
            Ok(AwsPrincipal::AssumedRole { role, session, .. }) if role == "Admin" && session == "alice"
        ));
        assert!(matches!(
            AwsPrincipal::parse("arn:aws:sts::111122223333:federated-user/bob"),
            Ok(AwsPrincipal::FederatedUser { .. })
        ));
        assert!(matches!(
            AwsPrincipal::parse("AIDACKCEVSQ6C2EXAMPLE"),
            Ok(AwsPrincipal::UniqueId(_))
        ));
        assert!(matches!(
            AwsPrincipal::parse("arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E2QWRUHEXAMPLE"),
            Ok(AwsPrincipal::User { account, .. }) if account == "cloudfront"
        ));
    }

    #[test]
    fn rejects_what_aws_rejects() {
        assert!(AwsPrincipal::parse("arn:aws:iam::*:root").is_err());
        assert!(AwsPrincipal::parse("arn:aws:iam::111122223333:role/*").is_err());
        assert!(AwsPrincipal::parse("arn:aws:iam::111122223333:group/devs").is_err());
        assert!(AwsPrincipal::parse("11112222333").is_err());
        assert!(AwsPrincipal::parse("arn:aws:s3:::bucket").is_err());
    }
}
