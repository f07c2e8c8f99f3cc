//! The official Kubernetes CVE feed in its native JSON Feed form.
//!
//! There the affected versions live only in prose ("**Affected Versions**"
//! followed by lines like `v1.27.0 - v1.27.1` or `<= v1.24.13`). This module
//! extracts what it can into OSV records and says, per record, what it could not.

use super::{Advisory, AdvisoryError, Affected, ECOSYSTEM, Event, Package, Range, SeverityScore};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Marks records converted from the native feed (`database_specific.longhaul.source`).
pub const SOURCE: &str = "kubernetes-official-cve-feed";

#[derive(Deserialize)]
struct Feed {
    items: Vec<Item>,
}

#[derive(Deserialize)]
struct Item {
    id: String,
    #[serde(default)]
    summary: Option<String>,
    #[serde(default)]
    content_text: Option<String>,
    #[serde(default)]
    date_published: Option<String>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    external_url: Option<String>,
}

/// One converted record and what could not be extracted from its text.
#[derive(Debug, Clone)]
pub struct Converted {
    /// The OSV record.
    pub advisory: Advisory,
    /// Human-readable notes on what was guessed or missing.
    pub notes: Vec<String>,
}

/// Whether `json` looks like a JSON Feed document (not an OSV record).
pub fn is_feed(json: &serde_json::Value) -> bool {
    json.get("items").is_some()
        && json
            .get("version")
            .and_then(|v| v.as_str())
            .is_some_and(|v| v.contains("jsonfeed.org"))
}

/// Convert a native feed document.
pub fn convert(text: &str, file: &str) -> Result<Vec<Converted>, AdvisoryError> {
    let feed: Feed = serde_json::from_str(text).map_err(|e| AdvisoryError {
        file: file.to_string(),
        line: e.line(),
        message: format!("not a Kubernetes CVE JSON feed: {e}"),
    })?;
    Ok(feed.items.into_iter().map(convert_item).collect())
}

/// Components named in the text, with their OSV package names.
const COMPONENTS: &[(&str, &str)] = &[
    ("kube-apiserver", "k8s.io/apiserver"),
    ("api server", "k8s.io/apiserver"),
    ("apiserver", "k8s.io/apiserver"),
    ("kube-controller-manager", "k8s.io/controller-manager"),
    ("controller manager", "k8s.io/controller-manager"),
    ("kube-proxy", "k8s.io/kube-proxy"),
    ("kubectl", "k8s.io/kubectl"),
    ("kubelet", "k8s.io/kubelet"),
    ("ingress-nginx", "k8s.io/ingress-nginx"),
    (
        "secrets-store-csi-driver",
        "sigs.k8s.io/secrets-store-csi-driver",
    ),
    ("csi-proxy", "github.com/kubernetes-csi/csi-proxy"),
];

/// One feed item as an advisory, with notes on what could not be read from
/// its text (the notes are also kept in the record).
fn convert_item(item: Item) -> Converted {
    let text = item
        .content_text
        .clone()
        .unwrap_or_default()
        .replace("\r\n", "\n");
    let mut notes = Vec::new();
    let (events, lines_unread) = affected_events(&text);
    notes.extend(
        lines_unread
            .into_iter()
            .map(|l| format!("could not read the affected-versions line `{l}`")),
    );
    let package = component(&text).unwrap_or_else(|| {
        notes.push("no component named in the text; assumed k8s.io/kubernetes".into());
        "k8s.io/kubernetes".into()
    });
    let ranges = ranges(events, &mut notes);
    let severity = severity(&text, &mut notes);
    let references = [&item.url, &item.external_url]
        .into_iter()
        .flatten()
        .map(|url| serde_json::json!({ "type": "ADVISORY", "url": url }))
        .collect();
    let published = item.date_published.clone();
    let mut extra = BTreeMap::new();
    extra.insert(
        "database_specific".into(),
        serde_json::json!({ "longhaul": { "source": SOURCE, "extraction_notes": notes } }),
    );
    let (id, aliases) = item_ids(&item.id);
    let advisory = Advisory {
        id,
        modified: published
            .clone()
            .unwrap_or_else(|| "1970-01-01T00:00:00Z".into()),
        published,
        aliases,
        summary: item.summary.map(|s| s.trim().to_string()),
        details: Some(text),
        severity,
        affected: vec![Affected {
            package: Package {
                ecosystem: ECOSYSTEM.into(),
                name: package,
                purl: None,
            },
            severity: vec![],
            ranges,
            versions: vec![],
            extra: BTreeMap::new(),
        }],
        references,
        extra,
    };
    Converted { advisory, notes }
}

