//! The smallest upgrade that clears a release's open findings: a Go patch
//! release of the minor already used ("patch the version already used"), and
//! what still needs a newer minor; per module, the lowest fixed version at or
//! above the current one, and how far it goes.

use super::finding::Finding;
use super::module::STDLIB;
use crate::gomod::version::{Step, Version};
use serde::Serialize;
use std::collections::BTreeMap;

/// The remedy of one release.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Remedy {
    /// For the Go toolchain, when it has open standard library findings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub go: Option<GoRemedy>,
    /// Per module with findings, by path.
    pub modules: Vec<ModuleRemedy>,
}

/// Upgrading Go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GoRemedy {
    /// The Go used (`1.15.5`).
    pub current: String,
    /// Standard library vulnerabilities matched (distinct ids).
    pub vulnerabilities: usize,
    /// Of those, the ones that may reach a binary (`imported` or `unknown`).
    pub reachable: usize,
    /// The lowest patch release of the same minor that fixes every reachable
    /// vulnerability fixable within the minor, and how many it fixes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patch: Option<Upgrade>,
    /// Reachable vulnerabilities with no fix in the minor: id and the lowest
    /// fixed version (`None`: no fix published).
    pub needs_newer_minor: Vec<(String, Option<String>)>,
    /// The oldest minor with a fix for one of those (`1.16`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub newer_minor_from: Option<String>,
    /// The lowest Go release that fixes every reachable vulnerability that
    /// has a published fix, and how many that is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clears_all: Option<Upgrade>,
}

/// One upgrade target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Upgrade {
    /// The version to move to.
    pub version: String,
    /// How many of the vulnerabilities considered it fixes.
    pub fixes: usize,
    /// How far it goes from the current version.
    pub step: Step,
}

/// Upgrading one module.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModuleRemedy {
    /// The module path.
    pub path: String,
    /// The version built now.
    pub current: String,
    /// The lowest version that fixes every reachable (`imported` or
    /// `unknown`) finding of the module, when one exists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reachable: Option<Upgrade>,
    /// The lowest version that fixes every finding of the module.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub all: Option<Upgrade>,
    /// Findings with no published fix.
    pub unfixed: Vec<String>,
}

/// The remedy for `findings`; `go` is the Go used, when known.
pub fn remedy(findings: &[Finding], go: Option<&Version>) -> Remedy {
    let mut out = Remedy::default();
    if let Some(go) = go {
        out.go = go_remedy(findings, go);
    }
    let mut by_module: BTreeMap<(&str, &str), Vec<&Finding>> = BTreeMap::new();
    for f in findings
        .iter()
        .filter(|f| f.module != STDLIB && f.component.is_none())
    {
        by_module
            .entry((&f.module, &f.version))
            .or_default()
            .push(f);
    }
    for ((path, current), fs) in by_module {
        let Some(now) = Version::parse_module(current) else {
            continue;
        };
        let target = |open_only: bool| {
            lowest_fixing(
                fs.iter().copied().filter(|f| !open_only || f.tier.open()),
                &now,
            )
        };
        out.modules.push(ModuleRemedy {
            path: path.to_string(),
            current: current.to_string(),
            reachable: target(true).map(|(v, n)| upgrade(&now, v, n, false)),
            all: target(false).map(|(v, n)| upgrade(&now, v, n, false)),
            unfixed: fs
                .iter()
                .filter(|f| f.fixes.is_empty())
                .map(|f| f.id.clone())
                .collect(),
        });
    }
    out
}

fn upgrade(now: &Version, to: Version, fixes: usize, go: bool) -> Upgrade {
    Upgrade {
        version: if go { to.bare() } else { to.to_string() },
        fixes,
        step: now.step_to(&to),
    }
}

