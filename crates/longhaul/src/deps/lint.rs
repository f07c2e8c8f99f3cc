//! `lint` findings about dependencies, read without any tree:
//! - `go-vulndb-range-disagrees`: a Go vulndb record for Kubernetes' own code
//!   (`k8s.io/kubernetes` and the staging modules) names a CVE of the
//!   Kubernetes feed, and the two disagree on a release's upstream version;
//!   the feed decides coverage, and the CVE is counted once;
//! - `unknown-go-vulndb-id`: a statement names a Go vulndb id the database
//!   does not have;
//! - `bad-binaries`: a `binaries:` entry that names no folder.

use super::database::Database;
use crate::gomod::version::Version;
use crate::release::lint::{Finding, Severity};
use crate::release::manifest::{Manifest, version_of};
use crate::security::advisory::Advisory;
use crate::security::coverage::{Published, published, scope_of};
use crate::security::statements::Statement;
use std::collections::BTreeSet;

/// Every dependency finding for `manifest`.
pub fn findings(
    manifest: &Manifest,
    advisories: &[Advisory],
    db: &Database,
    statements: &[Statement],
) -> Vec<Finding> {
    let mut out = Vec::new();
    for entry in manifest.binaries.iter().flatten() {
        if let Err(message) = super::reach::check_binary_entry(&entry.value) {
            out.push(Finding {
                severity: Severity::Error,
                code: "bad-binaries",
                line: entry.line,
                message,
            });
        }
    }
    for s in statements {
        if crate::security::statements::is_go_vulndb_id(&s.cve) && db.record(&s.cve).is_none() {
            out.push(Finding {
                severity: Severity::Error,
                code: "unknown-go-vulndb-id",
                line: 0,
                message: format!(
                    "statements.yml:{}: no record {} in the Go vulnerability database ({} records)",
                    s.line,
                    s.cve,
                    db.records.len()
                ),
            });
        }
    }
    out.extend(disagreements(manifest, advisories, db));
    out
}

/// The feed and the Go vulndb disagree on these releases' versions.
fn disagreements(manifest: &Manifest, advisories: &[Advisory], db: &Database) -> Vec<Finding> {
    let scope = scope_of(manifest);
    let versions: BTreeSet<String> = manifest
        .releases
        .iter()
        .filter_map(|r| manifest.base_tag(&r.name).ok())
        .filter_map(|t| version_of(&t))
        .collect();
    let mut out = Vec::new();
    for record in &db.records {
        let own: Vec<_> = record
            .affected
            .iter()
            .filter(|a| scope.contains(&a.module))
            .collect();
        let feed = advisories.iter().find(|a| {
            record
                .cves()
                .any(|c| c == a.cve() || a.aliases.iter().any(|x| x == c))
        });
        let (Some(feed), false) = (feed, own.is_empty()) else {
            continue;
        };
        let differ: Vec<String> = versions
            .iter()
            .filter_map(|v| disagreement(v, &own, feed, &scope))
            .collect();
        if !differ.is_empty() {
            out.push(Finding {
                severity: Severity::Warning,
                code: "go-vulndb-range-disagrees",
                line: 0,
                message: format!(
                    "{} ({}) and the Kubernetes feed's {} disagree on {}; coverage follows the feed and counts the CVE once",
                    record.id,
                    record.affected.iter().map(|a| a.module.as_str()).collect::<Vec<_>>().join(", "),
                    feed.cve(),
                    differ.join(", ")
                ),
            });
        }
    }
    out
}

/// `1.20.2 (feed: affected; Go vulndb: not affected)` when they disagree on `v`.
fn disagreement(
    v: &str,
    own: &[&super::record::AffectedModule],
    feed: &Advisory,
    scope: &[String],
) -> Option<String> {
    let go_v = Version::parse_osv(v)?;
    let feed_v = crate::security::advisory::range::parse_version(v)?;
    let go_affected = own
        .iter()
        .any(|a| super::range::affects(&a.ranges, &a.versions, &go_v));
    let feed_says = published(feed, scope, Some(&feed_v));
    let agree = matches!(
        (&feed_says, go_affected),
        (Published::Affected, true) | (Published::Fixed, false)
    ) || (matches!(feed_says, Published::NotAssessed(_)) && !go_affected);
    let feed_word = match feed_says {
        Published::Affected => "affected",
        Published::Fixed => "fixed",
        Published::NotAssessed(_) => "outside its ranges",
    };
    (!agree).then(|| {
        format!(
            "{v} (feed: {feed_word}; Go vulndb: {})",
            if go_affected {
                "affected"
            } else {
                "not affected"
            }
        )
    })
}
