//! `longhaul deps`: for each release, the Go and modules it ships, its
//! findings with their tiers and evidence, and the remedy. Trees are built in
//! memory as `verify` builds them; the package graph, the module list and the
//! findings are computed once per tree id, so releases that share a tree (the
//! common case: a line's releases differ by a few patches, many not in Go
//! code) cost one analysis.

use super::database::Database;
use super::finding::{Finding, Matches, OwnCode, Tier};
use super::reach::{Binaries, Binary, Reach};
use super::remedy::{Remedy, remedy};
use super::ships::{GoUsed, ModuleSource, Shipped, ShippedModule};
use super::status::{Decision, DepStatus, decide, statement_for};
use super::stdlib::{Goroot, StdSources};
use crate::apply::tree::{ApplyOptions, SharedResults};
use crate::checks::go_packages::Sources;
use crate::error::{Error, Result};
use crate::release::manifest::Manifest;
use crate::release::patch_cache::PatchLoader;
use crate::security::freshness::FeedAge;
use crate::security::statements::Statement;
use gix::ObjectId;
use serde::Serialize;
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

/// What the analysis of one tree found (shared by the releases with that tree).
#[derive(Debug, Clone, Serialize)]
pub struct TreeDeps {
    /// The tree id.
    pub tree: String,
    /// What it ships.
    #[serde(flatten)]
    pub shipped: Shipped,
    /// Its binaries.
    pub binaries: Vec<Binary>,
    /// The Go whose standard library was read for the closure (`go1.19.8`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stdlib_read: Option<String>,
    /// Why no standard library was read, if none was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stdlib_unread: Option<String>,
    /// The matches.
    #[serde(flatten)]
    pub matches: Matches,
    /// The remedy.
    pub remedy: Remedy,
}

/// One vulnerability id on one release, with its status.
#[derive(Debug, Clone, Serialize)]
pub struct Vulnerability {
    /// The Go vulndb id.
    pub id: String,
    /// Its aliases.
    pub aliases: Vec<String>,
    /// Its summary.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// `stdlib`, the module, or the component.
    pub subject: String,
    /// The most reaching tier of its findings.
    pub tier: Tier,
    /// The decision.
    #[serde(flatten)]
    pub decision: Decision,
}

/// One release's dependency report.
#[derive(Debug, Clone)]
pub struct ReleaseDeps {
    /// The release.
    pub name: String,
    /// Its tree's analysis (shared by the releases with the same tree).
    pub tree: Rc<TreeDeps>,
    /// Per vulnerability id: its status on this release (statements applied).
    pub vulnerabilities: Vec<Vulnerability>,
    /// Go vulndb records for the release's own code, joined with the
    /// Kubernetes feed (filled by [`Analyzer::release`] when it has the feed).
    pub own_code: Vec<OwnCodeJoin>,
    /// The summary lines.
    pub summary: Vec<String>,
}

/// `deps --json`'s form of a release.
#[derive(Serialize)]
struct ReleaseView<'a> {
    name: &'a str,
    #[serde(flatten)]
    tree: &'a TreeDeps,
    vulnerabilities: &'a [Vulnerability],
    own_code: &'a [OwnCodeJoin],
    summary: &'a [String],
}

impl Serialize for ReleaseDeps {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        ReleaseView {
            name: &self.name,
            tree: &self.tree,
            vulnerabilities: &self.vulnerabilities,
            own_code: &self.own_code,
            summary: &self.summary,
        }
        .serialize(s)
    }
}

impl ReleaseDeps {
    /// The Go it builds with.
    pub fn go(&self) -> Option<&GoUsed> {
        self.tree.shipped.go.as_ref()
    }

    /// Its findings.
    pub fn findings(&self) -> &[Finding] {
        &self.tree.matches.findings
    }

    /// The ids still open (affected or under investigation).
    pub fn open(&self) -> impl Iterator<Item = &Vulnerability> {
        self.vulnerabilities
            .iter()
            .filter(|v| v.decision.status.open())
    }

