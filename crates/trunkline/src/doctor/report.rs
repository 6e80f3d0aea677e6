//! The report in its three forms: a table for a terminal, one JSON object,
//! and a step summary when doctor runs in Actions (on a schedule, say).
//! Every form carries the same four fields per check: check, status,
//! detail, fix.

use std::io::Write;

use serde_json::{Value, json};

use gate_runtime::runner::summary::{md_cell, md_code, md_table_raw};

use crate::doctor::checks::{Finding, Status};

/// What the report is about.
pub(crate) struct Heading {
    /// `owner/name`, when known.
    pub(crate) repo: Option<String>,
    pub(crate) default_branch: String,
    pub(crate) offline: bool,
}

/// Counts per status, worst last.
fn counts(findings: &[Finding]) -> [(Status, usize); 4] {
    [Status::Pass, Status::Warn, Status::Unknown, Status::Fail]
        .map(|s| (s, findings.iter().filter(|f| f.status == s).count()))
}

fn tally(findings: &[Finding]) -> String {
    let parts: Vec<String> = counts(findings)
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| format!("{n} {}", s.as_str()))
        .collect();
    format!("{} checks: {}", findings.len(), parts.join(", "))
}

fn title(h: &Heading) -> String {
    let what = match &h.repo {
        Some(r) if h.offline => format!("{r}, offline: the files only"),
        Some(r) => format!("{r} (default branch {})", h.default_branch),
        None => "offline: the files only".to_owned(),
    };
    format!("trunkline doctor: {what}")
}

/// One line of text: control characters shown as spaces, so a file's
/// content cannot move the cursor or end the line.
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// The table for a terminal: check, status, and the detail, with the fix
/// on the line under it.
pub(crate) fn text(out: &mut dyn Write, h: &Heading, findings: &[Finding]) -> std::io::Result<()> {
    writeln!(out, "{}\n", title(h))?;
    let width = findings
        .iter()
        .map(|f| f.check.len())
        .max()
        .unwrap_or(5)
        .max(5);
    writeln!(out, "{:width$}  {:7}  detail", "check", "status")?;
    for f in findings {
        writeln!(
            out,
            "{:width$}  {:7}  {}",
            f.check,
            f.status.as_str(),
            one_line(&f.detail)
        )?;
        if let Some(fix) = &f.fix {
            writeln!(out, "{:width$}  {:7}  fix: {}", "", "", one_line(fix))?;
        }
    }
    writeln!(out, "\n{}", tally(findings))?;
    Ok(())
}

/// The JSON report.
pub(crate) fn json(h: &Heading, findings: &[Finding]) -> Value {
    let verdict = if findings.iter().any(|f| f.status == Status::Fail) {
        "fail"
    } else {
        "pass"
    };
    json!({
        "schema": gate_runtime::contract::SCHEMA_VERSION,
        "repository": h.repo,
        "default_branch": (!h.offline).then_some(&h.default_branch),
        "offline": h.offline,
        "verdict": verdict,
        "counts": counts(findings).iter().map(|(s, n)| (s.as_str().to_owned(), json!(n))).collect::<serde_json::Map<_, _>>(),
        "checks": findings.iter().map(|f| json!({
            "check": f.check,
            "status": f.status.as_str(),
            "detail": f.detail,
            "fix": f.fix,
        })).collect::<Vec<_>>(),
    })
}

/// The step summary: the same table in Markdown.
pub(crate) fn markdown(h: &Heading, findings: &[Finding]) -> String {
    let icon = |s: Status| match s {
        Status::Pass => "✅ pass",
        Status::Warn => "⚠️ warn",
        Status::Unknown => "❔ unknown",
        Status::Fail => "❌ fail",
    };
    let rows: Vec<Vec<String>> = findings
        .iter()
        .map(|f| {
            vec![
                md_code(f.check),
                icon(f.status).to_owned(),
                md_cell(&f.detail),
                f.fix.as_deref().map(md_code).unwrap_or_default(),
            ]
        })
        .collect();
    format!(
        "## {}\n\n{}\n\n{}\n",
        md_cell(&title(h)),
        tally(findings),
        md_table_raw(&["check", "status", "detail", "fix"], &rows)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn findings() -> Vec<Finding> {
        vec![
            Finding {
                check: "merging.squash",
                status: Status::Pass,
                detail: "squash merging is on".into(),
                fix: None,
            },
            Finding {
                check: "merging.delete-branch",
                status: Status::Fail,
                detail: "kept|\nbranches".into(),
                fix: Some("gh api -X PATCH repos/o/r -F delete_branch_on_merge=true".into()),
            },
        ]
    }

    fn heading() -> Heading {
        Heading {
            repo: Some("o/r".into()),
            default_branch: "main".into(),
            offline: false,
        }
    }

    #[test]
    fn the_text_table_has_the_fix_under_its_detail() {
        let mut out = Vec::new();
        text(&mut out, &heading(), &findings()).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains("merging.delete-branch  fail     kept| branches\n"),
            "{text}"
        );
        assert!(
            text.contains("                                fix: gh api -X PATCH"),
            "{text}"
        );
        assert!(text.ends_with("2 checks: 1 pass, 1 fail\n"), "{text}");
    }

    #[test]
    fn json_and_markdown_carry_the_same_fields() {
        let v = json(&heading(), &findings());
        assert_eq!(v["verdict"], "fail");
        assert_eq!(v["checks"][1]["check"], "merging.delete-branch");
        assert_eq!(v["checks"][0]["fix"], Value::Null);
        let md = markdown(&heading(), &findings());
        assert!(md.contains("| check | status | detail | fix |"), "{md}");
        assert!(md.contains("kept\\|<br>branches"), "{md}");
    }
}
