//! The upstream tags the releases are built on, and which of them a clone
//! lacks. A partial clone (one tag, a shallow fetch) is the normal case: the
//! releases on a missing tag are unverifiable, the others are verified, and
//! the advice names exactly the tags to fetch.

use crate::release::manifest::Manifest;
use crate::repo;
use serde::Serialize;

/// A release whose base tag the upstream repository does not have.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MissingBase {
    /// The release.
    pub release: String,
    /// The upstream tag at the bottom of its chain.
    pub tag: String,
    /// The manifest line that names the tag (`base_release:`).
    pub line: usize,
}

/// The releases among `releases` whose chain's base tag `repo` lacks, in
/// the order given. A release whose chain does not resolve is left out (its
/// own error says why).
pub fn missing_bases(
    repo: &gix::Repository,
    manifest: &Manifest,
    releases: &[String],
) -> Vec<MissingBase> {
    let mut known: std::collections::BTreeMap<String, bool> = Default::default();
    let mut out = Vec::new();
    for name in releases {
        let Ok(chain) = manifest.chain(name) else {
            continue;
        };
        let bottom = chain[0];
        let tag = bottom.base_release.value.clone();
        let present = *known
            .entry(tag.clone())
            .or_insert_with(|| repo::resolve_commit(repo, &tag).is_ok());
        if !present {
            out.push(MissingBase {
                release: name.clone(),
                tag,
                line: bottom.base_release.line,
            });
        }
    }
    out
}

/// The distinct tags of `missing`, in first-seen order.
pub fn tags(missing: &[MissingBase]) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for m in missing {
        if !out.contains(&m.tag.as_str()) {
            out.push(&m.tag);
        }
    }
    out
}

/// The git commands that fetch exactly `tags` into `repo`: from its first
/// remote (`origin` when it has one), or, for a clone without a remote,
/// after adding the manifest's `base:` URL (else upstream Kubernetes') as
/// `origin`.
pub fn fetch_advice(repo: &gix::Repository, manifest: &Manifest, tags: &[&str]) -> String {
    let dir = repo.workdir().unwrap_or_else(|| repo.git_dir());
    let git = format!("git -C {}", shell_word(&dir.display().to_string()));
    let names = repo.remote_names();
    let remote = names
        .iter()
        .find(|n| n.as_ref() as &[u8] == b"origin")
        .or_else(|| names.iter().next())
        .map(|n| n.to_string());
    let fetch = |remote: &str| {
        let mut cmd = format!("{git} fetch --no-tags {}", shell_word(remote));
        for t in tags {
            cmd.push_str(&format!(" tag {}", shell_word(t)));
        }
        cmd
    };
    match remote {
        Some(r) => fetch(&r),
        None => {
            let url = manifest
                .base
                .as_deref()
                .filter(|b| b.starts_with("https://") || b.starts_with("http://"))
                .unwrap_or(KUBERNETES);
            format!(
                "{git} remote add origin {} && {}",
                shell_word(url),
                fetch("origin")
            )
        }
    }
}

/// Upstream Kubernetes, for a manifest without a `base:` URL.
const KUBERNETES: &str = "https://github.com/kubernetes/kubernetes";

/// `word` as one shell word: as is when it is plain, else single-quoted.
fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:=+@,%".contains(&b));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::shell_word;

    #[test]
    fn hostile_names_stay_one_shell_word() {
        assert_eq!(shell_word("v1.32.13"), "v1.32.13");
        assert_eq!(shell_word("a b"), "'a b'");
        assert_eq!(shell_word("x;rm -rf ~"), "'x;rm -rf ~'");
        assert_eq!(shell_word("it's"), "'it'\\''s'");
        assert_eq!(shell_word("$(id)"), "'$(id)'");
        assert_eq!(shell_word(""), "''");
    }
}
