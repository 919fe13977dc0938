//! The S3 actions of the catalogue as a set: a bitset over every `s3:` action, with each
//! action's access level and whether it acts on the bucket ARN or on object ARNs. Analyses ask
//! "which S3 actions does this statement cover?" once per statement; literal patterns are
//! answered by lookup, wildcard patterns by matching the catalogue.

use crate::catalog::{self, AccessLevel};
use crate::eval::graph::CompiledStatement;
use crate::wildcard::Case;
use std::collections::HashMap;
use std::sync::OnceLock;

/// A set of actions of the [`Universe`], as a bitset.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Actions([u64; 4]);

impl Actions {
    fn set(&mut self, i: usize) {
        if let Some(w) = self.0.get_mut(i / 64) {
            *w |= 1 << (i % 64);
        }
    }

    /// The members in ascending order, word by word, lowest bit first.
    fn into_iter_ids(self) -> impl Iterator<Item = usize> {
        self.0.into_iter().enumerate().flat_map(|(w, bits)| {
            let mut rest = bits;
            std::iter::from_fn(move || {
                (rest != 0).then(|| {
                    let bit = rest.trailing_zeros() as usize;
                    rest &= rest - 1;
                    w * 64 + bit
                })
            })
        })
    }

    /// Whether action `i` is in the set.
    pub fn has(&self, i: usize) -> bool {
        self.0.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0)
    }

    /// The union.
    pub fn or(self, o: Actions) -> Actions {
        let mut out = self;
        for (a, b) in out.0.iter_mut().zip(o.0) {
            *a |= b;
        }
        out
    }

    /// The intersection.
    pub fn and(self, o: Actions) -> Actions {
        let mut out = self;
        for (a, b) in out.0.iter_mut().zip(o.0) {
            *a &= b;
        }
        out
    }

    /// The actions of `self` not in `o`.
    pub fn minus(self, o: Actions) -> Actions {
        let mut out = self;
        for (a, b) in out.0.iter_mut().zip(o.0) {
            *a &= !b;
        }
        out
    }

    /// How many.
    pub fn count(&self) -> usize {
        self.0.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// Whether empty.
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|w| *w == 0)
    }

    /// The members, in catalogue order.
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.into_iter_ids()
    }
}

/// Every action of the `s3` service, in catalogue order.
pub struct Universe {
    /// `s3:Name`.
    pub names: Vec<String>,
    /// `s3:name`.
    pub lower: Vec<String>,
    /// Each action's access level.
    pub levels: Vec<AccessLevel>,
    /// The actions authorized against the bucket ARN (resource types bucket, accesspoint).
    pub on_bucket: Actions,
    /// The actions authorized against object ARNs (object, accesspointobject).
    pub on_object: Actions,
    /// Every action.
    pub all: Actions,
    index: HashMap<String, usize>,
    /// The everyday actions of the catalogue with their [`everyday_rank`], in that order.
    everyday: Vec<(usize, usize)>,
    /// The same, as a set.
    everyday_set: Actions,
}

