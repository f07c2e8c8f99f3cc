//! The checks `go build -mod=vendor` makes of `go.mod` against
//! `vendor/modules.txt` (`modload`'s `checkVendorConsistency`), and that the
//! folders of the modules a port changed are there (or gone) as listed.

use crate::gomod::go_mod::GoMod;
use crate::gomod::modules_txt::ModulesTxt;
use crate::gomod::version;
use std::cmp::Ordering;

/// What is inconsistent, as Go would say it; empty when nothing is.
pub fn check(go_mod: &GoMod, modules: &ModulesTxt) -> Vec<String> {
    let mut out = Vec::new();
    let pruned = go_mod
        .go
        .as_ref()
        .is_some_and(|(g, _)| version::compare_go(g, "1.17") != Ordering::Less);
    for r in &go_mod.requires {
        match modules.block(&r.path) {
            None => out.push(format!(
                "{}@{} is required in go.mod, but vendor/modules.txt does not list it",
                r.path, r.version
            )),
            Some(b) if b.version.as_deref() != Some(r.version.as_str()) => out.push(format!(
                "{}@{} is required in go.mod, but vendor/modules.txt has {}",
                r.path,
                r.version,
                b.version.as_deref().unwrap_or("no version")
            )),
            Some(b) if pruned && !b.explicit() => out.push(format!(
                "{}@{} is required in go.mod, but not marked as explicit in vendor/modules.txt",
                r.path, r.version
            )),
            Some(_) => {}
        }
    }
    for b in modules.blocks.iter().filter(|b| b.explicit()) {
        if go_mod.require(&b.path).is_none() {
            out.push(format!(
                "{} is marked as explicit in vendor/modules.txt, but not required in go.mod",
                b.path
            ));
        }
    }
    for r in &go_mod.replaces {
        let want = r.spec();
        let want = want.split_once(" => ").map(|(_, n)| n).unwrap_or("");
        let listed = modules
            .blocks
            .iter()
            .filter(|b| b.path == r.old && (r.old_version.is_none() || b.version == r.old_version))
            .any(|b| b.replacement.as_deref() == Some(want));
        let vendored = modules
            .blocks
            .iter()
            .any(|b| b.path == r.old && b.version.is_some());
        if vendored && !listed {
            out.push(format!(
                "go.mod replaces {} with {want}, but vendor/modules.txt does not",
                r.old
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::check;
    use crate::gomod::{go_mod::GoMod, modules_txt::ModulesTxt};

    #[test]
    fn mismatches_are_reported_as_go_reports_them() {
        let go_mod = GoMod::parse(
            "module a\n\ngo 1.19\n\nrequire (\n\tx.com/a v1.0.0\n\tx.com/b v1.0.0\n)\n",
        )
        .unwrap();
        let ok = ModulesTxt::parse(
            "# x.com/a v1.0.0\n## explicit\nx.com/a\n# x.com/b v1.0.0\n## explicit\nx.com/b\n",
        )
        .unwrap();
        assert!(check(&go_mod, &ok).is_empty());
        let bad = ModulesTxt::parse(
            "# x.com/a v1.1.0\n## explicit\nx.com/a\n# x.com/c v1.0.0\n## explicit\nx.com/c\n",
        )
        .unwrap();
        let e = check(&go_mod, &bad);
        assert_eq!(e.len(), 3, "{e:?}");
        assert!(e[0].contains("vendor/modules.txt has v1.1.0"));
    }
}
