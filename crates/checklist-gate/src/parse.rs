//! Checkboxes, exactly where GitHub renders them.
//!
//! pulldown-cmark gives the block structure (lists, code, HTML blocks and
//! comments, tables), and so where a checkbox cannot be. Whether a list item
//! *is* a checkbox is decided here, by cmark-gfm's own rule
//! (`extensions/tasklist.c`): the item's first line, from its start, must be
//! optional whitespace, the item's bullet, whitespace, `[ ]`, `[x]` or
//! `[X]`, and whitespace. pulldown-cmark's own task-list detection differs
//! from cmark-gfm in a dozen corners (a bullet on its parent's line, a box
//! with nothing after it, a form feed after the box, a table or tabs right
//! after the box), and its item offsets are not always on the item's line,
//! so neither is trusted.
//!
//! Tabs count to the next tab stop of 4 columns, as in CommonMark: 5 or more
//! columns between the bullet and the box make the content an indented code
//! block, so there is no box.
//!
//! One deliberate difference: Debian's cmark-gfm renders no box inside a
//! block quote, github.com reportedly does (github/markup#322). A task item
//! inside `>` counts here, the safe direction (an unticked box there holds
//! the gate). The differential tests mark it.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

/// One heading. Items refer to their section by index, so a long heading is
/// stored once however many items sit under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// The heading's plain text, whitespace collapsed.
    pub heading: String,
    /// 1 for `#`, up to 6.
    pub level: u8,
    /// The nearest heading above with a lower level: sub-headings belong to
    /// their parent section.
    pub parent: Option<usize>,
    /// 1-based line of the heading.
    pub line: usize,
}

/// One checkbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// The item's first paragraph as plain text: emphasis, links and code
    /// marks stripped, whitespace collapsed. Nested blocks (sub-lists,
    /// tables, code) belong to the item but not to its text.
    pub text: String,
    /// The struck-through text the item opens with (`~~label~~ reason`).
    pub label: Option<String>,
    pub checked: bool,
    /// The text opens with a struck label, or starts or ends with the N/A
    /// marker.
    pub not_applicable: bool,
    /// The innermost section the item sits in, an index into
    /// [`Checklist::sections`].
    pub section: Option<usize>,
    /// 1-based line of the checkbox in the document.
    pub line: usize,
    /// The item sits inside a block quote (see the module doc).
    pub quoted: bool,
}

/// The checkboxes and headings of one document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Checklist {
    pub items: Vec<Item>,
    pub sections: Vec<Section>,
    /// The line of a `<!-- trunkline:ignore -->` that is never closed: the
    /// region runs to the end of the document.
    pub unclosed_ignore: Option<usize>,
}

impl Checklist {
    /// The chain of sections an item sits in, innermost first.
    pub fn section_path(&self, section: Option<usize>) -> impl Iterator<Item = &Section> {
        std::iter::successors(section.map(|i| &self.sections[i]), |s| {
            s.parent.map(|p| &self.sections[p])
        })
    }
}

/// Opens an ignored region: its text is not part of the checklist.
pub const IGNORE_START: &str = "<!-- trunkline:ignore -->";
/// Closes an ignored region.
pub const IGNORE_END: &str = "<!-- /trunkline:ignore -->";

fn is_space_char(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\x0b' | '\x0c')
}

/// Characters that show as nothing and that a paste drags along: zero-width
/// spaces and joiners, direction marks, the word joiner, the byte-order mark,
/// the soft hyphen, emoji variation selectors.
pub fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}'
        | '\u{FFA0}' | '\u{1BCA0}'..='\u{1BCA3}' | '\u{E0000}'..='\u{E0FFF}')
}

/// Whitespace collapsed to single spaces. Invisible characters stay in the
/// text as shown; matching drops them.
pub fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether `s` shows nothing: only whitespace and invisible characters.
pub fn is_blank(s: &str) -> bool {
    s.chars().all(|c| c.is_whitespace() || is_invisible(c))
}

/// The byte length of `marker` at the start of `text`, compared
/// case-insensitively character by character; `None` when it is not there.
fn marker_len_at(text: &str, marker: &str) -> Option<usize> {
    let mut chars = text.char_indices();
    let mut end = 0;
    for want in marker.chars() {
        let (i, c) = chars.next()?;
        if !c.to_lowercase().eq(want.to_lowercase()) {
            return None;
        }
        end = i + c.len_utf8();
    }
    Some(end)
}

