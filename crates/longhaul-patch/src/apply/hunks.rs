//! Applying hunks to the bytes of one file, the way `git apply` places them.
//!
//! Placement follows git exactly: the search starts at the hunk's new-side line and
//! alternates forwards and backwards (`+1, -1, +2, -2, …`); a hunk starting at old
//! line 0 or 1 must match at the beginning, a hunk without trailing context must
//! match at the end, context must match byte for byte, and lines written by an
//! earlier hunk are never matched again (git's `LINE_PATCHED`). `fuzz > 0` additionally
//! drops up to that many context lines from each end, like GNU `patch --fuzz`.

use crate::patch::Hunk;

/// How one hunk found its place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// At the line the hunk header names.
    Exact,
    /// With full context, `n` lines away from where the header says.
    Offset(isize),
    /// Only after ignoring `fuzz` context lines at either end.
    Fuzz {
        /// Context lines ignored at each end.
        fuzz: usize,
        /// Distance from the stated line.
        offset: isize,
    },
}

/// Why a hunk did not apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HunkFailure {
    /// 1-based index of the hunk within its file.
    pub hunk: usize,
    /// 1-based line of the `@@` header in the patch file.
    pub patch_line: usize,
    /// 1-based line of the target file where the hunk was expected.
    pub line: usize,
    /// What did not match.
    pub reason: String,
}

/// The new content and where each hunk went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// The patched bytes.
    pub content: Vec<u8>,
    /// One placement per hunk.
    pub placements: Vec<Placement>,
}

/// Split into lines that keep their `\n` (the last may lack it).
pub fn lines(content: &[u8]) -> Vec<&[u8]> {
    content.split_inclusive(|&b| b == b'\n').collect()
}

/// Apply `hunks` in order to `content`.
pub fn apply_hunks(content: &[u8], hunks: &[Hunk], fuzz: usize) -> Result<Applied, HunkFailure> {
    let mut image: Vec<&[u8]> = lines(content);
    // Lines produced by an already-applied hunk; no later hunk may match them.
    let mut patched = vec![false; image.len()];
    let mut placements = Vec::with_capacity(hunks.len());
    for (index, hunk) in hunks.iter().enumerate() {
        let pre: Vec<&[u8]> = hunk.preimage().collect();
        let post: Vec<&[u8]> = hunk.postimage().collect();
        let leading = hunk.leading_context();
        let trailing = hunk.trailing_context();
        let pos = hunk.new_start.saturating_sub(1);
        let match_beginning = hunk.old_start <= 1;
        let match_end = trailing == 0;

        let mut found = None;
        for f in 0..=fuzz {
            let (lt, tt) = (f.min(leading), f.min(trailing));
            if f > 0 && lt == 0 && tt == 0 {
                break; // nothing left to relax
            }
            let pre_f = &pre[lt..pre.len() - tt];
            let post_f = &post[lt..post.len() - tt];
            let (mb, me) = (match_beginning && lt == 0, match_end && tt == 0);
            if let Some(at) = find_pos(&image, &patched, pre_f, pos.saturating_add(lt), mb, me) {
                found = Some((at, lt, tt, f, pre_f.len(), post_f));
                break;
            }
        }
        let Some((at, lt, _tt, f, pre_len, post_f)) = found else {
            return Err(failure(
                &image,
                &patched,
                hunk,
                index,
                &pre,
                &post,
                pos,
                match_beginning,
                match_end,
            ));
        };
        let offset = (at as isize).wrapping_sub(pos.saturating_add(lt) as isize);
        placements.push(match (f, offset) {
            (0, 0) => Placement::Exact,
            (0, n) => Placement::Offset(n),
            (f, n) => Placement::Fuzz { fuzz: f, offset: n },
        });
        image.splice(at..at + pre_len, post_f.iter().copied());
        patched.splice(at..at + pre_len, std::iter::repeat_n(true, post_f.len()));
    }
    let mut content = Vec::with_capacity(image.iter().map(|l| l.len()).sum());
    for l in &image {
        content.extend_from_slice(l);
    }
    Ok(Applied {
        content,
        placements,
    })
}

