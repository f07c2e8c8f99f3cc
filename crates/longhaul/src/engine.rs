//! The in-memory patch engine: applies parsed patches onto a git tree without a
//! work tree or index, with `git am -3`'s three-way fallback.
//!
//! A [`PatchedTree`] starts from a tree id, collects changed files in memory as
//! commits are applied, and writes new blobs and trees only when asked
//! ([`PatchedTree::write_tree`]); with a repository from [`crate::repo::in_memory`]
//! even those writes never reach the disk.

use crate::apply::{Placement, apply_hunks};
use crate::merge3;
use crate::patch::{Commit, FileMode, FilePatch, Operation};
use crate::repo::{RepoError, expand_prefix, git_err};
use gix::ObjectId;
use gix::objs::Write as _;
use gix::objs::tree::EntryKind;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

/// How strict application is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApplyOptions {
    /// GNU-patch-style fuzz: context lines that may be ignored at each end of a hunk.
    pub fuzz: usize,
    /// Fall back to a three-way merge when the patch names pre-image blobs we have.
    pub three_way: bool,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        Self {
            fuzz: 0,
            three_way: true,
        }
    }
}

/// The result class of applying a patch, from best to worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Every hunk applied where it said.
    Clean,
    /// Some hunk applied with full context at another line.
    Offset,
    /// Some hunk needed fuzz (ignored context lines).
    Fuzz,
    /// Direct application failed; a three-way merge succeeded.
    #[serde(rename = "3way")]
    ThreeWay,
    /// An item (a URL not in the patch cache) could not be had.
    Unverifiable,
    /// The patch could not be applied.
    Failed,
}

impl Status {
    /// The name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Clean => "clean",
            Status::Offset => "offset",
            Status::Fuzz => "fuzz",
            Status::ThreeWay => "3way",
            Status::Unverifiable => "unverifiable",
            Status::Failed => "failed",
        }
    }

    fn of(p: Placement) -> Status {
        match p {
            Placement::Exact => Status::Clean,
            Placement::Offset(_) => Status::Offset,
            Placement::Fuzz { .. } => Status::Fuzz,
        }
    }
}

/// Why (part of) a patch did not apply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failure {
    /// The file in the tree.
    pub file: String,
    /// 1-based hunk number within that file, when a hunk failed.
    pub hunk: Option<usize>,
    /// 1-based line of the target file where the hunk was expected.
    pub line: Option<usize>,
    /// What was wrong.
    pub reason: String,
}

impl Failure {
    fn file(file: &str, reason: impl Into<String>) -> Self {
        Failure {
            file: file.to_string(),
            hunk: None,
            line: None,
            reason: reason.into(),
        }
    }
}

/// What happened when one commit of a patch file was applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitOutcome {
    /// Overall class.
    pub status: Status,
    /// Files the commit touches (new paths).
    pub files: Vec<String>,
    /// Failures (empty unless `status` is [`Status::Failed`]).
    pub failures: Vec<Failure>,
}

/// A file's mode and content.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    mode: FileMode,
    content: Content,
}

/// File content: still only in the object database, or computed in memory.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Content {
    /// An existing blob, not read yet.
    Stored(ObjectId),
    /// New bytes, with their blob id once it is known.
    Memory {
        data: Arc<Vec<u8>>,
        id: Option<ObjectId>,
    },
}

impl Content {
    fn bytes(data: Vec<u8>) -> Self {
        Content::Memory {
            data: Arc::new(data),
            id: None,
        }
    }

    /// The blob id, when known without hashing.
    fn known_id(&self) -> Option<ObjectId> {
        match self {
            Content::Stored(id) => Some(*id),
            Content::Memory { id, .. } => *id,
        }
    }

    /// The bytes, reading the blob if needed.
    fn data(&self, repo: &gix::Repository) -> Result<Arc<Vec<u8>>, RepoError> {
        match self {
            Content::Stored(id) => Ok(Arc::new(
                repo.find_object(*id).map_err(git_err)?.detach().data,
            )),
            Content::Memory { data, .. } => Ok(data.clone()),
        }
    }
}

type Changes = BTreeMap<String, Option<Entry>>;

/// (input blob, file patch fingerprint, fuzz).
type SharedKey = (ObjectId, u64, usize);
/// (output bytes, output blob id, how it applied).
type SharedResult = (Arc<Vec<u8>>, ObjectId, Status);

