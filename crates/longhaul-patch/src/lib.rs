//! longhaul-patch: an in-memory `git am -3`.
//!
//! Patches are parsed as git writes them, their hunks are placed exactly where
//! `git apply` places them, a hunk that no longer applies falls back to the
//! three-way merge `git am -3` does, and the result is a git tree written to the
//! object database (or kept in memory): no checkout, no index, no `git` process.
//! It knows nothing of manifests, advisories or releases; `longhaul` builds
//! those on top of it.
//!
//! Its parts, lowest first:
//! - [`patch`]: what a patch says: `git format-patch` mboxes and unified diffs,
//!   paths as git keeps them; no repository;
//! - [`apply`]: placing one file's hunks ([`apply::hunks`]), the three-way content
//!   merge ([`apply::merge3`]), and a git tree patched in memory, commit by commit
//!   ([`apply::tree`]);
//! - [`repo`]: the repository plumbing they need (opening a repository, resolving
//!   revisions, reading blobs) and its error, [`repo::RepoError`].
//!
//! Errors are the crate's own: [`patch::ParseError`] for bytes that are not a
//! patch, [`repo::RepoError`] for the object database; a patch that does not
//! apply is no error but an outcome ([`apply::tree::CommitOutcome`]).
//!
//! Applying a patch to a tree, in memory:
//!
//! ```
//! use longhaul_patch::apply::tree::{ApplyOptions, PatchedTree, Status};
//! use longhaul_patch::gix::objs::tree::EntryKind;
//!
//! let dir = tempfile::tempdir()?;
//! let repo = longhaul_patch::repo::in_memory(&longhaul_patch::gix::ThreadSafeRepository::init(
//!     dir.path(),
//!     longhaul_patch::gix::create::Kind::Bare,
//!     Default::default(),
//! )?);
//! // A tree with one file, written to the (in-memory) object database.
//! let blob = repo.write_blob("a\nb\nc\n")?;
//! let mut editor = repo.empty_tree().edit()?;
//! editor.upsert("notes.txt", EntryKind::Blob, blob)?;
//! let tree = editor.write()?.detach();
//!
//! let patch = longhaul_patch::patch::parse(
//!     b"--- a/notes.txt\n+++ b/notes.txt\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n",
//! )?;
//! let mut patched = PatchedTree::new(&repo, tree);
//! let outcome = patched.apply_commit(&patch.commits[0], ApplyOptions::default())?;
//! assert_eq!(outcome.status, Status::Clean);
//!
//! let new_tree = repo.find_tree(patched.write_tree()?)?;
//! let content = longhaul_patch::repo::blob_at(&repo, &new_tree, b"notes.txt")?;
//! assert_eq!(content.as_deref(), Some(&b"a\nB\nc\n"[..]));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Placing hunks in bytes, without any repository:
//!
//! ```
//! let patch = longhaul_patch::patch::parse(
//!     b"--- a/notes.txt\n+++ b/notes.txt\n@@ -3,3 +3,3 @@\n c\n-d\n+D\n e\n",
//! )?;
//! let file = &patch.commits[0].files[0];
//! assert_eq!(file.path(), "notes.txt");
//!
//! // One extra line above the context: git applies this at an offset, and so do we.
//! let hunks = &file.hunks;
//! let applied = longhaul_patch::apply::hunks::apply_hunks(b"new\na\nb\nc\nd\ne\nf\n", hunks, 0).unwrap();
//! assert_eq!(applied.content, b"new\na\nb\nc\nD\ne\nf\n");
//! assert_eq!(applied.placements, [longhaul_patch::apply::hunks::Placement::Offset(1)]);
//! # Ok::<(), longhaul_patch::patch::ParseError>(())
//! ```

pub mod apply;
pub mod patch;
pub mod repo;

/// The gitoxide version this crate is built on, for callers that need its types.
pub use gix;
