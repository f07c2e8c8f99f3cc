//! A commit written exactly as `git format-patch -N --abbrev=11 --zero-commit
//! --no-signature` writes it: KLTS's canonical patch form, which its CI checks
//! byte for byte.
//!
//! Everything git decides is reproduced here: the mail header (RFC 2047
//! encoding of non-ASCII names and subjects, RFC 822 quoting, subject folding at
//! 78 columns, the MIME headers for a non-ASCII message), the diffstat (72
//! columns, git's scaling and name truncation), the summary (`create mode`,
//! `rename … (100%)`), and the diff (Myers with git's indent heuristic, rename
//! detection, hunk headers with the default function-name rule, 11-hex `index`
//! lines lengthened when ambiguous).
//!
//! Two things are refused rather than guessed: binary files (git writes a
//! deflated `GIT binary patch` whose bytes depend on zlib) and renames that
//! change content (git's similarity score is its own estimate).

use super::context::Context;
use super::tree_diff::TreeChange;
use crate::patch::{CommitMeta, LineKind, Operation};
use crate::repo::{RepoError, git_err};
use gix::ObjectId;
use gix::bstr::{BStr, ByteSlice};
use std::fmt::Write as _;

/// Width of the diffstat, as `format-patch` sets it (`MAIL_DEFAULT_WRAP`).
const STAT_WIDTH: usize = 72;
/// Width of mail header lines (RFC 2822).
const HEADER_WIDTH: usize = 78;

/// Why a commit cannot be written in canonical form.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    /// Reading the repository failed.
    #[error(transparent)]
    Repo(#[from] RepoError),
    /// The change holds something this writer does not reproduce.
    #[error("{path}: {reason}")]
    Unsupported {
        /// The file.
        path: String,
        /// What is not supported.
        reason: &'static str,
    },
}

/// The patch for the change from tree `old` to tree `new` with the authorship
/// and message `meta`, as `git format-patch -N --abbrev=11 --zero-commit
/// --no-signature` writes the commit.
pub fn format_patch(
    ctx: &Context<'_>,
    old: ObjectId,
    new: ObjectId,
    meta: &CommitMeta,
) -> Result<Vec<u8>, FormatError> {
    let repo = ctx.repo;
    let mut changes: Vec<TreeChange> = ctx.tree_changes(old, new, true)?.to_vec();
    // git's queue order after rename detection: by destination path.
    changes.sort_by(|a, b| {
        let key = |c: &TreeChange| c.new_path.clone().or(c.old_path.clone());
        key(a).cmp(&key(b))
    });
    let mut files = Vec::new();
    for c in &changes {
        files.push(FileDiff::new(repo, c)?);
    }

    let mut out = String::new();
    out.push_str("From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\n");
    out.push_str(&from_header(&meta.author_name, &meta.author_email));
    let _ = writeln!(
        out,
        "Date: {}",
        rfc2822_date(meta.time, meta.offset_seconds)
    );
    let (subject, body) = split_message(&meta.message);
    out.push_str(&subject_header(&subject));
    if !meta.message.is_ascii() {
        out.push_str(
            "MIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n",
        );
    }
    out.push('\n');
    out.push_str(&body);
    out.push_str("---\n");
    out.push_str(&diffstat(&files));
    for f in &files {
        out.push_str(&summary(f));
    }
    out.push('\n');
    let mut bytes = out.into_bytes();
    for f in &files {
        f.write(repo, &mut bytes)?;
    }
    Ok(bytes)
}

/// One file of the diff, with what the stat and the patch need.
struct FileDiff {
    change: TreeChange,
    old: Vec<u8>,
    hunks: Vec<crate::patch::Hunk>,
    added: usize,
    removed: usize,
}