/// The lowest version that every one of `findings` with a published fix
/// counts as fixed (a fix of one must not fall into another's range), and how
/// many findings (by id) it fixes; `None` when none has a fix.
fn lowest_fixing<'a>(
    findings: impl Iterator<Item = &'a Finding>,
    now: &Version,
) -> Option<(Version, usize)> {
    let fixable: Vec<&Finding> = findings
        .filter(|f| f.fixes.iter().any(|v| v > now))
        .collect();
    let mut candidates: Vec<&Version> = fixable
        .iter()
        .flat_map(|f| f.fixes.iter())
        .filter(|v| *v > now)
        .collect();
    candidates.sort();
    candidates.dedup();
    let target = candidates
        .into_iter()
        .find(|t| fixable.iter().all(|f| !f.affects(t)))
        // No single published version fixes all: the highest fix is the best hint.
        .or_else(|| fixable.iter().flat_map(|f| f.fixes.iter()).max())?;
    let mut ids: Vec<&str> = fixable
        .iter()
        .filter(|f| !f.affects(target))
        .map(|f| f.id.as_str())
        .collect();
    ids.sort();
    ids.dedup();
    Some((target.clone(), ids.len()))
}

fn go_remedy(findings: &[Finding], go: &Version) -> Option<GoRemedy> {
    let std: Vec<&Finding> = findings.iter().filter(|f| f.module == STDLIB).collect();
    if std.is_empty() {
        return None;
    }
    // One finding per vulnerability: the first open one (packages of one
    // record share its ranges).
    let mut ids: BTreeMap<&str, Option<&Finding>> = BTreeMap::new();
    for f in &std {
        let e = ids.entry(&f.id).or_insert(None);
        if f.tier.open() && e.is_none() {
            *e = Some(f);
        }
    }
    let reachable: Vec<&Finding> = ids.values().flatten().copied().collect();
    let (in_minor, needs): (Vec<&Finding>, Vec<&Finding>) = reachable
        .iter()
        .partition(|f| f.fixes.iter().any(|v| v.minor_line() == go.minor_line()));
    let patch = {
        let minor_fixes = in_minor.iter().map(|f| {
            let mut only = (*f).clone();
            only.fixes.retain(|v| v.minor_line() == go.minor_line());
            only
        });
        let owned: Vec<Finding> = minor_fixes.collect();
        lowest_fixing(owned.iter(), go)
    };
    let needs: Vec<(String, Option<Version>)> = needs
        .iter()
        .map(|f| (f.id.clone(), f.fixes.first().cloned()))
        .collect();
    let newer_minor_from = needs
        .iter()
        .filter_map(|(_, f)| f.as_ref().map(Version::minor_line))
        .min()
        .map(|(a, b)| format!("{a}.{b}"));
    let clears_all = lowest_fixing(reachable.iter().copied(), go);
    Some(GoRemedy {
        current: go.bare(),
        vulnerabilities: ids.len(),
        reachable: reachable.len(),
        patch: patch.map(|(p, n)| upgrade(go, p, n, true)),
        needs_newer_minor: needs
            .into_iter()
            .map(|(id, f)| (id, f.map(|v| v.bare())))
            .collect(),
        newer_minor_from,
        clears_all: clears_all.map(|(v, n)| upgrade(go, v, n, true)),
    })
}

