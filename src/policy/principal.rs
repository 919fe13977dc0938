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

fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

impl AwsPrincipal {
    /// Parses an `AWS` principal value.
    pub fn parse(value: &str) -> Result<AwsPrincipal, PrincipalError> {
        let err = |message: String, help: Option<&'static str>| PrincipalError { message, help };
        if value == "*" {
            return Ok(AwsPrincipal::Any);
        }
        if is_account_id(value) {
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
        if arn.account == "cloudfront" {
            if let Some(id) = arn
                .resource
                .strip_prefix("user/CloudFront Origin Access Identity ")
            {
                if !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric()) {
                    return Ok(AwsPrincipal::User {
                        partition: arn.partition.to_string(),
                        account: "cloudfront".to_string(),
                        name: format!("CloudFront Origin Access Identity {id}"),
                    });
                }
            }
        }
        if !is_account_id(arn.account) {
            return Err(err(
                format!("`{value}` has no valid 12-digit account id"),
                None,
            ));
        }
        let partition = arn.partition.to_string();
        let account = arn.account.to_string();
        let last = |s: &str| s.rsplit('/').next().unwrap_or("").to_string();
        match arn.service {
            "iam" => {
                if arn.resource == "root" {
                    return Ok(AwsPrincipal::Account { account });
                }
                if let Some(rest) = arn.resource.strip_prefix("user/") {
                    if !rest.is_empty() {
                        return Ok(AwsPrincipal::User {
                            partition,
                            account,
                            name: last(rest),
                        });
                    }
                }
                if let Some(rest) = arn.resource.strip_prefix("role/") {
                    if !rest.is_empty() {
                        return Ok(AwsPrincipal::Role {
                            partition,
                            account,
                            name: last(rest),
                        });
                    }
                }
                if arn.resource.starts_with("group/") {
                    // AWS rule: IAM groups cannot be principals (IAM "Principal" element page).
                    return Err(err(
                        format!("`{value}` is an IAM group, which cannot be a principal"),
                        Some(
                            "name the group's users or roles, or grant through the group's identity policy",
                        ),
                    ));
                }
                Err(err(
                    format!("`{value}` is not a user, role or root ARN"),
                    None,
                ))
            }
            "sts" => {
                if let Some(rest) = arn.resource.strip_prefix("assumed-role/") {
                    if let Some((role, session)) = rest.split_once('/') {
                        if !role.is_empty() && !session.is_empty() {
                            return Ok(AwsPrincipal::AssumedRole {
                                partition,
                                account,
                                role: role.to_string(),
                                session: session.to_string(),
                            });
                        }
                    }
                }
                if let Some(name) = arn.resource.strip_prefix("federated-user/") {
                    if !name.is_empty() {
                        return Ok(AwsPrincipal::FederatedUser {
                            partition,
                            account,
                            name: name.to_string(),
                        });
                    }
                }
                Err(err(
                    format!("`{value}` is not an assumed-role or federated-user ARN"),
                    None,
                ))
            }
            other => Err(err(
                format!("`{value}` is a `{other}` ARN, not an IAM or STS principal"),
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
