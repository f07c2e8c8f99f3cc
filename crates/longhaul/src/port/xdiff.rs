//! git's line diff as its merge computes it: xdiff's histogram algorithm and
//! its change compaction without the indent heuristic (merge-ort sets no
//! `XDF_INDENT_HEURISTIC`).
//!
//! imara-diff's histogram diff is close to git's but not the same: it strips
//! the common prefix and suffix first, which git's histogram does not, and on
//! files of repeated lines the two then anchor on different lines. A merge
//! that is to conflict exactly where `git cherry-pick` conflicts needs git's
//! own edit script, so this is xdiff's `xhistogram.c` and the compaction of
//! `xdiffi.c`, over imara-diff's interned lines.

use imara_diff::Token;

/// xdiff's limit on the occurrences of a line used as an anchor.
const MAX_CHAIN_LENGTH: u32 = 64;

/// One change of an edit script: `before` lines from `i1` replaced by `after`
/// lines from `i2` (0-based line numbers, counts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    /// First line in the old file.
    pub i1: usize,
    /// Lines of the old file.
    pub chg1: usize,
    /// First line in the new file.
    pub i2: usize,
    /// Lines of the new file.
    pub chg2: usize,
}

/// The edit script from `a` to `b` (tokens below `tokens`), as `git diff
/// --histogram --no-indent-heuristic` computes it.
pub fn diff(a: &[Token], b: &[Token], tokens: u32) -> Vec<Change> {
    let mut changed_a = vec![false; a.len()];
    let mut changed_b = vec![false; b.len()];
    {
        let mut h = Histogram {
            a,
            b,
            changed_a: &mut changed_a,
            changed_b: &mut changed_b,
            first: vec![(0, 0); tokens as usize],
            next: vec![0; a.len() + 1],
        };
        h.diff(1, a.len(), 1, b.len());
    }
    compact(a, &mut changed_a, &changed_b);
    compact(b, &mut changed_b, &changed_a);
    script(&changed_a, &changed_b)
}

/// The histogram diff's state; line numbers are 1-based, as in xdiff.
struct Histogram<'a> {
    a: &'a [Token],
    b: &'a [Token],
    changed_a: &'a mut [bool],
    changed_b: &'a mut [bool],
    /// Per token, in the region being searched: its first line and count
    /// (reset after each search).
    first: Vec<(usize, u32)>,
    /// Per line of `a` (1-based), the next line of the region with its token.
    next: Vec<usize>,
}

/// The longest common region found: lines `begin1..=end1` and `begin2..=end2`.
#[derive(Default, Clone, Copy)]
struct Region {
    begin1: usize,
    end1: usize,
    begin2: usize,
    end2: usize,
}

/// The search state of one region: xdiff's `histindex` counters.
struct Index {
    cnt: u32,
    has_common: bool,
}

