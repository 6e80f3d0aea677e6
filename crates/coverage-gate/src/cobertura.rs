//! Cobertura XML (coverage.py, Cobertura, and the many tools that imitate it).
//!
//! Lines come from `<line>` elements directly under a class's `<lines>`; the
//! copies under `<method>` are not counted again, and `line-rate`
//! attributes are never trusted. Branches come from
//! `condition-coverage="50% (1/2)"`. A class's filename is resolved against
//! every `<source>`, the longest one under which the file exists winning.
//!
//! `<line>` elements are most of a report, so their attributes are read in
//! one pass without allocating when they are plain numbers; anything else
//! (escapes, odd spacing, a broken attribute) goes the general way.

use std::io::BufRead;
use std::path::{Path, PathBuf};

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use crate::model::{Coverage, FileBuilder, FileCoverage, ReadError, malformed};
use crate::xml::{LineCounting, attr, next_event, plain_attributes};

/// `(k, n)` from `condition-coverage="50% (1/2)"`.
pub fn condition_counts(s: &str) -> Option<(u64, u64)> {
    let inner = s.rsplit_once('(')?.1.strip_suffix(')')?;
    let (k, n) = inner.split_once('/')?;
    Some((k.trim().parse().ok()?, n.trim().parse().ok()?))
}

/// Resolves a class filename against the report's sources: the longest
/// source under which it exists in `root`, else the first source as written.
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
        let path = PathBuf::from(p);
        if path.is_absolute() {
            path.exists()
        } else {
            root.join(path).exists()
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
        .ok_or_else(|| format!("line {number}: expected a hits attribute"))?;
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
    let mut in_source = false;
    // Class file name and its coverage while inside a <class>.
    let mut classes: Vec<(String, FileCoverage)> = Vec::new();
    let mut current: Option<(String, FileBuilder)> = None;
    // Reused from class to class.
    let mut spare = FileBuilder::default();
    let mut method_depth = 0usize;
    let mut saw_root = false;
    loop {
        let event = next_event(&mut xml, &mut buf)?;
        let bad = |message: String| malformed(xml.get_ref().line(), message);
        match event {
            Event::Eof => break,
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(event, Event::Empty(_));
                match e.name().0 {
                    "coverage" => saw_root = true,
                    "source" if !empty => in_source = true,
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
                            for i in 0..n {
                                file.branch_numbers(number, 0, i, u64::from(i < k));
                            }
                        }
                    }
                    _ => {}
                }
            }
            Event::Text(t) if in_source => {
                let raw = t.into_inner();
                let text = quick_xml::escape::unescape(&raw)
                    .map_err(|e| bad(format!("<source> has a bad escape: {e}")))?
                    .trim()
                    .to_owned();
                if !text.is_empty() {
                    sources.push(text);
                }
            }
            Event::End(e) => match e.name().0 {
                "source" => in_source = false,
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
    if !saw_root {
        return Err(malformed(
            xml.get_ref().line(),
            "expected a Cobertura <coverage> document",
        ));
    }
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
}
