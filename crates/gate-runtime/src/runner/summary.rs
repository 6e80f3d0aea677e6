//! The `GITHUB_STEP_SUMMARY` file: the Markdown page a reviewer reads.
//!
//! GitHub refuses a step summary over 1 MiB and then shows nothing at all,
//! so the writer cuts the content at a line boundary below the cap and says
//! that it did, rather than losing the whole summary.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::PathBuf;

/// GitHub's cap on one step's summary.
pub const SUMMARY_LIMIT_BYTES: usize = 1024 * 1024;
/// What we allow ourselves, leaving room for the cut note.
const SUMMARY_BUDGET_BYTES: usize = SUMMARY_LIMIT_BYTES - 4 * 1024;

/// Escapes untrusted text for a Markdown table cell: pipes would split the
/// cell, newlines the row, and angle brackets start HTML.
pub fn md_cell(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('|', "\\|")
        .replace("\r\n", "<br>")
        .replace(['\n', '\r'], "<br>")
}

/// Escapes untrusted text for use inside inline code in a table or list.
pub fn md_code(s: &str) -> String {
    let ticks = s.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(ticks + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{}{pad}{fence}", md_cell(s))
}

/// Renders a Markdown table; cells are escaped.
pub fn md_table(header: &[&str], rows: &[Vec<String>]) -> String {
    let escaped: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| md_cell(c)).collect())
        .collect();
    let header: Vec<String> = header.iter().map(|h| md_cell(h)).collect();
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    md_table_raw(&header, &escaped)
}

/// Renders a Markdown table whose cells are already Markdown, escaped by
/// the caller (links, code spans).
pub fn md_table_raw(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = format!(
        "| {} |\n|{}\n",
        header.join(" | "),
        " --- |".repeat(header.len())
    );
    for row in rows {
        out.push_str(&format!("| {} |\n", row.join(" | ")));
    }
    out
}

/// Cuts `markdown` to at most `budget` bytes at a line boundary, adding a
/// note when anything was left out.
pub fn cap_markdown(markdown: &str, budget: usize) -> String {
    if markdown.len() <= budget {
        return markdown.to_owned();
    }
    let mut cut = budget;
    while !markdown.is_char_boundary(cut) {
        cut -= 1;
    }
    if let Some(nl) = markdown[..cut].rfind('\n') {
        cut = nl + 1;
    }
    let left_out = markdown.len() - cut;
    format!(
        "{}\n\n> [!NOTE]\n> This summary was cut to stay under GitHub's 1 MiB limit: {left_out} bytes were left out. Run with `--format json` for the full report.\n",
        &markdown[..cut]
    )
}

/// Appends to the step summary; a no-op when `GITHUB_STEP_SUMMARY` is unset.
#[derive(Debug, Clone)]
pub struct StepSummary {
    path: Option<PathBuf>,
}

impl StepSummary {
    pub fn new(path: Option<PathBuf>) -> Self {
        Self { path }
    }

    /// Appends Markdown, capped so the whole file stays under GitHub's limit.
    pub fn append(&self, markdown: &str) -> std::io::Result<()> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let existing = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        let budget =
            SUMMARY_BUDGET_BYTES.saturating_sub(usize::try_from(existing).unwrap_or(usize::MAX));
        if budget < 1024 {
            // An earlier append already used the budget and left the cut note.
            return Ok(());
        }
        let text = cap_markdown(markdown, budget);
        let mut file = OpenOptions::new().create(true).append(true).open(path)?;
        file.write_all(text.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_cannot_break_the_table() {
        assert_eq!(md_cell("a|b\nc<script>"), "a\\|b<br>c&lt;script&gt;");
    }

    #[test]
    fn code_with_backticks() {
        assert_eq!(md_code("a`b"), "``a`b``");
        assert_eq!(md_code("`x"), "`` `x ``");
        assert_eq!(md_code("plain"), "`plain`");
    }

    #[test]
    fn table_renders() {
        let t = md_table(&["file", "lines"], &[vec!["a|b.rs".into(), "3".into()]]);
        assert_eq!(t, "| file | lines |\n| --- | --- |\n| a\\|b.rs | 3 |\n");
    }

    #[test]
    fn oversized_summary_is_cut_with_a_note() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("summary.md");
        let line = format!("{}\n", "é".repeat(500));
        let big = line.repeat(3000); // ~3 MB
        StepSummary::new(Some(path.clone())).append(&big).unwrap();
        let written = std::fs::read_to_string(&path).unwrap();
        assert!(written.len() < SUMMARY_LIMIT_BYTES, "{}", written.len());
        assert!(written.contains("was cut"));
        assert!(written.contains("bytes were left out"));
        // A second append in the same step shares the one budget.
        StepSummary::new(Some(path.clone())).append(&big).unwrap();
        assert!(std::fs::metadata(&path).unwrap().len() < SUMMARY_LIMIT_BYTES as u64);
    }

    #[test]
    fn small_summary_is_untouched() {
        assert_eq!(cap_markdown("# hi\n", 100), "# hi\n");
    }
}
