//! The upstream git repository: opening it and resolving what the manifest names.

use gix::ObjectId;
use std::path::{Path, PathBuf};

/// A problem with the upstream repository.
#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    /// The path is not a git repository (or cannot be read).
    #[error("cannot open git repository {path}: {message}")]
    Open {
        /// The path given.
        path: PathBuf,
        /// What git said.
        message: String,
    },
    /// A tag or revision does not exist.
    #[error(
        "{rev} not found in {path} (expected an existing tag or commit; fetch a tag with `git fetch origin tag {rev}`, after `git remote add origin URL` when the clone has no remote)"
    )]
    MissingRevision {
        /// The revision asked for.
        rev: String,
        /// The repository.
        path: PathBuf,
    },
    /// Any other object-database problem.
    #[error("git: {0}")]
    Git(String),
}

/// Map any gix error into [`RepoError::Git`].
pub fn git_err(e: impl std::fmt::Display) -> RepoError {
    RepoError::Git(e.to_string())
}

/// Open the repository at `path` (work tree or bare), shareable across threads.
pub fn open(path: &Path) -> Result<gix::ThreadSafeRepository, RepoError> {
    gix::ThreadSafeRepository::open(path).map_err(|e| RepoError::Open {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

/// A thread-local handle whose writes stay in memory: nothing reaches the disk.
pub fn in_memory(repo: &gix::ThreadSafeRepository) -> gix::Repository {
    let mut local = repo.to_thread_local().with_object_memory();
    local.object_cache_size_if_unset(4 * 1024 * 1024);
    local
}

/// The bytes of the regular file at `path` (`/`-separated) in `tree`, or
/// `None` when there is none (absent, a folder, a symlink, a submodule).
pub fn blob_at(
    repo: &gix::Repository,
    tree: &gix::Tree<'_>,
    path: &[u8],
) -> Result<Option<Vec<u8>>, RepoError> {
    use gix::bstr::ByteSlice;
    match tree.lookup_entry(path.split_str("/")).map_err(git_err)? {
        Some(entry) if entry.mode().is_blob() => Ok(Some(
            repo.find_object(entry.object_id())
                .map_err(git_err)?
                .detach()
                .data,
        )),
        _ => Ok(None),
    }
}

/// Resolve `rev` to a commit id, preferring `refs/tags/<rev>`.
pub fn resolve_commit(repo: &gix::Repository, rev: &str) -> Result<ObjectId, RepoError> {
    let missing = || RepoError::MissingRevision {
        rev: rev.to_string(),
        path: repo.git_dir().to_path_buf(),
    };
    // A full object id, or one followed by `^` for its first parent: looked up
    // directly (rev-parse would search every pack for the prefix).
    let hex = rev.trim_end_matches('^');
    if hex.len() == 40
        && let Ok(mut id) = ObjectId::from_hex(hex.as_bytes())
    {
        for _ in 0..rev.len() - hex.len() {
            let commit = repo.find_commit(id).map_err(|_| missing())?;
            id = commit.parent_ids().next().ok_or_else(missing)?.detach();
        }
        let object = repo.find_object(id).map_err(|_| missing())?;
        return Ok(object.peel_to_commit().map_err(|_| missing())?.id);
    }
    // A tag first (so that a tag wins over a branch of the same name); a
    // revision such as `abc123^` is no ref name, and goes to rev-parse.
    let tag_ref = format!("refs/tags/{rev}");
    let tag = repo.try_find_reference(tag_ref.as_str()).ok().flatten();
    let id = match tag {
        Some(mut r) => r.peel_to_id().map_err(git_err)?.detach(),
        None => repo.rev_parse_single(rev).map_err(|_| missing())?.detach(),
    };
    let commit = repo
        .find_object(id)
        .map_err(git_err)?
        .peel_to_commit()
        .map_err(|_| missing())?;
    Ok(commit.id)
}

/// The tree of commit `commit`.
pub fn tree_of(repo: &gix::Repository, commit: ObjectId) -> Result<ObjectId, RepoError> {
    let commit = repo.find_commit(commit).map_err(git_err)?;
    commit.tree_id().map(|id| id.detach()).map_err(git_err)
}

/// The commits the references under `prefixes` (such as `refs/heads/`)
/// point at, tags peeled, sorted and without repeats; references that do not
/// lead to a commit are left out.
pub fn commit_tips(repo: &gix::Repository, prefixes: &[&str]) -> Result<Vec<ObjectId>, RepoError> {
    let refs = repo.references().map_err(git_err)?;
    let mut tips = Vec::new();
    for r in refs.all().map_err(git_err)? {
        let Ok(mut r) = r else { continue };
        let name = r.name().as_bstr().to_string();
        if !prefixes.iter().any(|p| name.starts_with(p)) {
            continue;
        }
        let Ok(id) = r.peel_to_id() else { continue };
        let Ok(object) = repo.find_object(id.detach()) else {
            continue;
        };
        if let Ok(commit) = object.peel_to_commit() {
            tips.push(commit.id);
        }
    }
    tips.sort();
    tips.dedup();
    Ok(tips)
}

/// Expand an abbreviated object id (from an `index` line) if exactly one object has it.
pub fn expand_prefix(repo: &gix::Repository, hex: &str) -> Option<ObjectId> {
    if hex.len() == 40 {
        let id = ObjectId::from_hex(hex.as_bytes()).ok()?;
        return repo.has_object(id).then_some(id);
    }
    let prefix = gix::hash::Prefix::from_hex(hex).ok()?;
    match repo.objects.lookup_prefix(prefix, None) {
        Ok(Some(Ok(id))) => Some(id),
        _ => None,
    }
}

/// Whether `refs/tags/<name>` exists, and where it points.
pub fn tag_target(repo: &gix::Repository, name: &str) -> Result<Option<ObjectId>, RepoError> {
    let r = repo
        .try_find_reference(format!("refs/tags/{name}").as_str())
        .map_err(git_err)?;
    Ok(r.and_then(|r| r.target().try_id().map(|id| id.to_owned())))
}

/// A commit object for `tree` on `parent`, written to `repo`'s object store
/// (an in-memory handle keeps it there), with a fixed identity and time so that
/// the same inputs give the same id.
pub fn memory_commit(
    repo: &gix::Repository,
    tree: ObjectId,
    parent: ObjectId,
    message: &str,
) -> Result<ObjectId, RepoError> {
    memory_commit_at(repo, tree, parent, message, 0)
}

/// [`memory_commit`] dated `seconds` since the epoch (UTC), for a commit that
/// becomes a patch and carries its date.
pub fn memory_commit_at(
    repo: &gix::Repository,
    tree: ObjectId,
    parent: ObjectId,
    message: &str,
    seconds: i64,
) -> Result<ObjectId, RepoError> {
    let who = gix::actor::Signature {
        name: "longhaul".into(),
        email: "longhaul@localhost".into(),
        time: gix::date::Time { seconds, offset: 0 },
    };
    let commit = gix::objs::Commit {
        tree,
        parents: [parent].into_iter().collect(),
        author: who.clone(),
        committer: who,
        encoding: None,
        message: message.into(),
        extra_headers: Vec::new(),
    };
    Ok(repo.write_object(&commit).map_err(git_err)?.detach())
}
