//! The coverage of a code base: per file, per line hit counts, branches,
//! functions and MC/DC conditions. Totals are always computed from these
//! records, never taken from a report's own summary lines.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::fmt;

use serde::Serialize;

use crate::packed::{Cursor, Packed, Packer, put};

/// Why a report could not be read: every reader says where.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The report is not of the expected shape at this line.
    #[error("line {line}: {message}")]
    Malformed { line: u64, message: String },
    /// The file could not be read.
    #[error("reading: {0}")]
    Io(#[from] std::io::Error),
}

/// A malformed-report error at `line`.
pub fn malformed(line: u64, message: impl Into<String>) -> ReadError {
    ReadError::Malformed {
        line,
        message: message.into(),
    }
}

/// The longest line a line-based report may have, and the longest single
/// XML token (tag, text, comment): real reports stay far below, and a
/// broken one (a 2 GB line) is refused before it costs gigabytes.
pub const MAX_LINE_BYTES: usize = 16 << 20;

/// The error for a line longer than [`MAX_LINE_BYTES`].
pub fn line_too_long(line: u64) -> ReadError {
    malformed(
        line,
        format!(
            "a single line longer than {} MiB: not a coverage report this gate reads",
            MAX_LINE_BYTES >> 20
        ),
    )
}

/// Reads the next line (without its `\n`) into `out`, at most
/// [`MAX_LINE_BYTES`] of it: a longer line is an error at `line`, found
/// before it is buffered. `false` at the end of the input.
pub fn read_line(
    reader: &mut impl std::io::BufRead,
    out: &mut Vec<u8>,
    line: u64,
) -> Result<bool, ReadError> {
    out.clear();
    let mut any = false;
    loop {
        let chunk = match reader.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        };
        if chunk.is_empty() {
            return Ok(any);
        }
        any = true;
        let (take, done) = match memchr::memchr(b'\n', chunk) {
            Some(i) => (i, true),
            None => (chunk.len(), false),
        };
        if out.len() + take > MAX_LINE_BYTES {
            return Err(line_too_long(line));
        }
        out.extend_from_slice(&chunk[..take]);
        reader.consume(take + usize::from(done));
        if done {
            return Ok(true);
        }
    }
}

/// The most characters of a report's own text an error or note quotes: a
/// broken report may hold a line of gigabytes.
pub const EXCERPT_CHARS: usize = 200;

/// `text` quoted for a message: its first [`EXCERPT_CHARS`] characters,
/// escaped, with `…` when there was more.
pub fn excerpt(text: &str) -> String {
    match text.char_indices().nth(EXCERPT_CHARS) {
        None => format!("{text:?}"),
        Some((cut, _)) => format!("{:?}…", &text[..cut]),
    }
}

/// `text` cut to its first [`EXCERPT_CHARS`] characters, with `…` when
/// there was more: for a library's message that may quote the report.
pub fn clip(text: &str) -> String {
    match text.char_indices().nth(EXCERPT_CHARS) {
        None => text.to_owned(),
        Some((cut, _)) => format!("{}…", &text[..cut]),
    }
}

/// [`excerpt`] of bytes that may not be UTF-8.
pub fn excerpt_bytes(bytes: &[u8]) -> String {
    // Four bytes a character at most, so this holds enough.
    let head = &bytes[..bytes.len().min(EXCERPT_CHARS * 4 + 4)];
    let text = String::from_utf8_lossy(head);
    let quoted = excerpt(&text);
    if head.len() < bytes.len() && !quoted.ends_with('…') {
        quoted + "…"
    } else {
        quoted
    }
}

/// The one message for a number too large to hold, whatever the format:
/// line numbers past 2^32 - 1, more branches on a line than any real line
/// has. (Execution counts never get it: past 2^64 - 1 they saturate, as
/// lcov's own float counts do.)
pub fn too_large(what: &str, found: &str, max: u64) -> String {
    format!("{what} {} is too large (at most {max})", excerpt(found))
}

/// An execution count written in decimal digits: saturated at `u64::MAX`
/// past it. `None` when `s` is not only digits.
pub fn saturating_count(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(s.parse().unwrap_or(u64::MAX))
}

/// One MC/DC condition outcome: `(line, group size, sense, index)`.
pub type McdcKey = (u32, u32, bool, u32);

/// A function: where it starts (when known) and how often it ran.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Function {
    pub line: Option<u32>,
    pub hits: u64,
}

