//! Cobertura XML (coverage.py, Cobertura, and the many tools that imitate it).
//!
//! Lines come from `<line>` elements directly under a class's `<lines>`; the
//! copies under `<method>` are not counted again, and `line-rate`
//! attributes are never trusted. Branches come from
//! `condition-coverage="50% (1/2)"`. A class's filename is resolved against
//! every `<source>`, the longest one under which the file exists in the
//! checkout winning. A report cut short, or with a count out of range, is
//! malformed at its line.
//!
//! `<line>` elements are most of a report, so their attributes are read in
//! one pass without allocating when they are plain numbers; anything else
//! (escapes, odd spacing, a broken attribute) goes the general way.

use std::io::BufRead;
use std::path::Path;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use crate::model::{Coverage, FileBuilder, FileCoverage, ReadError, malformed};
use crate::paths::normalize;
use crate::xml::{LineCounting, OpenElements, attr, next_tracked, plain_attributes};

/// The most conditions one `<line>` may have: each is an outcome of its
/// own, and no real line has more.
pub const MAX_CONDITIONS: u64 = 10_000;

/// `(k, n)` from `condition-coverage="50% (1/2)"`.
pub fn condition_counts(s: &str) -> Option<(u64, u64)> {
    let inner = s.rsplit_once('(')?.1.strip_suffix(')')?;
    let (k, n) = inner.split_once('/')?;
    Some((k.trim().parse().ok()?, n.trim().parse().ok()?))
}

/// Resolves a class filename against the report's sources: the longest
/// source under which it exists in `root`, else the first source as written.
///
/// Each candidate is normalised as the final path will be (see
/// [`normalize`]) before asking whether it exists, so sources from another
/// machine (`/ci/build`, `/ci/build/src`) still pick the one whose file is
/// in this checkout.
pub fn resolve(filename: &str, sources: &[String], root: &Path) -> String {
    let name = filename.replace('\\', "/");
    if Path::new(&name).is_absolute() || sources.is_empty() {
        return name;
    }
    let join = |s: &str| -> String {
        let s = s.replace('\\', "/");
        if s.is_empty() || s == "." {
            name.clone()
        } else {
            format!("{}/{}", s.trim_end_matches('/'), name)
        }
    };
    let exists = |p: &str| {
        let normalized = normalize(p, &[], root);
        let path = Path::new(&normalized);
        if path.is_absolute() {
            // Outside the checkout, on this machine.
            path.exists()
        } else {
            !normalized.is_empty() && root.join(path).exists()
        }
    };
    let mut best: Option<&String> = None;
    for s in sources {
        if exists(&join(s)) && best.is_none_or(|b| s.len() > b.len()) {
            best = Some(s);
        }
    }
    join(best.unwrap_or(&sources[0]))
}

/// A `<line>`'s number, hits and `(k, n)` branch counts.
type Line = (u32, u64, Option<(u64, u64)>);

/// A `<line>` whose attributes are plain (see [`plain_attributes`]) and
/// whose numbers are only digits. `None` sends it to [`general_line`],
/// which decides what anything else means.
fn plain_line(e: &BytesStart<'_>) -> Option<Line> {
    let [number, hits, branch, condition] =
        plain_attributes(e, ["number", "hits", "branch", "condition-coverage"])?;
    let number = u32::try_from(plain_u64(number?)?).ok()?;
    let hits = plain_u64(hits?)?;
    let branches = match branch {
        Some("true") => condition.and_then(condition_counts),
        _ => None,
    };
    Some((number, hits, branches))
}

fn plain_u64(v: &str) -> Option<u64> {
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    v.parse().ok()
}