/// git's `find_pos`: the line index where `pre` matches, searching from `line`.
fn find_pos(
    img: &[&[u8]],
    patched: &[bool],
    pre: &[&[u8]],
    line: usize,
    match_beginning: bool,
    match_end: bool,
) -> Option<usize> {
    if pre.len() > img.len() {
        return None;
    }
    let mut line = if match_beginning {
        0
    } else if match_end {
        img.len() - pre.len()
    } else {
        line
    };
    line = line.min(img.len());
    let matches = |at: usize| -> bool {
        if at + pre.len() > img.len() {
            return false;
        }
        if match_end && at + pre.len() != img.len() {
            return false;
        }
        if match_beginning && at != 0 {
            return false;
        }
        if patched[at..at + pre.len()].contains(&true) {
            return false;
        }
        let Some((last, body)) = pre.split_last() else {
            return true;
        };
        img[at..at + body.len()] == *body
            && last_line_matches(img[at + body.len()], last, match_end)
    };
    if matches(line) {
        return Some(line);
    }
    let (mut back, mut fwd) = (line, line);
    let mut i = 0usize;
    loop {
        if back == 0 && fwd == img.len() {
            return None;
        }
        let at = if i & 1 == 1 {
            if back == 0 {
                i += 1;
                continue;
            }
            back -= 1;
            back
        } else {
            if fwd == img.len() {
                i += 1;
                continue;
            }
            fwd += 1;
            fwd
        };
        i += 1;
        if matches(at) {
            return Some(at);
        }
    }
}

/// git compares a pre-image as one byte stream (after a whitespace-blind hash
/// check), so a last pre-image line that lacks its newline also matches an image
/// line that continues with whitespace only (`a` matches `a\n`), except where
/// the hunk must match at the end of the file.
fn last_line_matches(have: &[u8], want: &[u8], match_end: bool) -> bool {
    if have == want {
        return true;
    }
    !match_end
        && !want.ends_with(b"\n")
        && have.starts_with(want)
        && have[want.len()..]
            .iter()
            .all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c))
}

#[allow(clippy::too_many_arguments)]
fn failure(
    img: &[&[u8]],
    patched: &[bool],
    hunk: &Hunk,
    index: usize,
    pre: &[&[u8]],
    post: &[&[u8]],
    pos: usize,
    match_beginning: bool,
    match_end: bool,
) -> HunkFailure {
    let expected_at = if match_beginning {
        0
    } else {
        hunk.old_start.saturating_sub(1)
    };
    let base = HunkFailure {
        hunk: index + 1,
        patch_line: hunk.line,
        line: expected_at.saturating_add(1),
        reason: String::new(),
    };
    if !post.is_empty()
        && post != pre
        && find_pos(img, patched, post, pos, match_beginning, match_end).is_some()
    {
        return HunkFailure {
            reason: "the change is already there (patch already applied?)".into(),
            ..base
        };
    }
    if pre.len() > img.len() {
        return HunkFailure {
            reason: format!(
                "hunk needs {} lines of old content but the file has only {}",
                pre.len(),
                img.len()
            ),
            ..base
        };
    }
    let at = expected_at.min(img.len());
    for (k, want) in pre.iter().enumerate() {
        match img.get(at + k) {
            Some(have) if have == want => continue,
            Some(have) => {
                return HunkFailure {
                    line: at + k + 1,
                    reason: format!(
                        "expected `{}` but the file has `{}`",
                        show(want),
                        show(have)
                    ),
                    ..base
                };
            }
            None => {
                return HunkFailure {
                    line: at + k + 1,
                    reason: format!("expected `{}` but the file ends", show(want)),
                    ..base
                };
            }
        }
    }
    let reason = if match_end {
        "context matches but the hunk must end at the end of the file, and it does not"
    } else {
        "context does not match anywhere in the file"
    };
    HunkFailure {
        reason: reason.into(),
        ..base
    }
}