/// Where `marker` (case-insensitive, as a word of its own) starts when it
/// closes the text: at its end (`Docs N/A`), or followed by a reason in
/// parentheses or after a colon or dash (`Docs — N/A (backend only)`,
/// `Docs: N/A - no UI`). A byte offset into `text`.
pub fn marker_start(text: &str, marker: &str) -> Option<usize> {
    let m = marker.trim();
    if m.is_empty() {
        return None;
    }
    let t = text.trim_end();
    // Only where the marker's first character could start: a cheap test
    // before the full case-insensitive comparison.
    let first: Vec<char> = m.chars().take(1).flat_map(char::to_lowercase).collect();
    t.char_indices()
        .filter(|(_, c)| c.to_lowercase().eq(first.iter().copied()) || !c.is_ascii())
        .map(|(i, _)| i)
        .find(|&i| {
            let Some(len) = marker_len_at(&t[i..], m) else {
                return false;
            };
            let before = &t[..i];
            let word_start = before.is_empty()
                || before.ends_with(|c: char| c.is_whitespace() || "-–—:(".contains(c));
            let after = t[i + len..].trim_start();
            word_start && (after.is_empty() || after.starts_with(['(', ':', '-', '–', '—']))
        })
}

/// Where the text after `marker` (case-insensitive, as a word of its own)
/// at the start of `text` begins, as a byte offset into `text`.
pub fn marker_end_at_start(text: &str, marker: &str) -> Option<usize> {
    let t = text.trim_start();
    let skipped = text.len() - t.len();
    let m = marker.trim();
    if m.is_empty() {
        return None;
    }
    let end = marker_len_at(t, m)?;
    let after = &t[end..];
    let boundary =
        after.is_empty() || after.starts_with(|c: char| c.is_whitespace() || "-–—:)".contains(c));
    boundary.then_some(skipped + end)
}

/// Whether `text` closes with `marker` (see [`marker_start`]).
pub fn ends_with_marker(text: &str, marker: &str) -> bool {
    marker_start(text, marker).is_some()
}

/// The document with every tab in the lines' structural prefixes (the
/// indentation, and the whitespace after `>` and after list bullets)
/// replaced by the spaces that reach the same tab stop. CommonMark says tabs
/// there behave exactly so; pulldown-cmark gets partial tabs after a bullet
/// wrong (`10. \t[x]` is indented code to cmark-gfm, a task item to it), so
/// it is handed the expanded text. Columns, lines and everything after the
/// prefix (the box itself, `- [\t] x`) are unchanged.
pub fn expand_structural_tabs(markdown: &str) -> std::borrow::Cow<'_, str> {
    if !markdown.contains('\t') {
        return std::borrow::Cow::Borrowed(markdown);
    }
    let mut out = String::with_capacity(markdown.len() + markdown.len() / 8);
    for line in markdown.split_inclusive('\n') {
        let bytes = line.as_bytes();
        let mut col = 0;
        let mut i = 0;
        loop {
            // Whitespace, tabs expanded.
            while i < bytes.len() && matches!(bytes[i], b' ' | b'\t') {
                let next = advance(col, char::from(bytes[i]));
                out.extend(std::iter::repeat_n(' ', next - col));
                col = next;
                i += 1;
            }
            // A block-quote marker, or a bullet followed by whitespace.
            let marker = match bytes.get(i) {
                Some(b'>') => 1,
                Some(b'-' | b'+' | b'*') => 1,
                Some(b'0'..=b'9') => {
                    let digits = bytes[i..].iter().take_while(|b| b.is_ascii_digit()).count();
                    match bytes.get(i + digits) {
                        Some(b'.' | b')') if digits <= 9 => digits + 1,
                        _ => 0,
                    }
                }
                _ => 0,
            };
            let spaced =
                bytes.get(i) == Some(&b'>') || matches!(bytes.get(i + marker), Some(b' ' | b'\t'));
            if marker == 0 || !spaced {
                break;
            }
            out.push_str(&line[i..i + marker]);
            col += marker;
            i += marker;
        }
        out.push_str(&line[i..]);
    }
    std::borrow::Cow::Owned(out)
}

/// Column after `c` at column `col`: tabs go to the next stop of 4.
fn advance(col: usize, c: char) -> usize {
    if c == '\t' {
        col + 4 - col % 4
    } else {
        col + 1
    }
}

