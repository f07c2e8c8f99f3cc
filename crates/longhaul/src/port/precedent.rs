//! The precedent rung: when a commit does not port onto a line, a
//! maintainer's earlier port of the same commit onto another line may.
//!
//! A precedent of commit `X` is a commit `P` on a branch of the repository
//! (local or remote-tracking) whose message says `cherry picked from commit
//! <X>` with `X`'s full id: what `git cherry-pick -x` writes. It has one
//! parent, and it was committed before the cutoff when one is given (a
//! benchmark that replays history passes the time of the maintainer's own
//! port, so that neither that port nor anything later is used). A port of `X`
//! onto the target's own line counts too: onto its parent, it gives the
//! maintainer's tree.
//!
//! `P` is used only when it makes `X`'s change token for token: the same
//! files, and where a line `P` adds or removes differs from `X`'s, the lines
//! pair up into edits, and the token-level edits `P` makes on its lines are
//! exactly those `X` makes on its own (the old line's context differs, the
//! change does not). Then `P`'s change goes through the whole ladder onto the
//! target, guard included: the port makes `P`'s change, which is `X`'s.

use super::context::Context;
use super::guard::{self, LineChange};
use super::outcome::{Difficulty, Outcome, Rung, Status};
use super::{ladder, tree_diff};
use crate::repo::{RepoError, git_err};
use gix::ObjectId;
use gix::bstr::ByteSlice;
use std::collections::BTreeMap;

/// Where to look for precedents.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Precedents {
    /// Only commits committed before this time (seconds since the epoch).
    pub before: Option<i64>,
}

/// Port `commit` (changing `base` to `theirs`) onto `onto` through a
/// precedent: the newest one that makes the same change and ports. `None`
/// when there is none.
pub(super) fn port(
    ctx: &Context<'_>,
    precedents: Precedents,
    commit: ObjectId,
    (base, theirs): (ObjectId, ObjectId),
    onto: ObjectId,
) -> Result<Option<Outcome>, RepoError> {
    let found = find(ctx.repo, commit, precedents.before)?;
    if found.is_empty() {
        return Ok(None);
    }
    let upstream = file_changes(ctx, base, theirs)?;
    for candidate in found {
        let (p_base, p_theirs) = tree_diff::commit_trees(ctx.repo, candidate)?;
        let ours = file_changes(ctx, p_base, p_theirs)?;
        if !same_change_by_tokens(ctx.repo, &ours, &upstream)? {
            continue;
        }
        let mut outcome = ladder::port(ctx, p_base, p_theirs, onto)?;
        if outcome.status == Status::Conflict {
            continue;
        }
        outcome.status = Status::Resolved;
        outcome.rung = Rung::Precedent;
        outcome.difficulty = Difficulty::Adapted;
        outcome.precedent = Some(candidate);
        return Ok(Some(outcome));
    }
    Ok(None)
}

/// The precedents of `commit`, newest first.
fn find(
    repo: &gix::Repository,
    commit: ObjectId,
    before: Option<i64>,
) -> Result<Vec<ObjectId>, RepoError> {
    use gix::revision::walk::Sorting;
    use gix::traverse::commit::simple::CommitTimeOrder;
    let since = repo
        .find_commit(commit)
        .map_err(git_err)?
        .time()
        .map_err(git_err)?
        .seconds;
    let needle = format!("cherry picked from commit {commit}");
    let tips = crate::repo::commit_tips(repo, &["refs/heads/", "refs/remotes/"])?;
    let walk = repo
        .rev_walk(tips)
        .sorting(Sorting::ByCommitTimeCutoff {
            order: CommitTimeOrder::NewestFirst,
            seconds: since,
        })
        .all()
        .map_err(git_err)?;
    let mut found = Vec::new();
    for info in walk {
        let info = info.map_err(git_err)?;
        // The walk knows each commit's time (from the commit-graph, when
        // the repository has one): only the commits that may be precedents
        // are read.
        let late = before.is_some_and(|b| info.commit_time.is_none_or(|t| t >= b));
        if info.parent_ids.len() != 1 || info.id == commit || late {
            continue;
        }
        let object = info.object().map_err(git_err)?;
        let message = object.message_raw_sloppy();
        if message.find(needle.as_bytes()).is_some() {
            found.push(info.id);
        }
    }
    Ok(found)
}

