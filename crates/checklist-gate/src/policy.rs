//! Which items are required, and whether the description answers them.
//!
//! Pure: the facts (the description, its author) and the settings (the
//! template among them) in, a verdict or a configuration error out. The
//! template is validated against the settings first, so a rule that cannot
//! apply is an error (exit 2) rather than a silent pass.

use std::collections::{HashMap, HashSet};

use gate_runtime::Verdict;
use regex::Regex;
use schemars::JsonSchema;
use serde::Serialize;

use crate::matching::{Entry, closest, match_items};
use crate::parse::{
    Checklist, Item, collapse, is_blank, is_invisible, marker_end_at_start, marker_start,
    parse_checklist, visible_text,
};

/// How a section's items must be answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SectionRule {
    /// Every required item.
    All,
    /// At least one item ticked or marked not applicable; the options not
    /// chosen may be deleted.
    AtLeastOne,
    /// Exactly one item ticked (radio-style choices); the options not chosen
    /// may be deleted.
    ExactlyOne,
}

impl SectionRule {
    fn is_choice(self) -> bool {
        self != SectionRule::All
    }
}

/// One `--section-rule`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionRuleSpec {
    /// The heading as written in the flag.
    pub heading: String,
    /// The heading as compared: see [`heading_key`].
    pub key: String,
    pub rule: SectionRule,
}

/// Parses `HEADING=RULE`.
pub fn parse_section_rule(spec: &str) -> Result<SectionRuleSpec, String> {
    let shown = clip(spec);
    let (heading, rule) = spec.rsplit_once('=').ok_or_else(|| {
        format!(
            "--section-rule {shown:?}: write it as HEADING=all, HEADING=at-least-one or HEADING=exactly-one"
        )
    })?;
    let rule = match rule.trim().to_ascii_lowercase().as_str() {
        "all" => SectionRule::All,
        "at-least-one" | "at_least_one" | "any" => SectionRule::AtLeastOne,
        "exactly-one" | "exactly_one" | "one" => SectionRule::ExactlyOne,
        other => {
            return Err(format!(
                "--section-rule {shown:?}: unknown rule {:?}; use all, at-least-one or exactly-one",
                clip(other)
            ));
        }
    };
    let key = heading_key(heading);
    if key.is_empty() {
        return Err(format!("--section-rule {shown:?}: the heading is empty"));
    }
    Ok(SectionRuleSpec {
        heading: heading.trim().to_owned(),
        key,
        rule,
    })
}

/// Authors whose pull requests pass without a checklist, by default.
pub const DEFAULT_SKIP_AUTHORS: &[&str] =
    &["dependabot[bot]", "renovate[bot]", "github-actions[bot]"];

/// The settings.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The template's text, when it defines the required items.
    pub template: Option<String>,
    pub required: Vec<Regex>,
    pub optional: Vec<Regex>,
    pub section_rules: Vec<SectionRuleSpec>,
    pub na_marker: String,
    /// Logins (compared case-insensitively) whose pull requests pass.
    pub skip_authors: Vec<String>,
    /// A description without any checkbox fails.
    pub require_checklist: bool,
    /// The description must contain a match for each.
    pub require_patterns: Vec<Regex>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            template: None,
            required: Vec::new(),
            optional: Vec::new(),
            section_rules: Vec::new(),
            na_marker: "N/A".to_owned(),
            skip_authors: DEFAULT_SKIP_AUTHORS
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            require_checklist: false,
            require_patterns: Vec::new(),
        }
    }
}

/// What the gate knows about the pull request.
#[derive(Debug, Clone, Copy, Default)]
pub struct Facts<'a> {
    /// The description; `None` when GitHub has it as null.
    pub body: Option<&'a str>,
    /// The pull request's author, when there is a pull request.
    pub author: Option<&'a str>,
}

/// Settings that cannot apply to the template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigError {
    /// A `--section-rule` heading the template does not have.
    UnknownSection {
        heading: String,
        template_headings: Vec<String>,
    },
    /// A `--required` or `--optional` pattern that matches no template item.
    PatternMatchesNothing { flag: &'static str, pattern: String },
    /// The template opens an ignored region and never closes it.
    UnclosedIgnore { line: usize },
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConfigError::UnknownSection {
                heading,
                template_headings,
            } => {
                write!(
                    f,
                    "--section-rule {:?}: the template has no such heading; ",
                    clip(heading)
                )?;
                if template_headings.is_empty() {
                    write!(f, "it has no headings")
                } else {
                    let shown: Vec<String> = template_headings
                        .iter()
                        .take(10)
                        .map(|h| format!("{:?}", clip_to(h, 60)))
                        .collect();
                    let more = template_headings.len().saturating_sub(10);
                    write!(f, "its headings are {}", shown.join(", "))?;
                    if more > 0 {
                        write!(f, " and {more} more")?;
                    }
                    Ok(())
                }
            }
            ConfigError::PatternMatchesNothing { flag, pattern } => write!(
                f,
                "{flag} {:?}: matches no checklist item in the template; fix the pattern or the template",
                clip(pattern)
            ),
            ConfigError::UnclosedIgnore { line } => write!(
                f,
                "the template opens {} on line {line} and never closes it; add {} where the ignored text ends",
                crate::parse::IGNORE_START,
                crate::parse::IGNORE_END
            ),
        }
    }
}

impl std::error::Error for ConfigError {}

/// How many characters of an item's text or a heading the reports echo.
pub const ECHO_CHARS: usize = 200;

fn clip_to(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => s.to_owned(),
        Some((cut, _)) => {
            let head = s[..cut].char_indices().nth(max - 1).map_or(cut, |(i, _)| i);
            format!("{}…", &s[..head])
        }
    }
}

/// `s` cut to [`ECHO_CHARS`] characters, with an ellipsis when cut.
pub fn clip(s: &str) -> String {
    clip_to(s, ECHO_CHARS)
}

