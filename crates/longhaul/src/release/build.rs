//! `build`: write a release's commits and its annotated tag into the upstream repository.
//!
//! Two phases, so that a failure changes nothing: the whole series is first
//! applied in memory; only when every patch applies are commits written to the
//! repository and the tag created (never moved unless `force`).

use crate::apply::tree::{ApplyOptions, PatchedTree, Status};
use crate::error::{Error, Result};
use crate::patch::CommitMeta;
use crate::release::manifest::Manifest;
use crate::release::plan::Plan;
use crate::repo::{self, git_err};
use gix::ObjectId;
use gix::refs::transaction::PreviousValue;
use serde::Serialize;
use std::path::Path;

/// Who commits and tags, and when.
#[derive(Debug, Clone)]
pub struct Identity {
    /// Name.
    pub name: String,
    /// Email.
    pub email: String,
    /// Seconds since the epoch.
    pub time: i64,
    /// UTC offset in seconds.
    pub offset: i32,
}

impl Identity {
    fn signature(&self) -> gix::actor::Signature {
        gix::actor::Signature {
            name: self.name.as_str().into(),
            email: self.email.as_str().into(),
            time: gix::date::Time {
                seconds: self.time,
                offset: self.offset,
            },
        }
    }

    /// The committer from the environment (`GIT_COMMITTER_*`) or the repository's
    /// `user.name`/`user.email`, at `SOURCE_DATE_EPOCH` or now.
    pub fn committer(repo: &gix::Repository) -> Result<Self> {
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let config = repo.config_snapshot();
        let name = env("GIT_COMMITTER_NAME")
            .or_else(|| config.string("user.name").map(|s| s.to_string()))
            .unwrap_or_else(|| "longhaul".into());
        let email = env("GIT_COMMITTER_EMAIL")
            .or_else(|| config.string("user.email").map(|s| s.to_string()))
            .unwrap_or_else(|| "longhaul@localhost".into());
        let time = crate::time::reproducible_now().map_err(|e| Error::Input(e.to_string()))?;
        Ok(Identity {
            name,
            email,
            time,
            offset: 0,
        })
    }
}

/// What `build` wrote.
#[derive(Debug, Clone, Serialize)]
pub struct BuildReport {
    /// Release (and tag) name.
    pub name: String,
    /// The upstream tag it starts from.
    pub base: String,
    /// The tagged commit.
    pub commit: String,
    /// Its tree.
    pub tree: String,
    /// The annotated tag object.
    pub tag: String,
    /// Commits written on top of the base.
    pub commits: usize,
    /// Whether an existing tag was replaced (`--force`).
    pub replaced: bool,
    /// What the replaced tag pointed to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous: Option<String>,
}

struct PendingCommit {
    tree: ObjectId,
    meta: Option<CommitMeta>,
    description: Option<String>,
    patch: String,
    item: String,
}

/// A release applied in memory and checked, ready to be written
/// ([`Prepared::write`]). Preparing writes nothing.
pub struct Prepared<'p> {
    plan: &'p Plan,
    options: ApplyOptions,
    base_commit: ObjectId,
    existing: Option<ObjectId>,
    pending: Vec<PendingCommit>,
}

/// Build `plan` into `repo` (an on-disk repository): [`prepare`], then
/// [`Prepared::write`].
pub fn build_release(
    repo: &gix::ThreadSafeRepository,
    manifest: &Manifest,
    plan: &Plan,
    options: ApplyOptions,
    committer: &Identity,
    force: bool,
) -> Result<BuildReport> {
    prepare(repo, manifest, plan, options, force)?.write(repo, committer)
}

