//! Which items are required, and whether the body answers them. Pure.

use gate_runtime::Verdict;
use regex::Regex;
use serde::Serialize;

use crate::parse::{Item, marker_start, parse_checklist};

/// How a section's items must be answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SectionRule {
    /// Every required item.
    All,
    /// At least one item.
    AtLeastOne,
}

/// Parses `HEADING=RULE`.
pub fn parse_section_rule(spec: &str) -> Result<(String, SectionRule), String> {
    let (heading, rule) = spec.rsplit_once('=').ok_or_else(|| {
        format!("--section-rule {spec:?}: write it as HEADING=all or HEADING=at-least-one")
    })?;
    let rule = match rule.trim().to_ascii_lowercase().as_str() {
        "all" => SectionRule::All,
        "at-least-one" | "at_least_one" | "any" => SectionRule::AtLeastOne,
        other => {
            return Err(format!(
                "--section-rule {spec:?}: unknown rule {other:?}; use all or at-least-one"
            ));
        }
    };
    if heading.trim().is_empty() {
        return Err(format!("--section-rule {spec:?}: the heading is empty"));
    }
    Ok((normalize(heading, ""), rule))
}

/// The settings.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The template's text, when it defines the required items.
    pub template: Option<String>,
    pub required: Vec<Regex>,
    pub optional: Vec<Regex>,
    pub section_rules: Vec<(String, SectionRule)>,
    pub na_marker: String,
}

/// Text for matching: case folded, whitespace collapsed, the N/A marker and
/// any Markdown marks left in plain text removed.
pub fn normalize(text: &str, na_marker: &str) -> String {
    let mut t = text.trim().to_string();
    if let Some(start) = marker_start(&t, na_marker) {
        t.truncate(start);
    }
    let stripped: String = t
        .chars()
        .filter(|c| !matches!(c, '*' | '_' | '`' | '~'))
        .collect();
    stripped
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .trim_end_matches([' ', '-', '–', '—', ':', '('])
        .to_lowercase()
}

/// One item as reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemReport {
    pub text: String,
    pub checked: bool,
    pub required: bool,
    pub not_applicable: bool,
    pub section: Option<String>,
    pub line: usize,
}

/// The decision.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub verdict: Verdict,
    pub reasons: Vec<String>,
    pub items: Vec<ItemReport>,
    pub unchecked_required: Vec<String>,
    pub removed: Vec<String>,
    pub unanswered_sections: Vec<String>,
    pub empty_body: bool,
}

impl Outcome {
    /// Items still to answer: unchecked, removed, and sections with none.
    pub fn open_count(&self) -> usize {
        self.unchecked_required.len() + self.removed.len() + self.unanswered_sections.len()
    }
}

fn section_rule(settings: &Settings, section: Option<&str>) -> SectionRule {
    let Some(section) = section else {
        return SectionRule::All;
    };
    let norm = normalize(section, "");
    settings
        .section_rules
        .iter()
        .find(|(h, _)| *h == norm)
        .map(|(_, r)| *r)
        .unwrap_or(SectionRule::All)
}

fn wanted(settings: &Settings, text: &str) -> bool {
    (settings.required.is_empty() || settings.required.iter().any(|r| r.is_match(text)))
        && !settings.optional.iter().any(|r| r.is_match(text))
}

/// A required item: its text, its section, and the body items that claim
/// to answer it (all of them must: a checked copy cannot hide an unchecked one).
type Required = (String, Option<String>, Vec<usize>);

