//! The three-way merge of one text file as `git merge-tree` (merge-ort, and
//! xdiff under it) decides it: which changes conflict, and the merged text.
//!
//! gitoxide's blob merge differs from git's in two ways that matter: it places
//! each side's changes with git's *indent heuristic*, which git's merge does
//! not use (merge-ort sets no `XDF_INDENT_HEURISTIC`, so an ambiguous insertion
//! slides down as far as it goes), and imara-diff's histogram diff strips the
//! common prefix and suffix first, which git's does not. Where the two differ,
//! a change that touches the other side's change in git (a conflict) may be
//! apart in gitoxide (a clean merge), or the other way round. On podman's
//! release branches that gave a clean result that was not what the maintainer
//! committed where `git cherry-pick` conflicts; on generated files of repeated
//! lines gitoxide disagrees with `git merge-file` on about 2 % of merges, this
//! module on none (tests/git_oracle.rs).
//!
//! So the files both sides changed are merged here as xdiff merges them: git's
//! histogram diffs (see [`super::xdiff`]), changes of the two sides that
//! overlap or touch (no unchanged line between them in the base) are a
//! conflict unless they are the same change or make the region read the same
//! (git's "zealous" merge level, `git merge-tree`'s default). Conflict regions
//! get diff3 markers (not split further, as git's diff3 style shows them).

use super::xdiff::{self, Change};
use imara_diff::Token;

/// The merged text, and how many conflict regions it has (0: a clean merge).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merged {
    /// The merged text, with diff3 markers around each conflict region.
    pub text: Vec<u8>,
    /// Conflict regions.
    pub conflicts: usize,
}

/// What a region of the merge takes (xdiff's `xdmerge_t` modes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Take {
    Conflict,
    Ours,
    Theirs,
    /// Both sides made it read the same.
    Same,
}

/// A region of the merge: base lines `i0..i0+chg0`, the target's `i1..i1+chg1`,
/// upstream's `i2..i2+chg2`.
#[derive(Debug, Clone, Copy)]
struct Region {
    take: Take,
    i0: isize,
    chg0: isize,
    i1: isize,
    chg1: isize,
    i2: isize,
    chg2: isize,
}

impl Region {
    /// The line range `at..at+len` (xdiff's signed arithmetic, never negative
    /// for a region it fills).
    fn lines(at: isize, len: isize) -> std::ops::Range<usize> {
        at.max(0) as usize..(at + len).max(0) as usize
    }
}

/// Merge `ours` and `theirs`, both changed from `base`, as `git merge-tree`
/// does (xdiff's merge at its "zealous" level); markers are labelled
/// `target`, `base` and `upstream`.
pub fn merge(base: &[u8], ours: &[u8], theirs: &[u8]) -> Merged {
    let mut input = imara_diff::InternedInput::new(
        imara_diff::sources::byte_lines(base),
        imara_diff::sources::byte_lines(ours),
    );
    let ours_tokens = std::mem::take(&mut input.after);
    input.update_after(imara_diff::sources::byte_lines(theirs));
    let (b, o, t) = (&input.before, &ours_tokens, &input.after);
    let tokens = input.interner.num_tokens();
    let (x1, x2) = (xdiff::diff(b, o, tokens), xdiff::diff(b, t, tokens));
    if x1.is_empty() || x2.is_empty() {
        let text = if x1.is_empty() { theirs } else { ours };
        return Merged {
            text: text.to_vec(),
            conflicts: 0,
        };
    }
    let mut regions = regions(&x1, &x2, o, t, [b.len(), o.len(), t.len()]);
    // The zealous level: a conflict whose two sides read the same is none.
    for r in &mut regions {
        if r.take == Take::Conflict
            && r.chg1 > 0
            && r.chg2 > 0
            && o[Region::lines(r.i1, r.chg1)] == t[Region::lines(r.i2, r.chg2)]
        {
            r.take = Take::Same;
        }
    }
    fn lines(text: &[u8]) -> Vec<&[u8]> {
        text.split_inclusive(|&c| c == b'\n').collect()
    }
    fill(&regions, [&lines(base), &lines(ours), &lines(theirs)])
}

