//! The static status site: an index of lines, a page per release and per
//! CVE, the coverage matrix, and machine-readable twins (`releases.json`,
//! `coverage.json`, `vex/RELEASE.json`, `feed.xml`). Plain HTML and CSS with
//! relative links, so it works from any static host and from `file://`, with
//! no JavaScript. Deterministic: the same inputs and time give the same bytes.

use super::embargo::Publication;
use super::feed::{Entry, Feed};
use super::notes::{self, Notes};
use super::timeline::{Timeline, timeline};
use crate::lifecycle::support::Row;
use crate::lifecycle::support::{Lifecycle, Phase};
use crate::release::line::{Line, lines};
use crate::release::manifest::PatchSource;
use crate::release::patch_cache::PatchLoader;
use crate::security::advisory::{Advisory, Event};
use crate::security::coverage::{Cell, Coverage, CveRow, Source, Status};
use askama::Template;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// How the site is built.
#[derive(Debug, Clone)]
pub struct Options {
    /// The site's title.
    pub title: String,
    /// The URL the site will be served from, for the feed's ids and links
    /// (`None`: links relative to the feed, ids from the product name).
    pub base_url: Option<String>,
    /// Each release's dependency section and its OpenVEX statements, when
    /// the Go vulnerability database is imported.
    pub dependencies: Option<Dependencies>,
}

/// What the site shows about dependencies.
#[derive(Debug, Clone, Default)]
pub struct Dependencies {
    /// Release → its dependency section.
    pub notes: BTreeMap<String, crate::deps::notes::DepsNotes>,
    /// Release → its dependency statements, added to its OpenVEX document.
    pub statements: BTreeMap<String, Vec<crate::security::openvex::VexStatement>>,
    /// Why they were not computed, if they were not.
    pub missing: Option<String>,
}

impl Dependencies {
    /// Each release's dependency section (beside its previous release's, for
    /// what changed) and its OpenVEX statements, from a dependency report.
    pub fn of_report(
        report: &crate::deps::report::Report,
        manifest: &crate::release::manifest::Manifest,
    ) -> Dependencies {
        let lines = lines(manifest);
        let by_name: BTreeMap<&str, &crate::deps::report::ReleaseDeps> = report
            .releases
            .iter()
            .map(|r| (r.name.as_str(), r))
            .collect();
        let mut out = Dependencies::default();
        for r in &report.releases {
            let previous = lines
                .iter()
                .find_map(|l| l.previous(&r.name))
                .and_then(|p| by_name.get(p.name.as_str()).copied());
            out.notes.insert(
                r.name.clone(),
                crate::deps::notes::notes(r, previous, &report.freshness),
            );
            let products = crate::security::openvex::products(manifest.product.as_deref(), &r.name);
            out.statements.insert(
                r.name.clone(),
                crate::deps::vex::statements(r, &products, false),
            );
        }
        out
    }
}

/// The built site: relative path → bytes.
#[derive(Debug, Clone, Default)]
pub struct Site {
    /// Every file, by its path inside the site.
    pub files: BTreeMap<String, Vec<u8>>,
}

/// A status word, its CSS class and a detail, as every page shows a cell.
#[derive(Debug, Clone)]
pub struct StatusView {
    /// `fixed`, `affected`, … (the CSS class too).
    pub class: &'static str,
    /// What a person reads.
    pub word: String,
    /// The patch, statement or note behind it.
    pub detail: String,
    /// The patch that fixes it, when one does.
    pub patch: Option<String>,
}

/// The view of one cell.
pub fn status_view(cell: &Cell) -> StatusView {
    let (class, word) = match (cell.source, cell.status) {
        (Source::Patch, _) => ("fixed", "fixed by LTS patch"),
        (Source::Upstream, Status::Fixed) => ("fixed", "fixed upstream"),
        (_, Status::NotAssessed) => ("unknown", "not assessed"),
        (_, Status::UnderInvestigation) => ("unknown", "under investigation"),
        (_, Status::NotAffected) => ("not-affected", "not affected"),
        (_, Status::OutOfScope) => ("not-affected", "out of scope"),
        (_, Status::Affected) => ("affected", "affected"),
        (_, Status::Fixed) => ("fixed", "fixed"),
    };
    let detail = match (&cell.statement, cell.source) {
        (Some(st), _) => notes::statement_text(st),
        (None, Source::Patch) => format!(
            "{}{}",
            cell.patch.as_deref().unwrap_or("?"),
            if cell.inferred {
                " (linked by name or commit message)"
            } else {
                ""
            }
        ),
        (None, Source::None) if cell.status == Status::Affected => "no fix yet".into(),
        _ => cell.note.clone().unwrap_or_default(),
    };
    StatusView {
        class,
        word: word.to_string(),
        detail,
        patch: cell.patch.clone().filter(|_| cell.source == Source::Patch),
    }
}

