//! Adding the next `-lts.N` release of a line: a new entry just above the
//! line's newest release, stacked on it, with no patches yet. [`bump`] takes a
//! [`BumpRequest`] and returns a [`BumpReport`].

use super::edit::{Edits, NewRelease, unified_diff, write_manifest};
use super::{Error, Inputs};
use crate::release::manifest::Manifest;

/// The lines to bump.
pub struct BumpRequest<'a> {
    /// Lines (`1.28`) or release names, each getting its next release.
    pub lines: &'a [String],
}

/// What a bump added.
pub struct BumpReport {
    /// The new releases, in the order asked.
    pub added: Vec<String>,
    /// The manifest's change as a unified diff.
    pub manifest_diff: String,
}

/// Add the next release of every line of `request` to the manifest of
/// `inputs`, all or none: the edited manifest is checked to parse to what was
/// intended before it is written.
pub fn bump(inputs: &dyn Inputs, request: &BumpRequest<'_>) -> Result<BumpReport, Error> {
    let manifest = inputs.manifest().map_err(Error::Other)?;
    let text = crate::fs::read_text(&manifest.path)?;
    let mut edits = Edits::new(&text, &manifest.path);
    let mut added = Vec::new();
    for line in request.lines {
        let newest = newest_of(&manifest, line)?;
        let name = next_name(&newest).ok_or_else(|| {
            input(format!(
                "release `{newest}` does not end in `-lts.N`; cannot name the next one"
            ))
        })?;
        if manifest.releases.iter().any(|r| r.name == name) || added.contains(&name) {
            return Err(input(format!(
                "{}: release `{name}` already exists",
                manifest.path.display()
            )));
        }
        edits.add_release(
            NewRelease {
                name: name.clone(),
                base_release: newest.clone(),
                must: true,
                patches: Vec::new(),
            },
            &newest,
        )?;
        added.push(name);
    }
    let new_text = edits.finish(&manifest)?;
    write_manifest(&manifest, &new_text)?;
    let manifest_diff = unified_diff(&text, &new_text, &super::shown_name(&manifest.path));
    Ok(BumpReport {
        added,
        manifest_diff,
    })
}

/// An error in the request.
fn input(message: String) -> Error {
    Error::Longhaul(crate::Error::Input(message))
}

/// The newest release of `line` (`1.28`, or a release name given as is): the
/// first listed shipped release of that line.
pub fn newest_of(manifest: &Manifest, line: &str) -> Result<String, Error> {
    if manifest.releases.iter().any(|r| r.name == line) {
        return Ok(line.to_string());
    }
    let wanted = crate::release::line::Minor::parse_line(line);
    crate::release::line::lines(manifest)
        .into_iter()
        .find(|l| Some(l.minor) == wanted)
        .map(|l| l.newest().name.clone())
        .ok_or_else(|| {
            input(format!(
                "{}: no shipped release of line `{}` (expected a line such as 1.28 or a release name)",
                manifest.path.display(),
                line.trim_start_matches('v')
            ))
        })
}

/// `v1.28.15-lts.2` → `v1.28.15-lts.3`.
fn next_name(name: &str) -> Option<String> {
    let (stem, n) = name.rsplit_once("-lts.")?;
    let n: u32 = n.parse().ok()?;
    Some(format!("{stem}-lts.{}", n + 1))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_next_name_counts_up_and_needs_an_lts_suffix() {
        assert_eq!(
            super::next_name("v1.28.15-lts.2").as_deref(),
            Some("v1.28.15-lts.3")
        );
        assert_eq!(super::next_name("v1.28.15"), None);
        assert_eq!(super::next_name("v1.28.15-lts.x"), None);
    }
}