    /// Its modules.
    pub fn modules(&self) -> &[ShippedModule] {
        &self.tree.shipped.modules
    }
}

/// How the analysis runs.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Go installations whose standard library may be read (only one of the
    /// release's minor is used).
    pub goroots: Vec<Goroot>,
}

/// Analyses releases of one manifest, with every cache.
pub struct Analyzer<'a> {
    repo: &'a gix::Repository,
    manifest: &'a Manifest,
    loader: &'a PatchLoader,
    db: &'a Database,
    options: Options,
    binaries: Binaries,
    shared: SharedResults,
    trees: HashMap<ObjectId, Rc<TreeDeps>>,
    std: HashMap<std::path::PathBuf, Rc<StdSources>>,
    /// (base tag, patch items in order) → the tree they build.
    built: RefCell<HashMap<(String, Vec<String>), ObjectId>>,
}

impl<'a> Analyzer<'a> {
    /// An analyzer over `repo` (a handle from [`crate::repo::in_memory`]).
    pub fn new(
        repo: &'a gix::Repository,
        manifest: &'a Manifest,
        loader: &'a PatchLoader,
        db: &'a Database,
        options: Options,
    ) -> Result<Analyzer<'a>> {
        Ok(Analyzer {
            repo,
            manifest,
            loader,
            db,
            options,
            binaries: binaries_of(manifest)?,
            shared: SharedResults::new(),
            trees: HashMap::new(),
            std: HashMap::new(),
            built: RefCell::default(),
        })
    }

    /// The tree of `release`, built in memory (every patch must apply).
    pub fn release_tree(&self, release: &str) -> Result<ObjectId> {
        let plan = crate::release::plan::plan(self.manifest, release, self.loader)?;
        // Releases with the same base and the same patch files build the same tree.
        let key = (
            plan.base.clone(),
            plan.patches
                .iter()
                .flat_map(|p| p.items.iter().map(|(source, _)| source.display()))
                .collect::<Vec<_>>(),
        );
        if let Some(tree) = self.built.borrow().get(&key) {
            return Ok(*tree);
        }
        let report = crate::release::verify::verify_release(
            self.repo,
            self.manifest,
            &plan,
            ApplyOptions::default(),
            &self.shared,
        )?;
        let tree = report.tree.filter(|_| report.ok).ok_or_else(|| Error::Build {
            release: release.to_string(),
            message: "its patch chain does not apply (run `longhaul verify` on it): its dependencies cannot be read".into(),
        })?;
        let tree = ObjectId::from_hex(tree.as_bytes()).map_err(|e| Error::Build {
            release: release.to_string(),
            message: e.to_string(),
        })?;
        self.built.borrow_mut().insert(key, tree);
        Ok(tree)
    }

    /// The tree of the upstream tag `tag`.
    pub fn tag_tree(&self, tag: &str) -> Result<ObjectId> {
        let commit = crate::repo::resolve_commit(self.repo, tag)?;
        Ok(crate::repo::tree_of(self.repo, commit)?)
    }

    /// The database the analyzer matches against.
    pub fn database(&self) -> &Database {
        self.db
    }

    /// The report of `release`, with `statements` applied.
    pub fn release(&mut self, release: &str, statements: &[Statement]) -> Result<ReleaseDeps> {
        self.manifest.release(release)?;
        let tree = self.release_tree(release)?;
        let deps = self.tree(tree, release)?;
        Ok(assess(release, deps, statements))
    }

    /// The analysis of `tree` (cached per tree id); `name` names it in errors.
    pub fn tree(&mut self, tree: ObjectId, name: &str) -> Result<Rc<TreeDeps>> {
        if let Some(t) = self.trees.get(&tree) {
            return Ok(t.clone());
        }
        let shipped = Shipped::read(self.repo, tree, name)?;
        // Only what the binaries can reach is read, and no test file: binaries
        // are built without them. The files that import a vulnerable package
        // are indexed for symbol hints while they are read.
        let interest = interest(&shipped, self.db);
        let binaries = &self.binaries;
        let (sources, indexed) = Sources::read_reachable_visiting(
            self.repo,
            tree,
            &|name| !name.ends_with("_test.go"),
            &|folder| binaries.selects(folder),
            &|header, text| {
                interest
                    .imported_by(header)
                    .then(|| super::symbols::FileNames::index_for(text, header, &interest))
                    .flatten()
            },
        )?;
        let go_minor = shipped.go.as_ref().map_or(99, |g| g.matched.minor as u32);
        let std = self.stdlib_for(shipped.go.as_ref());
        let reach = Reach::compute(
            &sources,
            &self.binaries,
            go_minor,
            std.as_ref().ok().map(Rc::as_ref),
        );
        let read = hinter(self.repo, &interest, indexed, &sources, &reach);
        let matches = super::finding::find(&shipped, &reach, self.db, &read);
        let remedy = remedy(&matches.findings, shipped.go.as_ref().map(|g| &g.matched));
        let deps = Rc::new(TreeDeps {
            tree: tree.to_string(),
            binaries: reach.binaries.clone(),
            stdlib_read: std.as_ref().ok().map(|s| s.version.clone()),
            stdlib_unread: std.err(),
            shipped,
            matches,
            remedy,
        });
        self.trees.insert(tree, deps.clone());
        Ok(deps)
    }

    /// The standard library of the release's Go minor, when a Go of that
    /// minor is at hand; else why not.
    fn stdlib_for(&mut self, go: Option<&GoUsed>) -> Result<Rc<StdSources>, String> {
        let go = go.ok_or("the tree names no Go version")?;
        let want = go.matched.minor_line();
        let Some(root) = self
            .options
            .goroots
            .iter()
            .find(|g| g.minor() == Some(want))
        else {
            let have: Vec<&str> = self
                .options
                .goroots
                .iter()
                .map(|g| g.version.as_str())
                .collect();
            return Err(format!(
                "no Go {}.{} at hand to read the standard library's own imports ({})",
                want.0,
                want.1,
                if have.is_empty() {
                    "no Go found; pass --goroot".to_string()
                } else {
                    format!("have {}", have.join(", "))
                }
            ));
        };
        if let Some(s) = self.std.get(&root.dir) {
            return Ok(s.clone());
        }
        let s = Rc::new(StdSources::read(root)?);
        self.std.insert(root.dir.clone(), s.clone());
        Ok(s)
    }
}

