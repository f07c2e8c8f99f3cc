//! Findings: a Go vulndb record whose version range includes what the
//! release ships, one per vulnerable package, each with the reachability
//! tier the evidence supports and nothing more:
//!
//! 1. `not_present`: the vulnerable package is not in the tree (not vendored;
//!    for the standard library: not in the Go read for the release's minor);
//! 2. `not_imported`: present, but in the import closure of no binary on any
//!    platform the record applies to;
//! 3. `imported`: in a binary's closure (the symbols are a hint only);
//! 4. `unknown`: the closure cannot be decided (a standard package reached
//!    only through other standard packages with no Go of that minor to read
//!    them, a module declared in `go.mod` but not vendored, a component
//!    deployed but not built from the tree).

use super::database::Database;
use super::module::{STDLIB, TOOLCHAIN};
use super::reach::{Reach, Standing};
use super::record::{AffectedModule, Import, Record};
use super::ships::{ModuleSource, Shipped, ShippedModule};
use super::symbols::SymbolHint;
use crate::gomod::version::Version;
use serde::Serialize;

/// How far a finding can reach the binaries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// The vulnerable package is not in the tree.
    NotPresent,
    /// In the tree, reached by no binary.
    NotImported,
    /// Reached by a binary.
    Imported,
    /// Cannot be decided from the evidence at hand.
    Unknown,
}

impl Tier {
    /// How far the tier reaches (`not_present` lowest, `imported` highest),
    /// for picking the one that speaks for an id.
    pub fn reach_rank(self) -> u8 {
        match self {
            Tier::NotPresent => 0,
            Tier::NotImported => 1,
            Tier::Unknown => 2,
            Tier::Imported => 3,
        }
    }

    /// Report name.
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::NotPresent => "not_present",
            Tier::NotImported => "not_imported",
            Tier::Imported => "imported",
            Tier::Unknown => "unknown",
        }
    }

    /// Whether the tier alone shows the vulnerable code is not in the
    /// binaries (the only tiers that may become `not_affected` automatically).
    pub fn excludes_code(self) -> bool {
        matches!(self, Tier::NotPresent | Tier::NotImported)
    }

    /// Whether the finding may reach the binaries (`imported` or `unknown`).
    pub fn open(self) -> bool {
        !self.excludes_code()
    }
}

/// What a tier rests on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// One sentence.
    pub reason: String,
    /// Where it is reached (`linux/amd64`, …).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub platforms: Vec<String>,
    /// One shortest import chain, binary first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub chain: Vec<String>,
    /// The binaries (folders) that reach it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub binaries: Vec<String>,
    /// The vulnerable symbols the record lists (the record has them; the
    /// hint says which are named).
    #[serde(skip)]
    pub symbols: Vec<String>,
    /// Which importing files name them (a hint, for `imported` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub symbol_hint: Option<SymbolHint>,
    /// Platforms the record limits the vulnerable code to.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub only_on: Vec<String>,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The record id (`GO-2022-0969`).
    pub id: String,
    /// Its aliases (CVE, GHSA).
    pub aliases: Vec<String>,
    /// Its summary.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// `stdlib` or the module path whose code is built (the replacement's
    /// path for a replaced module).
    pub module: String,
    /// The version matched (`1.15.5` for the standard library, `v0.3.2`).
    pub version: String,
    /// The vulnerable package; `None` when the record names none (the whole module).
    pub package: Option<String>,
    /// The tier.
    pub tier: Tier,
    /// What it rests on.
    pub evidence: Evidence,
    /// The lowest version above `version` that the record counts as fixed.
    pub fixed_in: Option<String>,
    /// The deployed component (`etcd`) for a component finding.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub component: Option<String>,
    /// Every fixed version above `version`, lowest first (for remedies).
    #[serde(skip)]
    pub fixes: Vec<Version>,
    /// The record's ranges for the module (for remedies).
    #[serde(skip)]
    pub ranges: Vec<super::range::Range>,
    /// The record's listed versions for the module.
    #[serde(skip)]
    pub listed: Vec<Version>,
}

impl Finding {
    /// Whether the record still counts version `v` as affected.
    pub fn affects(&self, v: &Version) -> bool {
        super::range::affects(&self.ranges, &self.listed, v)
    }
}

/// A record for the release's own code (the main module or a local
/// module): the Kubernetes feed's business, not a dependency finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OwnCode {
    /// The record id.
    pub id: String,
    /// Its aliases.
    pub aliases: Vec<String>,
    /// The module (`k8s.io/kubernetes`, `k8s.io/apiserver`).
    pub module: String,
}

/// Everything the matching found for one release.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Matches {
    /// Findings, by id then package.
    pub findings: Vec<Finding>,
    /// Records about the release's own modules (reported joined with the
    /// Kubernetes feed, by [`super::report::ReleaseDeps`]).
    #[serde(skip)]
    pub own_code: Vec<OwnCode>,
    /// Records for the `go` command (`toolchain`) that match the release's
    /// Go: they concern building, not the binaries.
    pub toolchain: Vec<String>,
}