/// cmark-gfm's task-item rule on the item's first line: optional
/// whitespace (and, inside a block quote, its `>` markers), a bullet,
/// 1 to 4 columns of whitespace, a box, whitespace. The box's state and its
/// byte offset in the line.
fn task_box(line: &str, quoted: bool) -> Option<(bool, usize)> {
    let mut chars = line.char_indices().peekable();
    let mut col = 0;
    // Before the bullet.
    while let Some(&(_, c)) = chars.peek() {
        if is_space_char(c) || (quoted && c == '>') {
            col = advance(col, c);
            chars.next();
        } else {
            break;
        }
    }
    // The bullet: `-`, `+`, `*`, or digits and one more character.
    let (_, first) = chars.next()?;
    col += 1;
    if first.is_ascii_digit() {
        while chars.peek().is_some_and(|(_, c)| c.is_ascii_digit()) {
            chars.next();
            col += 1;
        }
        let (_, delim) = chars.next()?;
        if delim == '\n' {
            return None;
        }
        col = advance(col, delim);
    } else if !matches!(first, '-' | '+' | '*') {
        return None;
    }
    let after_bullet = col;
    while let Some(&(_, c)) = chars.peek() {
        if is_space_char(c) {
            col = advance(col, c);
            chars.next();
        } else {
            break;
        }
    }
    // 5 or more columns: the content is an indented code block.
    if col == after_bullet || col - after_bullet > 4 {
        return None;
    }
    let (at, open) = chars.next()?;
    let (_, state) = chars.next()?;
    let (_, close) = chars.next()?;
    let (_, space) = chars.next()?;
    // `[` `]` and the states are one byte each, so the box is `at..at + 3`.
    if open != '[' || close != ']' || !is_space_char(space) {
        return None;
    }
    match state {
        ' ' => Some((false, at)),
        'x' | 'X' => Some((true, at)),
        _ => None,
    }
}

/// What the item's text is collected from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Collect {
    /// Not collecting (not a checkbox, or the first paragraph is over).
    No,
    /// The inline content of a tight item, up to the first block.
    Inline,
    /// A loose item's first paragraph.
    Paragraph,
    /// A setext heading right after the box.
    Heading,
    /// A table whose header row starts right after the box: the header's
    /// cells, joined by ` | `.
    TableHead,
    /// A box with nothing after it on its line (see [`BLANK_BOX`]): skip the
    /// stand-in, then the next block is the text if it is a paragraph.
    StandIn,
    /// The next event decides.
    Next,
}

/// Stands in for a box with nothing but spaces or tabs after it on its
/// line, the box and the whitespace character after it replaced byte for
/// byte. cmark-gfm consumes such a box and leaves the item without a
/// paragraph, so the next line cannot continue one lazily; pulldown-cmark
/// would see a paragraph `[ ]`. `<??>` is an HTML block that ends on its own
/// line (a processing instruction), so the item has no paragraph either.
const BLANK_BOX: &str = "<??>";

struct Frame {
    /// Whether the first event inside the item was seen.
    started: bool,
    /// The item's index in `items` once it is a checkbox.
    index: Option<usize>,
    collect: Collect,
    text: String,
    /// Where the box ends in the document: text before it is not the item's.
    box_end: usize,
    /// The byte range in `text` of the first strikethrough, if any.
    strike: Option<(usize, Option<usize>)>,
    cells: usize,
    quoted: bool,
}

impl Frame {
    fn collecting(&self) -> bool {
        !matches!(self.collect, Collect::No | Collect::StandIn | Collect::Next)
    }
}

/// How an item whose first block starts with `event` collects its text, if
/// that block can hold a box.
fn first_block(event: &Event<'_>) -> Option<Collect> {
    match event {
        Event::Start(Tag::Paragraph) => Some(Collect::Paragraph),
        Event::Start(Tag::Heading { .. }) => Some(Collect::Heading),
        Event::Start(Tag::Table(_)) => Some(Collect::TableHead),
        Event::Start(Tag::HtmlBlock) => Some(Collect::StandIn),
        e if is_inline(e) => Some(Collect::Inline),
        _ => None,
    }
}

/// The events that start a first paragraph (inline content, in a tight
/// item).
fn is_inline(event: &Event<'_>) -> bool {
    match event {
        Event::Text(_)
        | Event::Code(_)
        | Event::InlineHtml(_)
        | Event::InlineMath(_)
        | Event::DisplayMath(_)
        | Event::FootnoteReference(_)
        | Event::SoftBreak
        | Event::HardBreak => true,
        Event::Start(tag) => matches!(
            tag,
            Tag::Emphasis
                | Tag::Strong
                | Tag::Strikethrough
                | Tag::Superscript
                | Tag::Subscript
                | Tag::Link { .. }
                | Tag::Image { .. }
        ),
        _ => false,
    }
}

