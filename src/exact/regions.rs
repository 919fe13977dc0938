//! The regions of each free condition key: the values the documents' constants tell apart,
//! one representative each. A condition's truth depends only on which region each request
//! value lies in, so trying every representative tries every behaviour.
//!
//! By value type: strings and ARNs are the atoms of the glob automata of every literal and
//! pattern written for the key; numbers, dates and IP addresses are the elementary intervals
//! between the constants; booleans are `true` and `false`; base-64 values are the constants and
//! one other value. A multi-valued key's value is a set: every subset of the single-value
//! representatives (the empty set included). Whether the key may also be absent is the
//! caller's business ([`super::keys`]).

use super::automaton::{self, Glob, Test};
use super::{Reason, ReasonKind};
use crate::catalog::KeyType;
use crate::policy::{BaseOperator, OperatorFamily};
use crate::values;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Most product states a key's string automata may have.
const STRING_LIMIT: usize = 20_000;
/// Most single-value regions a multi-valued key may have (its sets are every subset).
const SET_LIMIT: usize = 8;

/// One condition as written, for the region computation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Written {
    /// The base operator.
    pub base: BaseOperator,
    /// The values as written.
    pub texts: Vec<String>,
    /// The statement it belongs to (`None` for a question's own restriction).
    pub statement: Option<usize>,
}

/// The value domain of a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Domain {
    Text,
    Number,
    Date,
    Bool,
    Ip,
    Binary,
}

fn domain_of(family: OperatorFamily) -> Option<Domain> {
    Some(match family {
        OperatorFamily::String | OperatorFamily::Arn => Domain::Text,
        OperatorFamily::Numeric => Domain::Number,
        OperatorFamily::Date => Domain::Date,
        OperatorFamily::Bool => Domain::Bool,
        OperatorFamily::Ip => Domain::Ip,
        OperatorFamily::Binary => Domain::Binary,
        OperatorFamily::Null | OperatorFamily::Unknown => return None,
    })
}

fn domain_of_type(t: KeyType) -> Domain {
    match t {
        KeyType::String | KeyType::Arn => Domain::Text,
        KeyType::Numeric => Domain::Number,
        KeyType::Date => Domain::Date,
        KeyType::Bool => Domain::Bool,
        KeyType::IpAddress => Domain::Ip,
        KeyType::Binary => Domain::Binary,
    }
}

/// The representatives of a key's present values: each a list of values (one for a
/// single-valued key, a set for a multi-valued one). Reasons are pushed where the regions are
/// not exact.
pub fn key_values(key: &str, written: &[Written], reasons: &mut Vec<Reason>) -> Vec<Vec<String>> {
    let info = crate::catalog::condition_key(key);
    // AWS sends only `true` or `false` for a boolean key: two values, whatever the operators.
    if info.is_some_and(|i| i.value_type() == KeyType::Bool) {
        return vec![vec!["true".into()], vec!["false".into()]];
    }
    let mut domains: Vec<Domain> = written
        .iter()
        .filter_map(|w| domain_of(w.base.family()))
        .collect();
    domains.sort_by_key(|d| *d as u8);
    domains.dedup();
    if domains.is_empty() {
        domains.push(info.map_or(Domain::Text, |i| domain_of_type(i.value_type())));
    }
    if domains.len() > 1 {
        reasons.push(Reason::new(
            ReasonKind::Model,
            written.first().and_then(|w| w.statement),
            format!("`{key}` is compared with operators of different types; the values tried may miss a combination"),
        ));
    }
    let mut singles: Vec<String> = Vec::new();
    for d in domains {
        let of = |w: &&Written| domain_of(w.base.family()) == Some(d);
        let these: Vec<&Written> = written.iter().filter(of).collect();
        let found = match d {
            Domain::Text => text_values(key, &these, reasons),
            Domain::Number => number_values(key, &these, reasons),
            Domain::Date => date_values(key, &these, reasons),
            Domain::Bool => vec!["true".into(), "false".into()],
            Domain::Ip => ip_values(&these),
            Domain::Binary => binary_values(&these),
        };
        for v in found {
            if !singles.contains(&v) {
                singles.push(v);
            }
        }
    }
    if !info.is_some_and(|i| i.multi_valued()) {
        return singles.into_iter().map(|v| vec![v]).collect();
    }
    if singles.len() > SET_LIMIT {
        reasons.push(Reason::new(
            ReasonKind::Limit,
            written.first().and_then(|w| w.statement),
            format!(
                "`{key}` is multi-valued and its conditions tell {} values apart; only sets of up to two of them are tried",
                singles.len()
            ),
        ));
        let mut sets: Vec<Vec<String>> = vec![Vec::new()];
        for (i, a) in singles.iter().enumerate() {
            sets.push(vec![a.clone()]);
            for b in singles.iter().skip(i + 1) {
                sets.push(vec![a.clone(), b.clone()]);
            }
        }
        return sets;
    }
    (0u32..1 << singles.len())
        .map(|mask| {
            singles
                .iter()
                .enumerate()
                .filter(|(i, _)| mask & (1 << i) != 0)
                .map(|(_, v)| v.clone())
                .collect()
        })
        .collect()
}