/// Execution counts by line number, in line order.
///
/// Packed (see `packed.rs`): a lookup scans the file's lines.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct LineHits(Packed<1>);

impl LineHits {
    /// How many lines have a count (the lines found).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.len() == 0
    }

    /// How many lines ran at least once.
    pub fn hit(&self) -> usize {
        self.0.nonzero()
    }

    /// A line's execution count; `None` when the line has none.
    pub fn get(&self, line: u32) -> Option<u64> {
        self.0
            .iter()
            .map(|([l], hits)| (l, hits))
            .take_while(|(l, _)| *l <= line)
            .find(|(l, _)| *l == line)
            .map(|(_, hits)| hits)
    }

    /// `(line, execution count)` in line order.
    pub fn iter(&self) -> impl Iterator<Item = (u32, u64)> + '_ {
        self.0.iter().map(|([l], hits)| (l, hits))
    }
}

impl fmt::Debug for LineHits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// A branch block or branch id as the report wrote it: lcov's are numbers,
/// lcov 2.x's may be text with commas (`jump to line 235, taken`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BranchId<'a> {
    Number(u32),
    Text(&'a str),
    /// The block of a branch the report counts but does not name
    /// (Cobertura's `condition-coverage`, JaCoCo's `mb`/`cb`, ...); its
    /// branch id is its position among the line's branches, the taken ones
    /// first.
    Unnamed,
}

impl fmt::Display for BranchId<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BranchId::Number(n) => write!(f, "{n}"),
            BranchId::Text(t) => f.write_str(t),
            BranchId::Unnamed => f.write_str("*"),
        }
    }
}

/// Ids that are plain decimal numbers (no sign, no leading zero, below
/// 2^31) are kept as numbers, tagged `n << 1`; any other id is text, tagged
/// `index << 1 | 1` into the file's sorted text table. So two ids are equal
/// exactly when their texts are, and most branches allocate nothing.
const TEXT_TAG: u32 = 1;

/// The block tag of unnamed branches: the text tag no table reaches, and
/// the largest, so a line's unnamed branches sort after its named ones.
const UNNAMED: u32 = u32::MAX;

fn numeric_id(s: &str) -> Option<u32> {
    let b = s.as_bytes();
    let canonical =
        !b.is_empty() && b.iter().all(u8::is_ascii_digit) && (b[0] != b'0' || b.len() == 1);
    canonical
        .then(|| s.parse::<u32>().ok())
        .flatten()
        .filter(|n| *n < 1 << 31)
}

/// Branch outcomes: `(line, block, branch)` to times taken, where block and
/// branch are the report's own identifiers.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct BranchHits {
    packed: Packed<3>,
    /// Text ids, sorted, so equal branch sets compare equal.
    texts: Box<[Box<str>]>,
}

impl BranchHits {
    /// How many branch outcomes there are (the branches found).
    pub fn len(&self) -> usize {
        self.packed.len()
    }

    pub fn is_empty(&self) -> bool {
        self.packed.len() == 0
    }

    /// How many outcomes were taken at least once.
    pub fn hit(&self) -> usize {
        self.packed.nonzero()
    }

    fn id(&self, tagged: u32) -> BranchId<'_> {
        if tagged == UNNAMED {
            BranchId::Unnamed
        } else if tagged & TEXT_TAG == 0 {
            BranchId::Number(tagged >> 1)
        } else {
            BranchId::Text(self.texts.get((tagged >> 1) as usize).map_or("", |t| &**t))
        }
    }

    fn tag(&self, s: &str) -> Option<u32> {
        match numeric_id(s) {
            Some(n) => Some(n << 1),
            None => {
                let i = self.texts.binary_search_by(|t| (**t).cmp(s)).ok()?;
                Some((i as u32) << 1 | TEXT_TAG)
            }
        }
    }

    /// `(line, block, branch, taken)` in line order.
    pub fn iter(&self) -> impl Iterator<Item = (u32, BranchId<'_>, BranchId<'_>, u64)> + '_ {
        self.packed
            .iter()
            .map(|([line, block, branch], taken)| (line, self.id(block), self.id(branch), taken))
    }

    /// Per line with branches: `(line, found, hit)`, in line order.
    pub fn by_line(&self) -> impl Iterator<Item = (u32, u64, u64)> + '_ {
        let mut it = self.packed.iter().peekable();
        std::iter::from_fn(move || {
            let ([line, ..], taken) = it.next()?;
            let (mut found, mut hit) = (1, u64::from(taken > 0));
            while let Some(([l, ..], taken)) = it.next_if(|([l, ..], _)| *l == line) {
                debug_assert_eq!(l, line);
                found += 1;
                hit += u64::from(taken > 0);
            }
            Some((line, found, hit))
        })
    }

    /// Times the outcome `(line, block, branch)` was taken; `None` when the
    /// report has no such outcome.
    pub fn get(&self, line: u32, block: &str, branch: &str) -> Option<u64> {
        let key = [line, self.tag(block)?, self.tag(branch)?];
        self.packed
            .iter()
            .take_while(|(k, _)| k[0] <= line)
            .find(|(k, _)| *k == key)
            .map(|(_, taken)| taken)
    }
}

