//! JaCoCo XML. Each `<sourcefile>` line carries instruction counts
//! (`mi` missed, `ci` covered) and branch counts (`mb`, `cb`). A line counts
//! when it has instructions; it is hit when any were covered. The file's path
//! is the package path plus the source file name, found under one of the
//! source roots (Maven's `src/main/java` by default). A report cut short,
//! or with a count out of range, is malformed at its line.

use std::io::BufRead;
use std::path::Path;

use quick_xml::Reader;
use quick_xml::events::Event;

use crate::model::{Coverage, FileBuilder, FileCoverage, ReadError, malformed};
use crate::xml::{LineCounting, OpenElements, attr, next_tracked};

/// The most branches one `<line>` may have (`mb + cb`): each is an outcome
/// of its own, and no real line has more.
pub const MAX_BRANCHES: u64 = 10_000;

/// `package/File.java` under the first source root where it exists, else
/// under the first root as given.
pub fn resolve(package_path: &str, file: &str, roots: &[String], root: &Path) -> String {
    let rel = if package_path.is_empty() {
        file.to_owned()
    } else {
        format!("{}/{file}", package_path.trim_end_matches('/'))
    };
    let join = |r: &str| {
        let r = r.trim_end_matches('/');
        if r.is_empty() || r == "." {
            rel.clone()
        } else {
            format!("{r}/{rel}")
        }
    };
    roots
        .iter()
        .find(|r| root.join(join(r)).exists())
        .or(roots.first())
        .map(|r| join(r))
        .unwrap_or(rel)
}

fn count(e: &quick_xml::events::BytesStart<'_>, name: &str) -> Option<u64> {
    match attr(e, name) {
        None => Some(0),
        Some(v) => v.trim().parse().ok(),
    }
}