/// Everything that can fail before a release is written: the tag name, an
/// existing tag (unless `force`), missing patch items, and every patch applied
/// in memory. Nothing is written to the repository.
pub fn prepare<'p>(
    repo: &gix::ThreadSafeRepository,
    manifest: &Manifest,
    plan: &'p Plan,
    options: ApplyOptions,
    force: bool,
) -> Result<Prepared<'p>> {
    let disk = repo.to_thread_local();
    if let Some(why) = crate::release::name::problem(&plan.release) {
        return Err(Error::Manifest {
            file: manifest.path.clone(),
            line: manifest.release(&plan.release).map(|r| r.line).unwrap_or(0),
            message: format!(
                "release name {why}, so it cannot be a git tag; expected a name such as v1.20.15-lts.1 without `..`, `.lock` endings, spaces or control characters"
            ),
        });
    }
    let existing = repo::tag_target(&disk, &plan.release)?;
    if let (Some(target), false) = (existing, force) {
        return Err(Error::TagExists {
            name: plan.release.clone(),
            target: target.to_string(),
        });
    }
    let missing = plan.missing();
    if !missing.is_empty() {
        return Err(Error::Build {
            release: plan.release.clone(),
            message: format!(
                "cannot build: {} not available offline: {} (put them in the patch cache or allow downloads)",
                if missing.len() == 1 {
                    "1 patch item is".to_string()
                } else {
                    format!("{} patch items are", missing.len())
                },
                missing
                    .iter()
                    .map(|m| m.url.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
    }

    // Phase 1: apply everything in memory, recording the tree after each commit.
    let memory = repo::in_memory(repo);
    let base_commit = repo::resolve_commit(&memory, &plan.base).map_err(|e| Error::Manifest {
        file: manifest.path.clone(),
        line: plan.base_line,
        message: e.to_string(),
    })?;
    let mut patched = PatchedTree::new(&memory, repo::tree_of(&memory, base_commit)?);
    let mut pending = Vec::new();
    for p in &plan.patches {
        for (source, loaded) in &p.items {
            let file = loaded
                .as_ref()
                .as_ref()
                .map_err(|e| e.clone().into_error())?;
            for c in &file.commits {
                let outcome = patched.apply_commit(c, options)?;
                if outcome.status == Status::Failed {
                    let why = outcome
                        .failures
                        .iter()
                        .map(|f| format!("{}: {}", f.file, f.reason))
                        .collect::<Vec<_>>()
                        .join("; ");
                    return Err(Error::Build {
                        release: plan.release.clone(),
                        message: format!(
                            "patch `{}` ({}) does not apply: {why}",
                            p.name,
                            source.display()
                        ),
                    });
                }
                pending.push(PendingCommit {
                    tree: patched.write_tree()?,
                    meta: c.meta.clone(),
                    description: c.description.clone(),
                    patch: p.name.clone(),
                    item: source.display(),
                });
            }
        }
    }
    Ok(Prepared {
        plan,
        options,
        base_commit,
        existing,
        pending,
    })
}

impl Prepared<'_> {
    /// The release name.
    pub fn release(&self) -> &str {
        &self.plan.release
    }

    /// Write the commits and the tag. Only an I/O error or a concurrent change
    /// of the tag can fail here; the error then says what the tag was left as.
    pub fn write(
        self,
        repo: &gix::ThreadSafeRepository,
        committer: &Identity,
    ) -> Result<BuildReport> {
        let Prepared {
            plan,
            options,
            base_commit,
            existing,
            pending,
        } = self;
        let disk = repo.to_thread_local();

        // Phase 2: the same writes on disk. Blobs and trees are re-created by replaying
        // the series with a disk-backed handle, so only complete results are persisted.
        let mut on_disk = PatchedTree::new(&disk, repo::tree_of(&disk, base_commit)?);
        let mut parent = base_commit;
        let committer_sig = committer.signature();
        let mut index = 0;
        let mut written = 0;
        for p in &plan.patches {
            for (_, loaded) in &p.items {
                let file = loaded
                    .as_ref()
                    .as_ref()
                    .map_err(|e| e.clone().into_error())?;
                for c in &file.commits {
                    on_disk.apply_commit(c, options)?;
                    let tree = on_disk.write_tree()?;
                    let want = &pending[index];
                    debug_assert_eq!(tree, want.tree);
                    index += 1;
                    // `git am -3`: "No changes -- Patch already applied." adds no commit.
                    if tree == repo::tree_of(&disk, parent)? {
                        continue;
                    }
                    let (author, message) = match &want.meta {
                        Some(m) => (
                            gix::actor::Signature {
                                name: m.author_name.as_str().into(),
                                email: m.author_email.as_str().into(),
                                time: gix::date::Time {
                                    seconds: m.time,
                                    offset: m.offset_seconds,
                                },
                            },
                            m.message.clone(),
                        ),
                        // A plain diff has no author: the committer applies it, under the
                        // patch name, with the diff's own description when it has one.
                        None => {
                            let body = want
                                .description
                                .as_deref()
                                .map(|d| format!("{d}\n\n"))
                                .unwrap_or_default();
                            let message = format!(
                                "{}\n\n{body}Applied from {} by longhaul.\n",
                                want.patch, want.item
                            );
                            (committer_sig.clone(), message)
                        }
                    };
                    let commit = gix::objs::Commit {
                        tree,
                        parents: [parent].into_iter().collect(),
                        author,
                        committer: committer_sig.clone(),
                        encoding: None,
                        message: message.into(),
                        extra_headers: Vec::new(),
                    };
                    parent = disk.write_object(&commit).map_err(git_err)?.detach();
                    written += 1;
                }
            }
        }
        let tree = repo::tree_of(&disk, parent)?;
        let message = tag_message(plan);
        let constraint = match existing {
            Some(old) => PreviousValue::MustExistAndMatch(gix::refs::Target::Object(old)),
            None => PreviousValue::MustNotExist,
        };
        let tagger = committer_sig.clone();
        let reference = disk
        .tag(
            &plan.release,
            parent,
            gix::objs::Kind::Commit,
            Some(tagger.to_ref(&mut gix::date::parse::TimeBuf::default())),
            message,
            constraint,
        )
        .map_err(|e| Error::Build {
            release: plan.release.clone(),
            message: format!(
                "cannot write tag refs/tags/{}: {}. Another build may be running, or a killed git left a stale refs/tags/{}.lock (remove it if no git process is running); the tag was not changed",
                plan.release,
                error_chain(&e),
                plan.release
            ),
        })?;
        let tag = reference.id().detach();
        Ok(BuildReport {
            name: plan.release.clone(),
            base: plan.base.clone(),
            commit: parent.to_string(),
            tree: tree.to_string(),
            tag: tag.to_string(),
            commits: written,
            replaced: existing.is_some(),
            previous: existing.map(|id| id.to_string()),
        })
    }
}

/// Point tag `name` back at `previous` (or delete it when there was none):
/// undoes [`Prepared::write`] when a later step of the same command fails.
pub fn restore_tag(
    repo: &gix::ThreadSafeRepository,
    name: &str,
    previous: Option<&str>,
) -> Result<()> {
    use gix::refs::transaction::{Change, LogChange, RefEdit, RefLog};
    let disk = repo.to_thread_local();
    let full: gix::refs::FullName = format!("refs/tags/{name}").try_into().map_err(git_err)?;
    let change = match previous {
        Some(id) => Change::Update {
            log: LogChange {
                mode: RefLog::AndReference,
                force_create_reflog: false,
                message: "longhaul: build rolled back".into(),
            },
            expected: PreviousValue::Any,
            new: gix::refs::Target::Object(ObjectId::from_hex(id.as_bytes()).map_err(git_err)?),
        },
        None => Change::Delete {
            expected: PreviousValue::Any,
            log: RefLog::AndReference,
        },
    };
    disk.edit_reference(RefEdit {
        change,
        name: full,
        deref: false,
    })
    .map_err(git_err)?;
    Ok(())
}

fn tag_message(plan: &Plan) -> String {
    let mut m = format!(
        "{}\n\nLTS release built by longhaul on {}.\n",
        plan.release, plan.base
    );
    if !plan.patches.is_empty() {
        m.push_str("\nPatches:\n");
        for p in &plan.patches {
            m.push_str(&format!("- {} ({})\n", p.name, p.release));
        }
    }
    m
}

/// Check the built release out into a new linked worktree at `dir`.
pub fn add_worktree(
    repo: &gix::ThreadSafeRepository,
    commit: &str,
    dir: &Path,
    committer: &Identity,
) -> Result<()> {
    let mut disk = repo.to_thread_local();
    // The new worktree's HEAD reflog needs an identity. gix re-opens the repository
    // for the worktree, so lend ours as an open-time override when git has none.
    let missing = {
        let config = disk.config_snapshot();
        config.string("user.name").is_none() || config.string("user.email").is_none()
    };
    if missing {
        let overrides = [
            format!("user.name={}", committer.name),
            format!("user.email={}", committer.email),
        ];
        let path = disk.workdir().unwrap_or(disk.git_dir()).to_path_buf();
        disk = gix::ThreadSafeRepository::open_opts(
            path,
            gix::open::Options::default().config_overrides(overrides),
        )
        .map_err(git_err)?
        .to_thread_local();
    }
    let id = ObjectId::from_hex(commit.as_bytes()).map_err(git_err)?;
    let interrupt = std::sync::atomic::AtomicBool::new(false);
    disk.add_worktree(
        dir,
        gix::worktree::add::Head::Detached(id),
        gix::progress::Discard,
        &interrupt,
    )
    .map_err(|e| Error::Build {
        release: commit.to_string(),
        message: format!(
            "cannot add worktree at {}: {}",
            dir.display(),
            error_chain(&e)
        ),
    })?;
    Ok(())
}

/// An error and its causes on one line.
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}
