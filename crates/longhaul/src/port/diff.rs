//! An upstream commit as a patch: the unified diff `git format-patch` would
//! write (three lines of context, histogram diff, renames), built from the two
//! trees in memory so the engine can apply it at an offset (rung 1).

use super::context::Context;
use super::tree_diff::TreeChange;
use crate::patch::{Commit, FileMode, FilePatch, Hunk, Line, LineKind, Operation};
use crate::repo::{RepoError, git_err};
use gix::ObjectId;
use std::collections::BTreeSet;

/// The paths a tree diff touches, where callers outside the porter have
/// always found them (it lives in [`super::tree_diff`]).
pub use super::tree_diff::touched_paths;

/// Lines of context around each change, as git writes by default.
const CONTEXT: usize = 3;

/// The change from tree `old` to tree `new` as one patch commit, or `None` when
/// it holds something the engine cannot apply (binary content, submodules).
pub fn commit_patch(
    ctx: &Context<'_>,
    old: ObjectId,
    new: ObjectId,
) -> Result<Option<Commit>, RepoError> {
    commit_patch_where(ctx, old, new, |_, _| true)
}

/// [`commit_patch`] for only the files at `paths` that the change modifies in
/// place, where no other file of the change has their path: each applies (or
/// fails) on its own exactly as it does within the whole patch.
pub fn modified_files_patch(
    ctx: &Context<'_>,
    old: ObjectId,
    new: ObjectId,
    paths: &BTreeSet<&[u8]>,
) -> Result<Option<Commit>, RepoError> {
    commit_patch_where(ctx, old, new, |c, changes| {
        let path = c.new_path.as_ref();
        c.operation == Operation::Modify
            && path.is_some_and(|p| paths.contains(p.as_slice()))
            && changes
                .iter()
                .filter(|o| o.old_path.as_ref() == path || o.new_path.as_ref() == path)
                .count()
                == 1
    })
}

/// The patch of the changes `keep` selects (given each change and all of them).
fn commit_patch_where(
    ctx: &Context<'_>,
    old: ObjectId,
    new: ObjectId,
    keep: impl Fn(&TreeChange, &[TreeChange]) -> bool,
) -> Result<Option<Commit>, RepoError> {
    let repo = ctx.repo;
    let mut files = Vec::new();
    let changes = ctx.tree_changes(old, new, true)?;
    for c in changes.iter().filter(|c| keep(c, &changes)).cloned() {
        // Submodules and unknown modes are not for the engine.
        let mode = |m: Option<gix::objs::tree::EntryMode>| -> Result<Option<FileMode>, ()> {
            match m {
                None => Ok(None),
                Some(m) => FileMode::from_octal(&format!("{:o}", m.value()))
                    .filter(|f| *f != FileMode::Gitlink)
                    .map(Some)
                    .ok_or(()),
            }
        };
        let (Ok(old_mode), Ok(new_mode)) = (mode(c.old_mode), mode(c.new_mode)) else {
            return Ok(None);
        };
        let blob = |id: Option<ObjectId>| -> Result<Vec<u8>, RepoError> {
            match id {
                Some(id) => Ok(repo.find_object(id).map_err(git_err)?.detach().data),
                None => Ok(Vec::new()),
            }
        };
        let (a, b) = (blob(c.old_id)?, blob(c.new_id)?);
        if a.contains(&0) || b.contains(&0) {
            return Ok(None);
        }
        let mut fp = FilePatch::new(c.operation, c.old_path, c.new_path, 0);
        fp.old_mode = old_mode;
        fp.new_mode = new_mode;
        if c.operation == Operation::Modify && fp.old_mode == fp.new_mode {
            fp.new_mode = None;
        }
        fp.hunks = hunks(&a, &b);
        files.push(fp);
    }
    Ok(Some(Commit {
        meta: None,
        description: None,
        files,
        line: 1,
    }))
}

/// Unified-diff hunks from `old` to `new` with [`CONTEXT`] lines of context,
/// hunks whose context would touch merged into one, as git writes them.
pub fn hunks(old: &[u8], new: &[u8]) -> Vec<Hunk> {
    hunks_with(old, new, imara_diff::Algorithm::Histogram)
}

