//! `longhaul coverage`: the CVE x release matrix.

use crate::context::Context;
use crate::ui;
use longhaul::security::coverage::{Cell, Coverage, Source, Status};
use longhaul::security::freshness::FeedAge;
use std::process::ExitCode;

/// CVE x release matrix: which CVE is fixed, by what, and which is still
/// exposed; one column per line (its newest release), newest first,
/// fitted to the terminal.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Releases (columns); default every shipped release (intermediate bases
    /// such as KLTS's `-ci` entries left out).
    pub releases: Vec<String>,
    /// Show every release, intermediate bases included.
    #[arg(long, conflicts_with = "releases")]
    pub all: bool,
    /// Print a Markdown table (for a status page or a pull request).
    #[arg(long)]
    pub markdown: bool,
    /// Per CVE, the releases fixed by each patch, stated, exposed and
    /// not assessed, instead of the matrix of short words.
    #[arg(long, conflicts_with = "markdown")]
    pub wide: bool,
    /// Also the dependency findings (Go vulnerability database) of the
    /// same releases; reads their trees from the upstream repository.
    #[arg(long)]
    pub deps: bool,
    #[command(flatten)]
    pub go: crate::GorootArgs,
}

/// How `coverage` prints.
pub struct Request<'a> {
    pub releases: &'a [String],
    pub all: bool,
    pub markdown: bool,
    pub wide: bool,
    /// Also the dependency findings, with these Go installations.
    pub deps: Option<&'a crate::GorootArgs>,
}

/// The dependency rows of `--deps`, and the Go database's age.
type DepRows = (
    Vec<longhaul::deps::matrix::Row>,
    longhaul::deps::report::Freshness,
);

/// What `coverage` shows: the matrix, the feed's age and, with `--deps`,
/// the dependency rows.
struct Shown {
    manifest: longhaul::release::manifest::Manifest,
    coverage: Coverage,
    feed: FeedAge,
    deps: Option<DepRows>,
}

pub fn run(ctx: &Context, json: bool, req: &Request) -> anyhow::Result<ExitCode> {
    // `--json` is global, so clap cannot say this.
    if json && (req.markdown || req.wide) {
        anyhow::bail!("--json prints the matrix as JSON: leave out --markdown and --wide");
    }
    let every: Vec<String>;
    let releases = if req.all {
        every = ctx
            .manifest()?
            .releases
            .iter()
            .map(|r| r.name.clone())
            .collect();
        &every
    } else {
        req.releases
    };
    let shown = compute(ctx, releases, req.deps)?;
    if json {
        print_json(&shown);
    } else if req.markdown {
        print_markdown(&shown);
    } else {
        print_text(&shown, req.wide, !releases.is_empty());
    }
    Ok(ExitCode::SUCCESS)
}

/// The coverage of `releases`, the feed's age and the dependency rows.
fn compute(
    ctx: &Context,
    releases: &[String],
    deps: Option<&crate::GorootArgs>,
) -> anyhow::Result<Shown> {
    let (manifest, advisories, coverage) = ctx.coverage(releases)?;
    let feed = longhaul::security::freshness::of_advisories(
        &advisories,
        &ctx.advisories_dir(Some(&manifest)),
        &manifest,
        longhaul::time::reproducible_now()?,
    );
    let deps = match deps {
        Some(go) => Some(super::deps::coverage_rows(
            ctx,
            &manifest,
            &coverage.releases,
            go,
        )?),
        None => None,
    };
    Ok(Shown {
        manifest,
        coverage,
        feed,
        deps,
    })
}

fn print_json(shown: &Shown) {
    let mut doc = serde_json::to_value(&shown.coverage).expect("serializable");
    doc["feed"] = serde_json::to_value(&shown.feed).expect("serializable");
    if let Some((rows, freshness)) = &shown.deps {
        doc["deps"] = serde_json::json!({ "freshness": freshness, "rows": rows });
    }
    ui::print_json(&doc);
}

