//! checklist-gate: the description and the template, both Markdown from
//! the pull request's side or the base's, parsed into checkboxes and
//! matched item to item.

use checklist_gate::parse::{Checklist, parse_checklist, visible_text};
use checklist_gate::policy::{ECHO_CHARS, Facts, Settings, evaluate, parse_section_rule};

use crate::{pieces, text};

const NA: &str = "N/A";

/// The input is a description, or a template and a description separated
/// by a NUL byte. With a template, its first heading gets a section rule
/// (which one, by the input's length), so the rules' code runs too.
pub(crate) fn checklist(data: &[u8]) {
    let text = text(data);
    let parts = pieces(&text, 2);
    let (template, body) = match parts[..] {
        [t, b] => (Some(t), b),
        _ => (None, parts[0]),
    };
    let parsed = parse_checklist(body, NA);
    check(&parsed, body);
    let _ = visible_text(body);

    let mut settings = Settings {
        template: template.map(str::to_owned),
        ..Settings::default()
    };
    if let Some(t) = template {
        let parsed = parse_checklist(t, NA);
        check(&parsed, t);
        if let Some(first) = parsed.sections.first() {
            let rule = ["all", "at-least-one", "exactly-one"][data.len() % 3];
            if let Ok(spec) = parse_section_rule(&format!("{}={rule}", first.heading)) {
                settings.section_rules.push(spec);
            }
        }
    }
    let facts = Facts {
        body: Some(body),
        author: Some("octocat"),
    };
    let Ok(outcome) = evaluate(&facts, &settings) else {
        return;
    };
    assert_eq!(outcome.items.len(), parsed.items.len(), "items reported");
    assert!(
        outcome.unchecked_required.len() <= parsed.items.len() + settings_items(&settings),
        "more unchecked items than items"
    );
    for item in &outcome.items {
        assert!(
            item.text.chars().count() <= ECHO_CHARS + 1,
            "an item's text is clipped"
        );
        if let Some(s) = item.section {
            assert!(s < outcome.sections.len(), "item section in range");
        }
    }
}

fn settings_items(s: &Settings) -> usize {
    s.template
        .as_deref()
        .map_or(0, |t| parse_checklist(t, NA).items.len())
}

/// The structure's invariants: sections refer backwards, so a section's
/// path ends; items sit on lines of the document, in order.
fn check(c: &Checklist, markdown: &str) {
    // CR, LF and CRLF all end a line in CommonMark: an upper bound.
    let lines = 1 + markdown.matches(['\n', '\r']).count();
    for (i, s) in c.sections.iter().enumerate() {
        assert!((1..=6).contains(&s.level), "heading level {}", s.level);
        assert!(s.line >= 1 && s.line <= lines, "heading line {}", s.line);
        if let Some(p) = s.parent {
            assert!(p < i, "a section's parent comes before it");
            assert!(c.sections[p].level < s.level, "a parent is a higher level");
        }
    }
    let mut last = 0;
    for item in &c.items {
        assert!(
            item.line >= 1 && item.line <= lines,
            "item line {}",
            item.line
        );
        assert!(item.line >= last, "items in document order");
        last = item.line;
        if let Some(s) = item.section {
            assert!(s < c.sections.len(), "item section in range");
            assert!(c.section_path(Some(s)).count() <= c.sections.len());
        }
    }
}
