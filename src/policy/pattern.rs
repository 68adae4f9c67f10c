//! IAM wildcard patterns (`*` any run of characters, `?` exactly one) as sets of strings:
//! whether a pattern matches a string, whether one pattern covers another (every string the
//! second matches, the first matches too), and whether two overlap (some string matches both).
//!
//! Inclusion of such patterns is decidable: both are finite automata over an alphabet that can
//! be cut down to the characters they name plus one standing for every other character. We walk
//! the two determinised automata side by side and look for a string the second accepts and the
//! first does not.

use std::collections::{BTreeSet, HashSet};

/// Whether `s` has a `*` or `?`.
pub fn has_wildcard(s: &str) -> bool {
    s.contains(['*', '?'])
}

/// Whether `pattern` matches all of `text` (`*` any run, `?` one character; case-sensitive).
pub fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((s, mark)) = star {
            pi = s + 1;
            ti = mark + 1;
            star = Some((s, mark + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// [`glob`] ignoring ASCII case, as IAM matches action names.
pub fn glob_ignore_case(pattern: &str, text: &str) -> bool {
    glob(&pattern.to_ascii_lowercase(), &text.to_ascii_lowercase())
}

/// The characters before the first wildcard.
fn literal_prefix(s: &str) -> &str {
    s.find(['*', '?']).map_or(s, |i| &s[..i])
}

/// Whether every string `inner` matches is matched by `outer`.
pub fn covers(outer: &str, inner: &str) -> bool {
    if outer == inner || outer == "*" {
        return true;
    }
    if !has_wildcard(inner) {
        return glob(outer, inner);
    }
    if !has_wildcard(outer) || !literal_prefix(inner).starts_with(literal_prefix(outer)) {
        return false;
    }
    let (outer, inner) = (Nfa::new(outer), Nfa::new(inner));
    let alphabet = alphabet(&outer, &inner);
    search(&inner, &outer, &alphabet, |inner_accepts, outer_accepts| {
        inner_accepts && !outer_accepts
    })
    .is_none()
}

/// [`covers`] ignoring ASCII case.
pub fn covers_ignore_case(outer: &str, inner: &str) -> bool {
    covers(&outer.to_ascii_lowercase(), &inner.to_ascii_lowercase())
}

/// Whether some string matches both patterns.
pub fn overlaps(a: &str, b: &str) -> bool {
    match (has_wildcard(a), has_wildcard(b)) {
        (false, false) => a == b,
        (true, false) => glob(a, b),
        (false, true) => glob(b, a),
        (true, true) => {
            let (a, b) = (Nfa::new(a), Nfa::new(b));
            let alphabet = alphabet(&a, &b);
            search(&a, &b, &alphabet, |x, y| x && y).is_some()
        }
    }
}

/// [`overlaps`] ignoring ASCII case.
pub fn overlaps_ignore_case(a: &str, b: &str) -> bool {
    overlaps(&a.to_ascii_lowercase(), &b.to_ascii_lowercase())
}

/// A pattern as a nondeterministic automaton: state `i` means "the first `i` symbols are
/// matched"; a `*` may match nothing (an empty move to `i + 1`) or one more character (stay).
struct Nfa(Vec<char>);

type States = BTreeSet<usize>;

impl Nfa {
    fn new(pattern: &str) -> Nfa {
        Nfa(pattern.chars().collect())
    }

    fn closure(&self, mut states: States) -> States {
        let mut todo: Vec<usize> = states.iter().copied().collect();
        while let Some(i) = todo.pop() {
            if self.0.get(i) == Some(&'*') && states.insert(i + 1) {
                todo.push(i + 1);
            }
        }
        states
    }

    fn start(&self) -> States {
        self.closure(States::from([0]))
    }

    fn step(&self, states: &States, c: char) -> States {
        let mut next = States::new();
        for &i in states {
            match self.0.get(i) {
                Some('*') => {
                    next.insert(i);
                }
                Some('?') => {
                    next.insert(i + 1);
                }
                Some(&lit) if lit == c => {
                    next.insert(i + 1);
                }
                _ => {}
            }
        }
        self.closure(next)
    }

    fn accepts(&self, states: &States) -> bool {
        states.contains(&self.0.len())
    }

    fn literals(&self) -> impl Iterator<Item = char> + '_ {
        self.0.iter().copied().filter(|c| *c != '*' && *c != '?')
    }
}

/// The characters either pattern names, and one that neither does (standing for all others).
fn alphabet(a: &Nfa, b: &Nfa) -> Vec<char> {
    let mut chars: BTreeSet<char> = a.literals().chain(b.literals()).collect();
    let other = (1..=u32::from(char::MAX))
        .filter_map(char::from_u32)
        .find(|c| !chars.contains(c))
        .expect("some character is not in two patterns");
    chars.insert(other);
    chars.into_iter().collect()
}

/// Walk both automata, determinised, over every string; the first pair of state sets for
/// which `stop(a accepts, b accepts)` holds is returned. Only pairs where `a` is still alive
/// are explored.
fn search(
    a: &Nfa,
    b: &Nfa,
    alphabet: &[char],
    stop: impl Fn(bool, bool) -> bool,
) -> Option<(States, States)> {
    let start = (a.start(), b.start());
    let mut seen: HashSet<(States, States)> = HashSet::from([start.clone()]);
    let mut todo = vec![start];
    while let Some((sa, sb)) = todo.pop() {
        if stop(a.accepts(&sa), b.accepts(&sb)) {
            return Some((sa, sb));
        }
        for &c in alphabet {
            let next = (a.step(&sa, c), b.step(&sb, c));
            if !next.0.is_empty() && seen.insert(next.clone()) {
                todo.push(next);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn glob_matches_iam_wildcards() {
        assert!(glob("s3:get*", "s3:getobject"));
        assert!(glob("s3:*", "s3:"));
        assert!(glob("a?c", "abc"));
        assert!(!glob("a?c", "ac"));
        assert!(glob("*b*", "abc"));
        assert!(glob("a*b*c", "aXbYbZc"));
        assert!(!glob("a*b", "aXbY"));
        assert!(glob("", ""));
        assert!(!glob("", "x"));
        assert!(glob_ignore_case("S3:Get*", "s3:GETOBJECT"));
        assert!(!glob(
            "arn:aws:s3:::b/FILE?.txt",
            "arn:aws:s3:::b/file1.txt"
        ));
    }

    #[test]
    fn coverage_of_resource_patterns() {
        assert!(covers("arn:aws:s3:::b/*", "arn:aws:s3:::b/p/*"));
        assert!(covers("arn:aws:s3:::b/p/*", "arn:aws:s3:::b/p/*"));
        assert!(covers("arn:aws:s3:::*", "arn:aws:s3:::b/p/*"));
        assert!(covers("*", "arn:aws:s3:::b/p/*"));
        assert!(!covers("arn:aws:s3:::b/p/x", "arn:aws:s3:::b/p/*"));
        assert!(!covers("arn:aws:s3:::b/q/*", "arn:aws:s3:::b/p/*"));
        assert!(!covers("arn:aws:s3:::b/p/secret/*", "arn:aws:s3:::b/p/*"));
        assert!(!covers("arn:aws:s3:::b/p/*", "arn:aws:s3:::b/*"));
        assert!(!covers("arn:aws:s3:::b", "arn:aws:s3:::b*"));
        // Same language written differently.
        assert!(covers("?*", "*?"));
        assert!(covers("*?", "?*"));
        assert!(covers("*a*", "?*a"));
        assert!(!covers("a*", "*a"));
        assert!(covers_ignore_case("S3:*", "s3:Get*"));
        assert!(!covers("s3:Get*", "s3:*"));
    }

    #[test]
    fn overlap_of_patterns() {
        assert!(overlaps("arn:aws:s3:::b/p/secret/*", "arn:aws:s3:::b/p/*"));
        assert!(overlaps("arn:aws:s3:::b/*", "arn:aws:s3:::b/p/*"));
        assert!(!overlaps("arn:aws:s3:::c/*", "arn:aws:s3:::b/p/*"));
        assert!(overlaps("arn:aws:s3:::b", "arn:aws:s3:::b"));
        assert!(!overlaps("arn:aws:s3:::b", "arn:aws:s3:::c"));
        assert!(overlaps("*x", "y*"));
        assert!(!overlaps("a?", "b*"));
        assert!(overlaps_ignore_case("KMS:*", "kms:Decrypt"));
    }

    #[test]
    fn long_arns_are_quick() {
        let wide = format!("arn:aws:s3:::{}*/data/*", "bucket-".repeat(20));
        let narrow = format!("arn:aws:s3:::{}x/data/v1/*", "bucket-".repeat(20));
        assert!(covers(&wide, &narrow));
        assert!(!covers(&narrow, &wide));
        assert!(overlaps(&wide, &narrow));
    }

    /// Every string over `a`, `b`, `c` of at most `max` characters.
    fn strings(max: usize) -> Vec<String> {
        let mut all = vec![String::new()];
        let mut last = vec![String::new()];
        for _ in 0..max {
            last = last
                .iter()
                .flat_map(|s| ["a", "b", "c"].map(|c| format!("{s}{c}")))
                .collect();
            all.extend(last.iter().cloned());
        }
        all
    }

    fn pattern() -> impl Strategy<Value = String> {
        "[ab*?]{0,4}"
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        /// `covers` agrees with brute force over every short string (a counterexample to the
        /// inclusion of patterns this short is never longer than 8 characters).
        #[test]
        fn covers_is_inclusion(outer in pattern(), inner in pattern()) {
            let all = strings(8);
            let included = all.iter().all(|s| !glob(&inner, s) || glob(&outer, s));
            prop_assert_eq!(covers(&outer, &inner), included, "{} ⊇ {}", outer, inner);
        }

        #[test]
        fn overlaps_is_a_common_string(a in pattern(), b in pattern()) {
            let all = strings(8);
            let common = all.iter().any(|s| glob(&a, s) && glob(&b, s));
            prop_assert_eq!(overlaps(&a, &b), common, "{} ∩ {}", a, b);
        }

        #[test]
        fn a_pattern_covers_itself_and_what_it_matches(p in "[ab*?]{0,6}", s in "[abc]{0,6}") {
            prop_assert!(covers(&p, &p));
            prop_assert_eq!(covers(&p, &s), glob(&p, &s));
            prop_assert!(covers("*", &p));
        }
    }
}
