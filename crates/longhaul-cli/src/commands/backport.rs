//! `longhaul backport --commit SHA... --name NAME (--to RELEASE... | --maintained) [--write]`.

use crate::context::Context;
use crate::ui;
use anyhow::{Context as _, bail};
use longhaul::checks::affected::ReleaseTree;
use longhaul::checks::go_packages::PackageGraph;
use longhaul::checks::run::{CheckResult, CheckStatus, Checker, Scope};
use longhaul::checks::toolchain::Toolchain;
use longhaul::port::backport::{Change, TargetResult, backport_onto, cves_named, release_tip};
use longhaul::port::{Conflict, Difficulty, Status};
use longhaul::release::edit::{Edits, NewPatch, unified_diff};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// What to backport, where, and whether to write.
pub struct Request<'a> {
    /// Upstream commits.
    pub commits: &'a [String],
    /// Patch files (mails), instead of commits.
    pub patches: &'a [PathBuf],
    /// Patch name.
    pub name: &'a str,
    /// Target releases.
    pub to: &'a [String],
    /// The newest shipped release of every line.
    pub maintained: bool,
    /// Write patches, manifest entries and review files.
    pub write: bool,
    /// Port without test files when only they conflict.
    pub drop_conflicting_tests: bool,
    /// Build each successful port on its line.
    pub typecheck: bool,
    /// The `go` command for `typecheck`.
    pub go: Option<&'a Path>,
}