impl FileDiff {
    fn new(repo: &gix::Repository, c: &TreeChange) -> Result<Self, FormatError> {
        let path = c.new_path.as_ref().or(c.old_path.as_ref()).expect("a path");
        let unsupported = |reason| FormatError::Unsupported {
            path: crate::patch::path::display(path.as_bstr()),
            reason,
        };
        let is_file =
            |m: Option<gix::objs::tree::EntryMode>| m.is_none_or(|m| m.is_blob() || m.is_link());
        if !is_file(c.old_mode) || !is_file(c.new_mode) {
            return Err(unsupported("submodule changes are not written"));
        }
        let blob = |id: Option<ObjectId>| -> Result<Vec<u8>, FormatError> {
            Ok(match id {
                Some(id) => repo.find_object(id).map_err(git_err)?.detach().data,
                None => Vec::new(),
            })
        };
        let (old, new) = (blob(c.old_id)?, blob(c.new_id)?);
        if is_binary(&old) || is_binary(&new) {
            return Err(unsupported(
                "binary content: git's `GIT binary patch` bytes are not reproduced",
            ));
        }
        if matches!(c.operation, Operation::Rename | Operation::Copy) && c.old_id != c.new_id {
            return Err(unsupported(
                "a rename that also changes content: git's similarity score is not reproduced",
            ));
        }
        let hunks = if c.old_id == c.new_id {
            Vec::new()
        } else {
            myers_hunks(&old, &new)
        };
        let count = |k| {
            hunks
                .iter()
                .flat_map(|h| &h.lines)
                .filter(|l| l.kind == k)
                .count()
        };
        let (added, removed) = (count(LineKind::Add), count(LineKind::Remove));
        Ok(FileDiff {
            change: c.clone(),
            old,
            hunks,
            added,
            removed,
        })
    }

    fn old_path(&self) -> &BStr {
        self.change
            .old_path
            .as_ref()
            .or(self.change.new_path.as_ref())
            .expect("a path")
            .as_bstr()
    }

    fn new_path(&self) -> &BStr {
        self.change
            .new_path
            .as_ref()
            .or(self.change.old_path.as_ref())
            .expect("a path")
            .as_bstr()
    }

    fn mode_changed(&self) -> bool {
        matches!((self.change.old_mode, self.change.new_mode), (Some(a), Some(b)) if a != b)
    }

    /// The `diff --git` section.
    fn write(&self, repo: &gix::Repository, out: &mut Vec<u8>) -> Result<(), FormatError> {
        out.extend_from_slice(self.header(repo).as_bytes());
        if self.hunks.is_empty() {
            return Ok(());
        }
        let c = &self.change;
        let minus = if c.operation == Operation::Add {
            "/dev/null".to_string()
        } else {
            prefixed("a/", self.old_path())
        };
        let plus = if c.operation == Operation::Delete {
            "/dev/null".to_string()
        } else {
            prefixed("b/", self.new_path())
        };
        out.extend_from_slice(format!("--- {minus}\n+++ {plus}\n").as_bytes());
        let old_lines: Vec<&[u8]> = self.old.split_inclusive(|&b| b == b'\n').collect();
        for h in &self.hunks {
            write_hunk(&old_lines, h, out);
        }
        Ok(())
    }

    /// The extended header: `diff --git`, the mode, rename and `index` lines.
    fn header(&self, repo: &gix::Repository) -> String {
        let c = &self.change;
        let a = prefixed("a/", self.old_path());
        let b = prefixed("b/", self.new_path());
        let mut head = String::new();
        let _ = writeln!(head, "diff --git {a} {b}");
        match c.operation {
            Operation::Add => {
                let _ = writeln!(head, "new file mode {}", mode_octal(c.new_mode));
            }
            Operation::Delete => {
                let _ = writeln!(head, "deleted file mode {}", mode_octal(c.old_mode));
            }
            _ => {
                if self.mode_changed() {
                    let _ = writeln!(head, "old mode {}", mode_octal(c.old_mode));
                    let _ = writeln!(head, "new mode {}", mode_octal(c.new_mode));
                }
            }
        }
        if matches!(c.operation, Operation::Rename | Operation::Copy) {
            let word = if c.operation == Operation::Rename {
                "rename"
            } else {
                "copy"
            };
            let _ = writeln!(head, "similarity index 100%");
            let _ = writeln!(head, "{word} from {}", quote(self.old_path()));
            let _ = writeln!(head, "{word} to {}", quote(self.new_path()));
        }
        if c.old_id != c.new_id {
            head.push_str(&self.index_line(repo));
        }
        head
    }