/// A file name for a release or CVE: its name, with anything but letters,
/// digits, `.`, `-` and `_` replaced (so a hostile name cannot leave its folder).
pub fn slug(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.starts_with('.') || s.is_empty() {
        format!("_{s}")
    } else {
        s
    }
}

/// An error when two of `names` (releases, CVEs) make the same file name
/// through [`slug`]: one page, notes file and VEX document would silently
/// overwrite the other's.
pub fn unique_slugs<'a>(what: &str, names: impl IntoIterator<Item = &'a str>) -> crate::Result<()> {
    let mut seen: BTreeMap<String, &str> = BTreeMap::new();
    for name in names {
        if let Some(other) = seen.insert(slug(name), name)
            && other != name
        {
            return Err(crate::Error::Input(format!(
                "{what} `{other}` and `{name}` would be published under the same file name `{}`; rename one (nothing was written)",
                slug(name)
            )));
        }
    }
    Ok(())
}

struct LineRow {
    minor: String,
    newest: Option<String>,
    upstream_eol: String,
    lts_eol: String,
    phase: &'static str,
    maintained: bool,
    open: Option<usize>,
    not_assessed: Option<usize>,
    go: String,
    deps_open: Option<usize>,
    /// CVEs patches name that the feed lacks, not fixed on the newest release.
    not_in_feed: Option<usize>,
    older: Vec<String>,
}

/// The feed's age, said on every page that counts CVEs.
struct FeedView {
    summary: String,
    because: Option<String>,
}

impl FeedView {
    fn of(p: &Publication) -> Option<FeedView> {
        p.feed.as_ref().map(|f| FeedView {
            summary: f.summary(),
            because: f.stale_because.clone(),
        })
    }
}

#[derive(Template)]
#[template(path = "site/index.html")]
struct IndexPage<'a> {
    title: &'a str,
    root: &'static str,
    page: &'static str,
    generated: String,
    lines: Vec<LineRow>,
    timeline: String,
    missing: &'a [String],
    data_as_of: String,
    lts_years: u32,
    cve_count: usize,
    deps_age: Option<String>,
    deps_warning: Option<String>,
    /// Zero dependency counts are shown in the warning colour, not green.
    deps_stale: bool,
    feed: Option<FeedView>,
    /// Counts of zero are shown in the warning colour, not green.
    stale: bool,
    not_in_feed: usize,
}

struct PatchView {
    name: String,
    cves: Vec<(String, bool)>,
    reason: Option<String>,
    note: Option<String>,
    files: Vec<(String, String)>,
    commits: Vec<(String, String)>,
    upstream: Vec<String>,
    unreadable: Option<String>,
}

struct CveLine {
    id: String,
    has_page: bool,
    severity: String,
    status: StatusView,
    summary: String,
}

#[derive(Template)]
#[template(path = "site/release.html")]
struct ReleasePage<'a> {
    title: &'a str,
    root: &'static str,
    page: &'static str,
    notes: &'a Notes,
    chain: Vec<(String, Vec<PatchView>)>,
    fixed: Vec<CveLine>,
    open: Vec<CveLine>,
    slug: String,
    previous_slug: Option<String>,
    has_vex: bool,
    missing: &'a [String],
    deps: Option<&'a crate::deps::notes::DepsNotes>,
    deps_missing: Option<&'a str>,
    feed: Option<FeedView>,
}

struct LineStatus {
    minor: String,
    release: String,
    version: String,
    status: StatusView,
}

#[derive(Template)]
#[template(path = "site/cve.html")]
struct CvePage<'a> {
    title: &'a str,
    root: &'static str,
    page: &'static str,
    id: &'a str,
    summary: String,
    details: String,
    published: String,
    aliases: Vec<String>,
    cvss: Option<(String, String, String)>,
    ranges: Vec<String>,
    references: Vec<(String, String)>,
    lines: Vec<LineStatus>,
    feed: Option<FeedView>,
}

/// One cell of the coverage matrix: a short word, its CSS class, the detail.
struct MatrixCell {
    class: &'static str,
    word: &'static str,
    detail: String,
}

struct MatrixRow {
    id: String,
    /// Whether the CVE has a page (it is in the feed).
    has_page: bool,
    severity: String,
    cells: Vec<Option<MatrixCell>>,
}

/// One page of the coverage matrix, and its place among the others.
#[derive(Clone)]
struct MatrixPage {
    file: String,
    label: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "site/coverage.html")]
