//! Release names: each becomes a git tag (`build`) and, through
//! [`crate::publish::site::slug`], file names (review files, site pages,
//! notes, VEX documents). A name a pull request writes must be a valid tag
//! name as `git check-ref-format refs/tags/NAME` says, and not one git would
//! confuse with another ref (`HEAD`, `refs/heads/main`, a leading `-`).

/// Why `name` cannot be a release (tag) name, or `None` when it can.
pub fn problem(name: &str) -> Option<String> {
    let full = format!("refs/tags/{name}");
    if let Err(e) = gix::validate::reference::name(full.as_str().into()) {
        return Some(format!(
            "`{name}` is not a valid git tag name ({e}; see `git check-ref-format`)"
        ));
    }
    if name == "HEAD" || name.starts_with('-') || name.starts_with("refs/") {
        return Some(format!(
            "`{name}` would be a tag git confuses with another ref (HEAD, a name starting with `-` or `refs/`)"
        ));
    }
    if name.split('/').any(|c| c == "." || c == "..") {
        return Some(format!("`{name}` has a `.` or `..` path component"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::problem;

    /// git is the oracle: every name `git check-ref-format` refuses is refused
    /// here (the stricter rules on top refuse more, never less).
    #[test]
    fn names_git_refuses_are_refused() {
        for name in [
            "v1.0.3-lts.2",
            "v1.0.3-lts.2/../../../../../outside/REVTRAV",
            "v1.1.1-lts.2/x",
            "a..b",
            "a b",
            "a~1",
            "a^",
            "a:b",
            "a?",
            "a*",
            "a[b",
            "a\\b",
            "a.lock",
            "a/.b",
            "a.",
            "@",
            "a@{1}",
            "a//b",
            "a/",
            "",
            "HEAD",
            "-v1",
            "refs/heads/main",
            "v1.1.1-lts.1<script>",
        ] {
            let git = std::process::Command::new("git")
                .args(["check-ref-format", &format!("refs/tags/{name}")])
                .output()
                .unwrap();
            if !git.status.success() {
                assert!(
                    problem(name).is_some(),
                    "git refuses {name:?}, we accept it"
                );
            }
        }
        assert_eq!(problem("v1.20.15-lts.3"), None);
        assert!(problem("v1.0.3-lts.2/../../../../../outside/REVTRAV").is_some());
        assert!(problem("HEAD").is_some());
        assert!(problem("refs/heads/main").is_some());
    }
}