fn print_markdown(shown: &Shown) {
    let coverage = &shown.coverage;
    print!(
        "{}{}{}",
        feed_markdown(&shown.feed),
        to_markdown(coverage),
        not_in_feed_markdown(coverage)
    );
    if let Some((rows, freshness)) = &shown.deps {
        print!(
            "{}",
            super::deps::rows_markdown(rows, freshness, &coverage.releases)
        );
    }
}

/// The matrix as a table: one column per line (its newest release) unless
/// releases were `named`, every release with `wide`; then the totals.
fn print_text(shown: &Shown, wide: bool, named: bool) {
    let coverage = &shown.coverage;
    print_feed(&shown.feed);
    if wide {
        print_wide(coverage);
    } else {
        let columns = if named {
            coverage
                .releases
                .iter()
                .map(|r| (r.clone(), r.clone()))
                .collect()
        } else {
            longhaul::security::coverage::line_columns(&shown.manifest, coverage)
        };
        print_matrix(coverage, &columns, ui::terminal_width());
    }
    print_totals(coverage, &shown.feed);
    if let Some((rows, freshness)) = &shown.deps {
        super::deps::print_rows(rows);
        super::deps::print_freshness(freshness);
    }
}

/// The feed's age, and the warning when it is stale.
fn print_feed(feed: &FeedAge) {
    println!("feed: {}", feed.summary());
    if let Some(w) = feed.warning() {
        println!("{} {w}", ui::paint("warning:", ui::Color::Yellow));
    }
}

fn feed_markdown(feed: &FeedAge) -> String {
    let mut s = format!("Feed: {}.\n\n", feed.summary());
    if let Some(w) = feed.warning() {
        s.push_str(&format!("> **Warning:** {w}.\n\n"));
    }
    s
}