/// Text for matching items: invisible characters dropped, case folded,
/// whitespace collapsed, the N/A marker (leading or trailing) and any
/// Markdown marks left in plain text removed.
pub fn normalize(text: &str, na_marker: &str) -> String {
    let mut t = text.trim();
    if let Some(end) = marker_end_at_start(t, na_marker) {
        t = &t[end..];
    }
    if let Some(start) = marker_start(t, na_marker) {
        t = &t[..start];
    }
    let stripped: String = t
        .chars()
        .filter(|c| !matches!(c, '*' | '_' | '`' | '~') && !is_invisible(*c))
        .collect();
    collapse(&stripped)
        .trim_end_matches([' ', '-', '–', '—', ':', '('])
        .trim_start_matches([' ', '-', '–', '—', ':', ')'])
        .to_lowercase()
}

/// A heading as section rules compare it: invisible characters dropped,
/// leading and trailing emoji, symbols and punctuation dropped, whitespace
/// collapsed, case folded. `✅ Type of change:` is `type of change`.
pub fn heading_key(heading: &str) -> String {
    let visible: String = heading.chars().filter(|c| !is_invisible(*c)).collect();
    collapse(visible.trim_matches(|c: char| !c.is_alphanumeric())).to_lowercase()
}

fn item_key(item: &Item, na_marker: &str) -> String {
    normalize(item.label.as_deref().unwrap_or(&item.text), na_marker)
}

/// One heading of the description, as reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct SectionReport {
    /// The heading's text.
    pub heading: String,
    /// 1 for `#`, up to 6.
    pub level: u8,
    /// The index of the enclosing heading in `sections`; null at the top.
    pub parent: Option<usize>,
    /// The line in the description, from 1.
    pub line: usize,
}

/// One item of the description, as reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct ItemReport {
    /// The item's text, clipped to 200 characters.
    pub text: String,
    /// Ticked.
    pub checked: bool,
    /// It must be answered (ticked, or marked not applicable).
    pub required: bool,
    /// Struck through or marked with the N/A marker.
    pub not_applicable: bool,
    /// The index of its heading in `sections`; null before any heading.
    pub section: Option<usize>,
    /// The line in the description, from 1.
    pub line: usize,
}

/// The decision.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub verdict: Verdict,
    pub reasons: Vec<String>,
    /// The description's headings, each once.
    pub sections: Vec<SectionReport>,
    pub items: Vec<ItemReport>,
    pub unchecked_required: Vec<String>,
    pub removed: Vec<String>,
    /// Choice sections with nothing ticked.
    pub unanswered_sections: Vec<String>,
    /// `exactly-one` sections with more than one item ticked.
    pub overanswered_sections: Vec<String>,
    /// `--require-pattern`s the description has no match for.
    pub missing_patterns: Vec<String>,
    /// `--require-checklist` and the description has no checkbox.
    pub no_checklist: bool,
    /// The reasons that are not about one item: section rules, patterns, a
    /// missing checklist, an empty description.
    pub other_reasons: Vec<String>,
    pub empty_body: bool,
    /// The author, when the pull request passed because of `--skip-authors`.
    pub skipped_author: Option<String>,
}

impl Outcome {
    fn new(verdict: Verdict) -> Self {
        Outcome {
            verdict,
            reasons: Vec::new(),
            sections: Vec::new(),
            items: Vec::new(),
            unchecked_required: Vec::new(),
            removed: Vec::new(),
            unanswered_sections: Vec::new(),
            overanswered_sections: Vec::new(),
            missing_patterns: Vec::new(),
            no_checklist: false,
            other_reasons: Vec::new(),
            empty_body: false,
            skipped_author: None,
        }
    }

    /// Things still to fix: unchecked and removed items, sections, patterns,
    /// a missing checklist.
    pub fn open_count(&self) -> usize {
        self.unchecked_required.len()
            + self.removed.len()
            + self.unanswered_sections.len()
            + self.overanswered_sections.len()
            + self.missing_patterns.len()
            + usize::from(self.no_checklist)
    }
}

fn wanted(settings: &Settings, text: &str) -> bool {
    (settings.required.is_empty() || settings.required.iter().any(|r| r.is_match(text)))
        && !settings.optional.iter().any(|r| r.is_match(text))
}

fn answered(item: &Item) -> bool {
    item.checked || item.not_applicable
}

/// Per-document facts about sections: interned heading paths and the rule
/// each section falls under.
struct Sections {
    /// Per section: the id of its whole heading path.
    path: Vec<u32>,
    /// Per section: the innermost `--section-rule` that covers it, and the
    /// path id of the section that carries it (its group: a heading repeated
    /// under two parents is two groups).
    rule: Vec<Option<(usize, u32)>>,
    /// Per section: whether its own heading carries a rule.
    carrier: Vec<bool>,
}

impl Sections {
    fn new(c: &Checklist, rules: &[SectionRuleSpec], paths: &mut HashMap<String, u32>) -> Self {
        let mut keys: Vec<String> = Vec::with_capacity(c.sections.len());
        let mut path = Vec::with_capacity(c.sections.len());
        let mut rule = Vec::with_capacity(c.sections.len());
        let mut carrier = Vec::with_capacity(c.sections.len());
        for s in &c.sections {
            let own = heading_key(&s.heading);
            let own_rule = rules.iter().position(|r| r.key == own);
            let key = match s.parent {
                Some(p) => format!("{}\u{1}{own}", keys[p]),
                None => own,
            };
            let next = u32::try_from(paths.len()).unwrap_or(u32::MAX);
            let id = *paths.entry(key.clone()).or_insert(next);
            path.push(id);
            keys.push(key);
            carrier.push(own_rule.is_some());
            rule.push(match own_rule {
                Some(r) => Some((r, id)),
                None => s.parent.and_then(|p| rule[p]),
            });
        }
        Sections {
            path,
            rule,
            carrier,
        }
    }

    /// The choice group (`at-least-one`, `exactly-one`) an item falls in.
    fn choice_of(&self, item: &Item, rules: &[SectionRuleSpec]) -> Option<(usize, u32)> {
        item.section
            .and_then(|s| self.rule[s])
            .filter(|(r, _)| rules[*r].rule.is_choice())
    }
}

