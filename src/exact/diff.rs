//! `diff`: the access one version of a bucket's documents grants that another did not
//! (Access Analyzer's CheckNoNewAccess, offline), and with `removed` what it takes away.
//!
//! The regions are computed over the union of both graphs' constants (one graph holding the
//! documents of both, NEW's first), so a region never mixes requests the two versions treat
//! differently; each representative is then decided by both graphs: NEW allows and OLD does
//! not is new access, shown with NEW's decision. Both decisions are replayed before a finding
//! is kept. The statement sets of the search range over both versions' statements, so two
//! assignments kept apart by either version's conditions are both tried.

use super::kms_leg::Leg;
use super::search::{self, Judge};
use super::who_can::{self, Group, WhoCanOptions};
use super::{ClassExploration, Finding, PrincipalScope, Question, Reason, Scope};
use crate::eval::bucket::BucketModel;
use crate::eval::decide::Response;
use crate::eval::graph::Graph;
use crate::eval::request::Request;
use crate::eval::{Decision, decide};

/// Which version of the documents something belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Side {
    /// The version compared against (the base).
    Old,
    /// The version checked.
    New,
}

/// The difference in access between two versions of one bucket's documents.
#[derive(Debug, Clone)]
pub struct BucketDiff {
    /// The bucket (NEW's name, or OLD's when the bucket is only in OLD).
    pub bucket: String,
    /// The owner account used.
    pub owner: String,
    /// Whether the owner was not given (an account no document names is assumed).
    pub owner_assumed: bool,
    /// Whether the callers' own identity policies were not given and are assumed to allow.
    pub identity_assumed: bool,
    /// OLD's graph (with the assumed identity policy); `None` when the bucket is new.
    pub old: Option<Graph>,
    /// NEW's graph (with the assumed identity policy); `None` when the bucket is gone.
    pub new: Option<Graph>,
    /// Both versions' documents, NEW's first: the graph the `reasons` refer to.
    pub union: Graph,
    /// Access NEW grants that OLD did not; statements are ids of `new`.
    pub added: Vec<Group>,
    /// Access OLD granted that NEW does not (when asked for); statements are ids of `old`.
    pub removed: Vec<Group>,
    /// Why the absence of a change is not proof; statements are ids of `union`.
    pub reasons: Vec<Reason>,
    /// Representative requests judged.
    pub decided: usize,
}

impl BucketDiff {
    /// Where statement `id` of the union graph comes from, and its id there.
    pub fn side_of(&self, id: usize) -> (Side, usize) {
        let n = self.new.as_ref().map_or(0, |g| g.statements.len());
        if id < n {
            (Side::New, id)
        } else {
            (Side::Old, id - n)
        }
    }
}

/// Compares the buckets of two lists, paired by bucket name: the entry point for inputs that
/// come as models (a Terraform plan's before and after, for instance). A bucket only in `new`
/// is all new access; one only in `old`, all removed access.
pub fn diff_models(
    old: &[BucketModel],
    new: &[BucketModel],
    options: &WhoCanOptions,
    removed: bool,
) -> Vec<BucketDiff> {
    let mut out: Vec<BucketDiff> = new
        .iter()
        .map(|n| {
            let o = old.iter().find(|o| o.name == n.name);
            diff(o, Some(n), options, removed)
        })
        .collect();
    for o in old {
        if !new.iter().any(|n| n.name == o.name) {
            out.push(diff(Some(o), None, options, removed));
        }
    }
    out
}

/// The access `new` grants that `old` did not (and, with `removed`, the reverse). `None`
/// stands for a bucket that does not exist in that version: it grants nothing.
pub fn diff(
    old: Option<&BucketModel>,
    new: Option<&BucketModel>,
    options: &WhoCanOptions,
    removed: bool,
) -> BucketDiff {
    diff_with(old, new, options, removed, true)
}