/// The symbol hint for a package and its vulnerable symbols (which files of
/// the binaries' closure that import the package name them).
pub type ReadImporters<'a> = dyn Fn(&str, &[String]) -> SymbolHint + 'a;

/// Match `db` against what `shipped` ships; tiers from `reach`.
pub fn find(shipped: &Shipped, reach: &Reach, db: &Database, read: &ReadImporters) -> Matches {
    let mut out = Matches::default();
    if let Some(go) = &shipped.go {
        for (record, affected) in db.for_module(STDLIB) {
            if super::range::affects(&affected.ranges, &affected.versions, &go.matched) {
                let ctx = Ctx {
                    record,
                    affected,
                    version: &go.matched,
                    display: go.matched.bare(),
                };
                out.findings.extend(stdlib_findings(&ctx, reach, read));
            }
        }
        for (record, affected) in db.for_module(TOOLCHAIN) {
            if super::range::affects(&affected.ranges, &affected.versions, &go.matched) {
                out.toolchain.push(record.id.clone());
            }
        }
    }
    let own: Vec<&str> = shipped.own_modules().collect();
    for path in &own {
        for (record, _) in db.for_module(path) {
            out.own_code.push(OwnCode {
                id: record.id.clone(),
                aliases: record.aliases.clone(),
                module: path.to_string(),
            });
        }
    }
    out.findings.extend(modules(shipped, &own, reach, db, read));
    out.findings.extend(components(shipped, db));
    out.own_code.sort_by(|a, b| a.id.cmp(&b.id));
    out.own_code
        .dedup_by(|a, b| a.id == b.id && a.module == b.module);
    out.toolchain.sort();
    out.toolchain.dedup();
    let key = |f: &Finding| {
        (
            f.id.clone(),
            f.module.clone(),
            f.package.clone(),
            f.component.clone(),
        )
    };
    out.findings.sort_by_key(key);
    out.findings.dedup_by(|a, b| key(a) == key(b));
    out
}

/// The findings of the modules built (own modules left out).
fn modules(
    shipped: &Shipped,
    own: &[&str],
    reach: &Reach,
    db: &Database,
    read: &ReadImporters,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for m in &shipped.modules {
        let Some(effective) = m.effective() else {
            continue;
        };
        if own.contains(&effective.path.as_str()) {
            continue;
        }
        for (record, affected) in db.for_module(&effective.path) {
            if super::range::affects(&affected.ranges, &affected.versions, &effective.version) {
                let ctx = Ctx {
                    record,
                    affected,
                    version: &effective.version,
                    display: effective.version.to_string(),
                };
                out.extend(module_findings(&ctx, m, shipped, reach, read));
            }
        }
    }
    out
}

/// The findings of the components kubeadm deploys: always `unknown`.
fn components(shipped: &Shipped, db: &Database) -> Vec<Finding> {
    let mut out = Vec::new();
    for c in &shipped.components {
        let Some(version) = &c.version else { continue };
        for (record, affected) in c.modules.iter().flat_map(|m| db.for_module(m)) {
            if !super::range::affects(&affected.ranges, &affected.versions, version) {
                continue;
            }
            let ctx = Ctx {
                record,
                affected,
                version,
                display: version.to_string(),
            };
            let mut f = ctx.finding(None, Tier::Unknown, Evidence {
                reason: format!(
                    "kubeadm deploys {} {} ({}); its code is not built from this tree, so whether the vulnerable code is reached cannot be read here",
                    c.name, c.tag, c.source
                ),
                ..Default::default()
            });
            f.component = Some(c.name.clone());
            out.push(f);
        }
    }
    out
}

struct Ctx<'a> {
    record: &'a Record,
    affected: &'a AffectedModule,
    version: &'a Version,
    display: String,
}

impl Ctx<'_> {
    fn finding(&self, package: Option<String>, tier: Tier, evidence: Evidence) -> Finding {
        let fixes =
            super::range::fixes_above(&self.affected.ranges, &self.affected.versions, self.version);
        let stdlib = self.affected.module == STDLIB;
        Finding {
            id: self.record.id.clone(),
            aliases: self.record.aliases.clone(),
            summary: self.record.summary.clone(),
            module: self.affected.module.clone(),
            version: self.display.clone(),
            package,
            tier,
            evidence,
            fixed_in: fixes
                .first()
                .map(|f| if stdlib { f.bare() } else { f.to_string() }),
            component: None,
            fixes,
            ranges: self.affected.ranges.clone(),
            listed: self.affected.versions.clone(),
        }
    }
}

fn platforms_of(import: &Import) -> Vec<String> {
    let mut out: Vec<String> = import.goos.clone();
    out.extend(import.goarch.iter().cloned());
    out
}