/// The affected range read from the text (none, with a note, when no
/// version was found).
fn ranges(events: Vec<Event>, notes: &mut Vec<String>) -> Vec<Range> {
    if events.is_empty() {
        notes.push("no affected versions found in the text: the record affects no version".into());
        vec![]
    } else {
        vec![Range {
            kind: "SEMVER".into(),
            events,
            extra: BTreeMap::new(),
        }]
    }
}

/// The CVSS vector of the text as a severity (none, with a note, without one).
fn severity(text: &str, notes: &mut Vec<String>) -> Vec<SeverityScore> {
    match cvss_vector(text) {
        Some(v) => vec![SeverityScore {
            kind: if v.starts_with("CVSS:4") {
                "CVSS_V4"
            } else {
                "CVSS_V3"
            }
            .into(),
            score: v,
        }],
        None => {
            notes.push("no CVSS vector in the text".into());
            vec![]
        }
    }
}

/// The record's id and aliases: one item may announce several CVEs
/// ("CVE-2023-2727, CVE-2023-2728"); the first is the id.
fn item_ids(item_id: &str) -> (String, Vec<String>) {
    let mut ids = item_id
        .split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let id = ids.next().unwrap_or_default().to_string();
    (id, ids.map(String::from).collect())
}

fn component(text: &str) -> Option<String> {
    let lower = text.to_lowercase();
    // "This bug affects Kubelet." is the feed's usual phrasing; fall back to the first mention.
    let scope = lower
        .find("affects ")
        .map(|i| {
            &lower[i..lower[i..]
                .find(['.', '\n'])
                .map(|e| i + e)
                .unwrap_or(lower.len())]
        })
        .filter(|s| COMPONENTS.iter().any(|(k, _)| s.contains(k)))
        .unwrap_or(&lower);
    COMPONENTS
        .iter()
        .filter_map(|(k, pkg)| scope.find(k).map(|at| (at, *pkg)))
        .min_by_key(|(at, _)| *at)
        .map(|(_, pkg)| pkg.to_string())
}

fn cvss_vector(text: &str) -> Option<String> {
    let at = text.find("CVSS:")?;
    let v: String = text[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '/' | '.'))
        .collect();
    v.contains('/').then_some(v)
}

/// A version as written in prose: `v1.27.1`, `V1.24.14`, `1.6.x` (→ `1.6.0`).
fn version(s: &str) -> Option<String> {
    let s = s
        .trim()
        .trim_start_matches(['v', 'V'])
        .trim_end_matches(['.', ',', ')']);
    let s = s.strip_suffix(".x").unwrap_or(s);
    super::range::parse_version(s).map(|v| v.to_string())
}

/// `1.6.x` as an upper bound: everything below 1.7.0.
fn wildcard_bound(s: &str) -> Option<String> {
    let s = s.trim().trim_start_matches(['v', 'V']);
    let minor = s.strip_suffix(".x")?;
    let v = super::range::parse_version(minor)?;
    Some(semver::Version::new(v.major, v.minor + 1, 0).to_string())
}

/// Drop a leading component name (`kube-apiserver v1.27.0 - v1.27.2`,
/// `Kubernetes 1.3.x-1.6.x`): the expression starts at the first comparison sign
/// or version-looking word.
fn expression(line: &str) -> &str {
    let mut at = 0;
    for word in line.split_inclusive(' ') {
        let w = word.trim();
        let starts_version = w.starts_with(['<', '≤', '>'])
            || w.trim_start_matches(['v', 'V'])
                .starts_with(|c: char| c.is_ascii_digit());
        if starts_version {
            return &line[at..];
        }
        at += word.len();
    }
    line
}

/// One affected-versions line as events; `Ok(None)` for lines that state fixed versions.
fn line_events(line: &str) -> Result<Option<Vec<Event>>, ()> {
    let expr = expression(line);
    let lower = expr.to_lowercase();
    if expr.starts_with(">=") || expr.starts_with('>') {
        return Ok(None);
    }
    let zero = || Event::Introduced("0".into());
    let parsed = if let Some(rest) = expr.strip_prefix("<=").or(expr.strip_prefix('≤')) {
        version(rest).map(|b| vec![zero(), Event::LastAffected(b)])
    } else if let Some(rest) = expr.strip_prefix('<') {
        version(rest).map(|b| vec![zero(), Event::Fixed(b)])
    } else if let Some(b) = lower
        .strip_suffix(" and earlier")
        .or(lower.strip_suffix(" and below"))
    {
        version(b).map(|b| vec![zero(), Event::LastAffected(b)])
    } else if let Some((a, b)) = expr
        .split_once(" - ")
        .or(expr.split_once(" to "))
        .or(expr.split_once('-'))
    {
        let end = match wildcard_bound(b) {
            Some(limit) => Some(Event::Fixed(limit)),
            None => version(b).map(Event::LastAffected),
        };
        version(a)
            .zip(end)
            .map(|(a, end)| vec![Event::Introduced(a), end])
    } else if let Some(limit) = wildcard_bound(expr) {
        version(expr).map(|a| vec![Event::Introduced(a), Event::Fixed(limit)])
    } else {
        version(expr).map(|a| vec![Event::Introduced(a.clone()), Event::LastAffected(a)])
    };
    parsed.map(Some).ok_or(())
}

