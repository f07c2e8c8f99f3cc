//! `statements suggest`: draft maintainers' statements for the cells nobody
//! assessed, so that they can be assessed in bulk.
//!
//! The draft is YAML for `statements.yml`, commented out: a maintainer reads the
//! code, edits the justification and impact statement, and uncomments what holds.
//! Explanations are `##` comments; YAML lines are `# `-commented, so removing one
//! leading `# ` from every line that has it gives a file that loads.

use crate::release::manifest::version_of;
use crate::security::coverage::{Coverage, Status};
use serde::Serialize;
use std::fmt::Write as _;

/// The `not_assessed` cells of one CVE on one minor line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggestion {
    /// CVE id.
    pub cve: String,
    /// Summary of the advisory.
    pub summary: Option<String>,
    /// CVSS base score.
    pub cvss: Option<f64>,
    /// The minor line, `1.17`.
    pub line: String,
    /// The releases of that line whose cell is `not_assessed`, newest first.
    pub releases: Vec<String>,
    /// Why they are not assessed (the cell's note).
    pub why: String,
}

/// Suggestions for the `not_assessed` cells of `releases`, newest CVE first,
/// then newest line first.
pub fn suggestions(coverage: &Coverage, releases: &[&str]) -> Vec<Suggestion> {
    let mut out = Vec::new();
    for row in coverage.cves.iter().filter(|r| r.in_scope) {
        let mut by_line: std::collections::BTreeMap<
            (u64, u64),
            Vec<&crate::security::coverage::Cell>,
        > = Default::default();
        for cell in coverage.cells.iter().filter(|c| {
            c.cve == row.id
                && c.status == Status::NotAssessed
                && releases.contains(&c.release.as_str())
        }) {
            let minor = version_of(&cell.release)
                .and_then(|v| crate::security::advisory::range::parse_version(&v))
                .map(|v| (v.major, v.minor))
                .unwrap_or((0, 0));
            by_line.entry(minor).or_default().push(cell);
        }
        for ((major, minor), cells) in by_line.into_iter().rev() {
            let mut releases: Vec<String> = cells.iter().map(|c| c.release.clone()).collect();
            releases.sort_by(|a, b| b.cmp(a));
            out.push(Suggestion {
                cve: row.id.clone(),
                summary: row.summary.clone(),
                cvss: row.cvss.as_ref().map(|c| c.score),
                line: format!("{major}.{minor}"),
                releases,
                why: cells[0].note.clone().unwrap_or_default(),
            });
        }
    }
    out
}

/// The suggestions as a commented-out `statements.yml`.
pub fn render(suggestions: &[Suggestion]) -> String {
    let mut s = String::new();
    s.push_str("## Drafted by `longhaul statements suggest`: CVE x release cells that nobody has assessed\n");
    s.push_str("## (no published range, LTS patch or statement covers them), newest CVE first.\n");
    s.push_str(
        "## For each block: check the code of that line, correct the justification (one of\n",
    );
    s.push_str("## component_not_present, vulnerable_code_not_present, vulnerable_code_not_in_execute_path,\n");
    s.push_str("## vulnerable_code_cannot_be_controlled_by_adversary, inline_mitigations_already_exist) and\n");
    s.push_str(
        "## the impact statement, or change the status to `affected` with an action_statement.\n",
    );
    s.push_str("## Then remove one leading `# ` from its lines. Uncommenting without checking would publish\n");
    s.push_str("## a `not_affected` nobody verified.\n");
    if suggestions.is_empty() {
        s.push_str("## Nothing to suggest: every cell is assessed.\n");
        return s;
    }
    s.push_str("# statements:\n");
    for x in suggestions {
        let _ = writeln!(
            s,
            "##\n## {}{}: {}",
            x.cve,
            x.cvss
                .map(|c| format!(" (CVSS {c:.1})"))
                .unwrap_or_default(),
            x.summary.as_deref().unwrap_or("").replace('\n', " ")
        );
        let _ = writeln!(s, "## line {}: {}", x.line, x.why.replace('\n', " "));
        let _ = writeln!(s, "#   - cve: {}", x.cve);
        let _ = writeln!(
            s,
            "#     releases: [{}]",
            x.releases
                .iter()
                .map(|r| yaml_string(r))
                .collect::<Vec<_>>()
                .join(", ")
        );
        s.push_str("#     status: not_affected\n");
        s.push_str("#     justification: vulnerable_code_not_present\n");
        let _ = writeln!(
            s,
            "#     impact_statement: {}",
            yaml_string(&format!(
                "TO CHECK: the vulnerable code of {} is not present in Kubernetes {}",
                x.cve, x.line
            ))
        );
    }
    s
}

/// A double-quoted YAML string.
fn yaml_string(s: &str) -> String {
    serde_json::to_string(s).expect("a string serializes")
}