impl Histogram<'_> {
    fn diff(&mut self, mut line1: usize, mut count1: usize, mut line2: usize, mut count2: usize) {
        loop {
            if count1 == 0 {
                self.changed_b[line2 - 1..line2 - 1 + count2].fill(true);
                return;
            }
            if count2 == 0 {
                self.changed_a[line1 - 1..line1 - 1 + count1].fill(true);
                return;
            }
            match self.find_lcs(line1, count1, line2, count2) {
                None => return self.classic(line1, count1, line2, count2),
                Some(lcs) if lcs.begin1 == 0 && lcs.begin2 == 0 => {
                    self.changed_a[line1 - 1..line1 - 1 + count1].fill(true);
                    self.changed_b[line2 - 1..line2 - 1 + count2].fill(true);
                    return;
                }
                Some(lcs) => {
                    self.diff(line1, lcs.begin1 - line1, line2, lcs.begin2 - line2);
                    count1 = line1 + count1 - 1 - lcs.end1;
                    line1 = lcs.end1 + 1;
                    count2 = line2 + count2 - 1 - lcs.end2;
                    line2 = lcs.end2 + 1;
                }
            }
        }
    }

    /// xdiff's `find_lcs`: `None` when every common line is too frequent (the
    /// classic diff decides then).
    fn find_lcs(
        &mut self,
        line1: usize,
        count1: usize,
        line2: usize,
        count2: usize,
    ) -> Option<Region> {
        let a = self.a;
        for ptr in (line1..line1 + count1).rev() {
            let entry = &mut self.first[a[ptr - 1].0 as usize];
            let (first, count) = if entry.1 == 0 { (0, 0) } else { *entry };
            self.next[ptr] = first;
            *entry = (ptr, count.saturating_add(1));
        }
        let mut index = Index {
            cnt: MAX_CHAIN_LENGTH + 1,
            has_common: false,
        };
        let mut lcs = Region::default();
        let mut b_ptr = line2;
        while b_ptr < line2 + count2 {
            b_ptr = self.try_lcs(&mut index, &mut lcs, b_ptr, [line1, count1, line2, count2]);
        }
        for ptr in line1..line1 + count1 {
            self.first[a[ptr - 1].0 as usize] = (0, 0);
        }
        if index.has_common && MAX_CHAIN_LENGTH < index.cnt {
            return None;
        }
        Some(lcs)
    }

    /// xdiff's `try_lcs` for line `b_ptr` of `b`: the next line of `b` to try.
    fn try_lcs(
        &self,
        index: &mut Index,
        lcs: &mut Region,
        b_ptr: usize,
        [line1, count1, line2, count2]: [usize; 4],
    ) -> usize {
        let (a, b) = (self.a, self.b);
        let (end_1, end_2) = (line1 + count1 - 1, line2 + count2 - 1);
        let count = |line: usize| self.first[a[line - 1].0 as usize].1;
        let mut b_next = b_ptr + 1;
        let (first, rec_cnt) = self
            .first
            .get(b[b_ptr - 1].0 as usize)
            .copied()
            .unwrap_or((0, 0));
        if rec_cnt == 0 {
            return b_next;
        }
        index.has_common = true;
        if rec_cnt > index.cnt {
            return b_next;
        }
        let mut as_ = first;
        loop {
            let mut np = self.next[as_];
            let (mut bs, mut ae, mut be, mut rc) = (b_ptr, as_, b_ptr, rec_cnt);
            while line1 < as_ && line2 < bs && a[as_ - 2] == b[bs - 2] {
                as_ -= 1;
                bs -= 1;
                if 1 < rc {
                    rc = rc.min(count(as_));
                }
            }
            while ae < end_1 && be < end_2 && a[ae] == b[be] {
                ae += 1;
                be += 1;
                if 1 < rc {
                    rc = rc.min(count(ae));
                }
            }
            if b_next <= be {
                b_next = be + 1;
            }
            if lcs.end1 - lcs.begin1 < ae - as_ || rc < index.cnt {
                *lcs = Region {
                    begin1: as_,
                    end1: ae,
                    begin2: bs,
                    end2: be,
                };
                index.cnt = rc;
            }
            while np != 0 && np <= ae {
                np = self.next[np];
            }
            if np == 0 {
                return b_next;
            }
            as_ = np;
        }
    }

    /// git falls back to its classic (Myers) diff here; imara-diff's Myers.
    fn classic(&mut self, line1: usize, count1: usize, line2: usize, count2: usize) {
        let (a, b) = (
            &self.a[line1 - 1..line1 - 1 + count1],
            &self.b[line2 - 1..line2 - 1 + count2],
        );
        let tokens = a.iter().chain(b).map(|t| t.0 + 1).max().unwrap_or(0);
        let mut d = imara_diff::Diff::default();
        d.compute_with(imara_diff::Algorithm::Myers, a, b, tokens);
        for i in 0..count1 {
            self.changed_a[line1 - 1 + i] = d.is_removed(i as u32);
        }
        for i in 0..count2 {
            self.changed_b[line2 - 1 + i] = d.is_added(i as u32);
        }
    }
}

/// A run of changed lines `start..end` in one file (empty between two
/// unchanged lines), as xdiff's `struct xdlgroup`.
#[derive(Clone, Copy)]
struct Group {
    start: usize,
    end: usize,
}

