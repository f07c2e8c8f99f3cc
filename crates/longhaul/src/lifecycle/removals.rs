//! API removals: the API versions each minor stopped serving
//! (`data/api-removals.yml`, from the Deprecated API Migration Guide), and
//! the objects of YAML manifests (multi-document files, `helm template` and
//! `kustomize build` output, `List`s) that use them.

use crate::release::line::Minor;
use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;
use std::path::{Path, PathBuf};

/// The built-in table.
pub const BUILT_IN: &str = include_str!("../../data/api-removals.yml");

/// One API version of one kind that a minor stopped serving.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Removal {
    /// API group (empty for the core group).
    pub group: String,
    /// Version (`v1beta1`).
    pub version: String,
    /// Kind (`Ingress`).
    pub kind: String,
    /// The first minor that no longer serves it.
    pub removed_in: Minor,
    /// The API version to use instead; `None` when there is none.
    pub replacement: Option<String>,
    /// The first minor that serves the replacement.
    pub available_since: Option<Minor>,
    /// What to do when there is no replacement.
    pub note: Option<String>,
}

impl Removal {
    /// `group/version` as an object's `apiVersion:` says it.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// What to use instead, in words.
    pub fn instead(&self) -> String {
        match (&self.replacement, &self.note) {
            (Some(r), _) => r.clone(),
            (None, Some(n)) => n.clone(),
            (None, None) => "no replacement".into(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    removals: Vec<RawRemoval>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRemoval {
    group: String,
    version: String,
    kind: String,
    removed_in: String,
    replacement: Option<String>,
    available_since: Option<String>,
    note: Option<String>,
}

/// The built-in table, in file order (by minor).
pub fn built_in() -> Vec<Removal> {
    parse(BUILT_IN).expect("data/api-removals.yml is checked by the tests")
}

/// Parse a table in the built-in format.
pub fn parse(text: &str) -> Result<Vec<Removal>, String> {
    let raw: RawFile = serde_saphyr::from_str(text).map_err(|e| e.to_string())?;
    raw.removals
        .into_iter()
        .map(|r| {
            let minor = |s: &str| {
                Minor::parse_line(s).ok_or_else(|| format!("`{s}` is not a minor version"))
            };
            Ok(Removal {
                removed_in: minor(&r.removed_in)?,
                available_since: r.available_since.as_deref().map(minor).transpose()?,
                group: r.group,
                version: r.version,
                kind: r.kind,
                replacement: r.replacement,
                note: r.note,
            })
        })
        .collect()
}

/// The removals of the minors after `from` up to and including `to`.
pub fn between(removals: &[Removal], from: Minor, to: Minor) -> Vec<&Removal> {
    removals
        .iter()
        .filter(|r| r.removed_in > from && r.removed_in <= to)
        .collect()
}

/// The removal that stops serving `api_version` of `kind`, if any.
pub fn find<'a>(removals: &'a [Removal], api_version: &str, kind: &str) -> Option<&'a Removal> {
    removals
        .iter()
        .find(|r| r.kind == kind && r.api_version() == api_version)
}

/// One object of a manifest file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Object {
    /// The file, as given (joined below a folder that was given).
    pub file: PathBuf,
    /// 1-based line of its `apiVersion:`.
    pub line: usize,
    /// `apiVersion:`.
    pub api_version: String,
    /// `kind:`.
    pub kind: String,
    /// `metadata.name`, when given.
    pub name: Option<String>,
    /// `metadata.namespace`, when given.
    pub namespace: Option<String>,
}

/// A manifest file that cannot be read as Kubernetes objects.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}:{line}: {message}", file.display())]
pub struct ScanError {
    /// The file.
    pub file: PathBuf,
    /// 1-based line (0 when not known).
    pub line: usize,
    /// What is wrong and what was expected.
    pub message: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawObject {
    api_version: Option<Spanned<String>>,
    kind: Option<Spanned<String>>,
    metadata: Option<RawMeta>,
    items: Option<Vec<RawObject>>,
}

#[derive(Deserialize)]
struct RawMeta {
    name: Option<String>,
    namespace: Option<String>,
}

/// Read every object of `paths`: files, or folders searched for `*.yaml`,
/// `*.yml` and `*.json` (sorted, hidden entries skipped). Documents without
/// `apiVersion` and `kind` (a chart's values, a comment-only document) are
/// not objects and are counted in the second value.
pub fn scan(paths: &[PathBuf]) -> Result<(Vec<Object>, usize), ScanError> {
    let mut files = Vec::new();
    for p in paths {
        collect(p, &mut files)?;
    }
    let (mut objects, mut skipped) = (Vec::new(), 0);
    for f in files {
        let text = crate::fs::read_to_string(&f).map_err(|e| ScanError {
            file: f.clone(),
            line: 0,
            message: e.to_string(),
        })?;
        let (mut found, s) = scan_text(&text, &f)?;
        objects.append(&mut found);
        skipped += s;
    }
    Ok((objects, skipped))
}

fn collect(path: &Path, out: &mut Vec<PathBuf>) -> Result<(), ScanError> {
    let err = |message: String| ScanError {
        file: path.to_path_buf(),
        line: 0,
        message,
    };
    let meta = std::fs::metadata(path).map_err(|e| err(format!("cannot read: {e}")))?;
    if !meta.is_dir() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(|e| err(format!("cannot read the folder: {e}")))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            !p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    entries.sort();
    for e in entries {
        if e.is_dir() {
            collect(&e, out)?;
        } else if e
            .extension()
            .is_some_and(|x| x == "yaml" || x == "yml" || x == "json")
        {
            out.push(e);
        }
    }
    Ok(())
}

/// The objects of one file's text (YAML documents separated by `---`; JSON
/// is YAML). Lines are the file's.
pub fn scan_text(text: &str, file: &Path) -> Result<(Vec<Object>, usize), ScanError> {
    let (mut objects, mut skipped) = (Vec::new(), 0);
    for (first_line, doc) in documents(text) {
        let meaningful = doc.lines().any(|l| {
            let t = l.trim();
            !t.is_empty() && !t.starts_with('#')
        });
        if !meaningful {
            continue;
        }
        let raw: RawObject = serde_saphyr::from_str(&doc).map_err(|e| {
            let (line, first) = crate::release::manifest::yaml_error(&e);
            ScanError {
                file: file.to_path_buf(),
                line: first_line + line.max(1) - 1,
                message: format!(
                    "not a Kubernetes object: {first} (expected YAML mappings with apiVersion and kind; render Helm charts with `helm template` and kustomizations with `kustomize build` first)"
                ),
            }
        })?;
        push_objects(raw, first_line, file, &mut objects, &mut skipped);
    }
    Ok((objects, skipped))
}

fn push_objects(
    raw: RawObject,
    first_line: usize,
    file: &Path,
    out: &mut Vec<Object>,
    skipped: &mut usize,
) {
    match (raw.api_version, raw.kind) {
        (Some(v), Some(k)) => {
            let kind = k.value.trim().to_string();
            if kind.ends_with("List") && raw.items.is_some() {
                for item in raw.items.unwrap_or_default() {
                    push_objects(item, first_line, file, out, skipped);
                }
                return;
            }
            out.push(Object {
                file: file.to_path_buf(),
                line: first_line + v.referenced.line() as usize - 1,
                api_version: v.value.trim().to_string(),
                kind,
                name: raw.metadata.as_ref().and_then(|m| m.name.clone()),
                namespace: raw.metadata.and_then(|m| m.namespace),
            });
        }
        _ => *skipped += 1,
    }
}

/// The YAML documents of `text` with the 1-based line each starts on.
fn documents(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut start = 1;
    let mut current = String::new();
    for (i, line) in text.lines().enumerate() {
        let is_marker = |m: &str| {
            line.strip_prefix(m)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '#']))
        };
        if is_marker("---") || is_marker("...") {
            out.push((start, std::mem::take(&mut current)));
            start = i + 2;
            continue;
        }
        current.push_str(line);
        current.push('\n');
    }
    out.push((start, current));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_unique_and_points_forward() {
        let t = built_in();
        assert!(t.len() > 40);
        for w in t.windows(2) {
            assert!(
                w[0].removed_in <= w[1].removed_in,
                "{} then {}",
                w[0].kind,
                w[1].kind
            );
        }
        for (i, r) in t.iter().enumerate() {
            assert!(
                t.iter()
                    .skip(i + 1)
                    .all(|o| (o.api_version(), &o.kind) != (r.api_version(), &r.kind)),
                "{} {} twice",
                r.api_version(),
                r.kind
            );
            assert!(
                r.replacement.is_some() || r.note.is_some(),
                "{}: say what to do",
                r.kind
            );
            if let Some(since) = r.available_since {
                assert!(
                    since <= r.removed_in,
                    "{}: replacement after the removal",
                    r.kind
                );
            }
        }
        let ingress = find(&t, "networking.k8s.io/v1beta1", "Ingress").unwrap();
        assert_eq!(ingress.removed_in.to_string(), "1.22");
        assert_eq!(
            find(&t, "policy/v1beta1", "PodSecurityPolicy")
                .unwrap()
                .removed_in
                .to_string(),
            "1.25"
        );
        assert!(find(&t, "networking.k8s.io/v1", "Ingress").is_none());
        let m = |x| Minor { major: 1, minor: x };
        let kinds: Vec<&str> = between(&t, m(26), m(27))
            .iter()
            .map(|r| r.kind.as_str())
            .collect();
        assert_eq!(kinds, ["CSIStorageCapacity"]);
    }

    #[test]
    fn objects_of_multi_document_helm_and_list_output() {
        let text = "# Source: app/templates/deploy.yaml\n---\napiVersion: extensions/v1beta1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\n---\n# just a comment\n---\nreplicas: 3\n---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: batch/v1beta1\n  kind: CronJob\n  metadata: {name: nightly}\n...\n";
        let (objects, skipped) = scan_text(text, Path::new("out.yaml")).unwrap();
        let shown: Vec<(usize, &str, &str, Option<&str>)> = objects
            .iter()
            .map(|o| {
                (
                    o.line,
                    o.api_version.as_str(),
                    o.kind.as_str(),
                    o.name.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            shown,
            [
                (3, "extensions/v1beta1", "Deployment", Some("web")),
                (16, "batch/v1beta1", "CronJob", Some("nightly"))
            ]
        );
        assert_eq!(skipped, 1, "the values-like document");
        assert_eq!(objects[0].namespace.as_deref(), Some("shop"));
        let bad = scan_text(
            "apiVersion: v1\nkind: Service\n---\nkind: [unclosed\n",
            Path::new("x.yaml"),
        )
        .unwrap_err();
        assert_eq!(bad.line, 4, "{bad}");
        assert!(
            bad.to_string()
                .starts_with("x.yaml:4: not a Kubernetes object"),
            "{bad}"
        );
        let helm = scan_text(
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}\n",
            Path::new("t.yaml"),
        );
        assert!(helm.is_err() || helm.unwrap().0[0].name.is_none());
    }
}
