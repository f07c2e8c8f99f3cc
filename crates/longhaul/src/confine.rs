//! Reads and writes that stay inside the LTS repository.
//!
//! A pull request can commit symbolic links: `patches/x.patch ->
//! /proc/self/environ`, or `.longhaul/review -> /home/ci`. Every file
//! longhaul reads from the repository is resolved first and refused when it
//! lands outside ([`resolve_inside`]); every write below the repository
//! refuses to pass through a symbolic link, as git refuses to write "beyond a
//! symbolic link" ([`write_atomic`], [`create_dirs`]).

use std::path::{Component, Path, PathBuf};

/// Why a path was refused.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    /// It resolves (through symbolic links) to a place outside the repository.
    #[error("{path} resolves to {target}, outside the LTS repository {root}")]
    Outside {
        /// The path asked for.
        path: PathBuf,
        /// Where it leads.
        target: PathBuf,
        /// The repository.
        root: PathBuf,
    },
    /// A folder on the way (or the file itself) is a symbolic link.
    #[error(
        "{path}: refusing to write through the symbolic link {link} (a pull request can commit links; write the files where they are meant to be)"
    )]
    Link {
        /// The path asked for.
        path: PathBuf,
        /// The link on the way.
        link: PathBuf,
    },
    /// The path is not below the repository at all.
    #[error("{path} is not inside the LTS repository {root}")]
    NotBelow {
        /// The path asked for.
        path: PathBuf,
        /// The repository.
        root: PathBuf,
    },
    /// The file system said no.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
}

impl From<Refused> for std::io::Error {
    fn from(e: Refused) -> Self {
        match e {
            Refused::Io { source, .. } => source,
            other => std::io::Error::new(std::io::ErrorKind::PermissionDenied, other.to_string()),
        }
    }
}

/// `path` with symlinks resolved, when it lies inside `root` (both resolved);
/// a path that does not exist resolves as far as it exists.
pub fn resolve_inside(root: &Path, path: &Path) -> Result<PathBuf, Refused> {
    let root = canonical(root)?;
    let target = match path.canonicalize() {
        Ok(t) => t,
        // Missing: the existing parent decides (reading then says "not found").
        Err(_) => match (path.parent(), path.file_name()) {
            (Some(parent), Some(name)) if !parent.as_os_str().is_empty() => {
                resolve_inside(&root, parent)?.join(name)
            }
            _ => return Ok(path.to_path_buf()),
        },
    };
    if target.starts_with(&root) {
        Ok(target)
    } else {
        Err(Refused::Outside {
            path: path.to_path_buf(),
            target,
            root,
        })
    }
}

fn canonical(p: &Path) -> Result<PathBuf, Refused> {
    p.canonicalize().map_err(|source| Refused::Io {
        path: p.to_path_buf(),
        source,
    })
}

/// The part of `path` below `root`, lexically, with no `..`.
fn below<'a>(root: &Path, path: &'a Path) -> Result<&'a Path, Refused> {
    let rel = path.strip_prefix(root).map_err(|_| Refused::NotBelow {
        path: path.to_path_buf(),
        root: root.to_path_buf(),
    })?;
    if rel
        .components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
    {
        Ok(rel)
    } else {
        Err(Refused::NotBelow {
            path: path.to_path_buf(),
            root: root.to_path_buf(),
        })
    }
}

/// Create the folder `dir` (below `root`) and the folders on the way, refusing
/// any that is a symbolic link. `root` itself is trusted (the command line
/// chose it).
pub fn create_dirs(root: &Path, dir: &Path) -> Result<(), Refused> {
    let rel = below(root, dir)?;
    let mut at = root.to_path_buf();
    for c in rel.components() {
        let Component::Normal(name) = c else { continue };
        at.push(name);
        match std::fs::symlink_metadata(&at) {
            Ok(m) if m.file_type().is_symlink() => {
                return Err(Refused::Link {
                    path: dir.to_path_buf(),
                    link: at,
                });
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir(&at).map_err(|source| Refused::Io {
                    path: at.clone(),
                    source,
                })?;
            }
            Err(source) => return Err(Refused::Io { path: at, source }),
        }
    }
    Ok(())
}

/// Whether [`write_atomic`] of `path` would pass through a symbolic link
/// (checked before anything is written; creates nothing).
pub fn check_writable(root: &Path, path: &Path) -> Result<(), Refused> {
    let rel = below(root, path)?;
    let mut at = root.to_path_buf();
    for c in rel.components() {
        let Component::Normal(name) = c else { continue };
        at.push(name);
        match std::fs::symlink_metadata(&at) {
            Ok(m) if m.file_type().is_symlink() => {
                return Err(Refused::Link {
                    path: path.to_path_buf(),
                    link: at,
                });
            }
            Ok(_) => {}
            Err(_) => return Ok(()),
        }
    }
    Ok(())
}

/// [`crate::fs::write_atomic`] of `path` (below `root`): no folder on the
/// way, and not the file itself, may be a symbolic link.
pub fn write_atomic(root: &Path, path: &Path, bytes: &[u8]) -> Result<(), Refused> {
    if let Some(parent) = path.parent() {
        create_dirs(root, parent)?;
    }
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(Refused::Link {
            path: path.to_path_buf(),
            link: path.to_path_buf(),
        });
    }
    crate::fs::write_atomic(path, bytes).map_err(|source| Refused::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// The file a write to the manifest at `path` should replace: the manifest
/// itself, or, when it is a symbolic link, its target (which must be inside
/// `root`), so that the link stays a link.
pub fn manifest_target(root: &Path, path: &Path) -> Result<PathBuf, Refused> {
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        resolve_inside(root, path)
    } else {
        Ok(path.to_path_buf())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_refuse_links_and_reads_refuse_escapes() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("lts");
        let outside = tmp.path().join("outside");
        std::fs::create_dir_all(root.join("patches")).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::os::unix::fs::symlink(&outside, root.join("review")).unwrap();
        let err = write_atomic(&root, &root.join("review/x.txt"), b"x").unwrap_err();
        assert!(matches!(err, Refused::Link { .. }), "{err}");
        assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 0);
        write_atomic(&root, &root.join("new/deep/x.txt"), b"x").unwrap();
        assert!(root.join("new/deep/x.txt").is_file());
        assert!(matches!(
            write_atomic(&root, &tmp.path().join("elsewhere"), b"x"),
            Err(Refused::NotBelow { .. })
        ));

        std::os::unix::fs::symlink("/etc/hostname", root.join("patches/a.patch")).unwrap();
        assert!(matches!(
            resolve_inside(&root, &root.join("patches/a.patch")),
            Err(Refused::Outside { .. })
        ));
        std::fs::write(root.join("patches/b.patch"), "x").unwrap();
        std::os::unix::fs::symlink("b.patch", root.join("patches/c.patch")).unwrap();
        assert!(resolve_inside(&root, &root.join("patches/c.patch")).is_ok());
        assert!(resolve_inside(&root, &root.join("patches/missing.patch")).is_ok());
        assert!(resolve_inside(&root, &root.join("review/missing.patch")).is_err());
    }
}