/// The manifest's `binaries:`, checked.
fn binaries_of(manifest: &Manifest) -> Result<Binaries> {
    let Some(list) = &manifest.binaries else {
        return Ok(Binaries::Default);
    };
    for entry in list {
        super::reach::check_binary_entry(&entry.value).map_err(|message| Error::Manifest {
            file: manifest.path.clone(),
            line: entry.line,
            message,
        })?;
    }
    Ok(Binaries::Listed(
        list.iter().map(|e| e.value.clone()).collect(),
    ))
}

/// The vulnerable packages and the exported names of their symbols that
/// matter to `shipped` (those of the records whose ranges include its Go or
/// a module's version).
fn interest(shipped: &Shipped, db: &Database) -> super::symbols::Interest {
    let mut wanted: Vec<(&str, &crate::gomod::version::Version)> = Vec::new();
    if let Some(go) = &shipped.go {
        wanted.push((super::module::STDLIB, &go.matched));
    }
    let modules: Vec<super::module::Module> = shipped
        .modules
        .iter()
        .filter_map(ShippedModule::effective)
        .collect();
    wanted.extend(modules.iter().map(|m| (m.path.as_str(), &m.version)));
    let mut imports: Vec<&super::record::Import> = Vec::new();
    for (module, version) in wanted {
        for (_, a) in db.for_module(module) {
            if super::range::affects(&a.ranges, &a.versions, version) {
                imports.extend(&a.imports);
            }
        }
    }
    super::symbols::Interest::of(
        imports.iter().map(|i| i.path.as_str()),
        imports
            .iter()
            .flat_map(|i| i.symbols.iter().map(String::as_str)),
    )
}

