//! IAM wildcard patterns: `*` matches any run of characters (including none) and `?` matches
//! exactly one character, anchored at both ends.
//!
//! The same glob is used by `Action`/`NotAction` (case-insensitive), `StringLike` and the
//! segments of `Resource` and `ArnLike` values (case-sensitive). There is no escape syntax in
//! the pattern text itself; literal `*` and `?` only arise from policy-variable escapes
//! (`${*}`, `${?}`) and substituted values, which [`PatternBuilder::literal`] expresses.
//!
//! Matching runs in time linear in the text for a fixed pattern: the pattern is split at its
//! `*`s into fixed-length segments, the first segment is anchored at the start, the last at the
//! end, and each middle segment is placed at its leftmost occurrence. Because every segment has a
//! fixed length, the leftmost placement always leaves the longest possible rest of the text, so
//! this greedy strategy never needs to backtrack.

use std::fmt;

/// Whether letters are compared exactly or with case folding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Case {
    /// Exact comparison (`Resource`, `StringLike`, `ArnLike`).
    Sensitive,
    /// Case-folded comparison (action names): ASCII folding, and `char::to_lowercase` for
    /// other characters.
    Insensitive,
}

/// One element of a compiled pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Atom {
    /// A literal character.
    Char(char),
    /// `?`: exactly one character.
    AnyChar,
    /// `*`: any run of characters, including the empty run.
    AnyRun,
}

/// A maximal run of non-`*` atoms, as a range into [`Pattern::atoms`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Segment {
    start: usize,
    end: usize,
    /// The segment's bytes in [`Pattern::source`] when it contains no `?` (enables `str`
    /// searching). A segment's atoms are contiguous in the source: only collapsed `*`s have
    /// no atom, and they never fall inside a segment.
    literal: Option<(usize, usize)>,
}

/// A compiled IAM wildcard pattern.
///
/// Build one with [`Pattern::new`] (every `*` and `?` is a wildcard) or with [`PatternBuilder`]
/// (to mix wildcard text with literal text). Consecutive `*`s are collapsed; they match the same
/// strings as one `*`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Pattern {
    /// The text the pattern was built from, shown by `Display`.
    source: String,
    /// Normalised atoms: never two `AnyRun`s in a row.
    atoms: Vec<Atom>,
    /// The runs between `*`s, in order.
    segments: Vec<Segment>,
    /// Whether the pattern contains at least one `*`.
    has_star: bool,
    /// The first atom is not `*`: the first segment is anchored at the start of the text.
    anchored_start: bool,
    /// The last atom is not `*`: the last segment is anchored at the end of the text.
    anchored_end: bool,
    /// Whether every atom is a literal character.
    literal: bool,
    /// The byte length of the literal characters before the first wildcard (a prefix of
    /// `source`, since no `*` has been collapsed before it).
    prefix_len: usize,
}

/// Builds a [`Pattern`] piece by piece, so literal text (in which `*` and `?` are ordinary
/// characters) can be mixed with wildcard text.
#[derive(Clone, Debug, Default)]
pub struct PatternBuilder {
    source: String,
    atoms: Vec<Atom>,
    /// Segments closed so far, and the open one (atom start, byte start, has a `?`).
    segments: Vec<Segment>,
    open: Option<(usize, usize, bool)>,
    /// Set at the first wildcard: the byte length of the literal prefix.
    prefix_len: Option<usize>,
}

impl PatternBuilder {
    /// An empty builder (an empty pattern matches only the empty string).
    pub fn new() -> PatternBuilder {
        PatternBuilder::default()
    }

    /// Appends `text` literally: `*` and `?` in it are ordinary characters.
    pub fn literal(&mut self, text: &str) -> &mut PatternBuilder {
        // Room for the whole text at once: builders are made per request when policy
        // variables are substituted.
        self.source.reserve(text.len());
        self.atoms.reserve(text.len());
        for c in text.chars() {
            self.push_one(Atom::Char(c), c);
        }
        self
    }

    /// Appends `text` in which every `*` and `?` is a wildcard.
    pub fn wildcards(&mut self, text: &str) -> &mut PatternBuilder {
        self.source.reserve(text.len());
        self.atoms.reserve(text.len());
        for c in text.chars() {
            match c {
                '*' => self.push_any_run(),
                '?' => self.push_one(Atom::AnyChar, '?'),
                other => self.push_one(Atom::Char(other), other),
            }
        }
        self
    }

    /// Appends a `?` wildcard (exactly one character).
    pub fn any_char(&mut self) -> &mut PatternBuilder {
        self.push_one(Atom::AnyChar, '?');
        self
    }

    /// Appends a `*` wildcard (any run of characters, including none).
    pub fn any_run(&mut self) -> &mut PatternBuilder {
        self.push_any_run();
        self
    }

    /// Appends a single-character atom written as `shown` in the source.
    #[inline]
    fn push_one(&mut self, atom: Atom, shown: char) {
        let byte = self.source.len();
        if atom == Atom::AnyChar && self.prefix_len.is_none() {
            self.prefix_len = Some(byte);
        }
        match &mut self.open {
            Some((_, _, question)) => *question |= atom == Atom::AnyChar,
            None => self.open = Some((self.atoms.len(), byte, atom == Atom::AnyChar)),
        }
        self.atoms.push(atom);
        self.source.push(shown);
    }

    fn push_any_run(&mut self) {
        if self.prefix_len.is_none() {
            self.prefix_len = Some(self.source.len());
        }
        self.close();
        self.source.push('*');
        if self.atoms.last() != Some(&Atom::AnyRun) {
            self.atoms.push(Atom::AnyRun);
        }
    }