/// [`diff`], with the reductions of the search on or off: off only in tests that check they
/// change no answer.
#[doc(hidden)]
pub fn diff_with(
    old: Option<&BucketModel>,
    new: Option<&BucketModel>,
    options: &WhoCanOptions,
    removed: bool,
    reduce: bool,
) -> BucketDiff {
    let (old_g, new_g, identity_assumed, versions_legs) = versions(old, new);
    let VersionLegs {
        legs,
        new: new_leg,
        old: old_leg,
        unknown: unknown_legs,
    } = versions_legs;
    let (new_leg, old_leg) = (
        new_leg.and_then(|i| legs.get(i)),
        old_leg.and_then(|i| legs.get(i)),
    );
    let union = union(old_g.as_ref(), new_g.as_ref());
    let given_owner = new.and_then(|m| m.owner.clone());
    let (owner, owner_assumed) = match given_owner.or_else(|| old.and_then(|m| m.owner.clone())) {
        Some(o) => (o, false),
        None => (who_can::unnamed_owner(&union), true),
    };
    let bucket = new.or(old).map(|m| m.name.clone()).unwrap_or_default();
    let question = Question {
        graph: &union,
        bucket: bucket.clone(),
        owner: owner.clone(),
        now: options.now,
        scope: Scope {
            principals: PrincipalScope::All,
            actions: options.actions.clone(),
            resource: options.resource.clone(),
            conditions: Vec::new(),
        },
    };
    let new_n = new_g.as_ref().map_or(0, |g| g.statements.len());
    let mut reasons = Vec::new();
    let mut decided = 0;
    let mut run = |gains: Option<&Graph>, loses: Option<&Graph>, offset: usize| {
        let Some(gains) = gains else {
            return Vec::new();
        };
        let (gains_leg, loses_leg) = if offset == 0 {
            (new_leg, old_leg)
        } else {
            (old_leg, new_leg)
        };
        let judge = Gained {
            gains,
            loses,
            gains_leg,
            loses_leg,
            legs: &legs,
            offset,
            loses_offset: if offset == 0 { new_n } else { 0 },
            owner: &owner,
            now: options.now,
        };
        let e = search::explore_by(&question, &judge, search::Mode::shown(reduce));
        let groups = who_can::group(&e, &owner, &|f, o| judge.replays(f, o), &mut reasons);
        reasons.extend(e.reasons);
        decided += e.decided;
        groups
    };
    let (added, removed) = match (&old_g, &new_g) {
        // Both directions over the same regions: one search deciding each representative on
        // both versions (the two searches would try the same requests).
        (Some(o), Some(n)) if removed => {
            let judge = Both {
                new: n,
                old: o,
                new_leg,
                old_leg,
                legs: &legs,
                new_n,
                owner: &owner,
                now: options.now,
            };
            let e = search::explore_by(&question, &judge, search::Mode::shown(reduce));
            reasons.extend(e.reasons.iter().cloned());
            decided += e.decided;
            let replays = |f: &Finding, o: usize| judge.replays(f, o);
            (
                who_can::group(&outcomes(&e, 0), &owner, &replays, &mut reasons),
                who_can::group(&outcomes(&e, 1), &owner, &replays, &mut reasons),
            )
        }
        _ => {
            let added = run(new_g.as_ref(), old_g.as_ref(), 0);
            let removed = if removed {
                run(old_g.as_ref(), new_g.as_ref(), new_n)
            } else {
                Vec::new()
            };
            (added, removed)
        }
    };
    // A value not known offline on either side may hide or fake a change: OLD's read as open
    // (an unknown principal as `*`, an unknown flag as off) may hide new access.
    for r in old
        .iter()
        .chain(new.iter())
        .flat_map(|m| who_can::unsettled(&m.graph))
    {
        if !reasons.contains(&r) {
            reasons.push(r);
        }
    }
    for why in unknown_legs {
        reasons.push(Reason::new(
            super::ReasonKind::Model,
            None,
            format!("the KMS leg is not modelled: {why}; reads and writes of SSE-KMS objects also need KMS to allow"),
        ));
    }
    reasons.sort_by_key(|r| (r.kind, r.statement));
    reasons.dedup();
    BucketDiff {
        bucket,
        owner,
        owner_assumed,
        identity_assumed,
        old: old_g,
        new: new_g,
        union,
        added,
        removed,
        reasons,
        decided,
    }
}