/// The symbol hints of a tree: the files of the binaries' closure that
/// import a package, with their names (`indexed`: those read with the
/// sources; a package `interest` does not list is read here, each file at
/// most once); one hint per package and symbol list.
fn hinter<'r>(
    repo: &'r gix::Repository,
    interest: &'r super::symbols::Interest,
    indexed: HashMap<ObjectId, super::symbols::FileNames>,
    sources: &'r Sources,
    reach: &'r Reach,
) -> impl Fn(&str, &[String]) -> super::symbols::SymbolHint + 'r {
    let folders: HashMap<&str, usize> = sources
        .folders
        .iter()
        .enumerate()
        .map(|(i, (f, _))| (f.as_str(), i))
        .collect();
    let names_of = names_reader(repo, interest, indexed);
    let hints: RefCell<HashMap<(String, Vec<String>), super::symbols::SymbolHint>> =
        RefCell::default();
    move |package: &str, symbols: &[String]| {
        let key = (package.to_string(), symbols.to_vec());
        if let Some(h) = hints.borrow().get(&key) {
            return h.clone();
        }
        let files = reach
            .importers(package)
            .into_iter()
            .filter_map(|folder| folders.get(folder).map(|&i| &sources.folders[i]))
            .flat_map(|(name, list)| {
                list.iter()
                    .filter(|f| {
                        !f.name.ends_with("_test.go")
                            && f.header.imports.iter().any(|x| x == package)
                    })
                    .map(move |f| (name, f))
            })
            .map(|(name, f)| {
                let path = if name.is_empty() {
                    f.name.clone()
                } else {
                    format!("{name}/{}", f.name)
                };
                let index = names_of(package, f);
                (path, index, super::symbols::local_name(&f.header, package))
            });
        let h = super::symbols::hint(files, symbols);
        hints.borrow_mut().insert(key, h.clone());
        h
    }
}

/// The names a file of the closure uses: from the index read with the
/// sources for the packages `interest` lists, else read here, each file at
/// most once.
fn names_reader<'r>(
    repo: &'r gix::Repository,
    interest: &'r super::symbols::Interest,
    indexed: HashMap<ObjectId, super::symbols::FileNames>,
) -> impl Fn(&str, &crate::checks::go_packages::SourceFile) -> Rc<super::symbols::FileNames> + 'r {
    let empty = Rc::new(super::symbols::FileNames::default());
    let indexed: HashMap<ObjectId, Rc<super::symbols::FileNames>> =
        indexed.into_iter().map(|(k, v)| (k, Rc::new(v))).collect();
    let late: RefCell<HashMap<ObjectId, Rc<super::symbols::FileNames>>> = RefCell::default();
    move |package: &str, file: &crate::checks::go_packages::SourceFile| {
        if interest.has_package(package) {
            return indexed
                .get(&file.blob)
                .cloned()
                .unwrap_or_else(|| empty.clone());
        }
        let cached = late.borrow().get(&file.blob).cloned();
        cached.unwrap_or_else(|| {
            let names = repo
                .find_object(file.blob)
                .ok()
                .and_then(|o| super::symbols::FileNames::index_for(&o.data, &file.header, interest))
                .map(Rc::new)
                .unwrap_or_else(|| empty.clone());
            late.borrow_mut().insert(file.blob, names.clone());
            names
        })
    }
}