    /// Ends the open segment at the current position.
    fn close(&mut self) {
        if let Some((start, byte, question)) = self.open.take() {
            self.segments.push(Segment {
                start,
                end: self.atoms.len(),
                literal: (!question).then_some((byte, self.source.len())),
            });
        }
    }

    /// Compiles the pattern.
    pub fn build(mut self) -> Pattern {
        self.close();
        let atoms = self.atoms;
        Pattern {
            prefix_len: self.prefix_len.unwrap_or(self.source.len()),
            source: self.source,
            has_star: atoms.contains(&Atom::AnyRun),
            anchored_start: atoms.first() != Some(&Atom::AnyRun),
            anchored_end: atoms.last() != Some(&Atom::AnyRun),
            literal: atoms.iter().all(|atom| matches!(atom, Atom::Char(_))),
            atoms,
            segments: self.segments,
        }
    }
}

impl Pattern {
    /// Compiles `text`, in which every `*` and `?` is a wildcard.
    pub fn new(text: &str) -> Pattern {
        if text.is_ascii() {
            return Pattern::new_ascii(text);
        }
        let mut builder = PatternBuilder {
            source: String::with_capacity(text.len()),
            atoms: Vec::with_capacity(text.len()),
            ..PatternBuilder::default()
        };
        builder.wildcards(text);
        builder.build()
    }

    /// [`Pattern::new`] for ASCII text (nearly every policy string) in one pass over the
    /// bytes: what [`PatternBuilder`] does per character, without the per-character calls.
    fn new_ascii(text: &str) -> Pattern {
        let bytes = text.as_bytes();
        let mut atoms = Vec::with_capacity(bytes.len());
        let mut segments = Vec::new();
        // The open segment: first atom, first byte, whether it has a `?`.
        let mut open: Option<(usize, usize, bool)> = None;
        let mut prefix_len = None;
        for (i, &b) in bytes.iter().enumerate() {
            if b == b'*' {
                prefix_len.get_or_insert(i);
                if let Some((start, byte, question)) = open.take() {
                    segments.push(Segment {
                        start,
                        end: atoms.len(),
                        literal: (!question).then_some((byte, i)),
                    });
                }
                if atoms.last() != Some(&Atom::AnyRun) {
                    atoms.push(Atom::AnyRun);
                }
                continue;
            }
            let atom = if b == b'?' {
                prefix_len.get_or_insert(i);
                Atom::AnyChar
            } else {
                Atom::Char(char::from(b))
            };
            match &mut open {
                Some((_, _, question)) => *question |= b == b'?',
                None => open = Some((atoms.len(), i, b == b'?')),
            }
            atoms.push(atom);
        }
        if let Some((start, byte, question)) = open {
            segments.push(Segment {
                start,
                end: atoms.len(),
                literal: (!question).then_some((byte, bytes.len())),
            });
        }
        Pattern {
            source: text.to_owned(),
            has_star: atoms.contains(&Atom::AnyRun),
            anchored_start: atoms.first() != Some(&Atom::AnyRun),
            anchored_end: atoms.last() != Some(&Atom::AnyRun),
            literal: prefix_len.is_none(),
            prefix_len: prefix_len.unwrap_or(bytes.len()),
            atoms,
            segments,
        }
    }

    /// Whether `text` matches the whole pattern.
    ///
    /// Runs in O(text length × pattern length) without allocating; for case-sensitive
    /// segments without `?` it uses `str` searching.
    pub fn is_match(&self, text: &str, case: Case) -> bool {
        if !self.has_star {
            // No `*`: at most one segment, which must cover the whole text.
            return match self.segments.first() {
                None => text.is_empty(),
                Some(seg) => self.match_prefix(seg, text, case) == Some(text.len()),
            };
        }
        let mut segments = self.segments.as_slice();
        let mut lo = 0;
        let mut hi = text.len();
        if self.anchored_start {
            let Some((first, rest)) = segments.split_first() else {
                return false;
            };
            match self.match_prefix(first, text, case) {
                Some(len) => lo = len,
                None => return false,
            }
            segments = rest;
        }
        if self.anchored_end {
            let Some((last, rest)) = segments.split_last() else {
                return false;
            };
            let Some(window) = text.get(lo..hi) else {
                return false;
            };
            match self.match_suffix(last, window, case) {
                Some(start) => hi = lo + start,
                None => return false,
            }
            segments = rest;
        }
        for seg in segments {
            let Some(window) = text.get(lo..hi) else {
                return false;
            };
            match self.find(seg, window, case) {
                Some(end) => lo += end,
                None => return false,
            }
        }
        true
    }

    /// Whether the pattern has no wildcards at all (it matches exactly one string, or its
    /// case variants).
    pub fn is_literal(&self) -> bool {
        self.literal
    }

    /// The pattern's text when it has no wildcards (`*`/`?` pushed as literals included).
    pub fn as_literal(&self) -> Option<&str> {
        self.is_literal().then_some(self.literal_prefix())
    }

    /// The literal characters before the first wildcard (the whole text for a literal pattern).
    pub fn literal_prefix(&self) -> &str {
        self.source.get(..self.prefix_len).unwrap_or("")
    }

    /// Whether the pattern is one or more `*` and nothing else, so it matches every string.
    pub fn matches_everything(&self) -> bool {
        !self.atoms.is_empty() && self.atoms.iter().all(|atom| *atom == Atom::AnyRun)
    }

    /// Whether the pattern ends with a `*` wildcard.
    pub fn ends_with_any_run(&self) -> bool {
        self.atoms.last() == Some(&Atom::AnyRun)
    }

