//! The status of a (Go vulndb id, release) pair, from its findings' tiers and
//! the maintainers' statements, by these rules in order:
//! 1. a statement naming the id (or an alias) for the release decides;
//! 2. every finding `not_present` or `not_imported` → `not_affected`
//!    (`vulnerable_code_not_present`, as govulncheck justifies it);
//! 3. any finding `imported` → `affected` until a statement says otherwise
//!    (the symbols are only a hint);
//! 4. otherwise (`unknown`) → `under_investigation`.

use super::finding::{Finding, Tier};
use crate::security::statements::{Rationale, StatedStatus, Statement};
use serde::Serialize;

/// A dependency vulnerability's status on a release.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DepStatus {
    /// The vulnerable code is not in the binaries (tiers), or a statement says so.
    NotAffected,
    /// Under investigation: the closure could not be decided, or a statement.
    UnderInvestigation,
    /// Affected: a binary imports the vulnerable package, or a statement.
    Affected,
}

impl DepStatus {
    /// Report name (the OpenVEX status).
    pub fn as_str(self) -> &'static str {
        match self {
            DepStatus::NotAffected => "not_affected",
            DepStatus::UnderInvestigation => "under_investigation",
            DepStatus::Affected => "affected",
        }
    }

    /// Whether the vulnerability is still open (affected or under investigation).
    pub fn open(self) -> bool {
        self != DepStatus::NotAffected
    }
}

/// What decided a status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    /// The status.
    pub status: DepStatus,
    /// `tiers` or `statement`.
    pub source: &'static str,
    /// OpenVEX justification, impact and action statements.
    #[serde(flatten)]
    pub rationale: Rationale,
    /// How it was decided, in a sentence.
    pub note: String,
    /// The line of the statement, when one decided.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement_line: Option<usize>,
}

/// The statement that covers `id` (or one of `aliases`) on `release`.
pub fn statement_for<'s>(
    statements: &'s [Statement],
    id: &str,
    aliases: &[String],
    release: &str,
) -> Option<&'s Statement> {
    statements
        .iter()
        .find(|s| (s.cve == id || aliases.contains(&s.cve)) && s.releases.contains(release))
}

/// Decide the status of one id on one release from its findings (all of the
/// same id) and the statement that covers it, if any.
pub fn decide(findings: &[&Finding], statement: Option<&Statement>) -> Decision {
    if let Some(s) = statement {
        return stated(s);
    }
    let worst = findings
        .iter()
        .map(|f| f.tier)
        .max_by_key(|t| t.reach_rank());
    let note = derived_note(findings);
    let reasons = findings
        .iter()
        .map(|f| f.evidence.reason.as_str())
        .collect::<Vec<_>>()
        .join("; ");
    match worst {
        Some(t) if t.excludes_code() => Decision {
            status: DepStatus::NotAffected,
            source: "tiers",
            rationale: Rationale {
                justification: Some("vulnerable_code_not_present".into()),
                impact_statement: Some(format!(
                    "The vulnerable code is not in the release's binaries: {reasons}."
                )),
                action_statement: None,
            },
            note,
            statement_line: None,
        },
        Some(Tier::Imported) => Decision {
            status: DepStatus::Affected,
            source: "tiers",
            rationale: Rationale {
                action_statement: Some(format!(
                    "A binary of the release imports the vulnerable package; whether the vulnerable symbols are called was not established. {}",
                    upgrade(findings)
                )),
                ..Default::default()
            },
            note,
            statement_line: None,
        },
        _ => Decision {
            status: DepStatus::UnderInvestigation,
            source: "tiers",
            rationale: Rationale::default(),
            note: format!("Not decided: {reasons}. Treat it as possibly affected."),
            statement_line: None,
        },
    }
}

/// The note of a decision derived from the tiers: each finding's package and tier.
fn derived_note(findings: &[&Finding]) -> String {
    format!(
        "Derived by longhaul from the release's tree: {}.",
        findings
            .iter()
            .map(|f| format!(
                "{} ({})",
                f.package.as_deref().unwrap_or(&f.module),
                f.tier.as_str()
            ))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// What a maintainers' statement decides.
fn stated(s: &Statement) -> Decision {
    Decision {
        status: match s.status {
            StatedStatus::NotAffected => DepStatus::NotAffected,
            StatedStatus::Affected => DepStatus::Affected,
            StatedStatus::UnderInvestigation => DepStatus::UnderInvestigation,
        },
        source: "statement",
        rationale: s.rationale.clone(),
        note: s
            .note
            .clone()
            .unwrap_or_else(|| "Maintainers' statement.".into()),
        statement_line: Some(s.line),
    }
}

/// "Upgrade X to V or later." for the first finding with a fix.
fn upgrade(findings: &[&Finding]) -> String {
    match findings
        .iter()
        .find_map(|f| f.fixed_in.as_ref().map(|v| (f.module.as_str(), v.as_str())))
    {
        Some((module, v)) if module == super::module::STDLIB => {
            format!("Upgrade Go to {v} or later.")
        }
        Some((module, v)) => format!("Upgrade {module} to {v} or later."),
        None => "No fixed version is published.".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deps::finding::Evidence;

    fn f(tier: Tier) -> Finding {
        Finding {
            id: "GO-2099-0001".into(),
            aliases: vec!["CVE-2099-0001".into()],
            summary: None,
            module: "golang.org/x/text".into(),
            version: "v0.3.2".into(),
            package: Some("golang.org/x/text/language".into()),
            tier,
            evidence: Evidence {
                reason: "why".into(),
                ..Default::default()
            },
            fixed_in: Some("v0.3.8".into()),
            component: None,
            fixes: vec![],
            ranges: vec![],
            listed: vec![],
        }
    }

    #[test]
    fn only_code_free_tiers_become_not_affected() {
        let (absent, unused, used, unknown) = (
            f(Tier::NotPresent),
            f(Tier::NotImported),
            f(Tier::Imported),
            f(Tier::Unknown),
        );
        let d = decide(&[&absent, &unused], None);
        assert_eq!(d.status, DepStatus::NotAffected);
        assert_eq!(
            d.rationale.justification.as_deref(),
            Some("vulnerable_code_not_present")
        );
        assert_eq!(decide(&[&absent, &used], None).status, DepStatus::Affected);
        assert!(
            decide(&[&used], None)
                .rationale
                .action_statement
                .unwrap()
                .contains("Upgrade golang.org/x/text to v0.3.8")
        );
        assert_eq!(
            decide(&[&unused, &unknown], None).status,
            DepStatus::UnderInvestigation
        );
        assert_eq!(decide(&[&used, &unknown], None).status, DepStatus::Affected);
    }
}