struct CoveragePage<'a> {
    title: &'a str,
    root: &'static str,
    page: &'static str,
    columns: Vec<(String, String)>,
    rows: Vec<MatrixRow>,
    missing: &'a [String],
    feed: Option<FeedView>,
    /// Every page of the matrix, newest lines first.
    pages: Vec<MatrixPage>,
    /// This page's lines, and the next page's (older lines).
    label: String,
    older: Option<MatrixPage>,
    not_in_feed: usize,
}

/// Lines per page of the coverage matrix: twelve fit 1400 pixels with the
/// CVE column; older lines go to the next page.
pub const MATRIX_COLUMNS: usize = 12;

const STYLE: &str = include_str!("../../templates/site/style.css");

/// Build the site from a publication and the lifecycle table: the release
/// pages (with their notes and VEX documents), the patch files they link,
/// the CVE pages, the coverage matrix, the index and the machine-readable
/// twins.
pub fn build(
    p: &Publication,
    lifecycle: &Lifecycle,
    options: &Options,
    loader: &PatchLoader,
) -> crate::Result<Site> {
    let shared = Shared::new(p, options)?;
    let mut site = Site::default();
    let release_notes = release_pages(&shared, loader, &mut site.files)?;
    patch_files(&shared, &release_notes, loader, &mut site.files)?;
    cve_pages(&shared, &mut site.files)?;
    // The coverage matrix: the newest release of each line, newest first,
    // MATRIX_COLUMNS lines per page.
    site.files
        .extend(coverage_pages(p, &shared.lines, shared.title)?);
    site.files
        .insert("index.html".into(), index_page(&shared, lifecycle)?);
    site.files
        .insert("style.css".into(), STYLE.as_bytes().to_vec());
    // Machine-readable twins.
    site.files.insert(
        "releases.json".into(),
        releases_json(&shared, &release_notes),
    );
    site.files
        .insert("coverage.json".into(), coverage_json(&shared));
    site.files.insert(
        "feed.xml".into(),
        feed(p, &release_notes, options, &shared.generated)?,
    );
    Ok(site)
}

/// What every page of one build shares.
struct Shared<'a> {
    p: &'a Publication,
    options: &'a Options,
    title: &'a str,
    generated: String,
    coverage: Option<&'a Coverage>,
    /// The CVEs that get a page: those of the feed in scope.
    advisory_pages: BTreeSet<String>,
    lines: Vec<Line<'a>>,
}

impl<'a> Shared<'a> {
    /// The shared context, refusing two releases or CVEs with one slug.
    fn new(p: &'a Publication, options: &'a Options) -> crate::Result<Shared<'a>> {
        let coverage = p.coverage.as_ref();
        let advisory_pages: BTreeSet<String> = coverage
            .map(|c| {
                c.cves
                    .iter()
                    .filter(|r| r.in_scope)
                    .map(|r| r.id.clone())
                    .collect()
            })
            .unwrap_or_default();
        let all_lines = lines(&p.manifest);
        unique_slugs(
            "releases",
            all_lines
                .iter()
                .flat_map(|l| l.releases.iter().map(|r| r.name.as_str())),
        )?;
        unique_slugs("CVEs", advisory_pages.iter().map(String::as_str))?;
        Ok(Shared {
            p,
            options,
            title: options.title.as_str(),
            generated: crate::time::rfc3339(p.now),
            coverage,
            advisory_pages,
            lines: all_lines,
        })
    }

    /// The dependency section of one release, if dependencies were computed.
    fn deps_of(&self, release: &str) -> Option<&'a crate::deps::notes::DepsNotes> {
        self.options.dependencies.as_ref()?.notes.get(release)
    }
}

type Files = BTreeMap<String, Vec<u8>>;

/// Every release's page, notes and VEX document; returns the notes, oldest
/// line first, for the patch files, the twins and the feed.
fn release_pages(s: &Shared, loader: &PatchLoader, files: &mut Files) -> crate::Result<Vec<Notes>> {
    let mut release_notes: Vec<Notes> = Vec::new();
    for line in &s.lines {
        for r in &line.releases {
            let n = notes::notes(s.p, &r.name, None, loader)?;
            let previous = line.previous(&r.name).map(|x| x.name.as_str());
            files.insert(
                format!("releases/{}.html", slug(&r.name)),
                release_page(s, &n, &r.name, previous)?,
            );
            files.insert(
                format!("notes/{}.md", slug(&r.name)),
                notes::to_markdown(&n).into_bytes(),
            );
            if let Some(doc) = vex_document(s, &r.name) {
                files.insert(format!("vex/{}.json", slug(&r.name)), doc);
            }
            release_notes.push(n);
        }
    }
    Ok(release_notes)
}

