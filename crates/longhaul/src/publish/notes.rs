//! Release notes: what a release is built on, every patch of its chain with
//! its commits, authors and upstream references, the CVEs it fixes, what
//! changed since the previous release of its line, and the CVEs still open.

use super::embargo::Publication;
use crate::release::line::{Minor, line_of, lines};
use crate::release::manifest::PatchSource;
use crate::release::patch_cache::PatchLoader;
use crate::security::coverage::{Source, Status};
use serde::Serialize;
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// Release notes of one release.
#[derive(Debug, Clone, Serialize)]
pub struct Notes {
    /// The release.
    pub release: String,
    /// Its line.
    pub line: Option<Minor>,
    /// The upstream tag at the bottom of its chain.
    pub base: String,
    /// The release it is compared with: the previous release of its line, or
    /// the one asked for.
    pub since: Option<String>,
    /// The chain, newest release first, each with its own patches.
    pub chain: Vec<ReleasePatches>,
    /// Patches new since `since` (in the chain now, not then).
    pub added: Vec<String>,
    /// Patches in `since`'s chain that this release no longer carries.
    pub dropped: Vec<String>,
    /// CVEs fixed by an LTS patch of this release.
    pub fixed: Vec<CveNote>,
    /// CVEs fixed here that `since` did not fix.
    pub newly_fixed: Vec<String>,
    /// CVEs still open: affected, under investigation or not assessed.
    pub open: Vec<CveNote>,
    /// What the inputs lack (no advisories, no statements).
    pub missing: Vec<String>,
    /// How old the advisories are (`None` without advisories): the open
    /// CVEs are only as current as the feed.
    pub feed: Option<crate::security::freshness::FeedAge>,
}

/// One release of the chain and the patches it adds.
#[derive(Debug, Clone, Serialize)]
pub struct ReleasePatches {
    /// The release.
    pub release: String,
    /// Its patches, in order.
    pub patches: Vec<PatchNote>,
}

/// One patch.
#[derive(Debug, Clone, Serialize)]
pub struct PatchNote {
    /// The manifest's name.
    pub name: String,
    /// Local files and URLs, as in the manifest.
    pub items: Vec<String>,
    /// Its commits.
    pub commits: Vec<CommitNote>,
    /// CVEs it is linked to (stated or inferred).
    pub cves: Vec<String>,
    /// Why it is carried, when it links no CVE.
    pub reason: Option<String>,
    /// The manifest's note.
    pub note: Option<String>,
    /// Upstream pull requests and commits it comes from.
    pub upstream: Vec<String>,
    /// Why its files could not be read, if so.
    pub unreadable: Option<String>,
}

/// One commit of a patch.
#[derive(Debug, Clone, Serialize)]
pub struct CommitNote {
    /// Subject line.
    pub subject: String,
    /// Author name.
    pub author: String,
    /// Author time, seconds since the epoch.
    pub time: i64,
}

/// A CVE and its state on the release.
#[derive(Debug, Clone, Serialize)]
pub struct CveNote {
    /// The CVE id.
    pub id: String,
    /// One-line summary.
    pub summary: Option<String>,
    /// CVSS score and severity (`8.8 HIGH`).
    pub severity: Option<String>,
    /// `fixed`, `affected`, `under_investigation`, `not_assessed`, `not_affected`.
    pub status: Status,
    /// The fixing patch, the statement's text, or "no fix yet".
    pub detail: String,
}

