//! `go.sum`: a set of `module version[/go.mod] hash` lines, kept in Go's order
//! (module path, then version, the `/go.mod` line after the module's own).

use super::ParseError;
use super::version;
use std::cmp::Ordering;
use std::collections::BTreeSet;

/// One `go.sum` line.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Line {
    /// Module path.
    pub path: String,
    /// Version, with a `/go.mod` suffix for the hash of the module's go.mod.
    pub version: String,
    /// The hash (`h1:…`).
    pub hash: String,
}

impl Line {
    fn text(&self) -> String {
        format!("{} {} {}", self.path, self.version, self.hash)
    }
}

/// Parse `text`: every non-empty line must have three fields.
pub fn parse(text: &str) -> Result<Vec<Line>, ParseError> {
    let mut out = Vec::new();
    for (n, l) in text.lines().enumerate() {
        let fields: Vec<&str> = l.split_whitespace().collect();
        match fields.as_slice() {
            [] => {}
            [p, v, h] => out.push(Line {
                path: p.to_string(),
                version: v.to_string(),
                hash: h.to_string(),
            }),
            _ => {
                return Err(ParseError::new(
                    n + 1,
                    format!("expected `MODULE VERSION HASH`, found `{l}`"),
                ));
            }
        }
    }
    Ok(out)
}

/// Go's order of two lines (`module.Sort`, then the hash).
pub fn order(a: &Line, b: &Line) -> Ordering {
    let split = |v: &str| -> (String, String) {
        match v.find('/') {
            Some(i) => (v[..i].to_string(), v[i..].to_string()),
            None => (v.to_string(), String::new()),
        }
    };
    let ((va, fa), (vb, fb)) = (split(&a.version), split(&b.version));
    a.path
        .cmp(&b.path)
        .then_with(|| match version::compare(&va, &vb) {
            Ordering::Equal => va.cmp(&vb),
            o => o,
        })
        .then_with(|| fa.cmp(&fb))
        .then_with(|| a.hash.cmp(&b.hash))
}

/// `target` with the lines of `removed` dropped and those of `added` put in
/// at their place in Go's order; the target's other lines stay as they were.
pub fn edit(target: &[Line], removed: &BTreeSet<Line>, added: &BTreeSet<Line>) -> String {
    let mut kept: Vec<Line> = target
        .iter()
        .filter(|l| !removed.contains(*l))
        .cloned()
        .collect();
    let have: BTreeSet<Line> = kept.iter().cloned().collect();
    for line in added.iter().filter(|l| !have.contains(*l)) {
        let at = kept
            .iter()
            .position(|k| order(k, line) == Ordering::Greater)
            .unwrap_or(kept.len());
        kept.insert(at, line.clone());
    }
    let mut out = String::new();
    for l in kept {
        out.push_str(&l.text());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{edit, parse};

    #[test]
    fn upstreams_lines_are_added_in_order_and_only_its_dropped_lines_go() {
        let target = parse("a.com/x v1.0.0 h1:X1=\na.com/x v1.0.0/go.mod h1:X1m=\nb.com/y v1.2.0 h1:Y=\nb.com/y v1.2.0/go.mod h1:Ym=\n").unwrap();
        let removed = parse("a.com/x v1.0.0 h1:X1=\nc.com/gone v1.0.0 h1:G=\n")
            .unwrap()
            .into_iter()
            .collect();
        let added = parse("a.com/x v1.10.0 h1:X10=\na.com/x v1.10.0/go.mod h1:X10m=\na.com/x v1.2.0/go.mod h1:X2m=\n")
            .unwrap()
            .into_iter()
            .collect();
        assert_eq!(
            edit(&target, &removed, &added),
            "a.com/x v1.0.0/go.mod h1:X1m=\na.com/x v1.2.0/go.mod h1:X2m=\na.com/x v1.10.0 h1:X10=\na.com/x v1.10.0/go.mod h1:X10m=\nb.com/y v1.2.0 h1:Y=\nb.com/y v1.2.0/go.mod h1:Ym=\n"
        );
        assert_eq!(parse("a b\n").unwrap_err().line, 1);
    }
}
