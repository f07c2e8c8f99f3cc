//! Line edits to the manifest that keep everything else byte for byte: its
//! comments (KLTS's carry CVSS scores and why a patch is commented out), its
//! order and its formatting.
//!
//! Each edit inserts or rewrites only the lines that change, in the file's own
//! indentation, and [`Edits::finish`] parses the result again and checks that it
//! says what was intended: an edit that would leave the manifest invalid, or
//! meaning something else, is an error and nothing is written.

use crate::error::{Error, Result};
use crate::release::manifest::{Manifest, Reason};
use std::path::Path;

/// A new `patches:` definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPatch {
    /// Patch name (what releases list).
    pub name: String,
    /// Its file, relative to the manifest's folder.
    pub file: String,
    /// CVEs it fixes.
    pub cves: Vec<String>,
    /// A one-line note.
    pub note: Option<String>,
    /// Why it is carried (`reason:`), when it says so.
    pub reason: Option<Reason>,
}

/// A new release entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRelease {
    /// Release name.
    pub name: String,
    /// What it stacks on.
    pub base_release: String,
    /// `must: true`.
    pub must: bool,
    /// Its patches (names).
    pub patches: Vec<String>,
}

/// Pending edits to one manifest's text.
#[derive(Debug, Clone)]
pub struct Edits {
    path: std::path::PathBuf,
    lines: Vec<String>,
    /// What the result must contain: (release, patch) pairs, new definitions,
    /// new releases.
    added_to_release: Vec<(String, String)>,
    added_patches: Vec<NewPatch>,
    added_releases: Vec<NewRelease>,
    /// Every line of the original ends in CRLF: so do the edited ones.
    crlf: bool,
}

fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

fn is_blank_or_comment(line: &str) -> bool {
    let t = line.trim_start();
    t.is_empty() || t.starts_with('#')
}

/// A YAML scalar written plainly when that is safe, else double-quoted.
fn scalar(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./+".contains(c))
        && !matches!(
            s,
            "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "~"
        );
    if plain {
        s.to_string()
    } else {
        serde_json::to_string(s).expect("a string serializes")
    }
}

impl Edits {
    /// Start editing the manifest text `text` read from `path`.
    pub fn new(text: &str, path: &Path) -> Self {
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        let crlf = !lines.is_empty() && lines.iter().all(|l| l.ends_with("\r\n"));
        Edits {
            path: path.to_path_buf(),
            crlf,
            lines: lines
                .iter()
                .map(|l| match l.strip_suffix("\r\n") {
                    Some(body) if crlf => format!("{body}\n"),
                    _ => l.to_string(),
                })
                .collect(),
            added_to_release: Vec::new(),
            added_patches: Vec::new(),
            added_releases: Vec::new(),
        }
    }

    fn error(&self, line: usize, message: String) -> Error {
        Error::Manifest {
            file: self.path.clone(),
            line,
            message,
        }
    }

    fn ensure_final_newline(&mut self) {
        if let Some(last) = self.lines.last_mut()
            && !last.ends_with('\n')
        {
            last.push('\n');
        }
    }

    /// The 0-based index of the line of item `name:` `value` under the
    /// top-level key `section`, and the item's indentation (of its `-`).
    fn find_item(&self, section: &str, value: &str) -> Option<(usize, usize)> {
        let mut in_section = false;
        for (i, line) in self.lines.iter().enumerate() {
            if indent_of(line) == 0 && !is_blank_or_comment(line) {
                in_section = line.trim_end() == format!("{section}:");
                continue;
            }
            if !in_section {
                continue;
            }
            let t = line.trim_start();
            if let Some(rest) = t.strip_prefix("- name:") {
                let v = rest.split(" #").next().unwrap_or("").trim();
                let v = v.trim_matches(|c| c == '"' || c == '\'');
                if v == value {
                    return Some((i, indent_of(line)));
                }
            }
        }
        None
    }

