//! Cobertura XML (coverage.py, Cobertura, coverlet, gcovr, and the many
//! tools that imitate it).
//!
//! Lines come from `<line>` elements directly under a class's `<lines>`; the
//! copies under `<method>` are not counted again, unless the class has no
//! line of its own (Swift exporters write lines only under `<method>`).
//! `line-rate` attributes are never trusted. Branches come from
//! `branch="true"` (any case: .NET writes `True`) with
//! `condition-coverage="50% (1/2)"`, as counts the report does not name. A
//! class's filename is resolved against every `<source>`, the longest one
//! under which the file exists in the checkout winning; placeholders
//! (`--source`, `--dummy`) are not sources. A report cut short, or with a
//! number out of range, is malformed at its line.
//!
//! `<line>` elements are most of a report, so their attributes are read in
//! one pass without allocating when they are plain numbers; anything else
//! (escapes, odd spacing, a broken attribute) goes the general way.

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::Path;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use crate::model::{
    Coverage, FileBuilder, FileCoverage, MAX_LINE_BYTES, ReadError, excerpt, malformed,
    saturating_count, too_large,
};
use crate::paths::normalize;
use crate::xml::{LineCounting, OpenElements, attr, is_true, next_tracked, plain_attributes};

/// The most conditions one `<line>` may have: each is an outcome of its
/// own, and no real line has more.
pub const MAX_CONDITIONS: u64 = 10_000;

/// `(k, n)` from `condition-coverage="50% (1/2)"`; numbers past `u64`
/// saturate, to be refused by the caller's bound.
pub fn condition_counts(s: &str) -> Option<(u64, u64)> {
    let inner = s.rsplit_once('(')?.1.strip_suffix(')')?;
    let (k, n) = inner.split_once('/')?;
    let number = |s: &str| s.parse().ok().or_else(|| saturating_count(s));
    Some((number(k.trim())?, number(n.trim())?))
}

/// Whether a `<source>` is a placeholder, not a directory: a command-line
/// flag some producers leave in (`--source`, `--dummy`).
pub fn is_placeholder(source: &str) -> bool {
    source.starts_with("--")
}

/// How a class filename was resolved: the source used, if any, and whether
/// the file exists in the checkout under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub path: String,
    /// The index of the source joined, `None` for an absolute filename or
    /// a report without sources.
    pub source: Option<usize>,
    pub found: bool,
}