/// Reads a JaCoCo report; `source_roots` are tried in order under `root`.
pub fn read(
    reader: impl BufRead,
    root: &Path,
    source_roots: &[String],
) -> Result<Coverage, ReadError> {
    let mut xml = Reader::from_reader(LineCounting::new(reader));
    let mut buf = Vec::new();
    let mut package = String::new();
    let mut current: Option<(String, FileBuilder)> = None;
    let mut cov = Coverage::default();
    let mut open = OpenElements::default();
    loop {
        let event = next_tracked(&mut xml, &mut buf, &mut open)?;
        let bad = |message: String| malformed(xml.get_ref().line(), message);
        match event {
            Event::Eof => break,
            Event::Start(ref e) | Event::Empty(ref e) => match e.name().0 {
                "package" => package = attr(e, "name").unwrap_or_default(),
                "sourcefile" => {
                    let name = attr(e, "name")
                        .ok_or_else(|| bad("expected a name attribute on <sourcefile>".into()))?;
                    let path = resolve(&package, &name, source_roots, root);
                    if matches!(event, Event::Empty(_)) {
                        cov.add_file(path, FileCoverage::default());
                    } else {
                        current = Some((path, FileBuilder::default()));
                    }
                }
                "line" => {
                    let Some((_, file)) = current.as_mut() else {
                        continue;
                    };
                    let nr: u32 = attr(e, "nr")
                        .and_then(|n| n.trim().parse().ok())
                        .ok_or_else(|| {
                            bad(
                                "expected <line nr=\"N\" mi=\"N\" ci=\"N\" mb=\"N\" cb=\"N\">"
                                    .into(),
                            )
                        })?;
                    let (mi, ci, mb, cb) = match (
                        count(e, "mi"),
                        count(e, "ci"),
                        count(e, "mb"),
                        count(e, "cb"),
                    ) {
                        (Some(a), Some(b), Some(c), Some(d)) => (a, b, c, d),
                        _ => {
                            return Err(bad(format!(
                                "<line nr=\"{nr}\">: expected mi, ci, mb and cb to be counts"
                            )));
                        }
                    };
                    let branches = mb.saturating_add(cb);
                    if branches > MAX_BRANCHES {
                        return Err(bad(format!(
                            "<line nr=\"{nr}\">: expected at most {MAX_BRANCHES} branches (mb + cb), found {mb} + {cb}"
                        )));
                    }
                    if mi.saturating_add(ci) > 0 {
                        file.line(nr, ci);
                    }
                    for i in 0..branches {
                        file.branch_numbers(nr, 0, i, u64::from(i < cb));
                    }
                }
                _ => {}
            },
            Event::End(e) => match e.name().0 {
                "sourcefile" => {
                    if let Some((path, mut file)) = current.take() {
                        cov.add_file(path, file.finish());
                    }
                }
                "package" => package.clear(),
                _ => {}
            },
            _ => {}
        }
        buf.clear();
    }
    open.at_end(xml.get_ref().line(), "JaCoCo", "report")?;
    Ok(cov)
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<!DOCTYPE report PUBLIC "-//JACOCO//DTD Report 1.1//EN" "report.dtd">
<report name="shop">
  <package name="com/acme/shop">
    <class name="com/acme/shop/Cart" sourcefilename="Cart.java">
      <method name="add" desc="()V" line="3"><counter type="LINE" missed="0" covered="2"/></method>
    </class>
    <sourcefile name="Cart.java">
      <line nr="3" mi="0" ci="3" mb="0" cb="0"/>
      <line nr="4" mi="2" ci="0" mb="1" cb="1"/>
      <line nr="5" mi="0" ci="0" mb="0" cb="0"/>
      <counter type="LINE" missed="1" covered="1"/>
    </sourcefile>
  </package>
</report>"#;

    #[test]
    fn lines_and_branches_from_sourcefiles() {
        let root = tempfile::tempdir().unwrap();
        let roots = vec!["src/main/java".to_owned()];
        let cov = read(REPORT.as_bytes(), root.path(), &roots).unwrap();
        let f = &cov.files["src/main/java/com/acme/shop/Cart.java"];
        let t = f.totals();
        assert_eq!((t.lines_found, t.lines_hit), (2, 1));
        assert_eq!((t.branches_found, t.branches_hit), (2, 1));
    }

    #[test]
    fn the_first_root_holding_the_file_wins() {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join("app/src/com/x")).unwrap();
        std::fs::write(root.path().join("app/src/com/x/A.java"), "").unwrap();
        let roots = vec!["src/main/java".to_owned(), "app/src".to_owned()];
        assert_eq!(
            resolve("com/x", "A.java", &roots, root.path()),
            "app/src/com/x/A.java"
        );
        assert_eq!(
            resolve("com/x", "B.java", &roots, root.path()),
            "src/main/java/com/x/B.java"
        );
    }

    #[test]
    fn malformed_reports_name_the_line() {
        let root = tempfile::tempdir().unwrap();
        let bad = "<report>\n<package name=\"p\">\n<sourcefile name=\"A.java\">\n<line nr=\"1\" mi=\"x\"/>\n";
        let err = read(bad.as_bytes(), root.path(), &[])
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("line 4:"), "{err}");
    }

    #[test]
    fn branch_counts_out_of_range_are_malformed() {
        let root = tempfile::tempdir().unwrap();
        for (mb, cb) in [
            ("4000000000", "0"),
            ("0", "18446744073709551615"),
            ("5000", "5001"),
        ] {
            let report = format!(
                "<report>\n<package name=\"p\">\n<sourcefile name=\"A.java\">\n<line nr=\"7\" mi=\"0\" ci=\"1\" mb=\"{mb}\" cb=\"{cb}\"/>\n</sourcefile></package></report>"
            );
            let err = read(report.as_bytes(), root.path(), &[])
                .unwrap_err()
                .to_string();
            assert!(
                err.starts_with("line 4: <line nr=\"7\">: expected at most 10000 branches"),
                "{err}"
            );
        }
    }

    #[test]
    fn a_report_cut_short_is_malformed() {
        let root = tempfile::tempdir().unwrap();
        let cut = REPORT
            .find("      <counter type=\"LINE\" missed=\"1\"")
            .unwrap();
        let err = read(&REPORT.as_bytes()[..cut], root.path(), &[])
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "line 12: unexpected end of the report: <sourcefile> opened at line 8 is not closed"
        );
        let no_end = REPORT.strip_suffix("</report>").unwrap();
        let err = read(no_end.as_bytes(), root.path(), &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("<report> opened at line 3"), "{err}");
    }
}