    /// The `index` line: abbreviated blob ids, and the mode when it stays.
    fn index_line(&self, repo: &gix::Repository) -> String {
        let c = &self.change;
        let zero = ObjectId::null(repo.object_hash());
        let mut line = format!(
            "index {}..{}",
            abbrev(repo, c.old_id.unwrap_or(zero)),
            abbrev(repo, c.new_id.unwrap_or(zero))
        );
        if matches!(c.operation, Operation::Modify) && !self.mode_changed() {
            let _ = write!(line, " {}", mode_octal(c.new_mode));
        }
        line.push('\n');
        line
    }
}

/// A mode as the extended header writes it: six octal digits.
fn mode_octal(m: Option<gix::objs::tree::EntryMode>) -> String {
    format!("{:06o}", m.map_or(0, |m| m.value()))
}

/// One hunk: its header with the function line above it in `old_lines`, and
/// its lines.
fn write_hunk(old_lines: &[&[u8]], h: &crate::patch::Hunk, out: &mut Vec<u8>) {
    let range = |start: usize, len: usize| match len {
        1 => format!("{start}"),
        _ => format!("{start},{len}"),
    };
    out.extend_from_slice(
        format!(
            "@@ -{} +{} @@",
            range(h.old_start, h.old_len),
            range(h.new_start, h.new_len)
        )
        .as_bytes(),
    );
    // The hunk's first old line, 0-based: the function line is searched above it.
    let first = if h.old_len == 0 {
        h.old_start
    } else {
        h.old_start - 1
    };
    if let Some(func) = old_lines[..first.min(old_lines.len())]
        .iter()
        .rev()
        .find_map(|l| function_line(l))
    {
        out.push(b' ');
        out.extend_from_slice(func);
    }
    out.push(b'\n');
    for l in &h.lines {
        out.push(match l.kind {
            LineKind::Context => b' ',
            LineKind::Add => b'+',
            LineKind::Remove => b'-',
        });
        let text = match l.kind {
            LineKind::Add => l.new_text(),
            _ => l.old_text(),
        };
        out.extend_from_slice(text);
        if !text.ends_with(b"\n") {
            out.extend_from_slice(b"\n\\ No newline at end of file\n");
        }
    }
}

/// git's rule for binary content: a NUL in the first 8000 bytes.
fn is_binary(data: &[u8]) -> bool {
    data[..data.len().min(8000)].contains(&0)
}

/// xdiff's default function-name rule: a line starting with a letter, `_` or
/// `$`, cut to 80 bytes, trailing whitespace dropped.
fn function_line(line: &[u8]) -> Option<&[u8]> {
    let first = *line.first()?;
    if !(first.is_ascii_alphabetic() || first == b'_' || first == b'$') {
        return None;
    }
    let mut end = line.len().min(80);
    while end > 0 && line[end - 1].is_ascii_whitespace() {
        end -= 1;
    }
    Some(&line[..end])
}

/// Hunks as git's default diff writes them: Myers with the indent heuristic.
fn myers_hunks(old: &[u8], new: &[u8]) -> Vec<crate::patch::Hunk> {
    super::diff::hunks_with(old, new, imara_diff::Algorithm::Myers)
}

/// The shortest unique abbreviation of at least 11 hex digits.
fn abbrev(repo: &gix::Repository, id: ObjectId) -> String {
    let hex = id.to_string();
    if id.is_null() {
        return hex[..11].to_string();
    }
    let mut len = 11;
    while len < hex.len() {
        let Ok(prefix) = gix::hash::Prefix::new(&id, len) else {
            break;
        };
        match repo.objects.lookup_prefix(prefix, None) {
            Ok(Some(Err(()))) => len += 1,
            _ => break,
        }
    }
    hex[..len].to_string()
}

/// A path with its `a/` or `b/` prefix, C-quoted as git quotes it when needed.
fn prefixed(prefix: &str, path: &BStr) -> String {
    let mut full = prefix.as_bytes().to_vec();
    full.extend_from_slice(path);
    quote(full.as_bstr())
}