/// Results shared by every tree patched in one run (for example all releases of a
/// `verify`): applying the same file patch to the same blob gives the same blob,
/// so it is computed and hashed once. Safe to share between threads.
#[derive(Default)]
pub struct SharedResults {
    map: Mutex<HashMap<SharedKey, SharedResult>>,
}

impl SharedResults {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }
}

fn fingerprint(fp: &FilePatch) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    fp.hash(&mut h);
    h.finish()
}

/// A git tree being patched in memory.
pub struct PatchedTree<'r> {
    repo: &'r gix::Repository,
    base: ObjectId,
    changes: Changes,
    shared: Option<&'r SharedResults>,
}

impl<'r> PatchedTree<'r> {
    /// Start from tree `tree`.
    pub fn new(repo: &'r gix::Repository, tree: ObjectId) -> Self {
        Self {
            repo,
            base: tree,
            changes: Changes::new(),
            shared: None,
        }
    }

    /// Reuse (and fill) `shared` results across trees.
    pub fn with_shared(mut self, shared: &'r SharedResults) -> Self {
        self.shared = Some(shared);
        self
    }

    fn read_base(&self, path: &str) -> Result<Option<Entry>, RepoError> {
        let tree = self.repo.find_tree(self.base).map_err(git_err)?;
        let Some(entry) = tree.lookup_entry_by_path(path).map_err(git_err)? else {
            return Ok(None);
        };
        let mode = match entry.mode().kind() {
            EntryKind::Blob => FileMode::Regular,
            EntryKind::BlobExecutable => FileMode::Executable,
            EntryKind::Link => FileMode::Symlink,
            EntryKind::Commit => FileMode::Gitlink,
            EntryKind::Tree => return Ok(None),
        };
        Ok(Some(Entry {
            mode,
            content: Content::Stored(entry.object_id()),
        }))
    }

    fn read(&self, staged: &Changes, path: &str) -> Result<Option<Entry>, RepoError> {
        if let Some(e) = staged.get(path).or_else(|| self.changes.get(path)) {
            return Ok(e.clone());
        }
        self.read_base(path)
    }

    /// Apply one commit. On failure the tree is left unchanged.
    pub fn apply_commit(
        &mut self,
        commit: &Commit,
        options: ApplyOptions,
    ) -> Result<CommitOutcome, RepoError> {
        let files: Vec<String> = commit.files.iter().map(|f| f.path().to_string()).collect();
        let mut staged = Changes::new();
        let mut failures = Vec::new();
        let mut status = Status::Clean;
        for fp in &commit.files {
            match self.apply_file(fp, &mut staged, options.fuzz)? {
                Ok(s) => status = status.max(s),
                Err(f) => failures.extend(f),
            }
        }
        if failures.is_empty() {
            self.changes.extend(staged);
            return Ok(CommitOutcome {
                status,
                files,
                failures,
            });
        }
        if options.three_way {
            match self.three_way(commit)? {
                Ok(merged) => {
                    self.changes.extend(merged);
                    return Ok(CommitOutcome {
                        status: Status::ThreeWay,
                        files,
                        failures: Vec::new(),
                    });
                }
                Err(why) => failures.push(why),
            }
        }
        Ok(CommitOutcome {
            status: Status::Failed,
            files,
            failures,
        })
    }

