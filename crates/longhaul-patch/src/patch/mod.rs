//! Patches as data: what a `git format-patch` mbox or a plain unified diff says.
//!
//! [`parse`] turns the bytes of one patch file into a [`PatchFile`]: one or more
//! [`Commit`]s, each with its optional mail header ([`CommitMeta`]) and the per-file
//! changes ([`FilePatch`]) with their [`Hunk`]s. Nothing here touches a repository;
//! applying lives in [`crate::apply`] and [`crate::apply::tree`].

mod diff;
mod mail;
pub mod path;
mod quote;

pub use diff::parse_diff;
pub use mail::split_messages;

use gix::bstr::{BStr, BString};
use std::fmt;

/// One parsed patch file: a series of commits (one for a plain diff).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchFile {
    /// The commits in the order they must be applied.
    pub commits: Vec<Commit>,
}

/// One commit's worth of changes, with its authorship when the patch carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commit {
    /// Author, date and message from the mail header, if the patch was a mail.
    pub meta: Option<CommitMeta>,
    /// For a plain diff: the free text before the first file header (a DEP-3
    /// header, a description), if any.
    pub description: Option<String>,
    /// The file changes, in patch order.
    pub files: Vec<FilePatch>,
    /// 1-based line in the patch file where this commit starts.
    pub line: usize,
}

/// Authorship and message of a commit, as `git am` would record them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitMeta {
    /// Author name.
    pub author_name: String,
    /// Author email.
    pub author_email: String,
    /// Seconds since the epoch.
    pub time: i64,
    /// Offset from UTC in seconds, as written in the `Date:` header.
    pub offset_seconds: i32,
    /// Subject with any `[PATCH …]` prefix removed.
    pub subject: String,
    /// Full commit message (subject, blank line, body), ending in a newline.
    pub message: String,
    /// The commit id the mbox separator named, if any (all zeros for `--zero-commit`).
    pub source_commit: Option<String>,
}

/// What a [`FilePatch`] does to the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    /// Change an existing file in place (content and/or mode).
    Modify,
    /// Create a file that must not exist yet.
    Add,
    /// Delete a file; its content must match the patch completely.
    Delete,
    /// Move `old_path` to `new_path`, possibly changing content.
    Rename,
    /// Copy `old_path` to `new_path`, possibly changing content.
    Copy,
}

/// Git file modes a patch can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileMode {
    /// `100644`.
    Regular,
    /// `100755`.
    Executable,
    /// `120000`.
    Symlink,
    /// `160000`: a submodule commit.
    Gitlink,
}

impl FileMode {
    /// Parse an octal git mode such as `100644`.
    pub fn from_octal(s: &str) -> Option<Self> {
        match s {
            "100644" | "100664" | "100600" => Some(Self::Regular),
            "100755" => Some(Self::Executable),
            "120000" => Some(Self::Symlink),
            "160000" => Some(Self::Gitlink),
            _ => None,
        }
    }

    /// What kind of entry the mode makes: `a file` (regular or executable),
    /// `a symlink` or `a submodule`.
    pub fn kind(self) -> &'static str {
        match self {
            Self::Regular | Self::Executable => "a file",
            Self::Symlink => "a symlink",
            Self::Gitlink => "a submodule",
        }
    }

    /// The octal form git writes.
    pub fn as_octal(self) -> &'static str {
        match self {
            Self::Regular => "100644",
            Self::Executable => "100755",
            Self::Symlink => "120000",
            Self::Gitlink => "160000",
        }
    }
}

/// The change to one file.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FilePatch {
    /// What the change does.
    pub operation: Operation,
    /// Path before the change (`None` for [`Operation::Add`]), as bytes: git
    /// paths need not be UTF-8.
    pub old_path: Option<BString>,
    /// Path after the change (`None` for [`Operation::Delete`]).
    pub new_path: Option<BString>,
    /// Mode before, when the patch states it.
    pub old_mode: Option<FileMode>,
    /// Mode after, when the patch states it.
    pub new_mode: Option<FileMode>,
    /// Abbreviated pre-image blob id from the `index` line.
    pub old_blob: Option<String>,
    /// Abbreviated post-image blob id from the `index` line.
    pub new_blob: Option<String>,
    /// Content changes.
    pub hunks: Vec<Hunk>,
    /// The patch carries binary content (`GIT binary patch` or `Binary files … differ`).
    pub binary: bool,
    /// 1-based line of this file's header in the patch file.
    pub line: usize,
}

impl FilePatch {
    /// A change with no modes, blob ids or hunks yet.
    pub fn new(
        operation: Operation,
        old_path: Option<BString>,
        new_path: Option<BString>,
        line: usize,
    ) -> Self {
        FilePatch {
            operation,
            old_path,
            new_path,
            old_mode: None,
            new_mode: None,
            old_blob: None,
            new_blob: None,
            hunks: Vec::new(),
            binary: false,
            line,
        }
    }

    /// The path this change is best known by: the new path, else the old one.
    pub fn path(&self) -> &BStr {
        self.new_path
            .as_ref()
            .or(self.old_path.as_ref())
            .map_or(BStr::new(""), |p| p.as_ref())
    }