/// git's `quote_c_style` with `core.quotePath` on: the path as is, or in double
/// quotes with `\t`, `\n`, `"`, `\\` and bytes outside printable ASCII escaped.
fn quote(path: &BStr) -> String {
    let needs = |b: u8| !(0x20..0x7f).contains(&b) || b == b'"' || b == b'\\';
    if !path.iter().any(|&b| needs(b)) {
        return path.to_str_lossy().into_owned();
    }
    let mut s = String::from("\"");
    for &b in path.iter() {
        match b {
            b'\x07' => s.push_str("\\a"),
            b'\x08' => s.push_str("\\b"),
            b'\t' => s.push_str("\\t"),
            b'\n' => s.push_str("\\n"),
            b'\x0b' => s.push_str("\\v"),
            b'\x0c' => s.push_str("\\f"),
            b'\r' => s.push_str("\\r"),
            b'"' => s.push_str("\\\""),
            b'\\' => s.push_str("\\\\"),
            b if needs(b) => {
                let _ = write!(s, "\\{b:03o}");
            }
            b => s.push(b as char),
        }
    }
    s.push('"');
    s
}

/// `From:` as git writes it for a mail.
fn from_header(name: &str, email: &str) -> String {
    let mut line = String::from("From: ");
    let mut width = HEADER_WIDTH;
    if needs_rfc2047(name) {
        add_rfc2047(&mut line, name, true);
        width = 76;
    } else if name.bytes().any(is_rfc822_special) {
        let mut quoted = String::from("\"");
        for ch in name.chars() {
            if ch == '"' || ch == '\\' {
                quoted.push('\\');
            }
            quoted.push(ch);
        }
        quoted.push('"');
        add_wrapped(&mut line, &quoted, -6, 1, width);
    } else {
        add_wrapped(&mut line, name, -6, 1, width);
    }
    if width < last_line_length(&line) + 2 + email.len() + 1 {
        line.push('\n');
    }
    let _ = writeln!(line, " <{email}>");
    line
}

/// `Subject: [PATCH] …` folded as git folds it.
fn subject_header(subject: &str) -> String {
    let mut line = String::from("Subject: [PATCH] ");
    if needs_rfc2047(subject) {
        add_rfc2047(&mut line, subject, false);
    } else {
        let indent = -(last_line_length(&line) as isize);
        add_wrapped(&mut line, subject, indent, 1, HEADER_WIDTH);
    }
    line.push('\n');
    line
}

/// The subject (the first paragraph, its lines joined by spaces) and the rest
/// of the message (leading blank lines dropped), as git's pretty printer splits it.
///
/// As git's `format_subject` and `pp_remainder`: every line loses its trailing
/// ASCII whitespace (leading whitespace stays), subject lines are joined by one
/// space.
fn split_message(message: &str) -> (String, String) {
    let trim = |l: &'_ str| -> String {
        l.trim_end_matches(|c: char| c.is_ascii_whitespace() || c == '\x0b')
            .to_string()
    };
    let mut lines = message.split('\n').map(trim).skip_while(|l| l.is_empty());
    let mut subject: Vec<String> = Vec::new();
    for line in lines.by_ref() {
        if line.is_empty() {
            break;
        }
        subject.push(line);
    }
    let mut rest: Vec<String> = lines.skip_while(|l| l.is_empty()).collect();
    // The message's own final newline is not a blank line.
    while rest.last().is_some_and(|l| l.is_empty()) {
        rest.pop();
    }
    let mut body = String::new();
    for l in &rest {
        body.push_str(l);
        body.push('\n');
    }
    (subject.join(" "), body)
}

fn needs_rfc2047(s: &str) -> bool {
    !s.is_ascii() || s.contains('\n') || s.contains("=?")
}

fn is_rfc822_special(b: u8) -> bool {
    b"()<>[]:;@,.\"\\".contains(&b)
}

fn last_line_length(s: &str) -> usize {
    s.len() - s.rfind('\n').map_or(0, |i| i + 1)
}