    /// Apply one file change directly into `staged`.
    fn apply_file(
        &self,
        fp: &FilePatch,
        staged: &mut Changes,
        fuzz: usize,
    ) -> Result<Result<Status, Vec<Failure>>, RepoError> {
        let path = fp.path();
        if fp.binary {
            return Ok(Err(vec![Failure::file(
                path,
                "binary patches are not supported; regenerate without --binary or add the file by hand",
            )]));
        }
        let old_path = fp.old_path.as_deref().unwrap_or(path);
        let current = match fp.operation {
            Operation::Add => None,
            _ => match self.read(staged, old_path)? {
                Some(e) => Some(e),
                None => {
                    return Ok(Err(vec![Failure::file(
                        old_path,
                        "does not exist in the tree",
                    )]));
                }
            },
        };
        if matches!(
            fp.operation,
            Operation::Add | Operation::Rename | Operation::Copy
        ) {
            let new_path = fp.new_path.as_deref().unwrap_or(path);
            if self.read(staged, new_path)?.is_some() {
                return Ok(Err(vec![Failure::file(
                    new_path,
                    "already exists in the tree",
                )]));
            }
        }
        let (content, status) = if fp.hunks.is_empty() {
            let content = match &current {
                Some(e) => e.content.clone(),
                None => Content::bytes(Vec::new()),
            };
            (content, Status::Clean)
        } else {
            match self.patched_content(current.as_ref(), fp, fuzz)? {
                Ok(done) => done,
                Err(h) => {
                    return Ok(Err(vec![Failure {
                        file: old_path.to_string(),
                        hunk: Some(h.hunk),
                        line: Some(h.line),
                        reason: format!(
                            "hunk #{} (patch line {}): {}",
                            h.hunk, h.patch_line, h.reason
                        ),
                    }]));
                }
            }
        };
        match fp.operation {
            Operation::Delete => {
                if !content.data(self.repo)?.is_empty() {
                    return Ok(Err(vec![Failure::file(
                        old_path,
                        "deletion patch leaves content behind (the file has more than the patch removes)",
                    )]));
                }
                staged.insert(old_path.to_string(), None);
            }
            op => {
                let mode = fp
                    .new_mode
                    .or(current.as_ref().map(|e| e.mode))
                    .unwrap_or(FileMode::Regular);
                if op == Operation::Rename {
                    staged.insert(old_path.to_string(), None);
                }
                let new_path = fp.new_path.as_deref().unwrap_or(path);
                staged.insert(new_path.to_string(), Some(Entry { mode, content }));
            }
        }
        Ok(Ok(status))
    }

    /// Apply `fp`'s hunks to `current` (nothing for a new file), using and filling
    /// the shared results when the input is a known blob.
    fn patched_content(
        &self,
        current: Option<&Entry>,
        fp: &FilePatch,
        fuzz: usize,
    ) -> Result<Result<(Content, Status), crate::apply::HunkFailure>, RepoError> {
        let input = match current {
            Some(e) => e.content.known_id(),
            None => Some(ObjectId::null(gix::hash::Kind::Sha1)),
        };
        let key = self
            .shared
            .zip(input)
            .map(|(s, id)| (s, (id, fingerprint(fp), fuzz)));
        if let Some((shared, k)) = &key
            && let Some((data, id, status)) = shared.map.lock().expect("not poisoned").get(k)
        {
            let content = Content::Memory {
                data: data.clone(),
                id: Some(*id),
            };
            return Ok(Ok((content, *status)));
        }
        let old = match current {
            Some(e) => e.content.data(self.repo)?,
            None => Arc::new(Vec::new()),
        };
        let applied = match apply_hunks(&old, &fp.hunks, fuzz) {
            Ok(a) => a,
            Err(h) => return Ok(Err(h)),
        };
        let status = applied
            .placements
            .iter()
            .map(|p| Status::of(*p))
            .max()
            .unwrap_or(Status::Clean);
        let data = Arc::new(applied.content);
        let id = match &key {
            Some((shared, k)) => {
                let id =
                    gix::objs::compute_hash(self.repo.object_hash(), gix::objs::Kind::Blob, &data)
                        .map_err(git_err)?;
                shared
                    .map
                    .lock()
                    .expect("not poisoned")
                    .insert(*k, (data.clone(), id, status));
                Some(id)
            }
            None => None,
        };
        Ok(Ok((Content::Memory { data, id }, status)))
    }

