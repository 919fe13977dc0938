//! "Did you mean …?": the closest known name to a misspelt one.
//!
//! Distance is the case-insensitive optimal-string-alignment (restricted Damerau–Levenshtein)
//! distance: insertions, deletions, substitutions and swaps of two adjacent characters each
//! cost 1. A candidate is accepted when its distance is at most `max(1, chars(word) / 4)`.

/// The candidate closest to `word`, if one is close enough.
///
/// Comparison ignores case, so a candidate differing only in case (distance 0) is returned,
/// which callers can use for "wrong case" hints. Ties go to the earliest candidate. Candidates
/// whose length differs from `word` by more than the threshold are skipped without computing
/// a distance, and a distance computation stops as soon as it exceeds the best so far.
pub fn closest<'a, I: IntoIterator<Item = &'a str>>(word: &str, candidates: I) -> Option<&'a str> {
    let word: Vec<char> = fold(word);
    let threshold = (word.len() / 4).max(1);
    let mut best: Option<(usize, &'a str)> = None;
    let mut rows = Rows::default();
    let mut candidate_chars = Vec::new();
    for candidate in candidates {
        // Strictly better than the current best, and within the threshold.
        let limit = best.map_or(threshold, |(d, _)| d.saturating_sub(1));
        if best.is_some_and(|(d, _)| d == 0) {
            break;
        }
        // An ASCII candidate folds to as many characters as it has bytes: skip it unfolded.
        if candidate.is_ascii() && word.len().abs_diff(candidate.len()) > limit {
            continue;
        }
        candidate_chars.clear();
        candidate_chars.extend(candidate.chars().flat_map(char::to_lowercase));
        if word.len().abs_diff(candidate_chars.len()) > limit {
            continue;
        }
        if let Some(d) = rows.distance(&word, &candidate_chars, limit) {
            best = Some((d, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

fn fold(s: &str) -> Vec<char> {
    s.chars().flat_map(char::to_lowercase).collect()
}

/// Reusable rows for the distance table.
#[derive(Default)]
struct Rows {
    two_back: Vec<usize>,
    prev: Vec<usize>,
    cur: Vec<usize>,
}

impl Rows {
    /// The optimal-string-alignment distance between `a` and `b`, or `None` when it exceeds
    /// `limit`.
    fn distance(&mut self, a: &[char], b: &[char], limit: usize) -> Option<usize> {
        let width = b.len() + 1;
        self.two_back.clear();
        self.two_back.resize(width, 0);
        self.prev.clear();
        self.prev.extend(0..width);
        self.cur.clear();
        self.cur.resize(width, 0);
        let mut last_a: Option<char> = None;
        for (i, &ca) in a.iter().enumerate() {
            let mut row_min = i + 1;
            if let Some(first) = self.cur.first_mut() {
                *first = i + 1;
            }
            let mut last_b: Option<char> = None;
            for (j, &cb) in b.iter().enumerate() {
                let cost = usize::from(ca != cb);
                let substitute = self.prev.get(j).map_or(usize::MAX, |d| d + cost);
                let delete = self.prev.get(j + 1).map_or(usize::MAX, |d| d + 1);
                let insert = self.cur.get(j).map_or(usize::MAX, |d| d + 1);
                let mut value = substitute.min(delete).min(insert);
                // Adjacent transposition: a[i-1..=i] == b[j..=j-1] swapped.
                if last_a == Some(cb)
                    && last_b == Some(ca)
                    && ca != cb
                    && let Some(d) = j.checked_sub(1).and_then(|k| self.two_back.get(k))
                {
                    value = value.min(d + 1);
                }
                if let Some(cell) = self.cur.get_mut(j + 1) {
                    *cell = value;
                }
                row_min = row_min.min(value);
                last_b = Some(cb);
            }
            if row_min > limit {
                return None;
            }
            // Rotate: two_back <- prev <- cur.
            std::mem::swap(&mut self.two_back, &mut self.prev);
            std::mem::swap(&mut self.prev, &mut self.cur);
            last_a = Some(ca);
        }
        self.prev.get(b.len()).copied().filter(|d| *d <= limit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ELEMENTS: [&str; 11] = [
        "Version",
        "Id",
        "Statement",
        "Sid",
        "Effect",
        "Principal",
        "NotPrincipal",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
    ];

    const ACTIONS: [&str; 6] = [
        "s3:GetObject",
        "s3:GetObjectAcl",
        "s3:PutObject",
        "s3:ListBucket",
        "s3:DeleteObject",
        "s3:GetBucketPolicy",
    ];

    fn osa(a: &str, b: &str) -> Option<usize> {
        Rows::default().distance(&fold(a), &fold(b), usize::MAX - 1)
    }

    #[test]
    fn distances() {
        assert_eq!(osa("", ""), Some(0));
        assert_eq!(osa("abc", ""), Some(3));
        assert_eq!(osa("", "abc"), Some(3));
        assert_eq!(osa("kitten", "sitting"), Some(3));
        assert_eq!(osa("ab", "ba"), Some(1));
        assert_eq!(osa("abc", "acb"), Some(1));
        assert_eq!(osa("ca", "abc"), Some(3)); // OSA, not full Damerau (which gives 2)
        assert_eq!(osa("Effect", "EFFECT"), Some(0));
        assert_eq!(osa("Efect", "Effect"), Some(1));
        assert_eq!(osa("Resources", "Resource"), Some(1));
        assert_eq!(osa("Resources", "NotResource"), Some(4));
        assert_eq!(osa("日本語", "日語本"), Some(1));
        assert_eq!(
            Rows::default().distance(&fold("abcdef"), &fold("uvwxyz"), 2),
            None
        );
    }

    #[test]
    fn suggests_policy_elements() {
        assert_eq!(closest("Efect", ELEMENTS), Some("Effect"));
        assert_eq!(closest("Resources", ELEMENTS), Some("Resource"));
        assert_eq!(closest("Statment", ELEMENTS), Some("Statement"));
        assert_eq!(closest("Acton", ELEMENTS), Some("Action"));
        assert_eq!(closest("Pricnipal", ELEMENTS), Some("Principal"));
        assert_eq!(closest("NotResources", ELEMENTS), Some("NotResource"));
        assert_eq!(closest("effect", ELEMENTS), Some("Effect"));
        assert_eq!(closest("Condition", ELEMENTS), None);
        assert_eq!(closest("Banana", ELEMENTS), None);
        assert_eq!(closest("", ELEMENTS), None);
        assert_eq!(closest("Efect", []), None);
    }

    #[test]
    fn suggests_actions_and_condition_keys() {
        assert_eq!(closest("s3:GetObjct", ACTIONS), Some("s3:GetObject"));
        assert_eq!(
            closest("GetObjct", ["GetObject", "PutObject"]),
            Some("GetObject")
        );
        assert_eq!(closest("s3:getobjectacl", ACTIONS), Some("s3:GetObjectAcl"));
        assert_eq!(closest("s3:ListBuckets", ACTIONS), Some("s3:ListBucket"));
        assert_eq!(closest("s3:CreateJob", ACTIONS), None);
        assert_eq!(
            closest(
                "aws:SecureTranspot",
                ["aws:SourceIp", "aws:SecureTransport", "aws:SourceVpc"]
            ),
            Some("aws:SecureTransport")
        );
        assert_eq!(
            closest("aws:SourceVcpe", ["aws:SourceVpc", "aws:SourceVpce"]),
            Some("aws:SourceVpce")
        );
        assert_eq!(
            closest("aws:Username", ["aws:username"]),
            Some("aws:username")
        );
        assert_eq!(closest("aws:PrincipalOrgId", ["aws:SourceIp"]), None);
    }

    #[test]
    fn ties_go_to_the_first_candidate() {
        assert_eq!(closest("cat", ["bat", "cut", "car"]), Some("bat"));
        assert_eq!(closest("cat", ["cut", "bat"]), Some("cut"));
        // A strictly closer later candidate still wins.
        assert_eq!(
            closest("abcdefgh", ["abcdefxy", "abcdefgx"]),
            Some("abcdefgx")
        );
    }

    #[test]
    fn threshold_scales_with_length() {
        // Short words allow one edit.
        assert_eq!(closest("Sdi", ["Sid"]), Some("Sid"));
        assert_eq!(closest("Xyz", ["Sid"]), None);
        // 16 characters allow four edits, not five.
        assert_eq!(
            closest("abcdefghijklmnop", ["abcdefghijklWXYZ"]),
            Some("abcdefghijklWXYZ")
        );
        assert_eq!(closest("abcdefghijklmnop", ["abcdefghijkVWXYZ"]), None);
        // Length difference over the threshold is rejected up front.
        assert_eq!(closest("ab", ["abcd"]), None);
    }

    #[test]
    fn many_candidates_stay_cheap() {
        let names: Vec<String> = (0..20_000).map(|i| format!("s3:Action{i:05}")).collect();
        let found = closest("s3:Acton12345", names.iter().map(String::as_str));
        assert_eq!(found, Some("s3:Action12345"));
    }
}
