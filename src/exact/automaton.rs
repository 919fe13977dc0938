//! IAM wildcard patterns as automata, and the atoms of the Boolean algebra a set of them
//! generates: every combination "matches these patterns and not those" that some string
//! realises, each with its shortest witness.
//!
//! A glob is a sequence of items (a literal character, `?`, `*`); its automaton's states are
//! positions in that sequence. The product of the automata of all patterns is explored
//! breadth-first over an alphabet of the characters the patterns name plus one character none
//! of them names (every such character behaves alike), so each reachable product state is
//! reached by a shortest string, and each distinct acceptance vector is an atom.

use super::{FastMap as HashMap, FastSet};

/// One element of a glob.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Item {
    /// A literal character; `fold` compares ASCII letters without case.
    Lit { c: char, fold: bool },
    /// `?`: one character (not `:` when `no_colon`).
    One { no_colon: bool },
    /// `*`: any run (without `:` when `no_colon`).
    Run { no_colon: bool },
}

/// A glob, ready to run as an automaton.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glob {
    items: Vec<Item>,
}

impl Glob {
    /// A `StringLike`/`Resource`-part glob: every `*` and `?` is a wildcard.
    pub fn wildcards(text: &str) -> Glob {
        let mut g = Glob { items: Vec::new() };
        g.push_wildcards(text, false);
        g
    }

    /// A literal string (`StringEquals`; with `fold`, `StringEqualsIgnoreCase`).
    pub fn literal(text: &str, fold: bool) -> Glob {
        Glob {
            items: text.chars().map(|c| Item::Lit { c, fold }).collect(),
        }
    }

    /// An `ArnLike`/`ArnEquals` value: six colon-separated parts, each a glob; the wildcards
    /// of the first five cannot cross a colon, the sixth's can (IAM "Condition operators"
    /// page, ARN operators). `None` when the value has fewer than six parts (it never matches).
    pub fn arn(text: &str) -> Option<Glob> {
        let parts: Vec<&str> = text.splitn(6, ':').collect();
        if parts.len() < 6 {
            return None;
        }
        let mut g = Glob { items: Vec::new() };
        for (i, part) in parts.iter().enumerate() {
            if i > 0 {
                g.items.push(Item::Lit {
                    c: ':',
                    fold: false,
                });
            }
            g.push_wildcards(part, i < 5);
        }
        Some(g)
    }

    fn push_wildcards(&mut self, text: &str, no_colon: bool) {
        for c in text.chars() {
            let item = match c {
                '*' => Item::Run { no_colon },
                '?' => Item::One { no_colon },
                c => Item::Lit { c, fold: false },
            };
            // Consecutive stars are one star.
            if matches!(item, Item::Run { .. }) && self.items.last() == Some(&item) {
                continue;
            }
            self.items.push(item);
        }
    }

    /// Whether the glob matches `text` (the automaton, run on one string).
    pub fn is_match(&self, text: &str) -> bool {
        let mut set = self.start();
        for c in text.chars() {
            set = self.step(&set, c);
        }
        self.accepts(&set)
    }

    /// The state set after feeding `prefix` from the start.
    pub fn start_after(&self, prefix: &str) -> Vec<u64> {
        let mut set = self.start();
        for c in prefix.chars() {
            set = self.step(&set, c);
        }
        set
    }

    fn words(&self) -> usize {
        (self.items.len() + 1).div_ceil(64)
    }

    fn start(&self) -> Vec<u64> {
        let mut set = vec![0u64; self.words()];
        insert(&mut set, 0);
        self.close(&mut set);
        set
    }

    /// Adds the positions after every `*` that is in the set (a run may be empty).
    fn close(&self, set: &mut [u64]) {
        for i in 0..self.items.len() {
            if contains(set, i) && matches!(self.items.get(i), Some(Item::Run { .. })) {
                insert(set, i + 1);
            }
        }
    }

