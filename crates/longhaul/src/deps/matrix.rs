//! The dependency cells beside the Kubernetes CVEs (`coverage --deps`): one
//! row per Go vulndb id, one cell per release, statements applied.

use super::finding::Tier;
use super::report::ReleaseDeps;
use super::status::DepStatus;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// One (id, release) cell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cell {
    /// The release.
    pub release: String,
    /// Its status there.
    pub status: DepStatus,
    /// The most reaching tier of its findings there.
    pub tier: Tier,
    /// `tiers` or `statement`.
    pub source: &'static str,
}

/// One row: a Go vulndb id and the releases it is a finding of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    /// The id.
    pub id: String,
    /// Its aliases.
    pub aliases: Vec<String>,
    /// `stdlib`, the module or the component.
    pub subject: String,
    /// Its summary.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// One cell per release where it is a finding (a release without a cell
    /// ships no affected version).
    pub cells: Vec<Cell>,
}

/// Rows for `reports`, sorted by id (newest first).
pub fn matrix(reports: &[ReleaseDeps]) -> Vec<Row> {
    let mut rows: BTreeMap<(String, String), Row> = BTreeMap::new();
    for r in reports {
        for v in &r.vulnerabilities {
            let row = rows
                .entry((v.id.clone(), v.subject.clone()))
                .or_insert_with(|| Row {
                    id: v.id.clone(),
                    aliases: v.aliases.clone(),
                    subject: v.subject.clone(),
                    summary: v.summary.clone(),
                    cells: Vec::new(),
                });
            row.cells.push(Cell {
                release: r.name.clone(),
                status: v.decision.status,
                tier: v.tier,
                source: v.decision.source,
            });
        }
    }
    rows.into_values().rev().collect()
}

/// The rows as a Markdown table, releases as columns, with a legend.
pub fn to_markdown(rows: &[Row], releases: &[String]) -> String {
    let mut s = String::from("| Go vulndb | subject |");
    for r in releases {
        let _ = write!(s, " {} |", crate::escape::markdown(r));
    }
    s.push_str("\n|---|---|");
    s.push_str(&"---|".repeat(releases.len()));
    s.push('\n');
    for row in rows {
        let _ = write!(
            s,
            "| {} | {} |",
            crate::escape::markdown(&row.id),
            crate::escape::markdown(&row.subject)
        );
        for r in releases {
            let mark = match row.cells.iter().find(|c| &c.release == r) {
                None => String::new(),
                Some(c) => {
                    let word = match c.status {
                        DepStatus::Affected => "**AFFECTED**",
                        DepStatus::UnderInvestigation => "under investigation",
                        DepStatus::NotAffected => "not affected",
                    };
                    let how = if c.source == "statement" {
                        "VEX".to_string()
                    } else {
                        c.tier.as_str().replace('_', " ")
                    };
                    format!("{word} ({how})")
                }
            };
            let _ = write!(s, " {mark} |");
        }
        s.push('\n');
    }
    s.push_str("\nCells name the status and the reachability tier (or `VEX`: a maintainers' statement). Only `not present` and `not imported` become `not affected` without a statement; `imported` is affected until a statement says otherwise; `unknown` is under investigation. An empty cell: the release ships no affected version.\n");
    s
}
