//! The gate on real pull request templates and descriptions, and on peers'
//! test cases (tests/fixtures/real, sources in its README).
//!
//! Each fixture's boxes are checked against the committed rendering of
//! GitHub's parser, `cmark-gfm` (the `.cmark-gfm.html` beside it); when
//! cmark-gfm is installed, that rendering is also checked to be current.

#![allow(clippy::unwrap_used)]

use crate::common;

use std::path::PathBuf;

use checklist_gate::parse::parse_checklist;
use checklist_gate::policy::{Facts, Settings, evaluate, parse_section_rule};
use common::{boxes, have_cmark_gfm, render};
use gate_runtime::Verdict;
use test_support::testing::run_hermetic;

const BIN: &str = env!("CARGO_BIN_EXE_checklist-gate");

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/real")
}

fn read(name: &str) -> String {
    std::fs::read_to_string(dir().join(name)).unwrap()
}

fn fixtures() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".md") && n != "README.md")
        .collect();
    names.sort();
    names
}

#[test]
fn every_fixture_has_the_boxes_github_renders() {
    let names = fixtures();
    assert_eq!(names.len(), 12);
    for name in names {
        let md = read(&name);
        let html = read(&name.replace(".md", ".cmark-gfm.html"));
        let ours: Vec<(usize, bool)> = parse_checklist(&md, "N/A")
            .items
            .iter()
            .map(|i| (i.line, i.checked))
            .collect();
        assert_eq!(ours, boxes(&html), "{name}");
    }
}

#[test]
fn the_committed_renderings_are_current() {
    if !have_cmark_gfm() {
        return;
    }
    for name in fixtures() {
        let html = read(&name.replace(".md", ".cmark-gfm.html"));
        assert_eq!(render(&read(&name)), html, "{name}");
    }
}

fn settings(template: &str, rules: &[&str]) -> Settings {
    Settings {
        template: Some(read(template)),
        section_rules: rules
            .iter()
            .map(|r| parse_section_rule(r).unwrap())
            .collect(),
        ..Settings::default()
    }
}

fn decide(body: &str, s: &Settings) -> checklist_gate::policy::Outcome {
    evaluate(
        &Facts {
            body: Some(body),
            author: Some("octocat"),
        },
        s,
    )
    .unwrap()
}

/// Farm-credit/stellar-app-os's template and a fork's description written
/// from it: items kept with a filled-in remark, three marked `— N/A
/// (backend only)`, one reworded, three deleted.
#[test]
fn stellar_app_os_description_against_its_template() {
    let s = settings("stellar-app-os.template.md", &[]);
    // The template's bare `- [ ]` placeholder is no box on GitHub.
    let t = parse_checklist(&read("stellar-app-os.template.md"), "N/A");
    assert_eq!(t.items.len(), 12);
    let o = decide(&read("stellar-app-os.description.md"), &s);
    assert_eq!(o.verdict, Verdict::Fail);
    assert_eq!(
        o.removed,
        vec![
            "My changes pass linting (pnpm lint) (edited? closest: \"My changes pass linting on the changed paths (pnpm exec eslint lib/image lib/db lib/db/photo-hashes.ts app/api/planting/photo)\", line 132)",
            "Branch name follows conventions (feature/, bugfix/, chore/, docs/, hotfix/)",
            "PR links to an issue (Closes #<number>) when applicable",
            "Screen recording attached for UI or feature changes",
        ]
    );
    assert!(
        o.unchecked_required.is_empty(),
        "{:?}",
        o.unchecked_required
    );
    // The three `— N/A (backend only)` items answer theirs.
    let na: Vec<usize> = o
        .items
        .iter()
        .filter(|i| i.not_applicable)
        .map(|i| i.line)
        .collect();
    assert_eq!(na, vec![136, 137, 138]);
    // The unticked typecheck item is the author's own, not required.
    let own = o.items.iter().find(|i| i.line == 133).unwrap();
    assert!(!own.checked && !own.required);
    assert_eq!(o.open_count(), 4);
}

/// home-assistant/core's template: one type of change, then the checklist;
/// items continue over hard line breaks.
#[test]
fn home_assistant_template() {
    let template = read("home-assistant-core.template.md");
    let s = settings(
        "home-assistant-core.template.md",
        &["Type of change=exactly-one"],
    );
    let t = parse_checklist(&template, "N/A");
    assert_eq!(
        t.items[15].text,
        "The manifest file has all fields filled out correctly. Updated and included derived files by running: python3 -m script.hassfest."
    );
    // The template as it comes: no type chosen, nothing ticked.
    let o = decide(&template, &s);
    assert_eq!(o.unanswered_sections, vec!["Type of change"]);
    assert_eq!(o.unchecked_required.len(), 13);
    // One type, every checklist box ticked, the other types deleted.
    let mut body = template.replace("- [ ] ", "- [x] ");
    for drop in [
        "- [x] Dependency upgrade\n",
        "- [x] New integration (thank you!)\n",
        "- [x] New feature (which adds functionality to an existing integration)\n",
        "- [x] Deprecation (breaking change to happen in the future)\n",
        "- [x] Breaking change (fix/feature causing existing functionality to break)\n",
        "- [x] Code quality improvements to existing code or addition of tests\n",
    ] {
        body = body.replacen(drop, "", 1);
    }
    let o = decide(&body, &s);
    assert_eq!(o.verdict, Verdict::Pass, "{:?}", o.reasons);
    // Two types ticked.
    let o = decide(&template.replace("- [ ] ", "- [x] "), &s);
    assert_eq!(o.overanswered_sections, vec!["Type of change"]);
    assert!(o.reasons[0].starts_with("tick only one item under \"Type of change\": 7 are ticked"));
}

