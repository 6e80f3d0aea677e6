//! What the tests that compare with cmark-gfm share: running it, and
//! reading its boxes back out of the HTML it renders.

#![allow(dead_code, unreachable_pub)]

use std::io::Write;
use std::process::{Command, Stdio};

/// Whether cmark-gfm (Debian's `cmark-gfm`) is here; see
/// [`test_support::testing::tool_available`].
pub fn have_cmark_gfm() -> bool {
    test_support::testing::tool_available("cmark-gfm", &["--version"], "Debian's cmark-gfm")
}

/// The flags every rendering uses: the extensions GitHub enables, and source
/// positions to read each box's line back.
pub const CMARK_GFM_ARGS: &[&str] = &[
    "--sourcepos",
    "-e",
    "tasklist",
    "-e",
    "table",
    "-e",
    "strikethrough",
];

/// cmark-gfm's HTML for `markdown`.
pub fn render(markdown: &str) -> String {
    let mut child = Command::new("cmark-gfm")
        .args(CMARK_GFM_ARGS)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input = markdown.to_owned();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()).unwrap());
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

/// The boxes of a cmark-gfm rendering, as (line, checked).
pub fn boxes(html: &str) -> Vec<(usize, bool)> {
    html.match_indices("<input type=\"checkbox\"")
        .map(|(i, _)| {
            let li = html[..i].rfind("<li data-sourcepos=\"").unwrap() + 20;
            let line = html[li..].split(':').next().unwrap().parse().unwrap();
            let tag_end = html[i..].find('>').unwrap();
            (line, html[i..i + tag_end].contains("checked=\"\""))
        })
        .collect()
}

/// Fails listing every difference, out of how many cases.
pub fn assert_no_differences(failures: &[String], cases: usize) {
    assert!(
        failures.is_empty(),
        "{} of {cases} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