fn not_in_feed_markdown(c: &Coverage) -> String {
    if c.not_in_feed.is_empty() {
        return String::new();
    }
    format!(
        "\nNot in the feed (named by patches, no advisory; status unknown where no patch fixes them): {}.\n",
        c.not_in_feed
            .iter()
            .map(|n| n.cve.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// The readable default: one row per CVE, one column per entry of
/// `columns` (header, release), a short word per cell; with a terminal
/// `width`, the last (oldest) columns that do not fit are left out, and a
/// note says which.
fn print_matrix(c: &Coverage, columns: &[(String, String)], width: Option<usize>) {
    let rows: Vec<_> = c.cves.iter().filter(|r| r.in_scope).collect();
    let id_width = rows.iter().map(|r| r.id.len()).max().unwrap_or(3).max(3);
    let widths: Vec<usize> = columns
        .iter()
        .map(|(header, release)| {
            rows.iter()
                .filter_map(|r| c.cell(&r.id, release))
                .map(|x| x.word().len())
                .max()
                .unwrap_or(1)
                .max(header.chars().count())
        })
        .collect();
    let shown = fitting(id_width + 2 + "CVSS".len() + 2, &widths, width);
    let mut header = vec!["CVE", "CVSS"];
    header.extend(columns[..shown].iter().map(|(h, _)| h.as_str()));
    let mut t = ui::table(&header);
    for row in &rows {
        let mut cells = vec![
            row.id.clone(),
            row.cvss
                .as_ref()
                .map(|s| format!("{:.1}", s.score))
                .unwrap_or_else(|| "-".into()),
        ];
        for (_, release) in &columns[..shown] {
            cells.push(match c.cell(&row.id, release) {
                Some(x) => ui::paint(x.word(), word_color(x)),
                None => "-".into(),
            });
        }
        t.add_row(cells);
    }
    println!("{t}");
    println!("{}", longhaul::security::coverage::WORD_LEGEND);
    if shown < columns.len() {
        let left: Vec<&str> = columns[shown..].iter().map(|(h, _)| h.as_str()).collect();
        println!(
            "{} older column{} left out to fit {} columns: {} (widen the terminal, name releases, or use --wide or --json)",
            left.len(),
            if left.len() == 1 { "" } else { "s" },
            width.unwrap_or_default(),
            left.join(", ")
        );
    }
}

/// How many of the columns of `widths` fit in `width` after a `fixed`
/// start (every column costs its width plus two spaces); all without a
/// width, and at least one.
fn fitting(fixed: usize, widths: &[usize], width: Option<usize>) -> usize {
    let Some(width) = width else {
        return widths.len();
    };
    let mut used = fixed;
    let mut n = 0;
    for w in widths {
        if used + w + 2 > width {
            break;
        }
        used += w + 2;
        n += 1;
    }
    n.max(1).min(widths.len())
}

fn word_color(x: &Cell) -> ui::Color {
    match x.status {
        Status::Fixed | Status::NotAffected => ui::Color::Green,
        Status::Affected => ui::Color::Red,
        Status::NotAssessed | Status::UnderInvestigation => ui::Color::Yellow,
        Status::OutOfScope => ui::Color::Dim,
    }
}

fn cells<'a>(c: &'a Coverage, cve: &'a str) -> impl Iterator<Item = &'a Cell> {
    c.cells.iter().filter(move |x| x.cve == cve)
}

/// `--wide`: per CVE, which releases are fixed by what, stated, exposed.
fn print_wide(c: &Coverage) {
    let mut t = ui::table(&[
        "CVE",
        "CVSS",
        "FIXED BY PATCH",
        "STATEMENT",
        "EXPOSED (NO FIX)",
        "NOT ASSESSED",
        "FIXED UPSTREAM",
    ]);
    for row in c.cves.iter().filter(|r| r.in_scope) {
        let of = |pred: &dyn Fn(&Cell) -> bool| {
            cells(c, &row.id).filter(|x| pred(x)).collect::<Vec<_>>()
        };
        let patched = of(&|x| x.source == Source::Patch);
        let stated = of(&|x| x.source == Source::Statement);
        let exposed = of(&|x| x.status == Status::Affected && x.source == Source::None);
        let fixed_up = of(&|x| x.source == Source::Upstream && x.status == Status::Fixed).len();
        let not_assessed = of(&|x| x.status == Status::NotAssessed).len();
        let names = |v: &[&Cell], with_patch: bool| {
            v.iter()
                .map(|x| match (&x.patch, with_patch) {
                    (Some(p), true) => format!(
                        "{} ({p}{})",
                        x.release,
                        if x.inferred { ", inferred" } else { "" }
                    ),
                    _ => x.release.clone(),
                })
                .collect::<Vec<_>>()
                .join("\n")
        };
        t.add_row(vec![
            row.id.clone(),
            row.cvss
                .as_ref()
                .map(|s| format!("{:.1} {}", s.score, s.severity))
                .unwrap_or_default(),
            ui::paint(&names(&patched, true), ui::Color::Green),
            stated
                .iter()
                .map(|x| format!("{}: {}", x.release, x.status.as_words()))
                .collect::<Vec<_>>()
                .join("\n"),
            ui::paint(&names(&exposed, false), ui::Color::Red),
            match not_assessed {
                0 => String::new(),
                n => ui::paint(&releases(n), ui::Color::Yellow),
            },
            match fixed_up {
                0 => String::new(),
                n => releases(n),
            },
        ]);
    }
    println!("{t}");
}

/// `1 release`, `17 releases`.
fn releases(n: usize) -> String {
    ui::count(n, "release", "releases")
}

/// The counts under the table; with a stale feed, in the warning colour.
fn print_totals(c: &Coverage, feed: &FeedAge) {
    let out_of_scope = c.out_of_scope();
    let exposed = c
        .cells
        .iter()
        .filter(|x| x.status == Status::Affected && x.source == Source::None)
        .count();
    let scope_note = match out_of_scope.len() {
        0 => String::new(),
        1 => format!("; 1 advisory out of scope ({})", out_of_scope[0]),
        n => format!(
            "; {n} advisories out of scope ({})",
            out_of_scope.join(", ")
        ),
    };
    let not_assessed = c
        .cells
        .iter()
        .filter(|x| x.status == Status::NotAssessed)
        .count();
    let count_color = match (feed.stale, exposed) {
        (true, _) => ui::Color::Yellow,
        (false, 0) => ui::Color::Green,
        (false, _) => ui::Color::Red,
    };
    let cves = c.cves.len() - out_of_scope.len();
    println!(
        "{cves} CVE{} x {}: {} without a fix or statement, {not_assessed} not assessed (`longhaul statements suggest` drafts statements for them){scope_note}{}",
        if cves == 1 { "" } else { "s" },
        releases(c.releases.len()),
        ui::paint(
            &format!(
                "{exposed} exposed pair{}",
                if exposed == 1 { "" } else { "s" }
            ),
            count_color
        ),
        if feed.stale {
            " (the feed may be out of date: the counts may be too low)"
        } else {
            ""
        }
    );
    print_not_in_feed(c);
}

/// The CVEs that patches name and the feed lacks, if any.
fn print_not_in_feed(c: &Coverage) {
    if !c.not_in_feed.is_empty() {
        println!(
            "{} {} CVE{} named by patches {} not in the feed, so not in the matrix: {}",
            ui::paint("note:", ui::Color::Yellow),
            c.not_in_feed.len(),
            if c.not_in_feed.len() == 1 { "" } else { "s" },
            if c.not_in_feed.len() == 1 {
                "is"
            } else {
                "are"
            },
            c.not_in_feed
                .iter()
                .map(|n| match n.fixed_in.len() {
                    0 => format!("{} (no shipped release has the patch)", n.cve),
                    k => format!("{} (patched in {})", n.cve, releases(k)),
                })
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
}

/// A Markdown matrix with a legend, for status pages and pull requests.
pub fn to_markdown(c: &Coverage) -> String {
    let mut s = String::from("| CVE | CVSS |");
    let md = longhaul::escape::markdown;
    for r in &c.releases {
        s.push_str(&format!(" {} |", md(r)));
    }
    s.push_str("\n|---|---|");
    s.push_str(&"---|".repeat(c.releases.len()));
    s.push('\n');
    for row in c.cves.iter().filter(|r| r.in_scope) {
        s.push_str(&format!(
            "| {} | {} |",
            md(&row.id),
            row.cvss
                .as_ref()
                .map(|x| format!("{:.1}", x.score))
                .unwrap_or_default()
        ));
        for r in &c.releases {
            let mark = match c.cell(&row.id, r) {
                Some(x) => match (x.source, x.status) {
                    (Source::Patch, _) if x.inferred => "patch*".to_string(),
                    (Source::Patch, _) => "patch".to_string(),
                    (Source::Upstream, Status::Fixed) => "upstream".to_string(),
                    (_, Status::NotAssessed) => "not assessed".to_string(),
                    (Source::Statement, st) => format!("VEX: {}", st.as_str()),
                    (_, _) => "**AFFECTED**".to_string(),
                },
                None => String::new(),
            };
            s.push_str(&format!(" {mark} |"));
        }
        s.push('\n');
    }
    s.push_str("\n`patch`: fixed by an LTS patch (`*`: linked by name or commit message, not `cves:`); `upstream`: the upstream version already has the fix; `not assessed`: no published range, patch or statement covers the release (possibly affected); `VEX`: maintainers' statement; **AFFECTED**: no fix. `not_affected` only ever comes from a maintainers' statement.\n");
    let out = c.out_of_scope();
    if !out.is_empty() {
        s.push_str(&format!(
            "\nOut of scope (packages this distribution does not ship): {}.\n",
            out.iter().map(|o| md(o)).collect::<Vec<_>>().join(", ")
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::fitting;

    #[test]
    fn columns_fit_the_width_oldest_dropped_first() {
        assert_eq!(fitting(20, &[5, 5, 5], None), 3);
        assert_eq!(fitting(20, &[5, 5, 5], Some(34)), 2);
        assert_eq!(fitting(20, &[5, 5, 5], Some(41)), 3);
        assert_eq!(fitting(20, &[5, 5, 5], Some(10)), 1, "at least one");
        assert_eq!(fitting(20, &[], Some(10)), 0);
    }
}
