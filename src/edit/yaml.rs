//! YAML (Goose, Continue, LibreChat): a walker over every scalar with the byte span of its token, and
//! edits that replace only a secret scalar's bytes.
//!
//! The parser is `saphyr-parser`: the maintained successor of `yaml-rust`/`yaml-rust2` (same authors'
//! line), fully YAML 1.2, `no_std` and pure Rust, and its event API gives every event a [`Span`] of
//! [`Marker`]s. Markers count **characters** (not bytes; a BOM is character 0), so spans are converted to
//! byte offsets here. A scalar's span starts at its properties (`&anchor`, `!tag`) when it has any, and
//! a block scalar's span starts at its content, not at `|`/`>`: [`Scalar::token`] is the token itself
//! (quotes included) for flow scalars.
//!
//! [`Span`]: saphyr_parser::Span
//! [`Marker`]: saphyr_parser::Marker

use super::json::SyntaxError;
use saphyr_parser::{Event, Parser, ScalarStyle, ScanError};
use std::collections::HashMap;
use std::ops::Range;

/// How a scalar is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    /// `|`
    Literal,
    /// `>`
    Folded,
}

/// One scalar node of the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scalar {
    /// Keys from the root; a sequence item's segment is its index. A complex key is `?`.
    pub path: Vec<String>,
    /// Byte span of the token in the text (quotes included; without its `&anchor`/`!tag`).
    pub token: Range<usize>,
    pub value: String,
    pub style: Style,
    /// It resolves to a string (quoted, block, `!!str`, or a plain scalar that is not null, a bool or a
    /// number under the YAML core schema).
    pub string: bool,
    /// It has an `&anchor` of its own.
    pub anchored: bool,
    /// It (or a collection around it) is anchored and an alias (`*name`) reuses it: several places
    /// share these bytes.
    pub shared: bool,
    /// This entry is an alias's view of an anchored scalar: `token` is the anchored scalar's.
    pub via_alias: bool,
    /// 0-based index of the document it is in.
    pub document: usize,
}

/// A mapping or sequence node (not one used as a key, not one reached through an alias).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collection {
    pub path: Vec<String>,
    /// Byte offset where the node starts (its `[`/`{` in flow style; its first entry in block style).
    pub start: usize,
    pub sequence: bool,
    pub anchored: bool,
}

impl Collection {
    /// Written in flow style (`[…]`, `{…}`) in `text`.
    pub fn flow(&self, text: &str) -> bool {
        matches!(text.as_bytes().get(self.start), Some(b'[' | b'{'))
    }
}

/// Every scalar of a YAML stream, in order, with aliases expanded at their own paths.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    pub scalars: Vec<Scalar>,
    /// Its collections, in order.
    pub collections: Vec<Collection>,
    /// How many documents the stream holds.
    pub documents: usize,
}

/// An alias may not blow a small file up into millions of scalars ("billion laughs").
const MAX_SCALARS: usize = 200_000;
/// Deepest block nesting read (saphyr bounds flow nesting only): `- - - …` thousands deep would make
/// every scalar carry a path as long.
const MAX_DEPTH: usize = 128;
/// Most path parts kept over all scalars and collections (each keeps its own path): a small file of many
/// values deep down must not take gigabytes. Real configs use a few thousand.
const MAX_PATH_PARTS: usize = 4_000_000;

/// Call `on_string(path, token, value)` for every string scalar of every document (aliases included,
/// at the alias's path with the anchored scalar's token).
pub fn walk(
    text: &str,
    mut on_string: impl FnMut(&[String], Range<usize>, &str),
) -> Result<(), SyntaxError> {
    for s in parse(text)?.scalars.iter().filter(|s| s.string) {
        on_string(&s.path, s.token.clone(), &s.value);
    }
    Ok(())
}

/// Character index → byte offset, for indices that mostly increase.
struct Offsets<'a> {
    text: &'a str,
    chars: usize,
    bytes: usize,
}