    /// One past the last line of the item starting at `start` with its `-` at
    /// `dash` (trailing blank and comment lines are not part of it).
    fn item_end(&self, start: usize, dash: usize) -> usize {
        let mut end = start + 1;
        let mut last_content = start + 1;
        while end < self.lines.len() {
            let line = &self.lines[end];
            if !is_blank_or_comment(line) {
                if indent_of(line) <= dash {
                    break;
                }
                last_content = end + 1;
            }
            end += 1;
        }
        last_content
    }

    /// Add `patch` at the end of release `release`'s `patches:` list.
    pub fn add_patch_to_release(&mut self, release: &str, patch: &str) -> Result<()> {
        let (start, dash) = self.find_item("releases", release).ok_or_else(|| {
            self.error(
                0,
                format!("release `{release}` has no block entry `- name: {release}` under `releases:` that longhaul can edit"),
            )
        })?;
        let end = self.item_end(start, dash);
        let key_indent = dash + 2;
        let key = (start..end).find(|&i| {
            let l = &self.lines[i];
            let body = if i == start {
                &l[dash + 2..]
            } else {
                l.trim_start()
            };
            (i == start || indent_of(l) == key_indent) && body.starts_with("patches:")
        });
        let item = format!("{}- {}\n", " ".repeat(key_indent + 2), scalar(patch));
        match key {
            Some(k) => {
                let rest = self.lines[k].trim_start()["patches:".len()..].trim();
                let rest = rest.split(" #").next().unwrap_or("").trim();
                if rest == "[]" {
                    let line = &self.lines[k];
                    let comment = line
                        .find("[]")
                        .map(|c| line[c + 2..].trim_end().to_string())
                        .unwrap_or_default();
                    self.lines[k] = format!("{}patches:{comment}\n", " ".repeat(key_indent));
                    self.lines.insert(k + 1, item);
                } else if rest.is_empty() {
                    let (last, indent) = self.block_list_end(k, end, key_indent);
                    let indent = indent.unwrap_or(key_indent + 2);
                    self.lines
                        .insert(last, format!("{}- {}\n", " ".repeat(indent), scalar(patch)));
                } else {
                    return Err(self.error(
                        k + 1,
                        format!("release `{release}` lists its patches in flow style (`{rest}`); longhaul edits block lists only: write one `- name` per line"),
                    ));
                }
            }
            None => {
                self.ensure_final_newline();
                self.lines
                    .insert(end, format!("{}patches:\n", " ".repeat(key_indent)));
                self.lines.insert(end + 1, item);
            }
        }
        self.added_to_release
            .push((release.to_string(), patch.to_string()));
        Ok(())
    }

    /// The block list under the `patches:` key at line `key` (of an item
    /// ending before `end`, its keys at `key_indent`): one past its last item
    /// line (a commented-out item belongs to the list), and its items'
    /// indentation when it has any.
    fn block_list_end(&self, key: usize, end: usize, key_indent: usize) -> (usize, Option<usize>) {
        let mut at = key + 1;
        let mut last = key + 1;
        let mut item_indent = None;
        while at < self.lines.len() {
            let l = &self.lines[at];
            if l.trim().is_empty() {
                at += 1;
                continue;
            }
            if is_blank_or_comment(l) {
                if indent_of(l) > key_indent {
                    last = at + 1;
                }
            } else {
                if at >= end {
                    break;
                }
                if indent_of(l) < key_indent
                    || (indent_of(l) == key_indent && !l.trim_start().starts_with('-'))
                {
                    break;
                }
                item_indent.get_or_insert(indent_of(l));
                last = at + 1;
            }
            at += 1;
        }
        (last, item_indent)
    }

