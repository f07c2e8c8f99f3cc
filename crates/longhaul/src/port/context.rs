//! A repository prepared for porting onto one target: its `.gitattributes`
//! read once, and tree diffs memoized.
//!
//! gitoxide's convenience calls (`diff_tree_to_tree`, `merge_trees`) rebuild an
//! index of the whole `HEAD` tree for attributes on every call in a bare
//! repository; a port makes half a dozen of them. Here attributes come from the
//! **target** tree (what a checkout of the old line would read, as `git
//! cherry-pick` there does), collected once: the `.gitattributes` files of the
//! folders holding the files the change touches, which are the files whose
//! content is merged and guarded.
//! External merge drivers from the repository's configuration are never run;
//! the built-in ones (`text`, `binary`, `union`) apply as attributes say.

use super::precedent::Precedents;
use super::tree_diff::{self, TreeChange};
use crate::repo::{RepoError, git_err};
use gix::ObjectId;
use gix::bstr::{BStr, BString, ByteSlice};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// A repository and the attributes of one target tree, for porting onto it.
pub struct Context<'r> {
    /// The repository (an in-memory handle keeps it untouched).
    pub repo: &'r gix::Repository,
    attributes: gix::index::State,
    diffs: RefCell<HashMap<DiffKey, Rc<Vec<TreeChange>>>>,
    moved: RefCell<HashMap<(ObjectId, ObjectId, ObjectId), Rc<Moved>>>,
    precedents: Option<Precedents>,
}

/// Old path → the path the target keeps the file at.
pub type Moved = std::collections::BTreeMap<BString, BString>;

/// A memoized tree diff: (old tree, new tree, rename detection).
type DiffKey = (ObjectId, ObjectId, bool);