/// angular/angular's template: a filled-in "Other... Please describe:", and
/// a yes/no question as a one-of choice.
#[test]
fn angular_template() {
    let template = read("angular.template.md");
    let s = settings(
        "angular.template.md",
        &[
            "PR Type=exactly-one",
            "Does this PR introduce a breaking change?=exactly-one",
        ],
    );
    let body = template
        .replacen("- [ ] The commit", "- [x] The commit", 1)
        .replacen("- [ ] Tests for", "- [x] Tests for", 1)
        .replacen("- [ ] Docs have", "- [x] Docs have", 1)
        .replacen(
            "- [ ] Other... Please describe:",
            "- [x] Other... Please describe: a dependency bump",
            1,
        )
        .replacen("- [ ] No", "- [x] No", 1);
    let o = decide(&body, &s);
    assert_eq!(o.verdict, Verdict::Pass, "{:?}", o.reasons);
    let o = decide(&body.replacen("- [ ] Yes", "- [x] Yes", 1), &s);
    assert_eq!(
        o.overanswered_sections,
        vec!["Does this PR introduce a breaking change?"]
    );
}

/// Probesys/bileto asks to tick an item that does not apply and write N/A
/// next to it; either way it is answered.
#[test]
fn bileto_na_next_to_the_item() {
    let template = read("bileto.template.md");
    let s = settings("bileto.template.md", &[]);
    let body = template
        .replace("- [ ] ", "- [x] ")
        .replace(
            "- [x] interface works on both Firefox and Chrome",
            "- [x] interface works on both Firefox and Chrome N/A",
        )
        .replace(
            "- [x] accessibility has been tested",
            "- [ ] accessibility has been tested: N/A (no UI change)",
        );
    let o = decide(&body, &s);
    assert_eq!(o.verdict, Verdict::Pass, "{:?}", o.reasons);
}

/// valayDave/tell-me-your-secrets: wide bullets (`-   [ ]`) and a comment
/// that shows `[ ]` and `[x]`.
#[test]
fn tell_me_your_secrets_template() {
    let template = read("tell-me-your-secrets.template.md");
    let t = parse_checklist(&template, "N/A");
    assert_eq!(t.items.len(), 3);
    assert_eq!(
        t.items[0].text,
        "Tests have been added to verify that the new code works (if possible)"
    );
    let s = settings("tell-me-your-secrets.template.md", &[]);
    let o = decide(&template.replace("[ ]\n", "[x]\n"), &s);
    assert_eq!(o.unchecked_required.len(), 3);
    let o = decide(&template.replace("-   [ ] ", "-   [x] "), &s);
    assert_eq!(o.verdict, Verdict::Pass, "{:?}", o.reasons);
}

/// kyhau/aws-tools ships its template with a type already ticked: the
/// description's state counts, not the template's.
#[test]
fn aws_tools_pre_ticked_template() {
    let template = read("aws-tools.template.md");
    let s = settings("aws-tools.template.md", &["Type of change=exactly-one"]);
    let o = decide(&template, &s);
    assert!(o.unanswered_sections.is_empty());
    assert_eq!(o.unchecked_required.len(), 3);
    let o = decide(&template.replace("- [x] Bugfix", "- [ ] Bugfix"), &s);
    assert_eq!(o.unanswered_sections, vec!["Type of change"]);
}

/// Real descriptions without a template, through the binary.
#[test]
fn descriptions_through_the_binary() {
    let d = tempfile::tempdir().unwrap();
    let run = |name: &str, extra: &[&str]| {
        let path = dir().join(name);
        let mut args = vec!["--body-file", path.to_str().unwrap(), "--format", "json"];
        args.extend_from_slice(extra);
        run_hermetic(BIN, d.path(), &args, &[])
    };
    // AMD-AGI/Primus: eight ticked boxes under an emoji heading; the `#`
    // lines inside its code blocks are not headings.
    let r = run("primus.description.md", &["--require-checklist"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    let v = r.json();
    assert_eq!(v["items"].as_array().unwrap().len(), 8);
    let section = v["items"][0]["section"].as_u64().unwrap() as usize;
    assert_eq!(v["sections"][section]["heading"], "✍️ Checklist");
    // 89luca89/distrobox: no checklist at all.
    assert_eq!(run("distrobox.description.md", &[]).code, 0);
    let r = run("distrobox.description.md", &["--require-checklist"]);
    assert_eq!(r.code, 1);
    assert_eq!(r.json()["no_checklist"], true);
}

/// Peers' own test cases, as GitHub renders them.
#[test]
fn peer_cases() {
    let na = |name: &str| {
        parse_checklist(&read(name), "N/A")
            .items
            .iter()
            .map(|i| (i.text.clone(), i.checked, i.not_applicable))
            .collect::<Vec<_>>()
    };
    // Shopify/task-list-checker: nested under a plain and a numbered item.
    assert_eq!(
        na("peer-shopify-nested.md"),
        vec![
            ("Parent item".into(), false, false),
            ("Child item".into(), false, false),
            ("Item under list".into(), true, false),
            ("Item under numbered list".into(), false, false),
        ]
    );
    // mheap/require-checklist-action: `~Two~` (one tilde) does not apply.
    assert_eq!(
        na("peer-mheap-inapplicable.md"),
        vec![("One".into(), true, false), ("Two".into(), false, true)]
    );
    let o = decide(&read("peer-mheap-inapplicable.md"), &Settings::default());
    assert_eq!(o.verdict, Verdict::Pass, "{:?}", o.reasons);
    // kentaro-m/task-completed-checker-action's test text is indented four
    // spaces after a heading: GitHub renders it as code, no boxes at all.
    assert!(na("peer-kentaro-indented.md").is_empty());
}