    fn step(&self, set: &[u64], c: char) -> Vec<u64> {
        let mut next = vec![0u64; set.len()];
        for (i, item) in self.items.iter().enumerate() {
            if !contains(set, i) {
                continue;
            }
            match *item {
                Item::Lit { c: d, fold } => {
                    if d == c || (fold && d.eq_ignore_ascii_case(&c)) {
                        insert(&mut next, i + 1);
                    }
                }
                Item::One { no_colon } => {
                    if !(no_colon && c == ':') {
                        insert(&mut next, i + 1);
                    }
                }
                Item::Run { no_colon } => {
                    if !(no_colon && c == ':') {
                        insert(&mut next, i);
                    }
                }
            }
        }
        self.close(&mut next);
        next
    }

    fn accepts(&self, set: &[u64]) -> bool {
        contains(set, self.items.len())
    }

    /// The characters the glob names (both cases of a folded letter), and whether it has a
    /// wildcard that stops at `:`.
    fn alphabet(&self, out: &mut Vec<char>) {
        for item in &self.items {
            match *item {
                Item::Lit { c, fold } => {
                    out.push(c);
                    if fold {
                        out.push(c.to_ascii_lowercase());
                        out.push(c.to_ascii_uppercase());
                    }
                }
                Item::One { no_colon: true } | Item::Run { no_colon: true } => out.push(':'),
                _ => {}
            }
        }
    }
}

/// Whether position `i` is in the bit set `set` (64 positions a word).
pub(super) fn contains(set: &[u64], i: usize) -> bool {
    set.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0)
}

/// Adds position `i` to the bit set `set`, which has room for it.
pub(super) fn insert(set: &mut [u64], i: usize) {
    if let Some(w) = set.get_mut(i / 64) {
        *w |= 1 << (i % 64);
    }
}

/// A pattern of a dimension: a glob, and the text every string of the dimension starts with
/// as this pattern sees it (`arn:aws:s3:::bucket/` before an object key, for instance).
#[derive(Debug, Clone)]
pub struct Test {
    /// The glob.
    pub glob: Glob,
    /// Fed to the glob before the string itself.
    pub prefix: String,
}

/// An atom: a witness string and which tests it passes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Atom {
    /// The shortest string found in the atom.
    pub witness: String,
    /// Whether each test accepts it.
    pub accepts: Vec<bool>,
}

/// Why the atoms could not all be found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooMany(pub usize);

/// A test compiled for the product search over one alphabet: bit sets over the glob's
/// positions (as the state sets of [`Glob::step`]), per alphabet character, of the positions
/// that consume it and move on (a literal it equals, a `?`) and of the `*` positions that
/// consume it and stay; and the `*` positions (a run may be empty). A step is then a few word
/// operations instead of a walk over the glob's items.
struct Stepper {
    /// Words per state set.
    words: usize,
    /// Where this test's set starts in a product state.
    offset: usize,
    /// Per alphabet character (`words` words each): the positions that move on.
    advance: Vec<u64>,
    /// Per alphabet character: the `*` positions that stay.
    stay: Vec<u64>,
    /// The `*` positions.
    runs: Vec<u64>,
    /// The accepting position (past the last item).
    accept: usize,
}

impl Stepper {
    fn new(glob: &Glob, alphabet: &[char], offset: usize) -> Stepper {
        let words = glob.words();
        let mut advance = vec![0u64; words * alphabet.len()];
        let mut stay = vec![0u64; words * alphabet.len()];
        let mut runs = vec![0u64; words];
        for (i, item) in glob.items.iter().enumerate() {
            if matches!(item, Item::Run { .. }) {
                insert(&mut runs, i);
            }
            for (k, &c) in alphabet.iter().enumerate() {
                let (moves, stays) = match *item {
                    Item::Lit { c: d, fold } => {
                        (d == c || (fold && d.eq_ignore_ascii_case(&c)), false)
                    }
                    Item::One { no_colon } => (!(no_colon && c == ':'), false),
                    Item::Run { no_colon } => (false, !(no_colon && c == ':')),
                };
                let at = k * words;
                if moves && let Some(set) = advance.get_mut(at..at + words) {
                    insert(set, i);
                }
                if stays && let Some(set) = stay.get_mut(at..at + words) {
                    insert(set, i);
                }
            }
        }
        Stepper {
            words,
            offset,
            advance,
            stay,
            runs,
            accept: glob.items.len(),
        }
    }