/// The versions' KMS legs: `legs` holds both for the search to split by, NEW's first.
struct VersionLegs {
    legs: Vec<Leg>,
    /// NEW's and OLD's leg, positions in `legs`.
    new: Option<usize>,
    old: Option<usize>,
    /// Why a version's leg cannot be decided.
    unknown: Vec<String>,
}

/// Each version's graph as the engine asks it (with the assumed identity policy, and the key
/// policy of its default encryption's key), whether an identity policy was assumed, and the
/// versions' KMS legs.
fn versions(
    old: Option<&BucketModel>,
    new: Option<&BucketModel>,
) -> (Option<Graph>, Option<Graph>, bool, VersionLegs) {
    let mut out = VersionLegs {
        legs: Vec::new(),
        new: None,
        old: None,
        unknown: Vec::new(),
    };
    let mut assumed_any = false;
    let mut prepare = |m: &BucketModel| {
        let (g, assumed) = who_can::with_assumed_identity(&m.graph);
        assumed_any |= assumed;
        let (g, leg, unknown) = super::kms_leg::of_model(m, g);
        out.unknown.extend(unknown);
        let at = leg.map(|l| {
            out.legs.push(l);
            out.legs.len() - 1
        });
        (g, at)
    };
    let new_g = new.map(&mut prepare);
    let old_g = old.map(&mut prepare);
    out.new = new_g.as_ref().and_then(|(_, at)| *at);
    out.old = old_g.as_ref().and_then(|(_, at)| *at);
    (
        old_g.map(|(g, _)| g),
        new_g.map(|(g, _)| g),
        assumed_any,
        out,
    )
}

/// One graph with the documents (and the S3 facts that name callers and objects) of both
/// versions, NEW's first: its constants are the union of both versions' constants.
fn union(old: Option<&Graph>, new: Option<&Graph>) -> Graph {
    let mut g = new.or(old).cloned().unwrap_or_default();
    let (Some(old), Some(_)) = (old, new) else {
        return g;
    };
    for d in &old.documents {
        g.add(d.source.clone(), d.policy.clone(), d.layer, d.level);
    }
    let s3 = &old.s3;
    g.s3.canonical_ids.extend(s3.canonical_ids.iter().cloned());
    g.s3.objects.extend(s3.objects.iter().cloned());
    g.s3.access_points.extend(s3.access_points.iter().cloned());
    // The endpoints' ids are constants of `aws:SourceVpce` (the union is only split, not judged).
    g.vpc_endpoints.extend(old.vpc_endpoints.iter().cloned());
    // So are the grantees and constraints of OLD's KMS grants.
    g.kms_grants.extend(old.kms_grants.iter().cloned());
    if g.s3.object_owner.is_none() {
        g.s3.object_owner.clone_from(&s3.object_owner);
    }
    g
}

/// The findings of `e` of one outcome.
fn outcomes(e: &ClassExploration, outcome: usize) -> ClassExploration {
    ClassExploration {
        classes: e
            .classes
            .iter()
            .filter(|c| c.outcome == outcome)
            .cloned()
            .collect(),
        actions: e.actions.clone(),
        resources: e.resources.clone(),
        reasons: Vec::new(),
        decided: 0,
    }
}

/// Judges a representative both ways: new access (outcome 0, NEW's decision) when NEW allows
/// it and OLD does not, removed access (outcome 1, OLD's decision) the other way round. Both
/// decisions' uncertainties are noted, as the two one-way searches note them.
struct Both<'g> {
    new: &'g Graph,
    old: &'g Graph,
    /// The versions' KMS legs, and both for the search.
    new_leg: Option<&'g Leg>,
    old_leg: Option<&'g Leg>,
    legs: &'g [Leg],
    /// Where OLD's statements start in the union graph.
    new_n: usize,
    owner: &'g str,
    now: i64,
}

