//! Paths a patch may name: kept as bytes, as git keeps them, and checked the way
//! `git fsck` checks tree entries before anything uses them.

use gix::bstr::{BStr, ByteSlice};

/// Why a path is refused, or `Ok` for a path that stays inside the tree and
/// cannot be mistaken for git's own folder on any file system.
///
/// Refused, as `git fsck` refuses them in trees: empty paths, absolute paths,
/// empty, `.` and `..` components, NUL bytes, and every spelling of `.git` that
/// some file system resolves to the `.git` folder: any case (`.GIT`), NTFS's
/// trailing dots and spaces and short name (`.git.`, `.git `, `git~1`, and with
/// `\` as a separator), and HFS+'s ignored code points (`.g\u{200c}it`).
pub fn check(path: &BStr) -> Result<(), &'static str> {
    if path.is_empty() {
        return Err("expected a file path, found an empty name");
    }
    if path.contains(&0) {
        return Err("a NUL byte cannot be part of a path");
    }
    if path.starts_with(b"/") {
        return Err("expected a path relative to the top of the tree, not an absolute one");
    }
    for component in path.split_str("/") {
        match component {
            b"" => return Err("expected no empty components (`//` or a trailing `/`)"),
            b"." | b".." => return Err("expected no `.` or `..` components"),
            _ => {}
        }
        if component
            .split_str("\\")
            .any(|c| is_ntfs_dotgit(c) || is_hfs_dotgit(c))
        {
            return Err(
                "expected no `.git` component (in any spelling a file system maps to `.git`)",
            );
        }
    }
    Ok(())
}

/// Why a symlink may not be at `path`: git refuses a symlink named
/// `.gitmodules` (in any spelling NTFS or HFS+ maps to it), since git would
/// follow it when reading submodule configuration (`git fsck`'s
/// `gitmodulesSymlink`).
pub fn check_symlink(path: &BStr) -> Result<(), &'static str> {
    let name = path.rsplit_str("/").next().unwrap_or_default();
    let lower = name.to_ascii_lowercase();
    let trimmed = lower.trim_end_with(|c| c == '.' || c == ' ');
    let hfs = std::str::from_utf8(name).is_ok_and(|n| {
        n.chars()
            .filter(|&c| !is_hfs_ignorable(c))
            .map(|c| c.to_ascii_lowercase())
            .eq(".gitmodules".chars())
    });
    if hfs || trimmed == b".gitmodules" || trimmed == b"gitmod~1" || trimmed == b"gi7eba~1" {
        return Err("a symlink cannot be named `.gitmodules` (git refuses to follow one)");
    }
    Ok(())
}

/// A path for messages: quoted, with invisible and invalid bytes escaped
/// (`"dir/.g\u{200c}it"`, `"caf\xe9"`).
pub fn display(path: &BStr) -> String {
    format!("{path:?}")
}

/// `.git` followed only by dots and spaces (NTFS drops them), an alternate data
/// stream (`.git::$INDEX_ALLOCATION`), or the 8.3 short name `git~1`; any case.
fn is_ntfs_dotgit(name: &[u8]) -> bool {
    let rest = if name.len() >= 4 && name[..4].eq_ignore_ascii_case(b".git") {
        &name[4..]
    } else if name.len() >= 5 && name[..5].eq_ignore_ascii_case(b"git~1") {
        &name[5..]
    } else {
        return false;
    };
    let end = rest.iter().position(|&b| b == b':').unwrap_or(rest.len());
    rest[..end].iter().all(|&b| b == b'.' || b == b' ')
}

/// `.git` in any case once HFS+'s ignorable code points are dropped.
fn is_hfs_dotgit(name: &[u8]) -> bool {
    let Ok(name) = std::str::from_utf8(name) else {
        return false;
    };
    let significant = name.chars().filter(|&c| !is_hfs_ignorable(c));
    significant
        .map(|c| c.to_ascii_lowercase())
        .eq(".git".chars())
}

/// The code points HFS+ ignores when comparing names (git's `next_hfs_char`).
fn is_hfs_ignorable(c: char) -> bool {
    matches!(c as u32,
        0x200c..=0x200f | 0x202a..=0x202e | 0x206a..=0x206f | 0xfeff)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn git_folder_aliases_are_refused() {
        for bad in [
            ".git",
            ".GIT",
            "a/.git/config",
            ".git ",
            ".git.",
            ".git. .",
            "git~1",
            "GIT~1/hooks",
            ".git::$INDEX_ALLOCATION",
            "a\\.git",
            ".g\u{200c}it",
            "\u{feff}.Git",
        ] {
            assert!(check(bad.into()).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn gitmodules_symlinks_are_refused() {
        for bad in [
            ".gitmodules",
            "sub/.GITMODULES",
            ".gitmodules .",
            "gitmod~1",
            ".g\u{200c}itmodules",
        ] {
            assert!(check_symlink(bad.into()).is_err(), "{bad:?}");
        }
        assert_eq!(check_symlink(".gitignore".into()), Ok(()));
    }

    #[test]
    fn ordinary_names_pass() {
        for good in [
            ".gitignore",
            ".github/workflows/ci.yml",
            "git~2",
            ".gitx",
            "a/b.git",
            "caf\u{e9}",
        ] {
            assert_eq!(check(good.into()), Ok(()), "{good:?}");
        }
        assert_eq!(check(b"caf\xe9".as_bstr()), Ok(()));
    }

    #[test]
    fn structural_problems_are_refused() {
        for bad in [
            &b""[..],
            b"/abs",
            b"a//b",
            b"a/",
            b"./a",
            b"a/../b",
            b"a\0b",
        ] {
            assert!(check(bad.as_bstr()).is_err(), "{:?}", bad.as_bstr());
        }
    }

    #[test]
    fn display_escapes_invisible_and_invalid_bytes() {
        assert_eq!(display(".g\u{200c}it".into()), "\".g\\u{200c}it\"");
        assert_eq!(display(b"caf\xe9".as_bstr()), "\"caf\\xe9\"");
    }
}