fn stdlib_findings(ctx: &Ctx, reach: &Reach, read: &ReadImporters) -> Vec<Finding> {
    if ctx.affected.imports.is_empty() {
        return vec![ctx.finding(None, Tier::Imported, Evidence {
            reason: "the record names no package of the standard library: every Go program built with this version is affected".into(),
            ..Default::default()
        })];
    }
    ctx.affected
        .imports
        .iter()
        .map(|import| {
            let standing =
                reach.standing(&import.path, true, &|os, arch| import.applies_to(os, arch));
            let (tier, mut evidence) = evidence_of(standing, import, reach, read, true);
            evidence.only_on = platforms_of(import);
            ctx.finding(Some(import.path.clone()), tier, evidence)
        })
        .collect()
}

fn module_findings(
    ctx: &Ctx,
    m: &ShippedModule,
    shipped: &Shipped,
    reach: &Reach,
    read: &ReadImporters,
) -> Vec<Finding> {
    if shipped.module_source == ModuleSource::Declared {
        return vec![ctx.finding(None, Tier::Unknown, Evidence {
            reason: format!(
                "{} {} is declared in go.mod, not vendored: its packages are not in the tree, and the build list (the module graph) may select another version",
                m.path, ctx.display
            ),
            ..Default::default()
        })];
    }
    let vendored: Vec<&String> = shipped
        .vendor
        .as_ref()
        .and_then(|v| v.module(&m.path))
        .map(|v| v.packages.iter().collect())
        .unwrap_or_default();
    if ctx.affected.imports.is_empty() {
        return vec![whole_module(ctx, m, &vendored, reach)];
    }
    ctx.affected
        .imports
        .iter()
        .map(|import| {
            let listed = vendored.iter().any(|p| **p == import.path);
            let mut standing = reach.standing(&import.path, false, &|os, arch| import.applies_to(os, arch));
            if standing == Standing::NotPresent && listed {
                // Listed in modules.txt but built on none of the platforms.
                standing = Standing::NotImported;
            }
            let (tier, mut evidence) = evidence_of(standing, import, reach, read, false);
            if tier == Tier::NotPresent {
                evidence.reason = format!(
                    "{} is not vendored: vendor/modules.txt lists {} package(s) of {}, not this one",
                    import.path,
                    vendored.len(),
                    m.path
                );
            }
            evidence.only_on = platforms_of(import);
            ctx.finding(Some(import.path.clone()), tier, evidence)
        })
        .collect()
}

/// A record that names no package: the module's most reached package decides.
fn whole_module(ctx: &Ctx, m: &ShippedModule, vendored: &[&String], reach: &Reach) -> Finding {
    let all = |_: &str, _: &str| true;
    let mut best: Option<(Tier, Evidence)> = None;
    for p in vendored {
        if let Standing::Imported { platforms, chain } = reach.standing(p, false, &all) {
            best = Some((
                Tier::Imported,
                Evidence {
                    reason: format!(
                        "the record names no package, so all of {} counts; {p} is imported",
                        m.path
                    ),
                    binaries: reach.binaries_reaching(p),
                    platforms,
                    chain,
                    ..Default::default()
                },
            ));
            break;
        }
    }
    let (tier, evidence) = best.unwrap_or_else(|| {
        if vendored.is_empty() {
            (Tier::NotPresent, Evidence {
                reason: format!("the record names no package; vendor/modules.txt vendors no package of {}", m.path),
                ..Default::default()
            })
        } else {
            (Tier::NotImported, Evidence {
                reason: format!("the record names no package; none of the {} vendored package(s) of {} is imported by a binary", vendored.len(), m.path),
                ..Default::default()
            })
        }
    });
    ctx.finding(None, tier, evidence)
}

fn evidence_of(
    standing: Standing,
    import: &Import,
    reach: &Reach,
    read: &ReadImporters,
    stdlib: bool,
) -> (Tier, Evidence) {
    let path = &import.path;
    let mut e = Evidence {
        symbols: import.symbols.clone(),
        ..Default::default()
    };
    let tier = match standing {
        Standing::Imported { platforms, chain } => {
            e.binaries = reach.binaries_reaching(path);
            e.reason = format!(
                "{path} is in the import closure of {} binary(ies)",
                e.binaries.len()
            );
            e.platforms = platforms;
            e.chain = chain;
            if !import.symbols.is_empty() {
                e.symbol_hint = Some(read(path, &import.symbols));
            }
            Tier::Imported
        }
        Standing::NotImported => {
            e.reason = if stdlib {
                format!(
                    "{path} is in Go {}'s standard library, but no binary's closure reaches it on the platforms the record names",
                    reach.std_version.as_deref().unwrap_or("?")
                )
            } else {
                format!(
                    "{path} is in the tree, but no binary's import closure reaches it on the platforms the record names"
                )
            };
            Tier::NotImported
        }
        Standing::NotPresent => {
            e.reason = if stdlib {
                format!(
                    "{path} is not in Go {}'s standard library",
                    reach.std_version.as_deref().unwrap_or("?")
                )
            } else {
                format!("{path} is not in the tree")
            };
            Tier::NotPresent
        }
        Standing::Unknown => {
            e.reason = format!(
                "no package of the tree imports {path} directly, and no Go of the release's minor was available to read the standard library's own imports (pass --goroot)"
            );
            Tier::Unknown
        }
    };
    (tier, e)
}