impl GoRemedy {
    /// `Go 1.15.5: 41 stdlib vulnerabilities, 29 reachable; Go 1.15.15 fixes 12; 17 need Go ≥ 1.16`.
    pub fn summary(&self) -> String {
        let mut s = format!(
            "Go {}: {} stdlib vulnerabilities, {} reachable",
            self.current, self.vulnerabilities, self.reachable
        );
        if let Some(p) = &self.patch {
            s.push_str(&format!("; Go {} fixes {}", p.version, p.fixes));
        }
        if !self.needs_newer_minor.is_empty() {
            s.push_str(&format!(
                "; {} need a newer minor",
                self.needs_newer_minor.len()
            ));
            let mut detail = Vec::new();
            if let Some(m) = &self.newer_minor_from {
                detail.push(format!("from Go {m}"));
            }
            if let Some(all) = &self.clears_all {
                detail.push(format!(
                    "Go {} fixes all {} with a published fix",
                    all.version, all.fixes
                ));
            }
            if !detail.is_empty() {
                s.push_str(&format!(" ({})", detail.join("; ")));
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deps::finding::{Evidence, Tier};
    use crate::deps::range::Range;

    /// Ranges as the database writes them: vulnerable from the start up to
    /// the first fix, then from each later fix's minor up to that fix.
    fn ranges(fixes: &[&str]) -> Vec<Range> {
        use crate::deps::range::{Bound, Event};
        let mut events = vec![Event::Introduced(Bound::Unbounded)];
        for (i, f) in fixes.iter().enumerate() {
            let v = Version::parse_osv(f).unwrap();
            if i > 0 {
                let start = Version::parse_osv(&format!("{}.{}.0-0", v.major, v.minor)).unwrap();
                events.push(Event::Introduced(Bound::At(start)));
            }
            events.push(Event::Fixed(v));
        }
        vec![Range { events }]
    }

    fn f(id: &str, module: &str, version: &str, tier: Tier, fixes: &[&str]) -> Finding {
        Finding {
            id: id.into(),
            aliases: vec![],
            summary: None,
            module: module.into(),
            version: version.into(),
            package: None,
            tier,
            evidence: Evidence::default(),
            fixed_in: None,
            component: None,
            fixes: fixes
                .iter()
                .map(|v| Version::parse_osv(v).unwrap())
                .collect(),
            ranges: ranges(fixes),
            listed: vec![],
        }
    }

    #[test]
    fn go_patch_first_then_newer_minor() {
        let go = Version::new(1, 15, 5);
        let fs = [
            f(
                "GO-1",
                STDLIB,
                "1.15.5",
                Tier::Imported,
                &["1.15.7", "1.16.1"],
            ),
            f(
                "GO-2",
                STDLIB,
                "1.15.5",
                Tier::Unknown,
                &["1.15.15", "1.16.9"],
            ),
            f("GO-3", STDLIB, "1.15.5", Tier::Imported, &["1.16.12"]),
            f("GO-4", STDLIB, "1.15.5", Tier::NotImported, &["1.15.20"]),
            f("GO-5", STDLIB, "1.15.5", Tier::Imported, &["1.17.3"]),
        ];
        let r = remedy(&fs, Some(&go)).go.unwrap();
        assert_eq!((r.vulnerabilities, r.reachable), (5, 4));
        assert_eq!(
            r.patch.as_ref().map(|p| (p.version.as_str(), p.fixes)),
            Some(("1.15.15", 2))
        );
        assert_eq!(r.newer_minor_from.as_deref(), Some("1.16"));
        assert_eq!(
            r.summary(),
            "Go 1.15.5: 5 stdlib vulnerabilities, 4 reachable; Go 1.15.15 fixes 2; 2 need a newer minor (from Go 1.16; Go 1.17.3 fixes all 4 with a published fix)"
        );
    }

    #[test]
    fn modules_reachable_and_all() {
        let fs = [
            f(
                "GO-A",
                "golang.org/x/text",
                "v0.3.2",
                Tier::Imported,
                &["0.3.7"],
            ),
            f(
                "GO-B",
                "golang.org/x/text",
                "v0.3.2",
                Tier::Imported,
                &["0.3.8"],
            ),
            f(
                "GO-C",
                "golang.org/x/text",
                "v0.3.2",
                Tier::NotPresent,
                &["0.39.0"],
            ),
            f("GO-D", "golang.org/x/text", "v0.3.2", Tier::NotPresent, &[]),
        ];
        let m = &remedy(&fs, None).modules[0];
        let r = m.reachable.as_ref().unwrap();
        assert_eq!(
            (r.version.as_str(), r.fixes, r.step),
            ("v0.3.8", 2, Step::Patch)
        );
        let a = m.all.as_ref().unwrap();
        assert_eq!(
            (a.version.as_str(), a.fixes, a.step),
            ("v0.39.0", 3, Step::Minor)
        );
        assert_eq!(m.unfixed, ["GO-D"]);
    }
}
