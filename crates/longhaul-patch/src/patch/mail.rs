//! The mail side of a `git format-patch` file: mbox splitting and `git am`-style
//! extraction of author, date and message.

use super::{CommitMeta, ParseError};
use mailparse::MailHeaderMap;

/// One message of an mbox, or the whole file when it is a plain diff.
#[derive(Debug, Clone)]
pub struct Message<'a> {
    /// The message bytes without the `From <sha> …` separator line.
    pub bytes: &'a [u8],
    /// 1-based line of `bytes[0]` in the file.
    pub line: usize,
    /// Whether the message starts with mail headers.
    pub is_mail: bool,
    /// The commit id on the separator line.
    pub source_commit: Option<String>,
}

/// Split an mbox at `From <40-hex> …` separator lines. A file without separators
/// is one message; it is a mail when it starts with `From:`/`Subject:`/`Date:`.
pub fn split_messages(bytes: &[u8]) -> Vec<Message<'_>> {
    let mut starts: Vec<(usize, usize, Option<String>)> = Vec::new(); // (offset after separator, line, sha)
    let mut offset = 0;
    for (line, raw) in (1..).zip(bytes.split_inclusive(|&b| b == b'\n')) {
        if let Some(sha) = mbox_separator(raw) {
            starts.push((offset + raw.len(), line + 1, Some(sha)));
        }
        offset += raw.len();
    }
    if starts.is_empty() {
        let is_mail = [b"From: ".as_slice(), b"Subject: ", b"Date: "]
            .iter()
            .any(|p| bytes.starts_with(p));
        return vec![Message {
            bytes,
            line: 1,
            is_mail,
            source_commit: None,
        }];
    }
    let mut messages = Vec::with_capacity(starts.len());
    // Anything before the first separator (rare) is treated as a plain diff.
    let first_separator_start = starts[0].0 - line_len_before(bytes, starts[0].0);
    if bytes[..first_separator_start]
        .iter()
        .any(|b| !b.is_ascii_whitespace())
    {
        messages.push(Message {
            bytes: &bytes[..first_separator_start],
            line: 1,
            is_mail: false,
            source_commit: None,
        });
    }
    for (i, (start, line, sha)) in starts.iter().enumerate() {
        let end = match starts.get(i + 1) {
            Some((next, _, _)) => next - line_len_before(bytes, *next),
            None => bytes.len(),
        };
        messages.push(Message {
            bytes: &bytes[*start..end],
            line: *line,
            is_mail: true,
            source_commit: sha.clone(),
        });
    }
    messages
}

/// Length of the line that ends right before `offset`.
fn line_len_before(bytes: &[u8], offset: usize) -> usize {
    let before = &bytes[..offset];
    let trimmed = &before[..before.len().saturating_sub(1)];
    match trimmed.iter().rposition(|&b| b == b'\n') {
        Some(p) => offset - p - 1,
        None => offset,
    }
}

fn mbox_separator(line: &[u8]) -> Option<String> {
    let rest = line.strip_prefix(b"From ")?;
    let sha = rest.get(..40)?;
    if !sha.iter().all(u8::is_ascii_hexdigit) || rest.get(40) != Some(&b' ') {
        return None;
    }
    Some(String::from_utf8_lossy(sha).into_owned())
}

/// Where the patch part (diffstat and diff) of a mail is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatchPart {
    /// At this offset of the message bytes.
    At(usize),
    /// The body was transfer-encoded (quoted-printable, base64): the decoded patch
    /// part, and the message line its body started on.
    Decoded(Vec<u8>, usize),
}

