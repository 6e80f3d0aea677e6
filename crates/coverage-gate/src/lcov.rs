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
//! Where lcov itself is lenient, so is this reader, and it says so in a
//! note: trailing whitespace after any record; a record with an unknown tag
//! (skipped); an `SF:` with an empty path (its section skipped, as lcov
//! 1.16 drops it); an `SF:` path that runs over several lines (Firefox's
//! `data:` sources), whose first line is the path and the rest skipped, as
//! lcov 1.16 reads it; a file with no `DA` record at all is left out, as
//! lcov leaves it out. What lcov would silently misread stays an error: a
//! known record with a bad value (a record cut short, a count that is not
//! a number), a line that is no record at all, a record before any `SF`.
//!
//! Reports run to hundreds of megabytes, so the common records (`DA`,
//! `BRDA`, `FN`, `FNDA` and `end_of_record` in their usual form) are parsed
//! straight from the read buffer's bytes. Any line that does not fit that
//! form exactly takes the general path below, which decides what it means,
//! so odd input reads the same either way.

use std::io::{BufRead, ErrorKind};

use crate::model::{
    Coverage, FileBuilder, MAX_LINE_BYTES, ReadError, excerpt, line_too_long, malformed,
    saturating_count, too_large,
};

fn num<T: std::str::FromStr + TryFrom<u64>>(
    s: &str,
    line: u64,
    what: &str,
    max: u64,
) -> Result<T, ReadError> {
    let s = s.trim();
    s.parse().map_err(|_| match saturating_count(s) {
        Some(_) => malformed(line, too_large(what, s, max)),
        None => malformed(line, format!("expected {what}, found {}", excerpt(s))),
    })
}

/// A line number in a record.
fn line_number(s: &str, line: u64, record: &str) -> Result<u32, ReadError> {
    num(
        s,
        line,
        &format!("a line number in {record}"),
        u32::MAX.into(),
    )
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
        _ => Err(malformed(
            line,
            format!("expected {what}, found {}", excerpt(s)),
        )),
    }
}

/// The record tags lcov 1.x and 2.x define.
const KNOWN: [&str; 19] = [
    "TN", "SF", "VER", "FN", "FNDA", "FNF", "FNH", "FNL", "FNA", "BRDA", "BRF", "BRH", "DA", "LF",
    "LH", "MCDC", "MCF", "MCH", "KF",
];

/// Whether `tag` has the form of a record tag: a letter, then letters,
/// digits or `_`.
fn is_tag(tag: &str) -> bool {
    let mut b = tag.bytes();
    b.next().is_some_and(|c| c.is_ascii_alphabetic())
        && b.all(|c| c.is_ascii_alphanumeric() || c == b'_')
}

/// Whether a line is the start of a known record and no more (`DA`,
/// `end_of_rec`): a tracefile cut short, never part of a path.
fn cut_short(text: &str) -> bool {
    !text.contains(':')
        && (("end_of_record".starts_with(text) && text.len() >= 3) || KNOWN.contains(&text))
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
    /// Since the last `SF` line, only lines that are no record: the path
    /// runs on.
    in_path: bool,
    /// The line before was a continuation of an SF path.
    continued: bool,
    tolerated: Tolerated,
}

/// What was read leniently, for the notes.
#[derive(Default)]
struct Tolerated {
    /// Records with an unknown tag: how many, and the first tag and line.
    unknown: u64,
    first_unknown: Option<(String, u64)>,
    /// `SF` records with an empty path, and the first one's line.
    empty_paths: u64,
    first_empty_path: u64,
    /// `SF` paths over several lines, the lines skipped, and the first's line.
    long_paths: u64,
    path_lines: u64,
    first_long_path: u64,
    /// Lines with trailing whitespace.
    trailing: u64,
}