impl Universe {
    /// The universe, built once from the catalogue.
    pub fn get() -> &'static Universe {
        static U: OnceLock<Universe> = OnceLock::new();
        U.get_or_init(|| {
            let mut u = Universe {
                names: Vec::new(),
                lower: Vec::new(),
                levels: Vec::new(),
                on_bucket: Actions::default(),
                on_object: Actions::default(),
                all: Actions::default(),
                index: HashMap::new(),
                everyday: Vec::new(),
                everyday_set: Actions::default(),
            };
            let Some(service) = catalog::service("s3") else {
                return u;
            };
            for a in service.actions().iter().take(256) {
                let types: Vec<&str> = a.resource_types().iter().map(|r| r.name()).collect();
                let i = u.names.len();
                let lower = format!("s3:{}", a.name().to_ascii_lowercase());
                u.index.insert(lower.clone(), i);
                u.names.push(format!("s3:{}", a.name()));
                u.lower.push(lower);
                u.levels.push(a.access_level());
                u.all.set(i);
                if types.iter().any(|t| *t == "bucket" || *t == "accesspoint") {
                    u.on_bucket.set(i);
                }
                if types
                    .iter()
                    .any(|t| *t == "object" || *t == "accesspointobject")
                {
                    u.on_object.set(i);
                }
            }
            let mut ranked: Vec<(usize, usize)> = (0..u.names.len())
                .filter_map(|i| {
                    let rank = u.names.get(i).map_or(EVERYDAY.len(), |n| everyday_rank(n));
                    (rank < EVERYDAY.len()).then_some((rank, i))
                })
                .collect();
            ranked.sort_unstable();
            for (_, i) in &ranked {
                u.everyday_set.set(*i);
            }
            u.everyday = ranked;
            u
        })
    }

    /// The index of `s3:Name` (case-insensitive).
    pub fn index(&self, action: &str) -> Option<usize> {
        self.index.get(&action.to_ascii_lowercase()).copied()
    }

    /// The S3 actions statement `s` covers (its `Action`, or everything but its `NotAction`).
    pub fn actions_of(&self, s: &CompiledStatement) -> Actions {
        let (negated, patterns) = &s.actions;
        let mut out = Actions::default();
        for p in patterns {
            if p.matches_everything() {
                out = self.all;
                break;
            }
            if let Some(lit) = p.as_literal() {
                if let Some(i) = self.index.get(lit) {
                    out.set(*i);
                }
                continue;
            }
            // Another service's pattern covers no S3 action.
            let prefix = p.literal_prefix();
            if !(prefix.starts_with("s3:") || "s3:".starts_with(prefix)) {
                continue;
            }
            for (i, a) in self.lower.iter().enumerate() {
                if p.is_match(a, Case::Sensitive) {
                    out.set(i);
                }
            }
        }
        if *negated { self.all.minus(out) } else { out }
    }

    /// The S3 actions an Object Lambda access point statement opens: each
    /// `s3-object-lambda:Name` pattern stands for the S3 operation of the same name, which the
    /// request through the Object Lambda access point makes of its supporting access point (S3
    /// "Configuring IAM policies for Object Lambda access points"). Other patterns add nothing.
    pub fn object_lambda_actions_of(&self, s: &CompiledStatement) -> Actions {
        let (negated, patterns) = &s.actions;
        let mut out = Actions::default();
        if *negated {
            return out;
        }
        for p in patterns {
            let text = p.as_str().to_ascii_lowercase();
            let Some(rest) = text.strip_prefix("s3-object-lambda:") else {
                continue;
            };
            let as_s3 = format!("s3:{rest}");
            for (i, a) in self.lower.iter().enumerate() {
                if crate::wildcard::matches(&as_s3, a, Case::Insensitive) {
                    out.set(i);
                }
            }
        }
        out
    }

    /// Names of a set, at most `max`, with "and N more"; the most used actions first.
    pub fn describe(&self, set: &Actions, max: usize) -> String {
        let names = self.everyday_first(set);
        let shown: Vec<String> = names.iter().take(max).map(|n| format!("`{n}`")).collect();
        if names.len() > max {
            format!("{} and {} more", shown.join(", "), names.len() - max)
        } else {
            shown.join(", ")
        }
    }

    /// The names of a set, everyday actions first ([`everyday_rank`]), the rest in catalogue
    /// order.
    pub fn everyday_first(&self, set: &Actions) -> Vec<&str> {
        self.everyday_first_ids(set)
            .filter_map(|i| self.names.get(i).map(String::as_str))
            .collect()
    }

    /// [`Universe::everyday_first`] as action indices: the everyday actions of the set in
    /// their order, then the others in catalogue order (what a stable sort by
    /// [`everyday_rank`] gives, without sorting).
    pub fn everyday_first_ids<'a>(&'a self, set: &'a Actions) -> impl Iterator<Item = usize> + 'a {
        let rest = set.minus(self.everyday_set);
        let len = self.names.len();
        self.everyday
            .iter()
            .map(|(_, i)| *i)
            .filter(|i| set.has(*i))
            .chain(rest.into_iter_ids().filter(move |i| *i < len))
    }

    /// [`everyday_rank`] of action `i`.
    pub fn rank(&self, i: usize) -> usize {
        self.everyday
            .iter()
            .find(|(_, e)| *e == i)
            .map_or(EVERYDAY.len(), |(rank, _)| *rank)
    }
}

/// The actions people use every day, in the order every listing shows them: reading, writing,
/// listing and deleting objects first, then versions, then the bucket's policy and ACLs. One
/// list for the whole crate (the audit's messages, `who-can`, Deny coverage).
const EVERYDAY: &[&str] = &[
    "s3:GetObject",
    "s3:PutObject",
    "s3:ListBucket",
    "s3:DeleteObject",
    "s3:GetObjectVersion",
    "s3:ListBucketVersions",
    "s3:DeleteObjectVersion",
    "s3:GetBucketLocation",
    "s3:GetBucketPolicy",
    "s3:PutBucketPolicy",
    "s3:GetBucketAcl",
    "s3:PutBucketAcl",
    "s3:GetObjectAcl",
    "s3:PutObjectAcl",
];

/// Where `action` (`s3:Name`, any case) comes in listings: its place among the everyday
/// actions, every other action after them (a stable sort keeps their order).
pub fn everyday_rank(action: &str) -> usize {
    EVERYDAY
        .iter()
        .position(|e| e.eq_ignore_ascii_case(action))
        .unwrap_or(EVERYDAY.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everyday_first_is_the_stable_sort_by_everyday_rank() {
        let u = Universe::get();
        let mut sets = vec![u.all, u.on_bucket, u.on_object, Actions::default()];
        // Every other action, and a few everyday ones alone.
        let mut odd = Actions::default();
        for i in (0..u.names.len()).step_by(2) {
            odd.set(i);
        }
        sets.push(odd);
        let mut few = Actions::default();
        for name in ["s3:PutObject", "s3:ListBucket", "s3:GetBucketTagging"] {
            if let Some(i) = u.index(name) {
                few.set(i);
            }
        }
        sets.push(few);
        for set in &sets {
            let members: Vec<usize> = (0..256).filter(|i| set.has(*i)).collect();
            assert_eq!(set.iter().collect::<Vec<_>>(), members);
            let mut sorted: Vec<&str> = set
                .iter()
                .filter_map(|i| u.names.get(i).map(String::as_str))
                .collect();
            sorted.sort_by_key(|n| everyday_rank(n));
            assert_eq!(u.everyday_first(set), sorted);
            for i in set.iter().filter(|i| *i < u.names.len()) {
                assert_eq!(u.rank(i), everyday_rank(&u.names[i]));
            }
        }
        assert_eq!(
            u.everyday_first(&u.all).first().copied(),
            Some("s3:GetObject")
        );
    }
}
