//! Clover XML: OpenClover, PHPUnit (`--coverage-clover`), istanbul's
//! `clover` reporter.
//!
//! Lines come from `<line type="stmt">` and `<line type="cond">`; a line
//! listed more than once in a file (two statements on one line, a
//! statement and its condition) counts once, with its largest count. The
//! branches of a `cond` line are counts the report does not name, and the
//! producers mean different things by them. OpenClover writes a condition
//! without `count`: two branches, true and false, taken when `truecount` or
//! `falsecount` is above 0, the line run as often as they add up to.
//! istanbul writes `count`, and `truecount`/`falsecount` are the line's
//! branches covered and missed (so the line has their sum).
//! `<line type="method">` is a function (two of one name at different
//! lines, in two classes of one file, are two). The file's path is its `path`
//! attribute, else its `name`. Files under `<testproject>` (OpenClover's
//! test sources) are not the code under test and are skipped. A report cut
//! short, or with a number out of range, is malformed at its line.

use std::collections::{BTreeMap, HashMap};
use std::io::BufRead;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use crate::model::{
    Coverage, FileBuilder, ReadError, excerpt, malformed, saturating_count, too_large,
};
use crate::xml::{LineCounting, OpenElements, attr, next_tracked};

/// One line of a file: its largest count, and its conditions' branches
/// found and taken.
#[derive(Default, Clone, Copy)]
struct Line {
    count: u64,
    found: u64,
    hit: u64,
}

/// The most conditions one line may have: no real line has more.
pub const MAX_CONDITIONS: u64 = 10_000;

fn number(e: &BytesStart<'_>, name: &str) -> Result<Option<u64>, String> {
    match attr(e, name) {
        None => Ok(None),
        Some(v) => saturating_count(v.trim()).map(Some).ok_or_else(|| {
            format!(
                "<line>: expected {name} to be a count, found {}",
                excerpt(&v)
            )
        }),
    }
}