    /// Add a definition at the end of the top-level `patches:` list.
    pub fn add_patch(&mut self, patch: NewPatch) -> Result<()> {
        if self.find_item("patches", &patch.name).is_some() {
            return Err(self.error(0, format!("`patches:` already defines `{}`", patch.name)));
        }
        self.ensure_final_newline();
        let section = self
            .lines
            .iter()
            .position(|l| indent_of(l) == 0 && l.trim_end() == "patches:");
        let (insert_at, dash) = match section {
            Some(s) => {
                let mut end = s + 1;
                let mut last = s + 1;
                let mut dash = None;
                while end < self.lines.len() {
                    let l = &self.lines[end];
                    if !is_blank_or_comment(l) {
                        if indent_of(l) == 0 && !l.starts_with('-') {
                            break;
                        }
                        if l.trim_start().starts_with("- ") {
                            dash.get_or_insert(indent_of(l));
                        }
                        last = end + 1;
                    }
                    end += 1;
                }
                (last, dash.unwrap_or(2))
            }
            None => {
                self.lines.push("\npatches:\n".to_string());
                (self.lines.len(), 2)
            }
        };
        let pad = " ".repeat(dash);
        let reason = patch
            .reason
            .map(|r| format!("{pad}  reason: {}\n", r.as_str()))
            .unwrap_or_default();
        let mut text = format!(
            "\n{pad}- name: {}\n{reason}{pad}  patch:\n{pad}    - {}\n",
            scalar(&patch.name),
            scalar(&patch.file)
        );
        if !patch.cves.is_empty() {
            let cves: Vec<String> = patch.cves.iter().map(|c| scalar(c)).collect();
            text.push_str(&format!("{pad}  cves: [{}]\n", cves.join(", ")));
        }
        if let Some(note) = &patch.note {
            text.push_str(&format!(
                "{pad}  note: {}\n",
                serde_json::to_string(note).expect("a string")
            ));
        }

        let new: Vec<String> = text.split_inclusive('\n').map(str::to_string).collect();
        self.lines.splice(insert_at..insert_at, new);
        self.added_patches.push(patch);
        Ok(())
    }

    /// Add a release entry just above the entry of release `above` (KLTS
    /// lists the newest first).
    pub fn add_release(&mut self, release: NewRelease, above: &str) -> Result<()> {
        let (mut start, dash) = self.find_item("releases", above).ok_or_else(|| {
            self.error(
                0,
                format!("release `{above}` has no block entry longhaul can edit"),
            )
        })?;
        // Comment lines right above the entry describe it: the new entry goes
        // above them.
        while start > 0 && self.lines[start - 1].trim_start().starts_with('#') {
            start -= 1;
        }
        let pad = " ".repeat(dash);
        let mut text = format!(
            "{pad}- name: {}\n{pad}  base_release: {}\n",
            scalar(&release.name),
            scalar(&release.base_release)
        );
        if release.must {
            text.push_str(&format!("{pad}  must: true\n"));
        }
        if release.patches.is_empty() {
            text.push_str(&format!("{pad}  patches: []\n"));
        } else {
            text.push_str(&format!("{pad}  patches:\n"));
            for p in &release.patches {
                text.push_str(&format!("{pad}    - {}\n", scalar(p)));
            }
        }
        text.push('\n');
        let new: Vec<String> = text.split_inclusive('\n').map(str::to_string).collect();
        self.lines.splice(start..start, new);
        self.added_releases.push(release);
        Ok(())
    }

    /// The edited text, after checking that it parses and says what was
    /// intended (and that the original parsed).
    pub fn finish(&self, original: &Manifest) -> Result<String> {
        let text: String = self.lines.concat();
        let text = if self.crlf {
            text.replace('\n', "\r\n")
        } else {
            text
        };
        let edited = Manifest::parse(&text, &self.path).map_err(|e| {
            self.error(
                0,
                format!("the edit would leave the manifest invalid ({e}); nothing was written"),
            )
        })?;
        self.check_added_to_release(&edited, original)?;
        self.check_added_patches(&edited)?;
        self.check_added_releases(&edited)?;
        let expected_releases = original.releases.len() + self.added_releases.len();
        let expected_patches = original.patches.len() + self.added_patches.len();
        if edited.releases.len() != expected_releases || edited.patches.len() != expected_patches {
            return Err(
                self.wrong("the number of releases or patch definitions changed otherwise".into())
            );
        }
        Ok(text)
    }

