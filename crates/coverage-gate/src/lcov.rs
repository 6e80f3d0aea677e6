//! A streaming reader for lcov tracefiles, 1.x and 2.x.
//!
//! Written here because the `lcov` crate rejects most 2.x records and keeps
//! only the last of several `SF` sections for a file. This reader takes
//! every producer's quirks (BOM, CRLF, `#` comments, Windows paths, function
//! names and branch ids with commas, `-` for a branch never reached, a
//! missing final `end_of_record`) and merges repeated sections line by line.
//! Summary records (`LF`, `LH`, `BRF`, ...) are read and ignored: totals are
//! computed from `DA` and `BRDA`, since lcov 1.16 captures often omit them.
//!
//! Reports run to hundreds of megabytes, so the common records (`DA`,
//! `BRDA`, `FN`, `FNDA` and `end_of_record` in their usual form) are parsed
//! straight from the read buffer's bytes. Any line that does not fit that
//! form exactly takes the general path below, which decides what it means,
//! so odd input reads the same either way.

use std::io::{BufRead, ErrorKind};

use crate::model::{Coverage, FileBuilder, ReadError, malformed};

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
    file: FileBuilder,
    /// lcov 2.2 `FNL`/`FNA`: function index to start line.
    fn_index_lines: Vec<(u64, u32)>,
}

/// The reader's state between lines.
#[derive(Default)]
struct Parser {
    cov: Coverage,
    section: Section,
    line_no: u64,
}

/// Reads a tracefile into `Coverage`, merging repeated files.
pub fn read(mut reader: impl BufRead) -> Result<Coverage, ReadError> {
    let mut p = Parser::default();
    // A line cut by the end of the read buffer.
    let mut partial: Vec<u8> = Vec::new();
    loop {
        let chunk = match reader.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        };
        if chunk.is_empty() {
            break;
        }
        let len = chunk.len();
        let mut start = 0;
        if !partial.is_empty() {
            let Some(end) = memchr::memchr(b'\n', chunk) else {
                partial.extend_from_slice(chunk);
                reader.consume(len);
                continue;
            };
            partial.extend_from_slice(&chunk[..end]);
            p.line(&partial)?;
            partial.clear();
            start = end + 1;
        }
        start += p.lines(&chunk[start..])?;
        partial.extend_from_slice(&chunk[start..]);
        reader.consume(len);
    }
    if !partial.is_empty() {
        p.line(&partial)?;
    }
    p.finish();
    Ok(p.cov)
}

/// Leading ASCII digits as a number, and how many there were; `None`
/// without digits or past `u64`.
fn digits(s: &[u8]) -> Option<(u64, usize)> {
    let mut v: u64 = 0;
    let mut n = 0;
    while let Some(d) = s.get(n).map(|b| b.wrapping_sub(b'0')).filter(|d| *d < 10) {
        v = v.wrapping_mul(10).wrapping_add(u64::from(d));
        n += 1;
    }
    match n {
        0 => None,
        // 19 digits always fit.
        1..=19 => Some((v, n)),
        _ => {
            let mut v: u64 = 0;
            for &b in &s[..n] {
                v = v.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
            }
            Some((v, n))
        }
    }
}

/// A `BRDA` block id: lcov 2.x marks exception, fall-through and
/// unconditional blocks with one `e`, `f` or `U` before the number (`e0`),
/// which is dropped; any other id is kept as written, but not empty.
fn block_id(s: &str, line: u64) -> Result<&str, ReadError> {
    let s = s.trim();
    match s.strip_prefix(['e', 'f', 'U']) {
        Some(n) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => Ok(n),
        Some(_) => Err(malformed(
            line,
            format!("expected a block number after e, f or U in BRDA, found {s:?}"),
        )),
        None if s.is_empty() => Err(malformed(line, "expected a block id in BRDA")),
        None => Ok(s),
    }
}

/// Reads plain numbers and fixed punctuation off the front of a record.
struct Bytes<'a> {
    s: &'a [u8],
    i: usize,
}

impl<'a> Bytes<'a> {
    #[inline]
    fn number(&mut self) -> Option<u64> {
        let (v, n) = digits(&self.s[self.i..])?;
        self.i += n;
        Some(v)
    }