impl Offsets<'_> {
    fn byte(&mut self, char_index: usize) -> usize {
        if char_index < self.chars {
            self.chars = 0;
            self.bytes = 0;
        }
        let rest = &self.text[self.bytes..];
        match rest.char_indices().nth(char_index - self.chars) {
            Some((i, _)) => {
                self.bytes += i;
                self.chars = char_index;
            }
            None => {
                self.chars += rest.chars().count();
                self.bytes = self.text.len();
            }
        }
        self.bytes
    }
}

fn syntax_error(text: &str, e: &ScanError) -> SyntaxError {
    let mut o = Offsets {
        text,
        chars: 0,
        bytes: 0,
    };
    let at = o.byte(e.marker().index());
    let before = &text[..at];
    SyntaxError {
        line: before.matches('\n').count() + 1,
        column: before.rsplit('\n').next().unwrap_or("").chars().count() + 1,
        message: e.info().to_string(),
    }
}

enum Frame {
    Seq {
        next: usize,
    },
    Map {
        /// The key whose value comes next; `None` while a key is awaited.
        key: Option<String>,
    },
}

/// An anchored node: the scalars it holds are `scalars[first..end]`, at paths below `depth` segments.
struct Anchor {
    first: usize,
    end: usize,
    depth: usize,
    /// The anchored scalar's value, when it is a scalar (an alias used as a key).
    value: Option<String>,
    referenced: bool,
}

