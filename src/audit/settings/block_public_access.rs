//! S501 block-public-access-off: a Block Public Access level (account, bucket, access point)
//! that does not have all four settings on. AWS rule: S3 applies the most restrictive
//! combination of the levels (S3 "Blocking public access to your Amazon S3 storage"), so a
//! level that is off while another turns every setting on is only a note.

use super::push;
use crate::audit::Audited;
use crate::diagnostic::Finding;
use crate::eval::bucket::BucketModel;
use crate::eval::s3_facts::{BpaFlag, BpaLevel, BpaSetting};
use crate::registry::{Code, Severity};

/// Runs S501 on each Block Public Access level the folder gives.
pub(super) fn check(bucket: &BucketModel, out: &mut Vec<Audited>) {
    let s3 = &bucket.graph.s3;
    let effective_all = BpaFlag::ALL
        .iter()
        .all(|f| s3.bpa_setter(*f, None).is_some());
    let mut levels: Vec<(&BpaSetting, Option<String>)> = Vec::new();
    if let Some(s) = &s3.account_bpa {
        levels.push((s, None));
    }
    if let Some(s) = &s3.bucket_bpa {
        levels.push((s, None));
    }
    for ap in &s3.access_points {
        if let Some(s) = &ap.bpa {
            levels.push((s, Some(ap.label())));
        }
    }
    for (s, ap) in levels {
        level_not_fully_on(s, ap.as_deref(), effective_all, out);
    }
}

// rule: S501
/// One level that is not fully on; `effective_all` when the account and bucket levels
/// together turn all four settings on.
fn level_not_fully_on(
    s: &BpaSetting,
    access_point: Option<&str>,
    effective_all: bool,
    out: &mut Vec<Audited>,
) {
    let off = settings_off(s);
    let Some(first) = off.first() else { return };
    let Some(place) = s.place_of(*first) else {
        return;
    };
    let own_level = matches!(
        s.level,
        BpaLevel::AccessPoint | BpaLevel::MultiRegionAccessPoint
    );
    let what = match (own_level, access_point) {
        (true, Some(label)) => label.to_string(),
        (_, _) => format!("the {}", s.level.as_str()),
    };
    let in_force = effective_all && !own_level;
    let mut f = Finding::new(
        Code::BlockPublicAccessOff,
        place.span,
        format!(
            "Block Public Access is not fully on for {what}: {} off{}",
            off.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(", "),
            if in_force {
                "; another level turns them on, so all four are in force"
            } else {
                ""
            }
        ),
    )
    .with_help(if s.level == BpaLevel::MultiRegionAccessPoint {
        // AWS rule: a Multi-Region Access Point's Block Public Access settings cannot be
        // changed after it is created (S3 "Blocking public access with Amazon S3
        // Multi-Region Access Points").
        "a Multi-Region Access Point's settings cannot be changed once it exists: create a new one with all four on, or turn them on at the bucket or account level"
    } else {
        "turn all four settings on unless the bucket must be public; the account level covers every bucket"
    });
    if in_force {
        f = f.with_severity(Severity::Note);
    }
    push(out, &place.source, f);
}

/// The settings of a level that are off, in [`BpaFlag::ALL`] order.
fn settings_off(s: &BpaSetting) -> Vec<BpaFlag> {
    BpaFlag::ALL
        .into_iter()
        .filter(|f| !f.of(&s.flags))
        .collect()
}