impl fmt::Debug for BranchHits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(
                self.iter().map(|(l, block, branch, taken)| {
                    (l, block.to_string(), branch.to_string(), taken)
                }),
            )
            .finish()
    }
}

/// Functions by name, in name order: each a name's length and bytes, then
/// its start line plus one (zero when unknown) and its count, all packed.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Functions {
    packed: Box<[u8]>,
    len: usize,
    hit: usize,
}

impl Functions {
    /// How many functions there are (the functions found).
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// How many functions ran at least once.
    pub fn hit(&self) -> usize {
        self.hit
    }

    /// A function by name.
    pub fn get(&self, name: &str) -> Option<Function> {
        self.records()
            .find(|(n, _)| *n == name.as_bytes())
            .map(|(_, f)| f)
    }

    /// `(name, function)` in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, Function)> + '_ {
        // Names were `&str` when packed.
        self.records()
            .map(|(n, f)| (std::str::from_utf8(n).unwrap_or_default(), f))
    }

    fn records(&self) -> impl Iterator<Item = (&[u8], Function)> + '_ {
        let mut c = Cursor::new(&self.packed);
        std::iter::from_fn(move || {
            let len = usize::try_from(c.varint()?).ok()?;
            let name = c.bytes(len)?;
            let line = c.varint()?;
            let hits = c.varint()?;
            let line = line.checked_sub(1).map(|l| l as u32);
            Some((name, Function { line, hits }))
        })
    }
}

impl fmt::Debug for Functions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// Go's statement blocks: `start line.col,end line.col`, the statements the
/// block holds, and its execution count.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Statements {
    packed: Packed<5>,
    found: u64,
    hit: u64,
}

/// One statement block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Block {
    pub start: (u32, u32),
    pub end: (u32, u32),
    pub statements: u32,
    pub count: u64,
}

impl Statements {
    pub fn is_empty(&self) -> bool {
        self.packed.len() == 0
    }

    /// The statements of all blocks (Go's denominator).
    pub fn found(&self) -> u64 {
        self.found
    }

    /// The statements of the blocks that ran.
    pub fn hit(&self) -> u64 {
        self.hit
    }

    /// The blocks, in source order.
    pub fn iter(&self) -> impl Iterator<Item = Block> + '_ {
        self.packed
            .iter()
            .map(|([sl, sc, el, ec, n], count)| Block {
                start: (sl, sc),
                end: (el, ec),
                statements: n,
                count,
            })
    }

    fn from_packed(packed: Packed<5>) -> Self {
        let (mut found, mut hit) = (0u64, 0u64);
        for ([.., n], count) in packed.iter() {
            found += u64::from(n);
            if count > 0 {
                hit += u64::from(n);
            }
        }
        Self { packed, found, hit }
    }
}

impl fmt::Debug for Statements {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// One source file's coverage. Built with a [`FileBuilder`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileCoverage {
    /// Line number to execution count.
    pub lines: LineHits,
    /// Branch outcome to times taken.
    pub branches: BranchHits,
    /// Function name to its record.
    pub functions: Functions,
    /// MC/DC condition outcome to times covered (lcov 2.2 `MCDC`).
    pub mcdc: BTreeMap<McdcKey, u64>,
    /// Go's statement blocks; empty for the other formats, whose unit is
    /// the line.
    pub statements: Statements,
}

impl FileCoverage {
    /// Adds another report's counts for the same file, line by line.
    pub fn merge(&mut self, other: &FileCoverage) {
        let mut b = FileBuilder::default();
        b.add_file(self);
        b.add_file(other);
        *self = b.finish();
    }

