//! Unified diff parsing: git's extended headers and plain (quilt/Debian) diffs.

use super::quote::{split_git_header_names, strip_first_component, unquote};
use super::{FileMode, FilePatch, Hunk, Line, LineKind, Operation, ParseError};
use gix::bstr::BString;

struct Lines<'a> {
    lines: Vec<&'a [u8]>,
    first_line: usize,
    pos: usize,
}

impl<'a> Lines<'a> {
    fn peek(&self) -> Option<&'a [u8]> {
        self.lines.get(self.pos).copied()
    }
    fn peek_at(&self, n: usize) -> Option<&'a [u8]> {
        self.lines.get(self.pos + n).copied()
    }
    fn line_no(&self) -> usize {
        self.first_line + self.pos
    }
    fn error(&self, line: usize, message: impl Into<String>) -> ParseError {
        ParseError {
            line,
            message: message.into(),
        }
    }
}

/// Parse the diff part of one patch (anything that is not a diff is skipped:
/// prose, diffstat, the `-- ` signature). `first_line` is the 1-based line of
/// `bytes[0]` in the file, for error messages.
pub fn parse_diff(bytes: &[u8], first_line: usize) -> Result<Vec<FilePatch>, ParseError> {
    let mut input = Lines {
        lines: bytes.split_inclusive(|&b| b == b'\n').collect(),
        first_line,
        pos: 0,
    };
    let mut files = Vec::new();
    while let Some(line) = input.peek() {
        if line.starts_with(b"diff --git ") {
            let fp = parse_git_file(&mut input)?;
            check_path(&fp)?;
            files.push(fp);
        } else if is_plain_file_header(&input) {
            let fp = parse_plain_file(&mut input)?;
            check_path(&fp)?;
            files.push(fp);
        } else {
            input.pos += 1;
        }
    }
    Ok(files)
}

fn is_plain_file_header(input: &Lines<'_>) -> bool {
    matches!(
        (input.peek(), input.peek_at(1), input.peek_at(2)),
        (Some(a), Some(b), Some(c))
            if a.starts_with(b"--- ") && b.starts_with(b"+++ ") && c.starts_with(b"@@ -")
    )
}