/// One release's page.
fn release_page(
    s: &Shared,
    n: &Notes,
    release: &str,
    previous: Option<&str>,
) -> crate::Result<Vec<u8>> {
    let chain = n
        .chain
        .iter()
        .map(|rp| {
            let views = rp.patches.iter().map(|pn| patch_view(s, pn)).collect();
            (rp.release.clone(), views)
        })
        .collect();
    let page = ReleasePage {
        title: s.title,
        root: "../",
        page: "release",
        notes: n,
        chain,
        fixed: n.fixed.iter().map(|c| cve_line(s, release, c)).collect(),
        open: n.open.iter().map(|c| cve_line(s, release, c)).collect(),
        slug: slug(release),
        previous_slug: previous.map(slug),
        has_vex: s.coverage.is_some(),
        missing: &s.p.missing,
        deps: s.deps_of(release),
        deps_missing: s
            .options
            .dependencies
            .as_ref()
            .and_then(|d| d.missing.as_deref()),
        feed: FeedView::of(s.p),
    };
    page.render_page()
}

/// One patch of a release's chain, with links to its files and CVEs.
fn patch_view(s: &Shared, pn: &notes::PatchNote) -> PatchView {
    PatchView {
        name: pn.name.clone(),
        cves: pn
            .cves
            .iter()
            .map(|c| (c.clone(), s.advisory_pages.contains(c)))
            .collect(),
        reason: pn.reason.clone(),
        note: pn.note.clone(),
        files: pn
            .items
            .iter()
            .map(|i| match s.p.manifest.source(i) {
                PatchSource::Url(u) => (u.clone(), u),
                PatchSource::File(_) => (format!("../files/{}", file_path(i)), i.clone()),
            })
            .collect(),
        commits: pn
            .commits
            .iter()
            .map(|c| (c.subject.clone(), c.author.clone()))
            .collect(),
        upstream: pn.upstream.clone(),
        unreadable: pn.unreadable.clone(),
    }
}

/// One CVE of a release page, with its status on that release.
fn cve_line(s: &Shared, release: &str, c: &notes::CveNote) -> CveLine {
    let cell = s.coverage.and_then(|cov| cov.cell(&c.id, release));
    CveLine {
        id: c.id.clone(),
        has_page: s.advisory_pages.contains(&c.id),
        severity: c.severity.clone().unwrap_or_else(|| "-".into()),
        // No cell: a CVE the feed lacks, fixed by a patch of the chain.
        status: cell.map(status_view).unwrap_or(StatusView {
            class: match c.status {
                Status::Fixed => "fixed",
                Status::NotAffected => "not-affected",
                Status::Affected => "affected",
                _ => "unknown",
            },
            word: match c.status {
                Status::Fixed => "fixed by LTS patch".into(),
                s => s.as_words().into(),
            },
            detail: c.detail.clone(),
            patch: None,
        }),
        summary: c.summary.clone().unwrap_or_default(),
    }
}

/// A release's OpenVEX document with its dependency statements, when
/// there is coverage.
fn vex_document(s: &Shared, release: &str) -> Option<Vec<u8>> {
    let cov = s.coverage?;
    let mut doc = crate::security::openvex::document(
        cov,
        release,
        s.p.manifest.product.as_deref(),
        "longhaul",
        &s.generated,
    );
    if let Some(extra) = s
        .options
        .dependencies
        .as_ref()
        .and_then(|d| d.statements.get(release))
    {
        doc.extend(release, extra.clone());
    }
    Some(json(&doc))
}

/// Patch files, linked from the release pages (only the published
/// releases' patches: an embargoed one is in none of them).
fn patch_files(
    s: &Shared,
    release_notes: &[Notes],
    loader: &PatchLoader,
    files: &mut Files,
) -> crate::Result<()> {
    let items: BTreeSet<&String> = release_notes
        .iter()
        .flat_map(|n| {
            n.chain
                .iter()
                .flat_map(|c| c.patches.iter().flat_map(|x| x.items.iter()))
        })
        .collect();
    for item in items {
        if let PatchSource::File(path) = s.p.manifest.source(item) {
            // Only what the loader reads: inside the repository, bounded.
            let bytes = loader.read_file(&path).map_err(|e| e.into_error())?;
            files.insert(format!("files/{}", file_path(item)), bytes);
        }
    }
    Ok(())
}

/// A page per CVE of the feed in scope, when there is coverage.
fn cve_pages(s: &Shared, files: &mut Files) -> crate::Result<()> {
    let Some(cov) = s.coverage else {
        return Ok(());
    };
    let by_id: BTreeMap<&str, &Advisory> = s.p.advisories.iter().map(|a| (a.cve(), a)).collect();
    for row in cov.cves.iter().filter(|r| r.in_scope) {
        let a = by_id.get(row.id.as_str()).copied();
        files.insert(
            format!("cves/{}.html", slug(&row.id)),
            cve_page(s, cov, row, a)?,
        );
    }
    Ok(())
}

