//! A linear, low-allocation pass over a JSON or JSONC document.
//!
//! A table-driven tokenizer (exact byte spans; strings are borrowed unless they contain escapes) feeds a
//! small pushdown state machine that checks the grammar of the *whole* document (so a broken file is never
//! written) and tracks the path of every value, without building a tree. Numbers, comments and layout
//! are never interpreted or re-serialized, so nothing about them can change.
//!
//! Why not `jsonc-parser`'s scanner: a 100 MB `~/.claude.json` must be validated in well under a second
//! (see bench/run.sh); its scanner is several times slower. It and `serde_json` serve as the oracles of
//! this tokenizer in the differential tests (`tests/json_differential.rs`) and the fuzz target.

use std::borrow::Cow;

#[path = "json_string.rs"]
mod string;
use std::ops::Range;
use string::unescape;
pub use string::{escape, raw_offset};

/// Which JSON a client accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// RFC 8259 JSON: no comments, no trailing commas.
    Json,
    /// JSON with `//` and `/* */` comments and trailing commas (VS Code, Zed, Gemini).
    Jsonc,
}

/// One step of a path into the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg<'a> {
    Key(Cow<'a, str>),
    Index(usize),
}

impl Seg<'_> {
    pub fn key(&self) -> Option<&str> {
        match self {
            Seg::Key(k) => Some(k),
            Seg::Index(_) => None,
        }
    }
}

/// A syntax error with a 1-based line and column (in characters).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct SyntaxError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl SyntaxError {
    /// The error at byte `offset` of `text` (clamped; need not be a char boundary).
    pub(crate) fn at(text: &str, offset: usize, message: impl Into<String>) -> Self {
        let offset = offset.min(text.len());
        let before = &text.as_bytes()[..offset];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let column = String::from_utf8_lossy(&before[line_start..])
            .chars()
            .count()
            + 1;
        SyntaxError {
            line,
            column,
            message: message.into(),
        }
    }
}

/// A string value (not an object key) found in the document.
#[derive(Debug)]
pub struct StringValue<'a, 'p> {
    pub path: &'p [Seg<'a>],
    /// Byte range of the whole token, quotes included.
    pub span: Range<usize>,
    /// The decoded value.
    pub value: Cow<'a, str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Obj {
    KeyOrEnd,
    KeyAfterComma,
    Colon,
    Value,
    CommaOrEnd,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Arr {
    ValueOrEnd,
    ValueAfterComma,
    CommaOrEnd,
}

#[derive(Debug, Clone, Copy)]
enum Frame {
    Obj(Obj),
    Arr(Arr, usize),
}

/// The UTF-8 byte order mark, which some editors on Windows write.
pub const BOM: &str = "\u{feff}";

/// Walk `text`, checking its grammar and calling `on_string` for every string value with its path.
pub fn walk<'a>(
    text: &'a str,
    dialect: Dialect,
    on_string: impl FnMut(StringValue<'a, '_>),
) -> Result<(), SyntaxError> {
    walk_with_keys(text, dialect, on_string, |_| {})
}