    /// An edit whose result reads differently from what was intended.
    fn wrong(&self, what: String) -> Error {
        self.error(
            0,
            format!("the edit did not come out as intended: {what}; nothing was written"),
        )
    }

    /// Each release that got patches lists its old ones, then the added ones.
    fn check_added_to_release(&self, edited: &Manifest, original: &Manifest) -> Result<()> {
        for (release, patch) in &self.added_to_release {
            let r = edited.release(release)?;
            let before = original.release(release)?;
            let names: Vec<&str> = r.patches.iter().map(|p| p.value.as_str()).collect();
            let mut expected: Vec<&str> = before.patches.iter().map(|p| p.value.as_str()).collect();
            expected.extend(
                self.added_to_release
                    .iter()
                    .filter(|(r, _)| r == release)
                    .map(|(_, p)| p.as_str()),
            );
            if names != expected {
                return Err(self.wrong(format!(
                    "release `{release}` lists {names:?}, expected {expected:?} (adding `{patch}`)"
                )));
            }
        }
        Ok(())
    }

    /// Each added definition reads as intended.
    fn check_added_patches(&self, edited: &Manifest) -> Result<()> {
        for p in &self.added_patches {
            let def = edited
                .patch(&p.name)
                .ok_or_else(|| self.wrong(format!("no definition of `{}`", p.name)))?;
            let items: Vec<&str> = def.items.iter().map(|i| i.value.as_str()).collect();
            if items != [p.file.as_str()]
                || def.cves != p.cves
                || def.note != p.note
                || def.reason != p.reason
            {
                return Err(self.wrong(format!("the definition of `{}` reads differently", p.name)));
            }
        }
        Ok(())
    }

    /// Each added release reads as intended.
    fn check_added_releases(&self, edited: &Manifest) -> Result<()> {
        for r in &self.added_releases {
            let got = edited.release(&r.name)?;
            let names: Vec<&str> = got.patches.iter().map(|p| p.value.as_str()).collect();
            if got.base_release.value != r.base_release || got.must != r.must || names != r.patches
            {
                return Err(self.wrong(format!("release `{}` reads differently", r.name)));
            }
        }
        Ok(())
    }
}