/// git's `add_rfc2047`: Q-encoding in UTF-8, folded before 76 columns without
/// splitting a character.
fn add_rfc2047(out: &mut String, text: &str, address: bool) {
    const MAX: usize = 76;
    let mut line_len = last_line_length(out) + "UTF-8".len() + 5;
    out.push_str("=?UTF-8?q?");
    for ch in text.chars() {
        let mut buf = [0u8; 4];
        let bytes = ch.encode_utf8(&mut buf).as_bytes();
        let b = bytes[0];
        let special = bytes.len() > 1 || {
            !(0x21..0x7f).contains(&b) && b != b' '
                || b.is_ascii_whitespace()
                || b == b'='
                || b == b'?'
                || b == b'_'
                || (address && !(b.is_ascii_alphanumeric() || b"!*+-/".contains(&b)))
        };
        let encoded_len = if special { 3 * bytes.len() } else { 1 };
        if line_len + encoded_len + 2 > MAX {
            out.push_str("?=\n =?UTF-8?q?");
            line_len = "UTF-8".len() + 5 + 1;
        }
        for &byte in bytes {
            if special {
                let _ = write!(out, "={byte:02X}");
            } else {
                out.push(byte as char);
            }
        }
        line_len += encoded_len;
    }
    out.push_str("?=");
}

/// git's `strbuf_add_wrapped_text` for ASCII text: words carried to a new line
/// (indented by `indent2`) when a line would pass `width`; a negative
/// `indent1` says how many columns the current line already holds.
fn add_wrapped(out: &mut String, text: &str, indent1: isize, indent2: usize, width: usize) {
    let text = text.as_bytes();
    let at = |i: usize| text.get(i).copied().unwrap_or(0);
    let width = width as isize;
    let (mut bol, mut i) = (0usize, 0usize);
    let mut indent = indent1;
    let mut w = indent1;
    let mut space: Option<usize> = None;
    if indent < 0 {
        w = -indent;
        space = Some(0);
    }
    let push = |out: &mut String, bytes: &[u8]| out.push_str(&String::from_utf8_lossy(bytes));
    loop {
        let c = at(i);
        if c != 0 && !c.is_ascii_whitespace() {
            w += 1;
            i += 1;
            continue;
        }
        let mut new_line = false;
        if w <= width || space.is_none() {
            if c == 0 && i == bol && space.is_none() {
                return;
            }
            let start = match space {
                Some(s) => s,
                None => {
                    out.extend(std::iter::repeat_n(' ', indent.max(0) as usize));
                    bol
                }
            };
            push(out, &text[start..i]);
            if c == 0 {
                return;
            }
            space = Some(i);
            if c == b'\t' {
                w |= 0x07;
            } else if c == b'\n' {
                let s = i + 1;
                space = Some(s);
                new_line = breaks_after_newline(out, at(s));
            }
            if !new_line {
                w += 1;
                i += 1;
                continue;
            }
        }
        out.push('\n');
        let s = space.expect("a line break happens after a space");
        i = s + usize::from(at(s).is_ascii_whitespace() && at(s) != 0);
        bol = i;
        space = None;
        w = indent2 as isize;
        indent = w;
    }
}

/// For [`add_wrapped`]: whether a newline in the text followed by `next`
/// stays a line break (a blank line, or a line not starting with a letter or
/// digit); otherwise it is written as a space.
fn breaks_after_newline(out: &mut String, next: u8) -> bool {
    if next == b'\n' {
        out.push('\n');
        true
    } else if !next.is_ascii_alphanumeric() {
        true
    } else {
        out.push(' ');
        false
    }
}

/// An RFC 2822 date as git writes it: `Fri, 7 Sep 2018 15:14:50 -0700`.
pub fn rfc2822_date(time: i64, offset_seconds: i32) -> String {
    let local = time + i64::from(offset_seconds);
    let days = local.div_euclid(86_400);
    let secs = local.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let weekday = WEEKDAYS[days.rem_euclid(7) as usize];
    let sign = if offset_seconds < 0 { '-' } else { '+' };
    let off = offset_seconds.unsigned_abs() / 60;
    format!(
        "{weekday}, {d} {} {y} {:02}:{:02}:{:02} {sign}{:02}{:02}",
        MONTHS[(m - 1) as usize],
        secs / 3600,
        secs / 60 % 60,
        secs % 60,
        off / 60,
        off % 60
    )
}