/// Whether an event starts or ends a block (ending a tight item's first
/// paragraph).
fn is_block_boundary(event: &Event<'_>) -> bool {
    match event {
        Event::Start(tag) => !matches!(
            tag,
            Tag::Emphasis
                | Tag::Strong
                | Tag::Strikethrough
                | Tag::Superscript
                | Tag::Subscript
                | Tag::Link { .. }
                | Tag::Image { .. }
        ),
        Event::End(tag) => !matches!(
            tag,
            TagEnd::Emphasis
                | TagEnd::Strong
                | TagEnd::Strikethrough
                | TagEnd::Superscript
                | TagEnd::Subscript
                | TagEnd::Link
                | TagEnd::Image
        ),
        Event::Rule | Event::Html(_) => true,
        _ => false,
    }
}

/// An HTML comment's text normalised for comparing with the ignore markers.
fn comment_marker(html: &str) -> Option<bool> {
    let t: String = html.split_whitespace().collect::<Vec<_>>().join(" ");
    if t.eq_ignore_ascii_case(IGNORE_START) {
        Some(true)
    } else if t.eq_ignore_ascii_case(IGNORE_END) {
        Some(false)
    } else {
        None
    }
}

struct Lines {
    starts: Vec<usize>,
}

impl Lines {
    fn new(text: &str) -> Self {
        Lines {
            starts: std::iter::once(0)
                .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1))
                .collect(),
        }
    }

    /// 1-based line of a byte offset.
    fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|s| *s <= offset)
    }

    /// The text of the line holding `offset`, without its line end, and the
    /// byte offset where it starts.
    fn line_at<'a>(&self, text: &'a str, offset: usize) -> (&'a str, usize) {
        let n = self.line_of(offset);
        let start = self.starts[n - 1];
        let end = self.starts.get(n).map_or(text.len(), |e| e - 1);
        let line = &text[start..end.max(start)];
        (line.strip_suffix('\r').unwrap_or(line), start)
    }
}

/// Replaces each box with nothing but spaces or tabs after it by
/// [`BLANK_BOX`], same length.
fn patch_blank_boxes(doc: &str) -> std::borrow::Cow<'_, str> {
    let mut out: Option<String> = None;
    let mut start = 0;
    for line in doc.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        if let Some((_, at)) = task_box(body, true) {
            let after = &body[at + 3..];
            let blank =
                after.starts_with([' ', '\t']) && after.trim_start_matches([' ', '\t']).is_empty();
            if blank {
                let o = out.get_or_insert_with(|| doc.to_owned());
                o.replace_range(start + at..start + at + 4, BLANK_BOX);
            }
        }
        start += line.len();
    }
    out.map_or(std::borrow::Cow::Borrowed(doc), std::borrow::Cow::Owned)
}