/// Parse a mail's headers and message, as `git mailinfo` does, and locate the patch.
pub fn parse_header(message: &Message<'_>) -> Result<(CommitMeta, PatchPart), ParseError> {
    let err = |line: usize, msg: String| ParseError { line, message: msg };
    let (headers, body_offset) = mailparse::parse_headers(message.bytes)
        .map_err(|e| err(message.line, format!("malformed mail header: {e}")))?;
    let mut subject = headers.get_first_value("Subject").unwrap_or_default();
    let mut from = headers.get_first_value("From");
    let mut date = headers.get_first_value("Date");
    let content_type = headers.get_first_value("Content-Type").unwrap_or_default();
    if content_type
        .trim_start()
        .to_ascii_lowercase()
        .starts_with("multipart/")
    {
        return Err(err(
            message.line,
            format!(
                "multipart mail (`Content-Type: {content_type}`) is not supported: save the patch as a plain `git format-patch` file"
            ),
        ));
    }
    let encoding = headers
        .get_first_value("Content-Transfer-Encoding")
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let decoded = match encoding.as_str() {
        "quoted-printable" => Some(decode_quoted_printable(&message.bytes[body_offset..])),
        "base64" => Some(
            mailparse::parse_mail(message.bytes)
                .and_then(|m| m.get_body_raw())
                .map_err(|e| {
                    err(
                        message.line,
                        format!("cannot decode the base64 mail body: {e}"),
                    )
                })?,
        ),
        _ => None,
    };
    let body: &[u8] = match &decoded {
        Some(d) => d,
        None => &message.bytes[body_offset..],
    };
    // The message ends where the patch begins: a `---` line, or a diff header.
    let mut cut = body.len();
    let mut pos = 0;
    for raw in body.split_inclusive(|&b| b == b'\n') {
        let text = trim_eol(raw);
        if text == b"---"
            || (text.starts_with(b"---") && text[3..].iter().all(u8::is_ascii_whitespace))
            || text.starts_with(b"diff -")
            || text.starts_with(b"Index: ")
        {
            cut = pos;
            break;
        }
        pos += raw.len();
    }
    let mut log = String::from_utf8_lossy(&body[..cut]).into_owned();

    // In-body headers (`git format-patch --from`): From/Date/Subject lines first.
    if let Some(rest) = in_body_headers(&log, &mut from, &mut date, &mut subject) {
        log = rest;
    }

    let (author_name, author_email) = parse_author(from.as_deref()).ok_or_else(|| {
        err(
            message.line,
            "mail has no usable `From:` header (expected `From: Name <email>`)".into(),
        )
    })?;
    let date = date.ok_or_else(|| err(message.line, "mail has no `Date:` header".into()))?;
    let expected =
        "expected an RFC 2822 date such as `Mon, 1 Jan 2024 12:00:00 +0000`, as `git am` does";
    // mailparse reads anything, garbage included, as time 0: check the shape first.
    if !looks_like_rfc2822(&date) {
        return Err(err(
            message.line,
            format!("cannot parse `Date: {date}`: {expected}"),
        ));
    }
    let time = mailparse::dateparse(&date).map_err(|e| {
        err(
            message.line,
            format!("cannot parse `Date: {date}`: {e}; {expected}"),
        )
    })?;
    let offset_seconds = parse_offset(&date);
    let subject = cleanup_subject(&subject);
    let message_text = stripspace(&format!("{subject}\n\n{log}"));
    let meta = CommitMeta {
        author_name,
        author_email,
        time,
        offset_seconds,
        subject,
        message: message_text,
        source_commit: message.source_commit.clone(),
    };
    let part = match decoded {
        Some(d) => {
            let body_line = message.line
                + message.bytes[..body_offset]
                    .iter()
                    .filter(|&&b| b == b'\n')
                    .count();
            PatchPart::Decoded(d[cut..].to_vec(), body_line)
        }
        None => PatchPart::At(body_offset + cut),
    };
    Ok((meta, part))
}

