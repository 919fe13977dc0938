//! Typed condition values: numbers, dates, booleans, IP ranges and base-64, parsed the way
//! IAM parses them. Shared by validation (is this value well-formed?) and evaluation.

use ipnet::IpNet;
use std::net::IpAddr;

/// Parses a Numeric operator value: an integer or decimal, optionally signed.
// AWS rule: Numeric operators take integers and decimals (IAM "Condition operators" page).
pub fn parse_number(s: &str) -> Option<f64> {
    let t = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (int, frac) = match t.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (t, None),
    };
    let digits = |d: &str| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit());
    let ok = match frac {
        None => digits(int),
        Some(f) => (digits(int) || int.is_empty()) && digits(f),
    };
    if !ok || s.len() > 64 {
        return None;
    }
    s.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Parses a Bool operator value (`true`/`false`, case-insensitive).
pub fn parse_bool(s: &str) -> Option<bool> {
    if s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// Parses an IpAddress value: a CIDR, or a bare address meaning /32 or /128.
// AWS rule: IpAddress takes RFC 4632 CIDRs, IPv4 and IPv6 (IAM "Condition operators" page).
pub fn parse_cidr(s: &str) -> Option<IpNet> {
    if let Ok(net) = s.parse::<IpNet>() {
        return Some(net);
    }
    s.parse::<IpAddr>().ok().map(IpNet::from)
}

/// Whether `s` is valid base-64 (standard alphabet, padded).
pub fn is_base64(s: &str) -> bool {
    let body = s.trim_end_matches('=');
    let pad = s.len() - body.len();
    s.len().is_multiple_of(4)
        && pad <= 2
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
}

/// Decodes base-64 (standard alphabet, padded) into bytes.
pub fn decode_base64(s: &str) -> Option<Vec<u8>> {
    if !is_base64(s) {
        return None;
    }
    let val = |b: u8| -> Option<u32> {
        Some(match b {
            b'A'..=b'Z' => u32::from(b - b'A'),
            b'a'..=b'z' => u32::from(b - b'a') + 26,
            b'0'..=b'9' => u32::from(b - b'0') + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        })
    };
    let body = s.trim_end_matches('=').as_bytes();
    let mut out = Vec::with_capacity(body.len() * 3 / 4);
    for chunk in body.chunks(4) {
        let mut acc = 0u32;
        for (i, b) in chunk.iter().enumerate() {
            acc |= val(*b)? << (18 - 6 * i);
        }
        let bytes = acc.to_be_bytes();
        let n = chunk.len().saturating_sub(1);
        out.extend(bytes.iter().skip(1).take(n));
    }
    Some(out)
}

/// The latest instant accepted, in epoch milliseconds (year 9999).
const MAX_MILLIS: i64 = 253_402_300_799_999;

/// Parses a Date operator value into epoch milliseconds: W3C ISO 8601 (`2020-01-01`,
/// `2020-01-01T12:00:00Z`, with fractions or offsets) or epoch seconds.
// AWS rule: Date operators take the W3C profile of ISO 8601 or epoch time (IAM "Condition operators" page).
pub fn parse_date(s: &str) -> Option<i64> {
    if !s.is_empty() && s.len() <= 12 && s.bytes().all(|b| b.is_ascii_digit()) && s.len() != 4 {
        let secs: i64 = s.parse().ok()?;
        return secs.checked_mul(1000).filter(|m| *m <= MAX_MILLIS);
    }
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let part = s.get(from..from + len)?;
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    let year = num(0, 4)?;
    let (mut month, mut day) = (1, 1);
    let mut pos = 4;
    if b.get(pos) == Some(&b'-') {
        month = num(5, 2)?;
        pos = 7;
        if b.get(pos) == Some(&b'-') {
            day = num(8, 2)?;
            pos = 10;
        }
    }
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let mut millis = days_from_civil(year, month, day) * 86_400_000;
    if pos == s.len() {
        return Some(millis).filter(|m| (0..=MAX_MILLIS).contains(m) || *m < 0);
    }
    if b.get(pos) != Some(&b'T') || pos != 10 {
        return None;
    }
    let hour = num(11, 2)?;
    if b.get(13) != Some(&b':') {
        return None;
    }
    let minute = num(14, 2)?;
    pos = 16;
    let mut second = 0;
    let mut frac_ms = 0i64;
    if b.get(pos) == Some(&b':') {
        second = num(17, 2)?;
        pos = 19;
        if b.get(pos) == Some(&b'.') {
            let start = pos + 1;
            let mut end = start;
            while b.get(end).is_some_and(u8::is_ascii_digit) {
                end += 1;
            }
            if end == start || end - start > 9 {
                return None;
            }
            let digits = s.get(start..end)?;
            let padded = format!("{digits:0<3}");
            frac_ms = padded.get(..3)?.parse().ok()?;
            pos = end;
        }
    }
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let offset_min = match b.get(pos) {
        Some(b'Z') if pos + 1 == s.len() => 0,
        Some(sign @ (b'+' | b'-')) if pos + 6 == s.len() && b.get(pos + 3) == Some(&b':') => {
            let oh = num(pos + 1, 2)?;
            let om = num(pos + 4, 2)?;
            if oh > 23 || om > 59 {
                return None;
            }
            let m = oh * 60 + om;
            if *sign == b'+' { m } else { -m }
        }
        _ => return None,
    };
    millis += ((hour * 60 + minute - offset_min) * 60 + second) * 1000 + frac_ms;
    Some(millis)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Whether a CIDR lies wholly inside a private (RFC 1918 / RFC 4193) range.
pub fn is_private_range(net: &IpNet) -> bool {
    const PRIVATE: &[&str] = &["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"];
    PRIVATE
        .iter()
        .filter_map(|p| p.parse::<IpNet>().ok())
        .any(|p| p.contains(net))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_every_documented_form_compare_as_instants() {
        let day = parse_date("2020-01-01").unwrap();
        assert_eq!(day, 1_577_836_800_000);
        assert_eq!(parse_date("2020-01-01T00:00:00Z"), Some(day));
        assert_eq!(parse_date("2020-01-01T01:00:00+01:00"), Some(day));
        assert_eq!(parse_date("2020-01-01T00:00:00.5Z"), Some(day + 500));
        assert_eq!(parse_date("1577836800"), Some(day));
        assert_eq!(parse_date("2020-01-01T00:00Z"), Some(day));
        assert_eq!(parse_date("2020"), Some(day));
        for bad in [
            "2020-13-01",
            "2021-02-29",
            "2020-01-01T25:00:00Z",
            "yesterday",
            "2020-01-01T00:00:00",
            "99999999999999",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
        assert!(parse_date("2024-02-29").is_some());
    }

    #[test]
    fn numbers_booleans_and_cidrs() {
        assert_eq!(parse_number("10"), Some(10.0));
        assert_eq!(parse_number("-1.5"), Some(-1.5));
        assert_eq!(parse_number("1e3"), None);
        assert_eq!(parse_number("ten"), None);
        assert_eq!(parse_bool("TRUE"), Some(true));
        assert_eq!(parse_bool("yes"), None);
        assert_eq!(parse_cidr("203.0.113.0/24").unwrap().prefix_len(), 24);
        assert_eq!(parse_cidr("203.0.113.7").unwrap().prefix_len(), 32);
        assert_eq!(parse_cidr("2001:db8::/32").unwrap().prefix_len(), 32);
        assert!(parse_cidr("1.2.3.4/99").is_none());
        assert!(is_private_range(&parse_cidr("10.1.0.0/16").unwrap()));
        assert!(!is_private_range(&parse_cidr("10.0.0.0/7").unwrap()));
    }

    #[test]
    fn base64_round_trips() {
        assert_eq!(decode_base64("aGVsbG8="), Some(b"hello".to_vec()));
        assert_eq!(decode_base64("aGk="), Some(b"hi".to_vec()));
        assert!(!is_base64("not base64!"));
    }
}