    pub fn totals(&self) -> Totals {
        let (statements_found, statements_hit) = if self.statements.is_empty() {
            (self.lines.len() as u64, self.lines.hit() as u64)
        } else {
            (self.statements.found(), self.statements.hit())
        };
        Totals {
            lines_found: self.lines.len() as u64,
            lines_hit: self.lines.hit() as u64,
            statements_found,
            statements_hit,
            branches_found: self.branches.len() as u64,
            branches_hit: self.branches.hit() as u64,
            functions_found: self.functions.len() as u64,
            functions_hit: self.functions.hit() as u64,
            mcdc_found: self.mcdc.len() as u64,
            mcdc_hit: self.mcdc.values().filter(|h| **h > 0).count() as u64,
        }
    }
}

/// Collects one file's records in any order, with repeats; `finish` sums
/// the repeats and packs them. Reusable: `finish` keeps the buffers.
#[derive(Debug, Default)]
pub struct FileBuilder {
    lines: Packer<1>,
    branches: Packer<3>,
    /// Text branch ids seen so far, to their index in order of first sight.
    texts: HashMap<Box<str>, u32>,
    functions: Vec<FunctionRecord>,
    /// The function records' names, end to end.
    fn_names: String,
    /// The record the next function record most likely repeats: tracefiles
    /// list `FN` records, then `FNDA` records in the same order.
    fn_hint: usize,
    /// Numbers the function records, so the first start line given wins.
    fn_seq: u64,
    mcdc: BTreeMap<McdcKey, u64>,
    blocks: Packer<5>,
    /// Whether named (lcov) and unnamed (counted) branches were added: a
    /// line with both is settled by `finish`.
    named: bool,
    unnamed: bool,
    scratch: Vec<u8>,
}

/// One function's records so far.
#[derive(Debug, Clone, Copy)]
struct FunctionRecord {
    name: (usize, usize),
    /// The first start line given, and the sequence number of its record.
    line: Option<(u32, u64)>,
    hits: u64,
}

