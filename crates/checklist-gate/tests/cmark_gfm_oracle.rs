//! Differential test: our checkboxes and their states equal those that
//! GitHub's own parser, `cmark-gfm -e tasklist` (Debian's cmark-gfm, which
//! .ci/run installs), renders for the same Markdown. Without cmark-gfm the
//! tests say so and skip, unless TRUNKLINE_REQUIRE_TOOLS=1 (as in .ci/run).

#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::process::{Command, Stdio};

use checklist_gate::parse::parse_checklist;

/// (name, markdown, how many checkboxes GitHub renders)
const CASES: &[(&str, &str, usize)] = &[
    ("dash", "- [ ] a\n- [x] b\n", 2),
    ("plus", "+ [ ] a\n+ [x] b\n", 2),
    ("star", "* [ ] a\n* [x] b\n", 2),
    ("ordered dot", "1. [ ] a\n2. [x] b\n", 2),
    ("ordered paren", "1) [ ] a\n2) [x] b\n", 2),
    ("ordered from 3", "3. [x] a\n4. [ ] b\n", 2),
    ("uppercase X", "- [X] shouted\n", 1),
    (
        "nested",
        "- [ ] parent\n  - [x] child\n    - [ ] grandchild\n- [x] sibling\n",
        4,
    ),
    ("nested in ordered", "1. [ ] step\n   - [x] sub\n", 2),
    ("block quote", "> - [ ] quoted\n> - [x] quoted too\n", 0),
    ("nested block quote", "- [ ] outside\n\n> > - [x] deep\n", 1),
    ("fenced code", "```\n- [ ] fenced\n```\n", 0),
    ("tilde fence", "~~~md\n- [x] fenced\n~~~\n", 0),
    ("indented code", "Text.\n\n    - [ ] indented\n", 0),
    ("inline code", "`- [ ] inline` and `[x]`\n", 0),
    (
        "one-line comment",
        "<!-- - [ ] commented -->\n- [x] real\n",
        1,
    ),
    (
        "multi-line comment",
        "<!--\n- [ ] hidden\n- [x] hidden\n-->\n- [ ] real\n",
        1,
    ),
    ("comment inside item", "- [ ] real <!-- note -->\n", 1),
    (
        "html block",
        "<div>\n- [ ] in html\n</div>\n\n- [x] after\n",
        1,
    ),
    (
        "details block",
        "<details>\n\n- [ ] inside details\n\n</details>\n",
        1,
    ),
    ("no space after box", "- [ ]no space\n- [x]neither\n", 0),
    ("empty box", "- [ ]\n- [x]\n", 0),
    ("box then space only", "- [ ] \n", 1),
    ("tab after box", "- [ ]\ttabbed\n", 1),
    ("box not first", "- see [ ] later\n", 0),
    ("not a list", "[ ] plain paragraph\n", 0),
    (
        "two paragraphs",
        "- [x] first\n\n  second paragraph [ ] not a box\n",
        1,
    ),
    (
        "lazy continuation",
        "- [ ] starts here\ncontinues lazily\n",
        1,
    ),
    ("table", "| a | b |\n|---|---|\n| - [ ] x | y |\n", 0),
    (
        "heading sections",
        "## Flows\n- [x] checkout\n## Safety\n- [ ] flag\n",
        2,
    ),
    ("strike and n/a", "- [ ] ~~gone~~\n- [ ] docs N/A\n", 2),
    ("loose list", "- [x] a\n\n- [ ] b\n\n- [x] c\n", 3),
    ("crlf", "- [ ] a\r\n- [x] b\r\n", 2),
    ("escaped bracket", "- \\[ ] escaped\n", 0),
    ("link-looking box", "- [x](https://example.com) link\n", 0),
    (
        "nested on the parent's line",
        "- - [x] nested\n- [ ] next\n",
        1,
    ),
    ("ordered parent line", "1. - [x] inner\n", 0),
    ("form feed after box", "- [ ]\x0cform feed\n", 1),
    ("vertical tab after box", "- [x]\x0bvertical tab\n", 1),
];

/// Where Debian's cmark-gfm 0.29.0.gfm.6 renders a box as checked although
/// the box itself is `[ ]`: it looks for `[x]` anywhere in the item. We keep
/// the box's own state, the safe direction: these never count as checked.
const KNOWN_DIFFERENCES: &[&str] = &["- [ ] foo [x]\n", "- [ ] `[x]`\n", "- [ ] <!-- [x] -->\n"];

#[test]
fn known_differences_stay_unchecked() {
    if !have_oracle() {
        return;
    }
    for md in KNOWN_DIFFERENCES {
        assert_eq!(ours(md), vec![false], "{md:?}");
        assert_eq!(oracle(md).len(), 1, "{md:?}");
    }
}

fn have_oracle() -> bool {
    fake_github::testing::tool_available("cmark-gfm", &["--version"], "Debian's cmark-gfm")
}

fn oracle(markdown: &str) -> Vec<bool> {
    let mut child = Command::new("cmark-gfm")
        .args(["-e", "tasklist", "-e", "strikethrough", "-e", "table"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cmark-gfm is the oracle for these tests: apt-get install cmark-gfm ({e})")
        });
    child
        .stdin
        .take()
        .unwrap()
        .write_all(markdown.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let html = String::from_utf8(out.stdout).unwrap();
    html.match_indices("<input type=\"checkbox\"")
        .map(|(i, _)| {
            let tag_end = html[i..].find('>').unwrap();
            html[i..i + tag_end].contains("checked=\"\"")
        })
        .collect()
}

fn ours(markdown: &str) -> Vec<bool> {
    parse_checklist(markdown, "N/A")
        .into_iter()
        .map(|i| i.checked)
        .collect()
}

#[test]
fn every_case_matches_cmark_gfm() {
    if !have_oracle() {
        return;
    }
    let mut failures = Vec::new();
    for (name, md, expected) in CASES {
        let want = oracle(md);
        let got = ours(md);
        if want.len() != *expected {
            failures.push(format!(
                "{name}: cmark-gfm rendered {} boxes, the table says {expected}",
                want.len()
            ));
        }
        if want != got {
            failures.push(format!("{name}: cmark-gfm {want:?}, ours {got:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_body_of_65536_characters() {
    if !have_oracle() {
        return;
    }
    let mut md = String::from("## Checklist\n- [x] first\n");
    let filler = "- [ ] item with some text\n";
    while md.len() + filler.len() <= 65_536 - 20 {
        md.push_str(filler);
    }
    md.push_str("- [x] last\n");
    while md.len() < 65_536 {
        md.push(' ');
    }
    assert_eq!(md.chars().count(), 65_536);
    let want = oracle(&md);
    let got = ours(&md);
    assert!(want.len() > 2000);
    assert_eq!(want, got);
}
