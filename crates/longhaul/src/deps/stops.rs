//! Open dependency vulnerabilities at each stop of an upgrade path: an LTS
//! release's tree, or the upstream tag of a plain version.

use super::report::Analyzer;
use crate::lifecycle::upgrade::{Plan, Stop};
use crate::security::statements::Statement;
use serde::Serialize;

/// What one stop ships and leaves open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StopDeps {
    /// The stop (release name, else `v1.19.16`).
    pub stop: String,
    /// The Go its tree names.
    pub go: Option<String>,
    /// Open dependency vulnerabilities (affected or under investigation).
    pub open: usize,
    /// Of those, the standard library's.
    pub open_stdlib: usize,
    /// Why nothing is known, when nothing is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unknown: Option<String>,
}

/// The stops of `plan` in order (where the cluster is, then each
/// control-plane hop), each with its open dependency vulnerabilities.
pub fn stops(analyzer: &mut Analyzer, plan: &Plan, statements: &[Statement]) -> Vec<StopDeps> {
    std::iter::once(&plan.from)
        .chain(plan.control_plane.iter().map(|h| &h.stop))
        .map(|s| stop(analyzer, s, statements))
        .collect()
}

fn stop(analyzer: &mut Analyzer, s: &Stop, statements: &[Statement]) -> StopDeps {
    let name = s.name();
    let result = match &s.release {
        Some(release) => analyzer.release(release, statements),
        None => analyzer
            .tag_tree(&format!("v{}", s.version))
            .and_then(|tree| analyzer.tree(tree, &name))
            .map(|deps| super::report::assess(&name, deps, statements)),
    };
    match result {
        Ok(d) => StopDeps {
            go: d.go().map(|g| g.version.clone()),
            open: d.open().count(),
            open_stdlib: d
                .open()
                .filter(|v| v.subject == super::module::STDLIB)
                .count(),
            unknown: None,
            stop: name,
        },
        Err(e) => StopDeps {
            stop: name,
            go: None,
            open: 0,
            open_stdlib: 0,
            unknown: Some(e.to_string()),
        },
    }
}