    fn line_number(&mut self) -> Option<u32> {
        u32::try_from(self.number()?).ok()
    }

    /// A branch id the general path would also read as a number: digits
    /// without a leading zero (`00` is text there).
    fn branch_id(&mut self) -> Option<u64> {
        if self.s.get(self.i) == Some(&b'0')
            && self.s.get(self.i + 1).is_some_and(u8::is_ascii_digit)
        {
            return None;
        }
        self.number()
    }

    fn byte(&mut self, b: u8) -> Option<()> {
        (self.s.get(self.i) == Some(&b)).then(|| self.i += 1)
    }

    /// The line's end: `\r`s, then `\n` or, for a `whole` line, the end of
    /// the bytes. How many bytes the line took.
    fn end(&self, whole: bool) -> Option<usize> {
        let mut j = self.i;
        while self.s.get(j) == Some(&b'\r') {
            j += 1;
        }
        match self.s.get(j) {
            Some(b'\n') => Some(j + 1),
            None if whole => Some(j),
            _ => None,
        }
    }

    /// The rest of the line, without its `\r`s, and how many bytes the
    /// line took.
    fn rest(&self, whole: bool) -> Option<(&'a [u8], usize)> {
        let tail = &self.s[self.i..];
        let (mut text, used) = match memchr::memchr(b'\n', tail) {
            Some(n) => (&tail[..n], self.i + n + 1),
            None if whole => (tail, self.s.len()),
            None => return None,
        };
        while let [t @ .., b'\r'] = text {
            text = t;
        }
        Some((text, used))
    }
}

impl Parser {
    /// Every complete line at the start of `buf`; how many bytes they took.
    fn lines(&mut self, buf: &[u8]) -> Result<usize, ReadError> {
        let mut pos = 0;
        while pos < buf.len() {
            let rest = &buf[pos..];
            // Line 1 may carry a BOM: the general path strips it.
            if self.line_no > 0 && self.section.path.is_some() {
                if let Some(used) = self.fast(rest, false) {
                    self.line_no += 1;
                    pos += used;
                    continue;
                }
            }
            let Some(end) = memchr::memchr(b'\n', rest) else {
                break;
            };
            self.line_no += 1;
            self.general(&rest[..end])?;
            pos += end + 1;
        }
        Ok(pos)
    }

    /// One whole line, without its `\n`.
    fn line(&mut self, raw: &[u8]) -> Result<(), ReadError> {
        self.line_no += 1;
        if self.line_no > 1 && self.section.path.is_some() && self.fast(raw, true).is_some() {
            return Ok(());
        }
        self.general(raw)
    }

    /// The common records in their usual form, straight from the bytes at
    /// the start of `s`: how many bytes the line took, or `None` to leave
    /// it to the general path. `whole`: `s` is exactly one line.
    fn fast(&mut self, s: &[u8], whole: bool) -> Option<usize> {
        let file = &mut self.section.file;
        match s.first()? {
            b'D' => {
                // DA:line,count[,checksum]
                let mut b = Bytes {
                    s: s.strip_prefix(b"DA:")?,
                    i: 0,
                };
                let line = b.line_number()?;
                b.byte(b',')?;
                let hits = b.number()?;
                let used = match b.end(whole) {
                    Some(used) => used,
                    None => {
                        b.byte(b',')?;
                        let (checksum, used) = b.rest(whole)?;
                        std::str::from_utf8(checksum).ok()?;
                        used
                    }
                };
                file.line(line, hits);
                Some(3 + used)
            }
            b'B' => {
                // BRDA:line,block,branch,taken with plain numbers.
                let mut b = Bytes {
                    s: s.strip_prefix(b"BRDA:")?,
                    i: 0,
                };
                let line = b.line_number()?;
                b.byte(b',')?;
                let block = b.branch_id()?;
                b.byte(b',')?;
                let branch = b.branch_id()?;
                b.byte(b',')?;
                let taken = match b.byte(b'-') {
                    Some(()) => 0,
                    None => b.number()?,
                };
                let used = b.end(whole)?;
                file.branch_numbers(line, block, branch, taken);
                Some(5 + used)
            }
            b'F' if s.starts_with(b"FNDA:") => {
                // FNDA:count,name
                let mut b = Bytes { s: &s[5..], i: 0 };
                let hits = b.number()?;
                b.byte(b',')?;
                let (name, used) = b.rest(whole)?;
                if !file.repeated_function(name, None, hits) {
                    file.function(std::str::from_utf8(name).ok()?, None, hits);
                }
                Some(5 + used)
            }
            b'F' => {
                // FN:line,name or FN:line,end,name
                let mut b = Bytes {
                    s: s.strip_prefix(b"FN:")?,
                    i: 0,
                };
                let line = b.line_number()?;
                b.byte(b',')?;
                let (after, used) = b.rest(whole)?;
                let after = std::str::from_utf8(after).ok()?;
                let name = match after.split_once(',') {
                    None => after,
                    Some((end, name)) => {
                        let e = end.as_bytes();
                        if !e.is_empty() && e.iter().all(u8::is_ascii_digit) {
                            if end.parse::<u32>().is_ok() {
                                name
                            } else {
                                after
                            }
                        } else if e
                            .iter()
                            .any(|c| c.is_ascii_whitespace() || *c == b'+' || *c >= 0x80)
                        {
                            // It might still read as an end line once trimmed.
                            return None;
                        } else {
                            after
                        }
                    }
                };
                file.function(name, Some(line), 0);
                Some(3 + used)
            }
            b'e' => {
                let b = Bytes {
                    s: s.strip_prefix(b"end_of_record")?,
                    i: 0,
                };
                let used = b.end(whole)?;
                self.finish();
                Some(13 + used)
            }
            _ => None,
        }
    }