/// Parse `text` into its scalars.
pub fn parse(text: &str) -> Result<Parsed, SyntaxError> {
    let mut offsets = Offsets {
        text,
        chars: 0,
        bytes: 0,
    };
    let mut out = Parsed::default();
    let mut frames: Vec<Frame> = Vec::new();
    let mut path: Vec<String> = Vec::new();
    let mut anchors: HashMap<usize, Anchor> = HashMap::new();
    // Anchored collections still open: (anchor id, frame depth).
    let mut open_anchors: Vec<(usize, usize)> = Vec::new();
    // Inside a complex key (a collection used as a key): its nesting depth.
    let mut in_key = 0usize;
    let mut document = 0usize;
    let mut parts = 0usize;
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| syntax_error(text, &e))?;
        let too_big = |message: &str| SyntaxError {
            line: span.start.line(),
            column: span.start.col() + 1,
            message: message.into(),
        };
        if parts > MAX_PATH_PARTS {
            return Err(too_big(
                "the file holds too many values too deep down for a config",
            ));
        }
        if in_key > 0 {
            match event {
                Event::SequenceStart(..) | Event::MappingStart(..) => in_key += 1,
                Event::SequenceEnd | Event::MappingEnd => {
                    in_key -= 1;
                    if in_key == 0 {
                        if let Some(Frame::Map { key }) = frames.last_mut() {
                            *key = Some("?".into());
                        }
                    }
                }
                _ => {}
            }
            continue;
        }
        // Where a node starting now sits: `Some(segment)` for a value, `None` for a mapping key.
        let segment = |frames: &mut Vec<Frame>| -> Option<Option<String>> {
            match frames.last_mut() {
                None => Some(None),
                Some(Frame::Seq { next }) => {
                    *next += 1;
                    Some(Some((*next - 1).to_string()))
                }
                Some(Frame::Map { key: Some(k) }) => Some(Some(k.clone())),
                Some(Frame::Map { key: None }) => None,
            }
        };
        match event {
            Event::DocumentStart(_) => {
                out.documents += 1;
                document = out.documents - 1;
            }
            Event::Scalar(value, style, anchor, tag) => {
                let Some(seg) = segment(&mut frames) else {
                    // A key.
                    if let Some(Frame::Map { key }) = frames.last_mut() {
                        *key = Some(value.into_owned());
                    }
                    continue;
                };
                let start = offsets.byte(span.start.index());
                let end = offsets.byte(span.end.index());
                let style = match style {
                    ScalarStyle::Plain => Style::Plain,
                    ScalarStyle::SingleQuoted => Style::SingleQuoted,
                    ScalarStyle::DoubleQuoted => Style::DoubleQuoted,
                    ScalarStyle::Literal => Style::Literal,
                    ScalarStyle::Folded => Style::Folded,
                };
                let token = token_of(text, start..end, style);
                let string = match &tag {
                    Some(t) if t.is_yaml_core_schema() => t.suffix == "str",
                    Some(_) => true,
                    None => style != Style::Plain || plain_is_string(&value),
                };
                path.extend(seg);
                if anchor > 0 {
                    anchors.insert(
                        anchor,
                        Anchor {
                            first: out.scalars.len(),
                            end: out.scalars.len() + 1,
                            depth: path.len(),
                            value: Some(value.to_string()),
                            referenced: false,
                        },
                    );
                }
                parts += path.len();
                out.scalars.push(Scalar {
                    path: path.clone(),
                    token,
                    value: value.into_owned(),
                    style,
                    string,
                    anchored: anchor > 0,
                    shared: false,
                    via_alias: false,
                    document,
                });
                if !frames.is_empty() {
                    path.pop();
                }
                value_done(&mut frames);
            }
            Event::Alias(id) => {
                let Some(seg) = segment(&mut frames) else {
                    let k = anchors
                        .get(&id)
                        .and_then(|a| a.value.clone())
                        .unwrap_or_else(|| "*".into());
                    if let Some(Frame::Map { key }) = frames.last_mut() {
                        *key = Some(k);
                    }
                    continue;
                };
                // `<<: *base` merges the anchored mapping's keys into this one.
                let merge = seg.as_deref() == Some("<<");
                if !merge {
                    path.extend(seg);
                }
                if let Some(a) = anchors.get_mut(&id) {
                    a.referenced = true;
                    let (first, end, depth) = (a.first, a.end, a.depth);
                    if out.scalars.len() + (end - first) > MAX_SCALARS {
                        return Err(SyntaxError {
                            line: span.start.line(),
                            column: span.start.col() + 1,
                            message: "too many aliases: the file expands to too many values".into(),
                        });
                    }
                    for i in first..end {
                        parts += path.len() + out.scalars[i].path.len();
                        if parts > MAX_PATH_PARTS {
                            return Err(too_big(
                                "the file holds too many values too deep down for a config",
                            ));
                        }
                        let mut s = out.scalars[i].clone();
                        let mut p = path.clone();
                        p.extend(s.path.drain(..).skip(depth));
                        s.path = p;
                        s.via_alias = true;
                        s.shared = true;
                        s.document = document;
                        out.scalars.push(s);
                    }
                }
                if !merge && !frames.is_empty() {
                    path.pop();
                }
                value_done(&mut frames);
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                let Some(seg) = segment(&mut frames) else {
                    in_key = 1;
                    continue;
                };
                if frames.len() >= MAX_DEPTH {
                    return Err(too_big("nested more than 128 levels deep"));
                }
                path.extend(seg);
                parts += path.len();
                out.collections.push(Collection {
                    path: path.clone(),
                    start: offsets.byte(span.start.index()),
                    sequence: matches!(event, Event::SequenceStart(..)),
                    anchored: anchor > 0,
                });
                if anchor > 0 {
                    open_anchors.push((anchor, frames.len() + 1));
                    anchors.insert(
                        anchor,
                        Anchor {
                            first: out.scalars.len(),
                            end: out.scalars.len(),
                            depth: path.len(),
                            value: None,
                            referenced: false,
                        },
                    );
                }
                frames.push(if matches!(event, Event::SequenceStart(..)) {
                    Frame::Seq { next: 0 }
                } else {
                    Frame::Map { key: None }
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some(&(id, depth)) = open_anchors.last() {
                    if depth == frames.len() {
                        open_anchors.pop();
                        if let Some(a) = anchors.get_mut(&id) {
                            a.end = out.scalars.len();
                        }
                    }
                }
                frames.pop();
                if !frames.is_empty() {
                    path.pop();
                }
                value_done(&mut frames);
            }
            Event::DocumentEnd => {
                frames.clear();
                path.clear();
            }
            _ => {}
        }
    }
    for a in anchors.values().filter(|a| a.referenced) {
        for s in &mut out.scalars[a.first..a.end] {
            s.shared = true;
        }
    }
    Ok(out)
}

