//! P5xx: actions, resources and statements that others of the same policy already cover.

use super::Validator;
use crate::diagnostic::Finding;
use crate::policy::{PrincipalKind, Spanned, Statement};
use crate::registry::Code;
use crate::variables;
use crate::wildcard::{self, Case, Pattern};
use std::cell::OnceCell;

impl Validator<'_> {
    // rule: P502
    /// An action covered by another action of the same statement.
    pub(super) fn redundant_actions(&mut self, items: &[Spanned<String>]) {
        if items.len() < 2 || items.len() > 500 {
            return;
        }
        // Action names are case-insensitive.
        let case = Case::Insensitive;
        let patterns: Vec<Item<'_>> = items.iter().map(|i| Item::new(&i.value)).collect();
        let covering = |i: usize, j: usize| {
            let (Some(a), Some(b)) = (items.get(i), items.get(j)) else {
                return false;
            };
            i != j
                && patterns.get(i).zip(patterns.get(j)).is_some_and(|(pa, pb)| pa.covers(pb, case))
                // For two equal items, only the later one is redundant.
                && !(eq(&a.value, &b.value, case) && i > j)
        };
        // Only wildcard items can cover others, except that an equal item covers a later one;
        // with ASCII text "equal" is exactly what `covers` means for two literals. So a long
        // list of literal actions costs one pass over the wildcards, not every pair.
        let wild: Vec<usize> = (0..items.len())
            .filter(|&i| patterns.get(i).is_some_and(|p| !p.is_literal()))
            .collect();
        let ascii = items.iter().all(|i| i.value.is_ascii());
        for (j, b) in items.iter().enumerate() {
            let first = if !ascii {
                (0..items.len()).find(|&i| covering(i, j))
            } else if patterns.get(j).is_some_and(Item::is_literal) {
                let equal = (0..j).find(|&i| {
                    patterns.get(i).is_some_and(Item::is_literal)
                        && items.get(i).is_some_and(|a| eq(&a.value, &b.value, case))
                        && covering(i, j)
                });
                let wildcard = wild.iter().copied().find(|&i| covering(i, j));
                match (equal, wildcard) {
                    (Some(x), Some(y)) => Some(x.min(y)),
                    (x, y) => x.or(y),
                }
            } else {
                // A literal never covers a wildcard.
                wild.iter().copied().find(|&i| covering(i, j))
            };
            if let Some(a) = first.and_then(|i| items.get(i)) {
                self.push(
                    Finding::new(
                        Code::RedundantAction,
                        b.span,
                        format!("action `{}` is already covered by `{}`", b.value, a.value),
                    )
                    .with_related(a.span, "covered by this")
                    .with_help("remove the redundant action"),
                );
            }
        }
    }

    // rule: P503
    /// A resource covered by another resource of the same statement.
    pub(super) fn redundant_resources(&mut self, items: &[Spanned<String>]) {
        if items.len() < 2 || items.len() > 500 {
            return;
        }
        let compiled: Vec<CompiledResource<'_>> = items
            .iter()
            .map(|i| CompiledResource::new(&i.value))
            .collect();
        for (j, b) in items.iter().enumerate() {
            let cb = compiled.get(j);
            let coverer = items
                .iter()
                .zip(&compiled)
                .enumerate()
                .find(|(i, (a, ca))| {
                    *i != j && cb.is_some_and(|cb| ca.covers(cb)) && !(a.value == b.value && *i > j)
                });
            let coverer = coverer.map(|(i, (a, _))| (i, a));
            if let Some((_, a)) = coverer {
                self.push(
                    Finding::new(
                        Code::RedundantResource,
                        b.span,
                        format!("resource `{}` is already covered by `{}`", b.value, a.value),
                    )
                    .with_related(a.span, "covered by this")
                    .with_help("remove the redundant resource"),
                );
            }
        }
    }

    // rule: P501
    /// A statement that another statement of the same policy covers entirely.
    pub(super) fn redundant_statements(&mut self) {
        let st = &self.policy.statements;
        if st.len() < 2 || st.len() > 200 {
            return;
        }
        // Compiled on first use: most pairs differ in effect, principal or conditions.
        let compiled: Vec<LazyCompiled<'_>> = st.iter().map(|_| OnceCell::new()).collect();
        for (j, b) in st.iter().enumerate() {
            let cb = compiled.get(j);
            let coverer = st.iter().zip(&compiled).enumerate().find(|(i, (a, ca))| {
                *i != j
                    && cb.is_some_and(|cb| {
                        statement_covers(a, ca, b, cb)
                            && !(*i > j && statement_covers(b, cb, a, ca))
                    })
            });
            let coverer = coverer.map(|(i, (a, _))| (i, a));
            if let Some((_, a)) = coverer {
                self.push(
                    Finding::new(
                        Code::RedundantStatement,
                        b.span,
                        format!("{} is already covered by {}", b.label(), a.label()),
                    )
                    .with_related(a.span, "covered by this statement")
                    .with_help("remove it, or make the difference explicit"),
                );
            }
        }
    }
}