/// Events from the affected-versions section, and the lines that could not be read.
fn affected_events(text: &str) -> (Vec<Event>, Vec<String>) {
    let mut events = Vec::new();
    let mut unread = Vec::new();
    let mut in_section = false;
    let mut seen = false;
    for raw in text.lines() {
        let trimmed = raw.trim();
        let header = trimmed.starts_with("**") || trimmed.starts_with('#');
        let line = trimmed.trim_start_matches(['-', '*', '•']).trim();
        let lower = line.to_lowercase();
        if header && (lower.contains("affected versions") || lower.contains("vulnerable versions"))
        {
            (in_section, seen) = (true, false);
            continue;
        }
        if !in_section {
            continue;
        }
        if header || (line.is_empty() && seen) {
            in_section = false;
            continue;
        }
        if line.is_empty() {
            continue;
        }
        seen = true;
        match line_events(line) {
            Ok(Some(e)) => events.extend(e),
            Ok(None) => {}
            Err(()) => unread.push(line.to_string()),
        }
    }
    if events.is_empty() {
        let lower = text.to_lowercase();
        if lower.contains("all kubernetes versions are affected")
            || lower.contains("all versions of kubernetes are affected")
        {
            events.push(Event::Introduced("0".into()));
        }
    }
    (events, unread)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::security::advisory::range::{parse_version, range_includes};

    #[test]
    fn reads_affected_versions_from_prose() {
        let text = "### Kubernetes version\n\n**Affected Versions**\nv1.27.0 - v1.27.1\nv1.26.0 - v1.26.4\n<= v1.24.13\n\n**Fixed Versions**\nv1.27.2\nV1.24.14\n\nThis bug affects Kubelet.";
        let (events, unread) = affected_events(text);
        assert!(unread.is_empty(), "{unread:?}");
        let range = Range {
            kind: "SEMVER".into(),
            events,
            extra: BTreeMap::new(),
        };
        let at = |v: &str| range_includes(&range, &parse_version(v).unwrap());
        assert!(at("1.27.1") && at("1.26.0") && at("1.24.13") && at("1.20.0"));
        assert!(!at("1.27.2") && !at("1.26.5") && !at("1.25.0") && !at("1.24.14"));
        assert_eq!(component(text).as_deref(), Some("k8s.io/kubelet"));
    }

    #[test]
    fn reads_the_phrasings_of_the_real_feed() {
        let cases: &[(&str, &[&str], &[&str])] = &[
            (
                "**Affected Versions**\n- kube-apiserver v1.27.0 - v1.27.2\n- kube-apiserver <= v1.24.14\n",
                &["1.27.2", "1.24.14", "1.10.0"],
                &["1.27.3", "1.25.0"],
            ),
            (
                "**Vulnerable versions:**\n* Kubernetes 1.3.x-1.6.x\n* Kubernetes 1.7.0-1.7.13\n\n**Vulnerable configurations:**\nKubernetes 2.0.0\n",
                &["1.3.0", "1.6.9", "1.7.13"],
                &["1.2.9", "1.7.14", "2.0.0"],
            ),
            (
                "#### Affected Versions\nkubelet v1.18.0-1.18.5\nkubelet < v1.16.13\n\nFixed\n",
                &["1.18.5", "1.16.12"],
                &["1.18.6", "1.16.13", "1.17.0"],
            ),
            (
                "### Affected Components and Configurations\n\nAll Kubernetes versions are affected.\n",
                &["1.0.0", "1.99.0"],
                &[],
            ),
        ];
        for (text, yes, no) in cases {
            let (events, unread) = affected_events(text);
            assert!(unread.is_empty(), "{text}: {unread:?}");
            let range = Range {
                kind: "SEMVER".into(),
                events,
                extra: BTreeMap::new(),
            };
            for v in *yes {
                assert!(
                    range_includes(&range, &parse_version(v).unwrap()),
                    "{text}: {v} should be affected"
                );
            }
            for v in *no {
                assert!(
                    !range_includes(&range, &parse_version(v).unwrap()),
                    "{text}: {v} should not be affected"
                );
            }
        }
    }

    #[test]
    fn finds_the_cvss_vector() {
        assert_eq!(
            cvss_vector(
                "rated LOW ([CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:U/C:L/I:L/A:N](https://x)) (score: 3.4)"
            )
            .as_deref(),
            Some("CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:U/C:L/I:L/A:N")
        );
    }
}
