//! `statements suggest` for dependency findings: a commented-out draft for
//! every open (id, line) that no statement covers, with the evidence a
//! maintainer needs to decide it. An `imported` finding whose exported
//! symbols no importing file names is drafted as `not_affected`
//! (`vulnerable_code_not_in_execute_path`, to check); every other one as
//! `affected` with the upgrade as action, to check too.

use super::report::ReleaseDeps;
use super::status::DepStatus;
use crate::release::line::Minor;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The draft for one id on one line.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Suggestion {
    /// The Go vulndb id.
    pub id: String,
    /// Its CVE, if any.
    pub cve: Option<String>,
    /// `stdlib` or the module.
    pub subject: String,
    /// The line.
    pub line: String,
    /// Its releases with the open finding, newest first.
    pub releases: Vec<String>,
    /// The drafted status.
    pub status: DepStatus,
    /// Why (tier, symbols).
    pub evidence: String,
    /// The upgrade that fixes it, if any.
    pub fix: Option<String>,
}

/// Drafts for the open, unstated findings of `reports`.
pub fn suggestions(reports: &[ReleaseDeps]) -> Vec<Suggestion> {
    let mut by: BTreeMap<(String, String, String), Suggestion> = BTreeMap::new();
    for r in reports {
        let line = Minor::parse(&r.name)
            .map(|m| m.to_string())
            .unwrap_or_else(|| r.name.clone());
        for v in r.open().filter(|v| v.decision.source == "tiers") {
            let findings: Vec<_> = r.findings().iter().filter(|f| f.id == v.id).collect();
            let hint_clear = findings.iter().all(|f| {
                f.evidence
                    .symbol_hint
                    .as_ref()
                    .is_some_and(|h| h.named_in.is_empty() && h.complete)
            });
            let status = if v.tier == super::finding::Tier::Imported && hint_clear {
                DepStatus::NotAffected
            } else {
                DepStatus::Affected
            };
            let evidence = findings
                .iter()
                .map(|f| {
                    let symbols = f
                        .evidence
                        .symbol_hint
                        .as_ref()
                        .map(|h| match h.named_in.first() {
                            Some(n) => format!("; {} named in {}", n.symbol, n.file),
                            None => format!("; no importing file names {}", h.not_named.join(", ")),
                        })
                        .unwrap_or_default();
                    format!(
                        "{} {}{symbols}",
                        f.package.as_deref().unwrap_or(&f.module),
                        f.tier.as_str()
                    )
                })
                .collect::<Vec<_>>()
                .join("; ");
            let s = by
                .entry((v.id.clone(), v.subject.clone(), line.clone()))
                .or_insert_with(|| Suggestion {
                    id: v.id.clone(),
                    cve: v.aliases.iter().find(|a| a.starts_with("CVE-")).cloned(),
                    subject: v.subject.clone(),
                    line: line.clone(),
                    releases: Vec::new(),
                    status,
                    evidence,
                    fix: findings.iter().find_map(|f| f.fixed_in.clone()),
                });
            s.releases.push(r.name.clone());
        }
    }
    by.into_values().rev().collect()
}

/// The drafts as commented-out `statements.yml` entries (`##` explanations,
/// `# ` YAML), to append to the Kubernetes CVE drafts.
pub fn render(suggestions: &[Suggestion]) -> String {
    let mut s = String::from(
        "##\n## Dependency findings (Go vulnerability database): open findings no statement covers.\n## `imported` is affected until you show otherwise; the symbol hint only says where to look.\n",
    );
    if suggestions.is_empty() {
        s.push_str("## Nothing to suggest: every dependency finding is decided.\n");
        return s;
    }
    for x in suggestions {
        draft(&mut s, x);
    }
    s
}

/// One suggestion as a commented-out `statements.yml` entry.
fn draft(s: &mut String, x: &Suggestion) {
    // Subjects, file names and versions come from the tree and the
    // records: inert in a comment, quoted as scalars.
    let q = crate::escape::yaml_quoted;
    let _ = writeln!(
        s,
        "##\n## {}",
        crate::escape::yaml_comment(&format!(
            "{}{} ({}), line {}: {}",
            x.id,
            x.cve
                .as_deref()
                .map(|c| format!(" / {c}"))
                .unwrap_or_default(),
            x.subject,
            x.line,
            x.evidence
        ))
    );
    let _ = writeln!(s, "#   - cve: {}", q(&x.id));
    let _ = writeln!(
        s,
        "#     releases: [{}]",
        x.releases
            .iter()
            .map(|r| q(r))
            .collect::<Vec<_>>()
            .join(", ")
    );
    match x.status {
        DepStatus::NotAffected => {
            s.push_str("#     status: not_affected\n#     justification: vulnerable_code_not_in_execute_path\n");
            let _ = writeln!(
                s,
                "#     impact_statement: {}",
                q(&format!(
                    "TO CHECK: no code of the release calls the vulnerable symbols of {}",
                    x.id
                ))
            );
        }
        _ => {
            s.push_str("#     status: affected\n");
            let what = if x.subject == super::module::STDLIB {
                "Go"
            } else {
                x.subject.as_str()
            };
            let action = match &x.fix {
                Some(v) => format!("TO CHECK: upgrade {what} to {v}"),
                None => format!("TO CHECK: no fixed version of {} is published", x.subject),
            };
            let _ = writeln!(s, "#     action_statement: {}", q(&action));
        }
    }
}