/// [`walk`], also calling `on_key` with the path of every object member as its name is read, whatever its
/// value (an object member holding no string at all is still seen: Claude Code's project entries).
pub fn walk_with_keys<'a>(
    text: &'a str,
    dialect: Dialect,
    on_string: impl FnMut(StringValue<'a, '_>),
    on_key: impl FnMut(&[Seg<'a>]),
) -> Result<(), SyntaxError> {
    walk_with_objects(text, dialect, on_string, on_key, |_, _| {})
}

/// [`walk_with_keys`], also calling `on_object` with the path and the byte span (`{` to `}` inclusive) of
/// every object once it is closed.
pub fn walk_with_objects<'a>(
    text: &'a str,
    dialect: Dialect,
    mut on_string: impl FnMut(StringValue<'a, '_>),
    mut on_key: impl FnMut(&[Seg<'a>]),
    mut on_object: impl FnMut(&[Seg<'a>], std::ops::Range<usize>),
) -> Result<(), SyntaxError> {
    let body_start = if text.starts_with(BOM) { BOM.len() } else { 0 };
    let mut lexer = Lexer {
        text,
        b: text.as_bytes(),
        i: body_start,
        jsonc: dialect == Dialect::Jsonc,
    };
    let mut stack: Vec<Frame> = Vec::with_capacity(32);
    // Where each open object began (objects only; arrays need no span).
    let mut opened: Vec<usize> = Vec::with_capacity(32);
    let mut path: Vec<Seg<'a>> = Vec::with_capacity(32);
    let mut root_done = false;
    let err = |offset: usize, msg: &str| SyntaxError::at(text, offset, msg);

    while let Some((token, start, end)) = lexer.next()? {
        if root_done {
            return Err(err(
                start,
                "unexpected content after the end of the document",
            ));
        }

        // Is this token a value, and where does it go?
        let is_value_start = matches!(
            token,
            Token::OpenBrace | Token::OpenBracket | Token::String(_) | Token::Scalar
        );
        match stack.last_mut() {
            None => {
                if !is_value_start {
                    return Err(err(
                        start,
                        &format!("expected a value, found '{}'", token_text(&token)),
                    ));
                }
            }
            Some(Frame::Obj(state)) => match (*state, &token) {
                (Obj::KeyOrEnd | Obj::KeyAfterComma, Token::String(key)) => {
                    path.push(Seg::Key(key.clone()));
                    on_key(&path);
                    *state = Obj::Colon;
                    continue;
                }
                (Obj::KeyOrEnd, Token::CloseBrace) => {}
                (Obj::KeyAfterComma, Token::CloseBrace) if dialect == Dialect::Jsonc => {}
                (Obj::KeyAfterComma, Token::CloseBrace) => {
                    return Err(err(
                        start,
                        "trailing comma before '}' is not allowed in this strict-JSON file",
                    ))
                }
                (Obj::Colon, Token::Colon) => {
                    *state = Obj::Value;
                    continue;
                }
                (Obj::Value, _) if is_value_start => {}
                (Obj::CommaOrEnd, Token::Comma) => {
                    *state = Obj::KeyAfterComma;
                    continue;
                }
                (Obj::CommaOrEnd, Token::CloseBrace) => {}
                (s, t) => {
                    let expected = match s {
                        Obj::KeyOrEnd => "a property name in double quotes or '}'",
                        Obj::KeyAfterComma => "a property name in double quotes",
                        Obj::Colon => "':'",
                        Obj::Value => "a value",
                        Obj::CommaOrEnd => "',' or '}'",
                    };
                    return Err(err(
                        start,
                        &format!("expected {expected}, found '{}'", token_text(t)),
                    ));
                }
            },
            Some(Frame::Arr(state, index)) => match (*state, &token) {
                (Arr::ValueOrEnd | Arr::ValueAfterComma, _) if is_value_start => {
                    path.push(Seg::Index(*index));
                }
                (Arr::ValueOrEnd, Token::CloseBracket) => {}
                (Arr::ValueAfterComma, Token::CloseBracket) if dialect == Dialect::Jsonc => {}
                (Arr::ValueAfterComma, Token::CloseBracket) => {
                    return Err(err(
                        start,
                        "trailing comma before ']' is not allowed in this strict-JSON file",
                    ))
                }
                (Arr::CommaOrEnd, Token::Comma) => {
                    *state = Arr::ValueAfterComma;
                    *index += 1;
                    continue;
                }
                (Arr::CommaOrEnd, Token::CloseBracket) => {}
                (s, t) => {
                    let expected = match s {
                        Arr::ValueOrEnd => "a value or ']'",
                        Arr::ValueAfterComma => "a value",
                        Arr::CommaOrEnd => "',' or ']'",
                    };
                    return Err(err(
                        start,
                        &format!("expected {expected}, found '{}'", token_text(t)),
                    ));
                }
            },
        }

        match token {
            Token::OpenBrace => {
                opened.push(start);
                stack.push(Frame::Obj(Obj::KeyOrEnd))
            }
            Token::OpenBracket => stack.push(Frame::Arr(Arr::ValueOrEnd, 0)),
            Token::CloseBrace => {
                stack.pop();
                if let Some(from) = opened.pop() {
                    on_object(&path, from..end);
                }
                value_done(&mut stack, &mut path, &mut root_done);
            }
            Token::CloseBracket => {
                stack.pop();
                value_done(&mut stack, &mut path, &mut root_done);
            }
            Token::String(value) => {
                on_string(StringValue {
                    path: &path,
                    span: start..end,
                    value,
                });
                value_done(&mut stack, &mut path, &mut root_done);
            }
            _ => value_done(&mut stack, &mut path, &mut root_done),
        }
    }
    if !stack.is_empty() {
        let what = match stack.last() {
            Some(Frame::Obj(_)) => "'}'",
            _ => "']'",
        };
        return Err(err(
            text.len(),
            &format!("unexpected end of file: expected {what}"),
        ));
    }
    if !root_done {
        return Err(err(text.len(), "the file is empty: expected a JSON value"));
    }
    Ok(())
}

/// A value just ended: pop its path step and move the parent on.
fn value_done(stack: &mut [Frame], path: &mut Vec<Seg<'_>>, root_done: &mut bool) {
    match stack.last_mut() {
        None => *root_done = true,
        Some(Frame::Obj(state)) => {
            path.pop();
            *state = Obj::CommaOrEnd;
        }
        Some(Frame::Arr(state, _)) => {
            path.pop();
            *state = Arr::CommaOrEnd;
        }
    }
}

/// How a token is named in an error message (never its content).
fn token_text(t: &Token<'_>) -> &'static str {
    match t {
        Token::OpenBrace => "{",
        Token::CloseBrace => "}",
        Token::OpenBracket => "[",
        Token::CloseBracket => "]",
        Token::Comma => ",",
        Token::Colon => ":",
        Token::String(_) => "a string",
        Token::Scalar => "a value",
    }
}

enum Token<'a> {
    OpenBrace,
    CloseBrace,
    OpenBracket,
    CloseBracket,
    Comma,
    Colon,
    String(Cow<'a, str>),
    /// A number, `true`, `false` or `null`: validated, never interpreted.
    Scalar,
}

/// Bytes that end the fast part of a string: the quote, a backslash, and control characters.
static STRING_SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = true;
        i += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

struct Lexer<'a> {
    text: &'a str,
    b: &'a [u8],
    i: usize,
    jsonc: bool,
}

impl<'a> Lexer<'a> {
    fn error(&self, at: usize, msg: &str) -> SyntaxError {
        SyntaxError::at(self.text, at, msg)
    }

    /// The next token with its byte span, skipping whitespace and (in JSONC) comments.
    #[inline(always)]
    fn next(&mut self) -> Result<Option<(Token<'a>, usize, usize)>, SyntaxError> {
        let b = self.b;
        loop {
            match b.get(self.i) {
                Some(b' ' | b'\t' | b'\n' | b'\r') => self.i += 1,
                Some(b'/') => {
                    let start = self.i;
                    if !self.jsonc {
                        return Err(
                            self.error(start, "comments are not allowed in this strict-JSON file")
                        );
                    }
                    match b.get(self.i + 1) {
                        Some(b'/') => {
                            self.i =
                                memchr_byte(b'\n', &b[self.i..]).map_or(b.len(), |p| self.i + p);
                        }
                        Some(b'*') => {
                            let body = &b[self.i + 2..];
                            let end = body
                                .windows(2)
                                .position(|w| w == b"*/")
                                .ok_or_else(|| self.error(start, "unterminated comment"))?;
                            self.i += 2 + end + 2;
                        }
                        _ => return Err(self.error(start, "unexpected character")),
                    }
                }
                _ => break,
            }
        }
        let start = self.i;
        let Some(&c) = b.get(start) else {
            return Ok(None);
        };
        let token = match c {
            b'{' => Token::OpenBrace,
            b'}' => Token::CloseBrace,
            b'[' => Token::OpenBracket,
            b']' => Token::CloseBracket,
            b',' => Token::Comma,
            b':' => Token::Colon,
            b'"' => return self.string(start).map(|(t, e)| Some((t, start, e))),
            b'-' | b'0'..=b'9' => {
                self.number(start)?;
                return Ok(Some((Token::Scalar, start, self.i)));
            }
            b't' | b'f' | b'n' => {
                let word: &[u8] = match c {
                    b't' => b"true",
                    b'f' => b"false",
                    _ => b"null",
                };
                if !b[start..].starts_with(word) {
                    return Err(self.error(start, "unexpected character"));
                }
                self.i += word.len();
                self.delimiter(start)?;
                return Ok(Some((Token::Scalar, start, self.i)));
            }
            _ => return Err(self.error(start, "unexpected character")),
        };
        self.i += 1;
        Ok(Some((token, start, self.i)))
    }

    /// A value must be followed by whitespace, a comment, a structural character or the end.
    fn delimiter(&self, start: usize) -> Result<(), SyntaxError> {
        match self.b.get(self.i) {
            None | Some(b' ' | b'\t' | b'\n' | b'\r' | b',' | b'}' | b']' | b'/') => Ok(()),
            Some(_) => Err(self.error(start, "invalid value")),
        }
    }

    fn digits(&mut self) -> usize {
        let from = self.i;
        while matches!(self.b.get(self.i), Some(b'0'..=b'9')) {
            self.i += 1;
        }
        self.i - from
    }

    fn number(&mut self, start: usize) -> Result<(), SyntaxError> {
        let bad = |l: &Self| l.error(start, "invalid number");
        if self.b[self.i] == b'-' {
            self.i += 1;
        }
        match self.b.get(self.i) {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(bad(self)),
        }
        if self.b.get(self.i) == Some(&b'.') {
            self.i += 1;
            if self.digits() == 0 {
                return Err(bad(self));
            }
        }
        if matches!(self.b.get(self.i), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.b.get(self.i), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if self.digits() == 0 {
                return Err(bad(self));
            }
        }
        self.delimiter(start)
    }

    /// A string token starting at the quote at `start`: its value (borrowed unless it has escapes)
    /// and the offset just past its closing quote.
    #[inline(always)]
    fn string(&mut self, start: usize) -> Result<(Token<'a>, usize), SyntaxError> {
        let b = self.b;
        let mut i = start + 1;
        let mut escaped = false;
        loop {
            i = skip_plain(b, i);
            match b.get(i) {
                None => return Err(self.error(start, "unterminated string")),
                Some(b'"') => break,
                Some(b'\\') => {
                    escaped = true;
                    match b.get(i + 1) {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => i += 2,
                        Some(b'u')
                            if b.len() >= i + 6
                                && b[i + 2..i + 6].iter().all(u8::is_ascii_hexdigit) =>
                        {
                            i += 6
                        }
                        _ => return Err(self.error(i, "invalid escape in string")),
                    }
                }
                Some(_) => {
                    return Err(self.error(i, "control character in string (write it as an escape)"))
                }
            }
        }
        let raw = &self.text[start + 1..i];
        self.i = i + 1;
        let value = if escaped {
            Cow::Owned(
                unescape(raw)
                    .map_err(|off| self.error(start + 1 + off, "invalid unicode escape"))?,
            )
        } else {
            Cow::Borrowed(raw)
        };
        Ok((Token::String(value), self.i))
    }
}

/// The index of the first byte at or after `i` that ends a plain run inside a string: `"`, `\\` or a
/// control character (or `b.len()`). 16 bytes at a time with SSE2 on x86_64, then eight at a time (SWAR):
/// for each SWAR test the lowest flagged byte of a word is exact (a borrow only ever flags bytes above a
/// true match), so the first hit is right.
#[inline]
fn skip_plain(b: &[u8], mut i: usize) -> usize {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::*;
        // SSE2 is part of x86_64: 16 bytes per step.
        while i + 16 <= b.len() {
            // SAFETY: the 16 bytes at `i` are inside `b` (checked above); SSE2 is always available on
            // x86_64; unaligned loads are allowed by `_mm_loadu_si128`.
            let mask = unsafe {
                let v = _mm_loadu_si128(b.as_ptr().add(i) as *const __m128i);
                let quote = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8));
                let slash = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8));
                // Unsigned v < 0x20  <=>  max(v, 0x1f) == 0x1f.
                let low = _mm_set1_epi8(0x1f);
                let control = _mm_cmpeq_epi8(_mm_max_epu8(v, low), low);
                _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(quote, slash), control))
            };
            if mask != 0 {
                return i + mask.trailing_zeros() as usize;
            }
            i += 16;
        }
    }
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    while let Some(chunk) = b.get(i..i + 8) {
        let w = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        let quote = w ^ (LO * b'"' as u64);
        let slash = w ^ (LO * b'\\' as u64);
        let hits = ((quote.wrapping_sub(LO) & !quote)
            | (slash.wrapping_sub(LO) & !slash)
            | (w.wrapping_sub(LO * 0x20) & !w))
            & HI;
        if hits != 0 {
            return i + (hits.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < b.len() && !STRING_SPECIAL[b[i] as usize] {
        i += 1;
    }
    i
}

fn memchr_byte(needle: u8, hay: &[u8]) -> Option<usize> {
    hay.iter().position(|&c| c == needle)
}

#[cfg(test)]
#[path = "json_tests.rs"]
mod tests;
