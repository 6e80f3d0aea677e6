//! Differential test: our checkboxes, their states and their lines equal
//! those that GitHub's own parser, `cmark-gfm -e tasklist` (Debian's
//! `cmark-gfm` package, which .ci/run installs), renders for the same
//! Markdown.
//!
//! Without cmark-gfm these tests say so and pass, unless
//! TRUNKLINE_REQUIRE_TOOLS=1 is set (as .ci/run does), when they fail.

#![allow(clippy::unwrap_used)]

use crate::common;

use checklist_gate::parse::parse_checklist;
use common::{assert_no_differences, boxes, have_cmark_gfm, render};

/// (the bug or behaviour the case pins, markdown, how many checkboxes
/// GitHub renders)
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
    // issue 13 item 1: tab-indented sub-items were dropped (false pass).
    ("issue 13.1: tab-indented dash", "- [x] a\n\t- [ ] b\n", 2),
    ("issue 13.1: tab-indented star", "* [x] a\n\t* [ ] b\n", 2),
    ("issue 13.1: tab-indented plus", "+ [x] a\n\t+ [ ] b\n", 2),
    (
        "issue 13.1: tab-indented ordered",
        "1. [x] a\n\t1. [ ] b\n",
        2,
    ),
    (
        "issue 13.1: tab under a plain parent",
        "- a\n\t- [ ] b\n",
        1,
    ),
    (
        "issue 13.1: two tabs, depth 3",
        "- [x] a\n\t- [x] b\n\t\t- [ ] c\n",
        3,
    ),
    ("issue 13.1: tab after the bullet", "-\t[ ] a\n", 1),
    (
        "issue 13.1: two tabs after the bullet (indented code)",
        "-\t\t[ ] a\n",
        0,
    ),
    (
        "issue 13.1: space and tab after the bullet",
        "- \t[ ] a\n",
        1,
    ),
    ("issue 13.1: tab after an ordered bullet", "1.\t[x] a\n", 1),
    (
        "issue 13.1: tab after a wide ordered bullet",
        "100.\t[x] a\n",
        1,
    ),
    ("issue 13.1: indented bullet then tab", "   -\t[x] a\n", 1),
    (
        "issue 13.1: partial tab in a sub-item's indentation",
        "- [x] a\n  \t- [ ] b\n",
        2,
    ),
    (
        "issue 13.1: tab-indented item is lazy text under a paragraph",
        "- [x] a\n\t\t- [ ] b\n",
        1,
    ),
    // issue 13 item 3: a table under an item.
    (
        "issue 13.3: table nested under an item",
        "- [x] Browsers tested\n\n  | Browser | OK |\n  |---|---|\n  | Firefox | yes |\n",
        1,
    ),
    // issue 13 item 4: a box right before a delimiter row.
    (
        "issue 13.4: box then an indented delimiter row",
        "- [ ] a | b\n  |---|---|\n",
        1,
    ),
    (
        "issue 13.4: box then a delimiter row at column 0",
        "- [ ] a | b\n|---|---|\n",
        1,
    ),
    // issue 13 item 5.
    ("issue 13.5: tab inside the box", "- [\t] x\n", 0),
    ("issue 13.5: two spaces inside the box", "- [  ] x\n", 0),
    ("setext heading after the box", "- [x] foo\n  ---\n", 1),
    ("box then five spaces", "- [x]     a\n", 1),
    ("five spaces before the box", "-     [x] a\n", 0),
];

/// Where Debian's cmark-gfm 0.29.0.gfm.6 renders a box as checked although
/// the box itself is `[ ]`: it looks for `[x]` anywhere on the item's line.
/// We keep the box's own state, the safe direction: these never count as
/// checked.
const CHECKED_ELSEWHERE_ON_THE_LINE: &[&str] =
    &["- [ ] foo [x]\n", "- [ ] `[x]`\n", "- [ ] <!-- [x] -->\n"];

/// issue 13 item 6, the one known difference in box counts: Debian's
/// cmark-gfm renders no box inside a block quote, github.com reportedly does
/// (github/markup#322). A task item inside `>` counts here (the safe
/// direction). (markdown, boxes we count, all inside the quote)
const BLOCK_QUOTES: &[(&str, usize)] = &[
    ("> - [ ] quoted\n> - [x] quoted too\n", 2),
    ("- [ ] outside\n\n> > - [x] deep\n", 1),
    (">\t- [ ] tab after the marker\n", 1),
    ("> * [ ] a\n>   + [x] b\n", 2),
];

