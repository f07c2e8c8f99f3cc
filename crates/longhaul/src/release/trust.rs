//! What a change to the manifest does to what longhaul trusts: a pull request
//! changes data (releases, patches, statements), never authority. The
//! findings here name every change, relative to a base revision, that would
//! move authority: the upstream (`upstream:`, `base:`), the commands checks
//! run (`checks:`, which are code), and the tolerated lists that decide
//! whether a failing check fails the gate.

use crate::release::lint::{Finding, Severity};
use crate::release::manifest::{CheckEntry, Manifest};

/// The findings of `lint --since REV`: `then` is the manifest at REV.
pub fn findings_since(then: &Manifest, now: &Manifest) -> Vec<Finding> {
    let mut out: Vec<Finding> = crate::release::upstream::authority_changes(then, now)
        .into_iter()
        .map(|(line, message)| Finding {
            severity: Severity::Error,
            code: "upstream-changed",
            line,
            message,
        })
        .collect();
    for (line, message) in check_changes(then, now) {
        out.push(Finding {
            severity: Severity::Warning,
            code: "checks-changed",
            line,
            message,
        });
    }
    for r in &now.releases {
        let before = then.releases.iter().find(|o| o.name == r.name);
        for (field, list, old) in [
            (
                "test_failures_tolerated",
                &r.test_failures_tolerated,
                before.map(|b| &b.test_failures_tolerated),
            ),
            (
                "test_integration_failures_tolerated",
                &r.test_integration_failures_tolerated,
                before.map(|b| &b.test_integration_failures_tolerated),
            ),
        ] {
            let added: Vec<&String> = list
                .iter()
                .filter(|e| !old.is_some_and(|o| o.contains(e)))
                .collect();
            if !added.is_empty() {
                out.push(Finding {
                    severity: Severity::Warning,
                    code: "tolerated-changed",
                    line: r.line,
                    message: format!(
                        "release `{}` now tolerates failures in {} (`{field}`): a failing check there no longer fails the gate",
                        r.name,
                        added.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ")
                    ),
                });
            }
        }
    }
    out
}

/// Each `checks:` entry whose commands or judgement differ between `then`
/// and `now` (new, removed or changed), as `(line, sentence)`.
pub fn check_changes(then: &Manifest, now: &Manifest) -> Vec<(usize, String)> {
    let old = then.checks.clone().unwrap_or_default();
    let new = now.checks.clone().unwrap_or_default();
    let mut out = Vec::new();
    for c in &new {
        match old.iter().find(|o| o.name == c.name) {
            None => out.push((
                c.run.line,
                format!(
                    "check `{}` is new: it runs `{}`{}",
                    c.name,
                    c.run.value,
                    setup_text(c)
                ),
            )),
            Some(o) if key(o) != key(c) => out.push((
                c.run.line,
                format!(
                    "check `{}` changed: it ran `{}`{}, now `{}`{}",
                    c.name,
                    o.run.value,
                    setup_text(o),
                    c.run.value,
                    setup_text(c)
                ),
            )),
            Some(_) => {}
        }
    }
    for o in old.iter().filter(|o| !new.iter().any(|c| c.name == o.name)) {
        out.push((
            0,
            format!("check `{}` (`{}`) was removed", o.name, o.run.value),
        ));
    }
    out
}

fn setup_text(c: &CheckEntry) -> String {
    c.setup
        .as_ref()
        .map(|s| format!(" after `{}`", s.value))
        .unwrap_or_default()
}

type CheckKey<'a> = (
    &'a str,
    Option<&'a str>,
    Option<u32>,
    Option<&'a str>,
    Option<&'a str>,
    Option<&'a str>,
);

fn key(c: &CheckEntry) -> CheckKey<'_> {
    (
        c.run.value.as_str(),
        c.parser.as_ref().map(|v| v.value.as_str()),
        c.retries,
        c.tolerated.as_ref().map(|v| v.value.as_str()),
        c.packages.as_ref().map(|v| v.value.as_str()),
        c.setup.as_ref().map(|v| v.value.as_str()),
    )
}