fn text(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Name on a `---`/`+++` line: `None` for `/dev/null`, else the path with one
/// leading component stripped (git's default `-p1`).
fn header_path(raw: &[u8], line_no: usize) -> Result<Option<BString>, ParseError> {
    let raw = text(raw);
    // Plain diffs append a tab and a timestamp.
    let raw = if raw.starts_with(b"\"") {
        raw
    } else {
        match raw.iter().position(|&b| b == b'\t') {
            Some(t) => &raw[..t],
            None => raw,
        }
    };
    if raw == b"/dev/null" {
        return Ok(None);
    }
    let name = unquote(raw).ok_or(ParseError {
        line: line_no,
        message: "malformed quoted file name".into(),
    })?;
    Ok(Some(strip_first_component(&name).into()))
}

/// Refuse paths that could leave the tree or touch git's own files (see
/// [`super::path::check`]).
fn check_path(fp: &FilePatch) -> Result<(), ParseError> {
    for path in [&fp.old_path, &fp.new_path].into_iter().flatten() {
        let symlink = fp.new_mode == Some(FileMode::Symlink) && Some(path) == fp.new_path.as_ref();
        let checked = super::path::check(path.as_ref()).and_then(|()| {
            if symlink {
                super::path::check_symlink(path.as_ref())
            } else {
                Ok(())
            }
        });
        if let Err(why) = checked {
            return Err(ParseError {
                line: fp.line,
                message: format!(
                    "path {} is not allowed: {why}",
                    super::path::display(path.as_ref())
                ),
            });
        }
    }
    Ok(())
}

fn parse_mode(value: &[u8], line_no: usize) -> Result<FileMode, ParseError> {
    let s = String::from_utf8_lossy(text(value));
    FileMode::from_octal(s.trim()).ok_or(ParseError {
        line: line_no,
        message: format!(
            "unknown file mode `{}` (expected 100644, 100755, 120000 or 160000)",
            s.trim()
        ),
    })
}

fn parse_git_file(input: &mut Lines<'_>) -> Result<FilePatch, ParseError> {
    let header_line = input.line_no();
    let header = text(input.peek().expect("caller checked"));
    input.pos += 1;
    let names = split_git_header_names(&header[b"diff --git ".len()..]).ok_or_else(|| {
        input.error(
            header_line,
            "malformed `diff --git` line: expected `diff --git a/PATH b/PATH`",
        )
    })?;
    let mut fp = FilePatch::new(
        Operation::Modify,
        Some(strip_first_component(&names.0).into()),
        Some(strip_first_component(&names.1).into()),
        header_line,
    );
    let mut index_mode = None;
    // Extended header lines.
    while let Some(raw) = input.peek() {
        let l = text(raw);
        let no = input.line_no();
        let value = |prefix: &[u8]| l.strip_prefix(prefix);
        if let Some(v) = value(b"old mode ") {
            fp.old_mode = Some(parse_mode(v, no)?);
        } else if let Some(v) = value(b"new mode ") {
            fp.new_mode = Some(parse_mode(v, no)?);
        } else if let Some(v) = value(b"deleted file mode ") {
            fp.operation = Operation::Delete;
            fp.old_mode = Some(parse_mode(v, no)?);
        } else if let Some(v) = value(b"new file mode ") {
            fp.operation = Operation::Add;
            fp.new_mode = Some(parse_mode(v, no)?);
        } else if let Some(v) = value(b"rename from ").or(value(b"rename old ")) {
            fp.operation = Operation::Rename;
            fp.old_path = Some(
                unquote(v)
                    .ok_or_else(|| input.error(no, "malformed quoted file name"))?
                    .into(),
            );
        } else if let Some(v) = value(b"rename to ").or(value(b"rename new ")) {
            fp.operation = Operation::Rename;
            fp.new_path = Some(
                unquote(v)
                    .ok_or_else(|| input.error(no, "malformed quoted file name"))?
                    .into(),
            );
        } else if let Some(v) = value(b"copy from ") {
            fp.operation = Operation::Copy;
            fp.old_path = Some(
                unquote(v)
                    .ok_or_else(|| input.error(no, "malformed quoted file name"))?
                    .into(),
            );
        } else if let Some(v) = value(b"copy to ") {
            fp.operation = Operation::Copy;
            fp.new_path = Some(
                unquote(v)
                    .ok_or_else(|| input.error(no, "malformed quoted file name"))?
                    .into(),
            );
        } else if let Some(v) = value(b"index ") {
            let s = String::from_utf8_lossy(v);
            let mut parts = s.split_whitespace();
            let ids = parts.next().unwrap_or("");
            let (a, b) = ids.split_once("..").ok_or_else(|| {
                input.error(
                    no,
                    format!("malformed `index {s}` line: expected `index OLD..NEW [MODE]`"),
                )
            })?;
            let hex = |x: &str| !x.is_empty() && x.bytes().all(|c| c.is_ascii_hexdigit());
            if !hex(a) || !hex(b) {
                return Err(input.error(
                    no,
                    format!("malformed `index {s}` line: blob ids must be hex"),
                ));
            }
            fp.old_blob = Some(a.to_string());
            fp.new_blob = Some(b.to_string());
            if let Some(m) = parts.next() {
                index_mode = Some(parse_mode(m.as_bytes(), no)?);
            }
        } else if l.starts_with(b"similarity index ") || l.starts_with(b"dissimilarity index ") {
        } else {
            break;
        }
        input.pos += 1;
    }
    // Like `git apply`, the mode on the `index` line only states the old mode; a file
    // keeps its mode unless `new mode`/`new file mode` says otherwise.
    if fp.old_mode.is_none() && fp.operation != Operation::Add {
        fp.old_mode = index_mode;
    }
    match fp.operation {
        Operation::Add => fp.old_path = None,
        Operation::Delete => fp.new_path = None,
        _ => {}
    }

    if let (Some(a), Some(b)) = (input.peek(), input.peek_at(1))
        && a.starts_with(b"--- ")
        && b.starts_with(b"+++ ")
    {
        let old = header_path(&a[4..], input.line_no())?;
        let new = header_path(&b[4..], input.line_no() + 1)?;
        if fp.operation == Operation::Modify {
            match (&old, &new) {
                (None, Some(_)) => fp.operation = Operation::Add,
                (Some(_), None) => fp.operation = Operation::Delete,
                _ => {}
            }
        }
        if !matches!(fp.operation, Operation::Rename | Operation::Copy) {
            if fp.operation != Operation::Add {
                fp.old_path = old.or(fp.old_path.take());
            }
            if fp.operation != Operation::Delete {
                fp.new_path = new.or(fp.new_path.take());
            }
        }
        input.pos += 2;
    }
    match input.peek().map(text) {
        Some(l)
            if l == b"GIT binary patch"
                || (l.starts_with(b"Binary files ") && l.ends_with(b" differ")) =>
        {
            fp.binary = true;
            input.pos += 1;
            while let Some(l) = input.peek() {
                if l.starts_with(b"diff --git ") || l == b"-- \n" {
                    break;
                }
                input.pos += 1;
            }
            return Ok(fp);
        }
        _ => {}
    }
    parse_hunks(input, &mut fp)?;
    let mode_change = fp.new_mode.is_some() && fp.old_mode != fp.new_mode;
    if fp.hunks.is_empty() && fp.operation == Operation::Modify && !mode_change {
        return Err(input.error(
            header_line,
            format!(
                "`diff --git` header for {} has no hunks, mode change or binary data",
                fp.path()
            ),
        ));
    }
    Ok(fp)
}

fn parse_plain_file(input: &mut Lines<'_>) -> Result<FilePatch, ParseError> {
    let header_line = input.line_no();
    let a = input.peek().expect("caller checked");
    let b = input.peek_at(1).expect("caller checked");
    let old = header_path(&a[4..], header_line)?;
    let new = header_path(&b[4..], header_line + 1)?;
    input.pos += 2;
    let operation = match (&old, &new) {
        (None, Some(_)) => Operation::Add,
        (Some(_), None) => Operation::Delete,
        (Some(_), Some(_)) => Operation::Modify,
        (None, None) => {
            return Err(input.error(header_line, "both sides of the diff are /dev/null"));
        }
    };
    // Plain diffs name a `.orig` or backup file on one side; git applies to the new name.
    let (old_path, new_path) = match operation {
        Operation::Modify => (new.clone(), new),
        _ => (old, new),
    };
    let mut fp = FilePatch::new(operation, old_path, new_path, header_line);
    parse_hunks(input, &mut fp)?;
    Ok(fp)
}

fn parse_hunk_header(l: &[u8]) -> Option<(usize, usize, usize, usize)> {
    let s = std::str::from_utf8(l).ok()?;
    let rest = s.strip_prefix("@@ -")?;
    let end = rest.find(" @@")?;
    let (old, new) = rest[..end].split_once(" +")?;
    let range = |r: &str| -> Option<(usize, usize)> {
        match r.split_once(',') {
            Some((a, b)) => Some((a.parse().ok()?, b.parse().ok()?)),
            None => Some((r.parse().ok()?, 1)),
        }
    };
    let (a, b) = range(old)?;
    let (c, d) = range(new)?;
    Some((a, b, c, d))
}

fn parse_hunks(input: &mut Lines<'_>, fp: &mut FilePatch) -> Result<(), ParseError> {
    while let Some(raw) = input.peek() {
        if !raw.starts_with(b"@@ ") {
            break;
        }
        let hunk_line = input.line_no();
        let (old_start, old_len, new_start, new_len) =
            parse_hunk_header(text(raw)).ok_or_else(|| {
                input.error(
                    hunk_line,
                    "malformed hunk header: expected `@@ -START[,COUNT] +START[,COUNT] @@`",
                )
            })?;
        input.pos += 1;
        let mut hunk = Hunk {
            old_start,
            old_len,
            new_start,
            new_len,
            // Reserve no more than the input can hold: headers may claim absurd counts.
            lines: Vec::with_capacity(old_len.max(new_len).min(input.lines.len() - input.pos)),
            line: hunk_line,
        };
        let (mut old_left, mut new_left) = (old_len, new_len);
        while old_left > 0 || new_left > 0 {
            let Some(raw) = input.peek() else {
                return Err(input.error(
                    input.line_no(),
                    format!(
                        "truncated hunk starting at line {hunk_line} in {}: expected {old_left} more old and {new_left} more new lines",
                        fp.path()
                    ),
                ));
            };
            let no = input.line_no();
            let (kind, body): (LineKind, &[u8]) = match raw.first() {
                Some(b' ') => (LineKind::Context, &raw[1..]),
                Some(b'\n') => (LineKind::Context, raw),
                Some(b'\r') if raw == b"\r\n" => (LineKind::Context, raw),
                Some(b'-') => (LineKind::Remove, &raw[1..]),
                Some(b'+') => (LineKind::Add, &raw[1..]),
                Some(b'\\') => {
                    mark_no_newline(&mut hunk, input, no)?;
                    input.pos += 1;
                    continue;
                }
                _ => {
                    return Err(input.error(
                        no,
                        format!(
                            "corrupt hunk starting at line {hunk_line} in {}: expected ` `, `-` or `+` with {old_left} old and {new_left} new lines to go, found {:?}",
                            fp.path(),
                            String::from_utf8_lossy(&text(raw)[..text(raw).len().min(40)])
                        ),
                    ));
                }
            };
            match kind {
                LineKind::Context if old_left == 0 || new_left == 0 => {
                    return Err(input.error(
                        no,
                        format!(
                            "hunk starting at line {hunk_line} has more lines than its header says"
                        ),
                    ));
                }
                LineKind::Context => {
                    old_left -= 1;
                    new_left -= 1;
                }
                LineKind::Remove if old_left == 0 => {
                    return Err(input.error(no, format!("hunk starting at line {hunk_line} removes more lines than its header says")));
                }
                LineKind::Remove => old_left -= 1,
                LineKind::Add if new_left == 0 => {
                    return Err(input.error(
                        no,
                        format!(
                            "hunk starting at line {hunk_line} adds more lines than its header says"
                        ),
                    ));
                }
                LineKind::Add => new_left -= 1,
            }
            let mut text = body.to_vec();
            if !text.ends_with(b"\n") {
                // The last line of the file without a newline: treat as if it had one;
                // only a `\ No newline` marker removes it.
                text.push(b'\n');
            }
            hunk.lines.push(Line {
                kind,
                text,
                old_no_newline: false,
                new_no_newline: false,
            });
            input.pos += 1;
        }
        // A marker may follow the last line.
        while let Some(raw) = input.peek() {
            if raw.starts_with(b"\\") {
                let no = input.line_no();
                mark_no_newline(&mut hunk, input, no)?;
                input.pos += 1;
            } else {
                break;
            }
        }
        if hunk.lines.iter().all(|l| l.kind == LineKind::Context) {
            return Err(input.error(hunk_line, "hunk changes nothing (no `-` or `+` lines)"));
        }
        fp.hunks.push(hunk);
    }
    Ok(())
}

fn mark_no_newline(hunk: &mut Hunk, input: &Lines<'_>, no: usize) -> Result<(), ParseError> {
    let last = hunk
        .lines
        .last_mut()
        .ok_or_else(|| input.error(no, "`\\ No newline at end of file` before any hunk line"))?;
    match last.kind {
        LineKind::Context => {
            last.old_no_newline = true;
            last.new_no_newline = true;
        }
        LineKind::Remove => last.old_no_newline = true,
        LineKind::Add => last.new_no_newline = true,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rename_with_mode_change() {
        let diff = b"diff --git a/old.sh b/new.sh\nold mode 100644\nnew mode 100755\nsimilarity index 90%\nrename from old.sh\nrename to new.sh\nindex 1111111..2222222\n--- a/old.sh\n+++ b/new.sh\n@@ -1 +1 @@\n-a\n+b\n";
        let files = parse_diff(diff, 1).unwrap();
        let f = &files[0];
        assert_eq!(f.operation, Operation::Rename);
        assert_eq!(
            f.old_path.as_ref().map(|p| p.as_slice()),
            Some(&b"old.sh"[..])
        );
        assert_eq!(
            f.new_path.as_ref().map(|p| p.as_slice()),
            Some(&b"new.sh"[..])
        );
        assert_eq!(
            (f.old_mode, f.new_mode),
            (Some(FileMode::Regular), Some(FileMode::Executable))
        );
        assert_eq!(f.hunks[0].lines.len(), 2);
    }

    #[test]
    fn no_newline_marker_then_signature_is_not_part_of_the_hunk() {
        let diff = b"diff --git a/x b/x\nindex 1111111..2222222 100644\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+b\n\\ No newline at end of file\n-- \n2.40.0\n\n";
        let f = &parse_diff(diff, 1).unwrap()[0];
        let h = &f.hunks[0];
        assert_eq!(h.preimage().collect::<Vec<_>>(), vec![&b"a"[..]]);
        assert_eq!(h.postimage().collect::<Vec<_>>(), vec![&b"b"[..]]);
    }

    #[test]
    fn truncated_hunk_names_the_line() {
        let diff = b"--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n a\n-b\n";
        let err = parse_diff(diff, 10).unwrap_err();
        assert_eq!(err.line, 15);
        assert!(err.message.contains("truncated hunk"), "{}", err.message);
    }

    /// Found by fuzzing: the counts in a hunk header must not drive allocation.
    #[test]
    fn absurd_hunk_counts_are_a_truncation_error_not_an_allocation() {
        let diff = b"--- a/x\n+++ b/x\n@@ -13,000001000000000007 +13,7 @@\n a\n";
        let err = parse_diff(diff, 1).unwrap_err();
        assert!(err.message.contains("truncated hunk"), "{}", err.message);
    }

    #[test]
    fn paths_that_leave_the_tree_are_refused() {
        for path in [
            "../escape",
            ".git/hooks/post-checkout",
            "a//b",
            "/abs",
            "x/./y",
            // Issue 6, defect 7: what NTFS and HFS+ resolve to `.git`.
            ".git ",
            ".git.",
            "git~1/config",
            "\".g\\342\\200\\214it/config\"",
        ] {
            let path = match path.strip_prefix('"') {
                Some(quoted) => format!("\"b/{quoted}"),
                None => format!("b/{path}"),
            };
            let diff = format!("--- /dev/null\n+++ {path}\n@@ -0,0 +1 @@\n+x\n");
            let err = parse_diff(diff.as_bytes(), 1).unwrap_err();
            assert!(
                err.message.contains("is not allowed"),
                "{path}: {}",
                err.message
            );
            assert_eq!(err.line, 1);
        }
    }

    #[test]
    fn plain_quilt_diff_with_timestamps() {
        let diff = b"Description: fix\n---\nIndex: k/x.go\n--- k.orig/x.go\t2021-01-01 00:00:00\n+++ k/x.go\t2021-01-02 00:00:00\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n";
        let f = &parse_diff(diff, 1).unwrap()[0];
        assert_eq!(f.operation, Operation::Modify);
        assert_eq!(
            f.new_path.as_ref().map(|p| p.as_slice()),
            Some(&b"x.go"[..])
        );
        assert_eq!(
            f.old_path.as_ref().map(|p| p.as_slice()),
            Some(&b"x.go"[..])
        );
    }
}