    /// Any line, as text: every record and every error.
    fn general(&mut self, raw: &[u8]) -> Result<(), ReadError> {
        let line_no = self.line_no;
        let section = &mut self.section;
        let mut bytes = raw;
        if line_no == 1 {
            bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
        }
        let text = std::str::from_utf8(bytes)
            .map_err(|_| malformed(line_no, "not UTF-8 text"))?
            .trim_end_matches(['\n', '\r']);
        let text = text.trim_start();
        if text.is_empty() || text.starts_with('#') {
            return Ok(());
        }
        if text == "end_of_record" {
            self.finish();
            return Ok(());
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
                    self.finish();
                }
                let path = rest.trim();
                if path.is_empty() {
                    return Err(malformed(line_no, "expected a source file path after SF:"));
                }
                self.section.path = Some(path.to_owned());
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
                section.file.line(line, hits);
            }
            "BRDA" => {
                // BRDA:line,[e|f|U]block,branch,taken, where branch may hold commas.
                let (head, taken) = rest
                    .rsplit_once(',')
                    .ok_or_else(|| malformed(line_no, "expected BRDA:line,block,branch,taken"))?;
                let mut parts = head.splitn(3, ',');
                let line: u32 = num(parts.next().unwrap_or(""), line_no, "a line number in BRDA")?;
                let block = block_id(
                    parts.next().ok_or_else(|| {
                        malformed(line_no, "expected BRDA:line,block,branch,taken")
                    })?,
                    line_no,
                )?;
                let branch = parts
                    .next()
                    .ok_or_else(|| malformed(line_no, "expected BRDA:line,block,branch,taken"))?;
                let taken = match taken.trim() {
                    "-" => 0,
                    t => count(t, line_no, "a taken count or - in BRDA")?,
                };
                section.file.branch(line, block, branch, taken);
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
                section.file.function(name, Some(line), 0);
            }
            "FNDA" => {
                let (hits, name) = rest
                    .split_once(',')
                    .ok_or_else(|| malformed(line_no, "expected FNDA:count,name"))?;
                let hits = count(hits, line_no, "an execution count in FNDA")?;
                section.file.function(name, None, hits);
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
                section.file.function(name, start, hits);
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
                section.file.mcdc((line, group, sense, index), taken);
            }
            other => {
                return Err(malformed(line_no, format!("unknown lcov record {other:?}")));
            }
        }
        Ok(())
    }

    /// Closes the current section, merging it into the coverage.
    fn finish(&mut self) {
        let section = &mut self.section;
        section.fn_index_lines.clear();
        let file = section.file.finish();
        if let Some(path) = section.path.take() {
            self.cov.add_file(path, file);
        }
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
        assert_eq!(f.functions.get("main").unwrap().line, Some(3));
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
        let new = f.functions.get("Foo::<T, U>::new").unwrap();
        assert_eq!((new.hits, new.line), (4, Some(10)));
        assert_eq!(f.functions.get("bar").unwrap().line, Some(30));
        assert_eq!(f.lines.get(10), Some(4));
        assert_eq!(f.branches.get(11, "0", "jump to line 235, taken"), Some(2));
        assert_eq!(f.branches.len(), 4);
        assert_eq!(f.branches.get(12, "1", "1"), Some(0));
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
        assert_eq!(cov.files["b.c"].lines.get(2), Some(0));
    }

    #[test]
    fn repeated_sections_merge_line_by_line() {
        let cov = parse(
            "SF:a\nDA:1,1\nDA:2,0\nend_of_record\nSF:a\nDA:2,3\nDA:3,0\nFNDA:1,f\nend_of_record\nSF:a\nFNDA:2,f\nend_of_record\n",
        );
        let f = &cov.files["a"];
        assert_eq!(f.lines.len(), 3);
        assert_eq!(f.lines.get(2), Some(3));
        assert_eq!(f.functions.get("f").unwrap().hits, 3);
    }

    #[test]
    fn odd_counts() {
        let cov = parse("SF:a\nDA:1,1.8446744073709552e19\nDA:2,-1\nend_of_record\n");
        assert_eq!(cov.files["a"].lines.get(1), Some(u64::MAX));
        assert_eq!(cov.files["a"].lines.get(2), Some(0));
    }

    #[test]
    fn lines_cut_by_the_read_buffer_read_the_same() {
        let text = concat!(
            "TN:\r\nSF:a\nFN:1,f\nFN:2,g\nFNDA:2,f\nFNDA:0,g\nDA:1,1\nDA:2,0,abc\r\n",
            "BRDA:1,0,0,1\nBRDA:1,e0,x, y,-\nBRDA:1,00,1,2\nend_of_record\n",
            "SF:b\r\nDA:3,4\r\nDA:3,1\nDA:1,0\n  DA:7,1\nend_of_record"
        );
        let whole = parse(text);
        assert_eq!(whole.files["b"].lines.get(3), Some(5));
        assert_eq!(whole.files["a"].branches.len(), 3);
        for capacity in 1..40 {
            let cut = read(std::io::BufReader::with_capacity(capacity, text.as_bytes())).unwrap();
            assert_eq!(cut, whole, "capacity {capacity}");
            let err = read(std::io::BufReader::with_capacity(
                capacity,
                &b"SF:a\nDA:1,1\nFNDA:1,\xff\n"[..],
            ))
            .unwrap_err()
            .to_string();
            assert!(
                err.starts_with("line 3: not UTF-8"),
                "capacity {capacity}: {err}"
            );
        }
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

    #[test]
    fn empty_source_paths_and_bad_block_ids_are_malformed() {
        for (text, line, needle) in [
            ("TN:\nSF:\nDA:1,1\n", 2, "source file path"),
            ("SF:  \r\n", 1, "source file path"),
            ("SF:a\nBRDA:1,e,0,1\n", 2, "block number after e, f or U"),
            ("SF:a\nBRDA:1,ee0,0,1\n", 2, "block number after e, f or U"),
            ("SF:a\nBRDA:1,fx,0,1\n", 2, "block number after e, f or U"),
            ("SF:a\nBRDA:1,,0,1\n", 2, "block id"),
        ] {
            let msg = read(text.as_bytes()).unwrap_err().to_string();
            assert!(msg.starts_with(&format!("line {line}:")), "{text:?}: {msg}");
            assert!(msg.contains(needle), "{text:?}: {msg}");
        }
        // One prefix is dropped; a plain or text block is kept as written.
        let f = parse("SF:a\nBRDA:1,e0,0,1\nBRDA:1,U12,0,1\nBRDA:1,00,0,1\nend_of_record\n");
        let f = &f.files["a"];
        assert_eq!(f.branches.get(1, "0", "0"), Some(1));
        assert_eq!(f.branches.get(1, "12", "0"), Some(1));
        assert_eq!(f.branches.get(1, "00", "0"), Some(1));
    }
}