fn show(line: &[u8]) -> String {
    let s = String::from_utf8_lossy(line);
    let s = s.strip_suffix('\n').unwrap_or(&s);
    let missing_nl = !line.ends_with(b"\n");
    let mut out: String = s.chars().take(80).collect();
    if s.chars().count() > 80 {
        out.push('…');
    }
    if missing_nl {
        out.push_str("[no newline at end of file]");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patch::parse_diff;

    fn hunks(diff: &str) -> Vec<Hunk> {
        parse_diff(diff.as_bytes(), 1).unwrap().remove(0).hunks
    }

    #[test]
    fn exact_and_offset_placement() {
        let h = hunks("--- a/f\n+++ b/f\n@@ -2,3 +2,3 @@\n b\n-c\n+C\n d\n");
        let r = apply_hunks(b"a\nb\nc\nd\ne\n", &h, 0).unwrap();
        assert_eq!(r.content, b"a\nb\nC\nd\ne\n");
        assert_eq!(r.placements, vec![Placement::Exact]);
        let r = apply_hunks(b"x\ny\na\nb\nc\nd\ne\n", &h, 0).unwrap();
        assert_eq!(r.placements, vec![Placement::Offset(2)]);
    }

    #[test]
    fn fuzz_is_only_used_when_allowed() {
        let h = hunks("--- a/f\n+++ b/f\n@@ -2,3 +2,3 @@\n b\n-c\n+C\n d\n");
        let err = apply_hunks(b"a\nB\nc\nd\n", &h, 0).unwrap_err();
        assert_eq!(err.line, 2);
        assert!(err.reason.contains("expected `b`"), "{}", err.reason);
        let r = apply_hunks(b"a\nB\nc\nd\n", &h, 1).unwrap();
        assert_eq!(r.content, b"a\nB\nC\nd\n");
        assert_eq!(r.placements, vec![Placement::Fuzz { fuzz: 1, offset: 0 }]);
    }

    /// Found by the differential test: git never matches a hunk against lines an
    /// earlier hunk wrote, even when they are the nearest match.
    #[test]
    fn lines_written_by_earlier_hunks_are_not_matched_again() {
        let h =
            hunks("--- a/f\n+++ b/f\n@@ -8,3 +8,2 @@\n a\n-a\n e\n@@ -16,3 +15,2 @@\n e\n-e\n b\n");
        let file = b"a\na\na\na\na\na\nb\na\nb\na\ne\ne\nb\na\na\na\ne\ne\nb\nc\na\na";
        let r = apply_hunks(file, &h, 0).unwrap();
        assert_eq!(
            r.placements,
            vec![Placement::Offset(7), Placement::Offset(-4)]
        );
        assert_eq!(
            r.content,
            b"a\na\na\na\na\na\nb\na\nb\na\ne\nb\na\na\ne\ne\nb\nc\na\na"
        );
    }

    /// Also found by the differential test: git's byte-stream comparison lets a
    /// last context line without newline match a line that has one.
    #[test]
    fn last_line_without_newline_matches_a_longer_line_like_git() {
        let h =
            hunks("--- a/f\n+++ b/f\n@@ -8,3 +8,2 @@\n a\n-a\n a\n\\ No newline at end of file\n");
        let file = "a\n".repeat(10) + "a";
        let r = apply_hunks(file.as_bytes(), &h, 0).unwrap();
        assert_eq!(r.placements, vec![Placement::Exact]);
        assert_eq!(r.content, ("a\n".repeat(8) + "aa").as_bytes());
    }

    #[test]
    fn already_applied_is_recognised() {
        let h = hunks("--- a/f\n+++ b/f\n@@ -2,3 +2,3 @@\n b\n-c\n+C\n d\n");
        let err = apply_hunks(b"a\nb\nC\nd\n", &h, 0).unwrap_err();
        assert!(err.reason.contains("already"), "{}", err.reason);
    }
}
