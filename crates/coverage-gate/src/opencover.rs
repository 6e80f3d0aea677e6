//! OpenCover XML: OpenCover itself, coverlet's default `opencover` format,
//! AltCover.
//!
//! A `<SequencePoint>` covers lines `sl` to `el` of the file its `fileid`
//! (else its method's `<FileRef>`) names; a line counts once, with the
//! largest visit count `vc` of the points on it. Each `<BranchPoint>` is a
//! branch on its line `sl`, taken when `vc` is above 0; its ids (offset,
//! path) mean nothing to other formats, so the report's branches count as
//! unnamed. Modules, classes and methods marked `skippedDueTo` (filtered,
//! no symbols) hold no coverage and are skipped. `<MethodPoint>` is a
//! method's entry, not a line. A report cut short, or with a number out of
//! range, is malformed at its line.

use std::collections::{BTreeMap, HashMap};
use std::io::BufRead;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use crate::model::{
    Coverage, FileBuilder, ReadError, excerpt, malformed, saturating_count, too_large,
};
use crate::xml::{LineCounting, OpenElements, attr, next_tracked};

/// The most lines one sequence point may span, as for Go blocks.
pub const MAX_POINT_LINES: u32 = 1_000_000;

/// One file's lines (largest visit count) and branches (found, taken).
#[derive(Default)]
struct FileData {
    lines: BTreeMap<u32, u64>,
    branches: BTreeMap<u32, (u64, u64)>,
}

fn line_attr(e: &BytesStart<'_>, name: &str, element: &str) -> Result<u32, String> {
    let v = attr(e, name).ok_or_else(|| format!("expected a {name} attribute on <{element}>"))?;
    match v.trim().parse() {
        Ok(n) => Ok(n),
        Err(_) if saturating_count(v.trim()).is_some() => Err(too_large(
            &format!("<{element}> {name}"),
            v.trim(),
            u32::MAX.into(),
        )),
        Err(_) => Err(format!(
            "expected <{element} {name}=\"N\">, found {name}={}",
            excerpt(&v)
        )),
    }
}

fn visits(e: &BytesStart<'_>, element: &str) -> Result<u64, String> {
    match attr(e, "vc") {
        None => Ok(0),
        Some(v) => saturating_count(v.trim())
            .ok_or_else(|| format!("expected <{element} vc=\"N\">, found vc={}", excerpt(&v))),
    }
}

