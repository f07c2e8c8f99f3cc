//! Rung 3: conflict regions where the target's side differs from the base
//! only in whitespace.
//!
//! When the old line re-indented or re-wrapped lines (gofmt, an editor) that
//! upstream's fix changes, the line merge conflicts although the target made no
//! change of substance there. In such a region upstream's side is taken; the
//! guard then checks the whole result as for every rung (so a target's
//! whitespace change that upstream's side would undo outside upstream's own
//! lines is refused there).
//!
//! Measured on the real backports of bench/backport-lineage.sh, this is the
//! only retry that pays: on cri-o it turns 2 conflicts into the maintainer's
//! exact tree and produces no divergent result (helm: no change). Two other
//! retries were measured and **not** kept because they produce more trees the
//! maintainer did not commit than trees they did: merging changes that only
//! touch (helm 6 exact / 26 different, cri-o 7 / 15), and `go.mod`/`go.sum`
//! merged by module, raising the old line's version to upstream's (helm 5 / 26:
//! maintainers also raise the dependencies the new version needs, which the
//! repository cannot tell). Myers instead of histogram for the merge changed
//! nothing on either corpus.

/// Bytes without ASCII whitespace.
fn squeezed(lines: &[&[u8]]) -> Vec<u8> {
    lines
        .iter()
        .flat_map(|l| l.iter().copied())
        .filter(|b| !b.is_ascii_whitespace())
        .collect()
}

/// A file with diff3 conflict markers (`<<<<<<< `, `||||||| `, `=======`,
/// `>>>>>>> `) resolved region by region: upstream's side where the target's
/// differs from the base only in whitespace; `None` when a region is any other
/// conflict or the markers are not well formed.
pub fn resolve_whitespace(marked: &[u8]) -> Option<Vec<u8>> {
    let lines: Vec<&[u8]> = marked.split_inclusive(|&b| b == b'\n').collect();
    let is = |l: &[u8], m: &[u8]| {
        l.starts_with(m) && (l.len() == m.len() || matches!(l[m.len()], b' ' | b'\n' | b'\r'))
    };
    let mut out = Vec::with_capacity(marked.len());
    let mut i = 0;
    while i < lines.len() {
        if !is(lines[i], b"<<<<<<<") {
            out.extend_from_slice(lines[i]);
            i += 1;
            continue;
        }
        let find = |from: usize, m: &[u8]| (from..lines.len()).find(|&j| is(lines[j], m));
        let mid = find(i + 1, b"|||||||")?;
        let sep = find(mid + 1, b"=======")?;
        let end = find(sep + 1, b">>>>>>>")?;
        if lines[i + 1..end].iter().any(|l| is(l, b"<<<<<<<"))
            || lines[mid + 1..end].iter().any(|l| is(l, b"|||||||"))
        {
            return None; // nested or malformed
        }
        if squeezed(&lines[i + 1..mid]) != squeezed(&lines[mid + 1..sep]) {
            return None;
        }
        for l in &lines[sep + 1..end] {
            out.extend_from_slice(l);
        }
        i = end + 1;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::resolve_whitespace;

    fn marked(ours: &str, base: &str, theirs: &str) -> String {
        format!(
            "head\n<<<<<<< target\n{ours}||||||| base\n{base}=======\n{theirs}>>>>>>> upstream\ntail\n"
        )
    }

    /// The target only re-indented the region: upstream's side is taken.
    #[test]
    fn a_whitespace_only_target_side_takes_upstream() {
        let m = marked(
            "\tif x {\n\t\treturn\n\t}\n",
            "  if x {\n    return\n  }\n",
            "  if x {\n    return err\n  }\n",
        );
        assert_eq!(
            String::from_utf8(resolve_whitespace(m.as_bytes()).unwrap()).unwrap(),
            "head\n  if x {\n    return err\n  }\ntail\n"
        );
    }

    /// A change of substance on the target, or broken markers, stay conflicts.
    #[test]
    fn other_conflicts_stay_conflicts() {
        assert!(resolve_whitespace(marked("a\nB\n", "a\nb\n", "a\nC\n").as_bytes()).is_none());
        assert!(resolve_whitespace(b"<<<<<<< target\nno end\n").is_none());
    }
}