/// Howard Hinnant's days-to-civil conversion.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// git's `pprint_rename`: `a/{b => c}/d` around the common prefix and suffix.
fn rename_name(a: &[u8], b: &[u8]) -> String {
    if quote(a.as_bstr()).starts_with('"') || quote(b.as_bstr()).starts_with('"') {
        return format!("{} => {}", quote(a.as_bstr()), quote(b.as_bstr()));
    }
    let mut pfx = 0;
    let mut i = 0;
    while i < a.len() && i < b.len() && a[i] == b[i] {
        if a[i] == b'/' {
            pfx = i + 1;
        }
        i += 1;
    }
    let adjust = usize::from(pfx > 0);
    let mut sfx = 0;
    let (mut oa, mut ob) = (a.len() as isize, b.len() as isize);
    let at = |s: &[u8], i: isize| {
        if i as usize == s.len() {
            0
        } else {
            s[i as usize]
        }
    };
    while oa >= (pfx - adjust) as isize && ob >= (pfx - adjust) as isize && at(a, oa) == at(b, ob) {
        if at(a, oa) == b'/' {
            sfx = a.len() - oa as usize;
        }
        oa -= 1;
        ob -= 1;
    }
    let a_mid = a.len().saturating_sub(pfx + sfx);
    let b_mid = b.len().saturating_sub(pfx + sfx);
    let s = |x: &[u8]| String::from_utf8_lossy(x).into_owned();
    if pfx + sfx > 0 {
        format!(
            "{}{{{} => {}}}{}",
            s(&a[..pfx]),
            s(&a[pfx..pfx + a_mid]),
            s(&b[pfx..pfx + b_mid]),
            s(&a[a.len() - sfx..])
        )
    } else {
        format!("{} => {}", s(&a[pfx..pfx + a_mid]), s(&b[pfx..pfx + b_mid]))
    }
}

/// git's `show_stats` at 72 columns, and the totals line.
fn diffstat(files: &[FileDiff]) -> String {
    let names: Vec<String> = files
        .iter()
        .map(|f| match f.change.operation {
            Operation::Rename | Operation::Copy => rename_name(f.old_path(), f.new_path()),
            _ => quote(f.new_path()),
        })
        .collect();
    let layout = StatLayout::new(files, &names);
    let mut out = String::new();
    for (f, name) in files.iter().zip(&names) {
        layout.write_line(&mut out, f, name);
    }
    out.push_str(&stat_totals(files));
    out
}

/// The columns of the diffstat, as git's `show_stats` divides them.
struct StatLayout {
    name_width: usize,
    graph_width: usize,
    number_width: usize,
    max_change: usize,
}

fn width_of(s: &str) -> usize {
    s.chars().count()
}

impl StatLayout {
    fn new(files: &[FileDiff], names: &[String]) -> Self {
        let max_len = names.iter().map(|n| width_of(n)).max().unwrap_or(0);
        let max_change = files.iter().map(|f| f.added + f.removed).max().unwrap_or(0);
        let number_width = max_change.to_string().len();
        let width = STAT_WIDTH.max(16 + 6 + number_width);
        let mut graph_width = max_change;
        let mut name_width = max_len;
        if name_width + number_width + 6 + graph_width > width {
            let limit = (width * 3 / 8) as isize - number_width as isize - 6;
            if graph_width as isize > limit {
                graph_width = limit.max(6) as usize;
            }
            if name_width > width - number_width - 6 - graph_width {
                name_width = width - number_width - 6 - graph_width;
            } else {
                graph_width = width - number_width - 6 - name_width;
            }
        }
        StatLayout {
            name_width,
            graph_width,
            number_width,
            max_change,
        }
    }

    /// One file's line: its name (cut from the left to fit), the count and
    /// the scaled `+`/`-` graph.
    fn write_line(&self, out: &mut String, f: &FileDiff, name: &str) {
        let (prefix, shown, len) = self.fitted_name(name);
        let padding = len.saturating_sub(width_of(shown));
        let (add, del) = self.graph(f.added, f.removed);
        let changes = f.added + f.removed;
        let number_width = self.number_width;
        let _ = writeln!(
            out,
            " {prefix}{shown}{:padding$} | {changes:>number_width$}{}{}{}",
            "",
            if changes > 0 { " " } else { "" },
            "+".repeat(add),
            "-".repeat(del),
        );
    }

