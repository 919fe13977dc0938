//! CloudTrail data events for S3: `aws cloudtrail get-event-selectors --trail-name NAME`
//! output, with basic (`EventSelectors`) or advanced (`AdvancedEventSelectors`) selectors.
//!
//! Object-level S3 activity (GetObject, PutObject, DeleteObject, ...) is recorded only as
//! data events, which a trail logs only when a selector names `AWS::S3::Object` for the
//! bucket (CloudTrail "Logging data events"). The reader keeps what decides that: per selector,
//! which buckets and whether reads, writes or both.

use super::read::{AwsDocument, Reader};
use crate::json::Value;
use crate::policy::Spanned;

/// Which object events a selector records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReadWrite {
    /// Read events (`GetObject`, ...).
    pub reads: bool,
    /// Write events (`PutObject`, `DeleteObject`, ...).
    pub writes: bool,
}

/// One selector's S3 object data events: the ARN prefixes it covers (`arn:aws:s3` alone means
/// every bucket) and which events.
#[derive(Debug, Clone)]
pub struct ObjectSelector {
    /// ARN prefixes (basic `Values`, advanced `resources.ARN` `StartsWith`/`Equals`); empty in
    /// an advanced selector without a `resources.ARN` field: every bucket.
    pub prefixes: Vec<Spanned<String>>,
    /// ARN prefixes an advanced selector excludes (`NotStartsWith`, `NotEquals`).
    pub excluded: Vec<String>,
    /// Reads, writes or both.
    pub events: ReadWrite,
    /// Why the selector records only some of those events whatever the bucket: a filter on
    /// another field (`eventName`, `userIdentity.arn`, ...) or on the ARN's end, in words.
    pub limits: Vec<String>,
}

/// Which object events of a bucket the trails record: for every object, or only for some.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Coverage {
    /// Recorded for every object and every event of the kind.
    pub full: ReadWrite,
    /// Recorded for some objects or some events only.
    pub partial: ReadWrite,
    /// Why only in part, in words (deduplicated).
    pub limits: Vec<String>,
}

/// `get-event-selectors` output: the trail and its S3 object selectors.
#[derive(Debug, Clone)]
pub struct EventSelectors {
    /// `TrailARN`.
    pub trail: Option<Spanned<String>>,
    /// The selectors that record S3 object data events.
    pub selectors: Vec<ObjectSelector>,
}

impl EventSelectors {
    /// Which object events of `bucket` the trail records, for every object or for some.
    pub fn coverage(&self, bucket: &str, into: &mut Coverage) {
        let object = format!("arn:aws:s3:::{bucket}/");
        for s in &self.selectors {
            let included: Vec<&str> = s
                .prefixes
                .iter()
                .map(|p| p.value.as_str())
                .filter(|p| covers(&object, p))
                .collect();
            let excluded = s.excluded.iter().any(|p| object.starts_with(p.as_str()));
            if excluded || (!s.prefixes.is_empty() && included.is_empty()) {
                continue;
            }
            let mut limits = s.limits.clone();
            // A value longer than `arn:aws:s3:::BUCKET/` records only the keys under it.
            if !s.prefixes.is_empty() && included.iter().all(|p| p.len() > object.len()) {
                let keys: Vec<String> = included
                    .iter()
                    .map(|p| format!("`{}`", p.get(object.len()..).unwrap_or_default()))
                    .collect();
                limits.push(format!("only keys starting with {}", keys.join(", ")));
            }
            // AWS rule: NotStartsWith/NotEquals exclude what they name (CloudTrail
            // AdvancedFieldSelector): a key prefix of this bucket leaves those keys out.
            for p in s.excluded.iter().filter(|p| p.starts_with(&object)) {
                let keys = p.get(object.len()..).unwrap_or_default();
                limits.push(format!("not keys starting with `{keys}`"));
            }
            let side = if limits.is_empty() {
                &mut into.full
            } else {
                &mut into.partial
            };
            side.reads |= s.events.reads;
            side.writes |= s.events.writes;
            for l in limits {
                if !into.limits.contains(&l) {
                    into.limits.push(l);
                }
            }
        }
    }