impl FileBuilder {
    /// Whether nothing was added since the last `finish`.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
            && self.branches.is_empty()
            && self.functions.is_empty()
            && self.mcdc.is_empty()
            && self.blocks.is_empty()
    }

    /// `hits` more executions of `line`.
    #[inline]
    pub fn line(&mut self, line: u32, hits: u64) {
        self.lines.add([line], hits);
    }

    fn tag(&mut self, id: &str) -> u32 {
        if let Some(n) = numeric_id(id) {
            return n << 1;
        }
        let next = self.texts.len() as u32;
        let i = *self.texts.entry(id.into()).or_insert(next);
        i << 1 | TEXT_TAG
    }

    #[inline]
    fn tag_number(&mut self, n: u64) -> u32 {
        match u32::try_from(n) {
            Ok(n) if n < 1 << 31 => n << 1,
            _ => self.tag(&n.to_string()),
        }
    }

    /// The outcome `(line, block, branch)` taken `taken` more times.
    pub fn branch(&mut self, line: u32, block: &str, branch: &str, taken: u64) {
        let key = [line, self.tag(block), self.tag(branch)];
        self.named = true;
        self.branches.add(key, taken);
    }

    /// [`branch`](Self::branch) with ids that are numbers, as most are:
    /// the same outcome as their decimal text.
    #[inline]
    pub fn branch_numbers(&mut self, line: u32, block: u64, branch: u64, taken: u64) {
        let key = [line, self.tag_number(block), self.tag_number(branch)];
        self.named = true;
        self.branches.add(key, taken);
    }

    /// `found` branches on `line` that the report counts but does not name,
    /// `hit` of them taken (`hit <= found`; the caller checks). The same
    /// line counted again (another class, another report) keeps the larger
    /// of each count: nothing says the branches differ. Against named
    /// branches on the same line, `finish` keeps the larger found and the
    /// larger hit, never their sum or union.
    #[inline]
    pub fn unnamed_branches(&mut self, line: u32, found: u64, hit: u64) {
        let hit = hit.min(found);
        self.unnamed |= found > 0;
        // Taken ones first, so repeats add up to the larger of each count.
        for i in 0..found {
            let key = [line, UNNAMED, self.tag_number(i)];
            self.branches.add(key, u64::from(i < hit));
        }
    }

    /// A Go statement block: lines and columns, its statements, and `count`
    /// more executions. Repeats add up.
    pub fn block(&mut self, start: (u32, u32), end: (u32, u32), statements: u32, count: u64) {
        self.blocks
            .add([start.0, start.1, end.0, end.1, statements], count);
    }

    /// A function record: its start line when the record gives one (the
    /// first given is kept) and `hits` more calls.
    pub fn function(&mut self, name: &str, line: Option<u32>, hits: u64) {
        if self.repeated_function(name.as_bytes(), line, hits) {
            return;
        }
        let start = self.fn_names.len();
        self.fn_names.push_str(name);
        let line = line.map(|l| (l, self.fn_seq));
        self.fn_seq += 1;
        self.functions.push(FunctionRecord {
            name: (start, self.fn_names.len()),
            line,
            hits,
        });
    }

    /// Adds the record to the function the hint points at, when that is
    /// the one named, and says whether it did. For a reader that has not
    /// checked the name is text yet: a match means it is.
    pub(crate) fn repeated_function(&mut self, name: &[u8], line: Option<u32>, hits: u64) -> bool {
        let Some(r) = self.functions.get_mut(self.fn_hint) else {
            return false;
        };
        if self.fn_names.as_bytes().get(r.name.0..r.name.1) != Some(name) {
            return false;
        }
        r.hits = r.hits.saturating_add(hits);
        r.line = r.line.or(line.map(|l| (l, self.fn_seq)));
        self.fn_seq += 1;
        self.fn_hint += 1;
        true
    }

    /// An MC/DC condition outcome covered `hits` more times.
    pub fn mcdc(&mut self, key: McdcKey, hits: u64) {
        let h = self.mcdc.entry(key).or_default();
        *h = h.saturating_add(hits);
    }

    /// Adds everything a file holds.
    pub fn add_file(&mut self, file: &FileCoverage) {
        for (line, hits) in file.lines.iter() {
            self.line(line, hits);
        }
        for (line, block, branch, taken) in file.branches.iter() {
            match block {
                BranchId::Unnamed => self.unnamed = true,
                _ => self.named = true,
            }
            let key = [line, self.tag_id(block), self.tag_id(branch)];
            self.branches.add(key, taken);
        }
        for ([sl, sc, el, ec, n], count) in file.statements.packed.iter() {
            self.blocks.add([sl, sc, el, ec, n], count);
        }
        for (name, f) in file.functions.iter() {
            self.function(name, f.line, f.hits);
        }
        for (key, hits) in &file.mcdc {
            self.mcdc(*key, *hits);
        }
    }

    fn tag_id(&mut self, id: BranchId<'_>) -> u32 {
        match id {
            BranchId::Number(n) => n << 1,
            BranchId::Text(t) => self.tag(t),
            BranchId::Unnamed => UNNAMED,
        }
    }

    /// The file: repeats summed, everything packed. The builder is left
    /// empty, ready for the next file.
    pub fn finish(&mut self) -> FileCoverage {
        let branches = self.finish_branches();
        self.named = false;
        self.unnamed = false;
        FileCoverage {
            lines: LineHits(self.lines.finish()),
            branches,
            functions: self.finish_functions(),
            mcdc: std::mem::take(&mut self.mcdc),
            statements: Statements::from_packed(self.blocks.finish()),
        }
    }

    fn finish_branches(&mut self) -> BranchHits {
        if self.named && self.unnamed {
            self.settle_named_and_unnamed();
        }
        if self.texts.is_empty() {
            return BranchHits {
                packed: self.branches.finish(),
                texts: Box::default(),
            };
        }
        // Renumber the text ids in text order.
        let mut texts: Vec<(Box<str>, u32)> = self.texts.drain().collect();
        texts.sort_unstable();
        let mut new_index = vec![0u32; texts.len()];
        for (new, (_, old)) in texts.iter().enumerate() {
            if let Some(slot) = new_index.get_mut(*old as usize) {
                *slot = new as u32;
            }
        }
        let retag = |id: u32| match new_index.get((id >> 1) as usize) {
            Some(new) if id & TEXT_TAG != 0 => new << 1 | TEXT_TAG,
            _ => id,
        };
        let mut entries: Vec<([u32; 3], u64)> = self
            .branches
            .drain()
            .map(|([line, block, branch], taken)| ([line, retag(block), retag(branch)], taken))
            .collect();
        BranchHits {
            packed: Packed::from_entries(&mut entries, &mut self.scratch),
            texts: texts.into_iter().map(|(t, _)| t).collect(),
        }
    }

    /// Lines with both named and unnamed branches: two reports of one run
    /// in different formats (lcov's `BRDA` and Cobertura's "1/2"). They
    /// count the same branches, so the line keeps the larger found and the
    /// larger hit: the named ones when they are at least as large in both
    /// (their names kept), else that many unnamed ones.
    fn settle_named_and_unnamed(&mut self) {
        let mut entries: Vec<([u32; 3], u64)> = self.branches.drain().collect();
        entries.sort_by_key(|e| e.0);
        // Repeats summed: an outcome listed twice is one outcome.
        entries.dedup_by(|next, kept| {
            let same = next.0 == kept.0;
            if same {
                kept.1 = kept.1.saturating_add(next.1);
            }
            same
        });
        let mut i = 0;
        while let Some(&([line, ..], _)) = entries.get(i) {
            let end = i + entries[i..].partition_point(|([l, ..], _)| *l == line);
            let on_line = &entries[i..end];
            // Unnamed branches sort last on their line.
            let split = on_line.partition_point(|([_, block, _], _)| *block != UNNAMED);
            let (named, unnamed) = on_line.split_at(split);
            let count = |side: &[([u32; 3], u64)]| {
                let hit = side.iter().filter(|(_, t)| *t > 0).count();
                (side.len() as u64, hit as u64)
            };
            let ((nf, nh), (uf, uh)) = (count(named), count(unnamed));
            if uf == 0 || (nf >= uf && nh >= uh) {
                named.iter().for_each(|(k, t)| self.branches.add(*k, *t));
            } else if nf == 0 {
                unnamed.iter().for_each(|(k, t)| self.branches.add(*k, *t));
            } else {
                let hit = nh.max(uh);
                for n in 0..nf.max(uf) {
                    let key = [line, UNNAMED, self.tag_number(n)];
                    self.branches.add(key, u64::from(n < hit));
                }
            }
            i = end;
        }
    }

    fn finish_functions(&mut self) -> Functions {
        let names = &self.fn_names;
        let name = |r: &FunctionRecord| names.get(r.name.0..r.name.1).unwrap_or_default();
        if !self.functions.is_sorted_by(|a, b| name(a) <= name(b)) {
            self.functions.sort_unstable_by(|a, b| name(a).cmp(name(b)));
        }
        let out = &mut self.scratch;
        out.clear();
        let (mut len, mut hit) = (0, 0);
        let mut i = 0;
        while let Some(first) = self.functions.get(i) {
            let mut f = *first;
            i += 1;
            while let Some(next) = self.functions.get(i) {
                if name(next) != name(&f) {
                    break;
                }
                f.hits = f.hits.saturating_add(next.hits);
                f.line = match (f.line, next.line) {
                    (Some(a), Some(b)) => Some(if b.1 < a.1 { b } else { a }),
                    (a, b) => a.or(b),
                };
                i += 1;
            }
            let n = name(&f);
            put(out, n.len() as u64);
            out.extend_from_slice(n.as_bytes());
            put(out, f.line.map_or(0, |(l, _)| u64::from(l) + 1));
            put(out, f.hits);
            len += 1;
            hit += usize::from(f.hits > 0);
        }
        let packed = Box::from(&out[..]);
        self.functions.clear();
        self.fn_names.clear();
        self.fn_hint = 0;
        self.fn_seq = 0;
        Functions { packed, len, hit }
    }
}

