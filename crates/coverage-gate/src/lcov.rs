//! A streaming reader for lcov tracefiles, 1.x and 2.x.
//!
//! Written here because the `lcov` crate rejects most 2.x records and keeps
//! only the last of several `SF` sections for a file. This reader takes
//! every producer's quirks (BOM, CRLF, `#` comments, Windows paths, function
//! names and branch ids with commas, `-` for a branch never reached, a
//! missing final `end_of_record`) and merges repeated sections line by line.
//! Summary records (`LF`, `LH`, `BRF`, ...) are read and ignored: totals are
//! computed from `DA` and `BRDA`, since lcov 1.16 captures often omit them.

use std::io::BufRead;

use crate::model::{Coverage, FileCoverage, Function, ReadError, malformed};

fn num<T: std::str::FromStr>(s: &str, line: u64, what: &str) -> Result<T, ReadError> {
    s.trim()
        .parse()
        .map_err(|_| malformed(line, format!("expected {what}, found {:?}", s.trim())))
}

/// An execution count; lcov writes huge counts as floats at times
/// (`DA:3,1.8e19` from some gcov versions), so accept those, saturating.
fn count(s: &str, line: u64, what: &str) -> Result<u64, ReadError> {
    let s = s.trim();
    if let Ok(n) = s.parse::<u64>() {
        return Ok(n);
    }
    if let Ok(n) = s.parse::<i64>() {
        // Negative counts come from broken gcov runs; treat as not run.
        return Ok(u64::try_from(n).unwrap_or(0));
    }
    match s.parse::<f64>() {
        Ok(f) if f.is_finite() && f >= 0.0 => Ok(f as u64),
        _ => Err(malformed(line, format!("expected {what}, found {s:?}"))),
    }
}

/// State for one `SF` section.
#[derive(Default)]
struct Section {
    path: Option<String>,
    file: FileCoverage,
    /// lcov 2.2 `FNL`/`FNA`: function index to start line.
    fn_index_lines: Vec<(u64, u32)>,
}

