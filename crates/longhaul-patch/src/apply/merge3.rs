//! Three-way merge of file contents, for the `git am -3` fallback.
//!
//! Uses gitoxide's built-in text merge driver with the histogram diff, the
//! algorithm `git merge-ort` uses by default.

use gix::merge::blob::{Resolution, builtin_driver::text};

/// Merge `ours` and `theirs`, both descended from `base`. `None` on conflict.
pub fn merge(base: &[u8], ours: &[u8], theirs: &[u8]) -> Option<Vec<u8>> {
    if ours == base || ours == theirs {
        return Some(theirs.to_vec());
    }
    if theirs == base {
        return Some(ours.to_vec());
    }
    let mut out = Vec::with_capacity(ours.len().max(theirs.len()));
    let mut input = imara_diff::InternedInput::default();
    let options = text::Options {
        diff_algorithm: imara_diff::Algorithm::Histogram,
        conflict: text::Conflict::default(),
    };
    match gix::merge::blob::builtin_driver::text(
        &mut out,
        &mut input,
        Default::default(),
        ours,
        base,
        theirs,
        options,
    ) {
        Resolution::Complete => Some(out),
        Resolution::CompleteWithAutoResolvedConflict | Resolution::Conflict => None,
    }
}

#[cfg(test)]
mod tests {
    use super::merge;

    #[test]
    fn disjoint_changes_merge() {
        let base = b"a\nb\nc\nd\ne\nf\ng\n";
        let ours = b"A\nb\nc\nd\ne\nf\ng\n";
        let theirs = b"a\nb\nc\nd\ne\nf\nG\n";
        assert_eq!(merge(base, ours, theirs).unwrap(), b"A\nb\nc\nd\ne\nf\nG\n");
    }

    #[test]
    fn overlapping_changes_conflict() {
        assert!(merge(b"a\n", b"b\n", b"c\n").is_none());
    }
}