/// The column where an empty list item's content starts, when `line` is a
/// bullet (after any indentation and outer bullets) with nothing after it.
fn empty_item_content_column(line: &str) -> Option<usize> {
    let mut col = 0;
    let mut rest = line;
    let mut content = None;
    loop {
        let ws = rest.len() - rest.trim_start_matches([' ', '\t']).len();
        for c in rest[..ws].chars() {
            col = advance(col, c);
        }
        rest = &rest[ws..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let width = match rest.as_bytes().first() {
            Some(b'-' | b'+' | b'*') => 1,
            Some(b'0'..=b'9') if matches!(rest.as_bytes().get(digits), Some(b'.' | b')')) => {
                digits + 1
            }
            _ => return if rest.is_empty() { content } else { None },
        };
        let after = &rest[width..];
        if !(after.is_empty() || after.starts_with([' ', '\t'])) {
            return None;
        }
        col += width;
        content = Some(col + 1);
        rest = after;
    }
}

/// cmark-gfm 0.29 keeps an empty list item open across a line of only
/// whitespace indented at least to the item's content (the CommonMark spec
/// closes it), so an indented list after it is inside the item, boxes and
/// all. Such lines become an inert HTML block at the content column, so
/// pulldown-cmark keeps the item open too. Found from the parse, not the
/// text, so a bullet-like line inside code or HTML is left alone.
fn patch_empty_items(doc: String) -> String {
    let mut doc = doc;
    // Each round can open more; the bound keeps a hostile document linear.
    for _ in 0..8 {
        let lines = Lines::new(&doc);
        let mut patches: Vec<(usize, usize)> = Vec::new();
        let mut last_start: Option<usize> = None;
        for (event, range) in Parser::new_ext(&doc, Options::ENABLE_TABLES).into_offset_iter() {
            match event {
                Event::Start(Tag::Item) => last_start = Some(range.start),
                Event::End(TagEnd::Item) => {
                    if let Some(at) = last_start.take() {
                        let n = lines.line_of(at);
                        let (line, _) = lines.line_at(&doc, at);
                        let Some(content) = empty_item_content_column(line) else {
                            continue;
                        };
                        let Some(&next) = lines.starts.get(n) else {
                            continue;
                        };
                        let (blank, _) = lines.line_at(&doc, next);
                        let width: usize = blank.chars().fold(0, advance);
                        if !blank.is_empty()
                            && blank.trim_start_matches([' ', '\t']).is_empty()
                            && width >= content
                        {
                            patches.push((n, content));
                        }
                    }
                }
                _ => last_start = None,
            }
        }
        if patches.is_empty() {
            break;
        }
        let mut out = String::with_capacity(doc.len() + patches.len() * 8);
        let mut next = patches.iter().peekable();
        for (i, line) in doc.split_inclusive('\n').enumerate() {
            match next.peek() {
                Some(&&(n, content)) if n == i => {
                    next.next();
                    out.extend(std::iter::repeat_n(' ', content));
                    out.push_str(BLANK_BOX);
                    out.push_str(&line[line.trim_end_matches(['\n', '\r']).len()..]);
                }
                _ => out.push_str(line),
            }
        }
        doc = out;
    }
    doc
}

/// Whether any line is a bare bullet followed by a line of only whitespace:
/// the only documents [`patch_empty_items`] can change.
fn may_have_open_empty_items(doc: &str) -> bool {
    let mut previous_empty = false;
    for line in doc.lines() {
        if previous_empty && !line.is_empty() && line.trim_start_matches([' ', '\t']).is_empty() {
            return true;
        }
        previous_empty = empty_item_content_column(line).is_some();
    }
    false
}

/// Parses the checkboxes and headings of a Markdown document.
pub fn parse_checklist(markdown: &str, na_marker: &str) -> Checklist {
    let expanded = expand_structural_tabs(markdown);
    // The document as read for lines and boxes, and as handed to the parser:
    // the same lines; only lines of whitespace may differ in length.
    let original: &str = &expanded;
    let patched = patch_blank_boxes(original);
    let patched: std::borrow::Cow<'_, str> = if may_have_open_empty_items(&patched) {
        std::borrow::Cow::Owned(patch_empty_items(patched.into_owned()))
    } else {
        patched
    };
    let markdown: &str = &patched;
    let source_lines = Lines::new(original);
    let lines = Lines::new(markdown);
    let options = Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES;
    let mut out = Checklist::default();
    let mut frames: Vec<Frame> = Vec::new();
    let mut quote_depth = 0usize;
    let mut heading: Option<(String, u8, usize)> = None;
    // The open headings, outermost first, as indices into `out.sections`.
    let mut open_headings: Vec<usize> = Vec::new();
    let mut ignoring: Option<usize> = None;
    for (event, range) in Parser::new_ext(markdown, options).into_offset_iter() {
        // The item's first event decides whether it is a checkbox.
        if let Some(top) = frames.last_mut().filter(|f| !f.started) {
            top.started = true;
            let boxed = first_block(&event).and_then(|collect| {
                let n = lines.line_of(range.start);
                let start = lines.starts[n - 1];
                let (line, _) = source_lines.line_at(original, source_lines.starts[n - 1]);
                let (checked, at) = task_box(line, top.quoted)?;
                (start + at <= range.start).then_some((collect, checked, start + at))
            });
            if let Some((collect, checked, at)) = boxed.filter(|_| ignoring.is_none()) {
                top.collect = collect;
                top.box_end = at + 3;
                top.index = Some(out.items.len());
                out.items.push(Item {
                    text: String::new(),
                    label: None,
                    checked,
                    not_applicable: false,
                    section: open_headings.last().copied(),
                    line: lines.line_of(at),
                    quoted: top.quoted,
                });
            }
        } else if let Some(top) = frames.last_mut().filter(|f| f.collect == Collect::Next) {
            top.collect = match first_block(&event) {
                Some(Collect::StandIn) | None => Collect::No,
                Some(c) => c,
            };
        }
        if let Some(top) = frames.last_mut() {
            let ends = match top.collect {
                Collect::Inline => is_block_boundary(&event),
                Collect::Paragraph => matches!(event, Event::End(TagEnd::Paragraph)),
                Collect::Heading => matches!(event, Event::End(TagEnd::Heading(_))),
                Collect::TableHead => matches!(event, Event::End(TagEnd::TableHead)),
                Collect::StandIn | Collect::Next | Collect::No => false,
            };
            // The first event of a paragraph, heading or table is its start.
            let opening = matches!(
                (&event, top.collect),
                (Event::Start(Tag::Paragraph), Collect::Paragraph)
                    | (Event::Start(Tag::Heading { .. }), Collect::Heading)
                    | (Event::Start(Tag::Table(_)), Collect::TableHead)
            );
            if ends && !opening {
                top.collect = Collect::No;
            }
            if top.collect == Collect::StandIn && matches!(event, Event::End(TagEnd::HtmlBlock)) {
                top.collect = Collect::Next;
            }
        }
        match event {
            Event::Start(Tag::BlockQuote(_)) => quote_depth += 1,
            Event::End(TagEnd::BlockQuote(_)) => quote_depth = quote_depth.saturating_sub(1),
            Event::Start(Tag::Heading { level, .. }) => {
                heading = Some((String::new(), level as u8, lines.line_of(range.start)));
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((text, level, line)) = heading.take() {
                    let text = collapse(&text);
                    if !is_blank(&text) && ignoring.is_none() {
                        while open_headings
                            .last()
                            .is_some_and(|h| out.sections[*h].level >= level)
                        {
                            open_headings.pop();
                        }
                        out.sections.push(Section {
                            heading: text,
                            level,
                            parent: open_headings.last().copied(),
                            line,
                        });
                        open_headings.push(out.sections.len() - 1);
                    }
                }
            }
            Event::Start(Tag::Item) => frames.push(Frame {
                started: false,
                index: None,
                collect: Collect::No,
                text: String::new(),
                box_end: 0,
                strike: None,
                cells: 0,
                quoted: quote_depth > 0,
            }),
            Event::End(TagEnd::Item) => {
                if let Some(frame) = frames.pop() {
                    finish(&mut out.items, frame, na_marker);
                }
            }
            Event::Start(Tag::Strikethrough) => {
                if let Some(top) = frames.last_mut().filter(|f| f.collecting()) {
                    if top.strike.is_none() {
                        top.strike = Some((top.text.len(), None));
                    }
                }
            }
            Event::End(TagEnd::Strikethrough) => {
                if let Some(top) = frames.last_mut() {
                    if let Some((start, None)) = top.strike {
                        top.strike = Some((start, Some(top.text.len())));
                    }
                }
            }
            Event::Start(Tag::TableCell) => {
                if let Some(top) = frames
                    .last_mut()
                    .filter(|f| f.collect == Collect::TableHead)
                {
                    if top.cells > 0 {
                        top.text.push_str(" | ");
                    }
                    top.cells += 1;
                }
            }
            Event::Html(html) | Event::InlineHtml(html) => match comment_marker(&html) {
                Some(true) => {
                    ignoring.get_or_insert(lines.line_of(range.start));
                }
                Some(false) => ignoring = None,
                None => {}
            },
            Event::Text(t) | Event::Code(t) => {
                if let Some((h, ..)) = heading.as_mut() {
                    h.push_str(&t);
                }
                if let Some(top) = frames.last_mut().filter(|f| f.collecting()) {
                    if range.start >= top.box_end {
                        top.text.push_str(&t);
                    } else if range.end > top.box_end && t.len() == range.len() {
                        // Verbatim text running over the box: its tail.
                        top.text.push_str(&t[top.box_end - range.start..]);
                    }
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some((h, ..)) = heading.as_mut() {
                    h.push(' ');
                }
                if let Some(top) = frames.last_mut().filter(|f| f.collecting()) {
                    top.text.push(' ');
                }
            }
            _ => {}
        }
    }
    out.unclosed_ignore = ignoring;
    out
}

/// The text a reader of the rendered description sees, and the link
/// targets: what `--require-pattern` searches. HTML comments and ignored
/// regions are left out, so a template's example in a comment is no match.
pub fn visible_text(markdown: &str) -> String {
    let expanded = expand_structural_tabs(markdown);
    let markdown: &str = &expanded;
    let options = Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES;
    let mut out = String::new();
    let mut in_comment = false;
    let mut ignoring = false;
    for event in Parser::new_ext(markdown, options) {
        match event {
            Event::Html(html) | Event::InlineHtml(html) => {
                match comment_marker(&html) {
                    Some(on) => ignoring = on,
                    None if !ignoring => {
                        let mut rest: &str = &html;
                        loop {
                            if in_comment {
                                match rest.find("-->") {
                                    Some(i) => {
                                        rest = &rest[i + 3..];
                                        in_comment = false;
                                    }
                                    None => break,
                                }
                            } else {
                                match rest.find("<!--") {
                                    Some(i) => {
                                        out.push_str(&rest[..i]);
                                        rest = &rest[i + 4..];
                                        in_comment = true;
                                    }
                                    None => {
                                        out.push_str(rest);
                                        break;
                                    }
                                }
                            }
                        }
                    }
                    None => {}
                }
                continue;
            }
            _ if ignoring => {}
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => {
                out.push('\n');
                out.push_str(&dest_url);
                out.push('\n');
            }
            Event::SoftBreak | Event::HardBreak => out.push('\n'),
            Event::End(_) => out.push('\n'),
            _ => {}
        }
        in_comment = false;
    }
    out
}

/// Sets an item's text, label and not-applicable state once its first
/// paragraph is complete.
fn finish(items: &mut [Item], frame: Frame, na_marker: &str) {
    let Some(item) = frame.index.and_then(|i| items.get_mut(i)) else {
        return;
    };
    let raw = frame.text.as_str();
    // A struck label the text opens with: `~~label~~ reason`.
    item.label = frame.strike.and_then(|(start, end)| {
        let label = collapse(raw.get(start..end.unwrap_or(raw.len()))?);
        (is_blank(raw.get(..start)?) && !is_blank(&label)).then_some(label)
    });
    item.text = collapse(raw);
    item.not_applicable = item.label.is_some()
        || ends_with_marker(&item.text, na_marker)
        || marker_end_at_start(&item.text, na_marker).is_some();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn states(md: &str) -> Vec<(String, bool)> {
        parse_checklist(md, "N/A")
            .items
            .into_iter()
            .map(|i| (i.text, i.checked))
            .collect()
    }

    #[test]
    fn plain_items_and_text() {
        let c = parse_checklist(
            "## User flows tested\n\n- [x] **Checkout** with a [saved card](https://x)\n- [ ] `refund`  flow\n",
            "N/A",
        );
        let items = &c.items;
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].text, "Checkout with a saved card");
        assert!(items[0].checked);
        assert_eq!(
            c.sections[items[0].section.unwrap()].heading,
            "User flows tested"
        );
        assert_eq!(items[0].line, 3);
        assert_eq!(items[1].text, "refund flow");
        assert!(!items[1].checked);
    }

    #[test]
    fn nested_items_keep_their_own_text() {
        let s = states("- [ ] parent\n  - [x] child\n- [ ] next\n");
        assert_eq!(
            s,
            vec![
                ("parent".into(), false),
                ("child".into(), true),
                ("next".into(), false)
            ]
        );
    }

    // Regression (#13.1, real PR descriptions): a tab-indented sub-item was missed, a false pass.
    #[test]
    fn tab_indented_sub_items_count() {
        for bullet in ["-", "*", "+", "1."] {
            let md = format!("{bullet} [x] a\n\t{bullet} [ ] b\n\t\t{bullet} [ ] c\n");
            let s = states(&md);
            assert_eq!(
                s,
                vec![("a".into(), true), ("b".into(), false), ("c".into(), false)],
                "{md:?}"
            );
        }
        // Under a plain parent, too.
        assert_eq!(states("- a\n\t- [ ] b\n"), vec![("b".into(), false)]);
        // Tabs between the bullet and the box: 1 to 4 columns make a box,
        // more make an indented code block.
        assert_eq!(states("-\t[x] a\n").len(), 1);
        assert!(states("-\t\t[x] a\n").is_empty());
        assert_eq!(states("   -\t[x] a\n").len(), 1);
    }

    // Regression (#13.3, real PR descriptions): a table nested under an item was glued into its
    // text.
    #[test]
    fn the_text_is_the_first_paragraph_only() {
        let md = "- [x] Browsers tested\n\n  | Browser | OK |\n  |---|---|\n  | Firefox | yes |\n\n  ```\n  code\n  ```\n- [ ] next\n  more text\n  - [ ] sub\n";
        let s = states(md);
        assert_eq!(
            s,
            vec![
                ("Browsers tested".into(), true),
                ("next more text".into(), false),
                ("sub".into(), false)
            ]
        );
    }

    // Regression (#13.4, hand-written descriptions): `- [ ] a | b` over a delimiter row renders a
    // box the gate missed.
    #[test]
    fn a_box_before_a_table() {
        assert_eq!(
            states("- [ ] a | b\n  |---|---|\n"),
            vec![("a | b".into(), false)]
        );
        assert_eq!(
            states("- [ ] a | b\n|---|---|\n"),
            vec![("a | b |---|---|".into(), false)]
        );
    }

    // Regression (#13.5, hand-written descriptions): `- [\t] x` was taken for a box; cmark-gfm
    // renders none.
    #[test]
    fn a_tab_inside_the_box_is_no_box() {
        assert!(states("- [\t] x\n").is_empty());
    }

    #[test]
    fn not_applicable() {
        let items = parse_checklist(
            "- [ ] ~~Feature flag~~\n- [ ] Migration N/A\n- [ ] ~~label~~ no flags here\n- [ ] CANADA\n- [ ] N/A - Docs\n- [ ] half ~~struck~~\n",
            "N/A",
        )
        .items;
        let na: Vec<bool> = items.iter().map(|i| i.not_applicable).collect();
        assert_eq!(na, vec![true, true, true, false, true, false]);
        assert_eq!(items[2].label.as_deref(), Some("label"));
        assert_eq!(items[2].text, "label no flags here");
        assert_eq!(items[5].label, None);
        assert!(parse_checklist("- [ ] Docs skip", "skip").items[0].not_applicable);
    }

    // Regression (#13.6): a task item inside `>` counts as a box, as GitHub renders it
    // (github/markup#322).
    #[test]
    fn quoted_items_count_code_and_comments_do_not() {
        let md = "> - [ ] quoted\n\n```\n- [ ] fenced\n```\n\n<!--\n- [ ] hidden\n-->\n\n`- [ ] inline`\n";
        let c = parse_checklist(md, "N/A");
        assert_eq!(c.items.len(), 1);
        assert!(c.items[0].quoted);
    }

    // Regression (#13.13, real templates): items under a sub-heading fell outside their parent
    // section's rule.
    #[test]
    fn sub_headings_belong_to_their_parent() {
        let c = parse_checklist(
            "# Top\n## Type of change\n### Frontend\n- [ ] a\n## Other\n- [ ] b\n",
            "N/A",
        );
        let path: Vec<&str> = c
            .section_path(c.items[0].section)
            .map(|s| s.heading.as_str())
            .collect();
        assert_eq!(path, vec!["Frontend", "Type of change", "Top"]);
        let path: Vec<&str> = c
            .section_path(c.items[1].section)
            .map(|s| s.heading.as_str())
            .collect();
        assert_eq!(path, vec!["Other", "Top"]);
    }

    // issue 13 item 19.
    #[test]
    fn ignored_regions() {
        let md = "- [ ] a\n<!-- trunkline:ignore -->\n## Hidden\n- [ ] b\n<!--   /TRUNKLINE:ignore -->\n- [ ] c\n\n```\n<!-- trunkline:ignore -->\n```\n- [ ] d\n";
        let c = parse_checklist(md, "N/A");
        let texts: Vec<&str> = c.items.iter().map(|i| i.text.as_str()).collect();
        assert_eq!(texts, vec!["a", "c", "d"]);
        assert!(c.sections.is_empty());
        assert_eq!(c.unclosed_ignore, None);
        let c = parse_checklist("- [ ] a\n\n<!-- trunkline:ignore -->\n\n- [ ] b\n", "N/A");
        assert_eq!(c.items.len(), 1);
        assert_eq!(c.unclosed_ignore, Some(3));
    }

    // Regression (#13.11, real PR descriptions): a pasted zero-width space made a kept item look
    // removed.
    #[test]
    fn invisible_characters_count_as_blank() {
        assert_eq!(collapse(" a \n b "), "a b");
        assert!(is_blank(" \u{200B}\u{FEFF} "));
        assert!(!is_blank("\u{200B}a"));
    }

    // Regression (review 2483bf8): marker matching was not safe on every text.
    #[test]
    fn marker_matching_is_safe_on_any_text() {
        assert_eq!(marker_start("Docs s\u{212A}ip", "skip"), Some(5));
        assert_eq!(marker_start("ß", "ss"), None);
        assert_eq!(marker_start("日本 N/A", "N/A"), Some(7));
        assert_eq!(marker_end_at_start("N/A: x", "n/a"), Some(3));
        assert_eq!(marker_end_at_start(" n/a", "N/A"), Some(4));
        assert_eq!(marker_end_at_start("N/Ax", "N/A"), None);
        assert_eq!(marker_end_at_start("日本", "N/A"), None);
    }

    #[test]
    fn marker_is_a_word() {
        assert!(ends_with_marker("Docs N/A", "N/A"));
        assert!(ends_with_marker("Docs — n/a", "N/A"));
        assert!(ends_with_marker("N/A", "N/A"));
        assert!(!ends_with_marker("DOCSN/A", "N/A"));
        assert!(!ends_with_marker("anything", ""));
        // A reason may follow the marker.
        assert_eq!(
            marker_start("New components \u{2014} N/A (backend only)", "N/A"),
            Some(19)
        );
        assert!(ends_with_marker("Docs: n/a - no user-facing change", "N/A"));
        assert!(!ends_with_marker("Tested on N/A devices", "N/A"));
        assert!(!ends_with_marker("Docs N/Ab", "N/A"));
    }
}
