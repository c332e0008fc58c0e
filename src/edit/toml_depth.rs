//! A guard run before `toml_edit` parses a file: how deep its keys nest. `toml_edit` limits the nesting of
//! inline tables and arrays, not of dotted keys or table headers, and `a.a.a.… = 1` with tens of
//! thousands of parts builds as many nested tables, which the walk (and their drop) would follow into a
//! stack overflow: an abort, not an error. No real config comes near the limit.

use super::json::SyntaxError;

/// Most dotted parts one key or table header may have.
pub const MAX_KEY_PARTS: usize = 128;

/// Refuse a document with a key or table header of more than [`MAX_KEY_PARTS`] parts. A small scanner:
/// it skips strings and comments and counts the dots of keys only (before a key's `=`, inside a header),
/// not those of values (`1.5`, dates, versions).
pub fn check(text: &str) -> Result<(), SyntaxError> {
    let b = text.as_bytes();
    let mut i = 0;
    // Open value brackets: `[` an array, `{` an inline table.
    let mut stack: Vec<u8> = Vec::new();
    let mut key = true;
    let mut header = false;
    let mut dots = 0usize;
    while i < b.len() {
        match b[i] {
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            q @ (b'"' | b'\'') => {
                i = skip_string(b, i, q);
                continue;
            }
            b'\n' if stack.is_empty() => {
                key = true;
                header = false;
                dots = 0;
            }
            b'[' if key && stack.is_empty() => {
                header = true;
                dots = 0;
            }
            b'[' if !key => stack.push(b'['),
            b']' if header => {
                header = false;
                key = false;
            }
            b']' if stack.last() == Some(&b'[') => {
                stack.pop();
            }
            b'{' if !key => {
                stack.push(b'{');
                key = true;
                dots = 0;
            }
            b'}' if stack.last() == Some(&b'{') => {
                stack.pop();
                key = false;
            }
            b',' if stack.last() == Some(&b'{') => {
                key = true;
                dots = 0;
            }
            b'=' if key && !header => {
                key = false;
                dots = 0;
            }
            b'.' if key || header => {
                dots += 1;
                if dots >= MAX_KEY_PARTS {
                    return Err(SyntaxError::at(
                        text,
                        i,
                        format!("a key with more than {MAX_KEY_PARTS} dotted parts (Rekey reads no such file)"),
                    ));
                }
            }
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// The index after the string that starts at `i` with quote `q` (basic `"`, literal `'`, or their
/// multi-line triples); the end of the text if it is not closed (the parser reports that).
fn skip_string(b: &[u8], i: usize, q: u8) -> usize {
    let triple = b.len() >= i + 3 && b[i + 1] == q && b[i + 2] == q;
    let mut j = if triple { i + 3 } else { i + 1 };
    while j < b.len() {
        let c = b[j];
        if q == b'"' && c == b'\\' {
            j += 2;
            continue;
        }
        if c == q {
            if !triple {
                return j + 1;
            }
            if b.len() >= j + 3 && b[j + 1] == q && b[j + 2] == q {
                // Up to two more quotes may close a multi-line string (`""""` ends with a quote inside).
                let mut end = j + 3;
                while end < b.len() && end < j + 5 && b[end] == q {
                    end += 1;
                }
                return end;
            }
        }
        if c == b'\n' && !triple {
            return j;
        }
        j += 1;
    }
    b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_keys_and_headers_are_refused_and_values_with_dots_are_not() {
        let deep = format!("{} = 1\n", vec!["a"; 50_000].join("."));
        let e = check(&deep).unwrap_err();
        assert_eq!((e.line, e.message.contains("dotted parts")), (1, true));
        let header = format!("x = 1\n[{}]\n", vec!["t"; 200].join("."));
        assert_eq!(check(&header).unwrap_err().line, 2);
        let aot = format!("[[{}]]\n", vec!["t"; 200].join("."));
        assert!(check(&aot).is_err());
        let inline = format!("x = {{ {} = 1 }}\n", vec!["k"; 200].join("."));
        assert!(check(&inline).is_err());
        // Values: floats, dates, versions, dotted strings, and a long array of floats are fine.
        let floats: Vec<String> = (0..500).map(|n| format!("{n}.5")).collect();
        let ok = format!(
            "# a.b.c.d {}\nv = [{}]\nd = 1979-05-27T07:32:00.999\ns = \"{}\"\nm = '''\n{}\n'''\n[mcp_servers.a]\nargs = [\"x.y\"]\nt = {{ a.b = 1, c = 2.5 }}\n",
            ".".repeat(300),
            floats.join(", "),
            ".".repeat(300),
            ".".repeat(300)
        );
        check(&ok).unwrap();
        assert!(toml_edit::Document::parse(ok.as_str()).is_ok());
        // Exactly at the limit is accepted.
        check(&format!("{} = 1\n", vec!["a"; MAX_KEY_PARTS].join("."))).unwrap();
        check(&format!("{} = 1\n", vec!["a"; MAX_KEY_PARTS + 1].join("."))).unwrap_err();
    }
}
