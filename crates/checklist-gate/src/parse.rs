//! Checkboxes, exactly where GitHub renders them.
//!
//! A GFM parser (pulldown-cmark) finds task-list items, so code, HTML blocks
//! and comments never produce a checkbox. Where the crate and GitHub's own
//! cmark-gfm disagree, cmark-gfm wins: it renders no checkbox inside a block
//! quote, so items there are dropped. The differential tests hold this module
//! to `cmark-gfm -e tasklist`.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

/// One checkbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// The item's first paragraph as plain text: emphasis, links and code
    /// marks stripped, whitespace collapsed.
    pub text: String,
    pub checked: bool,
    /// The whole text is struck through, or it ends with the N/A marker.
    pub not_applicable: bool,
    /// The text of the nearest heading above the item.
    pub section: Option<String>,
    /// 1-based line of the item in the document.
    pub line: usize,
}

struct Frame {
    index: Option<usize>,
    text: String,
    struck: String,
    collecting: bool,
    /// Where the item starts: its line, and its byte offset.
    line: usize,
    offset: usize,
    /// The item starts on its parent item's line (`- - [x] a`): cmark-gfm
    /// renders no checkbox there.
    on_parent_line: bool,
    in_quote: bool,
    section: Option<String>,
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Where `marker` (case-insensitive, as a word of its own) starts at the
/// end of `text`, as a byte offset into `text`.
pub fn marker_start(text: &str, marker: &str) -> Option<usize> {
    let t = text.trim_end();
    let m: Vec<char> = marker.trim().chars().collect();
    if m.is_empty() {
        return None;
    }
    let mut start = t.len();
    let mut rev = t.char_indices().rev();
    for want in m.iter().rev() {
        let (i, c) = rev.next()?;
        if !c.to_lowercase().eq(want.to_lowercase()) {
            return None;
        }
        start = i;
    }
    let before = &t[..start];
    let boundary =
        before.is_empty() || before.ends_with(|c: char| c.is_whitespace() || "-–—:(".contains(c));
    boundary.then_some(start)
}

/// Whether `text` ends with `marker` (case-insensitive) as a word of its own.
pub fn ends_with_marker(text: &str, marker: &str) -> bool {
    marker_start(text, marker).is_some()
}

/// Parses the checkboxes of a Markdown document, in document order.
pub fn parse_checklist(markdown: &str, na_marker: &str) -> Vec<Item> {
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(markdown.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let line_of = |offset: usize| line_starts.partition_point(|s| *s <= offset);
    let options =
        Options::ENABLE_TASKLISTS | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES;
    // (offset in the document, item): document order, whatever the order
    // in which items were found.
    let mut items: Vec<(usize, Item)> = Vec::new();
    let mut frames: Vec<Frame> = Vec::new();
    let mut quote_depth = 0usize;
    let mut strike_depth = 0usize;
    let mut heading: Option<String> = None;
    let mut section: Option<String> = None;
    for (event, range) in Parser::new_ext(markdown, options).into_offset_iter() {
        match event {
            Event::Start(Tag::BlockQuote(_)) => quote_depth += 1,
            Event::End(TagEnd::BlockQuote(_)) => quote_depth = quote_depth.saturating_sub(1),
            Event::Start(Tag::Heading { .. }) => heading = Some(String::new()),
            Event::End(TagEnd::Heading(_)) => {
                section = heading
                    .take()
                    .map(|h| collapse(&h))
                    .filter(|h| !h.is_empty());
            }
            Event::Start(Tag::Item) => {
                let line = line_of(range.start);
                let on_parent_line = frames.last().is_some_and(|p| p.line == line);
                frames.push(Frame {
                    index: None,
                    text: String::new(),
                    struck: String::new(),
                    collecting: true,
                    line,
                    offset: range.start,
                    on_parent_line,
                    in_quote: quote_depth > 0,
                    section: section.clone(),
                });
            }
            Event::Start(Tag::List(_)) => {
                // A nested list ends the parent item's first paragraph.
                if let Some(top) = frames.last_mut() {
                    top.collecting = false;
                }
            }
            Event::End(TagEnd::Paragraph) => {
                if let Some(top) = frames.last_mut() {
                    top.collecting = false;
                }
            }
            Event::TaskListMarker(checked) => {
                // cmark-gfm needs whitespace after the box on the same
                // line; pulldown-cmark also accepts a bare `- [ ]`.
                let spaced = markdown[range.end..].starts_with([' ', '\t', '\x0b', '\x0c']);
                if let Some(top) = frames.last_mut() {
                    if quote_depth == 0 && spaced && !top.on_parent_line && top.index.is_none() {
                        top.index = Some(items.len());
                        items.push((
                            top.offset,
                            Item {
                                text: String::new(),
                                checked,
                                not_applicable: false,
                                section: section.clone(),
                                line: line_of(range.start),
                            },
                        ));
                    }
                }
            }
            Event::End(TagEnd::Item) => {
                if let Some(mut frame) = frames.pop() {
                    if frame.index.is_none() && !frame.in_quote && !frame.on_parent_line {
                        // cmark-gfm takes any whitespace after the box,
                        // form feed and vertical tab too; pulldown-cmark
                        // does not, so such an item arrives as plain text.
                        if let Some((checked, rest)) = box_with_odd_space(&frame.text) {
                            frame.index = Some(items.len());
                            frame.text = rest.to_owned();
                            items.push((
                                frame.offset,
                                Item {
                                    text: String::new(),
                                    checked,
                                    not_applicable: false,
                                    section: frame.section.clone(),
                                    line: frame.line,
                                },
                            ));
                        }
                    }
                    if let Some(i) = frame.index {
                        let text = collapse(&frame.text);
                        let struck = collapse(&frame.struck);
                        items[i].1.not_applicable = (!text.is_empty() && text == struck)
                            || ends_with_marker(&text, na_marker);
                        items[i].1.text = text;
                    }
                }
            }
            Event::Start(Tag::Strikethrough) => strike_depth += 1,
            Event::End(TagEnd::Strikethrough) => strike_depth = strike_depth.saturating_sub(1),
            Event::Text(t) | Event::Code(t) => {
                if let Some(h) = heading.as_mut() {
                    h.push_str(&t);
                } else if let Some(top) = frames.last_mut().filter(|f| f.collecting) {
                    top.text.push_str(&t);
                    if strike_depth > 0 {
                        top.struck.push_str(&t);
                    }
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some(h) = heading.as_mut() {
                    h.push(' ');
                } else if let Some(top) = frames.last_mut().filter(|f| f.collecting) {
                    top.text.push(' ');
                    if strike_depth > 0 {
                        top.struck.push(' ');
                    }
                }
            }
            _ => {}
        }
    }
    items.sort_by_key(|(offset, _)| *offset);
    items.into_iter().map(|(_, item)| item).collect()
}

/// `[ ]`, `[x]` or `[X]` followed by a form feed or vertical tab.
fn box_with_odd_space(text: &str) -> Option<(bool, &str)> {
    let checked = match text.get(..3)? {
        "[ ]" => false,
        "[x]" | "[X]" => true,
        _ => return None,
    };
    let rest = &text[3..];
    rest.starts_with(['\x0b', '\x0c'])
        .then(|| (checked, &rest[1..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn states(md: &str) -> Vec<(String, bool)> {
        parse_checklist(md, "N/A")
            .into_iter()
            .map(|i| (i.text, i.checked))
            .collect()
    }

    #[test]
    fn plain_items_and_text() {
        let items = parse_checklist(
            "## User flows tested\n\n- [x] **Checkout** with a [saved card](https://x)\n- [ ] `refund`  flow\n",
            "N/A",
        );
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].text, "Checkout with a saved card");
        assert!(items[0].checked);
        assert_eq!(items[0].section.as_deref(), Some("User flows tested"));
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

    #[test]
    fn not_applicable() {
        let items = parse_checklist(
            "- [ ] ~~Feature flag~~\n- [ ] Migration N/A\n- [ ] ~~half~~ not\n- [ ] CANADA\n",
            "N/A",
        );
        let na: Vec<bool> = items.iter().map(|i| i.not_applicable).collect();
        assert_eq!(na, vec![true, true, false, false]);
        assert!(parse_checklist("- [ ] Docs skip", "skip")[0].not_applicable);
    }

    #[test]
    fn quotes_code_and_comments_have_no_checkboxes() {
        let md = "> - [ ] quoted\n\n```\n- [ ] fenced\n```\n\n<!--\n- [ ] hidden\n-->\n\n`- [ ] inline`\n";
        assert!(parse_checklist(md, "N/A").is_empty());
    }

    #[test]
    fn marker_matching_is_safe_on_any_text() {
        assert_eq!(marker_start("Docs s\u{212A}ip", "skip"), Some(5));
        assert_eq!(marker_start("ß", "ss"), None);
        assert_eq!(marker_start("日本 N/A", "N/A"), Some(7));
    }

    #[test]
    fn marker_is_a_word() {
        assert!(ends_with_marker("Docs N/A", "N/A"));
        assert!(ends_with_marker("Docs — n/a", "N/A"));
        assert!(ends_with_marker("N/A", "N/A"));
        assert!(!ends_with_marker("DOCSN/A", "N/A"));
        assert!(!ends_with_marker("anything", ""));
    }
}