/// The statuses of `deps`'s findings on `release`, with `statements`.
pub fn assess(release: &str, deps: Rc<TreeDeps>, statements: &[Statement]) -> ReleaseDeps {
    let mut by_id: BTreeMap<(&str, Option<&str>), Vec<&Finding>> = BTreeMap::new();
    for f in &deps.matches.findings {
        by_id
            .entry((&f.id, f.component.as_deref()))
            .or_default()
            .push(f);
    }
    let vulnerabilities: Vec<Vulnerability> = by_id
        .into_iter()
        .map(|((id, component), fs)| {
            let first = fs[0];
            let statement = statement_for(statements, id, &first.aliases, release);
            let tier = fs
                .iter()
                .map(|f| f.tier)
                .max_by_key(|t| t.reach_rank())
                .expect("not empty");
            Vulnerability {
                id: id.to_string(),
                aliases: first.aliases.clone(),
                summary: first.summary.clone(),
                subject: component.unwrap_or(&first.module).to_string(),
                tier,
                decision: decide(&fs, statement),
            }
        })
        .collect();
    let summary = summary_lines(&deps, &vulnerabilities);
    ReleaseDeps {
        name: release.to_string(),
        own_code: deps
            .matches
            .own_code
            .iter()
            .map(|o| OwnCodeJoin {
                record: o.clone(),
                in_feed: None,
            })
            .collect(),
        tree: deps,
        vulnerabilities,
        summary,
    }
}

fn summary_lines(deps: &TreeDeps, vulns: &[Vulnerability]) -> Vec<String> {
    let mut out = Vec::new();
    let go = deps.shipped.go.as_ref();
    match (go, &deps.remedy.go) {
        (Some(g), Some(r)) => {
            let mut line = r.summary();
            if !g.exact {
                line.push_str(&format!(" ({} names only the language version {}: matched as {})", g.source, g.version, g.matched.bare()));
            }
            out.push(line);
        }
        (Some(g), None) => out.push(format!("Go {} ({}): no stdlib vulnerability matched", g.version, g.source)),
        (None, _) => out.push("Go: the tree names no Go version (.go-version, build/build-image/cross/VERSION, go.mod)".into()),
    }
    let modules: Vec<&Vulnerability> = vulns
        .iter()
        .filter(|v| v.subject != super::module::STDLIB)
        .collect();
    let open = modules.iter().filter(|v| v.decision.status.open()).count();
    let counted = |status: DepStatus| {
        modules
            .iter()
            .filter(|v| v.decision.status == status)
            .count()
    };
    let source = match deps.shipped.module_source {
        ModuleSource::Vendored => "vendor/modules.txt",
        ModuleSource::Declared => "go.mod (declared, not the build list)",
        ModuleSource::None => "no module list",
    };
    out.push(format!(
        "modules ({source}): {} listed, {} vulnerabilities in {} modules or components, {open} open ({} affected, {} under investigation, {} not affected)",
        deps.shipped.modules.len(),
        modules.len(),
        {
            let mut s: Vec<&str> = modules.iter().map(|v| v.subject.as_str()).collect();
            s.sort();
            s.dedup();
            s.len()
        },
        counted(DepStatus::Affected),
        counted(DepStatus::UnderInvestigation),
        counted(DepStatus::NotAffected),
    ));
    out
}

/// Every output that counts open vulnerabilities states the database's age,
/// as [`FeedAge`] says it for the Kubernetes feed (the same two witnesses,
/// the same limit), and warns when it is stale or missing.
#[derive(Debug, Clone, Serialize)]
pub struct Freshness {
    /// The age.
    pub go_vulndb: FeedAge,
    /// The line outputs print.
    pub description: String,
    /// The warning, when it is stale, missing or its age unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
    /// The highest record id (`GO-2026-6249`): ids carry the year they were
    /// assigned, a lower bound on the age when no record is dated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub newest_id: Option<String>,
    /// Files skipped: ecosystem → count.
    pub skipped: BTreeMap<String, usize>,
    /// Withdrawn records (not matched).
    pub withdrawn: usize,
}

