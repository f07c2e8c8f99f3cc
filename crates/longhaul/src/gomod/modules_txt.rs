//! `vendor/modules.txt`: one block per vendored module, as `go mod vendor`
//! writes it: `# path version [=> replacement]`, `## explicit[; go 1.x]`
//! lines, then the module's vendored packages, one per line.

use super::{ParseError, valid_module_path};

/// One module's block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// Module path.
    pub path: String,
    /// Version (none for a replacement-only line `# path => …`).
    pub version: Option<String>,
    /// The replacement after `=>`, as written.
    pub replacement: Option<String>,
    /// The `##` lines, as written.
    pub meta: Vec<String>,
    /// Vendored packages.
    pub packages: Vec<String>,
}

impl Block {
    /// Marked `## explicit` (required in go.mod).
    pub fn explicit(&self) -> bool {
        self.annotations().any(|a| a == "explicit")
    }

    /// The module's `go` version, from `## …; go 1.x`.
    pub fn go_version(&self) -> Option<&str> {
        self.annotations().find_map(|a| a.strip_prefix("go "))
    }

    fn annotations(&self) -> impl Iterator<Item = &str> {
        self.meta
            .iter()
            .flat_map(|m| m.trim_start_matches('#').split(';'))
            .map(str::trim)
    }

    fn text(&self, out: &mut String) {
        out.push_str("# ");
        out.push_str(&self.path);
        if let Some(v) = &self.version {
            out.push(' ');
            out.push_str(v);
        }
        if let Some(r) = &self.replacement {
            out.push_str(" => ");
            out.push_str(r);
        }
        out.push('\n');
        for l in self.meta.iter().chain(&self.packages) {
            out.push_str(l);
            out.push('\n');
        }
    }
}

/// A parsed `vendor/modules.txt`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ModulesTxt {
    /// Lines before the first block (none from `go mod vendor`).
    pub preamble: Vec<String>,
    /// The blocks, in file order.
    pub blocks: Vec<Block>,
}

impl ModulesTxt {
    /// Parse `text`. Module and package paths must be safe as folders under
    /// `vendor/` (see [`valid_module_path`]); a package must be in its module.
    pub fn parse(text: &str) -> Result<ModulesTxt, ParseError> {
        let mut out = ModulesTxt::default();
        for (n, line) in text.lines().enumerate() {
            let err = |m: String| ParseError::new(n + 1, m);
            if let Some(meta) = line.strip_prefix("##") {
                let b = out
                    .blocks
                    .last_mut()
                    .ok_or_else(|| err("`##` before any `# module` line".into()))?;
                b.meta.push(format!("##{meta}"));
            } else if let Some(header) = line.strip_prefix("# ") {
                let (module, replacement) = match header.split_once(" => ") {
                    Some((m, r)) => (m, Some(r.trim().to_string())),
                    None => (header, None),
                };
                let mut fields = module.split_whitespace();
                let path = fields.next().unwrap_or("").to_string();
                let version = fields.next().map(str::to_string);
                if !valid_module_path(&path) || fields.next().is_some() {
                    return Err(err(format!("expected `# MODULE VERSION`, found `{line}`")));
                }
                out.blocks.push(Block {
                    path,
                    version,
                    replacement,
                    meta: Vec::new(),
                    packages: Vec::new(),
                });
            } else if line.trim().is_empty() || line.starts_with('#') {
                match out.blocks.last_mut() {
                    Some(_) => return Err(err(format!("unexpected line `{line}`"))),
                    None => out.preamble.push(line.to_string()),
                }
            } else {
                let b = out
                    .blocks
                    .last_mut()
                    .ok_or_else(|| err(format!("package `{line}` before any `# module` line")))?;
                let in_module = line == b.path || line.starts_with(&format!("{}/", b.path));
                if !valid_module_path(line) || !in_module {
                    return Err(err(format!(
                        "package `{line}` is not a package path of module {}",
                        b.path
                    )));
                }
                b.packages.push(line.to_string());
            }
        }
        Ok(out)
    }

    /// The file's text.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for l in &self.preamble {
            out.push_str(l);
            out.push('\n');
        }
        for b in &self.blocks {
            b.text(&mut out);
        }
        out
    }

    /// The block of module `path` (with a version: a vendored module).
    pub fn block(&self, path: &str) -> Option<&Block> {
        self.blocks
            .iter()
            .find(|b| b.path == path && b.version.is_some())
    }

    /// Put `block` in place of the module's block, or where `go mod vendor`
    /// puts a new one: before the first versioned block whose path sorts
    /// after it (replacement-only lines stay last).
    pub fn set_block(&mut self, block: Block) {
        if let Some(b) = self
            .blocks
            .iter_mut()
            .find(|b| b.path == block.path && b.version.is_some())
        {
            *b = block;
            return;
        }
        let at = self
            .blocks
            .iter()
            .position(|b| b.version.is_none() || b.path > block.path)
            .unwrap_or(self.blocks.len());
        self.blocks.insert(at, block);
    }

    /// Remove the block of module `path`.
    pub fn remove_block(&mut self, path: &str) {
        self.blocks
            .retain(|b| !(b.path == path && b.version.is_some()));
    }
}

#[cfg(test)]
mod tests {
    use super::ModulesTxt;

    const TEXT: &str = "# example.com/a v1.0.0\n## explicit; go 1.17\nexample.com/a\nexample.com/a/sub\n# example.com/c v0.2.0 => example.com/c2 v0.2.1\n## explicit\nexample.com/c\n# example.com/local => ./local\n";

    #[test]
    fn blocks_are_read_and_written_back() {
        let m = ModulesTxt::parse(TEXT).unwrap();
        let a = m.block("example.com/a").unwrap();
        assert!(a.explicit());
        assert_eq!(a.go_version(), Some("1.17"));
        assert_eq!(a.packages, ["example.com/a", "example.com/a/sub"]);
        assert_eq!(
            m.block("example.com/c").unwrap().replacement.as_deref(),
            Some("example.com/c2 v0.2.1")
        );
        assert!(m.block("example.com/local").is_none());
        assert_eq!(m.text(), TEXT);
        let mut m2 = m.clone();
        let mut b = a.clone();
        b.path = "example.com/b".into();
        b.packages = vec!["example.com/b".into()];
        m2.set_block(b);
        assert_eq!(m2.blocks[1].path, "example.com/b");
        m2.remove_block("example.com/a");
        assert_eq!(m2.blocks[0].path, "example.com/b");
    }

    /// Paths that would name a folder outside vendor/, or a package of another
    /// module, are refused with the line.
    #[test]
    fn hostile_paths_are_refused() {
        for bad in [
            "# ../../etc v1.0.0\n",
            "# example.com/a v1.0.0\nexample.com/a/../../../go.mod\n",
            "# example.com/a v1.0.0\nexample.com/other\n",
            "example.com/a\n",
            "## explicit\n",
        ] {
            let e = ModulesTxt::parse(bad).unwrap_err();
            assert!(e.line >= 1, "{bad:?}");
        }
    }
}