    /// Whether the pattern contains a `*` or `?` wildcard.
    pub fn has_wildcards(&self) -> bool {
        !self.is_literal()
    }

    /// The text the pattern was built from (no escaping is added).
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// The text of a segment without `?`.
    fn seg_literal(&self, seg: &Segment) -> Option<&str> {
        seg.literal
            .and_then(|(start, end)| self.source.get(start..end))
    }

    fn seg_atoms(&self, seg: &Segment) -> &[Atom] {
        self.atoms.get(seg.start..seg.end).unwrap_or_default()
    }

    /// Matches `seg` at the start of `text`; returns the byte length consumed.
    fn match_prefix(&self, seg: &Segment, text: &str, case: Case) -> Option<usize> {
        if let (Case::Sensitive, Some(lit)) = (case, self.seg_literal(seg)) {
            return text.starts_with(lit).then_some(lit.len());
        }
        match_at(self.seg_atoms(seg), text, case)
    }

    /// Matches `seg` at the end of `text`; returns the byte offset where the match starts.
    fn match_suffix(&self, seg: &Segment, text: &str, case: Case) -> Option<usize> {
        if let (Case::Sensitive, Some(lit)) = (case, self.seg_literal(seg)) {
            return text.ends_with(lit).then(|| text.len() - lit.len());
        }
        // Every atom of a segment consumes exactly one character.
        let count = seg.end - seg.start;
        let start = text.char_indices().rev().nth(count.checked_sub(1)?)?.0;
        let tail = text.get(start..)?;
        (match_at(self.seg_atoms(seg), tail, case) == Some(tail.len())).then_some(start)
    }

    /// Finds the leftmost occurrence of `seg` in `text`; returns the byte offset of its end.
    fn find(&self, seg: &Segment, text: &str, case: Case) -> Option<usize> {
        if let (Case::Sensitive, Some(lit)) = (case, self.seg_literal(seg)) {
            return text.find(lit).map(|start| start + lit.len());
        }
        let atoms = self.seg_atoms(seg);
        let needed = atoms.len();
        let mut remaining = text.chars().count();
        for (start, _) in text.char_indices() {
            if remaining < needed {
                return None;
            }
            if let Some(len) = text.get(start..).and_then(|t| match_at(atoms, t, case)) {
                return Some(start + len);
            }
            remaining -= 1;
        }
        None
    }
}

/// Matches a run of single-character atoms at the start of `text`; returns bytes consumed.
fn match_at(atoms: &[Atom], text: &str, case: Case) -> Option<usize> {
    let mut chars = text.char_indices();
    for atom in atoms {
        let (_, c) = chars.next()?;
        let ok = match atom {
            Atom::Char(p) => char_eq(*p, c, case),
            Atom::AnyChar => true,
            Atom::AnyRun => false,
        };
        if !ok {
            return None;
        }
    }
    Some(chars.next().map_or(text.len(), |(i, _)| i))
}

/// Compares two characters under `case`.
/// Whether the leading literal characters of `general` (up to its first wildcard) equal the
/// leading atoms of `specific`; a wildcard in `specific` there means `general` cannot cover it.
fn affix_compatible<'a>(
    general: impl Iterator<Item = &'a Atom>,
    mut specific: impl Iterator<Item = &'a Atom>,
    case: Case,
) -> bool {
    for atom in general {
        let Atom::Char(c) = atom else { return true };
        match specific.next() {
            Some(Atom::Char(d)) if char_eq(*c, *d, case) => {}
            _ => return false,
        }
    }
    true
}