/// Reads a Clover report.
pub fn read(reader: impl BufRead) -> Result<Coverage, ReadError> {
    let mut xml = Reader::from_reader(LineCounting::new(reader));
    let mut buf = Vec::new();
    let mut open = OpenElements::default();
    let mut cov = Coverage::default();
    let mut builder = FileBuilder::default();
    // The file being read and its lines.
    let mut current: Option<(String, BTreeMap<u32, Line>)> = None;
    let mut test_depth = 0usize;
    // The file's method names, with their line.
    let mut methods: HashMap<String, u32> = HashMap::new();
    let (mut files, mut line_elements) = (0u64, 0u64);
    loop {
        let event = next_tracked(&mut xml, &mut buf, &mut open)?;
        let bad = |message: String| malformed(xml.get_ref().line(), message);
        match event {
            Event::Eof => break,
            Event::Start(ref e) | Event::Empty(ref e) => {
                let start = matches!(event, Event::Start(_));
                match e.name().0 {
                    "testproject" if start => test_depth += 1,
                    "file" if test_depth == 0 => {
                        files += 1;
                        let path = attr(e, "path")
                            .filter(|p| !p.trim().is_empty())
                            .or_else(|| attr(e, "name"))
                            .ok_or_else(|| {
                                bad("expected a path or name attribute on <file>".into())
                            })?;
                        methods.clear();
                        if start {
                            current = Some((path, BTreeMap::new()));
                        } else {
                            cov.add_file(path, builder.finish());
                        }
                    }
                    "line" => {
                        let Some((_, lines)) = current.as_mut() else {
                            continue;
                        };
                        line_elements += 1;
                        let num = attr(e, "num").ok_or_else(|| {
                            bad("expected <line num=\"N\" type=\"stmt|cond|method\">".into())
                        })?;
                        let num: u32 = match num.trim().parse() {
                            Ok(n) => n,
                            Err(_) if saturating_count(num.trim()).is_some() => {
                                return Err(bad(too_large(
                                    "<line> num",
                                    num.trim(),
                                    u32::MAX.into(),
                                )));
                            }
                            Err(_) => {
                                return Err(bad(format!(
                                    "expected <line num=\"N\">, found num={}",
                                    excerpt(&num)
                                )));
                            }
                        };
                        let count = number(e, "count").map_err(&bad)?;
                        match attr(e, "type").as_deref().map(str::trim) {
                            Some("stmt") => {
                                let l = lines.entry(num).or_default();
                                l.count = l.count.max(count.unwrap_or(0));
                            }
                            Some("cond") => {
                                let t = number(e, "truecount").map_err(&bad)?.unwrap_or(0);
                                let f = number(e, "falsecount").map_err(&bad)?.unwrap_or(0);
                                let l = lines.entry(num).or_default();
                                let (found, hit) = match count {
                                    // istanbul: the line's branches covered
                                    // and missed.
                                    Some(_) => (t.saturating_add(f), t),
                                    // OpenClover: how often the condition
                                    // was true and false.
                                    None => (2, u64::from(t > 0) + u64::from(f > 0)),
                                };
                                l.count = l.count.max(count.unwrap_or_else(|| t.saturating_add(f)));
                                l.found = l.found.saturating_add(found);
                                l.hit = l.hit.saturating_add(hit);
                                if l.found > MAX_CONDITIONS {
                                    return Err(bad(format!(
                                        "<line num=\"{num}\">: {}",
                                        too_large(
                                            "the number of condition outcomes",
                                            &l.found.to_string(),
                                            MAX_CONDITIONS
                                        )
                                    )));
                                }
                            }
                            Some("method") => {
                                let name = attr(e, "name")
                                    .or_else(|| attr(e, "signature"))
                                    .unwrap_or_default();
                                // Two classes in one file may each have a
                                // `SampleFunction() : void`: two methods.
                                let name = match methods.get(&name) {
                                    Some(line) if *line != num => format!("{name} (line {num})"),
                                    _ => {
                                        methods.insert(name.clone(), num);
                                        name
                                    }
                                };
                                builder.function(&name, Some(num), count.unwrap_or(0));
                            }
                            // Other kinds are no executable line.
                            _ => {}
                        }
                    }
                    _ => {}
                }
            }
            Event::End(e) => match e.name().0 {
                "testproject" => test_depth = test_depth.saturating_sub(1),
                "file" => {
                    if let Some((path, lines)) = current.take() {
                        for (&num, l) in &lines {
                            builder.line(num, l.count);
                            builder.unnamed_branches(num, l.found, l.hit);
                        }
                        cov.add_file(path, builder.finish());
                    }
                }
                _ => {}
            },
            _ => {}
        }
        buf.clear();
    }
    open.at_end(xml.get_ref().line(), "Clover", "coverage")?;
    if cov.totals().lines_found == 0 {
        cov.notes.push(if files == 0 {
            "no <file> element: a Clover report lists its files as <file path=\"...\"> under <project>".to_owned()
        } else if line_elements == 0 {
            format!("{files} <file> element(s) but no <line>: the report holds no line data")
        } else {
            format!("{files} <file> element(s) but no <line type=\"stmt\"> or <line type=\"cond\">: the report holds no line data")
        });
    }
    Ok(cov)
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPENCLOVER: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<coverage generated="1547410716458" clover="4.3.1">
   <project timestamp="1547410715686">
      <metrics statements="5" coveredstatements="3" conditionals="2" coveredconditionals="1"/>
      <package name="test">
         <file path="C:\temp\test\A.java" name="A.java">
            <class name="A"><metrics statements="5"/></class>
            <line complexity="1" visibility="public" signature="A()" num="3" count="2" type="method"/>
            <line num="4" count="2" type="stmt"/>
            <line num="5" count="2" type="stmt"/>
            <line num="5" count="0" type="stmt"/>
            <line num="6" truecount="2" falsecount="0" type="cond"/>
            <line num="7" count="0" type="stmt"/>
         </file>
      </package>
   </project>
   <testproject timestamp="1">
      <package name="test"><file path="C:\temp\test\ATest.java" name="ATest.java">
         <line num="9" count="1" type="stmt"/>
      </file></package>
   </testproject>
</coverage>"#;

    #[test]
    fn lines_once_branches_from_condition_counts_functions_from_methods() {
        let cov = read(OPENCLOVER.as_bytes()).unwrap();
        assert_eq!(
            cov.files.keys().collect::<Vec<_>>(),
            ["C:\\temp\\test\\A.java"]
        );
        let f = &cov.files["C:\\temp\\test\\A.java"];
        let t = f.totals();
        assert_eq!((t.lines_found, t.lines_hit), (4, 3));
        assert_eq!(f.lines.get(5), Some(2));
        assert_eq!(f.lines.get(6), Some(2));
        assert_eq!((t.branches_found, t.branches_hit), (2, 1));
        assert_eq!((t.functions_found, t.functions_hit), (1, 1));
    }

    /// istanbul's `cond` lines carry `count`, and their true/false counts
    /// are the line's branches covered and missed.
    #[test]
    fn istanbul_conditions_are_covered_and_missed_counts() {
        let report = r#"<coverage generated="1" clover="3.2.0"><project name="All files"><file name="a.js" path="/src/a.js">
<line num="3" count="2" type="cond" truecount="1" falsecount="1"/>
<line num="6" count="2" type="cond" truecount="2" falsecount="0"/>
<line num="7" count="0" type="cond" truecount="0" falsecount="4"/>
</file></project></coverage>"#;
        let t = read(report.as_bytes()).unwrap().totals();
        assert_eq!((t.lines_found, t.lines_hit), (3, 2));
        assert_eq!((t.branches_found, t.branches_hit), (8, 3));
    }

    #[test]
    fn broken_reports_name_the_line() {
        let cut = &OPENCLOVER[..OPENCLOVER.find("</package>").unwrap()];
        let err = read(cut.as_bytes()).unwrap_err().to_string();
        assert!(err.contains("is not closed"), "{err}");
        let bad = OPENCLOVER.replace("num=\"7\"", "num=\"99999999999\"");
        let err = read(bad.as_bytes()).unwrap_err().to_string();
        assert!(err.starts_with("line 13: <line> num"), "{err}");
        assert!(err.contains("is too large"), "{err}");
        let bad = OPENCLOVER.replace("truecount=\"2\"", "truecount=\"x\"");
        let err = read(bad.as_bytes()).unwrap_err().to_string();
        assert!(err.starts_with("line 12:"), "{err}");
    }
}