/// A mapping's value is complete: the next node is a key.
fn value_done(frames: &mut [Frame]) {
    if let Some(Frame::Map { key }) = frames.last_mut() {
        *key = None;
    }
}

/// The token inside a scalar's span: after its properties (`&anchor`, `!tag`, and the blanks, line
/// breaks and comments between them) for flow scalars. A quoted token ends at its closing quote, found
/// here: saphyr-parser 0.3's span of a single-quoted scalar holding `''` runs on past it.
fn token_of(text: &str, span: Range<usize>, style: Style) -> Range<usize> {
    let start = properties_end(text, span.clone(), style);
    let b = text.as_bytes();
    let quote = match style {
        Style::SingleQuoted => b'\'',
        Style::DoubleQuoted => b'"',
        _ => return start..span.end,
    };
    if b.get(start) != Some(&quote) {
        return start..span.end;
    }
    let mut i = start + 1;
    while i < b.len() {
        match b[i] {
            b'\\' if quote == b'"' => i += 2,
            b'\'' if quote == b'\'' && b.get(i + 1) == Some(&b'\'') => i += 2,
            c if c == quote => return start..i + 1,
            _ => i += 1,
        }
    }
    start..span.end
}

fn properties_end(text: &str, span: Range<usize>, style: Style) -> usize {
    let raw = &text[span.clone()];
    if !(raw.starts_with('&') || raw.starts_with('!'))
        || matches!(style, Style::Literal | Style::Folded)
    {
        return span.start;
    }
    let b = raw.as_bytes();
    let mut i = 0;
    loop {
        match b.get(i) {
            Some(b'&') | Some(b'!') => {
                if b.get(i + 1) == Some(&b'<') {
                    while i < b.len() && b[i] != b'>' {
                        i += 1;
                    }
                }
                while i < b.len() && !matches!(b[i], b' ' | b'\t' | b'\r' | b'\n') {
                    i += 1;
                }
            }
            Some(b' ' | b'\t' | b'\r' | b'\n') => i += 1,
            Some(b'#') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            _ => break,
        }
    }
    span.start + i
}

/// Does a plain scalar resolve to a string under the YAML 1.2 core schema (what serde_yaml, the `yaml`
/// and js-yaml packages these clients use read)?
pub fn plain_is_string(v: &str) -> bool {
    const WORDS: &[&str] = &[
        "", "~", "null", "true", "false", ".inf", "-.inf", "+.inf", ".nan",
    ];
    if WORDS.contains(&v.to_ascii_lowercase().as_str()) {
        return false;
    }
    let t = v.strip_prefix(['-', '+']).unwrap_or(v);
    let int = |s: &str, radix: u32| !s.is_empty() && s.chars().all(|c| c.is_digit(radix));
    if int(t, 10)
        || t.strip_prefix("0x").is_some_and(|h| int(h, 16))
        || t.strip_prefix("0o").is_some_and(|o| int(o, 8))
        || t.strip_prefix("0b").is_some_and(|b| int(b, 2))
    {
        return false;
    }
    // Floats: digits with one `.` and/or an exponent.
    let numeric = t
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'));
    !(numeric && t.chars().any(|c| c.is_ascii_digit()) && t.parse::<f64>().is_ok())
}

#[path = "yaml_edit.rs"]
mod edit;
pub use edit::{edits, escape_double, DecodedToken};

#[cfg(test)]
#[path = "yaml_tests.rs"]
mod tests;