/// Found and hit counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub lines_found: u64,
    pub lines_hit: u64,
    /// The unit the gate holds packages to: Go's statements for files with
    /// Go statement blocks (what `go test -cover` counts), a line for every
    /// other file.
    pub statements_found: u64,
    pub statements_hit: u64,
    pub branches_found: u64,
    pub branches_hit: u64,
    pub functions_found: u64,
    pub functions_hit: u64,
    pub mcdc_found: u64,
    pub mcdc_hit: u64,
}

impl Totals {
    pub fn add(&mut self, o: &Totals) {
        self.lines_found += o.lines_found;
        self.lines_hit += o.lines_hit;
        self.statements_found += o.statements_found;
        self.statements_hit += o.statements_hit;
        self.branches_found += o.branches_found;
        self.branches_hit += o.branches_hit;
        self.functions_found += o.functions_found;
        self.functions_hit += o.functions_hit;
        self.mcdc_found += o.mcdc_found;
        self.mcdc_hit += o.mcdc_hit;
    }

    /// Line coverage in percent; `None` with no lines.
    pub fn line_percent(&self) -> Option<f64> {
        percent(self.lines_hit, self.lines_found)
    }

    /// Branch coverage in percent; `None` with no branches.
    pub fn branch_percent(&self) -> Option<f64> {
        percent(self.branches_hit, self.branches_found)
    }