/// xdiff's `xdl_do_merge`: the two edit scripts walked together; changes of
/// the two sides that overlap or touch in the base are a conflict unless they
/// are the same change.
fn regions(
    x1: &[Change],
    x2: &[Change],
    o: &[Token],
    t: &[Token],
    [nb, no, nt]: [usize; 3],
) -> Vec<Region> {
    let mut out: Vec<Region> = Vec::new();
    let (mut a, mut b) = (0, 0);
    let side =
        |take, i0: usize, chg0: usize, i1: isize, chg1: usize, i2: isize, chg2: usize| Region {
            take,
            i0: i0 as isize,
            chg0: chg0 as isize,
            i1,
            chg1: chg1 as isize,
            i2,
            chg2: chg2 as isize,
        };
    let s = |v: usize| v as isize;
    while a < x1.len() && b < x2.len() {
        let (c1, c2) = (x1[a], x2[b]);
        if c1.i1 + c1.chg1 < c2.i1 {
            let i2 = s(c2.i2) - s(c2.i1) + s(c1.i1);
            append(
                &mut out,
                side(Take::Ours, c1.i1, c1.chg1, s(c1.i2), c1.chg2, i2, c1.chg1),
            );
            a += 1;
            continue;
        }
        if c2.i1 + c2.chg1 < c1.i1 {
            let i1 = s(c1.i2) - s(c1.i1) + s(c2.i1);
            append(
                &mut out,
                side(Take::Theirs, c2.i1, c2.chg1, i1, c2.chg1, s(c2.i2), c2.chg2),
            );
            b += 1;
            continue;
        }
        let same = c1.i1 == c2.i1
            && c1.chg1 == c2.chg1
            && c1.chg2 == c2.chg2
            && o[c1.i2..c1.i2 + c1.chg2] == t[c2.i2..c2.i2 + c2.chg2];
        if !same {
            let off = c1.i1 as isize - c2.i1 as isize;
            let ffo = off + c1.chg1 as isize - c2.chg1 as isize;
            let (mut i0, mut i1, mut i2) = (c1.i1 as isize, c1.i2 as isize, c2.i2 as isize);
            if off > 0 {
                i0 -= off;
                i1 -= off;
            } else {
                i2 += off;
            }
            let mut chg0 = (c1.i1 + c1.chg1) as isize - i0;
            let mut chg1 = (c1.i2 + c1.chg2) as isize - i1;
            let mut chg2 = (c2.i2 + c2.chg2) as isize - i2;
            if ffo < 0 {
                chg0 -= ffo;
                chg1 -= ffo;
            } else {
                chg2 += ffo;
            }
            append(
                &mut out,
                Region {
                    take: Take::Conflict,
                    i0,
                    chg0,
                    i1,
                    chg1,
                    i2,
                    chg2,
                },
            );
        }
        let (e1, e2) = (c1.i1 + c1.chg1, c2.i1 + c2.chg1);
        if e1 >= e2 {
            b += 1;
        }
        if e2 >= e1 {
            a += 1;
        }
    }
    for c1 in &x1[a..] {
        let i2 = s(c1.i1) + s(nt) - s(nb);
        append(
            &mut out,
            side(Take::Ours, c1.i1, c1.chg1, s(c1.i2), c1.chg2, i2, c1.chg1),
        );
    }
    for c2 in &x2[b..] {
        let i1 = s(c2.i1) + s(no) - s(nb);
        append(
            &mut out,
            side(Take::Theirs, c2.i1, c2.chg1, i1, c2.chg1, s(c2.i2), c2.chg2),
        );
    }
    out
}

/// xdiff's `xdl_append_merge`: a region that overlaps the last one in either
/// side's lines joins it (a conflict when they take different sides).
fn append(out: &mut Vec<Region>, r: Region) {
    if let Some(m) = out.last_mut()
        && (r.i1 <= m.i1 + m.chg1 || r.i2 <= m.i2 + m.chg2)
    {
        if r.take != m.take {
            m.take = Take::Conflict;
        }
        m.chg0 = r.i0 + r.chg0 - m.i0;
        m.chg1 = r.i1 + r.chg1 - m.i1;
        m.chg2 = r.i2 + r.chg2 - m.i2;
        return;
    }
    out.push(r);
}