/// Strings: the atoms of every literal and pattern written for the key.
fn text_values(key: &str, written: &[&Written], reasons: &mut Vec<Reason>) -> Vec<String> {
    let mut tests: Vec<Test> = Vec::new();
    for w in written {
        for text in &w.texts {
            let glob = match w.base {
                BaseOperator::StringLike | BaseOperator::StringNotLike => Glob::wildcards(text),
                BaseOperator::StringEqualsIgnoreCase | BaseOperator::StringNotEqualsIgnoreCase => {
                    if !text.is_ascii() {
                        reasons.push(Reason::new(
                            ReasonKind::Model,
                            w.statement,
                            format!("`{key}` is compared without case to a value with non-ASCII letters, whose case folding is not modelled"),
                        ));
                    }
                    Glob::literal(text, true)
                }
                b if b.family() == OperatorFamily::Arn => match Glob::arn(text) {
                    Some(g) => g,
                    None => continue,
                },
                _ => Glob::literal(text, false),
            };
            tests.push(Test {
                glob,
                prefix: String::new(),
            });
        }
    }
    match automaton::atoms(&tests, &[], 0, "x-0", STRING_LIMIT) {
        Ok(atoms) => atoms
            .into_iter()
            .map(|a| plausible(a, written, &tests))
            .collect(),
        Err(_) => {
            reasons.push(Reason::new(
                ReasonKind::Limit,
                written.first().and_then(|w| w.statement),
                format!("the patterns written for `{key}` combine into more than {STRING_LIMIT} states; their literals are tried instead"),
            ));
            written
                .iter()
                .flat_map(|w| w.texts.iter().cloned())
                .chain(["s3-access-other".to_string()])
                .collect()
        }
    }
}

/// The atom's witness, or a plausible value of the same atom when the shortest one fills
/// every `*` of a pattern with nothing (`arn:aws:cloudfront:::distribution/` for
/// `arn:aws:cloudfront::*:distribution/*`): the pattern with each `*` filled (an ARN's whole
/// Region or account part with a Region or an account id, anything else with `example`),
/// kept only if every test judges it as the atom's witness.
fn plausible(atom: automaton::Atom, written: &[&Written], tests: &[Test]) -> String {
    let patterns = written
        .iter()
        .filter(|w| {
            matches!(
                w.base,
                BaseOperator::StringLike | BaseOperator::StringNotLike
            ) || w.base.family() == OperatorFamily::Arn
        })
        .flat_map(|w| w.texts.iter())
        .filter(|t| t.contains('*') && !t.contains('?') && t.replace('*', "") == atom.witness);
    for text in patterns {
        let filled: Vec<String> = text
            .splitn(6, ':')
            .enumerate()
            .map(|(i, part)| match (text.starts_with("arn:"), i, part) {
                (true, 3, "*") => "us-east-1".to_string(),
                (true, 4, "*") => "123456789012".to_string(),
                _ => part.replace('*', "example"),
            })
            .collect();
        let filled = filled.join(":");
        let same = tests
            .iter()
            .zip(&atom.accepts)
            .all(|(t, a)| t.prefix.is_empty() && t.glob.is_match(&filled) == *a);
        if same {
            return filled;
        }
    }
    atom.witness
}