/// Write `text` over the manifest, whole or not at all. A manifest that is
/// a symbolic link keeps being one: its target is replaced, when it lies
/// inside the manifest's folder; no write passes through a linked folder.
pub fn write_manifest(manifest: &Manifest, text: &str) -> Result<()> {
    let io = |e: crate::confine::Refused| Error::Io {
        path: manifest.path.clone(),
        source: e.into(),
    };
    let dir = if manifest.dir().as_os_str().is_empty() {
        Path::new(".")
    } else {
        manifest.dir()
    };
    let root = dir.canonicalize().map_err(|source| Error::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let name = manifest.path.file_name().unwrap_or_default();
    let target = crate::confine::manifest_target(&root, &root.join(name)).map_err(io)?;
    crate::confine::write_atomic(&root, &target, text.as_bytes()).map_err(io)
}

/// A unified diff of two texts (for showing a manifest edit), with file names.
pub fn unified_diff(old: &str, new: &str, name: &str) -> String {
    let hunks = crate::port::diff::hunks(old.as_bytes(), new.as_bytes());
    if hunks.is_empty() {
        return String::new();
    }
    let mut out = format!("--- a/{name}\n+++ b/{name}\n");
    for h in hunks {
        out.push_str(&format!(
            "@@ -{},{} +{},{} @@\n",
            h.old_start, h.old_len, h.new_start, h.new_len
        ));
        for l in &h.lines {
            let sign = match l.kind {
                crate::patch::LineKind::Context => ' ',
                crate::patch::LineKind::Add => '+',
                crate::patch::LineKind::Remove => '-',
            };
            out.push(sign);
            out.push_str(&String::from_utf8_lossy(&l.text));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "# top comment\nbase: https://example.org/x\n\nreleases:\n  # newest first\n  - name: v1.2.3-lts.1\n    base_release: v1.2.3\n    must: true\n    patches: []   # none yet\n\n  - name: v1.1.0-lts.2\n    base_release: v1.1.0-lts.1\n    must: true\n    patches:\n      - a        # CVSS 7.5\n      # - b      # commented out: breaks kubelet\n\n  - name: v1.1.0-lts.1\n    base_release: v1.1.0\n    must: true\n\npatches:\n  - name: a\n    patch:\n      - patches/a.patch\n    cves: [CVE-2024-0001]\n";

    /// Additions keep every other line (comments included) byte for byte, and
    /// the result parses to what was intended.
    #[test]
    fn edits_touch_only_their_lines() {
        let path = Path::new("releases.yml");
        let original = Manifest::parse(TEXT, path).unwrap();
        let mut e = Edits::new(TEXT, path);
        e.add_patch_to_release("v1.2.3-lts.1", "fix").unwrap();
        e.add_patch_to_release("v1.1.0-lts.2", "fix.1.1").unwrap();
        e.add_patch_to_release("v1.1.0-lts.1", "fix.1.1").unwrap();
        e.add_patch(NewPatch {
            name: "fix".into(),
            file: "patches/fix.patch".into(),
            cves: vec!["CVE-2025-1234".into()],
            note: None,
            reason: None,
        })
        .unwrap();
        e.add_patch(NewPatch {
            name: "fix.1.1".into(),
            file: "patches/fix.1.1.patch".into(),
            cves: vec![],
            note: Some("ported: \"adapted\"".into()),
            reason: None,
        })
        .unwrap();
        e.add_release(
            NewRelease {
                name: "v1.2.3-lts.2".into(),
                base_release: "v1.2.3-lts.1".into(),
                must: true,
                patches: vec![],
            },
            "v1.2.3-lts.1",
        )
        .unwrap();
        let text = e.finish(&original).unwrap();
        let m = Manifest::parse(&text, path).unwrap();
        assert_eq!(m.release("v1.2.3-lts.1").unwrap().patches[0].value, "fix");
        let names: Vec<&str> = m
            .release("v1.1.0-lts.2")
            .unwrap()
            .patches
            .iter()
            .map(|p| p.value.as_str())
            .collect();
        assert_eq!(names, ["a", "fix.1.1"]);
        assert_eq!(m.patch("fix").unwrap().cves, ["CVE-2025-1234"]);
        // Every original line survives, in order.
        let mut new_lines = text.lines();
        for line in TEXT.lines().filter(|l| !l.contains("patches: []")) {
            assert!(new_lines.any(|n| n == line), "line {line:?} kept");
        }
        assert!(text.contains("    patches:   # none yet\n      - fix\n"));
        assert!(
            text.contains("      # - b      # commented out: breaks kubelet\n      - fix.1.1\n")
        );
    }

    /// An edit that cannot be expressed is refused with the line.
    #[test]
    fn flow_lists_and_unknown_releases_are_refused() {
        let text = "releases:\n  - name: r\n    base_release: v1.0.0\n    patches: [a]\npatches:\n  - name: a\n    patch: [a.patch]\n";
        let mut e = Edits::new(text, Path::new("m.yml"));
        let err = e.add_patch_to_release("r", "b").unwrap_err().to_string();
        assert!(
            err.contains("m.yml:4") && err.contains("flow style"),
            "{err}"
        );
        let err = e.add_patch_to_release("nope", "b").unwrap_err().to_string();
        assert!(err.contains("`nope`"), "{err}");
    }
}