/// xdiff's `xdl_fill_merge_buffer` with diff3 conflicts: the target's lines
/// between regions, each region's chosen side.
fn fill(regions: &[Region], [base, ours, theirs]: [&[&[u8]]; 3]) -> Merged {
    let mut text = Vec::new();
    let mut conflicts = 0;
    let mut i: isize = 0;
    let copy = |out: &mut Vec<u8>, lines: &[&[u8]], add_nl: bool| {
        for l in lines {
            out.extend_from_slice(l);
        }
        if add_nl && lines.last().is_some_and(|l| !l.ends_with(b"\n")) {
            out.push(b'\n');
        }
    };
    for m in regions {
        match m.take {
            Take::Conflict => {
                conflicts += 1;
                copy(&mut text, &ours[Region::lines(i, m.i1 - i)], false);
                text.extend_from_slice(b"<<<<<<< target\n");
                copy(&mut text, &ours[Region::lines(m.i1, m.chg1)], true);
                text.extend_from_slice(b"||||||| base\n");
                copy(&mut text, &base[Region::lines(m.i0, m.chg0)], true);
                text.extend_from_slice(b"=======\n");
                copy(&mut text, &theirs[Region::lines(m.i2, m.chg2)], true);
                text.extend_from_slice(b">>>>>>> upstream\n");
            }
            Take::Ours => copy(&mut text, &ours[Region::lines(i, m.i1 + m.chg1 - i)], false),
            Take::Theirs => {
                let from = m.i2 - m.i1 + i;
                copy(
                    &mut text,
                    &theirs[Region::lines(from, m.i2 + m.chg2 - from)],
                    false,
                );
            }
            Take::Same => continue,
        }
        i = m.i1 + m.chg1;
    }
    copy(&mut text, &ours[i.max(0) as usize..], false);
    Merged { text, conflicts }
}

#[cfg(test)]
mod tests {
    use super::merge;

    fn text(lines: &[&str]) -> Vec<u8> {
        lines
            .iter()
            .map(|l| format!("{l}\n"))
            .collect::<String>()
            .into_bytes()
    }

    /// Changes apart from each other merge; the same change on both sides is clean.
    #[test]
    fn separate_and_identical_changes_merge() {
        let base = text(&["a", "b", "c", "d", "e"]);
        let ours = text(&["A", "b", "c", "d", "e"]);
        let theirs = text(&["a", "b", "c", "d", "E"]);
        let m = merge(&base, &ours, &theirs);
        assert_eq!((m.text, m.conflicts), (text(&["A", "b", "c", "d", "E"]), 0));
        let m = merge(&base, &ours, &ours);
        assert_eq!((m.text, m.conflicts), (ours.clone(), 0));
    }

    /// Changes with no unchanged line between them conflict, as in git.
    #[test]
    fn touching_changes_conflict() {
        let base = text(&["a", "b", "c"]);
        let ours = text(&["a", "B", "c"]);
        let theirs = text(&["a", "b", "C"]);
        let m = merge(&base, &ours, &theirs);
        assert_eq!(m.conflicts, 1);
        assert_eq!(
            String::from_utf8(m.text).unwrap(),
            "a\n<<<<<<< target\nB\nc\n||||||| base\nb\nc\n=======\nb\nC\n>>>>>>> upstream\n"
        );
    }

    /// An insertion ending with a copy of the line above it slides down, as git
    /// slides it (no indent heuristic), onto upstream's change: a conflict.
    #[test]
    fn an_ambiguous_insertion_slides_down_onto_the_other_change() {
        let base = text(&["  - env:", "      FROM: v4.8.0", "  end"]);
        let ours = text(&[
            "  - env:",
            "      # comment",
            "      FROM: v4.3.1",
            "  - env:",
            "      FROM: v4.8.0",
            "  end",
        ]);
        let theirs = text(&["  - env:", "      FROM: v5.3.1", "  end"]);
        assert_eq!(merge(&base, &ours, &theirs).conflicts, 1);
    }
}
