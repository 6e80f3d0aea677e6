//! Template items to description items, one to one, in linear time.
//!
//! Each template item needs its own answer: a description item answers at
//! most one template item. Matching goes in passes, each over what the
//! earlier passes left, each in document order:
//!
//! 1. the same section (the whole heading path) and the same text;
//! 2. the same text, anywhere;
//! 3. a description item that extends the template item's text after it
//!    (`Fixes #` answered by `Fixes #123`, `Tested on:` by
//!    `Tested on: Firefox`), at a word boundary, longest template text first.
//!
//! Passes 1 and 2 hash the normalised text. Pass 3 hashes every prefix of a
//! description item that ends at a word boundary with a rolling hash, so it
//! too is linear in the size of the text; a hit is confirmed by comparing the
//! text itself, so a collision costs time, never a wrong match.

use std::collections::hash_map::RandomState;
use std::collections::{HashMap, VecDeque};
use std::hash::BuildHasher;

/// One side's item, as matching sees it.
#[derive(Debug, Clone, Copy)]
pub struct Entry<'a> {
    /// The normalised text.
    pub key: &'a str,
    /// The interned heading path; equal ids mean equal paths.
    pub section: Option<u32>,
}

/// The result: for each template item the description item answering it,
/// and the reverse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matching {
    pub of_template: Vec<Option<usize>>,
    pub of_description: Vec<Option<usize>>,
}

impl Matching {
    fn pair(&mut self, t: usize, d: usize) {
        self.of_template[t] = Some(d);
        self.of_description[d] = Some(t);
    }
}

/// Matches template items to description items one to one.
pub fn match_items(template: &[Entry<'_>], description: &[Entry<'_>]) -> Matching {
    let mut m = Matching {
        of_template: vec![None; template.len()],
        of_description: vec![None; description.len()],
    };
    // Pass 1: section and text.
    let mut by_section: HashMap<(Option<u32>, &str), VecDeque<usize>> = HashMap::new();
    for (d, e) in description.iter().enumerate() {
        by_section
            .entry((e.section, e.key))
            .or_default()
            .push_back(d);
    }
    for (t, e) in template.iter().enumerate() {
        if let Some(d) = by_section
            .get_mut(&(e.section, e.key))
            .and_then(VecDeque::pop_front)
        {
            m.pair(t, d);
        }
    }
    drop(by_section);
    // Pass 2: text, in order.
    let mut by_text: HashMap<&str, VecDeque<usize>> = HashMap::new();
    for (d, e) in description.iter().enumerate() {
        if m.of_description[d].is_none() {
            by_text.entry(e.key).or_default().push_back(d);
        }
    }
    for (t, e) in template.iter().enumerate() {
        if m.of_template[t].is_some() {
            continue;
        }
        if let Some(d) = by_text.get_mut(e.key).and_then(VecDeque::pop_front) {
            m.pair(t, d);
        }
    }
    drop(by_text);
    extensions(template, description, &mut m);
    m
}

/// 2^61 - 1, a prime: the rolling hash's modulus.
const MODULUS: u64 = (1 << 61) - 1;

fn mul_mod(a: u64, b: u64) -> u64 {
    // Below the modulus, so the cast loses nothing.
    ((u128::from(a) * u128::from(b)) % u128::from(MODULUS)) as u64
}

struct Rolling {
    base: u64,
}

impl Rolling {
    /// A base drawn at random per run, so no text can be written to collide.
    fn new() -> Self {
        let seed = RandomState::new().hash_one(0x7275_6e6b_u64);
        Rolling {
            base: seed % (MODULUS - 512) + 257,
        }
    }

    fn push(&self, h: u64, byte: u8) -> u64 {
        (mul_mod(h, self.base) + u64::from(byte) + 1) % MODULUS
    }

    fn of(&self, s: &str) -> u64 {
        s.bytes().fold(0, |h, b| self.push(h, b))
    }
}

/// Whether a template text may end at byte `p` of a description text.
fn word_boundary(text: &str, p: usize) -> bool {
    let before = text[..p].chars().next_back();
    let after = text[p..].chars().next();
    match (before, after) {
        (Some(b), Some(a)) => !b.is_alphanumeric() || !a.is_alphanumeric(),
        _ => false,
    }
}

/// Pass 3: description items that extend a template item's text.
fn extensions(template: &[Entry<'_>], description: &[Entry<'_>], m: &mut Matching) {
    let rolling = Rolling::new();
    let mut by_prefix: HashMap<(usize, u64), Vec<usize>> = HashMap::new();
    let mut longest = 0;
    for (t, e) in template.iter().enumerate() {
        if m.of_template[t].is_none() && !e.key.is_empty() {
            longest = longest.max(e.key.len());
            by_prefix
                .entry((e.key.len(), rolling.of(e.key)))
                .or_default()
                .push(t);
        }
    }
    if by_prefix.is_empty() {
        return;
    }
    let mut hits: Vec<usize> = Vec::new();
    for (d, e) in description.iter().enumerate() {
        if m.of_description[d].is_some() {
            continue;
        }
        hits.clear();
        let mut h = 0;
        for (p, byte) in e.key.bytes().enumerate().take(longest) {
            h = rolling.push(h, byte);
            let end = p + 1;
            if e.key.is_char_boundary(end)
                && by_prefix.contains_key(&(end, h))
                && word_boundary(e.key, end)
            {
                hits.push(end);
            }
        }
        // The longest template text that really is a prefix, first
        // unanswered template item with it.
        'found: for &end in hits.iter().rev() {
            let prefix = &e.key[..end];
            let Some(ts) = by_prefix.get(&(end, rolling.of(prefix))) else {
                continue;
            };
            for &t in ts {
                if m.of_template[t].is_none() && template[t].key == prefix {
                    m.pair(t, d);
                    break 'found;
                }
            }
        }
    }
}