    /// This test's set in a product state.
    fn of<'s>(&self, state: &'s [u64]) -> &'s [u64] {
        state
            .get(self.offset..self.offset + self.words)
            .unwrap_or(&[])
    }

    /// Writes the set after alphabet character `k` from `set` into `next` (zeroed).
    fn step(&self, set: &[u64], k: usize, next: &mut [u64]) {
        if set.iter().all(|w| *w == 0) {
            return;
        }
        let at = k * self.words;
        let advance = self.advance.get(at..at + self.words).unwrap_or(&[]);
        let stay = self.stay.get(at..at + self.words).unwrap_or(&[]);
        for (j, ((s, a), st)) in set.iter().zip(advance).zip(stay).enumerate() {
            let moved = s & a;
            if let Some(w) = next.get_mut(j) {
                *w |= (moved << 1) | (s & st);
            }
            if let Some(w) = next.get_mut(j + 1) {
                *w |= moved >> 63;
            }
        }
        // The closure: the position after every `*` in the set (repeated until nothing new,
        // though consecutive stars are one).
        loop {
            let mut grew = false;
            for j in 0..self.words {
                let run =
                    next.get(j).copied().unwrap_or(0) & self.runs.get(j).copied().unwrap_or(0);
                for (w, bits) in [(j, run << 1), (j + 1, run >> 63)] {
                    if let Some(x) = next.get_mut(w)
                        && *x | bits != *x
                    {
                        *x |= bits;
                        grew = true;
                    }
                }
            }
            if !grew {
                break;
            }
        }
    }

    fn accepts(&self, state: &[u64]) -> bool {
        contains(self.of(state), self.accept)
    }
}

/// The steppers when every glob has fewer than 64 items (one word per state set, the usual
/// case), laid out per character: a step is then one tight loop over the tests, the same
/// word operations as [`Stepper::step`].
struct Narrow {
    tests: usize,
    /// Per alphabet character, per test: the positions that move on.
    advance: Vec<u64>,
    /// Per alphabet character, per test: the `*` positions that stay.
    stay: Vec<u64>,
    /// Per test: the `*` positions.
    runs: Vec<u64>,
}

impl Narrow {
    fn of(steppers: &[Stepper], letters: usize) -> Option<Narrow> {
        if steppers.iter().any(|s| s.words != 1) {
            return None;
        }
        let tests = steppers.len();
        let mut advance = Vec::with_capacity(tests * letters);
        let mut stay = Vec::with_capacity(tests * letters);
        for k in 0..letters {
            for s in steppers {
                advance.push(s.advance.get(k).copied().unwrap_or(0));
                stay.push(s.stay.get(k).copied().unwrap_or(0));
            }
        }
        let runs = steppers
            .iter()
            .map(|s| s.runs.first().copied().unwrap_or(0))
            .collect();
        Some(Narrow {
            tests,
            advance,
            stay,
            runs,
        })
    }

    /// Writes every test's set after alphabet character `k` from `state` into `next`. A
    /// glob of fewer than 64 items never moves past bit 63, so nothing carries to a next word.
    fn step(&self, state: &[u64], k: usize, next: &mut [u64]) {
        let at = k * self.tests;
        let advance = self.advance.get(at..at + self.tests).unwrap_or(&[]);
        let stay = self.stay.get(at..at + self.tests).unwrap_or(&[]);
        let sets = state.iter().zip(advance).zip(stay).zip(&self.runs);
        for (out, (((s, a), st), runs)) in next.iter_mut().zip(sets) {
            let mut x = ((s & a) << 1) | (s & st);
            // The closure: the position after every `*` in the set.
            loop {
                let grown = x | ((x & runs) << 1);
                if grown == x {
                    break;
                }
                x = grown;
            }
            *out = x;
        }
    }
}

