//! The dependency section of release notes and of the site's release pages:
//! the Go a release builds with, its open dependency vulnerabilities, and
//! what changed since the previous release (fixed, newly open).

use super::report::{Freshness, ReleaseDeps};
use super::status::DepStatus;
use serde::Serialize;
use std::fmt::Write as _;

/// One vulnerability in the notes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// The Go vulndb id.
    pub id: String,
    /// Its CVE, if any.
    pub cve: Option<String>,
    /// `stdlib`, the module or the component.
    pub subject: String,
    /// Its status.
    pub status: DepStatus,
    /// Its tier (`imported`, …).
    pub tier: String,
    /// The version that fixes it.
    pub fixed_in: Option<String>,
    /// One line of summary.
    pub summary: Option<String>,
}

/// The dependency section of one release.
#[derive(Debug, Clone, Serialize)]
pub struct DepsNotes {
    /// The release.
    pub release: String,
    /// The release it is compared with.
    pub since: Option<String>,
    /// `1.15.5 (build/build-image/cross/VERSION)`.
    pub go: Option<String>,
    /// The summary lines of `deps`.
    pub summary: Vec<String>,
    /// Open vulnerabilities (affected or under investigation).
    pub open: Vec<Entry>,
    /// Open in `since`, no longer open here.
    pub fixed_since: Vec<Entry>,
    /// Open here, not open in `since`.
    pub new_since: Vec<String>,
    /// The database's age.
    pub freshness: String,
    /// Its warning, when stale, missing or of unknown age.
    pub warning: Option<String>,
    /// Whether counts from it may be out of date (a zero is then no all-clear).
    pub stale: bool,
}

fn entries(r: &ReleaseDeps) -> Vec<Entry> {
    r.open()
        .map(|v| Entry {
            id: v.id.clone(),
            cve: v.aliases.iter().find(|a| a.starts_with("CVE-")).cloned(),
            subject: v.subject.clone(),
            status: v.decision.status,
            tier: v.tier.as_str().to_string(),
            fixed_in: r
                .findings()
                .iter()
                .find(|f| f.id == v.id)
                .and_then(|f| f.fixed_in.clone()),
            summary: v.summary.clone(),
        })
        .collect()
}

/// The section for `now`, compared with `previous` when given.
pub fn notes(
    now: &ReleaseDeps,
    previous: Option<&ReleaseDeps>,
    freshness: &Freshness,
) -> DepsNotes {
    let open = entries(now);
    let before = previous.map(entries).unwrap_or_default();
    let is_open = |list: &[Entry], id: &str| list.iter().any(|e| e.id == id);
    DepsNotes {
        release: now.name.clone(),
        since: previous.map(|p| p.name.clone()),
        go: now.go().map(|g| format!("{} ({})", g.version, g.source)),
        summary: now.summary.clone(),
        fixed_since: before
            .iter()
            .filter(|e| !is_open(&open, &e.id))
            .cloned()
            .collect(),
        new_since: if previous.is_some() {
            open.iter()
                .filter(|e| !is_open(&before, &e.id))
                .map(|e| e.id.clone())
                .collect()
        } else {
            Vec::new()
        },
        open,
        freshness: freshness.description.clone(),
        warning: freshness.warning.clone(),
        stale: freshness.stale(),
    }
}

/// The section in Markdown. Everything from the tree or the records
/// (versions, module paths, summaries) is escaped: it renders as text.
pub fn to_markdown(n: &DepsNotes) -> String {
    let md = crate::escape::markdown;
    let mut s = String::from("\n## Dependencies\n\n");
    if let Some(go) = &n.go {
        let _ = writeln!(s, "Built with Go {}.\n", md(go));
    }
    for line in &n.summary {
        let _ = writeln!(s, "- {}", md(line));
    }
    let _ = writeln!(s, "\n{}.", md(&n.freshness));
    if let Some(w) = &n.warning {
        let _ = writeln!(s, "\n**Warning:** {}.", md(w));
    }
    if let Some(since) = &n.since {
        let _ = writeln!(s, "\n### Since {}\n", md(since));
        if n.fixed_since.is_empty() && n.new_since.is_empty() {
            s.push_str("No dependency vulnerability was fixed or newly opened.\n");
        }
        for e in &n.fixed_since {
            let _ = writeln!(s, "- fixed: {} ({}){}", md(&e.id), md(&e.subject), cve(e));
        }
        for id in &n.new_since {
            let _ = writeln!(s, "- newly open: {}", md(id));
        }
    }
    let _ = writeln!(s, "\n### Open dependency vulnerabilities\n");
    if n.open.is_empty() {
        s.push_str(if n.stale {
            "None found, but the database may be out of date (see the warning above).\n"
        } else {
            "None.\n"
        });
    }
    for e in &n.open {
        let _ = writeln!(
            s,
            "- {} ({}){}: {}, {}{}",
            md(&e.id),
            md(&e.subject),
            cve(e),
            e.status.as_str().replace('_', " "),
            e.tier.replace('_', " "),
            e.fixed_in
                .as_deref()
                .map(|f| format!("; fixed in {}", md(f)))
                .unwrap_or_default()
        );
    }
    s
}

fn cve(e: &Entry) -> String {
    e.cve
        .as_deref()
        .map(|c| format!(", {}", crate::escape::markdown(c)))
        .unwrap_or_default()
}