/// The words of a normalised text, each cut to its first four characters:
/// a crude stem, so `change` and `changes`, `test` and `tests` agree.
fn words(s: &str) -> impl Iterator<Item = &str> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.char_indices().nth(4).map_or(w, |(i, _)| &w[..i]))
}

/// How much work [`closest`] may do before it gives up.
const CLOSEST_BUDGET: usize = 2_000_000;
/// Words shared by more candidates than this say nothing about which one
/// is closest.
const COMMON_WORD: usize = 64;

/// For each text in `missing`, the index in `candidates` of the most similar
/// one, if any: one that keeps at least two thirds of its words. Bounded
/// work: on huge inputs some get no suggestion.
pub fn closest(missing: &[&str], candidates: &[&str]) -> Vec<Option<usize>> {
    let mut index: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut sizes = Vec::with_capacity(candidates.len());
    for (i, c) in candidates.iter().enumerate() {
        let mut n = 0;
        for w in words(c) {
            let list = index.entry(w).or_default();
            if list.last() != Some(&i) {
                list.push(i);
                n += 1;
            }
        }
        sizes.push(n);
    }
    let mut budget = CLOSEST_BUDGET;
    let mut shared: HashMap<usize, usize> = HashMap::new();
    missing
        .iter()
        .map(|m| {
            shared.clear();
            let mut own: Vec<&str> = words(m).collect();
            own.sort_unstable();
            own.dedup();
            for w in &own {
                let Some(list) = index.get(w).filter(|l| l.len() <= COMMON_WORD) else {
                    continue;
                };
                budget = budget.checked_sub(list.len())?;
                for &i in list {
                    *shared.entry(i).or_default() += 1;
                }
            }
            // Most of the missing item's words must survive, and the
            // candidate keeping the most of them, then the most alike
            // (Dice), then the first, is named.
            let mut best: Option<(usize, (usize, usize))> = None;
            for (&i, &n) in &shared {
                if 3 * n < 2 * own.len() {
                    continue;
                }
                let score = (
                    n * 1_000_000 / own.len(),
                    2 * n * 1_000_000 / (own.len() + sizes[i]),
                );
                let better = match best {
                    None => true,
                    Some((bi, bs)) => score > bs || (score == bs && i < bi),
                };
                if better {
                    best = Some((i, score));
                }
            }
            best.map(|(i, _)| i)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(key: &str, section: Option<u32>) -> Entry<'_> {
        Entry { key, section }
    }

    // Regression (#13.2, real templates): template items were matched many-to-one; now by section
    // and text, then text in order.
    #[test]
    fn one_to_one_by_section_then_text() {
        let t = [e("tested", Some(1)), e("tested", Some(2))];
        let d = [e("tested", Some(2)), e("tested", Some(1))];
        let m = match_items(&t, &d);
        assert_eq!(m.of_template, vec![Some(1), Some(0)]);
        // One copy deleted: the second template item has no answer.
        let m = match_items(&t, &d[..1]);
        assert_eq!(m.of_template, vec![None, Some(0)]);
        // Headings renamed: by text, in order.
        let d = [e("tested", Some(7)), e("tested", Some(8))];
        let m = match_items(&t, &d);
        assert_eq!(m.of_template, vec![Some(0), Some(1)]);
    }

    // Regression (#13.11, real PR descriptions): a filled placeholder (`Tested on: Firefox`) was
    // reported removed.
    #[test]
    fn extensions_at_a_word_boundary() {
        let t = [e("fixes #", None), e("tested on", None), e("test", None)];
        let d = [
            e("tests pass", None),
            e("tested on: firefox", None),
            e("fixes #123", None),
        ];
        let m = match_items(&t, &d);
        assert_eq!(m.of_template, vec![Some(2), Some(1), None]);
        // The longest template text wins.
        let t = [e("docs", None), e("docs updated", None)];
        let d = [e("docs updated: yes", None), e("docs: none", None)];
        let m = match_items(&t, &d);
        assert_eq!(m.of_template, vec![Some(1), Some(0)]);
        // An empty template text is never a prefix.
        let m = match_items(&[e("", None)], &[e("anything", None)]);
        assert_eq!(m.of_template, vec![None]);
    }

    // Regression (#13.11): a really missing item now names the closest description item ("edited?
    // closest: ...").
    #[test]
    fn closest_names_the_edited_item() {
        let c = closest(
            &[
                "tests cover the change",
                "unrelated thing",
                "my changes pass linting (pnpm lint)",
            ],
            &[
                "screenshots",
                "tests cover changes",
                "my changes pass the full pnpm typecheck",
                "my changes pass linting on the changed paths (pnpm exec eslint)",
            ],
        );
        assert_eq!(c, vec![Some(1), None, Some(3)]);
        assert_eq!(closest(&["a"], &[]), vec![None]);
    }

    #[test]
    fn the_rolling_hash_stays_in_range() {
        let r = Rolling::new();
        let h = r.of(&"\u{10FFFF}".repeat(1000));
        assert!(h < MODULUS);
        assert_eq!(mul_mod(MODULUS - 1, MODULUS - 1), 1);
    }
}
