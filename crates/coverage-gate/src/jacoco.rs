//! JaCoCo XML. Each `<sourcefile>` line carries instruction counts
//! (`mi` missed, `ci` covered) and branch counts (`mb`, `cb`). A line counts
//! when it has instructions; it is hit when any were covered. Its branches
//! are counts the report does not name. The file's path is the package
//! path plus the source file name, found under one of the source roots:
//! `src/main/java` and `src/main/kotlin` by default. In a multi-module
//! (Maven aggregate) report each module is a `<group>`, and its files are
//! looked for under `<module>/<root>` first. A report cut short, or with a
//! number out of range, is malformed at its line.

use std::io::BufRead;
use std::path::Path;

use quick_xml::Reader;
use quick_xml::events::Event;

use crate::model::{
    Coverage, FileBuilder, FileCoverage, ReadError, excerpt, malformed, saturating_count, too_large,
};
use crate::xml::{LineCounting, OpenElements, attr, next_tracked};

/// The most branches one `<line>` may have (`mb + cb`): each is an outcome
/// of its own, and no real line has more.
pub const MAX_BRANCHES: u64 = 10_000;

/// The source roots tried when none is given: Maven's and Gradle's layouts.
pub const DEFAULT_ROOTS: [&str; 2] = ["src/main/java", "src/main/kotlin"];

/// Where a JaCoCo source file lives in the checkout: `package/File.java`
/// under the first of `roots` (default [`DEFAULT_ROOTS`]) where it exists,
/// inside its module's directory (the innermost `<group>`, or the groups'
/// path) before the checkout's root. When it exists nowhere: under the
/// module and the first root given, or by default the root for its
/// language (`src/main/kotlin` for `.kt`).
pub fn resolve(
    groups: &[String],
    package_path: &str,
    file: &str,
    roots: &[String],
    root: &Path,
) -> String {
    let rel = if package_path.is_empty() {
        file.to_owned()
    } else {
        format!("{}/{file}", package_path.trim_end_matches('/'))
    };
    let join = |parts: &[&str]| {
        let mut out = String::new();
        for p in parts {
            let p = p.trim_matches('/');
            if p.is_empty() || p == "." {
                continue;
            }
            if !out.is_empty() {
                out.push('/');
            }
            out.push_str(p);
        }
        out
    };
    let defaults: Vec<String>;
    let roots: &[String] = if roots.is_empty() {
        defaults = DEFAULT_ROOTS.iter().map(|r| (*r).to_owned()).collect();
        &defaults
    } else {
        roots
    };
    let mut modules: Vec<String> = Vec::new();
    if let Some(inner) = groups.last() {
        modules.push(inner.clone());
    }
    if groups.len() > 1 {
        modules.push(groups.join("/"));
    }
    modules.push(String::new());
    for module in &modules {
        for r in roots {
            let candidate = join(&[module, r, &rel]);
            if root.join(&candidate).exists() {
                return candidate;
            }
        }
    }
    let kotlin = file.ends_with(".kt") || file.ends_with(".kts");
    let fallback = if roots.len() == DEFAULT_ROOTS.len()
        && roots.iter().zip(DEFAULT_ROOTS).all(|(a, b)| a == b)
        && kotlin
    {
        DEFAULT_ROOTS[1]
    } else {
        roots.first().map_or("", String::as_str)
    };
    join(&[&modules[0], fallback, &rel])
}

/// A count attribute: absent is 0; past `u64` saturates (the caller bounds
/// what must be bounded); anything else is `None`.
fn count(e: &quick_xml::events::BytesStart<'_>, name: &str) -> Option<u64> {
    match attr(e, name) {
        None => Some(0),
        Some(v) => saturating_count(v.trim()),
    }
}