/// One CVE's page: its advisory and its status on each line's newest release.
fn cve_page(
    s: &Shared,
    cov: &Coverage,
    row: &CveRow,
    a: Option<&Advisory>,
) -> crate::Result<Vec<u8>> {
    // Newest line first, as the index lists them.
    let line_status = s
        .lines
        .iter()
        .rev()
        .filter_map(|l| {
            let newest = l.newest();
            let cell = cov.cell(&row.id, &newest.name)?;
            Some(LineStatus {
                minor: l.minor.to_string(),
                release: newest.name.clone(),
                version: cell.upstream_version.clone().unwrap_or_else(|| "?".into()),
                status: status_view(cell),
            })
        })
        .collect();
    let page = CvePage {
        title: s.title,
        root: "../",
        page: "cve",
        id: &row.id,
        summary: row.summary.clone().unwrap_or_default(),
        details: a.and_then(|a| a.details.clone()).unwrap_or_default(),
        published: row.published.clone().unwrap_or_default(),
        aliases: row.aliases.clone(),
        cvss: row.cvss.as_ref().map(|c| {
            (
                format!("{:.1}", c.score),
                c.severity.clone(),
                c.vector.clone(),
            )
        }),
        ranges: a.map(ranges).unwrap_or_default(),
        references: a.map(references).unwrap_or_default(),
        lines: line_status,
        feed: FeedView::of(s.p),
    };
    page.render_page()
}

/// The index: every line, newest first, with the lifecycle timeline.
fn index_page(s: &Shared, lifecycle: &Lifecycle) -> crate::Result<Vec<u8>> {
    let line_rows = lifecycle
        .rows
        .iter()
        .map(|row| line_row(s, row))
        .rev()
        .collect();
    let svg: Timeline = timeline(lifecycle, 720);
    let deps = s
        .options
        .dependencies
        .as_ref()
        .and_then(|d| d.notes.values().next());
    let page = IndexPage {
        title: s.title,
        root: "",
        page: "index",
        generated: s.generated.clone(),
        lines: line_rows,
        timeline: svg.render().map_err(template_error)?,
        missing: &s.p.missing,
        data_as_of: lifecycle.data_as_of.to_string(),
        lts_years: lifecycle.lts_years,
        cve_count: s.advisory_pages.len(),
        deps_age: deps.map(|n| n.freshness.clone()),
        deps_warning: deps.and_then(|n| n.warning.clone()),
        deps_stale: deps.is_none_or(|n| n.stale),
        feed: FeedView::of(s.p),
        stale: s.p.feed.as_ref().is_some_and(|f| f.stale),
        not_in_feed: s.coverage.map_or(0, |c| c.not_in_feed.len()),
    };
    page.render_page()
}

/// One line of the index: its lifecycle and its newest release's counts.
fn line_row(s: &Shared, row: &Row) -> LineRow {
    let coverage = s.coverage;
    let line = s.lines.iter().find(|l| l.minor == row.line);
    let counts = |pred: &dyn Fn(Status) -> bool| -> Option<usize> {
        let (cov, newest) = (coverage?, line?.newest());
        Some(
            cov.cells
                .iter()
                .filter(|c| c.release == newest.name && pred(c.status))
                .count(),
        )
    };
    let deps = line.and_then(|l| s.deps_of(&l.newest().name));
    LineRow {
        minor: row.line.to_string(),
        newest: row.newest_release.clone(),
        upstream_eol: date(row.upstream_end_of_life),
        lts_eol: date(row.lts_end_of_life),
        phase: match row.phase {
            Phase::Upstream => "upstream support",
            Phase::Lts => "LTS",
            Phase::Ended => "ended",
            Phase::Unknown => "unknown",
        },
        maintained: row.maintained,
        open: counts(&|s| s == Status::Affected),
        not_assessed: counts(&|s| matches!(s, Status::NotAssessed | Status::UnderInvestigation)),
        go: deps
            .and_then(|d| d.go.clone())
            .unwrap_or_else(|| "?".into()),
        deps_open: deps.map(|d| d.open.len()),
        not_in_feed: coverage.zip(line).map(|(cov, l)| {
            let newest = &l.newest().name;
            cov.not_in_feed
                .iter()
                .filter(|n| !n.fixed_in.contains(newest))
                .count()
        }),
        older: line
            .map(|l| l.releases.iter().skip(1).map(|r| r.name.clone()).collect())
            .unwrap_or_default(),
    }
}