fn char_eq(a: char, b: char, case: Case) -> bool {
    a == b
        || (case == Case::Insensitive
            && if a.is_ascii() && b.is_ascii() {
                a.eq_ignore_ascii_case(&b)
            } else {
                a.to_lowercase().eq(b.to_lowercase())
            })
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

/// Convenience: compiles `pattern` (every `*`/`?` a wildcard) and matches `text`.
pub fn matches(pattern: &str, text: &str, case: Case) -> bool {
    Pattern::new(pattern).is_match(text, case)
}

/// The largest DP table (cells) [`covers`] and [`intersects`] will fill before giving up.
const MAX_CELLS: usize = 1 << 24;

/// Whether the DP over `n × m` atoms fits in the budget.
pub(crate) fn within_budget(n: usize, m: usize) -> bool {
    (n + 1)
        .checked_mul(m + 1)
        .is_some_and(|cells| cells <= MAX_CELLS)
}

/// Rows of a DP table shorter than this live on the stack (covers most policy patterns).
const STACK_ROW: usize = 128;

/// Runs `f` with two zeroed rows of `len` cells each, on the stack when they fit.
fn with_rows<R>(len: usize, f: impl FnOnce(&mut [bool], &mut [bool]) -> R) -> R {
    if len <= STACK_ROW {
        let mut a = [false; STACK_ROW];
        let mut b = [false; STACK_ROW];
        f(
            a.get_mut(..len).unwrap_or_default(),
            b.get_mut(..len).unwrap_or_default(),
        )
    } else {
        let mut a = vec![false; len];
        let mut b = vec![false; len];
        f(&mut a, &mut b)
    }
}

/// Whether every string matched by `specific` is also matched by `general` (under `case`).
///
/// Sound but not complete: `true` means definitely covered; `false` means "not covered" or
/// "could not prove it" (e.g. `?*` does cover `*?`, but this returns `false`, and it returns
/// `false` when the patterns are too large to compare, over 16 M table cells).
///
/// It aligns the tokens of `specific` with those of `general`: a literal character is covered by
/// an equal literal, a `?` or a `*`; a `?` by a `?` or a `*`; a `*` only by a `*`, and a `*` in
/// `general` may absorb any run of `specific`'s tokens.
pub fn covers(general: &Pattern, specific: &Pattern, case: Case) -> bool {
    let g = &general.atoms;
    let s = &specific.atoms;
    // Cheap rejections first: the literal atoms that `general` requires at its start and end
    // must appear as literal atoms of `specific` at the same places.
    if !affix_compatible(g.iter(), s.iter(), case)
        || !affix_compatible(g.iter().rev(), s.iter().rev(), case)
    {
        return false;
    }
    let m = s.len();
    if !within_budget(g.len(), m) {
        return false;
    }
    if general.matches_everything() {
        return true;
    }
    // A literal `specific` is covered exactly when `general` matches its text: the alignment
    // below then reduces to matching, which `is_match` does without a table.
    if specific.is_literal() {
        return general.is_match(specific.literal_prefix(), case);
    }
    with_rows(m + 1, |next, cur| covers_table(g, s, case, next, cur))
}

/// [`covers`] of the pattern made from `text`, when `text` has no `*` or `?`: compiles nothing.
/// (A literal is covered exactly when the general pattern matches it; text with wildcards is
/// compiled and compared as usual.)
pub fn covers_text(general: &Pattern, text: &str, case: Case) -> bool {
    if text.contains(['*', '?']) {
        return covers(general, &Pattern::new(text), case);
    }
    covers_plain(general, text, case)
}

/// [`covers_text`] for a `text` known to have no `*` or `?`.
pub(crate) fn covers_plain(general: &Pattern, text: &str, case: Case) -> bool {
    general.is_match(text, case) && within_budget(general.atoms.len(), text.chars().count())
}

/// [`covers`] of the patterns made from `general` and `specific`, when neither has a `*` or
/// `?`: the two texts are equal under `case` (and within the size budget, as `covers` is).
pub fn literal_covers(general: &str, specific: &str, case: Case) -> bool {
    if general.contains(['*', '?']) || specific.contains(['*', '?']) {
        return covers(&Pattern::new(general), &Pattern::new(specific), case);
    }
    plain_covers_plain(general, specific, case)
}

/// [`literal_covers`] for texts known to have no `*` or `?`. Cheap when they differ, which
/// is nearly always.
pub(crate) fn plain_covers_plain(general: &str, specific: &str, case: Case) -> bool {
    let equal = match case {
        Case::Sensitive => general == specific,
        // ASCII folding equality implies the character-wise one; only non-ASCII text can be
        // equal without it.
        Case::Insensitive => {
            general.eq_ignore_ascii_case(specific)
                || (!(general.is_ascii() && specific.is_ascii())
                    && general.chars().count() == specific.chars().count()
                    && general
                        .chars()
                        .zip(specific.chars())
                        .all(|(a, b)| char_eq(a, b, case)))
        }
    };
    equal && within_budget(general.chars().count(), specific.chars().count())
}

/// The alignment table of [`covers`], row by row from the end of `g`; `next` and `cur` are
/// zeroed rows of `s.len() + 1` cells.
fn covers_table(g: &[Atom], s: &[Atom], case: Case, next: &mut [bool], cur: &mut [bool]) -> bool {
    // `next[j]` = general[i+1..] covers specific[j..]; `cur[j]` the same for general[i..].
    let (mut next, mut cur) = (next, cur);
    if let Some(last) = next.last_mut() {
        *last = true;
    }
    for atom in g.iter().rev() {
        // Column m: the rest of `specific` is empty; only a `*` covers nothing.
        let mut right = *atom == Atom::AnyRun && next.last().copied().unwrap_or(false);
        if let Some(last) = cur.last_mut() {
            *last = right;
        }
        let cells = cur.iter_mut().rev().skip(1);
        for ((token, w), cell) in s.iter().zip(next.windows(2)).rev().zip(cells) {
            let (down, diagonal) = (w.first().copied(), w.get(1).copied());
            let (down, diagonal) = (down.unwrap_or(false), diagonal.unwrap_or(false));
            let value = match atom {
                Atom::AnyRun => down || right,
                Atom::AnyChar => matches!(token, Atom::Char(_) | Atom::AnyChar) && diagonal,
                Atom::Char(c) => {
                    matches!(token, Atom::Char(d) if char_eq(*c, *d, case)) && diagonal
                }
            };
            *cell = value;
            right = value;
        }
        std::mem::swap(&mut next, &mut cur);
    }
    next.first().copied().unwrap_or(false)
}

/// Whether some string is matched by both `a` and `b` (under `case`).
///
/// Exact for patterns within the size budget (16 M table cells). Over the budget it returns
/// `true`, meaning "maybe": callers that use it to rule overlap *out* stay safe.
pub fn intersects(a: &Pattern, b: &Pattern, case: Case) -> bool {
    let x = &a.atoms;
    let y = &b.atoms;
    let (n, m) = (x.len(), y.len());
    if !within_budget(n, m) {
        return true;
    }
    // Exact shortcuts: every pattern matches some string, so `*` meets anything; a literal
    // meets a pattern exactly when the pattern matches it.
    if a.matches_everything() || b.matches_everything() {
        return true;
    }
    if a.is_literal() {
        return b.is_match(a.literal_prefix(), case);
    }
    if b.is_literal() {
        return a.is_match(b.literal_prefix(), case);
    }
    // A pattern that starts and ends with `*` meets any pattern with a `*`: that `*` can take
    // a whole string of the first, whose own `*`s take the rest (`*/*` and `b/*` meet).
    let open = |p: &Pattern| !p.anchored_start && !p.anchored_end;
    if (open(a) && b.has_star) || (open(b) && a.has_star) {
        return true;
    }
    // Characters both patterns spell out at the same end must agree; they are consumed (the
    // table would do the same one cell at a time), and a clash rules any overlap out.
    let (mut x, mut y) = (x.as_slice(), y.as_slice());
    while let (Some((Atom::Char(c), xs)), Some((Atom::Char(d), ys))) =
        (x.split_first(), y.split_first())
    {
        if !char_eq(*c, *d, case) {
            return false;
        }
        (x, y) = (xs, ys);
    }
    while let (Some((Atom::Char(c), xs)), Some((Atom::Char(d), ys))) =
        (x.split_last(), y.split_last())
    {
        if !char_eq(*c, *d, case) {
            return false;
        }
        (x, y) = (xs, ys);
    }
    with_rows(y.len() + 1, |next, cur| {
        intersects_table(x, y, case, next, cur)
    })
}

/// The table of [`intersects`], row by row from the end of `x`; `next` and `cur` are zeroed
/// rows of `y.len() + 1` cells.
fn intersects_table(
    x: &[Atom],
    y: &[Atom],
    case: Case,
    next: &mut [bool],
    cur: &mut [bool],
) -> bool {
    // Row i: `row[j]` = some string is matched by both x[i..] and y[j..]. `next` holds row
    // i+1 (all false past the end of x), `cur` row i.
    let (mut next, mut cur) = (next, cur);
    for i in (0..=x.len()).rev() {
        let xi = x.get(i);
        let x_star = xi == Some(&Atom::AnyRun);
        // Column m: y is exhausted; both empty, or a `*` of x that matches nothing.
        let mut right = match xi {
            None => true,
            Some(_) => x_star && next.last().copied().unwrap_or(false),
        };
        if let Some(last) = cur.last_mut() {
            *last = right;
        }
        let cells = cur.iter_mut().rev().skip(1);
        for ((yj, w), cell) in y.iter().zip(next.windows(2)).rev().zip(cells) {
            let down = w.first().copied().unwrap_or(false);
            let diagonal = w.get(1).copied().unwrap_or(false);
            // A `*` may match nothing (skip it) or absorb one character the other side
            // produces (stay on it).
            let star_x = x_star && (down || right);
            let star_y = *yj == Atom::AnyRun && (right || (xi.is_some() && down));
            let single = match (xi, yj) {
                (Some(Atom::Char(c)), Atom::Char(d)) => char_eq(*c, *d, case),
                (Some(Atom::Char(_) | Atom::AnyChar), Atom::Char(_) | Atom::AnyChar) => true,
                _ => false,
            } && diagonal;
            let value = star_x || star_y || single;
            *cell = value;
            right = value;
        }
        std::mem::swap(&mut next, &mut cur);
    }
    next.first().copied().unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn m(p: &str, t: &str) -> bool {
        matches(p, t, Case::Sensitive)
    }

    fn mi(p: &str, t: &str) -> bool {
        matches(p, t, Case::Insensitive)
    }

    /// A straightforward backtracking matcher used as an oracle on small inputs.
    fn oracle(p: &[char], t: &[char], case: Case) -> bool {
        match p.split_first() {
            None => t.is_empty(),
            Some(('*', rest)) => (0..=t.len()).any(|k| oracle(rest, &t[k..], case)),
            Some(('?', rest)) => !t.is_empty() && oracle(rest, &t[1..], case),
            Some((c, rest)) => {
                !t.is_empty() && char_eq(*c, t[0], case) && oracle(rest, &t[1..], case)
            }
        }
    }

    #[test]
    fn literal_patterns() {
        assert!(m("s3:GetObject", "s3:GetObject"));
        assert!(!m("s3:GetObject", "s3:getobject"));
        assert!(mi("s3:GetObject", "S3:GETOBJECT"));
        assert!(!m("abc", "abcd"));
        assert!(!m("abcd", "abc"));
        assert!(m("", ""));
        assert!(!m("", "a"));
        assert!(Pattern::new("abc").is_literal());
        assert_eq!(Pattern::new("abc").as_literal(), Some("abc"));
        assert_eq!(Pattern::new("a*c").as_literal(), None);
    }

    #[test]
    fn action_wildcards_are_case_insensitive() {
        assert!(mi("s3:Get*", "s3:GetObject"));
        assert!(mi("s3:get*", "S3:GetObject"));
        assert!(mi("S3:*", "s3:PutObject"));
        assert!(mi("s3:*Object", "s3:getobject"));
        assert!(!mi("s3:Get*", "s3:PutObject"));
        assert!(!m("s3:get*", "s3:GetObject"));
        assert!(mi("*", "anything:at_all"));
        assert!(mi("s3:*Object*", "s3:GetObjectAcl"));
        assert!(mi("s3:Get*Acl", "s3:GETOBJECTACL"));
    }

    #[test]
    fn question_mark_is_exactly_one_char() {
        assert!(m("a?c", "abc"));
        assert!(!m("a?c", "ac"));
        assert!(!m("a?c", "abbc"));
        assert!(m("???", "xyz"));
        assert!(!m("???", "xy"));
        assert!(!m("???", "wxyz"));
        assert!(m("*?", "a"));
        assert!(!m("*?", ""));
        assert!(m("?*?", "ab"));
        assert!(!m("?*?", "a"));
    }

    #[test]
    fn star_matches_any_run_including_empty_and_separators() {
        assert!(m("*", ""));
        assert!(m("*", "a/b:c"));
        assert!(m("a*", "a"));
        assert!(m("a*b", "ab"));
        assert!(m("a*b", "a/x:y/b"));
        assert!(!m("a*b", "a/x:y/bc"));
        assert!(m("*b", "b"));
        assert!(m("bucket/*", "bucket/a/b/c"));
        assert!(!m("bucket/*", "bucket"));
        assert!(m("a**b", "ab"));
        assert!(m("*a*b*", "xxaxxbxx"));
        assert!(!m("*a*b*", "xxbxxaxx"));
    }

    #[test]
    fn anchors_do_not_overlap() {
        // The prefix and suffix must not share characters.
        assert!(!m("ab*ba", "aba"));
        assert!(m("ab*ba", "abba"));
        assert!(!m("a*a", "a"));
        assert!(m("a*a", "aa"));
        assert!(!m("a*?*a", "aa"));
        assert!(m("a*?*a", "aba"));
    }

    #[test]
    fn stringlike_spans_colons() {
        // §6.4: StringLike's `*` spans colons.
        assert!(m(
            "arn:aws:svc:*:111122223333:finance/*",
            "arn:aws:svc:us-east-2:999999999999:store/abc:111122223333:finance/doc"
        ));
    }

    #[test]
    fn unicode_is_matched_per_scalar_value() {
        assert!(m("?", "é"));
        assert!(m("caf?", "café"));
        assert!(!m("caf?", "cafe\u{301}")); // e + combining accent is two scalars
        assert!(m("caf??", "cafe\u{301}"));
        assert!(m("*é*", "ABéCD"));
        assert!(m("日本*", "日本語"));
        assert!(m("?本?", "日本語"));
        assert!(mi("ÉTÉ", "été"));
        assert!(mi("*straße", "STRAßE"));
        assert!(!m("ÉTÉ", "été"));
        assert!(mi("?É", "xé"));
        assert!(mi("*é", "xÉ")); // insensitive suffix with non-ASCII
    }

    #[test]
    fn builder_literals_are_not_wildcards() {
        let mut b = PatternBuilder::new();
        b.wildcards("home/").literal("a*b?").any_run();
        let p = b.build();
        assert!(p.is_match("home/a*b?/x", Case::Sensitive));
        assert!(!p.is_match("home/aXb?/x", Case::Sensitive));
        assert!(!p.is_match("home/a*bZ/x", Case::Sensitive));
        assert_eq!(p.to_string(), "home/a*b?*");
        assert_eq!(p.literal_prefix(), "home/a*b?");
        assert!(!p.is_literal());

        let mut b = PatternBuilder::new();
        b.literal("*");
        let star = b.build();
        assert!(star.is_literal());
        assert!(star.is_match("*", Case::Sensitive));
        assert!(!star.is_match("x", Case::Sensitive));
        assert!(!star.matches_everything());

        let mut b = PatternBuilder::new();
        b.literal("x").any_char().any_run().any_run();
        let p = b.build();
        assert!(p.is_match("xy", Case::Sensitive));
        assert!(p.is_match("xyz", Case::Sensitive));
        assert!(!p.is_match("x", Case::Sensitive));
        assert!(p.ends_with_any_run());
    }

    #[test]
    fn ascii_patterns_compile_as_the_builder_compiles_them() {
        for text in [
            "",
            "*",
            "**",
            "?",
            "a",
            "s3:Get*",
            "*a*",
            "a**b",
            "?*?",
            "a?b*c",
            "arn:aws:s3:::b/*",
            "*?",
            "x?",
            "??*??",
            "a*",
            "*a",
            "é*",
            "a?é",
        ] {
            let mut b = PatternBuilder::new();
            b.wildcards(text);
            assert_eq!(Pattern::new(text), b.build(), "{text:?}");
        }
    }

    #[test]
    fn helpers() {
        assert_eq!(Pattern::new("s3:Get*").literal_prefix(), "s3:Get");
        assert_eq!(Pattern::new("?abc").literal_prefix(), "");
        assert!(Pattern::new("*").matches_everything());
        assert!(Pattern::new("***").matches_everything());
        assert!(!Pattern::new("*?").matches_everything());
        assert!(!Pattern::new("").matches_everything());
        assert!(Pattern::new("a*").ends_with_any_run());
        assert!(!Pattern::new("*a").ends_with_any_run());
        assert!(Pattern::new("a?").has_wildcards());
        assert_eq!(Pattern::new("a**b?").to_string(), "a**b?");
        assert_eq!(Pattern::new("a**b?").as_str(), "a**b?");
    }

    #[test]
    fn agrees_with_backtracking_oracle() {
        let patterns = [
            "", "*", "?", "a", "a*", "*a", "*a*", "a?b", "a*b", "*ab*ba*", "?*?", "a*?*a",
            "ab*ab*ab", "*?a?*", "a*b*c", "**a**", "A*b", "?", "*b?",
        ];
        let alphabet = ['a', 'b', 'A', 'c'];
        let mut texts = vec![String::new()];
        for len in 1..=5 {
            let mut next = Vec::new();
            for t in texts.iter().filter(|t| t.chars().count() == len - 1) {
                for c in alphabet {
                    next.push(format!("{t}{c}"));
                }
            }
            texts.extend(next);
        }
        for p in patterns {
            let pc: Vec<char> = p.chars().collect();
            let compiled = Pattern::new(p);
            for t in &texts {
                let tc: Vec<char> = t.chars().collect();
                for case in [Case::Sensitive, Case::Insensitive] {
                    assert_eq!(
                        compiled.is_match(t, case),
                        oracle(&pc, &tc, case),
                        "pattern {p:?} text {t:?} {case:?}"
                    );
                }
            }
        }
    }

    /// Fails (rather than hangs forever) if matching is quadratic: 1 MB inputs. A hang guard,
    /// not a speed target (benches/ has those): quadratic matching of 1 MB takes hours, so the
    /// bound is loose enough for a debug build on a loaded machine.
    fn assert_fast(pattern: &str, text: &str, case: Case, expected: bool) {
        let start = Instant::now();
        assert_eq!(matches(pattern, text, case), expected, "pattern {pattern}");
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "pattern {pattern} took {:?}",
            start.elapsed()
        );
    }

    #[test]
    fn hostile_patterns_run_in_linear_time() {
        let a = "a".repeat(1 << 20);
        assert_fast("*a*a*a*a*a*a*a*a*b", &a, Case::Sensitive, false);
        assert_fast("*a*a*a*a*a*a*a*a*b", &a, Case::Insensitive, false);
        // Trailing star: every middle segment must be searched, the last across 1 MB.
        assert_fast("*a*a*a*a*a*a*a*a*b*", &a, Case::Sensitive, false);
        assert_fast("*a*a*a*a*a*a*a*a*b*", &a, Case::Insensitive, false);
        assert_fast("*a?a*a?a*a?a*b?*", &a, Case::Sensitive, false);
        assert_fast("*aaaaaaaaaaaaaaab*", &a, Case::Insensitive, false);
        assert_fast("a*a*a*a*a*a*a*a*a", &a, Case::Sensitive, true);
        assert_fast("*a*a*a*a*a*a*a*a*", &a, Case::Insensitive, true);
        let mut b = a.clone();
        b.push('b');
        assert_fast("*a*a*a*a*a*a*a*a*b", &b, Case::Sensitive, true);
        assert_fast("*?a*a?*b", &b, Case::Insensitive, true);
    }

    fn covers_str(g: &str, s: &str) -> bool {
        covers(&Pattern::new(g), &Pattern::new(s), Case::Sensitive)
    }

    #[test]
    fn covers_truth_table() {
        let table = [
            ("*", "*", true),
            ("*", "anything", true),
            ("*", "a?b*", true),
            ("s3:*", "s3:Get*", true),
            ("s3:Get*", "s3:*", false),
            ("s3:Get*", "s3:GetObject", true),
            ("s3:GetObject", "s3:Get*", false),
            ("a?c", "abc", true),
            ("abc", "a?c", false),
            ("a*c", "a?c", true),
            ("a?c", "a*c", false),
            ("?", "*", false),
            ("a*", "a", true),
            ("a*b*c", "a1b2c", true),
            ("a*b*c", "a*b*c", true),
            ("a*c", "a*b*c", true),
            ("a*b*c", "a*c", false),
            ("bucket/*", "bucket/logs/*", true),
            ("bucket*", "bucket/logs/*", true),
            ("bucket/*", "bucket*", false),
            ("abc", "abc", true),
            ("abc", "abd", false),
            ("", "", true),
            ("*", "", true),
            ("", "*", false),
        ];
        for (g, s, expected) in table {
            assert_eq!(covers_str(g, s), expected, "covers({g:?}, {s:?})");
        }
        assert!(covers(
            &Pattern::new("S3:GET*"),
            &Pattern::new("s3:getobject"),
            Case::Insensitive
        ));
        assert!(!covers(
            &Pattern::new("S3:GET*"),
            &Pattern::new("s3:getobject"),
            Case::Sensitive
        ));
    }

    #[test]
    fn covers_is_sound_against_enumeration() {
        let pats = [
            "*", "a*", "*a", "a?", "?a", "a*b", "ab", "a?b", "*?", "?*", "**", "ab*", "*b*",
        ];
        let alphabet = ['a', 'b'];
        let mut texts = vec![String::new()];
        for _ in 0..4 {
            let more: Vec<String> = texts
                .iter()
                .flat_map(|t| alphabet.iter().map(move |c| format!("{t}{c}")))
                .collect();
            texts.extend(more);
        }
        texts.sort();
        texts.dedup();
        for g in pats {
            for s in pats {
                if covers_str(g, s) {
                    for t in &texts {
                        if m(s, t) {
                            assert!(m(g, t), "covers({g}, {s}) but {t} breaks it");
                        }
                    }
                }
            }
        }
    }

    fn inter(a: &str, b: &str) -> bool {
        intersects(&Pattern::new(a), &Pattern::new(b), Case::Sensitive)
    }

    #[test]
    fn intersects_truth_table() {
        let table = [
            ("*", "*", true),
            ("*", "", true),
            ("", "", true),
            ("a", "", false),
            ("a*", "*b", true),
            ("a*", "b*", false),
            ("*a", "*b", false),
            ("a?c", "?b?", true),
            ("a?c", "??", false),
            ("s3:Get*", "s3:*Object", true),
            ("s3:Get*", "s3:Put*", false),
            ("bucket/*", "bucket", false),
            ("bucket*", "bucket", true),
            ("a*b*c", "*d*", true),
            ("a*b*c", "*d", false),
            ("a*b*c", "*b*", true),
            ("?", "*", true),
            ("?", "**", true),
            ("??", "?", false),
            ("x*y", "x?y", true),
            ("x*y", "xy", true),
            ("x?y", "xy", false),
        ];
        for (a, b, expected) in table {
            assert_eq!(inter(a, b), expected, "intersects({a:?}, {b:?})");
            assert_eq!(inter(b, a), expected, "intersects({b:?}, {a:?})");
        }
        assert!(intersects(
            &Pattern::new("S3:get*"),
            &Pattern::new("s3:GETOBJECT"),
            Case::Insensitive
        ));
    }

    #[test]
    fn intersects_is_exact_against_enumeration() {
        let pats = [
            "*", "a*", "*a", "a?", "?a", "a*b", "ab", "a?b", "*?", "b**", "", "?",
        ];
        let alphabet = ['a', 'b'];
        let mut texts = vec![String::new()];
        for _ in 0..4 {
            let more: Vec<String> = texts
                .iter()
                .flat_map(|t| alphabet.iter().map(move |c| format!("{t}{c}")))
                .collect();
            texts.extend(more);
        }
        for a in pats {
            for b in pats {
                let witness = texts.iter().any(|t| m(a, t) && m(b, t));
                assert_eq!(inter(a, b), witness, "intersects({a:?}, {b:?})");
            }
        }
    }

    /// The alignment tables of `covers` and `intersects` written out in full, as a reference
    /// for the row-by-row versions and their shortcuts.
    fn reference(general: &[Atom], specific: &[Atom], case: Case, covering: bool) -> bool {
        let (n, m) = (general.len(), specific.len());
        let mut t = vec![vec![false; m + 2]; n + 2];
        for i in (0..=n).rev() {
            for j in (0..=m).rev() {
                let (x, y) = (general.get(i), specific.get(j));
                t[i][j] = if covering {
                    match x {
                        None => y.is_none(),
                        Some(Atom::AnyRun) => t[i + 1][j] || (y.is_some() && t[i][j + 1]),
                        Some(Atom::AnyChar) => {
                            matches!(y, Some(Atom::Char(_) | Atom::AnyChar)) && t[i + 1][j + 1]
                        }
                        Some(Atom::Char(c)) => {
                            matches!(y, Some(Atom::Char(d)) if char_eq(*c, *d, case))
                                && t[i + 1][j + 1]
                        }
                    }
                } else if x.is_none() && y.is_none() {
                    true
                } else {
                    let sx =
                        x == Some(&Atom::AnyRun) && (t[i + 1][j] || (y.is_some() && t[i][j + 1]));
                    let sy =
                        y == Some(&Atom::AnyRun) && (t[i][j + 1] || (x.is_some() && t[i + 1][j]));
                    let one = match (x, y) {
                        (Some(Atom::Char(c)), Some(Atom::Char(d))) => char_eq(*c, *d, case),
                        (
                            Some(Atom::Char(_) | Atom::AnyChar),
                            Some(Atom::Char(_) | Atom::AnyChar),
                        ) => true,
                        _ => false,
                    } && t[i + 1][j + 1];
                    sx || sy || one
                };
            }
        }
        t[0][0]
    }

    #[test]
    fn covers_and_intersects_agree_with_the_full_tables() {
        let alphabet = ["a", "A", "?", "*", "é", "É"];
        let mut pats = vec![String::new()];
        for _ in 0..4 {
            let more: Vec<String> = pats
                .iter()
                .filter(|p| p.chars().count() == pats.last().map_or(0, |l| l.chars().count()))
                .flat_map(|p| alphabet.iter().map(move |c| format!("{p}{c}")))
                .collect();
            pats.extend(more);
        }
        let compiled: Vec<Pattern> = pats.iter().map(|p| Pattern::new(p)).collect();
        let long = Pattern::new(&format!("{}*", "a".repeat(200)));
        let longer = Pattern::new(&format!("*{}?", "a".repeat(300)));
        for case in [Case::Sensitive, Case::Insensitive] {
            for a in compiled.iter().chain([&long, &longer]) {
                for b in compiled.iter().step_by(9).chain([&long, &longer]) {
                    let cov = affix_compatible(a.atoms.iter(), b.atoms.iter(), case)
                        && affix_compatible(a.atoms.iter().rev(), b.atoms.iter().rev(), case)
                        && reference(&a.atoms, &b.atoms, case, true);
                    assert_eq!(covers(a, b, case), cov, "covers({a}, {b}) {case:?}");
                    let int = reference(&a.atoms, &b.atoms, case, false);
                    assert_eq!(intersects(a, b, case), int, "intersects({a}, {b}) {case:?}");
                }
            }
        }
    }

    #[test]
    fn text_shortcuts_agree_with_covers() {
        let pats = [
            "", "a", "A", "ab", "aB", "é", "É", "a*", "*", "?", "a?", "*b", "ab*", "?b",
        ];
        let long = "a".repeat(4096);
        for case in [Case::Sensitive, Case::Insensitive] {
            for g in pats.iter().copied().chain([long.as_str()]) {
                for t in pats.iter().copied().chain([long.as_str()]) {
                    let expected = covers(&Pattern::new(g), &Pattern::new(t), case);
                    assert_eq!(
                        covers_text(&Pattern::new(g), t, case),
                        expected,
                        "{g:?} {t:?}"
                    );
                    assert_eq!(literal_covers(g, t, case), expected, "{g:?} {t:?}");
                }
            }
        }
    }

    #[test]
    fn over_budget_answers_are_conservative() {
        let big = "a".repeat(5000);
        let g = Pattern::new(&big);
        let s = Pattern::new(&big);
        assert!(!covers(&g, &s, Case::Sensitive));
        assert!(intersects(
            &g,
            &Pattern::new(&"b".repeat(5000)),
            Case::Sensitive
        ));
        // Within budget the same shapes are decided exactly.
        let small = "a".repeat(1000);
        assert!(covers(
            &Pattern::new(&small),
            &Pattern::new(&small),
            Case::Sensitive
        ));
        assert!(!intersects(
            &Pattern::new(&small),
            &Pattern::new(&"b".repeat(1000)),
            Case::Sensitive
        ));
    }
}