    /// The path the change reads: the old path, else the only one.
    pub fn source_path(&self) -> &BStr {
        self.old_path.as_ref().map_or(self.path(), |p| p.as_ref())
    }

    /// The path the change writes: the new path, else the only one.
    pub fn target_path(&self) -> &BStr {
        self.new_path.as_ref().map_or(self.path(), |p| p.as_ref())
    }
}

/// One `@@ -a,b +c,d @@` hunk.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Hunk {
    /// 1-based first line in the old file (0 for an empty old side).
    pub old_start: usize,
    /// Number of old lines.
    pub old_len: usize,
    /// 1-based first line in the new file.
    pub new_start: usize,
    /// Number of new lines.
    pub new_len: usize,
    /// The lines, in order.
    pub lines: Vec<Line>,
    /// 1-based line of the `@@` header in the patch file.
    pub line: usize,
}

impl Hunk {
    /// Context lines before the first change.
    pub fn leading_context(&self) -> usize {
        self.lines
            .iter()
            .take_while(|l| l.kind == LineKind::Context)
            .count()
    }

    /// Context lines after the last change.
    pub fn trailing_context(&self) -> usize {
        self.lines
            .iter()
            .rev()
            .take_while(|l| l.kind == LineKind::Context)
            .count()
    }

    /// The lines the old file must contain (context and removals), with their newlines.
    pub fn preimage(&self) -> impl Iterator<Item = &[u8]> {
        self.lines
            .iter()
            .filter(|l| l.kind != LineKind::Add)
            .map(|l| l.old_text())
    }

    /// The lines the new file will contain (context and additions), with their newlines.
    pub fn postimage(&self) -> impl Iterator<Item = &[u8]> {
        self.lines
            .iter()
            .filter(|l| l.kind != LineKind::Remove)
            .map(|l| l.new_text())
    }
}

/// Whether a hunk line is kept, removed or added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LineKind {
    /// ` ` — present on both sides.
    Context,
    /// `-` — only in the old file.
    Remove,
    /// `+` — only in the new file.
    Add,
}

/// One hunk line. `text` includes the trailing `\n` (absent on the side marked
/// `\ No newline at end of file`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Line {
    /// Kind of line.
    pub kind: LineKind,
    /// Bytes including the line terminator.
    pub text: Vec<u8>,
    /// The old side of this line lacks its newline.
    pub old_no_newline: bool,
    /// The new side of this line lacks its newline.
    pub new_no_newline: bool,
}

impl Line {
    /// The line as it stands in the old file.
    pub fn old_text(&self) -> &[u8] {
        strip_nl_if(&self.text, self.old_no_newline)
    }
    /// The line as it stands in the new file.
    pub fn new_text(&self) -> &[u8] {
        strip_nl_if(&self.text, self.new_no_newline)
    }
}

fn strip_nl_if(text: &[u8], strip: bool) -> &[u8] {
    if strip && text.ends_with(b"\n") {
        &text[..text.len() - 1]
    } else {
        text
    }
}

/// A patch file that could not be parsed: where and what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ParseError {
    /// 1-based line in the patch file.
    pub line: usize,
    /// What was wrong.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// Parse a patch file: an mbox of one or more `git format-patch` mails, or a plain
/// (git or quilt/Debian style) unified diff with an optional free-text header.
pub fn parse(bytes: &[u8]) -> Result<PatchFile, ParseError> {
    let messages = split_messages(bytes);
    let mut commits = Vec::with_capacity(messages.len());
    for message in messages {
        let (meta, files) = if message.is_mail {
            let (meta, part) = mail::parse_header(&message)?;
            let files = match part {
                mail::PatchPart::At(start) => parse_diff(
                    &message.bytes[start..],
                    message.line + count_lines(&message.bytes[..start]),
                )?,
                // Lines of a decoded body are counted from where the body starts.
                mail::PatchPart::Decoded(body, line) => parse_diff(&body, line)?,
            };
            (Some(meta), files)
        } else {
            (None, parse_diff(message.bytes, message.line)?)
        };
        let description = if meta.is_none() {
            prose_before_diff(message.bytes)
        } else {
            None
        };
        commits.push(Commit {
            meta,
            description,
            files,
            line: message.line,
        });
    }
    if commits.iter().all(|c| c.files.is_empty()) {
        return Err(ParseError {
            line: 1,
            message: "no diff found: expected a `diff --git` or `--- a/…` / `+++ b/…` file header"
                .into(),
        });
    }
    Ok(PatchFile { commits })
}

/// The text before the first `diff `, `Index: ` or `--- ` line, trimmed; `None` if empty.
fn prose_before_diff(bytes: &[u8]) -> Option<String> {
    let mut end = bytes.len();
    let mut pos = 0;
    for line in bytes.split_inclusive(|&b| b == b'\n') {
        if line.starts_with(b"diff ") || line.starts_with(b"Index: ") || line.starts_with(b"--- ") {
            end = pos;
            break;
        }
        pos += line.len();
    }
    let text = String::from_utf8_lossy(&bytes[..end]).trim().to_string();
    (!text.is_empty()).then_some(text)
}

pub(crate) fn count_lines(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\n').count()
}