/// `releases.json`: every published release, its files, patches and CVEs.
fn releases_json(s: &Shared, release_notes: &[Notes]) -> Vec<u8> {
    let manifest = &s.p.manifest;
    let coverage = s.coverage;
    let releases: Vec<serde_json::Value> = release_notes
        .iter()
        .map(|n| {
            serde_json::json!({
                "name": n.release,
                "line": n.line,
                "base": n.base,
                "must": manifest.release(&n.release).map(|r| r.must).unwrap_or(false),
                "page": format!("releases/{}.html", slug(&n.release)),
                "notes": format!("notes/{}.md", slug(&n.release)),
                "vex": coverage.map(|_| format!("vex/{}.json", slug(&n.release))),
                "patches": n.chain.iter().flat_map(|c| c.patches.iter().map(|p| p.name.clone())).collect::<Vec<_>>(),
                "fixed": n.fixed.iter().map(|c| &c.id).collect::<Vec<_>>(),
                "open": n.open.iter().map(|c| serde_json::json!({"id": c.id, "status": c.status})).collect::<Vec<_>>(),
            })
        })
        .collect();
    json(
        &serde_json::json!({ "generated": s.generated, "missing": s.p.missing, "releases": releases }),
    )
}

/// `coverage.json`: the coverage, or why there is none.
fn coverage_json(s: &Shared) -> Vec<u8> {
    match s.coverage {
        Some(c) => json(c),
        None => json(&serde_json::json!({ "missing": s.p.missing })),
    }
}