impl Judge for Both<'_> {
    fn judge(&self, request: &Request, reasons: &mut Vec<Reason>) -> Option<(Response, usize)> {
        let new = decide(self.new, request, false);
        Gained::note(&new, 0, reasons);
        let old = decide(self.old, request, false);
        Gained::note(&old, self.new_n, reasons);
        let (new_s3, old_s3) = (
            new.decision == Decision::Allow,
            old.decision == Decision::Allow,
        );
        match (
            new_s3 && through(self.new_leg, request, !old_s3, reasons),
            old_s3 && through(self.old_leg, request, !new_s3, reasons),
        ) {
            (true, false) => Some((new, 0)),
            (false, true) => Some((old, 1)),
            _ => None,
        }
    }

    fn replays(&self, f: &Finding, outcome: usize) -> bool {
        let (gains, loses) = if outcome == 0 {
            ((self.new, self.new_leg), (self.old, self.old_leg))
        } else {
            ((self.old, self.old_leg), (self.new, self.new_leg))
        };
        replays(gains, f, self.owner, self.now) && !replays(loses, f, self.owner, self.now)
    }

    fn legs(&self) -> &[Leg] {
        self.legs
    }
}

/// Whether `leg` (none: S3 alone decides) lets an S3-allowed `request` through. Its reasons
/// (a read under an assumed key) are kept only when they matter: when the other version's
/// S3 leg does not allow the request (`other_denies`), an object under another key would be
/// a change.
fn through(
    leg: Option<&Leg>,
    request: &Request,
    other_denies: bool,
    reasons: &mut Vec<Reason>,
) -> bool {
    let mut mine = Vec::new();
    let ok = leg.is_none_or(|l| l.allows(request, &mut mine));
    if other_denies {
        reasons.extend(mine);
    }
    ok
}

/// Whether a finding is allowed again on `graph` and through its leg when rebuilt.
fn replays((graph, leg): (&Graph, Option<&Leg>), f: &Finding, owner: &str, now: i64) -> bool {
    super::replay(graph, f, owner, now) && leg.is_none_or(|l| l.replays(f, owner, now))
}

/// Judges a representative: `gains` allows it and `loses` (absent: allows nothing) does not.
struct Gained<'g> {
    gains: &'g Graph,
    loses: Option<&'g Graph>,
    /// The KMS legs of `gains` and `loses`, and every leg for the search.
    gains_leg: Option<&'g Leg>,
    loses_leg: Option<&'g Leg>,
    legs: &'g [Leg],
    /// Where `gains`'s statements start in the union graph.
    offset: usize,
    /// Where `loses`'s statements start in the union graph.
    loses_offset: usize,
    owner: &'g str,
    now: i64,
}

impl Gained<'_> {
    /// The evaluator's uncertainties, their statements renumbered into the union graph.
    fn note(response: &Response, offset: usize, reasons: &mut Vec<Reason>) {
        let mut mine = Vec::new();
        search::uncertain_reasons(response, &mut mine);
        reasons.extend(mine.into_iter().map(|mut r| {
            r.statement = r.statement.map(|s| s + offset);
            r
        }));
    }
}

impl Judge for Gained<'_> {
    fn judge(&self, request: &Request, reasons: &mut Vec<Reason>) -> Option<(Response, usize)> {
        let gained = decide(self.gains, request, false);
        Gained::note(&gained, self.offset, reasons);
        if gained.decision != Decision::Allow {
            return None;
        }
        let before = self.loses.map(|l| decide(l, request, false));
        let before_s3 = before
            .as_ref()
            .is_some_and(|b| b.decision == Decision::Allow);
        if !through(self.gains_leg, request, !before_s3, reasons) {
            return None;
        }
        if let Some(before) = before {
            // A read OLD's leg denied is new access for objects under that key.
            if before_s3 && through(self.loses_leg, request, false, reasons) {
                return None;
            }
            // An uncertain "not allowed" before may be an allow: the change is then not proven.
            Gained::note(&before, self.loses_offset, reasons);
        }
        Some((gained, 0))
    }

    fn replays(&self, f: &Finding, _: usize) -> bool {
        replays((self.gains, self.gains_leg), f, self.owner, self.now)
            && !self
                .loses
                .is_some_and(|l| replays((l, self.loses_leg), f, self.owner, self.now))
    }

    fn legs(&self) -> &[Leg] {
        self.legs
    }
}