/// The points of a number line that fall in every elementary interval between `constants`:
/// each constant, one below the least, one above the greatest and the midpoints.
fn interval_points(mut constants: Vec<f64>, step: f64) -> Vec<f64> {
    constants.sort_by(f64::total_cmp);
    constants.dedup();
    let mut out = Vec::new();
    for (i, c) in constants.iter().enumerate() {
        if i == 0 {
            out.push(c - step);
        }
        out.push(*c);
        match constants.get(i + 1) {
            Some(n) => out.push(c + (n - c) / 2.0),
            None => out.push(c + step),
        }
    }
    if out.is_empty() {
        out.push(0.0);
    }
    out
}

fn number_values(key: &str, written: &[&Written], reasons: &mut Vec<Reason>) -> Vec<String> {
    let constants: Vec<f64> = written
        .iter()
        .flat_map(|w| w.texts.iter().filter_map(|t| values::parse_number(t)))
        .collect();
    let mut out = Vec::new();
    for p in interval_points(constants, 1.0) {
        let text = p.to_string();
        if values::parse_number(&text) == Some(p) {
            out.push(text);
        } else {
            reasons.push(Reason::new(
                ReasonKind::Model,
                written.first().and_then(|w| w.statement),
                format!(
                    "a number between the constants written for `{key}` cannot be written exactly"
                ),
            ));
        }
    }
    out
}

fn date_values(key: &str, written: &[&Written], reasons: &mut Vec<Reason>) -> Vec<String> {
    let constants: Vec<i64> = written
        .iter()
        .flat_map(|w| w.texts.iter().filter_map(|t| values::parse_date(t)))
        .collect();
    let mut points: Vec<i64> = Vec::new();
    for c in &constants {
        points.extend([c - 1, *c, c + 1]);
    }
    if points.is_empty() {
        points.push(1_767_225_600_000);
    }
    points.sort_unstable();
    points.dedup();
    let mut out = Vec::new();
    for ms in points {
        let text = iso_millis(ms);
        if values::parse_date(&text) == Some(ms) {
            out.push(text);
        } else {
            reasons.push(Reason::new(
                ReasonKind::Model,
                written.first().and_then(|w| w.statement),
                format!("an instant next to the dates written for `{key}` cannot be written"),
            ));
        }
    }
    out
}

/// Epoch milliseconds as `YYYY-MM-DDThh:mm:ss.mmmZ`.
pub fn iso_millis(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let base = crate::eval::context::iso8601(secs);
    let trimmed = base.trim_end_matches('Z');
    format!("{trimmed}.{:03}Z", ms.rem_euclid(1000))
}

/// IP addresses: the start of every elementary interval between the CIDRs' bounds, IPv4 and
/// IPv6 (an address of one family is in no range of the other).
fn ip_values(written: &[&Written]) -> Vec<String> {
    let nets: Vec<ipnet::IpNet> = written
        .iter()
        .flat_map(|w| w.texts.iter().filter_map(|t| values::parse_cidr(t)))
        .collect();
    let mut v4: Vec<u128> = vec![0, u128::from(u32::from(Ipv4Addr::new(203, 0, 113, 10)))];
    let mut v6: Vec<u128> = vec![
        0,
        u128::from(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 10)),
    ];
    for n in &nets {
        let (lo, hi, list, max) = match (n.network(), n.broadcast()) {
            (IpAddr::V4(a), IpAddr::V4(b)) => (
                u128::from(u32::from(a)),
                u128::from(u32::from(b)),
                &mut v4,
                u128::from(u32::MAX),
            ),
            (IpAddr::V6(a), IpAddr::V6(b)) => (u128::from(a), u128::from(b), &mut v6, u128::MAX),
            _ => continue,
        };
        list.push(lo);
        if hi < max {
            list.push(hi + 1);
        }
    }
    let mut out = Vec::new();
    for (list, six) in [(v4, false), (v6, true)] {
        let mut list = list;
        list.sort_unstable();
        list.dedup();
        for p in list {
            out.push(if six {
                Ipv6Addr::from(p).to_string()
            } else {
                Ipv4Addr::from(u32::try_from(p).unwrap_or(0)).to_string()
            });
        }
    }
    out
}