/// The coverage matrix as pages of [`MATRIX_COLUMNS`] lines each, newest
/// lines first (`coverage.html`, then `coverage-2.html`, …): the whole
/// matrix reads without sideways scrolling. CVEs that patches name but the
/// feed lacks are rows too: `patched` where a release carries the patch,
/// `unknown` elsewhere.
fn coverage_pages(
    p: &Publication,
    all_lines: &[crate::release::line::Line<'_>],
    title: &str,
) -> crate::Result<Vec<(String, Vec<u8>)>> {
    let columns: Vec<(String, String)> = all_lines
        .iter()
        .rev()
        .map(|l| (l.minor.to_string(), l.newest().name.clone()))
        .collect();
    let chunks: Vec<&[(String, String)]> = if columns.is_empty() {
        vec![&[]]
    } else {
        columns.chunks(MATRIX_COLUMNS).collect()
    };
    let file = |i: usize| match i {
        0 => "coverage.html".to_string(),
        i => format!("coverage-{}.html", i + 1),
    };
    let mut out = Vec::new();
    for (i, chunk) in chunks.iter().enumerate() {
        let pages: Vec<MatrixPage> = chunks
            .iter()
            .enumerate()
            .map(|(j, c)| MatrixPage {
                file: file(j),
                label: match (c.first(), c.last()) {
                    (Some(a), Some(b)) if a.0 != b.0 => format!("{} to {}", a.0, b.0),
                    (Some(a), _) => a.0.clone(),
                    _ => "none".into(),
                },
                current: j == i,
            })
            .collect();
        let page = CoveragePage {
            title,
            root: "",
            page: "coverage",
            columns: chunk.to_vec(),
            rows: p
                .coverage
                .as_ref()
                .map(|c| matrix_rows(c, chunk))
                .unwrap_or_default(),
            missing: &p.missing,
            feed: FeedView::of(p),
            label: pages[i].label.clone(),
            older: pages.get(i + 1).cloned(),
            pages,
            not_in_feed: p.coverage.as_ref().map_or(0, |c| c.not_in_feed.len()),
        };
        out.push((file(i), page.render_page()?));
    }
    Ok(out)
}

/// The matrix rows for `columns`: every CVE in scope, then those the feed lacks.
fn matrix_rows(
    cov: &crate::security::coverage::Coverage,
    columns: &[(String, String)],
) -> Vec<MatrixRow> {
    let mut rows: Vec<MatrixRow> = cov
        .cves
        .iter()
        .filter(|r| r.in_scope)
        .map(|r| MatrixRow {
            id: r.id.clone(),
            has_page: true,
            severity: r
                .cvss
                .as_ref()
                .map(|c| format!("{:.1}", c.score))
                .unwrap_or_else(|| "-".into()),
            cells: columns
                .iter()
                .map(|(_, rel)| {
                    cov.cell(&r.id, rel).map(|c| MatrixCell {
                        class: status_view(c).class,
                        word: c.word(),
                        detail: status_view(c).detail,
                    })
                })
                .collect(),
        })
        .collect();
    rows.extend(cov.not_in_feed.iter().map(|n| {
        MatrixRow {
            id: n.cve.clone(),
            has_page: false,
            severity: "-".into(),
            cells: columns
                .iter()
                .map(|(_, rel)| {
                    Some(if n.fixed_in.contains(rel) {
                        MatrixCell {
                            class: "fixed",
                            word: "patched",
                            detail: format!(
                                "an LTS patch names it ({}); the feed has no advisory for it",
                                n.patches.join(", ")
                            ),
                        }
                    } else {
                        MatrixCell {
                            class: "unknown",
                            word: "unknown",
                            detail: "not in the feed: no advisory says which versions are affected"
                                .into(),
                        }
                    })
                })
                .collect(),
        }
    }));
    rows
}

/// An advisory's references (OSV `references`: `{type, url}`) that are web
/// links, as (URL, label). Anything but an http(s) URL is left out: a
/// reference is untrusted text and must not become a `javascript:` link.
fn references(a: &Advisory) -> Vec<(String, String)> {
    a.references
        .iter()
        .filter_map(|r| {
            let url = r.get("url")?.as_str()?.trim();
            let web = (url.starts_with("https://") || url.starts_with("http://"))
                && !url.chars().any(|c| c.is_whitespace() || c.is_control());
            let kind = r.get("type").and_then(|t| t.as_str()).unwrap_or("WEB");
            web.then(|| {
                (
                    url.to_string(),
                    format!("{} ({})", url, kind.to_ascii_lowercase()),
                )
            })
        })
        .collect()
}

/// Object-safe rendering, so one closure renders every page type.
trait DynRender {
    fn render_page(&self) -> crate::Result<Vec<u8>>;
}

impl<T: Template> DynRender for T {
    fn render_page(&self) -> crate::Result<Vec<u8>> {
        self.render()
            .map(String::into_bytes)
            .map_err(template_error)
    }
}

fn template_error(e: askama::Error) -> crate::Error {
    crate::Error::Input(format!("rendering a page: {e}"))
}

/// `1 patch`, `3 patches`.
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn json(value: &impl serde::Serialize) -> Vec<u8> {
    let mut v = serde_json::to_vec_pretty(value).expect("serializable");
    v.push(b'\n');
    v
}

fn date(d: Option<crate::time::Date>) -> String {
    d.map(|d| d.to_string()).unwrap_or_else(|| "unknown".into())
}

/// A manifest item's path inside `files/`: its own relative path, slugged per component.
fn file_path(item: &str) -> String {
    item.split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .map(slug)
        .collect::<Vec<_>>()
        .join("/")
}

/// An advisory's affected ranges, one line per package and range.
fn ranges(a: &Advisory) -> Vec<String> {
    let mut out = Vec::new();
    for x in &a.affected {
        for r in &x.ranges {
            let events: Vec<String> = r
                .events
                .iter()
                .map(|e| match e {
                    Event::Introduced(v) => format!("introduced {v}"),
                    Event::Fixed(v) => format!("fixed {v}"),
                    Event::LastAffected(v) => format!("last affected {v}"),
                    Event::Limit(v) => format!("limit {v}"),
                })
                .collect();
            out.push(format!("{}: {}", x.package.name, events.join(", ")));
        }
        if !x.versions.is_empty() {
            out.push(format!(
                "{}: versions {}",
                x.package.name,
                x.versions.join(", ")
            ));
        }
    }
    out
}

/// How the feed names and links its entries: under the base URL when there
/// is one, else relative links and `urn:longhaul:` ids from the product.
struct FeedNames {
    base: Option<String>,
    product: String,
}

impl FeedNames {
    fn new(p: &Publication, options: &Options) -> FeedNames {
        FeedNames {
            base: options
                .base_url
                .as_deref()
                .map(|b| b.trim_end_matches('/').to_string()),
            product: p
                .manifest
                .product
                .clone()
                .or_else(|| p.manifest.base.clone())
                .unwrap_or_else(|| "longhaul".into()),
        }
    }

    fn link(&self, path: &str) -> String {
        match &self.base {
            Some(b) => format!("{b}/{path}"),
            None => path.to_string(),
        }
    }

    fn id(&self, kind: &str, name: &str) -> String {
        match &self.base {
            Some(b) => format!("{b}/{kind}/{}", slug(name)),
            None => format!("urn:longhaul:{}:{kind}:{}", slug(&self.product), slug(name)),
        }
    }

    fn feed_id(&self) -> String {
        match &self.base {
            Some(b) => format!("{b}/feed.xml"),
            None => format!("urn:longhaul:{}:feed", slug(&self.product)),
        }
    }
}

/// The Atom feed: an entry per release and one per CVE an LTS patch fixes,
/// newest first.
fn feed(
    p: &Publication,
    notes: &[Notes],
    options: &Options,
    generated: &str,
) -> crate::Result<Vec<u8>> {
    let names = FeedNames::new(p, options);
    let mut entries: Vec<(i64, Entry)> =
        notes.iter().map(|n| release_entry(p, n, &names)).collect();
    entries.extend(fix_entries(p, notes, &names));
    entries.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.id.cmp(&b.1.id)));
    let feed = Feed {
        id: names.feed_id(),
        title: format!("{}: releases and CVE fixes", options.title),
        updated: entries
            .first()
            .map(|e| e.1.updated.clone())
            .unwrap_or_else(|| generated.to_string()),
        home: names.link("index.html"),
        entries: entries.into_iter().map(|(_, e)| e).collect(),
    };
    feed.render()
        .map(String::into_bytes)
        .map_err(template_error)
}