    /// `(found, hit)` in the gate's unit: statements, or the lines when no
    /// statement was counted (totals made from lines alone).
    pub fn coverage(&self) -> (u64, u64) {
        if self.statements_found == 0 && self.lines_found > 0 {
            (self.lines_found, self.lines_hit)
        } else {
            (self.statements_found, self.statements_hit)
        }
    }

    /// Coverage in the gate's unit, in percent; `None` with nothing counted.
    /// The line percentage, except for Go, where it is `go test -cover`'s.
    pub fn coverage_percent(&self) -> Option<f64> {
        let (found, hit) = self.coverage();
        percent(hit, found)
    }

    /// Whether any statement is counted apart from lines (Go input).
    pub fn has_go_statements(&self) -> bool {
        self.coverage() != (self.lines_found, self.lines_hit)
    }
}

fn percent(hit: u64, found: u64) -> Option<f64> {
    (found > 0).then(|| hit as f64 * 100.0 / found as f64)
}

/// Coverage by file path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Coverage {
    pub files: BTreeMap<String, FileCoverage>,
    /// What the reader tolerated or chose and the user should know: records
    /// skipped, the `<source>` used. Short, and each quotes at most an
    /// excerpt of the report.
    pub notes: Vec<String>,
}

impl Coverage {
    /// Merges a file's coverage in, summing with what is there.
    pub fn add_file(&mut self, path: String, file: FileCoverage) {
        match self.files.entry(path) {
            Entry::Occupied(mut existing) => existing.get_mut().merge(&file),
            Entry::Vacant(slot) => {
                slot.insert(file);
            }
        }
    }

    /// Merges a whole report in.
    pub fn merge(&mut self, other: Coverage) {
        for (path, file) in other.files {
            self.add_file(path, file);
        }
        self.notes.extend(other.notes);
    }