impl Freshness {
    /// For `db` at `now` (seconds since the epoch), with the manifest's
    /// `feed: max_age_days:` when there is one.
    pub fn of(db: &Database, manifest: Option<&Manifest>, now: i64) -> Freshness {
        let max = manifest
            .and_then(|m| m.feed_max_age_days)
            .unwrap_or(crate::security::freshness::DEFAULT_MAX_AGE_DAYS);
        let age = db.age(now, max);
        let newest_id = db.records.last().map(|r| r.id.clone());
        let undated = match (&age.newest_modified, &newest_id) {
            (None, Some(id)) if age.records > 0 => {
                format!("; its records carry Go's zero time as `modified` (newest id {id})")
            }
            _ => String::new(),
        };
        let warning = if age.records == 0 {
            Some(format!(
                "no {} imported: no dependency vulnerability can be found (import it with `longhaul advisories import DIR`)",
                super::database::NAME
            ))
        } else {
            age.stale_because.as_ref().map(|why| format!(
                "the {} may be out of date: {why}{undated}. Counts of open dependency vulnerabilities may be too low: import it again from its source (the limit is the manifest's `feed: max_age_days:`)",
                super::database::NAME
            ))
        };
        Freshness {
            description: format!("{}: {}", super::database::NAME, age.summary()),
            warning,
            go_vulndb: age,
            newest_id,
            skipped: db.skipped.clone(),
            withdrawn: db.withdrawn.len(),
        }
    }

    /// Whether counts from the database may be out of date.
    pub fn stale(&self) -> bool {
        self.go_vulndb.stale
    }
}

/// Records for the release's own code, joined with the Kubernetes feed by
/// alias: those the feed has are counted there (by `coverage`), never twice.
#[derive(Debug, Clone, Serialize)]
pub struct OwnCodeJoin {
    /// The record.
    #[serde(flatten)]
    pub record: OwnCode,
    /// The Kubernetes feed advisory with the same CVE, if any.
    pub in_feed: Option<String>,
}

/// Join `own` with the Kubernetes advisories' ids and aliases.
pub fn join_own_code(
    own: &[OwnCode],
    advisories: &[crate::security::advisory::Advisory],
) -> Vec<OwnCodeJoin> {
    own.iter()
        .map(|o| OwnCodeJoin {
            in_feed: advisories
                .iter()
                .find(|a| {
                    std::iter::once(&a.id)
                        .chain(&a.aliases)
                        .any(|x| o.aliases.contains(x) || *x == o.id)
                })
                .map(|a| a.cve().to_string()),
            record: o.clone(),
        })
        .collect()
}

/// Each statement that names a Go vulnerability database id must name a
/// record the database has (the statements file checks only the form).
pub fn check_statements(
    statements: &[Statement],
    db: &Database,
    file: &std::path::Path,
) -> Result<()> {
    for s in statements {
        if crate::security::statements::is_go_vulndb_id(&s.cve) && db.record(&s.cve).is_none() {
            return Err(Error::Manifest {
                file: file.to_path_buf(),
                line: s.line,
                message: format!(
                    "unknown Go vulnerability database id `{}`: no record with that id in {} ({} records; import the database with `longhaul advisories import DIR`)",
                    s.cve,
                    db.dir.display(),
                    db.records.len()
                ),
            });
        }
    }
    Ok(())
}

/// `longhaul deps`: every release asked for, and the database's age.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The database's age (every output that counts open vulnerabilities says it).
    pub freshness: Freshness,
    /// The releases, in the order asked for.
    pub releases: Vec<ReleaseDeps>,
}

/// Analyse `releases` with `statements` applied, joining own-code records
/// with the Kubernetes `advisories`; `progress` is called after each release.
pub fn report(
    analyzer: &mut Analyzer,
    releases: &[String],
    statements: &[Statement],
    advisories: &[crate::security::advisory::Advisory],
    now: i64,
    progress: &dyn Fn(&str),
) -> Result<Report> {
    let mut out = Vec::with_capacity(releases.len());
    for r in releases {
        let mut deps = analyzer.release(r, statements)?;
        deps.own_code = join_own_code(&deps.tree.matches.own_code, advisories);
        progress(r);
        out.push(deps);
    }
    Ok(Report {
        freshness: Freshness::of(analyzer.db, Some(analyzer.manifest), now),
        releases: out,
    })
}