/// Reads a tracefile into `Coverage`, merging repeated files.
pub fn read(mut reader: impl BufRead) -> Result<Coverage, ReadError> {
    let mut cov = Coverage::default();
    let mut section = Section::default();
    let mut buf = Vec::with_capacity(256);
    let mut line_no: u64 = 0;
    loop {
        buf.clear();
        if reader.read_until(b'\n', &mut buf)? == 0 {
            break;
        }
        line_no += 1;
        let mut bytes: &[u8] = &buf;
        if line_no == 1 {
            bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
        }
        let text = std::str::from_utf8(bytes)
            .map_err(|_| malformed(line_no, "not UTF-8 text"))?
            .trim_end_matches(['\n', '\r']);
        let text = text.trim_start();
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        if text == "end_of_record" {
            finish(&mut cov, &mut section);
            continue;
        }
        let Some((tag, rest)) = text.split_once(':') else {
            return Err(malformed(
                line_no,
                format!("expected an lcov record TAG:VALUE, found {text:?}"),
            ));
        };
        match tag {
            "TN" | "VER" | "LF" | "LH" | "BRF" | "BRH" | "FNF" | "FNH" | "MCF" | "MCH" => {}
            "SF" => {
                if section.path.is_some() {
                    // A missing end_of_record: close the previous section.
                    finish(&mut cov, &mut section);
                }
                section.path = Some(rest.trim().to_owned());
            }
            _ if section.path.is_none() => {
                return Err(malformed(
                    line_no,
                    format!("{tag} record before any SF record"),
                ));
            }
            "DA" => {
                // DA:line,count[,checksum]
                let mut parts = rest.splitn(3, ',');
                let line: u32 = num(parts.next().unwrap_or(""), line_no, "a line number in DA")?;
                let hits = count(
                    parts
                        .next()
                        .ok_or_else(|| malformed(line_no, "expected DA:line,count"))?,
                    line_no,
                    "an execution count in DA",
                )?;
                *section.file.lines.entry(line).or_default() += hits;
            }
            "BRDA" => {
                // BRDA:line,[e|f|U]block,branch,taken, where branch may hold commas.
                let (head, taken) = rest
                    .rsplit_once(',')
                    .ok_or_else(|| malformed(line_no, "expected BRDA:line,block,branch,taken"))?;
                let mut parts = head.splitn(3, ',');
                let line: u32 = num(parts.next().unwrap_or(""), line_no, "a line number in BRDA")?;
                let block = parts
                    .next()
                    .ok_or_else(|| malformed(line_no, "expected BRDA:line,block,branch,taken"))?
                    .trim()
                    .trim_start_matches(['e', 'f', 'U'])
                    .to_owned();
                let branch = parts
                    .next()
                    .ok_or_else(|| malformed(line_no, "expected BRDA:line,block,branch,taken"))?
                    .to_owned();
                let taken = match taken.trim() {
                    "-" => 0,
                    t => count(t, line_no, "a taken count or - in BRDA")?,
                };
                *section
                    .file
                    .branches
                    .entry((line, block, branch))
                    .or_default() += taken;
            }
            "FN" => {
                // 1.x: FN:line,name   2.x: FN:line,end,name (names may hold commas)
                let (line, after) = rest
                    .split_once(',')
                    .ok_or_else(|| malformed(line_no, "expected FN:line,name"))?;
                let line: u32 = num(line, line_no, "a line number in FN")?;
                let name = match after.split_once(',') {
                    Some((end, name)) if end.trim().parse::<u32>().is_ok() => name,
                    _ => after,
                };
                let f = section.file.functions.entry(name.to_owned()).or_default();
                f.line = f.line.or(Some(line));
            }
            "FNDA" => {
                let (hits, name) = rest
                    .split_once(',')
                    .ok_or_else(|| malformed(line_no, "expected FNDA:count,name"))?;
                let hits = count(hits, line_no, "an execution count in FNDA")?;
                section
                    .file
                    .functions
                    .entry(name.to_owned())
                    .or_default()
                    .hits += hits;
            }
            "FNL" => {
                // lcov 2.2: FNL:index,line[,end]
                let mut parts = rest.split(',');
                let index: u64 = num(
                    parts.next().unwrap_or(""),
                    line_no,
                    "a function index in FNL",
                )?;
                let line: u32 = num(
                    parts
                        .next()
                        .ok_or_else(|| malformed(line_no, "expected FNL:index,line[,end]"))?,
                    line_no,
                    "a line number in FNL",
                )?;
                section.fn_index_lines.push((index, line));
            }
            "FNA" => {
                // lcov 2.2: FNA:index,count,name
                let mut parts = rest.splitn(3, ',');
                let index: u64 = num(
                    parts.next().unwrap_or(""),
                    line_no,
                    "a function index in FNA",
                )?;
                let hits = count(
                    parts
                        .next()
                        .ok_or_else(|| malformed(line_no, "expected FNA:index,count,name"))?,
                    line_no,
                    "an execution count in FNA",
                )?;
                let name = parts
                    .next()
                    .ok_or_else(|| malformed(line_no, "expected FNA:index,count,name"))?;
                let start = section
                    .fn_index_lines
                    .iter()
                    .find(|(i, _)| *i == index)
                    .map(|(_, l)| *l);
                let f = section
                    .file
                    .functions
                    .entry(name.to_owned())
                    .or_insert(Function::default());
                f.hits += hits;
                f.line = f.line.or(start);
            }
            "MCDC" => {
                // lcov 2.2: MCDC:line,groupSize,sense,taken,index,expression
                let mut parts = rest.splitn(6, ',');
                let mut next = |what: &str| {
                    parts.next().ok_or_else(|| {
                        malformed(
                            line_no,
                            format!(
                                "expected {what} in MCDC:line,group,sense,taken,index,expression"
                            ),
                        )
                    })
                };
                let line: u32 = num(next("the line")?, line_no, "a line number in MCDC")?;
                let group: u32 = num(next("the group size")?, line_no, "a group size in MCDC")?;
                let sense = match next("the sense")?.trim() {
                    "t" => true,
                    "f" => false,
                    other => {
                        return Err(malformed(
                            line_no,
                            format!("expected t or f as the MCDC sense, found {other:?}"),
                        ));
                    }
                };
                let taken = match next("the taken count")?.trim() {
                    "-" => 0,
                    t => count(t, line_no, "a taken count in MCDC")?,
                };
                let index: u32 = num(next("the index")?, line_no, "an index in MCDC")?;
                *section
                    .file
                    .mcdc
                    .entry((line, group, sense, index))
                    .or_default() += taken;
            }
            other => {
                return Err(malformed(line_no, format!("unknown lcov record {other:?}")));
            }
        }
    }
    finish(&mut cov, &mut section);
    Ok(cov)
}