/// A known difference in which boxes exist, the safe direction: a box with
/// nothing but whitespace after it, then a line of only whitespace indented
/// less than the item's content, then a more indented list. cmark-gfm 0.29
/// closes the item at that line (it has no paragraph) and may read the list
/// as indented code; we keep the item open and count the list's boxes.
/// (markdown, cmark-gfm's boxes, ours)
const BOX_THEN_SHALLOW_BLANK: &[(&str, usize, usize)] = &[
    ("* [x]\t\n \n \t1. [X] a\n", 1, 2),
    ("- [ ] \n\n    - [ ] b\n", 1, 2),
];

/// Whether a generated document has the shape of [`BOX_THEN_SHALLOW_BLANK`]:
/// a box with a blank rest of its line, followed by a whitespace-only line.
fn has_box_then_blank(markdown: &str) -> bool {
    let lines: Vec<&str> = markdown.split('\n').collect();
    lines.windows(2).any(|w| {
        let rest = w[0].trim_end_matches([' ', '\t']);
        rest.len() < w[0].len()
            && (rest.ends_with("[ ]") || rest.ends_with("[x]") || rest.ends_with("[X]"))
            && w[1].trim_matches([' ', '\t']).is_empty()
    })
}

/// cmark-gfm's boxes as (line, checked).
fn oracle(markdown: &str) -> Vec<(usize, bool)> {
    boxes(&render(markdown))
}

/// Ours, with cmark-gfm's reading of the state (`[x]` anywhere on the
/// item's line checks it), for comparing generated documents where that
/// known difference is common.
fn ours_as_cmark_reads_the_state(markdown: &str) -> Vec<(usize, bool)> {
    let lines: Vec<&str> = markdown.split('\n').collect();
    ours(markdown)
        .into_iter()
        .map(|(line, checked)| {
            let l = lines[line - 1];
            (line, checked || l.contains("[x]") || l.contains("[X]"))
        })
        .collect()
}

fn ours(markdown: &str) -> Vec<(usize, bool)> {
    parse_checklist(markdown, "N/A")
        .items
        .into_iter()
        .map(|i| (i.line, i.checked))
        .collect()
}