    /// Which object events of `bucket` the trail records (for some objects at least).
    pub fn records(&self, bucket: &str) -> ReadWrite {
        let object = format!("arn:aws:s3:::{bucket}/");
        let mut out = ReadWrite::default();
        for s in &self.selectors {
            let included =
                s.prefixes.is_empty() || s.prefixes.iter().any(|p| covers(&object, &p.value));
            let excluded = s.excluded.iter().any(|p| object.starts_with(p.as_str()));
            if included && !excluded {
                out.reads |= s.events.reads;
                out.writes |= s.events.writes;
            }
        }
        out
    }
}

/// Whether an ARN value names objects of the bucket whose object ARN prefix is `object`.
fn covers(object: &str, prefix: &str) -> bool {
    // AWS rule: the value `arn:aws:s3` (or `arn:aws:s3:::`) logs every bucket; a bucket ARN
    // with `/` and an optional key prefix logs objects under it (CloudTrail "Logging data
    // events", DataResource Values).
    prefix == "arn:aws:s3"
        || prefix == "arn:aws:s3:::"
        || object.starts_with(prefix)
        || prefix.starts_with(object)
}

impl AwsDocument for EventSelectors {
    const WHAT: &'static str = "CloudTrail event selectors";

    fn read(value: &Value, r: &mut Reader) -> Option<EventSelectors> {
        r.object(value, "")?;
        let before = r.error_count();
        let trail = value.get("TrailARN").and_then(|v| r.string(v, "TrailARN"));
        let mut selectors = Vec::new();
        if let Some(list) = value.get("EventSelectors") {
            for (i, s) in r
                .array(list, "EventSelectors")
                .unwrap_or(&[])
                .iter()
                .enumerate()
            {
                selectors.extend(basic(s, &super::read::at("EventSelectors", i), r));
            }
        }
        if let Some(list) = value.get("AdvancedEventSelectors") {
            let items = r.array(list, "AdvancedEventSelectors").unwrap_or(&[]);
            for (i, s) in items.iter().enumerate() {
                selectors.extend(advanced(
                    s,
                    &super::read::at("AdvancedEventSelectors", i),
                    r,
                ));
            }
        }
        (r.error_count() == before).then_some(EventSelectors { trail, selectors })
    }
}

/// A basic selector's `AWS::S3::Object` data resources, with its `ReadWriteType`.
fn basic(s: &Value, path: &str, r: &mut Reader) -> Option<ObjectSelector> {
    r.object(s, path)?;
    let events = match s.get("ReadWriteType") {
        Some(v) => r.one_of(
            v,
            &super::read::join(path, "ReadWriteType"),
            &[
                (
                    "All",
                    ReadWrite {
                        reads: true,
                        writes: true,
                    },
                ),
                (
                    "ReadOnly",
                    ReadWrite {
                        reads: true,
                        writes: false,
                    },
                ),
                (
                    "WriteOnly",
                    ReadWrite {
                        reads: false,
                        writes: true,
                    },
                ),
            ],
        )?,
        // AWS rule: ReadWriteType defaults to All (CloudTrail API, EventSelector).
        None => ReadWrite {
            reads: true,
            writes: true,
        },
    };
    let resources_path = super::read::join(path, "DataResources");
    let mut prefixes = Vec::new();
    let resources = s
        .get("DataResources")
        .map_or(&[][..], |v| r.array(v, &resources_path).unwrap_or(&[]));
    for (i, d) in resources.iter().enumerate() {
        let at = super::read::at(&resources_path, i);
        r.object(d, &at)?;
        let kind = d
            .get("Type")
            .and_then(|t| r.string(t, &super::read::join(&at, "Type")));
        if kind.is_some_and(|k| k.value == "AWS::S3::Object")
            && let Some(values) = d.get("Values")
        {
            prefixes.extend(
                r.strings(values, &super::read::join(&at, "Values"))
                    .unwrap_or_default(),
            );
        }
    }
    (!prefixes.is_empty()).then_some(ObjectSelector {
        prefixes,
        excluded: Vec::new(),
        events,
        limits: Vec::new(),
    })
}