pub fn run(ctx: &Context, json: bool, request: &Request<'_>) -> anyhow::Result<ExitCode> {
    let Request {
        commits,
        patches,
        name,
        to,
        maintained,
        write,
        drop_conflicting_tests,
        typecheck,
        go,
    } = *request;
    if longhaul::fs::safe_file_name(name).is_none() || name.contains(char::is_whitespace) {
        bail!(
            "--name {name:?}: expected a plain patch name (no `/`, no spaces), such as CVE-2024-10220"
        );
    }
    let manifest = ctx.manifest()?;
    if manifest.patch(name).is_some() {
        bail!(
            "{}: a patch named `{name}` already exists; choose another --name",
            manifest.path.display()
        );
    }
    let targets: Vec<String> = if maintained {
        longhaul::release::line::newest_per_line(&manifest)
    } else {
        for r in to {
            manifest.release(r)?;
        }
        to.to_vec()
    };
    if targets.is_empty() {
        bail!("no target release: name them with --to RELEASE... or pass --maintained");
    }
    let repo = ctx.upstream(Some(&manifest))?;
    let memory = longhaul::repo::in_memory(&repo);
    let mut changes: Vec<Change> = Vec::new();
    for c in commits {
        changes.push(Change::Commit(longhaul::repo::resolve_commit(&memory, c)?));
    }
    let mut patch_messages = Vec::new();
    for p in patches {
        let bytes = longhaul::fs::read_bytes(p)?;
        let parsed = longhaul::patch::parse(&bytes)
            .map_err(|e| anyhow::anyhow!("{}:{}: {}", p.display(), e.line, e.message))?;
        for (i, c) in parsed.commits.into_iter().enumerate() {
            let Some(meta) = &c.meta else {
                bail!(
                    "{}:{}: a plain diff has no author, date or message; backport --patch takes `git format-patch` mails",
                    p.display(),
                    c.line
                );
            };
            patch_messages.push(meta.message.clone());
            changes.push(Change::Patch(
                Box::new(c),
                format!("{}#{}", p.display(), i + 1),
            ));
        }
    }
    let loader = ctx.loader(Some(&manifest));
    let bar = if json {
        indicatif::ProgressBar::hidden()
    } else {
        ui::progress(targets.len(), "porting")
    };
    let mut results = Vec::new();
    for release in &targets {
        let tip = release_tip(&memory, &manifest, release, &loader)?;
        results.push((
            tip,
            backport_onto(&memory, release, tip, &changes, drop_conflicting_tests)?,
        ));
        bar.inc(1);
    }
    bar.finish_and_clear();
    let typechecks = if typecheck {
        typecheck_ports(
            &memory,
            &manifest,
            &loader,
            go,
            ctx.check_cache_dir(),
            &mut results,
            json,
        )?
    } else {
        vec![None; results.len()]
    };

    let names = patch_names(name, results.iter().map(|(_, r)| r));
    let mut messages: Vec<String> = vec![name.to_string()];
    for change in &changes {
        if let Change::Commit(id) = change {
            messages.push(longhaul::port::format_patch::commit_meta(&memory, *id)?.message);
        }
    }
    messages.extend(patch_messages);
    let cves = cves_named(messages.iter().map(String::as_str));

    let mut written = Vec::new();
    let mut manifest_diff = String::new();
    if write {
        let patch_dir = manifest.dir().join("patches");
        let mut files: BTreeMap<String, (PathBuf, &[u8])> = BTreeMap::new();
        let text = longhaul::fs::read_text(&manifest.path)?;
        let mut edits = Edits::new(&text, &manifest.path);
        for ((_, r), patch_name) in results.iter().zip(&names) {
            let (Some(patch_name), Some(bytes)) = (patch_name, &r.patch) else {
                continue;
            };
            if !files.contains_key(patch_name) {
                if manifest.patch(patch_name).is_some() {
                    bail!(
                        "{}: `patches:` already defines `{patch_name}`; choose another --name",
                        manifest.path.display()
                    );
                }
                let file = patch_dir.join(format!("{patch_name}.patch"));
                if file.exists() {
                    bail!(
                        "{} exists; choose another --name (nothing was written)",
                        file.display()
                    );
                }
                edits.add_patch(NewPatch {
                    name: patch_name.clone(),
                    file: format!("patches/{patch_name}.patch"),
                    cves: cves.clone(),
                    note: None,
                })?;
                files.insert(patch_name.clone(), (file, bytes));
            }
            edits.add_patch_to_release(&r.release, patch_name)?;
        }
        let new_text = edits.finish(&manifest)?;
        // Review files are named by release: two releases whose names make
        // the same file name would overwrite each other.
        let reviews = review_paths(&manifest, name, results.iter().map(|(_, r)| r))?;
        let root = manifest.dir();
        for file in files
            .values()
            .map(|(f, _)| f)
            .chain(reviews.iter().flatten())
        {
            longhaul::confine::check_writable(root, file)?;
        }
        // Everything is decided and checked; now write: patches, then the
        // manifest. Nothing is written through a symbolic link.
        for (file, bytes) in files.values() {
            longhaul::confine::write_atomic(root, file, bytes)
                .with_context(|| format!("cannot write {}", file.display()))?;
            written.push(file.clone());
        }
        if new_text != text {
            longhaul::release::edit::write_manifest(&manifest, &new_text)?;
            let shown = manifest
                .path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            manifest_diff = unified_diff(&text, &new_text, &shown);
        }
        for ((tip, r), file) in results.iter().zip(reviews) {
            if let Some(file) = file {
                let text = review_file(&memory, *tip, r)?;
                longhaul::confine::write_atomic(root, &file, text.as_bytes())
                    .with_context(|| format!("cannot write {}", file.display()))?;
                written.push(file);
            }
        }
    }

    let ok = results.iter().all(|(_, r)| r.status != Status::Conflict);
    if json {
        ui::print_json(&serde_json::json!({
            "ok": ok,
            "name": name,
            "cves": cves,
            "targets": results.iter().zip(&names).zip(&typechecks).map(|(((_, r), n), t)| {
                let mut v = serde_json::to_value(r).expect("serializes");
                if let Some(t) = t {
                    v["typecheck"] = serde_json::to_value(t).expect("serializes");
                }
                v["patch"] = serde_json::json!(n);
                v["rung"] = serde_json::json!(r.commits.last().map(|c| c.outcome.rung));
                v["difficulty"] = serde_json::json!(difficulty(r));
                v
            }).collect::<Vec<_>>(),
            "written": written.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
            "manifest_diff": manifest_diff,
        }));
    } else {
        let mut t = ui::table(&["RELEASE", "STATUS", "RUNG", "DIFFICULTY", "FILES", "PATCH"]);
        for ((_, r), n) in results.iter().zip(&names) {
            let status = match r.status {
                Status::Conflict => ui::paint("conflict", ui::Color::Red),
                s => ui::paint(&format!("{s:?}").to_lowercase(), ui::Color::Green),
            };
            let rung = r
                .commits
                .last()
                .map(|c| format!("{:?}", c.outcome.rung).to_lowercase())
                .unwrap_or_default();
            t.add_row(vec![
                r.release.clone(),
                status,
                rung,
                format!("{:?}", difficulty(r)).to_lowercase(),
                r.files.join(" "),
                n.clone()
                    .map(|n| format!("{n}.patch"))
                    .unwrap_or_else(|| "-".into()),
            ]);
        }
        println!("{t}");
        for (_, r) in &results {
            for c in &r.commits {
                if !c.outcome.dropped_tests.is_empty() {
                    println!(
                        "{} {}: tests left out (they did not port): {}",
                        r.release,
                        short(&c.commit),
                        c.outcome.dropped_tests.join(", ")
                    );
                }
                for conflict in &c.outcome.conflicts {
                    println!(
                        "{} {}: {}: {}",
                        r.release,
                        &c.commit[..12],
                        conflict.file,
                        conflict.reason
                    );
                }
            }
        }
        if !cves.is_empty() {
            println!("CVEs: {}", cves.join(", "));
        }
        for p in &written {
            println!("wrote {}", p.display());
        }
        if !manifest_diff.is_empty() {
            print!("{manifest_diff}");
        }
        for ((_, r), t) in results.iter().zip(&typechecks) {
            if let Some(t) = t {
                println!(
                    "{}: typecheck {} ({} packages{})",
                    r.release,
                    t.status.as_str(),
                    t.packages.len(),
                    if t.cached { ", cached" } else { "" }
                );
            }
        }
        if results.iter().any(|(_, r)| r.patch.is_some()) {
            if typecheck {
                println!(
                    "(a port that is not a conflict passed the guard, the same lines as upstream, and its line's typecheck check)"
                );
            } else {
                println!(
                    "(a port that is not a conflict passed the guard: the same lines as upstream, and the Go names and imports it adds exist on the line; it was not compiled: pass --typecheck to build it)"
                );
            }
        }
        if !write && results.iter().any(|(_, r)| r.patch.is_some()) {
            println!("(dry run: pass --write to save the patches and edit the manifest)");
        }
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The review file of each conflicting target, `.longhaul/review/NAME.RELEASE.txt`
/// with the release name made a safe file name; an error when two releases
/// would share one.
fn review_paths<'a>(
    manifest: &longhaul::release::manifest::Manifest,
    name: &str,
    results: impl Iterator<Item = &'a TargetResult>,
) -> anyhow::Result<Vec<Option<PathBuf>>> {
    let dir = manifest.dir().join(".longhaul").join("review");
    let mut out = Vec::new();
    let mut seen: BTreeMap<String, &str> = BTreeMap::new();
    for r in results {
        if r.status != Status::Conflict {
            out.push(None);
            continue;
        }
        let file = format!("{name}.{}.txt", longhaul::publish::site::slug(&r.release));
        if let Some(other) = seen.insert(file.clone(), &r.release) {
            bail!(
                "releases `{other}` and `{}` would both write the review file {file}; rename one (nothing was written)",
                r.release
            );
        }
        out.push(Some(dir.join(file)));
    }
    Ok(out)
}

/// Run the `typecheck` check on every successful port, on its line: a port
/// that fails becomes a conflict (nothing is written for it) whose reasons are
/// the compiler's messages.
fn typecheck_ports(
    repo: &longhaul::gix::Repository,
    manifest: &longhaul::release::manifest::Manifest,
    loader: &longhaul::release::patch_cache::PatchLoader,
    go: Option<&Path>,
    cache_dir: Option<PathBuf>,
    results: &mut [(longhaul::gix::ObjectId, TargetResult)],
    json: bool,
) -> anyhow::Result<Vec<Option<CheckResult>>> {
    let toolchain = Toolchain::find(go).map_err(longhaul::Error::Input)?;
    let spec = longhaul::checks::config::typecheck(manifest)?;
    let target = longhaul::checks::build_constraints::Target::default();
    let bar = if json {
        indicatif::ProgressBar::hidden()
    } else {
        ui::progress(results.len(), "typechecking")
    };
    let progress = |_: &str| {};
    let checker = Checker {
        repo,
        manifest,
        loader,
        target: target.clone(),
        toolchain,
        scope: Scope::Affected,
        cache_dir,
        progress: &progress,
    };
    let mut out = Vec::new();
    for (tip, r) in results.iter_mut() {
        bar.inc(1);
        let Some(tree) = r.tree.as_deref() else {
            out.push(None);
            continue;
        };
        let tree = longhaul::gix::ObjectId::from_hex(tree.as_bytes())?;
        let built = ReleaseTree {
            base: longhaul::repo::tree_of(repo, *tip)?,
            tree,
            graph: PackageGraph::load(repo, tree, &target)?,
        };
        let report = checker.check_tree(&r.release, &built, &[], std::slice::from_ref(&spec))?;
        let result = report.checks.into_iter().next().expect("one check ran");
        if result.status == CheckStatus::Failed {
            r.status = Status::Conflict;
            r.tree = None;
            r.patch = None;
            if let Some(last) = r.commits.last_mut() {
                last.outcome.status = Status::Conflict;
                last.outcome.difficulty = Difficulty::Manual;
                last.outcome.tree = None;
                for f in &result.failures {
                    last.outcome.conflicts.push(Conflict {
                        file: if f.package.is_empty() {
                            "(build)".into()
                        } else {
                            f.package.clone()
                        },
                        reason: format!(
                            "typecheck (`{}`) fails on this line: {}",
                            spec.run,
                            f.message.lines().take(3).collect::<Vec<_>>().join(" | ")
                        ),
                    });
                }
            }
        }
        out.push(Some(result));
    }
    bar.finish_and_clear();
    Ok(out)
}

/// A commit id shortened to 12 digits; a patch label as is.
fn short(label: &str) -> &str {
    if label.len() == 40 && label.bytes().all(|b| b.is_ascii_hexdigit()) {
        &label[..12]
    } else {
        label
    }
}

/// The triage class of a target: the hardest of its commits.
fn difficulty(r: &TargetResult) -> Difficulty {
    if r.status == Status::Conflict {
        return Difficulty::Manual;
    }
    if r.commits
        .iter()
        .all(|c| c.outcome.difficulty == Difficulty::Trivial)
    {
        Difficulty::Trivial
    } else {
        Difficulty::Adapted
    }
}

/// The patch name for each target (none for a conflict): NAME when the same
/// bytes serve several lines (the largest such group), NAME.<line> otherwise.
fn patch_names<'a>(
    name: &str,
    results: impl Iterator<Item = &'a TargetResult>,
) -> Vec<Option<String>> {
    let results: Vec<&TargetResult> = results.collect();
    let mut groups: Vec<(&[u8], Vec<usize>)> = Vec::new();
    for (i, r) in results.iter().enumerate() {
        if let Some(bytes) = &r.patch {
            match groups.iter_mut().find(|(b, _)| *b == bytes.as_slice()) {
                Some((_, members)) => members.push(i),
                None => groups.push((bytes, vec![i])),
            }
        }
    }
    let shared = groups
        .iter()
        .enumerate()
        .filter(|(_, (_, m))| m.len() > 1)
        .max_by_key(|(gi, (_, m))| (m.len(), std::cmp::Reverse(*gi)))
        .map(|(gi, _)| gi);
    let mut out = vec![None; results.len()];
    for (gi, (_, members)) in groups.iter().enumerate() {
        let n = if Some(gi) == shared {
            name.to_string()
        } else {
            format!("{name}.{}", results[members[0]].line)
        };
        for &i in members {
            out[i] = Some(n.clone());
        }
    }
    out
}

