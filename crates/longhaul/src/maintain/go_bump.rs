//! A Go toolchain bump as text edits, the way KLTS's `bump-go-*` patches
//! make it: each file of a release's tree that names the toolchain gets the
//! new version where it named the old one, and nothing else changes.
//!
//! The files: `build/build-image/cross/VERSION` (kube-cross tags such as
//! `v1.15.5-1` or `v1.21.0-go1.16.15-buster.0`), `.go-version`, `go.mod`'s
//! `toolchain` line (and its `go` line only when it names a full release:
//! `go 1.19` is a language version, not a toolchain), and the `golang` and
//! `kube-cross` entries of Kubernetes' `build/dependencies.yaml`. A file that
//! names a Go at or above the new one is left as it is (no downgrade).

use crate::deps::version::Version;

/// The files that name the toolchain, in the order they are edited.
pub const GO_FILES: [&str; 4] = [
    "build/build-image/cross/VERSION",
    ".go-version",
    "go.mod",
    "build/dependencies.yaml",
];

/// Whether `v` is a Go release as `deps bump go@V` takes it: digits and
/// dots only, two or three numbers (`1.15.15`, `1.22`).
pub fn valid_go_version(v: &str) -> bool {
    let parts: Vec<&str> = v.split('.').collect();
    (2..=3).contains(&parts.len())
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 6 && p.bytes().all(|b| b.is_ascii_digit()))
}

/// The edited text of the file `path` for a bump to Go `new`, or `None`
/// when the file names no older Go.
pub fn edit(path: &str, text: &str, new: &str) -> Option<String> {
    let out = match path {
        "go.mod" => edit_lines(text, |line| go_mod_line(line, new)),
        "build/dependencies.yaml" => edit_dependencies(text, new),
        _ => edit_lines(text, |line| retag(line, new)),
    };
    (out != text).then_some(out)
}

/// `text` with `f` applied to each line's body (line ends kept).
fn edit_lines(text: &str, mut f: impl FnMut(&str) -> Option<String>) -> String {
    text.split_inclusive('\n')
        .map(|l| {
            let body = l.trim_end_matches(['\n', '\r']);
            match f(body) {
                Some(new) => format!("{new}{}", &l[body.len()..]),
                None => l.to_string(),
            }
        })
        .collect()
}

/// A `go.mod` line: `toolchain goX` always, `go X.Y.Z` only with a patch
/// number (comments kept).
fn go_mod_line(line: &str, new: &str) -> Option<String> {
    let (code, comment) = match line.find("//") {
        Some(i) => line.split_at(i),
        None => (line, ""),
    };
    let mut words = code.split_whitespace();
    let (directive, value) = (words.next()?, words.next()?);
    let replaced = match directive {
        "toolchain" => retag(value, new)?,
        "go" if value.split('.').count() == 3 && valid_go_version(new) => {
            newer(value, new)?;
            new.to_string()
        }
        _ => return None,
    };
    let start = code.find(value)?;
    Some(format!(
        "{}{replaced}{}{comment}",
        &code[..start],
        &code[start + value.len()..]
    ))
}

/// `build/dependencies.yaml`: the `version:` lines of the entries named
/// `golang…` or `…kube-cross…`.
fn edit_dependencies(text: &str, new: &str) -> String {
    let mut in_go_entry = false;
    edit_lines(text, |line| {
        let t = line.trim_start();
        if let Some(name) = t.strip_prefix("- name:") {
            let name = name.to_ascii_lowercase();
            in_go_entry = name.contains("golang") || name.contains("kube-cross");
            return None;
        }
        let value = t.strip_prefix("version:")?;
        if !in_go_entry {
            return None;
        }
        let replaced = retag(value, new)?;
        Some(format!(
            "{}version:{replaced}",
            &line[..line.len() - t.len()]
        ))
    })
}

/// `s` with the Go version it names replaced by `new`: after `go` when it
/// has one (`v1.21.0-go1.16.15-buster.0`, `go1.21.5`), else the leading
/// version (`v1.15.5-1`, `1.15.5`, `"1.16.15"`). `None` when `s` names no
/// Go, or one at or above `new`.
fn retag(s: &str, new: &str) -> Option<String> {
    let (start, end) = go_span(s)?;
    newer(&s[start..end], new)?;
    Some(format!("{}{new}{}", &s[..start], &s[end..]))
}