/// Each file's blobs before and after from `base` to `theirs`, by the path
/// it reads (renames not followed: a rename is a deletion and an addition).
type FileChanges = BTreeMap<Vec<u8>, (Option<ObjectId>, Option<ObjectId>)>;

/// The [`FileChanges`] from `base` to `theirs`.
fn file_changes(
    ctx: &Context<'_>,
    base: ObjectId,
    theirs: ObjectId,
) -> Result<FileChanges, RepoError> {
    Ok(ctx
        .tree_changes(base, theirs, false)?
        .iter()
        .map(|c| (c.source().to_vec(), (c.old_id, c.new_id)))
        .collect())
}

/// Whether `ours` makes `upstream`'s change token for token: the same
/// files, and per file either the same blobs or line changes that
/// [`same_lines_by_tokens`] accepts.
fn same_change_by_tokens(
    repo: &gix::Repository,
    ours: &FileChanges,
    upstream: &FileChanges,
) -> Result<bool, RepoError> {
    if !ours.keys().eq(upstream.keys()) {
        return Ok(false);
    }
    for (path, &(old, new)) in ours {
        let (up_old, up_new) = upstream[path];
        if (old, new) == (up_old, up_new) {
            continue;
        }
        let mine = guard::line_changes(repo, old, new)?;
        let theirs = guard::line_changes(repo, up_old, up_new)?;
        if !same_lines_by_tokens(&mine, &theirs) {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Whether one file's line change `mine` makes `theirs` token for token:
/// the token edits of the lines only `mine` changes are the token edits of
/// the lines only `theirs` changes.
fn same_lines_by_tokens(mine: &LineChange, theirs: &LineChange) -> bool {
    let extra = line_edits(
        &without(&mine.added, &theirs.added),
        &without(&mine.removed, &theirs.removed),
    );
    let wanted = line_edits(
        &without(&theirs.added, &mine.added),
        &without(&theirs.removed, &mine.removed),
    );
    match (extra, wanted) {
        (Some(mut extra), Some(mut wanted)) => {
            extra.sort();
            wanted.sort();
            extra == wanted
        }
        _ => false,
    }
}

/// The lines of `lines` (sorted) that are not in `others` (sorted), as
/// multisets.
fn without(lines: &[Vec<u8>], others: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut rest = others.iter().peekable();
    for line in lines {
        while rest.next_if(|o| *o < line).is_some() {}
        if rest.next_if(|o| *o == line).is_none() {
            out.push(line.clone());
        }
    }
    out
}

/// One token-level edit: the tokens replaced and the tokens put there.
type TokenEdit = (Vec<String>, Vec<String>);

/// Each added line paired with its most similar removed line (at least half
/// of their tokens in common), and the token edits of each pair; `None`
/// when a line has no counterpart (an extra line, blank ones included).
fn line_edits(added: &[Vec<u8>], removed: &[Vec<u8>]) -> Option<Vec<Vec<TokenEdit>>> {
    let mut removed: Vec<Vec<String>> = removed.iter().map(|l| tokens(l)).collect();
    let mut edits = Vec::with_capacity(added.len());
    for line in added {
        let new = tokens(line);
        if new.is_empty() {
            return None;
        }
        let (best, score) = removed
            .iter()
            .enumerate()
            .map(|(i, old)| (i, similarity(old, &new)))
            .fold(None, |best: Option<(usize, f64)>, (i, s)| match best {
                Some((_, b)) if b >= s => best,
                _ => Some((i, s)),
            })?;
        if score < 0.5 {
            return None;
        }
        let old = removed.remove(best);
        edits.push(token_edit(&old, &new));
    }
    removed.is_empty().then_some(edits)
}

/// A line's tokens: runs of letters, digits and `_`, and every other
/// character that is not white space on its own.
fn tokens(line: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(line);
    let mut out = Vec::new();
    let mut word = String::new();
    for c in text.chars() {
        if c.is_alphanumeric() || c == '_' {
            word.push(c);
            continue;
        }
        if !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
        if !c.is_whitespace() {
            out.push(c.to_string());
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

/// A line's tokens as a diff input.
struct Tokens<'a>(&'a [String]);

impl<'a> imara_diff::TokenSource for Tokens<'a> {
    type Token = &'a str;
    type Tokenizer = std::iter::Map<std::slice::Iter<'a, String>, fn(&String) -> &str>;
    fn tokenize(&self) -> Self::Tokenizer {
        self.0.iter().map(String::as_str)
    }
    fn estimate_tokens(&self) -> u32 {
        self.0.len() as u32
    }
}

/// The token diff of two lines (histogram): its hunks, and how many tokens
/// the lines share.
fn token_diff(old: &[String], new: &[String]) -> (Vec<imara_diff::Hunk>, usize) {
    let input = imara_diff::InternedInput::new(Tokens(old), Tokens(new));
    let diff = imara_diff::Diff::compute(imara_diff::Algorithm::Histogram, &input);
    let hunks: Vec<_> = diff.hunks().collect();
    let removed: usize = hunks.iter().map(|h| h.before.len()).sum();
    (hunks, old.len() - removed)
}

/// Twice the tokens two lines share over the tokens of both (1 when both
/// are empty).
fn similarity(old: &[String], new: &[String]) -> f64 {
    if old.is_empty() && new.is_empty() {
        return 1.0;
    }
    let (_, common) = token_diff(old, new);
    2.0 * common as f64 / (old.len() + new.len()) as f64
}

/// What changes from `old` to `new`, token-wise.
fn token_edit(old: &[String], new: &[String]) -> Vec<TokenEdit> {
    let (hunks, _) = token_diff(old, new);
    hunks
        .iter()
        .map(|h| {
            (
                old[h.before.start as usize..h.before.end as usize].to_vec(),
                new[h.after.start as usize..h.after.end as usize].to_vec(),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(added: &[&str], removed: &[&str]) -> LineChange {
        let lines = |l: &[&str]| {
            let mut v: Vec<Vec<u8>> = l.iter().map(|s| format!("{s}\n").into_bytes()).collect();
            v.sort();
            v
        };
        LineChange {
            added: lines(added),
            removed: lines(removed),
        }
    }

    #[test]
    fn the_same_edit_on_a_line_with_other_context_is_the_same_change() {
        let upstream = change(&["\tf(a, c)"], &["\tf(a, b)"]);
        let ours = change(&["\tf(a, c, d)"], &["\tf(a, b, d)"]);
        assert!(same_lines_by_tokens(&ours, &upstream));
    }

    #[test]
    fn an_extra_line_or_another_edit_is_not() {
        let upstream = change(&["\tf(a, c)"], &["\tf(a, b)"]);
        let extra = change(&["\tf(a, c)", "\tg()"], &["\tf(a, b)"]);
        let other = change(&["\tf(a, e, d)"], &["\tf(a, b, d)"]);
        let blank = change(&["\tf(a, c)", ""], &["\tf(a, b)"]);
        let less = change(&["\tf(a, c)"], &["\tf(a, b)", "\tg()"]);
        assert!(!same_lines_by_tokens(&extra, &upstream));
        assert!(!same_lines_by_tokens(&other, &upstream));
        assert!(!same_lines_by_tokens(&blank, &upstream));
        assert!(!same_lines_by_tokens(&upstream, &less));
    }

    #[test]
    fn tokens_split_words_and_punctuation() {
        assert_eq!(
            tokens(b"\tf(a_1, b) // x"),
            ["f", "(", "a_1", ",", "b", ")", "/", "/", "x"]
        );
    }
}