/// What a human needs to finish a conflicting port: the reasons, the upstream
/// change, and each conflicting file's conflict regions (diff3 markers) as the
/// merge left them on the target.
fn review_file(
    repo: &longhaul::gix::Repository,
    tip: longhaul::gix::ObjectId,
    r: &TargetResult,
) -> anyhow::Result<String> {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(out, "# Backport review: {} (line {})", r.release, r.line);
    let _ = writeln!(
        out,
        "# target tip {tip} (the release's chain applied in memory)"
    );
    let Some(last) = r.commits.last() else {
        return Ok(out);
    };
    let _ = writeln!(out, "# conflicting upstream commit {}\n", last.commit);
    for c in &last.outcome.conflicts {
        let _ = writeln!(out, "conflict: {}: {}", c.file, c.reason);
    }
    let commit = longhaul::gix::ObjectId::from_hex(last.commit.as_bytes())?;
    let parent = longhaul::repo::resolve_commit(repo, &format!("{commit}^"))?;
    let ctx = longhaul::port::Context::new(repo, longhaul::repo::tree_of(repo, tip)?, [])?;
    if let Ok(upstream) = longhaul::port::format_patch::format_patch(
        &ctx,
        longhaul::repo::tree_of(repo, parent)?,
        longhaul::repo::tree_of(repo, commit)?,
        &longhaul::port::format_patch::commit_meta(repo, commit)?,
    ) {
        let _ = writeln!(out, "\n## The upstream change\n");
        out.push_str(&String::from_utf8_lossy(&upstream));
    }
    if let Some(marked) = last.outcome.marked {
        let tree = repo.find_tree(marked)?;
        for c in &last.outcome.conflicts {
            let Some(entry) = tree.lookup_entry_by_path(&c.file)? else {
                continue;
            };
            let blob = repo.find_object(entry.object_id())?;
            let text = String::from_utf8_lossy(&blob.data).into_owned();
            let lines: Vec<&str> = text.lines().collect();
            let _ = writeln!(
                out,
                "\n## {}: conflict regions on the target (<<<<<<< target, ||||||| base, >>>>>>> upstream)\n",
                c.file
            );
            let mut i = 0;
            while i < lines.len() {
                if lines[i].starts_with("<<<<<<< ") {
                    let end = (i..lines.len())
                        .find(|&j| lines[j].starts_with(">>>>>>> "))
                        .unwrap_or(lines.len() - 1);
                    let from = i.saturating_sub(3);
                    let to = (end + 4).min(lines.len());
                    let _ = writeln!(out, "@@ line {} @@", from + 1);
                    for l in &lines[from..to] {
                        let _ = writeln!(out, "{l}");
                    }
                    i = to;
                } else {
                    i += 1;
                }
            }
        }
    }
    Ok(out)
}