/// The heading of the section whose rule covers `item`.
fn carrier_heading<'a>(c: &'a Checklist, s: &Sections, item: &Item) -> &'a str {
    let mut at = item.section;
    while let Some(i) = at {
        if s.carrier[i] {
            return &c.sections[i].heading;
        }
        at = c.sections[i].parent;
    }
    ""
}

/// The items of each choice group, and the heading to name it by.
#[derive(Default)]
struct Choices {
    groups: Vec<(usize, String, Vec<usize>)>,
    index: HashMap<(usize, u32), usize>,
}

impl Choices {
    /// The sections of `c` that carry a choice rule, each a group.
    fn add_carriers(&mut self, c: &Checklist, s: &Sections, rules: &[SectionRuleSpec]) {
        for (i, section) in c.sections.iter().enumerate() {
            if let Some((r, id)) =
                s.rule[i].filter(|(r, _)| s.carrier[i] && rules[*r].rule.is_choice())
            {
                self.group(r, id, &section.heading);
            }
        }
    }

    fn group(&mut self, rule: usize, id: u32, heading: &str) -> &mut Vec<usize> {
        let next = self.groups.len();
        let g = *self.index.entry((rule, id)).or_insert(next);
        if g == next {
            self.groups.push((rule, clip(heading), Vec::new()));
        }
        &mut self.groups[g].2
    }
}

/// How an item is named in a reason: its text, or for a blank item its line
/// and section.
fn describe(item: &Item, c: &Checklist, whose: &str) -> String {
    if !is_blank(&item.text) {
        return clip(&item.text);
    }
    let mut d = format!("(a blank item on line {} of the {whose}", item.line);
    if let Some(s) = item.section {
        d.push_str(&format!(", under \"{}\"", clip(&c.sections[s].heading)));
    }
    d.push(')');
    d
}

fn validate(template: &Checklist, settings: &Settings) -> Result<(), ConfigError> {
    if let Some(line) = template.unclosed_ignore {
        return Err(ConfigError::UnclosedIgnore { line });
    }
    let headings: HashSet<String> = template
        .sections
        .iter()
        .map(|s| heading_key(&s.heading))
        .collect();
    for r in &settings.section_rules {
        if !headings.contains(&r.key) {
            return Err(ConfigError::UnknownSection {
                heading: r.heading.clone(),
                template_headings: template
                    .sections
                    .iter()
                    .map(|s| s.heading.clone())
                    .collect(),
            });
        }
    }
    for (flag, patterns) in [
        ("--required", &settings.required),
        ("--optional", &settings.optional),
    ] {
        for p in patterns {
            if !template.items.iter().any(|i| p.is_match(&i.text)) {
                return Err(ConfigError::PatternMatchesNothing {
                    flag,
                    pattern: p.as_str().to_owned(),
                });
            }
        }
    }
    Ok(())
}

fn entries_of<'a>(c: &Checklist, sections: &Sections, keys: &'a [String]) -> Vec<Entry<'a>> {
    c.items
        .iter()
        .zip(keys)
        .map(|(i, key)| Entry {
            key: key.as_str(),
            section: i.section.map(|x| sections.path[x]),
        })
        .collect()
}

