//! Untrusted text (advisory summaries, patch subjects and authors, manifest
//! notes) written into YAML or Markdown, escaped so that it stays text.
//!
//! YAML: a comment ends at any YAML line break, and in YAML 1.1 readers that
//! includes NEL, LS and PS as well as `\r` and `\n`; a summary holding one
//! would start a new line of YAML (`- cve: … status: not_affected`). Markdown:
//! advisory text must not become raw HTML, a link (`[x](javascript:…)`), a
//! heading, or a table cell boundary.

/// Whether `c` ends a line for some YAML reader (1.2: `\r`, `\n`; 1.1 also
/// NEL, LS, PS).
pub fn is_yaml_line_break(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// Whether YAML allows `c` as it is in a stream (its `c-printable`, less the
/// line breaks and the byte order mark).
fn yaml_printable(c: char) -> bool {
    !is_yaml_line_break(c)
        && c != '\u{feff}'
        && matches!(c, '\t' | ' '..='~' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
}

/// `text` made safe inside one `#` comment line: every line break and every
/// character YAML does not allow is written as `\u{…}`.
pub fn yaml_comment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if yaml_printable(c) {
            out.push(c);
        } else {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        }
    }
    out
}

/// `text` as a YAML scalar that reads back as exactly the string `text`:
/// plain when it is a name such as `CVE-2024-10220` or `v1.20.15-lts.3`
/// (a letter first, then letters, digits, `.`, `-`, `_`, `/`; not a word YAML
/// reads as a boolean or null), else double-quoted.
pub fn yaml_quoted(text: &str) -> String {
    let plain = text.starts_with(|c: char| c.is_ascii_alphabetic())
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '/'))
        && !matches!(
            text.to_ascii_lowercase().as_str(),
            "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "y" | "n"
        );
    if plain {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if yaml_printable(c) && c != '\t' => out.push(c),
            c if (c as u32) <= 0xffff => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// `text` as Markdown inline text that renders as exactly that text: no
/// HTML, no link, emphasis or code, no line break (each becomes a space).
pub fn markdown(text: &str) -> String {
    // `1. x` at the start of a line is an ordered list item.
    let digits = text.chars().take_while(char::is_ascii_digit).count();
    let after = text.get(digits + 1..).unwrap_or("");
    let list_marker = digits > 0 && (after.is_empty() || after.starts_with([' ', '\t']));
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.chars().enumerate() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' => {
                out.push('\\');
                out.push(c);
            }
            // What starts a list item, heading or setext underline at the
            // start of a line.
            '-' | '+' | '#' | '=' if i == 0 => {
                out.push('\\');
                out.push(c);
            }
            '.' | ')' if list_marker && i == digits => {
                out.push('\\');
                out.push(c);
            }
            c if is_yaml_line_break(c) || c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// `text` as a Markdown code span, whose content is never markup: fenced by
/// more backticks than any run inside it, line breaks as spaces.
pub fn markdown_code(text: &str) -> String {
    let flat: String = text
        .chars()
        .map(|c| {
            if is_yaml_line_break(c) || c.is_control() {
                ' '
            } else {
                c
            }
        })
        .collect();
    let longest = flat.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if flat.starts_with('`') || flat.ends_with('`') || flat.is_empty() {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{flat}{pad}{fence}")
}

/// `url` when it can be an autolink as it is (`<https://…>`): http(s), and
/// none of the characters that end or change one; `None` otherwise (show it
/// with [`markdown`] as text).
pub fn http_url(url: &str) -> Option<&str> {
    let ok = (url.starts_with("https://") || url.starts_with("http://"))
        && url
            .chars()
            .all(|c| c.is_ascii_graphic() && !matches!(c, '<' | '>' | '"' | '\\' | '`'));
    ok.then_some(url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn line_breaks_never_survive() {
        let evil = "ok\r- cve: CVE-2025-7777\u{2028}x\u{85}y\u{2029}z\n";
        let c = yaml_comment(evil);
        assert!(!c.chars().any(is_yaml_line_break), "{c}");
        assert_eq!(
            serde_saphyr::from_str::<String>(&yaml_quoted(evil)).unwrap(),
            evil
        );
        assert_eq!(
            markdown("<img src=x onerror=alert(1)> [a](javascript:alert(1))"),
            "&lt;img src=x onerror=alert(1)&gt; \\[a\\](javascript:alert(1))"
        );
        assert_eq!(http_url("https://x/>[a](javascript:1)"), None);
        assert_eq!(http_url("javascript:alert(1)"), None);
        assert_eq!(yaml_quoted("CVE-2099-0003"), "CVE-2099-0003");
        for s in ["1.0", "true", "No", "", "- x", "a: b", "v1 x"] {
            assert!(yaml_quoted(s).starts_with('"'), "{s}");
        }
        assert_eq!(markdown("- item"), "\\- item");
        assert_eq!(markdown("12. item"), "12\\. item");
    }

    proptest! {
        /// Any string reads back unchanged from a quoted scalar, and a
        /// comment holding it is one line of YAML that parses as nothing.
        #[test]
        fn yaml_escaping_round_trips(s in any::<String>()) {
            let back: String = serde_saphyr::from_str(&format!("v: {}\n", yaml_quoted(&s)))
                .map(|m: std::collections::BTreeMap<String, String>| m["v"].clone())
                .unwrap();
            prop_assert_eq!(back, s.clone());
            let doc = format!("# {}\nv: 1\n", yaml_comment(&s));
            let parsed: std::collections::BTreeMap<String, u32> = serde_saphyr::from_str(&doc).unwrap();
            prop_assert_eq!(parsed.len(), 1);
        }

        /// Markdown text has no HTML, no line break and no unescaped link syntax.
        #[test]
        fn markdown_is_inert(s in any::<String>()) {
            let m = markdown(&s);
            prop_assert!(!m.contains('<') && !m.contains('>'));
            prop_assert!(!m.chars().any(|c| is_yaml_line_break(c) || c.is_control()));
            let b = m.as_bytes();
            for (i, &c) in b.iter().enumerate() {
                if matches!(c, b'[' | b']' | b'`' | b'*' | b'_' | b'|') {
                    // Preceded by an odd run of backslashes: escaped.
                    let run = b[..i].iter().rev().take_while(|&&x| x == b'\\').count();
                    prop_assert!(run % 2 == 1, "{m}");
                }
            }
        }
    }
}