/// Quoted-printable as `git mailinfo` decodes it: `=XX` escapes and `=` soft line
/// breaks; hard line breaks stay as they are (no CRLF canonicalisation).
fn decode_quoted_printable(body: &[u8]) -> Vec<u8> {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        if body[i] != b'=' {
            out.push(body[i]);
            i += 1;
            continue;
        }
        match (body.get(i + 1), body.get(i + 2)) {
            (Some(b'\n'), _) => i += 2,
            (Some(b'\r'), Some(b'\n')) => i += 3,
            (Some(&a), Some(&b)) if hex(a).is_some() && hex(b).is_some() => {
                out.push(hex(a).unwrap_or(0) << 4 | hex(b).unwrap_or(0));
                i += 3;
            }
            _ => {
                out.push(b'=');
                i += 1;
            }
        }
    }
    out
}

fn trim_eol(raw: &[u8]) -> &[u8] {
    let raw = raw.strip_suffix(b"\n").unwrap_or(raw);
    raw.strip_suffix(b"\r").unwrap_or(raw)
}

fn in_body_headers(
    log: &str,
    from: &mut Option<String>,
    date: &mut Option<String>,
    subject: &mut String,
) -> Option<String> {
    let mut lines = log.split_inclusive('\n');
    let mut consumed = 0;
    let mut seen = false;
    for line in lines.by_ref() {
        let t = line.trim_end();
        if let Some(v) = t.strip_prefix("From: ") {
            *from = Some(v.to_string());
        } else if let Some(v) = t.strip_prefix("Date: ") {
            *date = Some(v.to_string());
        } else if let Some(v) = t.strip_prefix("Subject: ") {
            *subject = v.to_string();
        } else if t.is_empty() && seen {
            consumed += line.len();
            break;
        } else {
            break;
        }
        seen = true;
        consumed += line.len();
    }
    seen.then(|| log[consumed..].to_string())
}

fn parse_author(from: Option<&str>) -> Option<(String, String)> {
    let from = from?;
    let addrs = mailparse::addrparse(from).ok()?;
    match addrs.iter().next()? {
        mailparse::MailAddr::Single(info) => {
            let name = info.display_name.clone().unwrap_or_default();
            Some((name.trim().to_string(), info.addr.clone()))
        }
        mailparse::MailAddr::Group(_) => None,
    }
}

/// `+0900` → 32400 seconds.
/// A day, a month name, a year and an `hh:mm` time, in any order mail clients use.
fn looks_like_rfc2822(date: &str) -> bool {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let tokens: Vec<&str> = date
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|t| !t.is_empty())
        .collect();
    let digits = |t: &str, n: std::ops::RangeInclusive<usize>| {
        n.contains(&t.len()) && t.bytes().all(|b| b.is_ascii_digit())
    };
    let month = tokens.iter().any(|t| {
        t.get(..3)
            .is_some_and(|m| MONTHS.contains(&m.to_ascii_lowercase().as_str()))
    });
    let day = tokens.iter().any(|t| digits(t, 1..=2));
    let year = tokens.iter().any(|t| digits(t, 4..=4));
    let time = tokens.iter().any(|t| {
        let parts: Vec<&str> = t.split(':').collect();
        (2..=3).contains(&parts.len()) && parts.iter().all(|p| digits(p, 1..=2))
    });
    month && day && year && time
}

fn parse_offset(date: &str) -> i32 {
    let Some(tok) = date.split_whitespace().rev().find(|t| {
        (t.starts_with('+') || t.starts_with('-'))
            && t.len() == 5
            && t[1..].bytes().all(|b| b.is_ascii_digit())
    }) else {
        return 0;
    };
    let sign = if tok.starts_with('-') { -1 } else { 1 };
    let hours: i32 = tok[1..3].parse().unwrap_or(0);
    let minutes: i32 = tok[3..5].parse().unwrap_or(0);
    sign * (hours * 3600 + minutes * 60)
}

/// Remove `Re:` and `[PATCH …]` prefixes the way `git mailinfo` does (without `-k`).
pub fn cleanup_subject(subject: &str) -> String {
    let joined: String = subject
        .split(['\r', '\n'])
        .map(str::trim_start)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let mut s = joined.as_str();
    loop {
        let t = s.trim_start_matches([' ', '\t', ':']);
        if t.as_bytes()
            .get(..3)
            .is_some_and(|p| p.eq_ignore_ascii_case(b"re:"))
        {
            s = &t[3..];
            continue;
        }
        if t.starts_with('[')
            && let Some(end) = t.find(']')
        {
            s = &t[end + 1..];
            continue;
        }
        s = t;
        break;
    }
    s.trim_end().to_string()
}