/// Notes for `release` (which must be in the publication), compared with
/// `since` (default: the previous release of its line).
pub fn notes(
    publication: &Publication,
    release: &str,
    since: Option<&str>,
    loader: &PatchLoader,
) -> crate::Result<Notes> {
    let manifest = &publication.manifest;
    manifest.release(release)?;
    let line = line_of(manifest, release);
    let since = match since {
        Some(s) => {
            manifest.release(s)?;
            Some(s.to_string())
        }
        None => lines(manifest)
            .into_iter()
            .find(|l| Some(l.minor) == line)
            .and_then(|l| l.previous(release).map(|r| r.name.clone())),
    };
    let mut chain = Vec::new();
    for r in manifest.chain(release)?.into_iter().rev() {
        let patches = r
            .patches
            .iter()
            .map(|p| patch_note(publication, &p.value, p.line, loader))
            .collect::<crate::Result<Vec<_>>>()?;
        chain.push(ReleasePatches {
            release: r.name.clone(),
            patches,
        });
    }
    let ordered: Vec<String> = manifest
        .full_patch_list(release)?
        .iter()
        .map(|p| p.value.clone())
        .collect();
    let now: BTreeSet<String> = ordered.iter().cloned().collect();
    let then: BTreeSet<String> = match &since {
        Some(s) => manifest
            .full_patch_list(s)?
            .iter()
            .map(|p| p.value.clone())
            .collect(),
        None => BTreeSet::new(),
    };
    let added = ordered
        .iter()
        .filter(|p| !then.contains(*p))
        .cloned()
        .collect();
    let dropped = then.difference(&now).cloned().collect();
    let (mut fixed, mut open): (Vec<CveNote>, Vec<CveNote>) = (Vec::new(), Vec::new());
    let mut fixed_then = BTreeSet::new();
    if let Some(cov) = &publication.coverage {
        for row in cov.cves.iter().filter(|r| r.in_scope) {
            if let Some(s) = &since
                && let Some(c) = cov.cell(&row.id, s)
                && c.status == Status::Fixed
            {
                fixed_then.insert(row.id.clone());
            }
            let Some(cell) = cov.cell(&row.id, release) else {
                continue;
            };
            let note = |detail: String| CveNote {
                id: row.id.clone(),
                summary: row.summary.clone(),
                severity: row
                    .cvss
                    .as_ref()
                    .map(|c| format!("{:.1} {}", c.score, c.severity)),
                status: cell.status,
                detail,
            };
            match (cell.source, cell.status) {
                (Source::Patch, _) => fixed.push(note(format!(
                    "fixed by {}{}",
                    cell.patch.as_deref().unwrap_or("?"),
                    if cell.inferred {
                        " (linked by its name or commit message)"
                    } else {
                        ""
                    }
                ))),
                (_, Status::Affected | Status::UnderInvestigation | Status::NotAssessed) => open
                    .push(note(match &cell.statement {
                        Some(st) => statement_text(st),
                        None if cell.status == Status::NotAssessed => format!(
                            "not assessed: {}",
                            cell.note.as_deref().unwrap_or(
                                "no published range, patch or statement covers this version"
                            )
                        ),
                        None => "no fix yet".to_string(),
                    })),
                _ => {}
            }
        }
    }
    // CVEs a patch of the chain is linked to that no advisory describes
    // (older than the feed, or not imported): fixed, said without a severity.
    let known: BTreeSet<&str> = publication
        .coverage
        .as_ref()
        .map(|c| c.cves.iter().map(|r| r.id.as_str()).collect())
        .unwrap_or_default();
    let mut extra = Vec::new();
    for r in &chain {
        for p in &r.patches {
            for cve in &p.cves {
                if !known.contains(cve.as_str()) && !extra.iter().any(|c: &CveNote| &c.id == cve) {
                    extra.push(CveNote {
                        id: cve.clone(),
                        summary: None,
                        severity: None,
                        status: Status::Fixed,
                        detail: format!("fixed by {} (no advisory for it in the feed)", p.name),
                    });
                }
            }
        }
    }
    fixed.extend(extra);
    let newly_fixed = fixed
        .iter()
        .filter(|c| since.is_some() && !fixed_then.contains(&c.id))
        .map(|c| c.id.clone())
        .collect();
    Ok(Notes {
        release: release.to_string(),
        line,
        base: manifest.base_tag(release)?,
        since,
        chain,
        added,
        dropped,
        fixed,
        newly_fixed,
        open,
        missing: publication.missing.clone(),
        feed: publication.feed.clone(),
    })
}

impl Notes {
    /// When the release was made, as far as its inputs tell: the newest
    /// author time among the commits of its own patches.
    pub fn date(&self) -> Option<i64> {
        self.chain
            .first()?
            .patches
            .iter()
            .flat_map(|p| p.commits.iter().map(|c| c.time))
            .max()
    }
}

/// The feed's age as a Markdown paragraph, with the warning when it is
/// stale (empty without advisories: `missing` says so).
pub fn feed_markdown(feed: Option<&crate::security::freshness::FeedAge>) -> String {
    let Some(f) = feed else {
        return String::new();
    };
    let mut s = format!("As of the advisory feed: {}.\n\n", f.summary());
    if let Some(w) = f.warning() {
        s.push_str(&format!("> **Warning:** {w}\n\n"));
    }
    s
}

