//! The request context: condition keys and their values, looked up without regard to case.

use serde::Serialize;
use std::sync::Arc;

/// Where a context value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// Derived from the request (AWS sets it for every such request).
    Default,
    /// Given by the user.
    Given,
}

/// One key and its values. Key and values are shared, not copied, when a request is cloned:
/// the exact engine keeps a request per finding, and copying every entry's strings was most
/// of the cost of keeping one.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    /// The key as written.
    pub key: Arc<str>,
    /// The values (several for a multi-valued key).
    pub values: Arc<[String]>,
    /// Where it came from.
    pub origin: Origin,
    /// Whether AWS declares the key multi-valued (`ArrayOf...`), looked up once.
    #[serde(skip)]
    declared_multi: bool,
}

impl Entry {
    fn new(key: &str, values: Arc<[String]>, origin: Origin) -> Entry {
        Entry {
            key: key.into(),
            values,
            origin,
            declared_multi: crate::catalog::condition_key(key)
                .is_some_and(crate::catalog::KeyInfo::multi_valued),
        }
    }

    /// Whether the key is multi-valued: declared so by AWS (`ArrayOf...`) or given more than once.
    pub fn is_multi_valued(&self) -> bool {
        self.values.len() > 1 || self.declared_multi
    }
}

/// The request context. Small, so a vector searched linearly beats a map.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(transparent)]
pub struct Context {
    entries: Vec<Entry>,
}

impl Context {
    /// The entry for `key` (ASCII-case-insensitive, as IAM compares keys).
    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.entries
            .iter()
            .find(|e| e.key.eq_ignore_ascii_case(key))
    }

    /// Sets `key` to `values`, replacing any earlier entry.
    pub fn set(&mut self, key: &str, values: Vec<String>, origin: Origin) {
        self.set_shared(key, values.into(), origin);
    }

    /// [`Context::set`] with values already shared (set on many requests without a copy).
    pub fn set_shared(&mut self, key: &str, values: Arc<[String]>, origin: Origin) {
        self.replace(key, values, origin, |values| {
            Entry::new(key, values, origin)
        });
    }

    /// [`Context::set_shared`] with the key and values of `entry` (of another context), as
    /// `origin`: nothing is copied or looked up again.
    pub fn set_entry(&mut self, entry: &Entry, origin: Origin) {
        self.replace(&entry.key, Arc::clone(&entry.values), origin, |_| Entry {
            origin,
            ..entry.clone()
        });
    }

    /// Sets the values and origin of `key`'s entry, or adds the entry `new` makes of them.
    fn replace(
        &mut self,
        key: &str,
        values: Arc<[String]>,
        origin: Origin,
        new: impl FnOnce(Arc<[String]>) -> Entry,
    ) {
        match self
            .entries
            .iter_mut()
            .find(|e| e.key.eq_ignore_ascii_case(key))
        {
            Some(e) => {
                e.values = values;
                e.origin = origin;
            }
            None => self.entries.push(new(values)),
        }
    }

    /// Sets `key`, which the context does not have yet, to `values`: [`Context::set`] without
    /// looking for an earlier entry (`Request::new` sets each of its default keys once).
    pub(crate) fn set_new(&mut self, key: &str, values: Vec<String>, origin: Origin) {
        debug_assert!(self.get(key).is_none(), "{key} set twice");
        self.entries.push(Entry::new(key, values.into(), origin));
    }

    /// Adds one more value to `key` (making it multi-valued), or sets it.
    pub fn push_value(&mut self, key: &str, value: String) {
        match self
            .entries
            .iter_mut()
            .find(|e| e.key.eq_ignore_ascii_case(key))
        {
            Some(e) => {
                let mut values = e.values.to_vec();
                values.push(value);
                e.values = values.into();
            }
            None => self
                .entries
                .push(Entry::new(key, vec![value].into(), Origin::Given)),
        }
    }

    /// Removes `key`.
    pub fn remove(&mut self, key: &str) {
        self.entries.retain(|e| !e.key.eq_ignore_ascii_case(key));
    }

    /// Every entry, in insertion order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }
}

/// Formats epoch seconds as `YYYY-MM-DDThh:mm:ssZ`.
pub fn iso8601(epoch: i64) -> String {
    let days = epoch.div_euclid(86_400);
    let secs = epoch.rem_euclid(86_400);
    // Civil-from-days (proleptic Gregorian).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso8601_round_trips_through_the_date_parser() {
        for t in [0, 951_782_400, 1_700_000_000, 4_102_444_799] {
            let s = iso8601(t);
            assert_eq!(crate::values::parse_date(&s), Some(t * 1000), "{s}");
        }
        assert_eq!(iso8601(0), "1970-01-01T00:00:00Z");
    }
}