/// `git stripspace`: trailing whitespace removed from each line, runs of blank
/// lines collapsed, no leading or trailing blank lines, a final newline.
pub fn stripspace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_blank = false;
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            pending_blank = !out.is_empty();
            continue;
        }
        if pending_blank {
            out.push('\n');
            pending_blank = false;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 6, defect 7: `git am` refuses a garbage date; it must not become time 0.
    #[test]
    fn garbage_dates_are_refused() {
        let mail = |date: &str| {
            format!(
                "From: A <a@example.org>\nDate: {date}\nSubject: [PATCH] x\n\n---\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+b\n"
            )
        };
        // Found by fuzzing: a token with a multi-byte character in its first three bytes.
        for bad in ["garbage", "x 12", "yesterday", "\u{b1}\u{b2} 1 2024 00:00"] {
            let err = crate::patch::parse(mail(bad).as_bytes()).unwrap_err();
            assert!(
                err.message.contains("cannot parse `Date:"),
                "{bad}: {}",
                err.message
            );
            assert_eq!(err.line, 1);
        }
        for good in [
            "Mon, 1 Jan 2024 12:00:00 +0000",
            "1 Jan 2024 12:00:00 -0700",
            "Tue, 05 Mar 2019 09:01:02 +0100 (CET)",
        ] {
            let parsed = crate::patch::parse(mail(good).as_bytes()).unwrap();
            assert!(parsed.commits[0].meta.as_ref().unwrap().time > 0, "{good}");
        }
    }

    #[test]
    fn subject_prefixes_are_removed_like_mailinfo() {
        assert_eq!(cleanup_subject("[PATCH 2/7] Fix it"), "Fix it");
        assert_eq!(cleanup_subject("Re: [PATCH v2] [net] x"), "x");
        assert_eq!(cleanup_subject("long\n subject"), "long subject");
        // Found by fuzzing: non-ASCII near the start must not split a character.
        assert_eq!(cleanup_subject("[PÁTCH] Disabled kmem"), "Disabled kmem");
        assert_eq!(cleanup_subject("Ré: x"), "Ré: x");
    }

    #[test]
    fn quoted_printable_keeps_line_ends_and_joins_soft_breaks() {
        assert_eq!(
            decode_quoted_printable(b"a=3Db=\nc\nd=C3=A9 =20\n=ZZ"),
            "a=bc\ndé  \n=ZZ".as_bytes()
        );
    }

    #[test]
    fn stripspace_collapses_blank_lines() {
        assert_eq!(stripspace("\n\na  \n\n\n\nb\n\n"), "a\n\nb\n");
    }

    #[test]
    fn offsets_parse_with_sign() {
        assert_eq!(parse_offset("Thu, 18 Feb 2021 08:24:07 +0900"), 9 * 3600);
        assert_eq!(parse_offset("Thu, 18 Feb 2021 08:24:07 -0130"), -5400);
    }

    #[test]
    fn splits_mbox_at_separators_only() {
        let sha = "a".repeat(40);
        let text = format!(
            "From {sha} Mon Sep 17 00:00:00 2001\nFrom: A <a@x>\n\nbody\nFrom me to you\nFrom {sha} Mon Sep 17 00:00:00 2001\nFrom: B <b@x>\n"
        );
        let msgs = split_messages(text.as_bytes());
        assert_eq!(msgs.len(), 2);
        assert_eq!(msgs[0].line, 2);
        assert!(msgs[0].bytes.ends_with(b"From me to you\n"));
        assert_eq!(msgs[1].line, 7);
        assert_eq!(msgs[1].bytes, b"From: B <b@x>\n");
    }
}