impl<'r> Context<'r> {
    /// Prepare `repo` for porting the files at `paths` onto the tree `target`:
    /// the `.gitattributes` files that govern those paths are read from it.
    pub fn new<'p>(
        repo: &'r gix::Repository,
        target: ObjectId,
        paths: impl IntoIterator<Item = &'p BStr>,
    ) -> Result<Self, RepoError> {
        let mut attributes = gix::index::State::new(repo.object_hash());
        for (path, id) in governing_attributes(repo, target, paths)? {
            attributes.dangerously_push_entry(
                Default::default(),
                id,
                gix::index::entry::Flags::empty(),
                gix::index::entry::Mode::FILE,
                path.as_bstr(),
            );
        }
        attributes.sort_entries();
        Ok(Context {
            repo,
            attributes,
            diffs: RefCell::default(),
            moved: RefCell::default(),
            precedents: None,
        })
    }

    /// Prepare `repo` for porting `commit` onto the tree `target`: the
    /// attributes of the folders of the files `commit` touches.
    pub fn for_commit(
        repo: &'r gix::Repository,
        target: ObjectId,
        commit: ObjectId,
    ) -> Result<Self, RepoError> {
        let (base, theirs) = tree_diff::commit_trees(repo, commit)?;
        let touched = tree_diff::touched_paths(repo, base, theirs)?;
        Self::new(repo, target, touched.iter().map(|p| p.as_ref()))
    }

    /// Let a commit that conflicts be ported through a maintainer's earlier
    /// port of it (see [`super::precedent`]), searched for as `precedents`
    /// says. Off unless asked for.
    pub fn with_precedents(mut self, precedents: Precedents) -> Self {
        self.precedents = Some(precedents);
        self
    }

    /// Where precedents are searched for, when they are.
    pub fn precedents(&self) -> Option<Precedents> {
        self.precedents
    }

    fn attribute_stack(&self) -> Result<gix::worktree::Stack, RepoError> {
        Ok(self
            .repo
            .attributes_only(
                &self.attributes,
                gix::worktree::stack::state::attributes::Source::IdMapping,
            )
            .map_err(git_err)?
            .detach())
    }

    /// For each of `paths`, whether the target's attributes give it a merge
    /// driver or marker size of its own (`merge`, `-merge`, `binary`,
    /// `conflict-marker-size`): then gitoxide's blob merge, which honours
    /// them, decides.
    pub fn has_merge_attributes(&self, paths: &[&BStr]) -> Result<Vec<bool>, RepoError> {
        let mut stack = self.attribute_stack()?;
        let mut out = Vec::with_capacity(paths.len());
        for path in paths {
            let mut found = stack.selected_attribute_matches(["merge", "conflict-marker-size"]);
            let platform = stack
                .at_entry(
                    *path,
                    Some(gix::index::entry::Mode::FILE),
                    &self.repo.objects,
                )
                .map_err(git_err)?;
            platform.matching_attributes(&mut found);
            out.push(
                found
                    .iter_selected()
                    .any(|m| !matches!(m.assignment.state, gix::attrs::StateRef::Unspecified)),
            );
        }
        Ok(out)
    }

    /// A blob diff platform reading attributes from the target.
    pub fn diff_cache(&self) -> Result<gix::diff::blob::Platform, RepoError> {
        gix::diff::resource_cache(
            self.repo,
            gix::diff::blob::pipeline::Mode::ToGit,
            self.attribute_stack()?,
            Default::default(),
        )
        .map_err(git_err)
    }

    /// A blob merge platform reading attributes from the target, with the
    /// built-in drivers only.
    pub fn merge_cache(&self) -> Result<gix::merge::blob::Platform, RepoError> {
        use gix::merge::blob;
        let filter = gix::filter::plumbing::Pipeline::new(
            self.repo.command_context().map_err(git_err)?,
            self.repo.object_hash(),
            gix::filter::Pipeline::options(self.repo).map_err(git_err)?,
        );
        let filter = blob::Pipeline::new(Default::default(), filter, Default::default());
        let options = blob::platform::Options {
            default_driver: None,
        };
        Ok(blob::Platform::new(
            filter,
            blob::pipeline::Mode::ToGit,
            self.attribute_stack()?,
            Vec::new(),
            options,
        ))
    }

    /// The file changes from tree `old` to tree `new` (see
    /// [`tree_diff::tree_changes`]), computed once per pair.
    pub fn tree_changes(
        &self,
        old: ObjectId,
        new: ObjectId,
        renames: bool,
    ) -> Result<Rc<Vec<TreeChange>>, RepoError> {
        if let Some(found) = self.diffs.borrow().get(&(old, new, renames)) {
            return Ok(found.clone());
        }
        let changes = Rc::new(tree_diff::tree_changes(
            self.repo,
            &mut self.diff_cache()?,
            old,
            new,
            renames,
        )?);
        self.diffs
            .borrow_mut()
            .insert((old, new, renames), changes.clone());
        Ok(changes)
    }

    /// The moved files remembered for the change from `base` to `theirs` onto
    /// `ours` (see [`super::moved::moved_once`]), or `compute`'s answer,
    /// remembered.
    pub fn remember_moved(
        &self,
        (base, theirs, ours): (ObjectId, ObjectId, ObjectId),
        compute: impl FnOnce() -> Result<Moved, RepoError>,
    ) -> Result<Rc<Moved>, RepoError> {
        if let Some(found) = self.moved.borrow().get(&(base, theirs, ours)) {
            return Ok(found.clone());
        }
        let moved = Rc::new(compute()?);
        self.moved
            .borrow_mut()
            .insert((base, theirs, ours), moved.clone());
        Ok(moved)
    }
}

/// The `.gitattributes` blobs in `tree` of the folders that hold `paths` (each
/// folder from the root down), with their paths: all that attribute queries
/// for those paths read.
fn governing_attributes<'p>(
    repo: &gix::Repository,
    tree: ObjectId,
    paths: impl IntoIterator<Item = &'p BStr>,
) -> Result<Vec<(BString, ObjectId)>, RepoError> {
    let mut folders = std::collections::BTreeSet::new();
    for path in paths {
        folders.insert(BString::default());
        for i in path.find_iter("/") {
            folders.insert(BString::from(&path[..i]));
        }
    }
    let tree = repo.find_tree(tree).map_err(git_err)?;
    let mut out = Vec::new();
    for folder in folders {
        let file: BString = if folder.is_empty() {
            ".gitattributes".into()
        } else {
            [folder.as_slice(), b"/.gitattributes"].concat().into()
        };
        if let Some(entry) = tree.lookup_entry(file.split_str("/")).map_err(git_err)?
            && entry.mode().is_blob()
        {
            out.push((file, entry.object_id()));
        }
    }
    Ok(out)
}