/// An advanced selector that records S3 object data events: `eventCategory` `Data` and
/// `resources.type` `AWS::S3::Object`, with its `resources.ARN` and `readOnly` fields.
fn advanced(s: &Value, path: &str, r: &mut Reader) -> Option<ObjectSelector> {
    r.object(s, path)?;
    let fields_path = super::read::join(path, "FieldSelectors");
    let fields = r.required(s, "FieldSelectors", path)?;
    let fields = r.array(fields, &fields_path)?;
    let mut category_data = false;
    let mut object_type = false;
    let mut prefixes = Vec::new();
    let mut excluded = Vec::new();
    let mut limits = Vec::new();
    let mut events = ReadWrite {
        reads: true,
        writes: true,
    };
    for (i, f) in fields.iter().enumerate() {
        let at = super::read::at(&fields_path, i);
        r.object(f, &at)?;
        let name = r.required(f, "Field", &at)?;
        let name = r.string(name, &super::read::join(&at, "Field"))?;
        let list = |key: &str, r: &mut Reader| -> Vec<Spanned<String>> {
            f.get(key)
                .and_then(|v| r.strings(v, &super::read::join(&at, key)))
                .unwrap_or_default()
        };
        let equals = list("Equals", r);
        match name.value.as_str() {
            "eventCategory" => category_data = equals.iter().any(|e| e.value == "Data"),
            "resources.type" => object_type = equals.iter().any(|e| e.value == "AWS::S3::Object"),
            "resources.ARN" => {
                prefixes.extend(equals);
                prefixes.extend(list("StartsWith", r));
                excluded.extend(list("NotStartsWith", r).into_iter().map(|p| p.value));
                excluded.extend(list("NotEquals", r).into_iter().map(|p| p.value));
                for op in ["EndsWith", "NotEndsWith"] {
                    if !list(op, r).is_empty() {
                        limits.push(format!("a filter on `resources.ARN` ({op})"));
                    }
                }
            }
            "readOnly" => {
                if let Some(e) = equals.first() {
                    events = ReadWrite {
                        reads: e.value == "true",
                        writes: e.value == "false",
                    };
                }
            }
            // Any other field (`eventName`, `userIdentity.arn`, `eventSource`, ...) records
            // only the events it selects.
            other => limits.push(format!("a filter on `{other}`")),
        }
    }
    (category_data && object_type).then_some(ObjectSelector {
        prefixes,
        excluded,
        events,
        limits,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws_docs::read::read_str;

    fn records(text: &str, bucket: &str) -> ReadWrite {
        read_str::<EventSelectors>("t.json", text)
            .unwrap()
            .doc
            .records(bucket)
    }

    #[test]
    fn basic_selectors_name_buckets_or_every_bucket() {
        let one = r#"{"TrailARN": "arn:aws:cloudtrail:us-east-1:111122223333:trail/t",
          "EventSelectors": [{"ReadWriteType": "WriteOnly", "IncludeManagementEvents": true,
            "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3:::logs-bucket/"]}]}]}"#;
        assert_eq!(
            records(one, "logs-bucket"),
            ReadWrite {
                reads: false,
                writes: true
            }
        );
        assert_eq!(records(one, "other"), ReadWrite::default());
        let all = r#"{"EventSelectors": [{"DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3"]}]}]}"#;
        assert_eq!(
            records(all, "any"),
            ReadWrite {
                reads: true,
                writes: true
            }
        );
        let lambda = r#"{"EventSelectors": [{"DataResources": [{"Type": "AWS::Lambda::Function", "Values": ["arn:aws:lambda"]}]}]}"#;
        assert_eq!(records(lambda, "any"), ReadWrite::default());
    }

    #[test]
    fn advanced_selectors_with_arn_and_read_only_fields() {
        let text = r#"{"AdvancedEventSelectors": [{"Name": "reads of one bucket", "FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["Data"]},
            {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
            {"Field": "readOnly", "Equals": ["true"]},
            {"Field": "resources.ARN", "StartsWith": ["arn:aws:s3:::data-bucket/"]}]}]}"#;
        assert_eq!(
            records(text, "data-bucket"),
            ReadWrite {
                reads: true,
                writes: false
            }
        );
        assert_eq!(records(text, "other"), ReadWrite::default());
        let all_but = r#"{"AdvancedEventSelectors": [{"FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["Data"]},
            {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
            {"Field": "resources.ARN", "NotStartsWith": ["arn:aws:s3:::noisy-bucket/"]}]}]}"#;
        assert_eq!(records(all_but, "noisy-bucket"), ReadWrite::default());
        assert_eq!(
            records(all_but, "data-bucket"),
            ReadWrite {
                reads: true,
                writes: true
            }
        );
    }

    fn coverage(text: &str, bucket: &str) -> Coverage {
        let mut c = Coverage::default();
        read_str::<EventSelectors>("t.json", text)
            .unwrap()
            .doc
            .coverage(bucket, &mut c);
        c
    }

    #[test]
    fn key_prefixes_excluded_keys_and_other_fields_record_only_in_part() {
        let both = ReadWrite {
            reads: true,
            writes: true,
        };
        let prefix = r#"{"EventSelectors": [{"DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3:::b/logs/"]}]}]}"#;
        let c = coverage(prefix, "b");
        assert_eq!((c.full, c.partial), (ReadWrite::default(), both));
        assert_eq!(c.limits, ["only keys starting with `logs/`"]);
        let names = r#"{"AdvancedEventSelectors": [{"FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["Data"]},
            {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
            {"Field": "eventName", "Equals": ["PutObject"]},
            {"Field": "resources.ARN", "StartsWith": ["arn:aws:s3:::b/"], "NotStartsWith": ["arn:aws:s3:::b/tmp/"]}]}]}"#;
        let c = coverage(names, "b");
        assert_eq!((c.full, c.partial), (ReadWrite::default(), both));
        assert_eq!(
            c.limits,
            ["a filter on `eventName`", "not keys starting with `tmp/`"]
        );
        let whole = r#"{"EventSelectors": [{"DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3:::b/"]}]}]}"#;
        assert_eq!(coverage(whole, "b").full, both);
        assert_eq!(coverage(whole, "other"), Coverage::default());
    }

    #[test]
    fn every_wrong_type_is_an_error_never_a_panic() {
        let shapes = [
            r#"[]"#,
            r#"{"EventSelectors": {}}"#,
            r#"{"EventSelectors": [1]}"#,
            r#"{"EventSelectors": [{"DataResources": {}}]}"#,
            r#"{"EventSelectors": [{"DataResources": [{"Type": 1}]}]}"#,
            r#"{"EventSelectors": [{"DataResources": [{"Type": "AWS::S3::Object", "Values": "arn:aws:s3"}]}]}"#,
            r#"{"AdvancedEventSelectors": [{}]}"#,
            r#"{"AdvancedEventSelectors": [{"FieldSelectors": [{"Field": 3}]}]}"#,
            r#"{"AdvancedEventSelectors": [{"FieldSelectors": [{"Field": "resources.ARN", "StartsWith": "x"}]}]}"#,
            r#"{"TrailARN": ["x"]}"#,
        ];
        for text in shapes {
            assert!(
                read_str::<EventSelectors>("t.json", text).is_err(),
                "{text}"
            );
        }
    }

    #[test]
    fn a_wrong_shape_is_a_located_error() {
        let r = read_str::<EventSelectors>(
            "t.json",
            r#"{"EventSelectors": [{"ReadWriteType": "Sometimes"}]}"#,
        );
        assert!(r.is_err());
    }
}