/// A file's changed lines, read as xdiff reads them (false outside the file).
struct Changed<'a>(&'a mut [bool]);

impl Changed<'_> {
    fn at(&self, i: isize) -> bool {
        i >= 0 && (i as usize) < self.0.len() && self.0[i as usize]
    }

    fn init(&self) -> Group {
        let mut end = 0;
        while self.at(end as isize) {
            end += 1;
        }
        Group { start: 0, end }
    }

    fn next(&self, g: &mut Group) -> bool {
        if g.end == self.0.len() {
            return false;
        }
        g.start = g.end + 1;
        g.end = g.start;
        while self.at(g.end as isize) {
            g.end += 1;
        }
        true
    }

    fn previous(&self, g: &mut Group) -> bool {
        if g.start == 0 {
            return false;
        }
        g.end = g.start - 1;
        g.start = g.end;
        while self.at(g.start as isize - 1) {
            g.start -= 1;
        }
        true
    }

    fn slide_down(&mut self, lines: &[Token], g: &mut Group) -> bool {
        if g.end < lines.len() && lines[g.start] == lines[g.end] {
            self.0[g.start] = false;
            self.0[g.end] = true;
            g.start += 1;
            g.end += 1;
            while self.at(g.end as isize) {
                g.end += 1;
            }
            return true;
        }
        false
    }

    fn slide_up(&mut self, lines: &[Token], g: &mut Group) -> bool {
        if g.start > 0 && lines[g.start - 1] == lines[g.end - 1] {
            g.start -= 1;
            g.end -= 1;
            self.0[g.start] = true;
            self.0[g.end] = false;
            while self.at(g.start as isize - 1) {
                g.start -= 1;
            }
            return true;
        }
        false
    }
}

/// xdiff's `xdl_change_compact` without the indent heuristic: each group of
/// changed lines of `lines` slid as far down as it goes, or back up to line up
/// with a change in the other file.
fn compact(lines: &[Token], changed: &mut [bool], other: &[bool]) {
    let mut other = other.to_vec();
    let (mut f, o) = (Changed(changed), Changed(&mut other));
    let (mut g, mut go) = (f.init(), o.init());
    loop {
        if g.end != g.start {
            let mut earliest_end;
            let mut end_matching_other;
            loop {
                let size = g.end - g.start;
                end_matching_other = None;
                while f.slide_up(lines, &mut g) {
                    assert!(o.previous(&mut go), "group sync broken sliding up");
                }
                earliest_end = g.end;
                if go.end > go.start {
                    end_matching_other = Some(g.end);
                }
                while f.slide_down(lines, &mut g) {
                    assert!(o.next(&mut go), "group sync broken sliding down");
                    if go.end > go.start {
                        end_matching_other = Some(g.end);
                    }
                }
                if size == g.end - g.start {
                    break;
                }
            }
            if g.end != earliest_end && end_matching_other.is_some() {
                while go.end == go.start {
                    assert!(f.slide_up(lines, &mut g), "match disappeared");
                    assert!(o.previous(&mut go), "group sync broken sliding to match");
                }
            }
        }
        if !f.next(&mut g) {
            break;
        }
        assert!(o.next(&mut go), "group sync broken moving to next group");
    }
}

/// The changes of two files' changed-line marks, in order.
fn script(changed_a: &[bool], changed_b: &[bool]) -> Vec<Change> {
    let (mut i1, mut i2) = (0, 0);
    let mut out = Vec::new();
    while i1 < changed_a.len() || i2 < changed_b.len() {
        if changed_a.get(i1) == Some(&true) || changed_b.get(i2) == Some(&true) {
            let (s1, s2) = (i1, i2);
            while changed_a.get(i1) == Some(&true) {
                i1 += 1;
            }
            while changed_b.get(i2) == Some(&true) {
                i2 += 1;
            }
            out.push(Change {
                i1: s1,
                chg1: i1 - s1,
                i2: s2,
                chg2: i2 - s2,
            });
        } else {
            i1 += 1;
            i2 += 1;
        }
    }
    out
}