/// Decides.
pub fn evaluate(facts: &Facts<'_>, settings: &Settings) -> Result<Outcome, ConfigError> {
    let na = settings.na_marker.as_str();
    let template = settings.template.as_deref().map(|t| parse_checklist(t, na));
    if let Some(t) = &template {
        validate(t, settings)?;
    }
    if let Some(author) = facts.author.filter(|a| {
        settings
            .skip_authors
            .iter()
            .any(|s| s.eq_ignore_ascii_case(a))
    }) {
        return Ok(Outcome {
            verdict: Verdict::Pass,
            reasons: vec![format!(
                "skipped: the pull request is by {}, one of --skip-authors",
                clip(author)
            )],
            skipped_author: Some(author.to_owned()),
            ..Outcome::new(Verdict::Pass)
        });
    }
    let body_text = facts.body.unwrap_or("");
    let body = parse_checklist(body_text, na);
    let mut paths = HashMap::new();
    let rules = &settings.section_rules;
    let body_sections = Sections::new(&body, rules, &mut paths);
    let body_keys: Vec<String> = body.items.iter().map(|i| item_key(i, na)).collect();

    let mut o = Outcome {
        sections: body
            .sections
            .iter()
            .map(|s| SectionReport {
                heading: clip(&s.heading),
                level: s.level,
                parent: s.parent,
                line: s.line,
            })
            .collect(),
        ..Outcome::new(Verdict::Pass)
    };
    let mut required = vec![false; body.items.len()];
    let mut choices = Choices::default();
    // Whether an empty description fails.
    let mut anything_required = settings.require_checklist
        || !settings.require_patterns.is_empty()
        || !settings.required.is_empty();

    match &template {
        Some(t) => {
            let t_sections = Sections::new(t, rules, &mut paths);
            let t_keys: Vec<String> = t.items.iter().map(|i| item_key(i, na)).collect();
            let t_entries = entries_of(t, &t_sections, &t_keys);
            let d_entries = entries_of(&body, &body_sections, &body_keys);
            let m = match_items(&t_entries, &d_entries);
            choices.add_carriers(t, &t_sections, rules);
            let mut removed: Vec<usize> = Vec::new();
            let mut copies_of: HashSet<&str> = HashSet::new();
            for (ti, item) in t.items.iter().enumerate() {
                let matched = m.of_template[ti];
                let want = wanted(settings, &item.text);
                if let Some(d) = matched {
                    required[d] = want;
                }
                match t_sections.choice_of(item, rules) {
                    Some((r, id)) => {
                        anything_required = true;
                        choices
                            .group(r, id, carrier_heading(t, &t_sections, item))
                            .extend(matched);
                    }
                    None if want => {
                        anything_required = true;
                        copies_of.insert(t_keys[ti].as_str());
                        match matched {
                            None => removed.push(ti),
                            Some(d) if !answered(&body.items[d]) => o
                                .unchecked_required
                                .push(describe(&body.items[d], &body, "description")),
                            Some(_) => {}
                        }
                    }
                    None => {}
                }
            }
            for (d, item) in body.items.iter().enumerate() {
                if m.of_description[d].is_some() {
                    continue;
                }
                if let Some((r, id)) = body_sections.choice_of(item, rules) {
                    choices
                        .group(r, id, carrier_heading(&body, &body_sections, item))
                        .push(d);
                } else if copies_of.contains(body_keys[d].as_str()) {
                    // Another copy of a required item: a ticked copy cannot
                    // hide an unticked one.
                    required[d] = true;
                    if !answered(item) {
                        o.unchecked_required.push(format!(
                            "{} (line {}, another copy of a template item)",
                            describe(item, &body, "description"),
                            item.line
                        ));
                    }
                }
            }
            let left: Vec<usize> = (0..body.items.len())
                .filter(|d| m.of_description[*d].is_none() && !required[*d])
                .collect();
            let missing: Vec<&str> = removed.iter().map(|ti| t_keys[*ti].as_str()).collect();
            let candidates: Vec<&str> = left.iter().map(|d| body_keys[*d].as_str()).collect();
            let near = if body.items.is_empty() {
                vec![None; missing.len()]
            } else {
                closest(&missing, &candidates)
            };
            for (ti, near) in removed.iter().zip(near) {
                let mut r = describe(&t.items[*ti], t, "template");
                if let Some(d) = near.map(|i| &body.items[left[i]]) {
                    r.push_str(&format!(
                        " (edited? closest: \"{}\", line {})",
                        clip(&d.text),
                        d.line
                    ));
                }
                o.removed.push(r);
            }
        }
        None => {
            choices.add_carriers(&body, &body_sections, rules);
            for (d, item) in body.items.iter().enumerate() {
                match body_sections.choice_of(item, rules) {
                    Some((r, id)) => choices
                        .group(r, id, carrier_heading(&body, &body_sections, item))
                        .push(d),
                    None if wanted(settings, &item.text) => {
                        required[d] = true;
                        if !answered(item) {
                            o.unchecked_required
                                .push(describe(item, &body, "description"));
                        }
                    }
                    None => {}
                }
            }
            for p in &settings.required {
                if !body.items.iter().any(|i| p.is_match(&i.text)) {
                    o.removed.push(format!(
                        "(an item matching --required {})",
                        clip(p.as_str())
                    ));
                }
            }
            // A choice rule whose heading the description lacks: nothing
            // chosen.
            for (r, spec) in rules.iter().enumerate() {
                if spec.rule.is_choice() && !choices.groups.iter().any(|(g, ..)| *g == r) {
                    choices.groups.push((r, clip(&spec.heading), Vec::new()));
                }
            }
            anything_required |= rules.iter().any(|r| r.rule.is_choice());
        }
    }

    let mut section_reasons = Vec::new();
    for (r, name, members) in choices.groups {
        let spec = &rules[r];
        match spec.rule {
            SectionRule::All => {}
            SectionRule::AtLeastOne => {
                if !members.iter().any(|d| answered(&body.items[*d])) {
                    section_reasons.push(format!("tick at least one item under \"{name}\""));
                    o.unanswered_sections.push(name);
                }
            }
            SectionRule::ExactlyOne => {
                let ticked: Vec<&Item> = members
                    .iter()
                    .map(|d| &body.items[*d])
                    .filter(|i| i.checked)
                    .collect();
                match ticked.len() {
                    0 => {
                        section_reasons.push(format!("tick exactly one item under \"{name}\""));
                        o.unanswered_sections.push(name);
                    }
                    1 => {}
                    n => {
                        let named: Vec<String> = ticked
                            .iter()
                            .take(5)
                            .map(|i| describe(i, &body, "description"))
                            .collect();
                        section_reasons.push(format!(
                            "tick only one item under \"{name}\": {n} are ticked ({})",
                            named.join("; ")
                        ));
                        o.overanswered_sections.push(name);
                    }
                }
            }
        }
    }
    if !settings.require_patterns.is_empty() {
        let visible = visible_text(body_text);
        for p in &settings.require_patterns {
            if !p.is_match(&visible) {
                o.missing_patterns.push(clip(p.as_str()));
            }
        }
    }
    o.no_checklist = settings.require_checklist && body.items.is_empty();
    o.items = body
        .items
        .iter()
        .zip(&required)
        .map(|(b, req)| ItemReport {
            text: clip(&b.text),
            checked: b.checked,
            required: *req,
            not_applicable: b.not_applicable,
            section: b.section,
            line: b.line,
        })
        .collect();

    if body_text.trim().is_empty() {
        o.empty_body = true;
        let (verdict, reason) = if anything_required {
            (
                Verdict::Fail,
                "the pull request description is empty: the pull request template was not used; fill in its checklist",
            )
        } else {
            (
                Verdict::Warn,
                "the pull request description is empty and no checklist is required",
            )
        };
        o.verdict = verdict;
        o.reasons = vec![reason.to_owned()];
        o.other_reasons = o.reasons.clone();
        return Ok(o);
    }

    let mut other = section_reasons;
    for p in &o.missing_patterns {
        other.push(format!(
            "the description has no match for --require-pattern {p}"
        ));
    }
    if o.no_checklist {
        other.push(
            "the description has no checkbox, and --require-checklist wants a checklist".to_owned(),
        );
    }
    let mut reasons = Vec::new();
    for t in &o.removed {
        reasons.push(format!("required item removed from the description: {t}"));
    }
    for t in &o.unchecked_required {
        reasons.push(format!("required item not checked: {t}"));
    }
    reasons.extend(other.iter().cloned());
    o.other_reasons = other;
    o.verdict = if reasons.is_empty() {
        let n = required.iter().filter(|r| **r).count();
        let choices = rules.iter().filter(|r| r.rule.is_choice()).count();
        reasons.push(match (n, choices) {
            (0, 0) => "no checklist item is required".to_owned(),
            (n, 0) => format!("all {n} required items are answered"),
            (n, c) => format!(
                "all {n} required items are answered, and each of the {c} section rules holds"
            ),
        });
        Verdict::Pass
    } else {
        Verdict::Fail
    };
    o.reasons = reasons;
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        Settings::default()
    }

    fn body(md: &str) -> Facts<'_> {
        Facts {
            body: Some(md),
            author: None,
        }
    }

    fn eval(md: &str, s: &Settings) -> Outcome {
        evaluate(&body(md), s).unwrap()
    }

    fn rule(spec: &str) -> SectionRuleSpec {
        parse_section_rule(spec).unwrap()
    }

    const TEMPLATE: &str = "## User flows tested\n\n- [ ] Checkout\n- [ ] Refund\n\n## Safety\n\n- [ ] New features sit behind a **feature flag**\n- [ ] Tests cover the change\n";

    fn with_template() -> Settings {
        Settings {
            template: Some(TEMPLATE.into()),
            section_rules: vec![rule("user flows tested=at-least-one")],
            ..settings()
        }
    }

    fn template(t: &str) -> Settings {
        Settings {
            template: Some(t.into()),
            ..settings()
        }
    }

    #[test]
    fn by_default_every_checkbox_is_required() {
        let o = eval("- [x] a\n- [ ] b\n", &settings());
        assert_eq!(o.verdict, Verdict::Fail);
        assert_eq!(o.unchecked_required, vec!["b"]);
        let o = eval("- [x] a\n- [X] b\n", &settings());
        assert_eq!(o.verdict, Verdict::Pass);
        assert_eq!(o.reasons, vec!["all 2 required items are answered"]);
    }

    #[test]
    fn template_items_must_be_present_and_checked() {
        let md = "## User flows tested\n- [x] Checkout\n- [ ] Refund\n## Safety\n- [x] new features sit behind a feature   flag\n- [x] _Tests_ cover the `change`\n- [ ] my own extra item\n";
        let o = eval(md, &with_template());
        assert_eq!(o.verdict, Verdict::Pass, "{:?}", o.reasons);
        assert!(!o.items[4].required);
        assert!(o.items[2].required);
    }

    // Regression (#13.11): a missing item's message now names the closest item, not only "removed".
    #[test]
    fn deleting_a_required_item_fails_and_names_the_closest() {
        let md = "## User flows tested\n- [x] Checkout\n## Safety\n- [x] Tests cover the change\n- [x] New features behind a flag\n";
        let o = eval(md, &with_template());
        assert_eq!(o.verdict, Verdict::Fail);
        assert_eq!(
            o.removed,
            vec![
                "New features sit behind a feature flag (edited? closest: \"New features behind a flag\", line 5)"
            ]
        );
        assert_eq!(o.open_count(), 1);
    }

    // Regression (#13.7): deleting from an `at-least-one` section went unreported though the README
    // said it fails; the rule is now that options may go once one is ticked.
    #[test]
    fn choice_sections_may_drop_options_but_must_choose() {
        let md = "## User flows tested\n- [ ] Checkout\n- [ ] Refund\n## Safety\n- [x] New features sit behind a feature flag\n- [x] Tests cover the change\n";
        let o = eval(md, &with_template());
        assert_eq!(o.verdict, Verdict::Fail);
        assert_eq!(o.unanswered_sections, vec!["User flows tested"]);
        assert_eq!(
            o.reasons,
            vec!["tick at least one item under \"User flows tested\""]
        );
        // The untested flow may be deleted once one is ticked.
        let md = "## user flows TESTED\n- [x] Refund\n## Safety\n- [x] New features sit behind a feature flag\n- [x] Tests cover the change\n";
        let o = eval(md, &with_template());
        assert_eq!(o.verdict, Verdict::Pass, "{:?}", o.reasons);
        assert!(o.removed.is_empty());
        // Deleting every option is no choice.
        let md = "## Safety\n- [x] New features sit behind a feature flag\n- [x] Tests cover the change\n";
        let o = eval(md, &with_template());
        assert_eq!(o.unanswered_sections, vec!["User flows tested"]);
        // An option the author added under the heading counts.
        let md = "## User flows tested\n- [x] Password reset\n## Safety\n- [x] New features sit behind a feature flag\n- [x] Tests cover the change\n";
        assert_eq!(eval(md, &with_template()).verdict, Verdict::Pass);
        // In an `all` section deletion fails.
        let s = Settings {
            section_rules: Vec::new(),
            ..with_template()
        };
        let md = "## User flows tested\n- [x] Refund\n## Safety\n- [x] New features sit behind a feature flag\n- [x] Tests cover the change\n";
        assert_eq!(eval(md, &s).removed, vec!["Checkout"]);
    }

    // Regression (#13.2 for sections, review 2483bf8): one tick answered a heading repeated under
    // two parents.
    #[test]
    fn a_repeated_heading_is_one_choice_per_place() {
        let s = Settings {
            template: Some(
                "## Web\n### Testing\n- [ ] Chrome\n- [ ] Firefox\n## Mobile\n### Testing\n- [ ] iOS\n- [ ] Android\n"
                    .into(),
            ),
            section_rules: vec![rule("Testing=at-least-one")],
            ..settings()
        };
        let o = eval(
            "## Web\n### Testing\n- [x] Chrome\n- [ ] Firefox\n## Mobile\n### Testing\n- [ ] iOS\n",
            &s,
        );
        assert_eq!(o.unanswered_sections, vec!["Testing"]);
        assert_eq!(o.reasons, vec!["tick at least one item under \"Testing\""]);
        let o = eval(
            "## Web\n### Testing\n- [x] Chrome\n## Mobile\n### Testing\n- [x] Android\n",
            &s,
        );
        assert_eq!(o.verdict, Verdict::Pass, "{:?}", o.reasons);
        // Without a template, the description's own headings group.
        let s = Settings {
            template: None,
            ..s
        };
        let o = eval(
            "## Web\n### Testing\n- [x] Chrome\n## Mobile\n### Testing\n- [ ] iOS\n",
            &s,
        );
        assert_eq!(o.unanswered_sections, vec!["Testing"]);
        // And a rule whose heading it lacks is nothing chosen.
        let o = eval("- [x] a\n", &s);
        assert_eq!(o.unanswered_sections, vec!["Testing"]);
    }

    // issue 13 item 17.
    #[test]
    fn exactly_one() {
        let s = Settings {
            template: Some(
                "## Type of change\n- [ ] Bug fix\n- [ ] New feature\n- [ ] Breaking change\n## Checks\n- [ ] Tests\n"
                    .into(),
            ),
            section_rules: vec![rule("Type of change=exactly-one")],
            ..settings()
        };
        let with = |types: &str| format!("## Type of change\n{types}## Checks\n- [x] Tests\n");
        let o = eval(&with("- [ ] Bug fix\n- [x] New feature\n"), &s);
        assert_eq!(o.verdict, Verdict::Pass, "{:?}", o.reasons);
        let o = eval(&with("- [ ] Bug fix\n- [ ] New feature\n"), &s);
        assert_eq!(
            o.reasons,
            vec!["tick exactly one item under \"Type of change\""]
        );
        let o = eval(
            &with("- [x] Bug fix\n- [x] New feature\n- [ ] Breaking change\n"),
            &s,
        );
        assert_eq!(o.verdict, Verdict::Fail);
        assert_eq!(
            o.reasons,
            vec![
                "tick only one item under \"Type of change\": 2 are ticked (Bug fix; New feature)"
            ]
        );
        assert_eq!(o.overanswered_sections, vec!["Type of change"]);
        // N/A is not a choice.
        let o = eval(&with("- [ ] Bug fix N/A\n"), &s);
        assert_eq!(o.unanswered_sections, vec!["Type of change"]);
    }

    // Regression (#13.2, real templates): a repeated template item (`## Web`/`## Mobile` "Tested")
    // was matched many-to-one, a false pass.
    #[test]
    fn repeated_template_items_match_one_to_one() {
        let s = template("## Web\n- [ ] Tested\n## Mobile\n- [ ] Tested\n");
        // One ticked "Tested" answers one section only.
        let o = eval("## Web\n- [x] Tested\n", &s);
        assert_eq!(o.verdict, Verdict::Fail);
        assert_eq!(o.removed, vec!["Tested"]);
        // Both present, one ticked: exactly one unanswered.
        let o = eval("## Web\n- [x] Tested\n## Mobile\n- [ ] Tested\n", &s);
        assert_eq!(o.unchecked_required, vec!["Tested"]);
        assert_eq!(o.open_count(), 1);
        assert_eq!(o.items[1].line, 4);
        // Headings renamed: matched by text, in order.
        let o = eval("## Website\n- [x] Tested\n## App\n- [x] Tested\n", &s);
        assert_eq!(o.verdict, Verdict::Pass, "{:?}", o.reasons);
        // Sections swapped in the description: matched by section.
        let o = eval("## Mobile\n- [ ] Tested\n## Web\n- [x] Tested\n", &s);
        assert_eq!(o.open_count(), 1);
    }

    // Regression (#13.2 and review 2483bf8): one ticked "Tested" answered every copy, a false pass.
    #[test]
    fn a_checked_copy_cannot_hide_an_unchecked_item() {
        let s = template("- [ ] Tests cover the change\n");
        let o = eval(
            "- [x] Tests cover the change\n- [ ] Tests cover the change\n",
            &s,
        );
        assert_eq!(o.verdict, Verdict::Fail);
        assert_eq!(
            o.unchecked_required,
            vec!["Tests cover the change (line 2, another copy of a template item)"]
        );
        // The form GitHub renders no box for does not count as checked.
        let o = eval(
            "- - [x] Tests cover the change\n- [ ] Tests cover the change\n",
            &s,
        );
        assert_eq!(o.verdict, Verdict::Fail);
    }

    #[test]
    fn not_applicable_answers_an_item() {
        let md = "## User flows tested\n- [x] Checkout\n## Safety\n- [ ] ~~New features sit behind a feature flag~~\n- [ ] Tests cover the change N/A\n";
        let o = eval(md, &with_template());
        assert_eq!(o.verdict, Verdict::Pass, "{:?}", o.reasons);
        assert!(o.items[1].not_applicable && o.items[2].not_applicable);
    }

    // issue 13 item 14: `~~item~~ reason`, ticked or not.
    #[test]
    fn a_struck_label_with_a_reason_is_not_applicable() {
        let s = template("- [ ] Feature flag\n- [ ] Migration tested\n");
        let o = eval(
            "- [x] ~~Feature flag~~ nothing to flag\n- [ ] ~~Migration tested~~: no migration\n",
            &s,
        );
        assert_eq!(o.verdict, Verdict::Pass, "{:?}", o.reasons);
        assert!(o.items.iter().all(|i| i.not_applicable && i.required));
    }

    // Regression (#13.11, real PR descriptions): a zero-width space, a filled placeholder (`Fixes
    // #123`) or `N/A` gave a false "removed".
    #[test]
    fn kept_items_are_not_reported_removed() {
        let s = template(
            "- [ ] Fixes #\n- [ ] Tested on:\n- [ ] Docs updated\n- [ ] Screenshots attached\n",
        );
        let o = eval(
            "- [x] Fixes #123\n- [x] Tested on: Firefox 128\n- [ ] N/A Docs updated\n- [x] Screenshots\u{200B} attached\n",
            &s,
        );
        assert_eq!(o.verdict, Verdict::Pass, "{:?}", o.reasons);
        // "Test" is not "Tested": extension stops at a word boundary.
        let s = template("- [ ] Test\n");
        let o = eval("- [x] Tested\n", &s);
        assert_eq!(
            o.removed,
            vec!["Test (edited? closest: \"Tested\", line 1)"]
        );
    }

    // Regression (#13.12): a blank item was reported as `required item not checked: ` with nothing
    // after it.
    #[test]
    fn blank_items_are_named_by_line_and_section() {
        let o = eval("## Testing\n\n- [ ] \n", &settings());
        assert_eq!(
            o.reasons,
            vec![
                "required item not checked: (a blank item on line 3 of the description, under \"Testing\")"
            ]
        );
        let o = eval("- [x] a\n", &template("## QA\n- [ ] \n"));
        assert_eq!(
            o.removed,
            vec!["(a blank item on line 2 of the template, under \"QA\")"]
        );
    }

    // Regression (#13.13): a `--section-rule` heading or `--required`/`--optional` pattern the
    // template lacks was silently ignored.
    #[test]
    fn rules_the_template_cannot_apply_are_errors() {
        let s = Settings {
            section_rules: vec![rule("Flows=at-least-one")],
            ..with_template()
        };
        let e = evaluate(&body("x"), &s).unwrap_err();
        assert_eq!(
            e.to_string(),
            "--section-rule \"Flows\": the template has no such heading; its headings are \"User flows tested\", \"Safety\""
        );
        let s = Settings {
            required: vec![Regex::new("(?i)migration").unwrap()],
            ..with_template()
        };
        let e = evaluate(&body("x"), &s).unwrap_err();
        assert!(
            e.to_string().starts_with(
                "--required \"(?i)migration\": matches no checklist item in the template"
            ),
            "{e}"
        );
        let s = Settings {
            optional: vec![Regex::new("Screenshots").unwrap()],
            ..with_template()
        };
        assert!(matches!(
            evaluate(&body("x"), &s),
            Err(ConfigError::PatternMatchesNothing {
                flag: "--optional",
                ..
            })
        ));
        // Without a template the description may have any headings.
        let s = Settings {
            section_rules: vec![rule("Flows=all")],
            ..settings()
        };
        assert!(evaluate(&body("- [x] a\n"), &s).is_ok());
    }

    // Regression (#13.13, real templates): a heading's leading emoji or a sub-heading stopped a
    // section rule from matching.
    #[test]
    fn headings_match_past_emoji_punctuation_and_sub_headings() {
        let s = Settings {
            template: Some(
                "## ✅ Type of change:\n### Frontend\n- [ ] UI\n### Backend\n- [ ] API\n## Checks\n- [ ] Tests\n"
                    .into(),
            ),
            section_rules: vec![rule("type of change=exactly-one")],
            ..settings()
        };
        let o = eval(
            "## ✅ Type of change:\n### Frontend\n- [x] UI\n### Backend\n- [ ] API\n## Checks\n- [x] Tests\n",
            &s,
        );
        assert_eq!(o.verdict, Verdict::Pass, "{:?}", o.reasons);
        let o = eval(
            "## ✅ Type of change:\n### Frontend\n- [x] UI\n### Backend\n- [x] API\n## Checks\n- [x] Tests\n",
            &s,
        );
        assert_eq!(o.overanswered_sections, vec!["✅ Type of change:"]);
        assert_eq!(heading_key("🚀 **Release notes** 🚀"), "release notes");
    }

    // issue 13 item 15.
    #[test]
    fn bots_are_skipped() {
        let facts = Facts {
            body: Some("- [ ] unticked\n"),
            author: Some("Dependabot[bot]"),
        };
        let o = evaluate(&facts, &with_template()).unwrap();
        assert_eq!(o.verdict, Verdict::Pass);
        assert_eq!(o.skipped_author.as_deref(), Some("Dependabot[bot]"));
        assert_eq!(
            o.reasons,
            vec!["skipped: the pull request is by Dependabot[bot], one of --skip-authors"]
        );
        let facts = Facts {
            author: Some("octocat"),
            ..facts
        };
        assert_eq!(
            evaluate(&facts, &settings()).unwrap().verdict,
            Verdict::Fail
        );
        let none = Settings {
            skip_authors: Vec::new(),
            ..settings()
        };
        let facts = Facts {
            author: Some("renovate[bot]"),
            ..facts
        };
        assert_eq!(evaluate(&facts, &none).unwrap().verdict, Verdict::Fail);
        // A template the settings cannot apply is an error even for a bot.
        let bad = Settings {
            section_rules: vec![rule("Nope=all")],
            ..with_template()
        };
        assert!(evaluate(&facts, &bad).is_err());
    }

    // issue 13 item 16.
    #[test]
    fn require_checklist() {
        let s = Settings {
            require_checklist: true,
            ..settings()
        };
        let o = eval("Just prose.\n\n```\n- [ ] in code\n```\n", &s);
        assert_eq!(o.verdict, Verdict::Fail);
        assert!(o.no_checklist);
        assert_eq!(
            o.reasons,
            vec!["the description has no checkbox, and --require-checklist wants a checklist"]
        );
        assert_eq!(o.open_count(), 1);
        assert_eq!(eval("- [x] done\n", &s).verdict, Verdict::Pass);
        assert_eq!(eval("Just prose.\n", &settings()).verdict, Verdict::Pass);
        assert_eq!(eval("", &s).verdict, Verdict::Fail);
    }

    // issue 13 item 18.
    #[test]
    fn require_pattern() {
        let s = Settings {
            require_patterns: vec![Regex::new(r"https://app\.clickup\.com/t/\w+").unwrap()],
            ..settings()
        };
        let o = eval("Closes [the task](https://app.clickup.com/t/86abc)\n", &s);
        assert_eq!(o.verdict, Verdict::Pass, "{:?}", o.reasons);
        // The template's example in a comment is no match.
        let o = eval(
            "<!-- Link the task, e.g. https://app.clickup.com/t/123 -->\n- [x] done\n",
            &s,
        );
        assert_eq!(o.verdict, Verdict::Fail);
        assert_eq!(
            o.reasons,
            vec![
                r"the description has no match for --require-pattern https://app\.clickup\.com/t/\w+"
            ]
        );
        assert_eq!(o.missing_patterns.len(), 1);
        let s = Settings {
            require_patterns: vec![Regex::new(r"\b[A-Z]+-\d+\b").unwrap()],
            ..settings()
        };
        assert_eq!(eval("Fixes PROJ-42.\n", &s).verdict, Verdict::Pass);
    }

    // issue 13 item 19.
    #[test]
    fn ignored_regions_in_template_and_description() {
        let s = template(
            "- [ ] Tests\n<!-- trunkline:ignore -->\n## Reviewer notes\n- [ ] Reviewer ran it locally\n<!-- /trunkline:ignore -->\n- [ ] Docs\n",
        );
        let o = eval(
            "- [x] Tests\n- [x] Docs\n<!-- trunkline:ignore -->\n- [ ] scratch note\n<!-- /trunkline:ignore -->\n",
            &s,
        );
        assert_eq!(o.verdict, Verdict::Pass, "{:?}", o.reasons);
        assert_eq!(o.items.len(), 2);
        // Hiding a required item in an ignored region removes it.
        let o = eval(
            "- [x] Tests\n<!-- trunkline:ignore -->\n- [ ] Docs\n<!-- /trunkline:ignore -->\n",
            &s,
        );
        assert_eq!(o.removed, vec!["Docs"]);
        let bad = template("- [ ] a\n<!-- trunkline:ignore -->\n- [ ] b\n");
        assert_eq!(
            evaluate(&body("- [x] a\n"), &bad).unwrap_err(),
            ConfigError::UnclosedIgnore { line: 2 }
        );
    }

    // Regression (#13.1, real PR descriptions): a tab-indented template item silently stopped being
    // required.
    #[test]
    fn tab_indented_template_items_are_required() {
        for bullet in ["-", "*", "+", "1."] {
            let s = template(&format!("{bullet} [ ] Parent\n\t{bullet} [ ] Child\n"));
            let o = eval(&format!("{bullet} [x] Parent\n\t{bullet} [ ] Child\n"), &s);
            assert_eq!(o.unchecked_required, vec!["Child"], "{bullet}");
            let o = eval(&format!("{bullet} [x] Parent\n"), &s);
            assert_eq!(o.removed, vec!["Child"], "{bullet}");
        }
    }

    // Regression (#13.3, real PR descriptions): a nested table gave `Browsers testedBrowserOK` and
    // a false "removed".
    #[test]
    fn a_table_under_an_item_is_not_its_text() {
        let s = template("- [ ] Browsers tested\n");
        let o = eval(
            "- [x] Browsers tested\n\n  | Browser | OK |\n  |---|---|\n  | Firefox | yes |\n",
            &s,
        );
        assert_eq!(o.verdict, Verdict::Pass, "{:?}", o.reasons);
        assert_eq!(o.items[0].text, "Browsers tested");
    }

    // Regression (review 2483bf8): a custom marker against text whose case folding changes byte
    // length (the Kelvin sign) panicked.
    #[test]
    fn a_custom_marker_with_special_case_letters_does_not_panic() {
        let s = Settings {
            template: Some("- [ ] Docs\n".into()),
            na_marker: "skip".into(),
            ..settings()
        };
        let o = eval("- [ ] Docs s\u{212A}ip\n", &s);
        assert_eq!(o.verdict, Verdict::Pass, "{:?}", o.reasons);
    }

    #[test]
    fn required_and_optional_patterns() {
        let s = Settings {
            required: vec![Regex::new("(?i)flag").unwrap()],
            ..settings()
        };
        assert_eq!(
            eval("- [x] feature flag\n- [ ] docs\n", &s).verdict,
            Verdict::Pass
        );
        // Without a template, a --required pattern no item matches fails.
        let o = eval("- [x] docs\n", &s);
        assert_eq!(o.removed, vec!["(an item matching --required (?i)flag)"]);
        let s = Settings {
            optional: vec![Regex::new("^Optional:").unwrap()],
            ..settings()
        };
        assert_eq!(
            eval("- [x] a\n- [ ] Optional: screenshots\n", &s).verdict,
            Verdict::Pass
        );
    }

    #[test]
    fn null_and_empty_bodies() {
        let o = evaluate(&Facts::default(), &with_template()).unwrap();
        assert_eq!(o.verdict, Verdict::Fail);
        assert!(o.reasons[0].contains("template was not used"));
        assert_eq!(o.removed.len(), 2);
        assert_eq!(o.unanswered_sections, vec!["User flows tested"]);
        assert_eq!(eval("  \n", &with_template()).verdict, Verdict::Fail);
        assert_eq!(
            evaluate(&Facts::default(), &settings()).unwrap().verdict,
            Verdict::Warn
        );
    }

    // Regression (#13.10): echoed item text was unbounded (a 64 KB description printed 134 MB of
    // JSON).
    #[test]
    fn echoed_text_is_clipped() {
        let long = "x".repeat(5000);
        let o = eval(&format!("## {long}\n- [ ] {long}\n"), &settings());
        assert_eq!(o.items[0].text.chars().count(), ECHO_CHARS);
        assert!(o.items[0].text.ends_with('…'));
        assert_eq!(o.sections[0].heading.chars().count(), ECHO_CHARS);
        assert!(o.reasons[0].chars().count() < 300);
        assert_eq!(clip("short"), "short");
        assert_eq!(clip(&"é".repeat(201)).chars().count(), ECHO_CHARS);
        assert_eq!(clip(&"é".repeat(200)), "é".repeat(200));
    }

    // Regression (#13.9): template matching was quadratic; 50,000 items never finished.
    #[test]
    fn fifty_thousand_items_match() {
        let items: String = (0..50_000)
            .map(|i| format!("- [ ] item number {i}\n"))
            .collect();
        let s = template(&items);
        let o = eval(&items.replace("[ ]", "[x]"), &s);
        assert_eq!(o.verdict, Verdict::Pass);
        assert_eq!(o.reasons, vec!["all 50000 required items are answered"]);
    }

    #[test]
    fn section_rule_parsing() {
        assert_eq!(
            parse_section_rule("User flows tested=at-least-one").unwrap(),
            SectionRuleSpec {
                heading: "User flows tested".into(),
                key: "user flows tested".into(),
                rule: SectionRule::AtLeastOne
            }
        );
        assert_eq!(
            parse_section_rule("Type=exactly-one").unwrap().rule,
            SectionRule::ExactlyOne
        );
        assert!(parse_section_rule("x").is_err());
        assert!(parse_section_rule("x=some").is_err());
        assert!(parse_section_rule("=all").is_err());
        assert!(parse_section_rule("🚀=all").is_err());
    }

    #[test]
    fn normalisation() {
        assert_eq!(
            normalize("  Tests **cover**\n the `change` N/A", "N/A"),
            "tests cover the change"
        );
        assert_eq!(normalize("N/A - Docs", "N/A"), "docs");
        assert_eq!(normalize("Zero\u{200B}width", "N/A"), "zerowidth");
        assert_eq!(
            normalize("Fixes\u{200B} #1 \u{FEFF} x", "N/A"),
            "fixes #1 x"
        );
    }
}