/// Resolves a class filename against the report's sources: the longest
/// source under which it exists in `root`, else the first source as written.
///
/// Each candidate is normalised as the final path will be (see
/// [`normalize`]) before asking whether it exists, so sources from another
/// machine (`/ci/build`, `/ci/build/src`) still pick the one whose file is
/// in this checkout.
pub fn resolve(filename: &str, sources: &[String], root: &Path) -> Resolved {
    let name = filename.replace('\\', "/");
    if Path::new(&name).is_absolute() || sources.is_empty() {
        return Resolved {
            path: name,
            source: None,
            found: false,
        };
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
    let mut best: Option<usize> = None;
    for (i, s) in sources.iter().enumerate() {
        if exists(&join(s)) && best.is_none_or(|b| s.len() > sources[b].len()) {
            best = Some(i);
        }
    }
    let used = best.unwrap_or(0);
    Resolved {
        path: join(&sources[used]),
        source: Some(used),
        found: best.is_some(),
    }
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
        Some(b) if is_true(b) => Some(condition_counts(condition?)?),
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
    let number =
        attr(e, "number").ok_or_else(|| "expected <line number=\"N\" hits=\"N\">".to_owned())?;
    let number: u32 = match number.trim().parse() {
        Ok(n) => n,
        Err(_) if saturating_count(number.trim()).is_some() => {
            return Err(too_large("<line> number", number.trim(), u32::MAX.into()));
        }
        Err(_) => {
            return Err(format!(
                "expected <line number=\"N\" hits=\"N\">, found number={}",
                excerpt(&number)
            ));
        }
    };
    let hits: u64 = attr(e, "hits")
        .and_then(|h| {
            let h = h.trim();
            saturating_count(h).or_else(|| h.parse::<f64>().ok().map(|f| f.max(0.0) as u64))
        })
        .ok_or_else(|| format!("<line number=\"{number}\">: expected a hits attribute"))?;
    let branches = if attr(e, "branch").is_some_and(|b| is_true(b.trim())) {
        attr(e, "condition-coverage")
            .as_deref()
            .and_then(condition_counts)
    } else {
        None
    };
    Ok((number, hits, branches))
}

/// The class being read: its file, its own lines, and its methods' lines
/// (counted only when it has none of its own).
struct Class {
    filename: String,
    own: FileBuilder,
    methods: FileBuilder,
}

/// Reads a Cobertura report. `root` is the checkout, for resolving sources.
pub fn read(reader: impl BufRead, root: &Path) -> Result<Coverage, ReadError> {
    let mut xml = Reader::from_reader(LineCounting::new(reader));
    let mut buf = Vec::new();
    let mut sources: Vec<String> = Vec::new();
    let mut placeholders: Vec<String> = Vec::new();
    // The text of the <source> being read: quick-xml splits it at entity
    // references, so the pieces are joined here.
    let mut source: Option<String> = None;
    let mut open = OpenElements::default();
    let mut classes: Vec<(String, FileCoverage)> = Vec::new();
    let mut current: Option<Class> = None;
    // Reused from class to class.
    let mut spare = (FileBuilder::default(), FileBuilder::default());
    let mut method_depth = 0usize;
    let mut line_elements = 0u64;
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
                            if let Some(mut unclosed) = current.take() {
                                // A class never closed is dropped.
                                unclosed.own.finish();
                                unclosed.methods.finish();
                                spare = (unclosed.own, unclosed.methods);
                            }
                            let (own, methods) = std::mem::take(&mut spare);
                            current = Some(Class {
                                filename,
                                own,
                                methods,
                            });
                        }
                    }
                    "method" if !empty => method_depth += 1,
                    "line" => {
                        let Some(class) = current.as_mut() else {
                            continue; // <line> outside a class: not a Cobertura line.
                        };
                        line_elements += 1;
                        let file = if method_depth == 0 {
                            &mut class.own
                        } else {
                            &mut class.methods
                        };
                        let (number, hits, branches) = match plain_line(e) {
                            Some(l) => l,
                            None => general_line(e).map_err(bad)?,
                        };
                        file.line(number, hits);
                        if let Some((k, n)) = branches {
                            if n > MAX_CONDITIONS {
                                return Err(bad(format!(
                                    "<line number=\"{number}\">: {}",
                                    too_large(
                                        "the condition-coverage total",
                                        &n.to_string(),
                                        MAX_CONDITIONS
                                    )
                                )));
                            }
                            if k > n {
                                return Err(bad(format!(
                                    "<line number=\"{number}\">: condition-coverage ({k}/{n}): expected covered <= total"
                                )));
                            }
                            file.unnamed_branches(number, n, k);
                        }
                    }
                    _ => {}
                }
            }
            Event::Text(t) => {
                if let Some(text) = source.as_mut() {
                    text.push_str(&t.xml_content(quick_xml::XmlVersion::default()));
                    source_bound(text, &bad)?;
                }
            }
            Event::CData(t) => {
                if let Some(text) = source.as_mut() {
                    text.push_str(&t.xml_content(quick_xml::XmlVersion::default()));
                    source_bound(text, &bad)?;
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
                            return Err(bad(format!(
                                "<source> has an unknown entity &{};",
                                crate::model::clip(&r)
                            )));
                        }
                    }
                    source_bound(text, &bad)?;
                }
            }
            Event::End(e) => match e.name().0 {
                "source" => {
                    if let Some(text) = source.take() {
                        let text = text.trim();
                        if is_placeholder(text) {
                            placeholders.push(text.to_owned());
                        } else if !text.is_empty() {
                            sources.push(text.to_owned());
                        }
                    }
                }
                "method" => method_depth = method_depth.saturating_sub(1),
                "class" => {
                    if let Some(mut class) = current.take() {
                        let own = class.own.finish();
                        let methods = class.methods.finish();
                        let file = if own.lines.is_empty() && own.branches.is_empty() {
                            methods
                        } else {
                            own
                        };
                        classes.push((class.filename, file));
                        spare = (class.own, class.methods);
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
    // Files resolved, and found in the checkout, per source.
    let mut used: BTreeMap<usize, (u64, u64)> = BTreeMap::new();
    let class_count = classes.len();
    for (filename, file) in classes {
        let r = resolve(&filename, &sources, root);
        if let Some(i) = r.source {
            let e = used.entry(i).or_default();
            e.0 += 1;
            e.1 += u64::from(r.found);
        }
        cov.add_file(r.path, file);
    }
    if !placeholders.is_empty() || sources.len() > 1 {
        cov.notes.push(sources_note(&sources, &placeholders, &used));
    }
    if cov.totals().lines_found == 0 {
        cov.notes.push(if class_count == 0 {
            "no <class> element: a Cobertura report lists its files as <class filename=\"...\"> under <packages>".to_owned()
        } else if line_elements == 0 {
            format!("{class_count} <class> element(s) but no <line> in any class or method: the report holds no line data")
        } else {
            format!("{class_count} <class> element(s), {line_elements} <line> element(s), none with data")
        });
    }
    Ok(cov)
}

/// A `<source>`'s text is one token's worth at most.
fn source_bound(text: &str, bad: &dyn Fn(String) -> ReadError) -> Result<(), ReadError> {
    if text.len() > MAX_LINE_BYTES {
        return Err(bad(format!(
            "a <source> longer than {} MiB: not a coverage report this gate reads",
            MAX_LINE_BYTES >> 20
        )));
    }
    Ok(())
}

/// Which `<source>` the files were resolved against, for a report with
/// several or with placeholders.
fn sources_note(
    sources: &[String],
    placeholders: &[String],
    used: &BTreeMap<usize, (u64, u64)>,
) -> String {
    let mut parts: Vec<String> = Vec::new();
    for (i, (files, found)) in used {
        if let Some(s) = sources.get(*i) {
            parts.push(format!(
                "<source> {} for {files} file(s), {found} of them in the checkout",
                excerpt(s)
            ));
        }
    }
    if used.is_empty() {
        parts.push("no <source> used (absolute file names)".to_owned());
    }
    let unused: Vec<String> = sources
        .iter()
        .enumerate()
        .filter(|(i, _)| !used.contains_key(i))
        .map(|(_, s)| excerpt(s))
        .collect();
    if !unused.is_empty() {
        parts.push(format!("unused: {}", unused.join(", ")));
    }
    if !placeholders.is_empty() {
        let p: Vec<String> = placeholders.iter().map(|s| excerpt(s)).collect();
        parts.push(format!("placeholders ignored: {}", p.join(", ")));
    }
    parts.join("; ")
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
        assert_eq!(
            resolve("pkg/a.py", &sources, root.path()),
            Resolved {
                path: "src/pkg/a.py".into(),
                source: Some(1),
                found: true
            }
        );
        assert_eq!(
            resolve("pkg/missing.py", &sources, root.path()).path,
            "pkg/missing.py"
        );
        assert_eq!(
            resolve("x.py", &["/abs/one".to_owned()], root.path()).path,
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
        let resolved = resolve("a.py", &sources, root.path()).path;
        assert_eq!(resolved, "/ci/build/src/a.py");
        assert_eq!(normalize(&resolved, &[], root.path()), "src/a.py");
        // No source holds it: the first as written.
        assert_eq!(
            resolve("gone.py", &sources, root.path()).path,
            "/ci/build/gone.py"
        );
    }

    // Regression (review 82b73f7): `<source>` text was split at entities.
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

    // Regression (review 82b73f7): huge condition counts hung or overflowed.
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
                    err.starts_with("line 3: <line number=\"3\">: ")
                        && (err.contains("condition-coverage total")
                            || err.contains("condition-coverage (3/2)")),
                    "{cc}: {err}"
                );
            }
        }
        let ok = "<coverage><packages><package><classes><class filename=\"a.py\"><lines><line number=\"3\" hits=\"1\" branch=\"true\" condition-coverage=\"1% (1/10000)\"/></lines></class></classes></package></packages></coverage>";
        let cov = read(ok.as_bytes(), root.path()).unwrap();
        assert_eq!(cov.totals().branches_found, 10_000);
    }

    // Regression (review 82b73f7): a truncated Cobertura was accepted; now rejected with the open
    // element's line.
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

    // Regression (#17.1, real coverlet reports): `branch="True"` was not read, so every .NET branch
    // was silently dropped.
    /// coverlet and `dotnet test` write `branch="True"`: issue 17, item 1.
    #[test]
    fn xml_booleans_are_read_in_any_case() {
        let root = tempfile::tempdir().unwrap();
        for (branch, plain) in [
            ("True", true),
            ("TRUE", true),
            ("1", true),
            (" True ", true),
        ] {
            for extra in ["", " x=\"&#49;\""] {
                let report = format!(
                    "<coverage><packages><package><classes><class filename=\"a.cs\"><lines><line number=\"3\" hits=\"1\" branch=\"{branch}\" condition-coverage=\"50% (1/2)\"{extra}/><line number=\"4\" hits=\"1\" branch=\"False\" condition-coverage=\"50% (1/2)\"/></lines></class></classes></package></packages></coverage>"
                );
                let cov = read(report.as_bytes(), root.path()).unwrap();
                let t = cov.totals();
                assert_eq!(
                    (t.branches_found, t.branches_hit),
                    (2, 1),
                    "{branch} {plain}"
                );
            }
        }
    }

    // Regression (#17.5, real Swift exporter): lines only under `<method>` were rejected.
    /// A Swift exporter writes lines only under <method>: issue 17, item 5.
    #[test]
    fn a_class_without_lines_of_its_own_gives_its_methods_lines() {
        let root = tempfile::tempdir().unwrap();
        let report = r#"<coverage><packages><package name="p">
<class name="A" filename="a.swift"><methods>
  <method name="f"><lines><line number="5" branch="false" hits="0"/></lines></method>
  <method name="g"><lines><line number="16" branch="true" hits="1" condition-coverage="50% (1/2)"/></lines></method>
</methods></class>
<class name="B" filename="b.swift"><methods><method name="h"><lines><line number="1" hits="1"/></lines></method></methods>
<lines><line number="2" hits="1"/></lines></class>
</package></packages></coverage>"#;
        let cov = read(report.as_bytes(), root.path()).unwrap();
        let a = cov.files["a.swift"].totals();
        assert_eq!((a.lines_found, a.lines_hit, a.branches_found), (2, 1, 2));
        // A class with lines of its own: its methods' copies are not counted.
        let b = &cov.files["b.swift"];
        assert_eq!(b.lines.iter().collect::<Vec<_>>(), [(2, 1)]);
        assert!(cov.notes.is_empty(), "{:?}", cov.notes);
    }

    // Regression (#17.5): a report with no line data blamed the paths instead of saying what it
    // lacks.
    #[test]
    fn a_report_without_line_data_says_what_it_lacks() {
        let root = tempfile::tempdir().unwrap();
        let cov = read(
            r#"<coverage><packages><package><classes><class filename="a.py"><methods/></class></classes></package></packages></coverage>"#.as_bytes(),
            root.path(),
        )
        .unwrap();
        assert_eq!(
            cov.notes,
            [
                "1 <class> element(s) but no <line> in any class or method: the report holds no line data"
            ]
        );
        let cov = read("<coverage><sources/></coverage>".as_bytes(), root.path()).unwrap();
        assert!(
            cov.notes[0].starts_with("no <class> element"),
            "{:?}",
            cov.notes
        );
    }

    // Regression (#17.10, real Maven reports): `--source`/`--dummy` placeholder sources were taken
    // as roots.
    /// Maven's `--source` and `--dummy` are not directories: issue 17, item 10.
    #[test]
    fn placeholder_sources_are_dropped_and_the_source_used_is_named() {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join("app")).unwrap();
        std::fs::write(root.path().join("app/Program.cs"), "").unwrap();
        let report = r#"<coverage><sources><source>--source</source><source>
      /code/samplediff/SampleApp
    </source><source>/code/other</source></sources><packages><package><classes>
<class filename="Program.cs"><lines><line number="1" hits="1"/></lines></class>
</classes></package></packages></coverage>"#;
        let cov = read(report.as_bytes(), root.path()).unwrap();
        assert_eq!(
            cov.files.keys().collect::<Vec<_>>(),
            ["/code/samplediff/SampleApp/Program.cs"]
        );
        assert_eq!(
            cov.notes,
            [
                r#"<source> "/code/samplediff/SampleApp" for 1 file(s), 0 of them in the checkout; unused: "/code/other"; placeholders ignored: "--source""#
            ]
        );
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