/// [`hunks`] with the given diff algorithm (git's indent heuristic applied).
pub fn hunks_with(old: &[u8], new: &[u8], algorithm: imara_diff::Algorithm) -> Vec<Hunk> {
    let input = imara_diff::InternedInput::new(
        imara_diff::sources::byte_lines(old),
        imara_diff::sources::byte_lines(new),
    );
    let mut diff = imara_diff::Diff::compute(algorithm, &input);
    diff.postprocess_lines(&input);
    let changes: Vec<imara_diff::Hunk> = diff.hunks().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < changes.len() {
        // Group changes whose context windows overlap or touch.
        let mut j = i;
        while j + 1 < changes.len()
            && changes[j + 1].before.start as usize - changes[j].before.end as usize <= 2 * CONTEXT
        {
            j += 1;
        }
        out.push(hunk_of(&input, &changes[i..=j]));
        i = j + 1;
    }
    out
}

/// One unified-diff hunk for a group of `changes` close enough to share
/// context, with [`CONTEXT`] lines before the first and after the last.
fn hunk_of(input: &imara_diff::InternedInput<&[u8]>, changes: &[imara_diff::Hunk]) -> Hunk {
    let (before, after) = (&input.before, &input.after);
    let text = |t: &imara_diff::Token| input.interner[*t];
    let (first, last) = (&changes[0], &changes[changes.len() - 1]);
    let lead = (first.before.start as usize).min(CONTEXT);
    let trail = (before.len() - last.before.end as usize).min(CONTEXT);
    let old_start = first.before.start as usize - lead;
    let new_start = first.after.start as usize - lead;
    let mut lines = Vec::new();
    for t in &before[old_start..first.before.start as usize] {
        lines.push(diff_line(LineKind::Context, text(t)));
    }
    for (k, h) in changes.iter().enumerate() {
        for t in &before[h.before.start as usize..h.before.end as usize] {
            lines.push(diff_line(LineKind::Remove, text(t)));
        }
        for t in &after[h.after.start as usize..h.after.end as usize] {
            lines.push(diff_line(LineKind::Add, text(t)));
        }
        let context_end = match changes.get(k + 1) {
            Some(next) => next.before.start as usize,
            None => h.before.end as usize + trail,
        };
        for t in &before[h.before.end as usize..context_end] {
            lines.push(diff_line(LineKind::Context, text(t)));
        }
    }
    let old_len = lines.iter().filter(|l| l.kind != LineKind::Add).count();
    let new_len = lines.iter().filter(|l| l.kind != LineKind::Remove).count();
    Hunk {
        old_start: if old_len == 0 {
            old_start
        } else {
            old_start + 1
        },
        old_len,
        new_start: if new_len == 0 {
            new_start
        } else {
            new_start + 1
        },
        new_len,
        lines,
        line: 0,
    }
}

/// A diff line of `kind` with text `t`; a last line without a newline gets
/// one, and is marked as having none on the sides it belongs to.
fn diff_line(kind: LineKind, t: &[u8]) -> Line {
    let ends = t.ends_with(b"\n");
    let mut bytes = t.to_vec();
    if !ends {
        bytes.push(b'\n');
    }
    Line {
        kind,
        text: bytes,
        old_no_newline: !ends && kind != LineKind::Add,
        new_no_newline: !ends && kind != LineKind::Remove,
    }
}

#[cfg(test)]
mod tests {
    use super::hunks;

    /// Applying the hunks to the old text gives the new text, for edits at the
    /// start, the end, close together and without a final newline.
    #[test]
    fn hunks_reproduce_the_new_text() {
        let old: String = (1..=30).map(|i| format!("line {i}\n")).collect();
        let cases = [
            old.replace("line 1\n", "one\n"),
            old.replace("line 30\n", "thirty"),
            old.replace("line 10\n", "ten\n").replace("line 14\n", ""),
            old.replace("line 10\n", "ten\n")
                .replace("line 25\n", "x\ny\n"),
            String::new(),
        ];
        for new in cases {
            let h = hunks(old.as_bytes(), new.as_bytes());
            let applied = crate::apply::hunks::apply_hunks(old.as_bytes(), &h, 0).unwrap();
            assert_eq!(String::from_utf8(applied.content).unwrap(), new);
            assert!(
                applied
                    .placements
                    .iter()
                    .all(|p| *p == crate::apply::hunks::Placement::Exact)
            );
        }
        let h = hunks(b"", b"a\nb\n");
        assert_eq!(
            (h[0].old_start, h[0].old_len, h[0].new_start, h[0].new_len),
            (0, 0, 1, 2)
        );
    }
}