/// Any `<line>`, attribute by attribute: every form and every error.
fn general_line(e: &BytesStart<'_>) -> Result<Line, String> {
    let number: u32 = attr(e, "number")
        .and_then(|n| n.trim().parse().ok())
        .ok_or_else(|| "expected <line number=\"N\" hits=\"N\">".to_owned())?;
    let hits: u64 = attr(e, "hits")
        .and_then(|h| {
            let h = h.trim();
            h.parse()
                .ok()
                .or_else(|| h.parse::<f64>().ok().map(|f| f.max(0.0) as u64))
        })
        .ok_or_else(|| format!("<line number=\"{number}\">: expected a hits attribute"))?;
    let branches = if attr(e, "branch").as_deref() == Some("true") {
        attr(e, "condition-coverage")
            .as_deref()
            .and_then(condition_counts)
    } else {
        None
    };
    Ok((number, hits, branches))
}

/// Reads a Cobertura report. `root` is the checkout, for resolving sources.
pub fn read(reader: impl BufRead, root: &Path) -> Result<Coverage, ReadError> {
    let mut xml = Reader::from_reader(LineCounting::new(reader));
    let mut buf = Vec::new();
    let mut sources: Vec<String> = Vec::new();
    // The text of the <source> being read: quick-xml splits it at entity
    // references, so the pieces are joined here.
    let mut source: Option<String> = None;
    let mut open = OpenElements::default();
    // Class file name and its coverage while inside a <class>.
    let mut classes: Vec<(String, FileCoverage)> = Vec::new();
    let mut current: Option<(String, FileBuilder)> = None;
    // Reused from class to class.
    let mut spare = FileBuilder::default();
    let mut method_depth = 0usize;
    loop {
        let event = next_tracked(&mut xml, &mut buf, &mut open)?;
        let bad = |message: String| malformed(xml.get_ref().line(), message);
        match event {
            Event::Eof => break,
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(event, Event::Empty(_));
                match e.name().0 {
                    "source" if !empty => source = Some(String::new()),
                    "class" => {
                        let filename = attr(e, "filename").ok_or_else(|| {
                            bad("expected a filename attribute on <class>".into())
                        })?;
                        if empty {
                            classes.push((filename, FileCoverage::default()));
                        } else {
                            if let Some((_, unclosed)) = current.take() {
                                // A class never closed is dropped.
                                spare = unclosed;
                                spare.finish();
                            }
                            current = Some((filename, std::mem::take(&mut spare)));
                        }
                    }
                    "method" if !empty => method_depth += 1,
                    "line" if method_depth == 0 => {
                        let Some((_, file)) = current.as_mut() else {
                            continue; // <line> outside a class: not a Cobertura line.
                        };
                        let (number, hits, branches) = match plain_line(e) {
                            Some(l) => l,
                            None => general_line(e).map_err(bad)?,
                        };
                        file.line(number, hits);
                        if let Some((k, n)) = branches {
                            if k > n || n > MAX_CONDITIONS {
                                return Err(bad(format!(
                                    "<line number=\"{number}\">: condition-coverage ({k}/{n}): expected covered/total with covered <= total <= {MAX_CONDITIONS}"
                                )));
                            }
                            for i in 0..n {
                                file.branch_numbers(number, 0, i, u64::from(i < k));
                            }
                        }
                    }
                    _ => {}
                }
            }
            Event::Text(t) => {
                if let Some(text) = source.as_mut() {
                    text.push_str(&t.xml_content(quick_xml::XmlVersion::default()));
                }
            }
            Event::CData(t) => {
                if let Some(text) = source.as_mut() {
                    text.push_str(&t.xml_content(quick_xml::XmlVersion::default()));
                }
            }
            Event::GeneralRef(r) => {
                if let Some(text) = source.as_mut() {
                    let c = r
                        .resolve_char_ref()
                        .map_err(|e| bad(format!("<source> has a bad escape: {e}")))?;
                    match (c, quick_xml::escape::resolve_predefined_entity(&r)) {
                        (Some(c), _) => text.push(c),
                        (None, Some(s)) => text.push_str(s),
                        (None, None) => {
                            return Err(bad(format!("<source> has an unknown entity &{};", &*r)));
                        }
                    }
                }
            }
            Event::End(e) => match e.name().0 {
                "source" => {
                    if let Some(text) = source.take() {
                        let text = text.trim();
                        if !text.is_empty() {
                            sources.push(text.to_owned());
                        }
                    }
                }
                "method" => method_depth = method_depth.saturating_sub(1),
                "class" => {
                    if let Some((filename, mut file)) = current.take() {
                        classes.push((filename, file.finish()));
                        spare = file;
                    }
                }
                _ => {}
            },
            _ => {}
        }
        buf.clear();
    }
    open.at_end(xml.get_ref().line(), "Cobertura", "coverage")?;
    let mut cov = Coverage::default();
    for (filename, file) in classes {
        cov.add_file(resolve(&filename, &sources, root), file);
    }
    Ok(cov)
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = r#"<?xml version="1.0" ?>
<coverage version="7.6" line-rate="0.99" branch-rate="0.99">
  <sources>
    <source>/home/ci/app</source>
    <source>/home/ci/app/src</source>
  </sources>
  <packages>
    <package name="pkg" line-rate="1">
      <classes>
        <class name="a.py" filename="pkg/a.py" line-rate="1">
          <methods>
            <method name="f" signature="()">
              <lines><line number="1" hits="1"/><line number="2" hits="0"/></lines>
            </method>
          </methods>
          <lines>
            <line number="1" hits="1"/>
            <line number="2" hits="0" branch="true" condition-coverage="50% (1/2)"/>
            <line number="3" hits="4"/>
          </lines>
        </class>
        <class name="a.py$inner" filename="pkg/a.py">
          <lines><line number="3" hits="1"/><line number="9" hits="0"/></lines>
        </class>
      </classes>
    </package>
  </packages>