fn finish(cov: &mut Coverage, section: &mut Section) {
    let done = std::mem::take(section);
    if let Some(path) = done.path {
        cov.add_file(path, done.file);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Coverage {
        read(text.as_bytes()).unwrap()
    }

    #[test]
    fn a_lcov_1_16_capture() {
        let cov = parse(
            "TN:\nSF:/src/a.c\nFN:3,main\nFNDA:1,main\nFNF:1\nFNH:1\nBRDA:5,0,0,1\nBRDA:5,0,1,-\nBRF:2\nBRH:1\nDA:3,1\nDA:5,1\nDA:6,0\nLF:3\nLH:2\nend_of_record\n",
        );
        let f = &cov.files["/src/a.c"];
        let t = f.totals();
        assert_eq!((t.lines_found, t.lines_hit), (3, 2));
        assert_eq!((t.branches_found, t.branches_hit), (2, 1));
        assert_eq!((t.functions_found, t.functions_hit), (1, 1));
        assert_eq!(f.functions["main"].line, Some(3));
    }

    #[test]
    fn summaries_are_never_trusted() {
        let cov = parse("SF:a\nDA:1,1\nDA:2,0\nLF:99\nLH:99\nend_of_record\n");
        assert_eq!(cov.totals().lines_found, 2);
        // And their absence changes nothing.
        let cov = parse("SF:a\nDA:1,1\nDA:2,0\nend_of_record\n");
        assert_eq!(cov.totals().lines_hit, 1);
    }

    #[test]
    fn lcov_2_records() {
        let cov = parse(concat!(
            "VER:2.0\n",
            "SF:src/lib.rs\n",
            "FN:10,20,Foo::<T, U>::new\n",
            "FNDA:4,Foo::<T, U>::new\n",
            "FNL:0,30,35\n",
            "FNA:0,0,bar\n",
            "DA:10,4,d41d8cd98f00b204e9800998ecf8427e\n",
            "BRDA:11,e0,jump to line 235, taken,2\n",
            "BRDA:11,e0,jump to line 240,0\n",
            "BRDA:12,f1,1,-\n",
            "BRDA:13,U2,0,1\n",
            "MCDC:14,2,t,1,0,a && b\n",
            "MCDC:14,2,f,0,0,a && b\n",
            "MCF:2\nMCH:1\n",
            "end_of_record\n"
        ));
        let f = &cov.files["src/lib.rs"];
        assert_eq!(f.functions["Foo::<T, U>::new"].hits, 4);
        assert_eq!(f.functions["Foo::<T, U>::new"].line, Some(10));
        assert_eq!(f.functions["bar"].line, Some(30));
        assert_eq!(f.lines[&10], 4);
        assert_eq!(
            f.branches[&(11, "0".into(), "jump to line 235, taken".into())],
            2
        );
        assert_eq!(f.branches.len(), 4);
        assert_eq!(f.branches[&(12, "1".into(), "1".into())], 0);
        let t = f.totals();
        assert_eq!((t.branches_found, t.branches_hit), (4, 2));
        assert_eq!((t.mcdc_found, t.mcdc_hit), (2, 1));
    }

    #[test]
    fn bom_crlf_comments_windows_paths_and_no_final_end() {
        let cov = parse(
            "\u{feff}# produced by a tool\r\nTN:x\r\n\r\nSF:C:\\work\\src\\a.c\r\nDA:1,1\r\nSF:b.c\r\nDA:2,0\r\n",
        );
        assert!(cov.files.contains_key("C:\\work\\src\\a.c"));
        assert_eq!(cov.files["b.c"].lines[&2], 0);
    }

    #[test]
    fn repeated_sections_merge_line_by_line() {
        let cov = parse(
            "SF:a\nDA:1,1\nDA:2,0\nend_of_record\nSF:a\nDA:2,3\nDA:3,0\nFNDA:1,f\nend_of_record\nSF:a\nFNDA:2,f\nend_of_record\n",
        );
        let f = &cov.files["a"];
        assert_eq!(f.lines.len(), 3);
        assert_eq!(f.lines[&2], 3);
        assert_eq!(f.functions["f"].hits, 3);
    }

    #[test]
    fn odd_counts() {
        let cov = parse("SF:a\nDA:1,1.8446744073709552e19\nDA:2,-1\nend_of_record\n");
        assert_eq!(cov.files["a"].lines[&1], u64::MAX);
        assert_eq!(cov.files["a"].lines[&2], 0);
    }

    #[test]
    fn malformed_input_names_the_line() {
        for (text, line, needle) in [
            ("SF:a\nDA:x,1\n", 2, "line number in DA"),
            ("SF:a\nDA:1\n", 2, "DA:line,count"),
            ("DA:1,1\n", 1, "before any SF"),
            ("SF:a\nBRDA:1,0\n", 2, "BRDA:line,block,branch,taken"),
            ("SF:a\nWHAT:1\n", 2, "unknown lcov record"),
            ("SF:a\ngarbage\n", 2, "TAG:VALUE"),
            ("SF:a\nMCDC:1,2,x,1,0,e\n", 2, "sense"),
            ("SF:a\nDA:1,1\nDA:2,\u{0}\u{1}", 3, "execution count"),
        ] {
            let err = read(text.as_bytes()).unwrap_err();
            let msg = err.to_string();
            assert!(msg.starts_with(&format!("line {line}:")), "{text:?}: {msg}");
            assert!(msg.contains(needle), "{text:?}: {msg}");
        }
        assert!(
            read(&b"SF:a\nDA:1,\xff\n"[..])
                .unwrap_err()
                .to_string()
                .contains("UTF-8")
        );
    }
}
