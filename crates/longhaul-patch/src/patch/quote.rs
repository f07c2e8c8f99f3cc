//! Git's C-style path quoting (`"a/caf\303\251"`), as used in diff headers.

/// Unquote a path written the way git quotes unusual names. Unquoted input is
/// returned as is. `None` when the quoting is malformed.
pub fn unquote(s: &[u8]) -> Option<Vec<u8>> {
    let Some(inner) = s.strip_prefix(b"\"") else {
        return Some(s.to_vec());
    };
    let inner = inner.strip_suffix(b"\"")?;
    let mut out = Vec::with_capacity(inner.len());
    let mut i = 0;
    while i < inner.len() {
        let b = inner[i];
        if b != b'\\' {
            out.push(b);
            i += 1;
            continue;
        }
        let e = *inner.get(i + 1)?;
        i += 2;
        out.push(match e {
            b'n' => b'\n',
            b't' => b'\t',
            b'r' => b'\r',
            b'a' => 0x07,
            b'b' => 0x08,
            b'f' => 0x0c,
            b'v' => 0x0b,
            b'\\' => b'\\',
            b'"' => b'"',
            b'0'..=b'3' => {
                let digits = inner.get(i..i + 2)?;
                if !digits.iter().all(|d| (b'0'..=b'7').contains(d)) {
                    return None;
                }
                i += 2;
                ((e - b'0') << 6) | ((digits[0] - b'0') << 3) | (digits[1] - b'0')
            }
            _ => return None,
        });
    }
    Some(out)
}

/// Split the `a/x b/y` part of a `diff --git` line into its two names. Works for
/// quoted names, and for unquoted names with spaces when both sides are equal.
pub fn split_git_header_names(s: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    if s.starts_with(b"\"") {
        let end = closing_quote(s)?;
        let first = unquote(&s[..=end])?;
        let rest = s[end + 1..].strip_prefix(b" ")?;
        return Some((first, unquote(rest)?));
    }
    if let Some(q) = s.windows(2).position(|w| w == b" \"") {
        return Some((s[..q].to_vec(), unquote(&s[q + 1..])?));
    }
    // Unquoted: prefer the split where both sides name the same path after the prefix.
    let spaces: Vec<usize> = s
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b' ')
        .map(|(i, _)| i)
        .collect();
    for &sp in &spaces {
        let (a, b) = (&s[..sp], &s[sp + 1..]);
        if strip_first_component(a) == strip_first_component(b) {
            return Some((a.to_vec(), b.to_vec()));
        }
    }
    let &sp = spaces.first()?;
    Some((s[..sp].to_vec(), s[sp + 1..].to_vec()))
}

fn closing_quote(s: &[u8]) -> Option<usize> {
    let mut i = 1;
    while i < s.len() {
        match s[i] {
            b'\\' => i += 2,
            b'"' => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// `a/b/c` → `b/c`; a name without a slash is returned as is.
pub fn strip_first_component(s: &[u8]) -> &[u8] {
    match s.iter().position(|&b| b == b'/') {
        Some(p) => &s[p + 1..],
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unquotes_octal_and_escapes() {
        assert_eq!(
            unquote(br#""a/caf\303\251 \"x\"""#).unwrap(),
            "a/café \"x\"".as_bytes()
        );
        assert_eq!(unquote(b"plain").unwrap(), b"plain");
        assert!(unquote(br#""bad\q""#).is_none());
    }

    #[test]
    fn splits_names_with_spaces() {
        let (a, b) = split_git_header_names(b"a/my file b/my file").unwrap();
        assert_eq!(
            (a.as_slice(), b.as_slice()),
            (&b"a/my file"[..], &b"b/my file"[..])
        );
        let (a, b) = split_git_header_names(br#""a/x y" "b/x y""#).unwrap();
        assert_eq!((a.as_slice(), b.as_slice()), (&b"a/x y"[..], &b"b/x y"[..]));
    }
}
