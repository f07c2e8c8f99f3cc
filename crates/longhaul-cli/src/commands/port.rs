//! `longhaul port --onto REV --commit SHA...`: port commits in memory.

use crate::context::Context;
use crate::ui;
use longhaul::port::precedent::Precedents;
use longhaul::port::{Outcome, Status, port_commit_with};
use std::process::ExitCode;

/// Port upstream commits onto any commit in memory (three-way merge with the
/// commit's parent, as cherry-pick does, checked by the guard; with
/// `--precedents`, where that conflicts, a maintainer's earlier port of the
/// commit onto another branch that makes the same change); print the status
/// and the resulting tree id. Writes nothing.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The repository holding the commits (default: the upstream repository).
    #[arg(long, value_name = "REPO")]
    pub repo: Option<std::path::PathBuf>,
    /// The commit or tag to port onto.
    #[arg(long, value_name = "REV")]
    pub onto: String,
    /// Commits to port, in order (each onto the result of the previous one).
    #[arg(long = "commit", value_name = "SHA", required = true, num_args = 1..)]
    pub commits: Vec<String>,
    /// Where the ladder conflicts, port through a maintainer's earlier port
    /// of the commit onto another branch (a `cherry picked from commit`
    /// line) that makes the same change token for token. Reads every
    /// branch's commits since the upstream commit's.
    #[arg(long)]
    pub precedents: bool,
    /// With `--precedents`: only earlier ports committed before this time
    /// (seconds since the epoch), as when replaying history.
    #[arg(long, value_name = "SECONDS", requires = "precedents")]
    pub precedents_before: Option<i64>,
}

pub fn run(ctx: &Context, json: bool, args: &Args) -> anyhow::Result<ExitCode> {
    let commits = &args.commits;
    let repo = match args.repo.as_deref() {
        Some(path) => longhaul::repo::open(path)?,
        None => ctx.upstream(ctx.manifest().ok().as_ref())?,
    };
    // Everything, including the commits that chain the ports, stays in memory.
    let memory = longhaul::repo::in_memory(&repo);
    let precedents = args.precedents.then_some(Precedents {
        before: args.precedents_before,
    });
    let outcomes = port_chain(&memory, &args.onto, commits, precedents)?;
    let last = &outcomes.last().expect("at least one commit").1;
    let ok = outcomes.len() == commits.len() && last.status != Status::Conflict;
    if json {
        print_json(&outcomes, ok);
    } else {
        print_text(&outcomes);
    }
    // The process ends now: freeing the object caches would only cost time
    // (measurable when a script runs one port per pair).
    std::mem::forget(memory);
    std::mem::forget(repo);
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Port `commits` one after another onto `onto`, each onto the previous
/// port; stops after the first that leaves no tree.
fn port_chain(
    memory: &longhaul::gix::Repository,
    onto: &str,
    commits: &[String],
    precedents: Option<Precedents>,
) -> anyhow::Result<Vec<(String, Outcome)>> {
    let mut target = longhaul::repo::resolve_commit(memory, onto)?;
    let ids = commits
        .iter()
        .map(|c| longhaul::repo::resolve_commit(memory, c))
        .collect::<Result<Vec<_>, _>>()?;
    let mut outcomes: Vec<(String, Outcome)> = Vec::new();
    for (name, id) in commits.iter().zip(ids) {
        let outcome = port_commit_with(memory, id, target, precedents)?;
        let tree = outcome.tree;
        outcomes.push((name.clone(), outcome));
        let Some(tree) = tree else { break };
        target = longhaul::repo::memory_commit(memory, tree, target, "port")?;
    }
    Ok(outcomes)
}

/// One commit: its outcome as is; several: the chain's status and each outcome.
fn print_json(outcomes: &[(String, Outcome)], ok: bool) {
    let last = &outcomes.last().expect("at least one commit").1;
    if let [(_, only)] = outcomes {
        ui::print_json(only);
    } else {
        ui::print_json(&serde_json::json!({
            "status": if ok { last.status } else { Status::Conflict },
            "tree": if ok { last.tree.map(|t| t.to_string()) } else { None },
            "commits": outcomes.iter().map(|(c, o)| serde_json::json!({ "commit": c, "outcome": o })).collect::<Vec<_>>(),
        }));
    }
}

fn print_text(outcomes: &[(String, Outcome)]) {
    for (name, o) in outcomes {
        let status = match o.status {
            Status::Conflict => ui::paint("conflict", ui::Color::Red),
            s => ui::paint(&format!("{s:?}").to_lowercase(), ui::Color::Green),
        };
        println!(
            "{name}: {status} ({:?}, {:?}){}",
            o.rung,
            o.difficulty,
            o.tree.map(|t| format!(" tree {t}")).unwrap_or_default()
        );
        if let Some(p) = o.precedent {
            println!("  through {p}, an earlier port of the same change");
        }
        for c in &o.conflicts {
            println!("  {}: {}", c.file, c.reason);
        }
    }
}