// Regression (#13.1, #13.3-#13.5, real PR descriptions): the cases labelled `issue 13 item N` pin
// those bugs against cmark-gfm.
#[test]
fn every_case_matches_cmark_gfm() {
    if !have_cmark_gfm() {
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
fn known_difference_checked_elsewhere_on_the_line_stays_unchecked() {
    if !have_cmark_gfm() {
        return;
    }
    for md in CHECKED_ELSEWHERE_ON_THE_LINE {
        assert_eq!(ours(md), vec![(1, false)], "{md:?}");
        assert_eq!(oracle(md), vec![(1, true)], "{md:?}: cmark-gfm changed");
    }
}

// Regression (#13.6): boxes inside `>` count, the safe direction; Debian's cmark-gfm renders none.
#[test]
fn known_difference_block_quotes_count_where_cmark_gfm_renders_none() {
    if !have_cmark_gfm() {
        return;
    }
    for (md, n) in BLOCK_QUOTES {
        let items = parse_checklist(md, "N/A").items;
        let quoted = items.iter().filter(|i| i.quoted).count();
        assert_eq!(quoted, *n, "{md:?}");
        // Outside the quote, cmark-gfm and we agree exactly.
        let outside: Vec<(usize, bool)> = items
            .iter()
            .filter(|i| !i.quoted)
            .map(|i| (i.line, i.checked))
            .collect();
        assert_eq!(oracle(md), outside, "{md:?}: cmark-gfm changed");
    }
}

#[test]
fn known_difference_box_then_shallow_blank_line_counts_more() {
    if !have_cmark_gfm() {
        return;
    }
    for (md, theirs, ours_n) in BOX_THEN_SHALLOW_BLANK {
        assert_eq!(oracle(md).len(), *theirs, "{md:?}: cmark-gfm changed");
        assert_eq!(ours(md).len(), *ours_n, "{md:?}");
        assert!(has_box_then_blank(md));
    }
}

// Regression (#13.1, real PR descriptions): tab-indented `*`, `+` and `-` sub-items were missed, a
// false pass.
/// Bullets, indentations and nesting depths: every combination, as a
/// description and (the same parser) as a template.
#[test]
fn issue_13_1_every_bullet_indentation_and_depth_matches_cmark_gfm() {
    if !have_cmark_gfm() {
        return;
    }
    let bullets = ["-", "*", "+", "1.", "1)", "10."];
    // How each nesting level is indented, relative to the line before.
    let indents: &[&str] = &["\t", " \t", "  \t", "   \t", "  ", "   ", "    ", "\t "];
    let after_bullet: &[&str] = &[" ", "\t", "  ", " \t", "    "];
    let mut failures = Vec::new();
    let mut cases = 0;
    for bullet in bullets {
        for indent in indents {
            for gap in after_bullet {
                for depth in 1..=4 {
                    for plain_parent in [false, true] {
                        let mut md = String::new();
                        for level in 0..depth {
                            let pad = indent.repeat(level);
                            let state = if level % 2 == 0 { "x" } else { " " };
                            if plain_parent && level == 0 {
                                md.push_str(&format!("{bullet}{gap}parent\n"));
                            } else {
                                md.push_str(&format!("{pad}{bullet}{gap}[{state}] item {level}\n"));
                            }
                        }
                        md.push_str(&format!("{bullet} [ ] last\n"));
                        cases += 1;
                        let want = oracle(&md);
                        let got = ours(&md);
                        if want != got {
                            failures.push(format!("{md:?}: cmark-gfm {want:?}, ours {got:?}"));
                        }
                    }
                }
            }
        }
    }
    assert_no_differences(&failures, cases);
}

/// A small deterministic generator of hostile list documents: random lines
/// built from bullets, tabs, spaces, boxes, text, blank lines and fences.
/// Form feeds and vertical tabs appear only right after a box: elsewhere
/// cmark-gfm and CommonMark disagree on whether they are whitespace, and no
/// real description has them.
#[test]
fn generated_documents_match_cmark_gfm() {
    if !have_cmark_gfm() {
        return;
    }
    let pieces: &[&str] = &[
        "-", "*", "+", "1.", "2)", " ", " ", "\t", "\t", "  ", "[ ]", "[x]", "[X]", "a", "b c",
        "|", "---", "```", "#", "<!--", "-->", "~~s~~", "\\",
    ];
    // TRUNKLINE_ORACLE_RUNS and TRUNKLINE_ORACLE_SEED widen a local search.
    let env = |name: &str, default: u64| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let mut state: u64 = env("TRUNKLINE_ORACLE_SEED", 0x2545_f491_4f6c_dd1d) | 1;
    let mut next = move |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    let mut failures = Vec::new();
    let runs = env("TRUNKLINE_ORACLE_RUNS", 1500);
    for _ in 0..runs {
        let mut md = String::new();
        for _ in 0..1 + next(6) {
            // Mostly list-item lines, so boxes are common.
            match next(4) {
                0 => {}
                1 => md.push_str(["\t", " ", "  ", "\t\t", " \t"][next(5)]),
                _ => md.push_str(["", "  ", "\t", "    "][next(4)]),
            }
            if next(3) > 0 {
                md.push_str(["-", "*", "+", "1.", "1)"][next(5)]);
                md.push_str([" ", "\t", "  ", " \t", "\t\t"][next(5)]);
                md.push_str(["[ ]", "[x]", "[X]", "[\t]", "[ ] |"][next(5)]);
                md.push_str([" ", "\t", "", "\x0b"][next(4)]);
            }
            for _ in 0..next(4) {
                md.push_str(pieces[next(pieces.len())]);
            }
            md.push('\n');
        }
        let want = oracle(&md);
        let got = ours_as_cmark_reads_the_state(&md);
        let differs = if has_box_then_blank(&md) {
            // BOX_THEN_SHALLOW_BLANK: ours may hold more boxes, never fewer.
            !want.iter().all(|b| got.contains(b))
        } else {
            want != got
        };
        if differs {
            failures.push(format!("{md:?}: cmark-gfm {want:?}, ours {got:?}"));
        }
    }
    assert_no_differences(&failures, runs as usize);
}

#[test]
fn a_body_of_65536_characters() {
    if !have_cmark_gfm() {
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