    /// The name as shown, with its `...` prefix and the width it fills: a
    /// name too long loses its start, then up to the next `/`.
    fn fitted_name<'n>(&self, name: &'n str) -> (&'static str, &'n str, usize) {
        let mut len = self.name_width;
        let mut shown: &str = name;
        let mut prefix = "";
        let name_len = width_of(name);
        if self.name_width < name_len {
            prefix = "...";
            len = len.saturating_sub(3);
            let skip = name_len - len;
            let cut = shown
                .char_indices()
                .nth(skip)
                .map_or(shown.len(), |(i, _)| i);
            shown = &shown[cut..];
            if let Some(slash) = shown.find('/') {
                shown = &shown[slash..];
            }
        }
        (prefix, shown, len)
    }

    /// The numbers of `+` and `-` drawn for `add` and `del` lines, scaled to
    /// the graph's width when the largest change does not fit.
    fn graph(&self, mut add: usize, mut del: usize) -> (usize, usize) {
        let (graph_width, max_change) = (self.graph_width, self.max_change);
        if graph_width <= max_change {
            let scale = |it: usize| {
                if it == 0 {
                    0
                } else {
                    1 + it * (graph_width - 1) / max_change
                }
            };
            let mut total = scale(add + del);
            if total < 2 && add > 0 && del > 0 {
                total = 2;
            }
            if add < del {
                add = scale(add);
                del = total - add;
            } else {
                del = scale(del);
                add = total - del;
            }
        }
        (add, del)
    }
}

/// The diffstat's last line: files changed, insertions, deletions.
fn stat_totals(files: &[FileDiff]) -> String {
    let mut out = String::new();
    let (adds, dels): (usize, usize) = files
        .iter()
        .fold((0, 0), |(a, d), f| (a + f.added, d + f.removed));
    let n = files.len();
    let _ = write!(out, " {n} file{} changed", if n == 1 { "" } else { "s" });
    if adds > 0 || dels == 0 {
        let _ = write!(
            out,
            ", {adds} insertion{}(+)",
            if adds == 1 { "" } else { "s" }
        );
    }
    if dels > 0 || adds == 0 {
        let _ = write!(
            out,
            ", {dels} deletion{}(-)",
            if dels == 1 { "" } else { "s" }
        );
    }
    out.push('\n');
    out
}

/// git's `diff_summary` lines for one file.
fn summary(f: &FileDiff) -> String {
    let c = &f.change;
    let mode = mode_octal;
    let mode_change = |name: bool| {
        if f.mode_changed() {
            let mut s = format!(" mode change {} => {}", mode(c.old_mode), mode(c.new_mode));
            if name {
                let _ = write!(s, " {}", quote(f.new_path()));
            }
            s.push('\n');
            s
        } else {
            String::new()
        }
    };
    match c.operation {
        Operation::Add => format!(
            " create mode {} {}\n",
            mode(c.new_mode),
            quote(f.new_path())
        ),
        Operation::Delete => format!(
            " delete mode {} {}\n",
            mode(c.old_mode),
            quote(f.old_path())
        ),
        Operation::Rename | Operation::Copy => {
            let word = if c.operation == Operation::Rename {
                "rename"
            } else {
                "copy"
            };
            format!(
                " {word} {} (100%)\n{}",
                rename_name(f.old_path(), f.new_path()),
                mode_change(false)
            )
        }
        Operation::Modify => mode_change(true),
    }
}

/// The authorship and message of commit `id`, for [`format_patch`].
pub fn commit_meta(repo: &gix::Repository, id: ObjectId) -> Result<CommitMeta, RepoError> {
    let commit = repo.find_commit(id).map_err(git_err)?;
    let author = commit.author().map_err(git_err)?;
    let time = author.time().map_err(git_err)?;
    let message = commit
        .message_raw()
        .map_err(git_err)?
        .to_str_lossy()
        .into_owned();
    let subject = split_message(&message).0;
    Ok(CommitMeta {
        author_name: author.name.to_str_lossy().into_owned(),
        author_email: author.email.to_str_lossy().into_owned(),
        time: time.seconds,
        offset_seconds: time.offset,
        subject,
        message,
        source_commit: Some(id.to_string()),
    })
}