/// A release's feed entry, dated by the release.
fn release_entry(p: &Publication, n: &Notes, names: &FeedNames) -> (i64, Entry) {
    let when = n.date().unwrap_or(p.now);
    let fixed = if n.fixed.is_empty() {
        "no listed CVE".to_string()
    } else {
        n.fixed
            .iter()
            .map(|c| c.id.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let entry = Entry {
        id: names.id("release", &n.release),
        title: format!("{} released", n.release),
        updated: crate::time::rfc3339(when),
        link: names.link(&format!("releases/{}.html", slug(&n.release))),
        summary: format!(
            "{} on upstream {}: {}; fixes {}; {} still open.",
            n.release,
            n.base,
            count(
                n.chain.iter().map(|c| c.patches.len()).sum::<usize>(),
                "patch",
                "patches"
            ),
            fixed,
            count(n.open.len(), "CVE", "CVEs")
        ),
    };
    (when, entry)
}

/// One entry per CVE an LTS patch fixes, dated by the first release to fix it.
fn fix_entries(p: &Publication, notes: &[Notes], names: &FeedNames) -> Vec<(i64, Entry)> {
    let mut first_fix: BTreeMap<&str, (i64, Vec<&str>)> = BTreeMap::new();
    for n in notes {
        let when = n.date().unwrap_or(p.now);
        for c in &n.fixed {
            let e = first_fix.entry(&c.id).or_insert((when, Vec::new()));
            e.0 = e.0.min(when);
            e.1.push(&n.release);
        }
    }
    first_fix
        .into_iter()
        .map(|(cve, (when, releases))| {
            let entry = Entry {
                id: names.id("fix", cve),
                title: format!("{cve} fixed by LTS patches"),
                updated: crate::time::rfc3339(when),
                link: names.link(&format!("cves/{}.html", slug(cve))),
                summary: format!("{cve} is fixed in {}.", releases.join(", ")),
            };
            (when, entry)
        })
        .collect()
}

impl Site {
    /// Write the site to `out`, replacing what a previous build left there.
    /// The new site is written beside `out` first and swapped in, so a failed
    /// build never leaves half a site; a folder that is not empty and was not
    /// written by longhaul is refused, never overwritten.
    pub fn write(&self, out: &Path) -> crate::Result<()> {
        let io = |source: std::io::Error, what: &Path| crate::Error::Io {
            path: what.to_path_buf(),
            source,
        };
        if out.exists() {
            let ours = out.join(MARKER).is_file();
            let empty = std::fs::read_dir(out)
                .map_err(|e| io(e, out))?
                .next()
                .is_none();
            if !ours && !empty {
                return Err(crate::Error::Input(format!(
                    "{}: not empty and not a site longhaul wrote (no {MARKER}); choose an empty or new folder",
                    out.display()
                )));
            }
        }
        let parent = out
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent).map_err(|e| io(e, parent))?;
        let tmp = tempfile::Builder::new()
            .prefix(".longhaul-site-")
            .tempdir_in(parent)
            .map_err(|e| io(e, parent))?;
        for (path, bytes) in &self.files {
            let dest = tmp.path().join(path);
            if let Some(d) = dest.parent() {
                std::fs::create_dir_all(d).map_err(|e| io(e, d))?;
            }
            std::fs::write(&dest, bytes).map_err(|e| io(e, &dest))?;
        }
        std::fs::write(
            tmp.path().join(MARKER),
            b"written by longhaul site; the whole folder is replaced on the next build\n",
        )
        .map_err(|e| io(e, tmp.path()))?;
        let staged = tmp.keep();
        if out.exists() {
            let aside = parent.join(format!(".longhaul-site-old-{}", std::process::id()));
            std::fs::rename(out, &aside).map_err(|e| io(e, out))?;
            std::fs::rename(&staged, out).map_err(|e| io(e, out))?;
            let _ = std::fs::remove_dir_all(&aside);
        } else {
            std::fs::rename(&staged, out).map_err(|e| io(e, out))?;
        }
        Ok(())
    }
}

/// The file that marks a folder as a site longhaul wrote.
pub const MARKER: &str = ".longhaul-site";

/// Template filters.
mod filters {
    /// `{{ name|slug }}`: [`super::slug`].
    #[askama::filter_fn]
    pub fn slug(name: impl std::fmt::Display, _: &dyn askama::Values) -> askama::Result<String> {
        Ok(super::slug(&name.to_string()))
    }
}