    pub fn totals(&self) -> Totals {
        let mut t = Totals::default();
        for f in self.files.values() {
            t.add(&f.totals());
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merging_sums_line_by_line() {
        let mut b = FileBuilder::default();
        b.line(1, 0);
        b.line(2, 3);
        let a = b.finish();
        assert!(b.is_empty());
        b.line(3, 0);
        b.line(1, 2);
        let c = b.finish();
        let mut cov = Coverage::default();
        cov.add_file("x.rs".into(), a);
        cov.add_file("x.rs".into(), c);
        let f = &cov.files["x.rs"];
        assert_eq!(f.lines.get(1), Some(2));
        assert_eq!(f.lines.get(2), Some(3));
        assert_eq!(f.lines.get(3), Some(0));
        assert_eq!(f.lines.get(4), None);
        assert_eq!(f.lines.iter().collect::<Vec<_>>(), [(1, 2), (2, 3), (3, 0)]);
        let t = cov.totals();
        assert_eq!((t.lines_found, t.lines_hit), (3, 2));
        assert!((t.line_percent().unwrap() - 66.666).abs() < 0.01);
        assert_eq!(t.branch_percent(), None);
    }

    #[test]
    fn branch_ids_keep_their_text() {
        let mut b = FileBuilder::default();
        b.branch(4, "0", "jump to line 9, taken", 1);
        b.branch_numbers(4, 0, 1, 0);
        b.branch(4, "0", "1", 2);
        b.branch(4, "00", "1", 1);
        b.branch_numbers(5, 0, 1 << 31, 1);
        b.branch(5, "0", "zzz", 0);
        b.branch(5, "0", "aaa", 0);
        let f = b.finish();
        assert_eq!(f.branches.len(), 6);
        assert_eq!(f.branches.hit(), 4);
        assert_eq!(f.branches.get(4, "0", "1"), Some(2));
        assert_eq!(f.branches.get(4, "00", "1"), Some(1));
        assert_eq!(f.branches.get(4, "0", "jump to line 9, taken"), Some(1));
        assert_eq!(f.branches.get(5, "0", "2147483648"), Some(1));
        assert_eq!(f.branches.get(5, "0", "01"), None);
        let ids: Vec<String> = f
            .branches
            .iter()
            .map(|(l, block, branch, _)| format!("{l}/{block}/{branch}"))
            .collect();
        assert_eq!(
            ids,
            [
                "4/0/1",
                "4/0/jump to line 9, taken",
                "4/00/1",
                "5/0/2147483648",
                "5/0/aaa",
                "5/0/zzz"
            ]
        );
        // Built in another order, the same outcomes are the same file.
        let mut b2 = FileBuilder::default();
        b2.branch(5, "0", "aaa", 0);
        b2.add_file(&f);
        let mut again = FileBuilder::default();
        again.branch(5, "0", "aaa", 0);
        let mut g = again.finish();
        g.merge(&f);
        assert_eq!(b2.finish(), g);
    }

    #[test]
    fn functions_keep_the_first_line_and_sum_calls() {
        let mut b = FileBuilder::default();
        b.function("zeta", None, 2);
        b.function("alpha", Some(3), 0);
        b.function("zeta", Some(9), 1);
        b.function("zeta", Some(12), 0);
        b.function("", None, 0);
        let f = b.finish();
        assert_eq!(f.functions.len(), 3);
        assert_eq!(f.functions.hit(), 1);
        assert_eq!(
            f.functions.get("zeta"),
            Some(Function {
                line: Some(9),
                hits: 3
            })
        );
        assert_eq!(
            f.functions.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            ["", "alpha", "zeta"]
        );
        assert_eq!(f.functions.get("beta"), None);
    }

    // Regression (#17.2, real gcovr pair): Cobertura "1 of 2" merged with lcov BRDA gave 2 of 2;
    // branch totals doubled.
    /// Issue 17, item 2: Cobertura's "1 of 2" and lcov's named BRDA for the
    /// same line are the same branches.
    #[test]
    fn unnamed_and_named_branches_merge_by_line() {
        let mut b = FileBuilder::default();
        b.branch_numbers(5, 0, 0, 0);
        b.branch_numbers(5, 0, 1, 3);
        b.branch_numbers(9, 0, 0, 1);
        let lcov = b.finish();
        b.unnamed_branches(5, 2, 1);
        b.unnamed_branches(9, 4, 1);
        b.unnamed_branches(12, 2, 0);
        let cobertura = b.finish();
        let mut merged = lcov.clone();
        merged.merge(&cobertura);
        assert_eq!(
            merged.branches.by_line().collect::<Vec<_>>(),
            [(5, 2, 1), (9, 4, 1), (12, 2, 0)]
        );
        // Line 5: the named side is as large in both counts, so it stays.
        assert_eq!(merged.branches.get(5, "0", "1"), Some(3));
        let mut other_way = cobertura.clone();
        other_way.merge(&lcov);
        assert_eq!(other_way, merged);
        // Unnamed against unnamed: the larger of each count.
        b.unnamed_branches(5, 4, 1);
        let mut again = b.finish();
        again.merge(&cobertura);
        assert_eq!(again.branches.by_line().next(), Some((5, 4, 1)));
        assert_eq!(again.totals().branches_hit, 2);
    }

    // Regression (#17.3, real Go profiles): lines were counted, not statements; off by up to 30
    // points with overlapping blocks.
    #[test]
    fn statements_count_blocks_and_merge_by_block() {
        let mut b = FileBuilder::default();
        b.block((3, 20), (5, 2), 2, 1);
        b.block((7, 2), (7, 10), 1, 0);
        b.block((9, 1), (9, 3), 0, 1);
        b.line(3, 1);
        let f = b.finish();
        let t = f.totals();
        assert_eq!((t.statements_found, t.statements_hit), (3, 2));
        assert_eq!((t.lines_found, t.lines_hit), (1, 1));
        let mut g = f.clone();
        b.block((7, 2), (7, 10), 1, 4);
        g.merge(&b.finish());
        assert_eq!(g.statements.found(), 3);
        assert_eq!(g.statements.hit(), 3);
        assert_eq!(g.statements.iter().nth(1).map(|b| b.count), Some(4));
        // Without blocks, a line is a statement.
        b.line(1, 0);
        b.line(2, 5);
        let t = b.finish().totals();
        assert_eq!((t.statements_found, t.statements_hit), (2, 1));
        assert!(!t.has_go_statements());
        assert_eq!(t.coverage_percent(), Some(50.0));
    }

    // Regression (#17 small ones, #12.6): errors quoted unbounded report text.
    #[test]
    fn excerpts_and_clips_stop_at_200_characters() {
        let long = "é".repeat(500);
        let e = excerpt(&long);
        assert!(e.ends_with("\"…"), "{e}");
        assert_eq!(e.chars().count(), 200 + 3);
        assert_eq!(excerpt("a\"b"), "\"a\\\"b\"");
        assert_eq!(clip(&long).chars().count(), 201);
        assert!(excerpt_bytes(&[b'x'; 5000]).ends_with('…'));
        assert_eq!(excerpt_bytes(b"\xffa"), "\"\u{fffd}a\"");
    }
}