/// Reads a JaCoCo report; `source_roots` are tried in order under `root`
/// (none given: [`DEFAULT_ROOTS`]).
pub fn read(
    reader: impl BufRead,
    root: &Path,
    source_roots: &[String],
) -> Result<Coverage, ReadError> {
    let mut xml = Reader::from_reader(LineCounting::new(reader));
    let mut buf = Vec::new();
    let mut package = String::new();
    let mut groups: Vec<String> = Vec::new();
    let mut current: Option<(String, FileBuilder)> = None;
    let mut cov = Coverage::default();
    let mut open = OpenElements::default();
    let (mut sourcefiles, mut line_elements) = (0u64, 0u64);
    loop {
        let event = next_tracked(&mut xml, &mut buf, &mut open)?;
        let bad = |message: String| malformed(xml.get_ref().line(), message);
        match event {
            Event::Eof => break,
            Event::Start(ref e) | Event::Empty(ref e) => match e.name().0 {
                "group" if matches!(event, Event::Start(_)) => {
                    groups.push(attr(e, "name").unwrap_or_default());
                }
                "package" => package = attr(e, "name").unwrap_or_default(),
                "sourcefile" => {
                    sourcefiles += 1;
                    let name = attr(e, "name")
                        .ok_or_else(|| bad("expected a name attribute on <sourcefile>".into()))?;
                    let path = resolve(&groups, &package, &name, source_roots, root);
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
                    line_elements += 1;
                    let nr = attr(e, "nr").ok_or_else(|| {
                        bad("expected <line nr=\"N\" mi=\"N\" ci=\"N\" mb=\"N\" cb=\"N\">".into())
                    })?;
                    let nr: u32 = match nr.trim().parse() {
                        Ok(n) => n,
                        Err(_) if saturating_count(nr.trim()).is_some() => {
                            return Err(bad(too_large("<line> nr", nr.trim(), u32::MAX.into())));
                        }
                        Err(_) => {
                            return Err(bad(format!(
                                "expected <line nr=\"N\" mi=\"N\" ci=\"N\" mb=\"N\" cb=\"N\">, found nr={}",
                                excerpt(&nr)
                            )));
                        }
                    };
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
                            "<line nr=\"{nr}\">: {}",
                            too_large(
                                "the branch total (mb + cb)",
                                &(u128::from(mb) + u128::from(cb)).to_string(),
                                MAX_BRANCHES
                            )
                        )));
                    }
                    if mi.saturating_add(ci) > 0 {
                        file.line(nr, ci);
                    }
                    file.unnamed_branches(nr, branches, cb);
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
                "group" => {
                    groups.pop();
                }
                _ => {}
            },
            _ => {}
        }
        buf.clear();
    }
    open.at_end(xml.get_ref().line(), "JaCoCo", "report")?;
    if cov.totals().lines_found == 0 {
        cov.notes.push(if sourcefiles == 0 {
            "no <sourcefile> element: the report was written without sources (a JaCoCo report lists lines only under <package><sourcefile>)".to_owned()
        } else if line_elements == 0 {
            format!("{sourcefiles} <sourcefile> element(s) but no <line>: the report holds no line data")
        } else {
            format!("{sourcefiles} <sourcefile> element(s), {line_elements} <line> element(s), none with instructions")
        });
    }
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
            resolve(&[], "com/x", "A.java", &roots, root.path()),
            "app/src/com/x/A.java"
        );
        assert_eq!(
            resolve(&[], "com/x", "B.java", &roots, root.path()),
            "src/main/java/com/x/B.java"
        );
    }

    // Regression (#17.9, real Maven aggregates): `<group>` modules were ignored and Kotlin mapped
    // to `src/main/java`.
    /// Maven aggregate reports and Kotlin: issue 17, item 9.
    #[test]
    fn modules_and_kotlin_find_their_roots() {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        for f in [
            "core/src/main/java/com/x/A.java",
            "web/src/main/kotlin/com/x/K.kt",
            "src/main/kotlin/com/y/Top.kt",
        ] {
            std::fs::create_dir_all(r.join(f).parent().unwrap()).unwrap();
            std::fs::write(r.join(f), "").unwrap();
        }
        let core = vec!["core".to_owned()];
        let web = vec!["web".to_owned()];
        assert_eq!(
            resolve(&core, "com/x", "A.java", &[], r),
            "core/src/main/java/com/x/A.java"
        );
        assert_eq!(
            resolve(&web, "com/x", "K.kt", &[], r),
            "web/src/main/kotlin/com/x/K.kt"
        );
        assert_eq!(
            resolve(&[], "com/y", "Top.kt", &[], r),
            "src/main/kotlin/com/y/Top.kt"
        );
        // Not in the checkout: under the module, the root for the language.
        assert_eq!(
            resolve(&web, "com/x", "Gone.kt", &[], r),
            "web/src/main/kotlin/com/x/Gone.kt"
        );
        assert_eq!(
            resolve(&core, "com/x", "Gone.java", &[], r),
            "core/src/main/java/com/x/Gone.java"
        );
        assert_eq!(
            resolve(&[], "", "Gone.kt", &[], r),
            "src/main/kotlin/Gone.kt"
        );
        // Nested groups: the innermost, then the groups' path.
        std::fs::create_dir_all(r.join("apps/api/src/main/java")).unwrap();
        std::fs::write(r.join("apps/api/src/main/java/Main.java"), "").unwrap();
        let nested = vec!["apps".to_owned(), "api".to_owned()];
        assert_eq!(
            resolve(&nested, "", "Main.java", &[], r),
            "apps/api/src/main/java/Main.java"
        );
        let report = r#"<report name="aggregate"><group name="core"><package name="com/x"><sourcefile name="A.java"><line nr="3" mi="0" ci="2" mb="1" cb="1"/></sourcefile></package></group><group name="web"><package name="com/x"><sourcefile name="K.kt"><line nr="4" mi="1" ci="0" mb="0" cb="0"/></sourcefile></package></group></report>"#;
        let cov = read(report.as_bytes(), r, &[]).unwrap();
        assert_eq!(
            cov.files.keys().collect::<Vec<_>>(),
            [
                "core/src/main/java/com/x/A.java",
                "web/src/main/kotlin/com/x/K.kt"
            ]
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

    // Regression (review 82b73f7): huge JaCoCo branch counts overflowed.
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
                err.starts_with("line 4: <line nr=\"7\">: the branch total (mb + cb)")
                    && err.contains("is too large (at most 10000)"),
                "{err}"
            );
        }
    }

    // Regression (review 82b73f7): a truncated JaCoCo was accepted; now rejected with the open
    // element's line.
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