impl Tolerated {
    fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if let Some((tag, line)) = &self.first_unknown {
            notes.push(format!(
                "skipped {} record(s) with a tag lcov does not define, the first {} at line {line}",
                self.unknown,
                excerpt(tag)
            ));
        }
        if self.empty_paths > 0 {
            notes.push(format!(
                "skipped {} section(s) whose SF path is empty, the first at line {}, as lcov does",
                self.empty_paths, self.first_empty_path
            ));
        }
        if self.long_paths > 0 {
            notes.push(format!(
                "{} SF path(s) run over several lines (a source name with newlines, the first at line {}): read as lcov 1.16 reads them, the first line is the path and the {} other line(s) are skipped",
                self.long_paths, self.first_long_path, self.path_lines
            ));
        }
        if self.trailing > 0 {
            notes.push(format!(
                "{} record(s) end in spaces or tabs, read as lcov reads them",
                self.trailing
            ));
        }
        notes
    }
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
                if partial.len() + len > MAX_LINE_BYTES {
                    return Err(line_too_long(p.line_no + 1));
                }
                partial.extend_from_slice(chunk);
                reader.consume(len);
                continue;
            };
            if partial.len() + end > MAX_LINE_BYTES {
                return Err(line_too_long(p.line_no + 1));
            }
            partial.extend_from_slice(&chunk[..end]);
            p.line(&partial)?;
            partial.clear();
            start = end + 1;
        }
        start += p.lines(&chunk[start..])?;
        if len - start > MAX_LINE_BYTES {
            return Err(line_too_long(p.line_no + 1));
        }
        partial.extend_from_slice(&chunk[start..]);
        reader.consume(len);
    }
    if !partial.is_empty() {
        p.line(&partial)?;
    }
    p.finish();
    let mut notes = p.tolerated.notes();
    // lcov leaves out a file without a DA record, its functions and
    // branches with it.
    let sections = p.cov.files.len();
    p.cov.files.retain(|_, f| !f.lines.is_empty());
    let empty = sections - p.cov.files.len();
    if p.cov.files.is_empty() {
        notes.push(if sections == 0 {
            "no SF section: an lcov tracefile lists each file as SF:<path> with DA:<line>,<count> records".to_owned()
        } else {
            format!("{sections} file(s) in SF sections but no DA record: the tracefile holds no line data")
        });
    } else if empty > 0 {
        notes.push(format!(
            "left out {empty} file(s) without a DA record, as lcov leaves them out"
        ));
    }
    p.cov.notes = notes;
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
            format!(
                "expected a block number after e, f or U in BRDA, found {}",
                excerpt(s)
            ),
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
                    self.in_path = false;
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
            self.in_path = false;
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
        let mut bytes = raw;
        if line_no == 1 {
            bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
        }
        let Ok(text) = std::str::from_utf8(bytes) else {
            let known_tag = memchr::memchr(b':', bytes)
                .and_then(|i| std::str::from_utf8(&bytes[..i]).ok())
                .is_some_and(|tag| KNOWN.contains(&tag.trim()));
            if self.in_path && !known_tag {
                // A path with newlines need not be UTF-8 on its other lines.
                self.path_continues(line_no);
                return Ok(());
            }
            return Err(malformed(line_no, "not UTF-8 text"));
        };
        let text = text.trim_end_matches(['\n', '\r']);
        let trimmed = text.trim();
        if trimmed.len() != text.trim_start().len() && !trimmed.is_empty() {
            self.tolerated.trailing += 1;
        }
        let text = trimmed;
        if text.is_empty() || (text.starts_with('#') && !self.in_path) {
            return Ok(());
        }
        if text == "end_of_record" {
            self.in_path = false;
            self.finish();
            return Ok(());
        }
        let record = text
            .split_once(':')
            .filter(|(tag, _)| KNOWN.contains(tag) || is_tag(tag));
        let known = record.is_some_and(|(tag, _)| KNOWN.contains(&tag));
        if self.in_path && !known && !cut_short(text) {
            self.path_continues(line_no);
            return Ok(());
        }
        self.in_path = false;
        self.continued = false;
        let Some((tag, rest)) = record else {
            let what = if cut_short(text) {
                "a record cut short"
            } else {
                "expected an lcov record TAG:VALUE"
            };
            return Err(malformed(
                line_no,
                format!("{what}, found {}", excerpt(text)),
            ));
        };
        let section = &mut self.section;
        match tag {
            "TN" | "VER" | "LF" | "LH" | "BRF" | "BRH" | "FNF" | "FNH" | "MCF" | "MCH" => {}
            "SF" | "KF" => {
                if section.path.is_some() {
                    // A missing end_of_record: close the previous section.
                    self.finish();
                }
                let path = rest.trim();
                if path.is_empty() {
                    // lcov 1.16 reads the section and drops it.
                    self.tolerated.empty_paths += 1;
                    if self.tolerated.empty_paths == 1 {
                        self.tolerated.first_empty_path = line_no;
                    }
                }
                self.section.path = Some(path.to_owned());
                self.in_path = true;
            }
            _ if !KNOWN.contains(&tag) => {
                self.tolerated.unknown += 1;
                if self.tolerated.first_unknown.is_none() {
                    self.tolerated.first_unknown = Some((tag.to_owned(), line_no));
                }
            }
            _ if section.path.is_none() => {
                return Err(malformed(
                    line_no,
                    format!("{} record before any SF record", excerpt(tag)),
                ));
            }
            "DA" => {
                // DA:line,count[,checksum]
                let mut parts = rest.splitn(3, ',');
                let line = line_number(parts.next().unwrap_or(""), line_no, "DA")?;
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
                let line = line_number(parts.next().unwrap_or(""), line_no, "BRDA")?;
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
                let line = line_number(line, line_no, "FN")?;
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
                    u64::MAX,
                )?;
                let line = line_number(
                    parts
                        .next()
                        .ok_or_else(|| malformed(line_no, "expected FNL:index,line[,end]"))?,
                    line_no,
                    "FNL",
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
                    u64::MAX,
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
                let line = line_number(next("the line")?, line_no, "MCDC")?;
                let group: u32 = num(
                    next("the group size")?,
                    line_no,
                    "a group size in MCDC",
                    u32::MAX.into(),
                )?;
                let sense = match next("the sense")?.trim() {
                    "t" => true,
                    "f" => false,
                    other => {
                        return Err(malformed(
                            line_no,
                            format!(
                                "expected t or f as the MCDC sense, found {}",
                                excerpt(other)
                            ),
                        ));
                    }
                };
                let taken = match next("the taken count")?.trim() {
                    "-" => 0,
                    t => count(t, line_no, "a taken count in MCDC")?,
                };
                let index: u32 = num(
                    next("the index")?,
                    line_no,
                    "an index in MCDC",
                    u32::MAX.into(),
                )?;
                section.file.mcdc((line, group, sense, index), taken);
            }
            _ => {}
        }
        Ok(())
    }

    /// A line that continues the last SF path (a source name with newlines):
    /// skipped, as lcov 1.16 skips it.
    fn path_continues(&mut self, line_no: u64) {
        if !self.continued {
            self.tolerated.long_paths += 1;
            if self.tolerated.long_paths == 1 {
                self.tolerated.first_long_path = line_no - 1;
            }
        }
        self.continued = true;
        self.tolerated.path_lines += 1;
    }

    /// Closes the current section, merging it into the coverage; one with
    /// an empty path is dropped, as lcov drops it.
    fn finish(&mut self) {
        let section = &mut self.section;
        section.fn_index_lines.clear();
        let file = section.file.finish();
        if let Some(path) = section.path.take().filter(|p| !p.is_empty()) {
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
            ("SF:a\nDA:1,1\ngarbage\n", 3, "TAG:VALUE"),
            ("SF:a\nDA:1,1\n(x) y:1\n", 3, "TAG:VALUE"),
            ("SF:a\nDA", 2, "a record cut short"),
            ("SF:a\nDA:1,1\nend_of_re", 3, "a record cut short"),
            (
                "SF:a\nDA:99999999999,1\n",
                2,
                "a line number in DA \"99999999999\" is too large",
            ),
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

    // Regression (#17.4, real istanbul and lcov 2.x files): trailing whitespace, unknown tags and
    // empty `SF:` exited 2.
    /// lcov's own leniency, issue 17 item 4: trailing whitespace, unknown
    /// tags, empty SF paths and SF paths over several lines.
    #[test]
    fn tolerated_as_lcov_tolerates_with_a_note() {
        let cov = parse(
            "TN: \nSF:a.c \nDA:1,1 \nBRDA:1,0,0,1\t\nFOO:bar\nend_of_record  \r\nSF:b.c\nDA:2,0\nend_of_record\t\n",
        );
        assert_eq!(cov.files["a.c"].lines.get(1), Some(1));
        assert_eq!(cov.files["a.c"].branches.len(), 1);
        assert_eq!(cov.files["b.c"].lines.get(2), Some(0));
        assert_eq!(
            cov.notes,
            [
                "skipped 1 record(s) with a tag lcov does not define, the first \"FOO\" at line 5",
                "6 record(s) end in spaces or tabs, read as lcov reads them"
            ]
        );
        // An empty SF path: lcov reads the section and drops it.
        let cov = parse(
            "TN:\nSF:\nDA:1,1\nend_of_record\nSF:  \r\nDA:3,1\nSF:b\nDA:2,1\nend_of_record\n",
        );
        assert_eq!(cov.files.keys().collect::<Vec<_>>(), ["b"]);
        assert_eq!(
            cov.notes,
            [
                "skipped 2 section(s) whose SF path is empty, the first at line 2, as lcov does",
                "1 record(s) end in spaces or tabs, read as lcov reads them"
            ]
        );
        // A path with newlines (Firefox's data: sources): its first line.
        let cov = parse(
            "SF:data:,new function() {\n  Components.utils.import(\"resource://x.jsm\");\n}\nFN:1,top-level\nDA:1,1\nend_of_record\nSF:data:,new function() {\n  x\n\n# y\nDA:1,0\nDA:2,1\nend_of_record\n",
        );
        assert_eq!(
            cov.files.keys().collect::<Vec<_>>(),
            ["data:,new function() {"]
        );
        let f = &cov.files["data:,new function() {"];
        assert_eq!(f.lines.iter().collect::<Vec<_>>(), [(1, 1), (2, 1)]);
        assert_eq!(
            cov.notes,
            [
                "2 SF path(s) run over several lines (a source name with newlines, the first at line 1): read as lcov 1.16 reads them, the first line is the path and the 4 other line(s) are skipped"
            ]
        );
    }

    /// lcov 1.16 drops a file with no DA record, functions and all.
    #[test]
    fn a_file_without_lines_is_left_out_as_lcov_leaves_it_out() {
        let cov = parse(
            "SF:a\nFN:1,f\nFNDA:1,f\nBRDA:1,0,0,1\nend_of_record\nSF:b\nDA:1,0\nend_of_record\n",
        );
        assert_eq!(cov.files.keys().collect::<Vec<_>>(), ["b"]);
        assert_eq!(cov.totals().functions_found, 0);
        assert_eq!(
            cov.notes,
            ["left out 1 file(s) without a DA record, as lcov leaves them out"]
        );
    }

    // Regression (#17 small ones): an unbounded line was buffered whole before it was refused.
    #[test]
    fn a_line_past_the_bound_is_refused_before_it_is_buffered() {
        let mut text = b"SF:a\nDA:1,1\nSF:".to_vec();
        text.resize(text.len() + MAX_LINE_BYTES + 10, b'x');
        let err = read(std::io::BufReader::with_capacity(1 << 16, &text[..]))
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "line 3: a single line longer than 16 MiB: not a coverage report this gate reads"
        );
    }

    // Regression (review 82b73f7): bad BRDA block ids were accepted.
    #[test]
    fn bad_block_ids_are_malformed() {
        for (text, line, needle) in [
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
        let f =
            parse("SF:a\nDA:1,1\nBRDA:1,e0,0,1\nBRDA:1,U12,0,1\nBRDA:1,00,0,1\nend_of_record\n");
        let f = &f.files["a"];
        assert_eq!(f.branches.get(1, "0", "0"), Some(1));
        assert_eq!(f.branches.get(1, "12", "0"), Some(1));
        assert_eq!(f.branches.get(1, "00", "0"), Some(1));
    }
}