/// Reads an OpenCover report.
pub fn read(reader: impl BufRead) -> Result<Coverage, ReadError> {
    let mut xml = Reader::from_reader(LineCounting::new(reader));
    let mut buf = Vec::new();
    let mut open = OpenElements::default();
    // The module's files by uid.
    let mut uids: HashMap<String, String> = HashMap::new();
    let mut data: BTreeMap<String, FileData> = BTreeMap::new();
    // The open element marked skippedDueTo, as a depth in `open`, and ours.
    let mut skipping: Option<usize> = None;
    let mut depth = 0usize;
    let mut method_file: Option<String> = None;
    let (mut modules, mut points) = (0u64, 0u64);
    loop {
        let event = next_tracked(&mut xml, &mut buf, &mut open)?;
        let bad = |message: String| malformed(xml.get_ref().line(), message);
        match event {
            Event::Eof => break,
            Event::Start(ref e) | Event::Empty(ref e) => {
                let start = matches!(event, Event::Start(_));
                if start {
                    depth += 1;
                }
                if skipping.is_some() {
                    buf.clear();
                    continue;
                }
                let name = e.name().0;
                if matches!(name, "Module" | "Class" | "Method")
                    && attr(e, "skippedDueTo").is_some()
                {
                    if start {
                        skipping = Some(depth);
                    }
                    buf.clear();
                    continue;
                }
                match name {
                    "Module" => {
                        modules += 1;
                        uids.clear();
                    }
                    "File" => {
                        if let (Some(uid), Some(path)) = (attr(e, "uid"), attr(e, "fullPath")) {
                            uids.insert(uid, path);
                        }
                    }
                    "Method" => method_file = None,
                    "FileRef" => method_file = attr(e, "uid"),
                    "SequencePoint" | "BranchPoint" => {
                        points += 1;
                        let uid = attr(e, "fileid").or_else(|| method_file.clone());
                        let Some(path) = uid.and_then(|u| uids.get(&u)) else {
                            // A point without a source file (compiler-made).
                            buf.clear();
                            continue;
                        };
                        let file = match data.get_mut(path) {
                            Some(f) => f,
                            None => data.entry(path.clone()).or_default(),
                        };
                        let sl = line_attr(e, "sl", name).map_err(&bad)?;
                        let vc = visits(e, name).map_err(&bad)?;
                        if name == "BranchPoint" {
                            let b = file.branches.entry(sl).or_default();
                            b.0 += 1;
                            b.1 += u64::from(vc > 0);
                            if b.0 > crate::cobertura::MAX_CONDITIONS {
                                return Err(bad(too_large(
                                    "the number of branch points on one line",
                                    &b.0.to_string(),
                                    crate::cobertura::MAX_CONDITIONS,
                                )));
                            }
                        } else {
                            let el = match attr(e, "el") {
                                None => sl,
                                Some(_) => line_attr(e, "el", name).map_err(&bad)?,
                            };
                            if el < sl || el - sl >= MAX_POINT_LINES {
                                return Err(bad(format!(
                                    "<SequencePoint sl=\"{sl}\" el=\"{el}\">: expected sl <= el, at most {MAX_POINT_LINES} lines apart"
                                )));
                            }
                            for l in sl..=el {
                                let hits = file.lines.entry(l).or_default();
                                *hits = (*hits).max(vc);
                            }
                        }
                    }
                    _ => {}
                }
            }
            Event::End(_) => {
                if skipping == Some(depth) {
                    skipping = None;
                }
                depth = depth.saturating_sub(1);
            }
            _ => {}
        }
        buf.clear();
    }
    open.at_end(xml.get_ref().line(), "OpenCover", "CoverageSession")?;
    let mut cov = Coverage::default();
    let mut builder = FileBuilder::default();
    for (path, file) in data {
        for (&line, &hits) in &file.lines {
            builder.line(line, hits);
        }
        for (&line, &(found, hit)) in &file.branches {
            builder.unnamed_branches(line, found, hit);
        }
        cov.add_file(path, builder.finish());
    }
    if cov.totals().lines_found == 0 {
        cov.notes.push(if modules == 0 {
            "no <Module> with coverage (none, or all skipped: filtered or without symbols)".to_owned()
        } else if points == 0 {
            format!("{modules} <Module> element(s) but no <SequencePoint>: the report holds no line data")
        } else {
            format!("{modules} <Module> element(s), {points} point(s), none in a source file")
        });
    }
    Ok(cov)
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<CoverageSession>
  <Summary numSequencePoints="5" visitedSequencePoints="3" numBranchPoints="2" visitedBranchPoints="1" />
  <Modules>
    <Module skippedDueTo="Filter" hash="x"><ModulePath>x.dll</ModulePath><Files><File uid="1" fullPath="C:\skip.cs" /></Files></Module>
    <Module hash="y">
      <Files>
        <File uid="1" fullPath="C:\temp\A.cs" />
      </Files>
      <Classes>
        <Class>
          <Methods>
            <Method visited="true">
              <FileRef uid="1" />
              <SequencePoints>
                <SequencePoint vc="4" sl="7" sc="1" el="7" ec="2" fileid="1" />
                <SequencePoint vc="0" sl="7" sc="5" el="8" ec="2" />
                <SequencePoint vc="0" sl="9" sc="1" el="9" ec="2" fileid="1" />
              </SequencePoints>
              <BranchPoints>
                <BranchPoint vc="1" sl="7" offset="3" path="0" fileid="1" />
                <BranchPoint vc="0" sl="7" offset="3" path="1" fileid="1" />
              </BranchPoints>
              <MethodPoint vc="4" sl="7" el="9" fileid="1" />
            </Method>
            <Method skippedDueTo="Attribute"><FileRef uid="1" /><SequencePoints><SequencePoint vc="1" sl="20" el="20" fileid="1" /></SequencePoints></Method>
          </Methods>
        </Class>
      </Classes>
    </Module>
  </Modules>
</CoverageSession>"#;

    #[test]
    fn sequence_points_by_line_branch_points_unnamed_skipped_parts_skipped() {
        let cov = read(REPORT.as_bytes()).unwrap();
        assert_eq!(cov.files.keys().collect::<Vec<_>>(), ["C:\\temp\\A.cs"]);
        let f = &cov.files["C:\\temp\\A.cs"];
        assert_eq!(f.lines.iter().collect::<Vec<_>>(), [(7, 4), (8, 0), (9, 0)]);
        let t = f.totals();
        assert_eq!((t.branches_found, t.branches_hit), (2, 1));
    }

    #[test]
    fn broken_reports_name_the_line() {
        let bad = REPORT.replace("sl=\"9\"", "sl=\"9x\"");
        let err = read(bad.as_bytes()).unwrap_err().to_string();
        assert!(err.starts_with("line 18:"), "{err}");
        let bad = REPORT.replace("el=\"8\"", "el=\"6\"");
        let err = read(bad.as_bytes()).unwrap_err().to_string();
        assert!(err.starts_with("line 17:"), "{err}");
        let cut = &REPORT[..REPORT.find("</Methods>").unwrap()];
        let err = read(cut.as_bytes()).unwrap_err().to_string();
        assert!(err.contains("is not closed"), "{err}");
    }
}