fn binary_values(written: &[&Written]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut bytes: Vec<Vec<u8>> = Vec::new();
    for w in written {
        for t in &w.texts {
            if let Some(b) = values::decode_base64(t)
                && !bytes.contains(&b)
            {
                bytes.push(b);
                out.push(t.clone());
            }
        }
    }
    let other = ["AA==", "AQ==", "Ag=="]
        .into_iter()
        .find(|t| values::decode_base64(t).is_some_and(|b| !bytes.contains(&b)));
    out.extend(other.map(str::to_string));
    out
}

/// The instants (epoch seconds, at or after `now`) that tell apart the dates and numbers
/// written for `aws:CurrentTime` and `aws:EpochTime`.
pub fn time_values(written: &[Written], now: i64) -> Vec<i64> {
    let mut points = vec![now];
    for w in written {
        for t in &w.texts {
            let secs: Vec<i64> = match w.base.family() {
                OperatorFamily::Date => values::parse_date(t)
                    .map(|ms| vec![ms.div_euclid(1000), (ms + 999).div_euclid(1000)])
                    .unwrap_or_default(),
                OperatorFamily::Numeric => values::parse_number(t)
                    .map(|n| vec![n.floor() as i64, n.ceil() as i64])
                    .unwrap_or_default(),
                _ => Vec::new(),
            };
            for s in secs {
                points.extend([s - 1, s, s + 1]);
            }
        }
    }
    points.retain(|p| *p >= now);
    points.sort_unstable();
    points.dedup();
    points
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(base: BaseOperator, texts: &[&str]) -> Written {
        Written {
            base,
            texts: texts.iter().map(|t| t.to_string()).collect(),
            statement: Some(0),
        }
    }

    #[test]
    fn ip_regions_split_at_every_bound() {
        let mut r = Vec::new();
        let v = key_values(
            "aws:SourceIp",
            &[w(BaseOperator::IpAddress, &["10.0.0.0/8", "10.1.0.0/16"])],
            &mut r,
        );
        let flat: Vec<&str> = v.iter().map(|x| x[0].as_str()).collect();
        for ip in ["0.0.0.0", "10.0.0.0", "10.1.0.0", "10.2.0.0", "11.0.0.0"] {
            assert!(flat.contains(&ip), "{ip} in {flat:?}");
        }
        assert!(r.is_empty());
    }

    #[test]
    fn a_boolean_key_takes_its_two_values_whatever_the_operator() {
        let mut r = Vec::new();
        let v = key_values(
            "aws:SecureTransport",
            &[w(BaseOperator::StringNotEquals, &["true"])],
            &mut r,
        );
        assert_eq!(v, [vec!["true".to_string()], vec!["false".to_string()]]);
        assert!(r.is_empty());
    }

    #[test]
    fn numbers_dates_and_sets() {
        let mut r = Vec::new();
        let v = key_values(
            "s3:max-keys",
            &[w(BaseOperator::NumericLessThan, &["10", "20"])],
            &mut r,
        );
        let flat: Vec<&str> = v.iter().map(|x| x[0].as_str()).collect();
        assert_eq!(flat, ["9", "10", "15", "20", "21"]);
        let sets = key_values(
            "aws:TagKeys",
            &[w(BaseOperator::StringEquals, &["a", "b"])],
            &mut r,
        );
        // Three single values (a, b, another): eight sets, the empty one included.
        assert_eq!(sets.len(), 8);
        assert!(sets.contains(&Vec::new()));
        assert_eq!(iso_millis(1_000), "1970-01-01T00:00:01.000Z");
        assert_eq!(
            time_values(&[w(BaseOperator::DateLessThan, &["2030-01-01"])], 0).len(),
            4
        );
        assert!(r.is_empty());
    }
}