    /// `git am -3`: rebuild each file's pre-image from the blob its `index` line
    /// names, apply there, and merge the result with the current content.
    fn three_way(&self, commit: &Commit) -> Result<Result<Changes, Failure>, RepoError> {
        let mut merged = Changes::new();
        for fp in &commit.files {
            let path = fp.path();
            if fp.binary {
                return Ok(Err(Failure::file(path, "3-way fallback: binary patch")));
            }
            let old_path = fp.old_path.as_deref().unwrap_or(path);
            let base = match fp.operation {
                Operation::Add => None,
                _ => {
                    let Some(hex) = fp.old_blob.as_deref() else {
                        return Ok(Err(Failure::file(
                            old_path,
                            "3-way fallback impossible: the patch has no `index` line naming the pre-image",
                        )));
                    };
                    let Some(id) = expand_prefix(self.repo, hex) else {
                        return Ok(Err(Failure::file(
                            old_path,
                            format!(
                                "3-way fallback impossible: pre-image blob {hex} is not in the repository"
                            ),
                        )));
                    };
                    Some(self.repo.find_object(id).map_err(git_err)?.detach().data)
                }
            };
            let empty = Vec::new();
            let base_data = base.as_deref().unwrap_or(&empty);
            let theirs = match apply_hunks(base_data, &fp.hunks, 0) {
                Ok(a) => a.content,
                Err(h) => {
                    return Ok(Err(Failure {
                        file: old_path.to_string(),
                        hunk: Some(h.hunk),
                        line: Some(h.line),
                        reason: format!(
                            "3-way fallback: patch does not apply to its own pre-image: {}",
                            h.reason
                        ),
                    }));
                }
            };
            let ours_path = match fp.operation {
                Operation::Add => fp.new_path.as_deref().unwrap_or(path),
                _ => old_path,
            };
            let ours = self.read(&merged, ours_path)?;
            let ours_data = match &ours {
                Some(e) => Some(e.content.data(self.repo)?),
                None => None,
            };
            let conflict = |what: &str| {
                Ok(Err(Failure::file(
                    ours_path,
                    format!("3-way merge conflict: {what}"),
                )))
            };
            match fp.operation {
                Operation::Add => match &ours {
                    None => {}
                    Some(_) if ours_data.as_deref() == Some(&theirs) => {}
                    Some(_) => {
                        return conflict(
                            "added by the patch and already present with other content",
                        );
                    }
                },
                Operation::Delete => {
                    match &ours {
                        Some(_) if ours_data.as_deref() != base.as_ref() => {
                            return conflict("deleted by the patch but changed in the tree");
                        }
                        _ => {}
                    }
                    merged.insert(old_path.to_string(), None);
                    continue;
                }
                _ => {}
            }
            let content = match (ours_data.as_deref(), fp.operation) {
                (_, Operation::Add) => theirs,
                (None, _) => return conflict("changed by the patch but deleted in the tree"),
                (Some(ours), _) => match merge3::merge(base_data, ours, &theirs) {
                    Some(m) => m,
                    None => return conflict("overlapping changes"),
                },
            };
            let current_mode = ours.as_ref().map(|e| e.mode);
            let mode = match (fp.new_mode, current_mode, fp.old_mode) {
                (Some(new), Some(cur), Some(old)) if cur != old => {
                    if new == old {
                        cur
                    } else {
                        new
                    }
                }
                (Some(new), _, _) => new,
                (None, Some(cur), _) => cur,
                (None, None, _) => FileMode::Regular,
            };
            if fp.operation == Operation::Rename {
                merged.insert(old_path.to_string(), None);
            }
            let new_path = fp.new_path.as_deref().unwrap_or(path);
            merged.insert(
                new_path.to_string(),
                Some(Entry {
                    mode,
                    content: Content::bytes(content),
                }),
            );
        }
        Ok(Ok(merged))
    }

    /// Write changed blobs and trees; returns the new root tree id. The tree
    /// becomes the new base.
    pub fn write_tree(&mut self) -> Result<ObjectId, RepoError> {
        if self.changes.is_empty() {
            return Ok(self.base);
        }
        let mut editor = self.repo.edit_tree(self.base).map_err(git_err)?;
        for (path, entry) in std::mem::take(&mut self.changes) {
            match entry {
                None => {
                    editor.remove(path.as_str()).map_err(git_err)?;
                }
                Some(e) => {
                    let id = match &e.content {
                        Content::Stored(id) => *id,
                        Content::Memory { data, id: Some(id) } => {
                            if !self.repo.objects.exists_without_refresh(id) {
                                self.repo
                                    .objects
                                    .write_buf_with_known_id(gix::objs::Kind::Blob, data, *id)
                                    .map_err(git_err)?;
                            }
                            *id
                        }
                        Content::Memory { data, id: None } => self
                            .repo
                            .write_blob(data.as_slice())
                            .map_err(git_err)?
                            .detach(),
                    };
                    let kind = match e.mode {
                        FileMode::Regular => EntryKind::Blob,
                        FileMode::Executable => EntryKind::BlobExecutable,
                        FileMode::Symlink => EntryKind::Link,
                        FileMode::Gitlink => EntryKind::Commit,
                    };
                    editor.upsert(path.as_str(), kind, id).map_err(git_err)?;
                }
            }
        }
        self.base = editor.write().map_err(git_err)?.detach();
        Ok(self.base)
    }
}