fn eq(a: &str, b: &str, case: Case) -> bool {
    match case {
        Case::Sensitive => a == b,
        Case::Insensitive => a.eq_ignore_ascii_case(b),
    }
}

/// A Resource pattern split into its five ARN parts, compiled when first compared.
struct CompiledResource<'a> {
    text: &'a str,
    /// The text before the first wildcard and after the last. Whatever this pattern covers
    /// starts and ends with them (equal literal parts, then the wildcard part's literal
    /// affixes), which rules most pairs out without compiling anything.
    head: &'a str,
    tail: &'a str,
    /// `None` for `*`-only patterns, variables and non-ARNs (compared as text).
    parts: OnceCell<Option<Vec<Item<'a>>>>,
}

impl<'a> CompiledResource<'a> {
    fn new(text: &'a str) -> CompiledResource<'a> {
        let wild = |c: char| c == '*' || c == '?';
        let head = text
            .find(wild)
            .map_or(text, |i| text.get(..i).unwrap_or(""));
        let tail = text
            .rfind(wild)
            .map_or(text, |i| text.get(i + 1..).unwrap_or(""));
        CompiledResource {
            text,
            head,
            tail,
            parts: OnceCell::new(),
        }
    }

    fn parts(&self) -> Option<&[Item<'a>]> {
        self.parts
            .get_or_init(|| {
                let text = self.text;
                if text.bytes().all(|b| b == b'*') || variables::contains_variable(text) {
                    return None;
                }
                crate::arn::parse(text).ok().map(|a| {
                    [a.partition, a.service, a.region, a.account, a.resource]
                        .into_iter()
                        .map(Item::new)
                        .collect()
                })
            })
            .as_deref()
    }

    /// Sound: true only if every resource `specific` matches, `self` matches too.
    fn covers(&self, specific: &CompiledResource<'_>) -> bool {
        if self.text.bytes().all(|b| b == b'*') {
            return true;
        }
        if !specific.text.starts_with(self.head) || !specific.text.ends_with(self.tail) {
            return false;
        }
        match (self.parts(), specific.parts()) {
            (Some(g), Some(s)) => g.iter().zip(s).all(|(a, b)| a.covers(b, Case::Sensitive)),
            _ => self.text == specific.text,
        }
    }
}

/// A statement's action and resource patterns, compiled once for pairwise comparisons.
struct Compiled<'a> {
    actions: Vec<Item<'a>>,
    resources: Vec<CompiledResource<'a>>,
    /// The literal actions ASCII-lowercased and sorted, and the indices of the wildcard ones:
    /// a literal action is covered by an equal literal or by a wildcard, so a lookup replaces
    /// a scan. `None` when an action is not ASCII (then every action is compared).
    index: OnceCell<Option<(Vec<String>, Vec<usize>)>>,
}

impl Compiled<'_> {
    /// Whether one of the statement's actions covers `q`.
    fn covers_action(&self, q: &Item<'_>) -> bool {
        if let (Item::Literal(text), Some((literals, wild))) = (q, self.index())
            && text.is_ascii()
        {
            // Two equal ASCII literals: covered when the pair fits the size budget.
            let equal = literals.binary_search_by(|l| cmp_lower(l, text)).is_ok()
                && wildcard::within_budget(text.len(), text.len());
            return equal
                || wild
                    .iter()
                    .filter_map(|&i| self.actions.get(i))
                    .any(|p| p.covers(q, Case::Insensitive));
        }
        self.actions.iter().any(|p| p.covers(q, Case::Insensitive))
    }

    fn index(&self) -> Option<&(Vec<String>, Vec<usize>)> {
        self.index
            .get_or_init(|| {
                let mut literals = Vec::new();
                let mut wild = Vec::new();
                for (i, item) in self.actions.iter().enumerate() {
                    match item {
                        Item::Literal(text) if text.is_ascii() => {
                            literals.push(text.to_ascii_lowercase());
                        }
                        Item::Literal(_) => return None,
                        Item::Wild(_) => wild.push(i),
                    }
                }
                literals.sort();
                Some((literals, wild))
            })
            .as_ref()
    }
}