/// The byte range of the Go version in `s`.
fn go_span(s: &str) -> Option<(usize, usize)> {
    let version_end = |from: usize| {
        from + s[from..]
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(s.len() - from)
    };
    let mut search = 0;
    while let Some(i) = s[search..].find("go") {
        let at = search + i + 2;
        if s[at..].starts_with(|c: char| c.is_ascii_digit()) {
            let end = version_end(at);
            let end = end - usize::from(s[..end].ends_with('.'));
            return valid_go_version(&s[at..end]).then_some((at, end));
        }
        search = at;
    }
    let lead = s.len() - s.trim_start_matches([' ', '"', '\'', 'v']).len();
    let end = version_end(lead);
    let end = end - usize::from(s[..end].ends_with('.'));
    valid_go_version(&s[lead..end]).then_some((lead, end))
}

/// `Some(())` when Go `old` is older than `new`.
fn newer(old: &str, new: &str) -> Option<()> {
    let (old, new) = (Version::parse_go(old)?, Version::parse_go(new)?);
    (old < new).then_some(())
}

#[cfg(test)]
mod tests {
    use super::{edit, valid_go_version};

    #[test]
    fn each_file_gets_the_new_version_where_it_named_the_old_one() {
        let new = "1.15.15";
        assert_eq!(
            edit("build/build-image/cross/VERSION", "v1.15.5-1\n", new).as_deref(),
            Some("v1.15.15-1\n")
        );
        assert_eq!(
            edit(
                "build/build-image/cross/VERSION",
                "v1.21.0-go1.15.5-buster.0\n",
                new
            )
            .as_deref(),
            Some("v1.21.0-go1.15.15-buster.0\n")
        );
        assert_eq!(
            edit(".go-version", "1.15.5\r\n", new).as_deref(),
            Some("1.15.15\r\n")
        );
        let go_mod = "module k8s.io/kubernetes\n\ngo 1.15\n\ntoolchain go1.15.5 // pinned\n";
        assert_eq!(
            edit("go.mod", go_mod, new).as_deref(),
            Some("module k8s.io/kubernetes\n\ngo 1.15\n\ntoolchain go1.15.15 // pinned\n")
        );
        assert_eq!(
            edit("go.mod", "go 1.15.5\n", new).as_deref(),
            Some("go 1.15.15\n")
        );
        let deps = "dependencies:\n  - name: \"golang: upstream version\"\n    version: 1.15.5\n    refPaths:\n  - name: \"etcd\"\n    version: 1.15.5\n  - name: \"k8s.gcr.io/kube-cross: dependents\"\n    version: v1.15.5-1\n";
        assert_eq!(
            edit("build/dependencies.yaml", deps, new).as_deref(),
            Some(
                "dependencies:\n  - name: \"golang: upstream version\"\n    version: 1.15.15\n    refPaths:\n  - name: \"etcd\"\n    version: 1.15.5\n  - name: \"k8s.gcr.io/kube-cross: dependents\"\n    version: v1.15.15-1\n"
            )
        );
    }

    #[test]
    fn no_downgrade_and_no_language_version_is_touched() {
        assert_eq!(edit(".go-version", "1.16.0\n", "1.15.15"), None);
        assert_eq!(edit(".go-version", "1.15.15\n", "1.15.15"), None);
        assert_eq!(edit("go.mod", "module m\n\ngo 1.15\n", "1.15.15"), None);
        assert_eq!(edit("go.mod", "module golang.org/x\n", "1.15.15"), None);
    }

    #[test]
    fn only_plain_versions_are_taken() {
        assert!(valid_go_version("1.15.15") && valid_go_version("1.22"));
        for bad in [
            "",
            "1",
            "1.15.15\n",
            "1.15/../x",
            "1.15.15 ",
            "1..2",
            "v1.2.3",
            "1.2.3.4",
        ] {
            assert!(!valid_go_version(bad), "{bad:?}");
        }
    }
}
