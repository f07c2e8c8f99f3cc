//! The in-memory patch engine: applies parsed patches onto a git tree without a
//! work tree or index, with `git am -3`'s three-way fallback.
//!
//! A [`PatchedTree`] starts from a tree id, collects changed files in memory as
//! commits are applied, and writes new blobs and trees only when asked
//! ([`PatchedTree::write_tree`]); with a repository from [`crate::repo::in_memory`]
//! even those writes never reach the disk.

use crate::apply::hunks::{Placement, apply_hunks};
use crate::apply::merge3;
use crate::patch::{Commit, FileMode, FilePatch, LineKind, Operation};
use crate::repo::{RepoError, expand_prefix, git_err};
use gix::ObjectId;
use gix::bstr::{BStr, BString, ByteSlice};
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
    fn file(file: &BStr, reason: impl Into<String>) -> Self {
        Failure {
            file: file.to_str_lossy().into_owned(),
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

/// Paths changed so far (bytes, as git stores them): `None` means deleted.
type Changes = BTreeMap<BString, Option<Entry>>;

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

/// Whether the file change brings a path into being (the only paths where a
/// file and a folder, or a symlink above, can collide).
fn creates(fp: &FilePatch) -> bool {
    matches!(
        fp.operation,
        Operation::Add | Operation::Rename | Operation::Copy
    )
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

    /// The base tree's entry at `path`, of any kind.
    fn base_entry(&self, path: &BStr) -> Result<Option<(EntryKind, ObjectId)>, RepoError> {
        let tree = self.repo.find_tree(self.base).map_err(git_err)?;
        Ok(tree
            .lookup_entry(path.split_str("/"))
            .map_err(git_err)?
            .map(|e| (e.mode().kind(), e.object_id())))
    }

    fn read_base(&self, path: &BStr) -> Result<Option<Entry>, RepoError> {
        let Some((kind, id)) = self.base_entry(path)? else {
            return Ok(None);
        };
        let mode = match kind {
            EntryKind::Blob => FileMode::Regular,
            EntryKind::BlobExecutable => FileMode::Executable,
            EntryKind::Link => FileMode::Symlink,
            EntryKind::Commit => FileMode::Gitlink,
            EntryKind::Tree => return Ok(None),
        };
        Ok(Some(Entry {
            mode,
            content: Content::Stored(id),
        }))
    }

    /// The file at `path` with `staged` over the changes so far over the base.
    fn read(&self, staged: &Changes, path: &BStr) -> Result<Option<Entry>, RepoError> {
        if let Some(e) = staged.get(path).or_else(|| self.changes.get(path)) {
            return Ok(e.clone());
        }
        self.read_base(path)
    }

    /// Whether `staged` over the changes so far says anything about `path`.
    fn overlay<'a>(&'a self, staged: &'a Changes, path: &BStr) -> Option<&'a Option<Entry>> {
        staged.get(path).or_else(|| self.changes.get(path))
    }

    /// `git apply`'s "affected file is beyond a symbolic link": a file the commit
    /// writes whose parent folder is a symlink, judged as git judges it. A
    /// parent counts as a symlink when the commit leaves a symlink there, or,
    /// unless the commit removes a symlink there, when the tree before the
    /// commit has one. Only modes the patch states count (as in git, a rename
    /// without mode lines states none).
    fn beyond_symlink(&self, commit: &Commit) -> Result<Vec<Failure>, RepoError> {
        const GOES_AWAY: u8 = 1;
        const IN_RESULT: u8 = 2;
        let mut symlinks: HashMap<&BStr, u8> = HashMap::new();
        for fp in &commit.files {
            if let Some(old) = &fp.old_path
                && fp.old_mode == Some(FileMode::Symlink)
                && matches!(fp.operation, Operation::Rename | Operation::Delete)
            {
                *symlinks.entry(old.as_ref()).or_default() |= GOES_AWAY;
            }
            if let Some(new) = &fp.new_path
                && fp.new_mode == Some(FileMode::Symlink)
            {
                *symlinks.entry(new.as_ref()).or_default() |= IN_RESULT;
            }
        }
        let mut failures = Vec::new();
        // A file modified in place exists in the tree before the commit, so no
        // folder above it is a symlink there (the tree would be invalid), and a
        // symlink the commit puts above it is a file/directory conflict that
        // `shape_conflict` reports. Only paths the commit creates need the walk.
        for fp in commit.files.iter().filter(|f| creates(f)) {
            let path = fp.target_path();
            for i in path.rfind_iter("/") {
                let parent = path[..i].as_bstr();
                let change = symlinks.get(parent).copied().unwrap_or(0);
                let beyond = change & IN_RESULT != 0
                    || (change & GOES_AWAY == 0
                        && self
                            .read(&Changes::new(), parent)?
                            .is_some_and(|e| e.mode == FileMode::Symlink));
                if beyond {
                    failures.push(Failure::file(
                        path,
                        format!(
                            "is beyond a symbolic link: {} is a symlink (git refuses to write through one)",
                            crate::patch::path::display(parent)
                        ),
                    ));
                    break;
                }
            }
        }
        Ok(failures)
    }

    /// Refuse what `git apply` refuses when a commit would leave the tree with a
    /// file and a folder of the same name: a file created where a folder still
    /// has content, or under a file, symlink or submodule (for a symlink, git's
    /// "beyond a symbolic link"). Only paths that the commit brings into being
    /// need checking: a file that existed before has folders above it, and a
    /// folder that existed cannot hold it.
    fn shape_conflict(
        &self,
        commit: &Commit,
        staged: &Changes,
    ) -> Result<Option<Failure>, RepoError> {
        let created = commit
            .files
            .iter()
            .filter(|f| creates(f))
            .map(|f| f.target_path());
        for path in created {
            if !staged.get(path).is_some_and(Option::is_some)
                || self.read(&Changes::new(), path)?.is_some()
            {
                continue;
            }
            for i in path.find_iter("/") {
                let parent = path[..i].as_bstr();
                if let Some(above) = self.read(staged, parent)? {
                    let what = match above.mode {
                        FileMode::Symlink => format!(
                            "is beyond a symbolic link: {} is a symlink in the tree",
                            crate::patch::path::display(parent)
                        ),
                        FileMode::Gitlink => format!(
                            "would be inside {}, which is a submodule in the tree",
                            crate::patch::path::display(parent)
                        ),
                        _ => format!(
                            "would be inside {}, which is a file in the tree (file/directory conflict)",
                            crate::patch::path::display(parent)
                        ),
                    };
                    return Ok(Some(Failure::file(path, what)));
                }
            }
            if let Some(survivor) = self.live_entry_below(staged, path)? {
                return Ok(Some(Failure::file(
                    path,
                    format!(
                        "would replace a directory that still holds {} (file/directory conflict)",
                        crate::patch::path::display(survivor.as_ref())
                    ),
                )));
            }
        }
        Ok(None)
    }

    /// A file that is still in the tree below the folder `dir`, if any.
    fn live_entry_below(&self, staged: &Changes, dir: &BStr) -> Result<Option<BString>, RepoError> {
        let mut prefix = BString::from(dir);
        prefix.push(b'/');
        for changes in [staged, &self.changes] {
            if let Some((p, _)) = changes
                .range(prefix.clone()..)
                .take_while(|(p, _)| p.starts_with(&prefix))
                .find(|(p, e)| {
                    e.is_some()
                        && self
                            .overlay(staged, p.as_ref())
                            .is_some_and(Option::is_some)
                })
            {
                return Ok(Some(p.clone()));
            }
        }
        let Some((EntryKind::Tree, id)) = self.base_entry(dir)? else {
            return Ok(None);
        };
        // Depth-first through the base folder, stopping at the first file that no
        // change has deleted.
        let mut stack = vec![(prefix, id)];
        while let Some((at, tree)) = stack.pop() {
            let tree = self.repo.find_tree(tree).map_err(git_err)?;
            for entry in tree.iter() {
                let entry = entry.map_err(git_err)?;
                let mut path = at.clone();
                path.extend_from_slice(entry.filename());
                if entry.mode().is_tree() {
                    path.push(b'/');
                    stack.push((path, entry.object_id()));
                } else if self.overlay(staged, path.as_ref()).is_none() {
                    return Ok(Some(path));
                }
            }
        }
        Ok(None)
    }

    /// Apply one commit. On failure the tree is left unchanged.
    pub fn apply_commit(
        &mut self,
        commit: &Commit,
        options: ApplyOptions,
    ) -> Result<CommitOutcome, RepoError> {
        let files: Vec<String> = commit
            .files
            .iter()
            .map(|f| f.path().to_str_lossy().into_owned())
            .collect();
        let mut staged = Changes::new();
        let mut failures = Vec::new();
        let mut status = Status::Clean;
        for fp in &commit.files {
            match self.apply_file(fp, &mut staged, options.fuzz)? {
                Ok(s) => status = status.max(s),
                Err(f) => failures.extend(f),
            }
        }
        failures.extend(self.beyond_symlink(commit)?);
        if failures.is_empty()
            && let Some(conflict) = self.shape_conflict(commit, &staged)?
        {
            failures.push(conflict);
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
            let merged = match self.three_way(commit)? {
                Ok(merged) => match self.shape_conflict(commit, &merged)? {
                    Some(conflict) => Err(Failure {
                        reason: format!("3-way fallback: {}", conflict.reason),
                        ..conflict
                    }),
                    None => Ok(merged),
                },
                Err(why) => Err(why),
            };
            match merged {
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
        let old_path = fp.source_path();
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
        // git: "wrong type" when the patch's old mode names another kind of entry
        // (a file against a symlink or a submodule); a differing executable bit
        // is only a warning.
        if let (Some(expected), Some(found)) = (fp.old_mode, current.as_ref().map(|e| e.mode))
            && expected.kind() != found.kind()
        {
            return Ok(Err(vec![Failure::file(
                old_path,
                format!(
                    "wrong type: the patch expects {}, the tree has {}",
                    expected.kind(),
                    found.kind()
                ),
            )]));
        }
        if matches!(
            fp.operation,
            Operation::Add | Operation::Rename | Operation::Copy
        ) {
            let new_path = fp.target_path();
            if self.read(staged, new_path)?.is_some() {
                return Ok(Err(vec![Failure::file(
                    new_path,
                    "already exists in the tree",
                )]));
            }
        }
        let is_gitlink = fp.new_mode == Some(FileMode::Gitlink)
            || fp.old_mode == Some(FileMode::Gitlink)
            || (fp.new_mode.is_none()
                && current
                    .as_ref()
                    .is_some_and(|e| e.mode == FileMode::Gitlink));
        if is_gitlink && !fp.hunks.is_empty() {
            return self.apply_submodule(fp, current.as_ref(), staged);
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
                        file: old_path.to_str_lossy().into_owned(),
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
                staged.insert(old_path.into(), None);
            }
            op => {
                let mode = fp
                    .new_mode
                    .or(current.as_ref().map(|e| e.mode))
                    .unwrap_or(FileMode::Regular);
                if op == Operation::Rename {
                    staged.insert(old_path.into(), None);
                }
                staged.insert(fp.target_path().into(), Some(Entry { mode, content }));
            }
        }
        Ok(Ok(status))
    }

    /// A submodule change: `-Subproject commit OLD` / `+Subproject commit NEW`.
    /// The commit ids are recorded as they are (the submodule's objects are not
    /// in this repository, and `git apply` does not need them either).
    fn apply_submodule(
        &self,
        fp: &FilePatch,
        current: Option<&Entry>,
        staged: &mut Changes,
    ) -> Result<Result<Status, Vec<Failure>>, RepoError> {
        let id_on = |kind: LineKind| {
            fp.hunks
                .iter()
                .flat_map(|h| &h.lines)
                .filter(|l| l.kind == kind)
                .find_map(|l| {
                    let text = l.text.strip_prefix(b"Subproject commit ")?;
                    ObjectId::from_hex(text.trim_ascii_end().get(..40)?).ok()
                })
        };
        let (old, new) = (id_on(LineKind::Remove), id_on(LineKind::Add));
        let path = fp.source_path();
        let found = current.and_then(|e| e.content.known_id());
        if old.is_some() && found != old {
            return Ok(Err(vec![Failure::file(
                path,
                format!(
                    "submodule is at {}, the patch expects {}",
                    found.map_or("nothing".to_string(), |id| id.to_string()),
                    old.map(|id| id.to_string()).unwrap_or_default()
                ),
            )]));
        }
        match (fp.operation, new) {
            (Operation::Delete, _) => {
                staged.insert(path.into(), None);
            }
            (_, Some(new)) => {
                if fp.operation == Operation::Rename {
                    staged.insert(path.into(), None);
                }
                staged.insert(
                    fp.target_path().into(),
                    Some(Entry {
                        mode: FileMode::Gitlink,
                        content: Content::Stored(new),
                    }),
                );
            }
            (_, None) => {
                return Ok(Err(vec![Failure::file(
                    path,
                    "submodule change without a `+Subproject commit <id>` line",
                )]));
            }
        }
        Ok(Ok(Status::Clean))
    }

    /// Apply `fp`'s hunks to `current` (nothing for a new file), using and filling
    /// the shared results when the input is a known blob.
    fn patched_content(
        &self,
        current: Option<&Entry>,
        fp: &FilePatch,
        fuzz: usize,
    ) -> Result<Result<(Content, Status), crate::apply::hunks::HunkFailure>, RepoError> {
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
            let old_path = fp.source_path();
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
                        file: old_path.to_str_lossy().into_owned(),
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
                Operation::Add => fp.target_path(),
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
                    merged.insert(old_path.into(), None);
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
                merged.insert(old_path.into(), None);
            }
            merged.insert(
                fp.target_path().into(),
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
        let changes = std::mem::take(&mut self.changes);
        // Removals first, so that a folder emptied by the changes can become a file.
        for path in changes.iter().filter(|(_, e)| e.is_none()).map(|(p, _)| p) {
            editor.remove(path).map_err(git_err)?;
        }
        for (path, entry) in changes {
            match entry {
                None => {}
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
                    editor.upsert(&path, kind, id).map_err(git_err)?;
                }
            }
        }
        self.base = editor.write().map_err(git_err)?.detach();
        Ok(self.base)
    }
}