/// A statement as one line: status and what it says.
pub fn statement_text(st: &crate::security::statements::Statement) -> String {
    let r = &st.rationale;
    let words: Vec<&str> = [
        r.justification.as_deref(),
        r.impact_statement.as_deref(),
        r.action_statement.as_deref(),
        st.note.as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect();
    format!(
        "statement: {}{}",
        serde_json::to_value(st.status)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default(),
        if words.is_empty() {
            String::new()
        } else {
            format!(" ({})", words.join("; "))
        }
    )
}

/// One patch's note. A local file that cannot be read or parsed is an error
/// at the manifest line that uses it (publishing "commits unknown" for it
/// would hide the problem); a URL item missing from the cache is noted.
fn patch_note(
    publication: &Publication,
    name: &str,
    used_at: usize,
    loader: &PatchLoader,
) -> crate::Result<PatchNote> {
    let manifest = &publication.manifest;
    let def = manifest.patch(name);
    let mut note = PatchNote {
        name: name.to_string(),
        items: Vec::new(),
        commits: Vec::new(),
        cves: publication
            .links
            .get(name)
            .map(|l| l.iter().map(|l| l.cve.clone()).collect())
            .unwrap_or_default(),
        reason: def
            .as_ref()
            .and_then(|d| d.reason.map(|r| r.as_str().to_string())),
        note: def.as_ref().and_then(|d| d.note.clone()),
        upstream: Vec::new(),
        unreadable: None,
    };
    let Some(def) = def else {
        note.unreadable = Some("not defined in the manifest and no patches/NAME.patch".into());
        return Ok(note);
    };
    let base = manifest.base.as_deref().map(|b| b.trim_end_matches('/'));
    for item in &def.items {
        note.items.push(item.value.clone());
        let source = manifest.source(&item.value);
        if let PatchSource::Url(url) = &source {
            push_unique(&mut note.upstream, url_of_patch(url));
            if !loader.is_cached(url) {
                note.unreadable
                    .get_or_insert_with(|| format!("{url} is not in the patch cache"));
                continue;
            }
        }
        match loader.load(&source).as_ref() {
            Ok(file) => {
                for c in &file.commits {
                    let Some(meta) = &c.meta else { continue };
                    note.commits.push(CommitNote {
                        subject: meta.subject.clone(),
                        author: meta.author_name.clone(),
                        time: meta.time,
                    });
                    for r in references(&meta.message, base) {
                        push_unique(&mut note.upstream, r);
                    }
                }
            }
            Err(e) if matches!(source, PatchSource::File(_)) => {
                return Err(crate::Error::Manifest {
                    file: manifest.path.clone(),
                    line: if item.line > 0 { item.line } else { used_at },
                    message: format!("patch `{name}`: {}", e.clone().into_error()),
                });
            }
            Err(e) => {
                note.unreadable
                    .get_or_insert_with(|| e.clone().into_error().to_string());
            }
        }
    }
    Ok(note)
}

fn push_unique(v: &mut Vec<String>, s: String) {
    if !v.contains(&s) {
        v.push(s);
    }
}

/// `…/pull/124531.patch` → `…/pull/124531`.
fn url_of_patch(url: &str) -> String {
    url.strip_suffix(".patch")
        .or_else(|| url.strip_suffix(".diff"))
        .unwrap_or(url)
        .to_string()
}

/// Upstream references in a commit message: GitHub pull request and commit
/// URLs, `(cherry picked from commit SHA)`, and "cherry pick of #N" (as
/// Kubernetes' cherry-pick script writes), made URLs against `base`.
pub fn references(message: &str, base: Option<&str>) -> Vec<String> {
    let mut out = Vec::new();
    for word in message
        .split(|c: char| c.is_whitespace() || matches!(c, '(' | ')' | '<' | '>' | '[' | ']' | ','))
    {
        let w = word.trim_end_matches(['.', ':', ';']);
        if w.starts_with("https://github.com/") && (w.contains("/pull/") || w.contains("/commit/"))
        {
            push_unique(&mut out, w.to_string());
        }
    }
    let lower = message.to_ascii_lowercase();
    if let Some(base) = base.filter(|b| b.starts_with("https://github.com/")) {
        for (i, _) in lower.match_indices("cherry picked from commit ") {
            let sha: String = message[i + 26..]
                .chars()
                .take_while(|c| c.is_ascii_hexdigit())
                .collect();
            if sha.len() >= 7 {
                push_unique(&mut out, format!("{base}/commit/{sha}"));
            }
        }
        for (i, _) in lower.match_indices("cherry pick of ") {
            for part in message[i + 15..]
                .split([',', ' '])
                .filter(|p| !p.is_empty())
                .take_while(|p| p.starts_with('#'))
            {
                let n: String = part[1..]
                    .chars()
                    .take_while(|c| c.is_ascii_digit())
                    .collect();
                if !n.is_empty() {
                    push_unique(&mut out, format!("{base}/pull/{n}"));
                }
            }
        }
    }
    out
}

/// The notes as Markdown. Every string from the inputs (names, subjects,
/// authors, summaries, notes) goes through [`crate::escape::markdown`], so
/// advisory text or a patch subject never becomes HTML or a link.
pub fn to_markdown(n: &Notes) -> String {
    use crate::escape::markdown as md;
    let mut s = String::new();
    let _ = writeln!(s, "# {}\n", md(&n.release));
    let _ = writeln!(
        s,
        "Built on upstream {}{}.\n",
        crate::escape::markdown_code(&n.base),
        n.since
            .as_deref()
            .map(|p| format!("; compared with {}", md(p)))
            .unwrap_or_default()
    );
    for m in &n.missing {
        let _ = writeln!(s, "> **Missing input:** {}\n", md(m));
    }
    if let Some(since) = &n.since {
        let _ = writeln!(s, "## Changes since {}\n", md(since));
        if n.added.is_empty() && n.dropped.is_empty() {
            let _ = writeln!(s, "No patch added or dropped.");
        }
        for p in &n.added {
            let _ = writeln!(s, "- added {}", crate::escape::markdown_code(p));
        }
        for p in &n.dropped {
            let _ = writeln!(s, "- dropped {}", crate::escape::markdown_code(p));
        }
        for c in &n.newly_fixed {
            let _ = writeln!(s, "- now fixes {}", md(c));
        }
        s.push('\n');
    }
    let no_advisories = n.missing.iter().any(|m| m.starts_with("no advisories"));
    let _ = writeln!(s, "## CVEs fixed by LTS patches\n");
    if n.fixed.is_empty() {
        let _ = writeln!(
            s,
            "{}\n",
            if no_advisories {
                "Unknown: no advisories."
            } else {
                "None."
            }
        );
    } else {
        let _ = writeln!(s, "| CVE | Severity | Fix | Summary |\n|---|---|---|---|");
        for c in &n.fixed {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} |",
                md(&c.id),
                md(c.severity.as_deref().unwrap_or("-")),
                md(&c.detail),
                md(c.summary.as_deref().unwrap_or(""))
            );
        }
        s.push('\n');
    }
    let _ = writeln!(s, "## CVEs still open\n");
    s.push_str(&feed_markdown(n.feed.as_ref()));
    if n.open.is_empty() {
        let _ = writeln!(
            s,
            "{}\n",
            if no_advisories {
                "Unknown: no advisories."
            } else {
                "None known."
            }
        );
    } else {
        let _ = writeln!(s, "| CVE | Severity | Status | Why |\n|---|---|---|---|");
        for c in &n.open {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} |",
                md(&c.id),
                md(c.severity.as_deref().unwrap_or("-")),
                crate::security::coverage::Status::as_words(c.status),
                md(&c.detail)
            );
        }
        s.push('\n');
    }
    let _ = writeln!(s, "## Patches, newest release first\n");
    for r in &n.chain {
        let _ = writeln!(s, "### {}\n", md(&r.release));
        if r.patches.is_empty() {
            let _ = writeln!(s, "No patches of its own.\n");
        }
        for p in &r.patches {
            patch_markdown(&mut s, p);
        }
        s.push('\n');
    }
    s
}