</coverage>"#;

    #[test]
    fn lines_branches_and_merged_classes() {
        let root = tempfile::tempdir().unwrap();
        let cov = read(REPORT.as_bytes(), root.path()).unwrap();
        assert_eq!(cov.files.len(), 1);
        let (path, f) = cov.files.iter().next().unwrap();
        assert_eq!(path, "/home/ci/app/pkg/a.py");
        // Method lines are not counted twice; the two classes merge.
        assert_eq!(f.lines.len(), 4);
        assert_eq!(f.lines.get(1), Some(1));
        assert_eq!(f.lines.get(3), Some(5));
        let t = f.totals();
        assert_eq!((t.lines_found, t.lines_hit), (4, 2));
        assert_eq!((t.branches_found, t.branches_hit), (2, 1));
    }

    #[test]
    fn the_longest_source_holding_the_file_wins() {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join("src/pkg")).unwrap();
        std::fs::write(root.path().join("src/pkg/a.py"), "").unwrap();
        std::fs::create_dir_all(root.path().join("pkg")).unwrap();
        std::fs::write(root.path().join("pkg/a.py"), "").unwrap();
        let sources = vec![".".to_owned(), "src".to_owned()];
        assert_eq!(resolve("pkg/a.py", &sources, root.path()), "src/pkg/a.py");
        assert_eq!(
            resolve("pkg/missing.py", &sources, root.path()),
            "pkg/missing.py"
        );
        assert_eq!(
            resolve("x.py", &["/abs/one".to_owned()], root.path()),
            "/abs/one/x.py"
        );
    }

    #[test]
    fn condition_coverage_parsing() {
        assert_eq!(condition_counts("50% (1/2)"), Some((1, 2)));
        assert_eq!(condition_counts("100% (4/4)"), Some((4, 4)));
        assert_eq!(condition_counts("50%"), None);
    }

    #[test]
    fn malformed_reports_name_the_line() {
        let root = tempfile::tempdir().unwrap();
        let broken = "<coverage>\n<packages>\n<class filename=\"a\"><lines>\n<line number=\"x\" hits=\"1\"/>\n";
        let err = read(broken.as_bytes(), root.path())
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("line 4:"), "{err}");
        let truncated =
            "<coverage>\n<packages>\n<class filename=\"a\"><lines><line number=\"1\" hits=";
        let err = read(truncated.as_bytes(), root.path())
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("line 3:"), "{err}");
        let err = read("garbage, not xml".as_bytes(), root.path())
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 1"), "{err}");
    }

    #[test]
    fn sources_from_another_machine_pick_the_one_in_the_checkout() {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join("src")).unwrap();
        std::fs::write(root.path().join("src/a.py"), "").unwrap();
        let sources = vec!["/ci/build".to_owned(), "/ci/build/src".to_owned()];
        let resolved = resolve("a.py", &sources, root.path());
        assert_eq!(resolved, "/ci/build/src/a.py");
        assert_eq!(normalize(&resolved, &[], root.path()), "src/a.py");
        // No source holds it: the first as written.
        assert_eq!(
            resolve("gone.py", &sources, root.path()),
            "/ci/build/gone.py"
        );
    }

    #[test]
    fn a_source_with_entities_is_one_source() {
        let root = tempfile::tempdir().unwrap();
        let report = "<coverage><sources><source> /ci/R&amp;D/&#x61;pp </source><source>/b<![CDATA[&c]]></source></sources>\n<packages><package><classes><class filename=\"x.py\"><lines><line number=\"1\" hits=\"1\"/></lines></class></classes></package></packages></coverage>";
        let cov = read(report.as_bytes(), root.path()).unwrap();
        assert_eq!(cov.files.keys().collect::<Vec<_>>(), ["/ci/R&D/app/x.py"]);
        let bad = "<coverage><sources><source>/a&nope;</source></sources></coverage>";
        let err = read(bad.as_bytes(), root.path()).unwrap_err().to_string();
        assert!(err.starts_with("line 1:"), "{err}");
    }

    #[test]
    fn condition_counts_out_of_range_are_malformed() {
        let root = tempfile::tempdir().unwrap();
        for cc in ["50% (1/4000000000)", "0% (3/2)", "1% (1/10001)"] {
            for extra in ["", " hits2=\"&#49;\""] {
                let report = format!(
                    "<coverage>\n<packages><package><classes><class filename=\"a.py\"><lines>\n<line number=\"3\" hits=\"1\" branch=\"true\" condition-coverage=\"{cc}\"{extra}/>\n</lines></class></classes></package></packages></coverage>"
                );
                let err = read(report.as_bytes(), root.path())
                    .unwrap_err()
                    .to_string();
                assert!(
                    err.starts_with("line 3: <line number=\"3\">: condition-coverage"),
                    "{cc}: {err}"
                );
            }
        }
        let ok = "<coverage><packages><package><classes><class filename=\"a.py\"><lines><line number=\"3\" hits=\"1\" branch=\"true\" condition-coverage=\"1% (1/10000)\"/></lines></class></classes></package></packages></coverage>";
        let cov = read(ok.as_bytes(), root.path()).unwrap();
        assert_eq!(cov.totals().branches_found, 10_000);
    }

    #[test]
    fn a_report_cut_short_is_malformed() {
        let root = tempfile::tempdir().unwrap();
        let cut = REPORT.find("        <class name=\"a.py$inner\"").unwrap();
        let err = read(&REPORT.as_bytes()[..cut], root.path())
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "line 22: unexpected end of the report: <classes> opened at line 9 is not closed"
        );
        let inside = REPORT.find("<line number=\"9\"").unwrap();
        let err = read(&REPORT.as_bytes()[..inside], root.path())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("<lines> opened at line 23 is not closed"),
            "{err}"
        );
        let no_end = REPORT.trim_end().strip_suffix("</coverage>").unwrap();
        let err = read(no_end.as_bytes(), root.path())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("<coverage> opened at line 2 is not closed"),
            "{err}"
        );
        assert!(read("<coverage/>".as_bytes(), root.path()).is_ok());
    }

    #[test]
    fn a_line_without_hits_says_which() {
        let root = tempfile::tempdir().unwrap();
        let report = "<coverage>\n<packages><package><classes><class filename=\"a.py\"><lines>\n\n<line number=\"3\"/>\n</lines></class></classes></package></packages></coverage>";
        let err = read(report.as_bytes(), root.path())
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "line 4: <line number=\"3\">: expected a hits attribute"
        );
    }
}