/// The atoms the tests generate over strings of at least `min_len` characters, shortest
/// witnesses first; `fresh` lists candidate characters for "any other character" (the first
/// one no test names is used). With `required` tests, only atoms one of them accepts are
/// wanted (and states where all of them are dead are not explored). Fails past `limit`
/// product states.
pub fn atoms(
    tests: &[Test],
    required: &[usize],
    min_len: usize,
    fresh: &str,
    limit: usize,
) -> Result<Vec<Atom>, TooMany> {
    // The characters each test names, and all of them.
    let names: Vec<Vec<char>> = tests
        .iter()
        .map(|t| {
            let mut own = Vec::new();
            t.glob.alphabet(&mut own);
            own
        })
        .collect();
    let mut alphabet: Vec<char> = names.iter().flatten().copied().collect();
    alphabet.sort_unstable();
    alphabet.dedup();
    // The character no test names goes first, so witnesses prefer it (`s3:z`, not `s3:3`).
    let fresh_first = match fresh
        .chars()
        .chain('\u{e000}'..'\u{f8ff}')
        .find(|c| !alphabet.contains(c))
    {
        Some(c) => {
            alphabet.insert(0, c);
            true
        }
        None => false,
    };
    // Per test, the alphabet positions of the characters it names. A character that no test
    // still alive names steps every test as the fresh character does (a test only tells
    // apart the characters it names), to the same successor: from each state only the fresh
    // character and those a live test names are tried. The states found, and their order,
    // are the same as trying every character.
    let words = alphabet.len().div_ceil(64);
    let named: Vec<Vec<u64>> = names
        .iter()
        .map(|own| {
            let mut bits = vec![0u64; words];
            for c in own {
                if let Some(k) = alphabet.iter().position(|a| a == c) {
                    insert(&mut bits, k);
                }
            }
            bits
        })
        .collect();
    let mut tried = vec![0u64; words];
    // A product state: every test's state set, one after the other.
    let mut steppers: Vec<Stepper> = Vec::with_capacity(tests.len());
    let mut start: Vec<u64> = Vec::new();
    for t in tests {
        steppers.push(Stepper::new(&t.glob, &alphabet, start.len()));
        start.extend(t.glob.start_after(&t.prefix));
    }
    let narrow = Narrow::of(&steppers, alphabet.len());
    // Breadth first over product states, each kept once with the flag "long enough" as an
    // extra word; a state's text is rebuilt from its parents only when it yields an atom, and
    // a successor is looked up in `seen` before anything is allocated for it.
    let width = start.len();
    let mut states: Vec<u64> = Vec::new();
    // Per state: its parent, the character that led to it, and the text's length.
    let mut parents: Vec<(usize, char, usize)> = Vec::new();
    let mut seen: FastSet<Vec<u64>> = Default::default();
    let mut key = start;
    key.push(u64::from(min_len == 0));
    states.extend_from_slice(&key);
    parents.push((usize::MAX, '\0', 0));
    seen.insert(key);
    let stride = width + 1;
    let text_of = |parents: &[(usize, char, usize)], mut id: usize| -> String {
        let mut chars = Vec::new();
        while let Some(&(parent, c, _)) = parents.get(id).filter(|p| p.0 != usize::MAX) {
            chars.push(c);
            id = parent;
        }
        chars.into_iter().rev().collect()
    };
    let mut found: HashMap<Vec<bool>, usize> = HashMap::default();
    let mut out: Vec<Atom> = Vec::new();
    let mut state: Vec<u64> = Vec::with_capacity(width);
    let mut next = vec![0u64; stride];
    let mut id = 0;
    while let Some(&(_, _, len)) = parents.get(id) {
        state.clear();
        state.extend_from_slice(states.get(id * stride..id * stride + width).unwrap_or(&[]));
        let dead = |i: &usize| {
            steppers
                .get(*i)
                .is_none_or(|t| t.of(&state).iter().all(|w| *w == 0))
        };
        if !required.is_empty() && required.iter().all(dead) {
            id += 1;
            continue;
        }
        if len >= min_len {
            let accepts: Vec<bool> = steppers.iter().map(|t| t.accepts(&state)).collect();
            let wanted =
                required.is_empty() || required.iter().any(|i| accepts.get(*i) == Some(&true));
            if wanted && !found.contains_key(&accepts) {
                found.insert(accepts.clone(), out.len());
                out.push(Atom {
                    witness: text_of(&parents, id),
                    accepts,
                });
            }
        }
        // A state where every automaton is dead accepts nothing, ever: nothing new below it.
        if len >= min_len && state.iter().all(|w| *w == 0) {
            id += 1;
            continue;
        }
        if fresh_first {
            tried.iter_mut().for_each(|w| *w = 0);
            insert(&mut tried, 0);
            for (t, bits) in steppers.iter().zip(&named) {
                if t.of(&state).iter().any(|w| *w != 0) {
                    tried.iter_mut().zip(bits).for_each(|(w, b)| *w |= b);
                }
            }
        } else {
            tried.iter_mut().for_each(|w| *w = u64::MAX);
        }
        for (k, &c) in alphabet.iter().enumerate() {
            if !contains(&tried, k) {
                continue;
            }
            next.iter_mut().for_each(|w| *w = 0);
            match &narrow {
                Some(narrow) => narrow.step(&state, k, &mut next),
                None => {
                    for t in &steppers {
                        let (set, into) = (t.of(&state), t.offset..t.offset + t.words);
                        if let Some(into) = next.get_mut(into) {
                            t.step(set, k, into);
                        }
                    }
                }
            }
            if let Some(flag) = next.get_mut(width) {
                *flag = u64::from(len + 1 >= min_len);
            }
            if seen.contains(next.as_slice()) {
                continue;
            }
            if seen.len() >= limit {
                return Err(TooMany(limit));
            }
            states.extend_from_slice(&next);
            parents.push((id, c, len + 1));
            seen.insert(next.clone());
        }
        id += 1;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn test(g: Glob) -> Test {
        Test {
            glob: g,
            prefix: String::new(),
        }
    }

    #[test]
    fn globs_match_like_iam_wildcards() {
        let g = Glob::wildcards("a*b?c");
        assert!(g.is_match("abxc"));
        assert!(g.is_match("a123b_c"));
        assert!(!g.is_match("abc"));
        assert!(Glob::literal("AbC", true).is_match("aBc"));
        assert!(!Glob::literal("AbC", false).is_match("aBc"));
        let arn = Glob::arn("arn:aws:s3:*:*:b*").unwrap();
        assert!(arn.is_match("arn:aws:s3:::b/x:y"));
        assert!(!arn.is_match("arn:aws:s3:x:y:z:b"));
        assert!(Glob::arn("arn:aws:s3").is_none());
    }

    #[test]
    fn atoms_cover_every_combination_with_shortest_witnesses() {
        let tests = vec![
            test(Glob::wildcards("home/*")),
            test(Glob::wildcards("*.txt")),
            test(Glob::literal("home/a.txt", false)),
        ];
        let atoms = atoms(&tests, &[], 1, "x", 10_000).unwrap();
        let vectors: Vec<&Vec<bool>> = atoms.iter().map(|a| &a.accepts).collect();
        for v in [
            vec![false, false, false],
            vec![true, false, false],
            vec![false, true, false],
            vec![true, true, false],
            vec![true, true, true],
        ] {
            assert!(vectors.contains(&&v), "{v:?} missing from {atoms:?}");
        }
        assert_eq!(atoms.len(), 5);
        for a in &atoms {
            let again: Vec<bool> = tests.iter().map(|t| t.glob.is_match(&a.witness)).collect();
            assert_eq!(again, a.accepts);
            assert!(!a.witness.is_empty());
        }
    }

    #[test]
    fn the_product_step_is_the_glob_step() {
        // Every reachable state set of each glob (long ones span several words), stepped by
        // every alphabet character both ways.
        let long = format!("{}*{}?x", "ab".repeat(40), "c".repeat(30));
        let globs = vec![
            Glob::wildcards("a*b?c"),
            Glob::wildcards("*"),
            Glob::wildcards(&long),
            Glob::literal("AbC", true),
            Glob::arn("arn:aws:s3:*:*:b*").unwrap(),
            Glob::arn("arn:*:iam::*:role/?x*").unwrap(),
        ];
        for g in &globs {
            let mut alphabet = Vec::new();
            g.alphabet(&mut alphabet);
            alphabet.extend(['x', 'Z', ':', '/', '\u{e000}']);
            alphabet.sort_unstable();
            alphabet.dedup();
            let stepper = Stepper::new(g, &alphabet, 0);
            let mut todo = vec![g.start()];
            let mut seen = vec![g.start()];
            while let Some(set) = todo.pop() {
                for (k, &c) in alphabet.iter().enumerate() {
                    let mut fast = vec![0u64; set.len()];
                    stepper.step(&set, k, &mut fast);
                    let slow = g.step(&set, c);
                    assert_eq!(fast, slow, "{g:?} on {c:?}");
                    if !seen.contains(&slow) {
                        seen.push(slow.clone());
                        todo.push(slow);
                    }
                }
            }
            assert!(seen.len() > 2 || g.items.len() < 2, "{g:?}");
        }
    }

    #[test]
    fn prefixes_are_fed_first_and_limits_are_reported() {
        let t = Test {
            glob: Glob::wildcards("arn:aws:s3:::b/k*"),
            prefix: "arn:aws:s3:::b/".into(),
        };
        let atoms = atoms(&[t], &[], 1, "x", 100).unwrap();
        assert_eq!(atoms.len(), 2);
        let many: Vec<Test> = (0..12)
            .map(|i| test(Glob::wildcards(&format!("*{i}*{i}*"))))
            .collect();
        assert_eq!(super::atoms(&many, &[], 0, "x", 50), Err(TooMany(50)));
        // Only the atoms a required test accepts.
        let two = vec![test(Glob::wildcards("a*")), test(Glob::wildcards("*b"))];
        let wanted = super::atoms(&two, &[1], 1, "x", 100).unwrap();
        assert_eq!(wanted.len(), 2);
        assert!(wanted.iter().all(|a| a.accepts[1]));
    }

    /// Every string up to `len` characters over `alphabet`, shortest first, then in the
    /// alphabet's order (the order the product search meets them).
    fn strings(alphabet: &[char], len: usize) -> Vec<String> {
        let mut out = vec![String::new()];
        let mut last = vec![String::new()];
        for _ in 0..len {
            let next: Vec<String> = last
                .iter()
                .flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}")))
                .collect();
            out.extend(next.iter().cloned());
            last = next;
        }
        out
    }

    #[test]
    fn each_atom_witness_is_the_first_string_of_its_combination() {
        // Small glob sets from a fixed pseudo-random sequence: literals (some folded), `?`,
        // `*`, `:` and ARN globs whose wildcards stop at `:`. Checked against every string of
        // up to 4 characters: the atoms witnessed by such a string are exactly the
        // combinations those strings realise, each witnessed by the first string realising it
        // (so trying only the characters a live test names finds what trying all of them does).
        let pieces = ["a", "b", "A", ":", "/", "*", "?", "ab", "a*", "*b"];
        let mut seed: u64 = 0x5eed;
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as usize
        };
        for case in 0..40 {
            let count = 1 + next() % 3;
            let tests: Vec<Test> = (0..count)
                .map(|_| {
                    let text: String = (0..1 + next() % 3)
                        .map(|_| pieces[next() % pieces.len()])
                        .collect();
                    match next() % 4 {
                        0 => test(Glob::literal(&text, true)),
                        1 => test(
                            Glob::arn(&format!("{text}:b:c:d:e:f"))
                                .unwrap_or(Glob::wildcards(&text)),
                        ),
                        _ => test(Glob::wildcards(&text)),
                    }
                })
                .collect();
            let found = atoms(&tests, &[], 1, "x", 100_000).unwrap();
            let mut alphabet = Vec::new();
            for t in &tests {
                t.glob.alphabet(&mut alphabet);
            }
            alphabet.sort_unstable();
            alphabet.dedup();
            alphabet.insert(0, 'x');
            let mut first: Vec<(Vec<bool>, String)> = Vec::new();
            for s in strings(&alphabet, 4).into_iter().filter(|s| !s.is_empty()) {
                let v: Vec<bool> = tests.iter().map(|t| t.glob.is_match(&s)).collect();
                if !first.iter().any(|(f, _)| *f == v) {
                    first.push((v, s));
                }
            }
            let atoms: Vec<(Vec<bool>, String)> = found
                .into_iter()
                .filter(|a| a.witness.chars().count() <= 4)
                .map(|a| (a.accepts, a.witness))
                .collect();
            assert_eq!(atoms, first, "case {case}: {tests:?}");
        }
    }
}