fn patch_markdown(s: &mut String, p: &PatchNote) {
    use crate::escape::markdown as md;
    let mut tags: Vec<String> = p.cves.iter().map(|c| md(c)).collect();
    if let Some(reason) = &p.reason {
        tags.push(format!("reason: {}", md(reason)));
    }
    let _ = writeln!(
        s,
        "- **{}**{}",
        md(&p.name),
        if tags.is_empty() {
            String::new()
        } else {
            format!(" ({})", tags.join(", "))
        }
    );
    if let Some(note) = &p.note {
        let _ = writeln!(s, "  {}", md(note));
    }
    for c in &p.commits {
        let _ = writeln!(s, "  - {} ({})", md(&c.subject), md(&c.author));
    }
    for u in &p.upstream {
        match crate::escape::http_url(u) {
            Some(url) => {
                let _ = writeln!(s, "  - upstream: <{url}>");
            }
            None => {
                let _ = writeln!(s, "  - upstream: {}", md(u));
            }
        }
    }
    if let Some(why) = &p.unreadable {
        let _ = writeln!(s, "  - commits unknown: {}", md(why));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_from_commit_messages() {
        let msg = "Automated cherry pick of #98201, #98300: fix mounts\n\nSee https://github.com/kubernetes/kubernetes/pull/98201.\n(cherry picked from commit 0123456789abcdef0123456789abcdef01234567)\n";
        let refs = references(msg, Some("https://github.com/kubernetes/kubernetes"));
        assert_eq!(
            refs,
            [
                "https://github.com/kubernetes/kubernetes/pull/98201",
                "https://github.com/kubernetes/kubernetes/commit/0123456789abcdef0123456789abcdef01234567",
                "https://github.com/kubernetes/kubernetes/pull/98300",
            ]
        );
        assert!(
            references("cherry pick of #1", Some("https://example.org/x")).is_empty(),
            "only GitHub bases make URLs"
        );
        assert_eq!(
            url_of_patch("https://github.com/k/k/pull/1.patch"),
            "https://github.com/k/k/pull/1"
        );
    }
}