/// Decides, given the PR body (`None` when GitHub has it as null).
pub fn evaluate(body: Option<&str>, settings: &Settings) -> Outcome {
    let na = settings.na_marker.as_str();
    let body_text = body.unwrap_or("");
    let body_items = parse_checklist(body_text, na);
    let answered = |i: &Item| i.checked || i.not_applicable;

    // The required items, as (text, section) with the body item answering
    // each, if any.
    let (required, body_required_idx): (Vec<Required>, Vec<bool>) = match &settings.template {
        Some(template) => {
            let mut used = vec![false; body_items.len()];
            let mut req = Vec::new();
            for t in parse_checklist(template, na)
                .into_iter()
                .filter(|t| wanted(settings, &t.text))
            {
                let key = normalize(&t.text, na);
                let found: Vec<usize> = body_items
                    .iter()
                    .enumerate()
                    .filter(|(_, b)| normalize(&b.text, na) == key)
                    .map(|(i, _)| i)
                    .collect();
                for i in &found {
                    used[*i] = true;
                }
                req.push((t.text, t.section, found));
            }
            (req, used)
        }
        None => {
            let flags: Vec<bool> = body_items
                .iter()
                .map(|b| wanted(settings, &b.text))
                .collect();
            let req = body_items
                .iter()
                .enumerate()
                .filter(|(i, _)| flags[*i])
                .map(|(i, b)| (b.text.clone(), b.section.clone(), vec![i]))
                .collect();
            (req, flags)
        }
    };

    let items: Vec<ItemReport> = body_items
        .iter()
        .zip(&body_required_idx)
        .map(|(b, req)| ItemReport {
            text: b.text.clone(),
            checked: b.checked,
            required: *req,
            not_applicable: b.not_applicable,
            section: b.section.clone(),
            line: b.line,
        })
        .collect();

    let empty_body = body_text.trim().is_empty();
    if empty_body {
        let anything_required = !required.is_empty() || !settings.required.is_empty();
        let (verdict, reason) = if anything_required {
            (
                Verdict::Fail,
                "the pull request description is empty: the pull request template was not used; fill in its checklist".to_owned(),
            )
        } else {
            (
                Verdict::Warn,
                "the pull request description is empty and no checklist is required".to_owned(),
            )
        };
        return Outcome {
            verdict,
            reasons: vec![reason],
            items,
            unchecked_required: Vec::new(),
            removed: required.into_iter().map(|(t, ..)| t).collect(),
            unanswered_sections: Vec::new(),
            empty_body: true,
        };
    }

    let mut unchecked = Vec::new();
    let mut removed = Vec::new();
    let mut unanswered_sections = Vec::new();
    // Sections with the at-least-one rule: satisfied when any of their items
    // (required or not) in the body is answered.
    let mut seen_sections: Vec<String> = Vec::new();
    for (text, section, found) in &required {
        match section_rule(settings, section.as_deref()) {
            SectionRule::All => {
                if found.is_empty() {
                    removed.push(text.clone());
                } else if found.iter().any(|i| !answered(&body_items[*i])) {
                    unchecked.push(text.clone());
                }
            }
            SectionRule::AtLeastOne => {
                let Some(name) = section.clone() else {
                    continue;
                };
                if seen_sections.contains(&name) {
                    continue;
                }
                seen_sections.push(name.clone());
                let norm = normalize(&name, "");
                let any = body_items.iter().any(|b| {
                    b.section
                        .as_deref()
                        .is_some_and(|s| normalize(s, "") == norm)
                        && answered(b)
                });
                if !any {
                    unanswered_sections.push(name);
                }
            }
        }
    }

    let mut reasons = Vec::new();
    for t in &removed {
        reasons.push(format!("required item removed from the description: {t}"));
    }
    for t in &unchecked {
        reasons.push(format!("required item not checked: {t}"));
    }
    for s in &unanswered_sections {
        reasons.push(format!("tick at least one item under \"{s}\""));
    }
    let verdict = if reasons.is_empty() {
        let answered_count = required.len();
        reasons.push(if answered_count == 0 {
            "no checklist item is required".to_owned()
        } else {
            format!("all {answered_count} required items are answered")
        });
        Verdict::Pass
    } else {
        Verdict::Fail
    };
    Outcome {
        verdict,
        reasons,
        items,
        unchecked_required: unchecked,
        removed,
        unanswered_sections,
        empty_body: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        Settings {
            template: None,
            required: Vec::new(),
            optional: Vec::new(),
            section_rules: Vec::new(),
            na_marker: "N/A".into(),
        }
    }

    const TEMPLATE: &str = "## User flows tested\n\n- [ ] Checkout\n- [ ] Refund\n\n## Safety\n\n- [ ] New features sit behind a **feature flag**\n- [ ] Tests cover the change\n";

    fn with_template() -> Settings {
        Settings {
            template: Some(TEMPLATE.into()),
            section_rules: vec![parse_section_rule("user flows tested=at-least-one").unwrap()],
            ..settings()
        }
    }

    #[test]
    fn by_default_every_checkbox_is_required() {
        let o = evaluate(Some("- [x] a\n- [ ] b\n"), &settings());
        assert_eq!(o.verdict, Verdict::Fail);
        assert_eq!(o.unchecked_required, vec!["b"]);
        let o = evaluate(Some("- [x] a\n- [X] b\n"), &settings());
        assert_eq!(o.verdict, Verdict::Pass);
    }

    #[test]
    fn template_items_must_be_present_and_checked() {
        let body = "## User flows tested\n- [x] Checkout\n- [ ] Refund\n## Safety\n- [x] new features sit behind a feature   flag\n- [x] _Tests_ cover the `change`\n- [ ] my own extra item\n";
        let o = evaluate(Some(body), &with_template());
        assert_eq!(o.verdict, Verdict::Pass, "{:?}", o.reasons);
        assert!(!o.items[4].required);
    }

    #[test]
    fn deleting_a_required_item_fails() {
        let body =
            "## User flows tested\n- [x] Checkout\n## Safety\n- [x] Tests cover the change\n";
        let o = evaluate(Some(body), &with_template());
        assert_eq!(o.verdict, Verdict::Fail);
        assert_eq!(o.removed, vec!["New features sit behind a feature flag"]);
    }

    #[test]
    fn at_least_one_section() {
        let body = "## User flows tested\n- [ ] Checkout\n- [ ] Refund\n## Safety\n- [x] New features sit behind a feature flag\n- [x] Tests cover the change\n";
        let o = evaluate(Some(body), &with_template());
        assert_eq!(o.verdict, Verdict::Fail);
        assert_eq!(o.unanswered_sections, vec!["User flows tested"]);
        // Deleting the untested flow is fine once one is ticked.
        let body = "## user flows TESTED\n- [x] Refund\n## Safety\n- [x] New features sit behind a feature flag\n- [x] Tests cover the change\n";
        assert_eq!(
            evaluate(Some(body), &with_template()).verdict,
            Verdict::Pass
        );
    }

    #[test]
    fn not_applicable_answers_an_item() {
        let body = "## User flows tested\n- [x] Checkout\n## Safety\n- [ ] ~~New features sit behind a feature flag~~\n- [ ] Tests cover the change N/A\n";
        let o = evaluate(Some(body), &with_template());
        assert_eq!(o.verdict, Verdict::Pass, "{:?}", o.reasons);
        assert!(o.items[1].not_applicable && o.items[2].not_applicable);
    }

    #[test]
    fn a_checked_copy_cannot_hide_an_unchecked_item() {
        let s = Settings {
            template: Some("- [ ] Tests cover the change\n".into()),
            ..settings()
        };
        let o = evaluate(
            Some("- [x] Tests cover the change\n- [ ] Tests cover the change\n"),
            &s,
        );
        assert_eq!(o.verdict, Verdict::Fail);
        // The form GitHub renders no box for does not count as checked.
        let o = evaluate(
            Some("- - [x] Tests cover the change\n- [ ] Tests cover the change\n"),
            &s,
        );
        assert_eq!(o.verdict, Verdict::Fail);
    }

    #[test]
    fn a_custom_marker_with_special_case_letters_does_not_panic() {
        let s = Settings {
            template: Some("- [ ] Docs\n".into()),
            na_marker: "skip".into(),
            ..settings()
        };
        let o = evaluate(Some("- [ ] Docs s\u{212A}ip\n"), &s);
        assert_eq!(o.verdict, Verdict::Pass, "{:?}", o.reasons);
    }

    #[test]
    fn required_and_optional_patterns() {
        let s = Settings {
            required: vec![Regex::new("(?i)flag").unwrap()],
            ..settings()
        };
        assert_eq!(
            evaluate(Some("- [x] feature flag\n- [ ] docs\n"), &s).verdict,
            Verdict::Pass
        );
        let s = Settings {
            optional: vec![Regex::new("^Optional:").unwrap()],
            ..settings()
        };
        assert_eq!(
            evaluate(Some("- [x] a\n- [ ] Optional: screenshots\n"), &s).verdict,
            Verdict::Pass
        );
    }

    #[test]
    fn null_and_empty_bodies() {
        let o = evaluate(None, &with_template());
        assert_eq!(o.verdict, Verdict::Fail);
        assert!(o.reasons[0].contains("template was not used"));
        assert_eq!(
            evaluate(Some("  \n"), &with_template()).verdict,
            Verdict::Fail
        );
        assert_eq!(evaluate(None, &settings()).verdict, Verdict::Warn);
    }

    #[test]
    fn section_rule_parsing() {
        assert_eq!(
            parse_section_rule("User flows tested=at-least-one").unwrap(),
            ("user flows tested".into(), SectionRule::AtLeastOne)
        );
        assert!(parse_section_rule("x").is_err());
        assert!(parse_section_rule("x=some").is_err());
        assert!(parse_section_rule("=all").is_err());
    }

    #[test]
    fn normalisation() {
        assert_eq!(
            normalize("  Tests **cover**\n the `change` N/A", "N/A"),
            "tests cover the change"
        );
    }
}