/// Compares an ASCII-lowercased text with `text` lowercased.
fn cmp_lower(lower: &str, text: &str) -> std::cmp::Ordering {
    lower
        .bytes()
        .cmp(text.bytes().map(|b| b.to_ascii_lowercase()))
}

/// A list item (an action, a part of an ARN) compiled as a pattern only when it has
/// wildcards; most are plain names, compared as text exactly as `wildcard::covers` would.
enum Item<'a> {
    Literal(&'a str),
    Wild(Pattern),
}

impl<'a> Item<'a> {
    fn new(text: &'a str) -> Item<'a> {
        if text.contains(['*', '?']) {
            Item::Wild(Pattern::new(text))
        } else {
            Item::Literal(text)
        }
    }

    fn is_literal(&self) -> bool {
        matches!(self, Item::Literal(_))
    }

    /// `wildcard::covers` of the two items' patterns.
    fn covers(&self, specific: &Item<'_>, case: Case) -> bool {
        match (self, specific) {
            (Item::Literal(a), Item::Literal(b)) => wildcard::plain_covers_plain(a, b, case),
            (Item::Wild(p), Item::Literal(b)) => wildcard::covers_plain(p, b, case),
            // A literal pattern never covers one with a wildcard.
            (Item::Literal(_), Item::Wild(_)) => false,
            (Item::Wild(p), Item::Wild(q)) => wildcard::covers(p, q, case),
        }
    }
}

impl<'a> Compiled<'a> {
    fn new(s: &'a Statement) -> Compiled<'a> {
        Compiled {
            actions: s
                .action
                .iter()
                .flat_map(|a| &a.items)
                .map(|i| Item::new(&i.value))
                .collect(),
            resources: s
                .resource
                .iter()
                .flat_map(|r| &r.items)
                .map(|i| CompiledResource::new(&i.value))
                .collect(),
            index: OnceCell::new(),
        }
    }
}

/// A statement's [`Compiled`] form, built when a comparison first needs it.
type LazyCompiled<'a> = OnceCell<Compiled<'a>>;

/// Whether statement `a` matches every request `b` matches, with the same effect.
fn statement_covers<'a>(
    a: &'a Statement,
    ca: &LazyCompiled<'a>,
    b: &'a Statement,
    cb: &LazyCompiled<'a>,
) -> bool {
    if a.effect.value != b.effect.value || !same_conditions(a, b) {
        return false;
    }
    let principals_ok = match (&a.principal, &b.principal) {
        (None, None) => true,
        (Some(pa), Some(pb)) if !pa.negated && !pb.negated => {
            let everyone = pa.items.iter().any(|p| {
                p.kind == PrincipalKind::Everyone
                    || (p.kind == PrincipalKind::Aws && p.value == "*")
            });
            everyone
                || pb.items.iter().all(|q| {
                    pa.items
                        .iter()
                        .any(|p| p.kind == q.kind && p.value == q.value)
                })
        }
        _ => false,
    };
    if !principals_ok {
        return false;
    }
    let plain = |x: Option<bool>, y: Option<bool>| x == Some(false) && y == Some(false);
    if !plain(
        a.action.as_ref().map(|x| x.negated),
        b.action.as_ref().map(|x| x.negated),
    ) {
        return false;
    }
    let (ca, cb) = (
        ca.get_or_init(|| Compiled::new(a)),
        cb.get_or_init(|| Compiled::new(b)),
    );
    // Both blocks must agree in shape; then the actions, usually the cheaper to tell apart,
    // are compared before the resources.
    let compare_resources = match (&a.resource, &b.resource) {
        (Some(x), Some(y)) if !x.negated && !y.negated => true,
        (None, None) => false,
        _ => return false,
    };
    cb.actions.iter().all(|q| ca.covers_action(q))
        && (!compare_resources
            || cb
                .resources
                .iter()
                .all(|q| ca.resources.iter().any(|p| p.covers(q))))
}

fn same_conditions(a: &Statement, b: &Statement) -> bool {
    // `a` covers `b` when every condition of `a` also appears in `b` (b is at least as narrow).
    a.conditions.iter().all(|ca| {
        b.conditions.iter().any(|cb| {
            ca.operator.value.text == cb.operator.value.text
                && ca.key.value.eq_ignore_ascii_case(&cb.key.value)
                && ca.values.len() == cb.values.len()
                && ca
                    .values
                    .iter()
                    .zip(&cb.values)
                    .all(|(x, y)| x.text == y.text)
        })
    })
}
