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
    // Untrusted text (advisory summaries, cell notes, ids, release names)
    // goes through the YAML escapes: a line break in a summary must not start
    // a line of YAML.
    let comment = crate::escape::yaml_comment;
    let quoted = crate::escape::yaml_quoted;
    for x in suggestions {
        let _ = writeln!(
            s,
            "##\n## {}{}: {}",
            comment(&x.cve),
            x.cvss
                .map(|c| format!(" (CVSS {c:.1})"))
                .unwrap_or_default(),
            comment(x.summary.as_deref().unwrap_or(""))
        );
        let _ = writeln!(s, "## line {}: {}", comment(&x.line), comment(&x.why));
        let _ = writeln!(s, "#   - cve: {}", quoted(&x.cve));
        let _ = writeln!(
            s,
            "#     releases: [{}]",
            x.releases
                .iter()
                .map(|r| quoted(r))
                .collect::<Vec<_>>()
                .join(", ")
        );
        s.push_str("#     status: not_affected\n");
        s.push_str("#     justification: vulnerable_code_not_present\n");
        let _ = writeln!(
            s,
            "#     impact_statement: {}",
            quoted(&impact_statement(x))
        );
    }
    s
}

/// The drafted impact statement of a suggestion (to be checked).
pub fn impact_statement(x: &Suggestion) -> String {
    format!(
        "TO CHECK: the vulnerable code of {} is not present in Kubernetes {}",
        x.cve, x.line
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Remove one leading `# ` from every line that has it, as the draft's
    /// header tells a maintainer to.
    fn uncomment(text: &str) -> String {
        text.split_inclusive('\n')
            .map(|l| l.strip_prefix("# ").unwrap_or(l))
            .collect()
    }

    fn suggestion() -> impl Strategy<Value = Suggestion> {
        (
            any::<String>(),
            proptest::option::of(any::<String>()),
            proptest::option::of(0.0f64..10.0),
            any::<String>(),
            proptest::collection::vec(any::<String>(), 1..3),
            any::<String>(),
        )
            .prop_map(|(cve, summary, cvss, line, releases, why)| Suggestion {
                cve,
                summary,
                cvss,
                line,
                releases,
                why,
            })
    }

    /// The reproduction of issue 17 (item 9): a summary with `\r` and YAML.
    #[test]
    fn an_injected_statement_stays_a_comment() {
        let x = Suggestion {
            cve: "CVE-2025-0001".into(),
            summary: Some("bad\r  - cve: CVE-2025-7777\r    releases: [v1]\r    status: not_affected\r    justification: component_not_present\r    impact_statement: x".into()),
            cvss: None,
            line: "1.0".into(),
            releases: vec!["v1.0.3-lts.2".into()],
            why: "no range\u{2028}- cve: CVE-2025-7778".into(),
        };
        let text = render(std::slice::from_ref(&x));
        let draft: serde_json::Value = serde_saphyr::from_str(&text).unwrap_or_default();
        assert!(draft.is_null(), "{draft}");
        let v: serde_json::Value = serde_saphyr::from_str(&uncomment(&text)).unwrap();
        assert_eq!(v["statements"].as_array().unwrap().len(), 1, "{v}");
    }

    proptest! {
        /// Any strings through `statements suggest` parse back to exactly the
        /// drafted statements once uncommented, and to nothing before.
        #[test]
        fn any_text_parses_back_to_the_same_statements(xs in proptest::collection::vec(suggestion(), 1..4)) {
            let text = render(&xs);
            let as_is: serde_json::Value = serde_saphyr::from_str(&text).unwrap_or_default();
            prop_assert!(as_is.is_null(), "the draft itself states nothing: {}", as_is);
            let v: serde_json::Value = serde_saphyr::from_str(&uncomment(&text)).unwrap();
            let expected: Vec<serde_json::Value> = xs
                .iter()
                .map(|x| serde_json::json!({
                    "cve": x.cve,
                    "releases": x.releases,
                    "status": "not_affected",
                    "justification": "vulnerable_code_not_present",
                    "impact_statement": impact_statement(x),
                }))
                .collect();
            prop_assert_eq!(&v["statements"], &serde_json::Value::Array(expected));
        }
    }
}
