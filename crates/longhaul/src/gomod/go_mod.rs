//! `go.mod`: its directives read by module path, and edited line by line so
//! that everything else in the file (layout, blocks, comments) stays as it was;
//! or read as typed modules ([`GoMod::declared`]). Without a vendor folder the
//! requirements are what the tree says about its dependencies, but not the
//! build list: that needs the whole module graph (minimal version selection
//! can pick higher versions than the ones declared here).

use super::ParseError;
use super::module::{Module, Replacement};
use super::valid_module_path;
use super::version::Version;

/// A `require` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Require {
    /// Module path.
    pub path: String,
    /// Version.
    pub version: String,
    /// Marked `// indirect`.
    pub indirect: bool,
    /// Index of its line in the file.
    pub line: usize,
}

/// A `replace` line: `old [version] => new [version]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replace {
    /// The module replaced.
    pub old: String,
    /// Only this version of it, when given.
    pub old_version: Option<String>,
    /// The replacement: a module path or a local folder.
    pub new: String,
    /// The replacement's version (none for a folder).
    pub new_version: Option<String>,
    /// Index of its line in the file.
    pub line: usize,
}

/// A parsed `go.mod`, keeping its lines for editing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoMod {
    lines: Vec<String>,
    trailing_newline: bool,
    /// The `module` path.
    pub module: Option<String>,
    /// The `go` version and its line.
    pub go: Option<(String, usize)>,
    /// The `toolchain` name and its line.
    pub toolchain: Option<(String, usize)>,
    /// `require` lines, in file order.
    pub requires: Vec<Require>,
    /// `replace` lines, in file order.
    pub replaces: Vec<Replace>,
    /// `exclude` lines: (module path, version, line).
    pub excludes: Vec<(String, String, usize)>,
    /// `retract` lines: (the versions as written, line).
    pub retracts: Vec<(String, usize)>,
}

/// A token of a line and where it is.
#[derive(Debug, Clone)]
struct Token {
    text: String,
    start: usize,
}

/// The tokens of a line before its comment, and the comment's text.
fn tokens(line: &str) -> (Vec<Token>, Option<&str>) {
    let bytes = line.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b' ' | b'\t' | b'\r' => i += 1,
            b'/' if bytes.get(i + 1) == Some(&b'/') => return (out, Some(line[i + 2..].trim())),
            q @ (b'"' | b'`') => {
                let start = i;
                i += 1;
                while i < bytes.len() && bytes[i] != q {
                    if bytes[i] == b'\\' && q == b'"' {
                        i += 1;
                    }
                    i += 1;
                }
                i = (i + 1).min(bytes.len());
                let raw = &line[start + 1..i.saturating_sub(1).max(start + 1)];
                out.push(Token {
                    text: raw.replace("\\\"", "\"").replace("\\\\", "\\"),
                    start,
                });
            }
            _ => {
                let start = i;
                while i < bytes.len() && !matches!(bytes[i], b' ' | b'\t' | b'\r') {
                    if bytes[i] == b'/' && bytes.get(i + 1) == Some(&b'/') {
                        break;
                    }
                    i += 1;
                }
                out.push(Token {
                    text: line[start..i].to_string(),
                    start,
                });
            }
        }
    }
    (out, None)
}

fn is_indirect(comment: Option<&str>) -> bool {
    comment.is_some_and(|c| c == "indirect" || c.starts_with("indirect;"))
}

impl GoMod {
    /// Parse `text`; a line that is no directive Go knows is an error naming it.
    pub fn parse(text: &str) -> Result<GoMod, ParseError> {
        let mut m = GoMod {
            lines: text.lines().map(str::to_string).collect(),
            trailing_newline: text.ends_with('\n') || text.is_empty(),
            module: None,
            go: None,
            toolchain: None,
            requires: Vec::new(),
            replaces: Vec::new(),
            excludes: Vec::new(),
            retracts: Vec::new(),
        };
        m.reparse()?;
        Ok(m)
    }

    fn reparse(&mut self) -> Result<(), ParseError> {
        let (mut requires, mut replaces, mut excludes, mut retracts) =
            (vec![], vec![], vec![], vec![]);
        let (mut module, mut go, mut toolchain) = (None, None, None);
        let mut block: Option<String> = None;
        for (n, line) in self.lines.iter().enumerate() {
            let (toks, comment) = tokens(line);
            let Some(first) = toks.first() else { continue };
            let (verb, args): (String, &[Token]) = match &block {
                Some(_) if first.text == ")" => {
                    block = None;
                    continue;
                }
                Some(b) => (b.clone(), &toks[..]),
                None if toks.len() == 2 && toks[1].text == "(" => {
                    block = Some(first.text.clone());
                    continue;
                }
                None => (first.text.clone(), &toks[1..]),
            };
            let texts: Vec<&str> = args.iter().map(|t| t.text.as_str()).collect();
            let bad = |what: &str| {
                let found = texts.join(" ");
                ParseError::new(
                    n + 1,
                    format!("expected {what}, found `{}`", found.escape_debug()),
                )
            };
            match (verb.as_str(), texts.as_slice()) {
                ("module", [p]) => module = Some(p.to_string()),
                ("go", [v]) => go = Some((v.to_string(), n)),
                ("toolchain", [v]) => toolchain = Some((v.to_string(), n)),
                ("require", [p, v]) => requires.push(Require {
                    path: p.to_string(),
                    version: v.to_string(),
                    indirect: is_indirect(comment),
                    line: n,
                }),
                ("require", _) => return Err(bad("`require MODULE VERSION`")),
                ("exclude", [p, v]) => excludes.push((p.to_string(), v.to_string(), n)),
                ("exclude", _) => return Err(bad("`exclude MODULE VERSION`")),
                ("replace", _) => replaces.push(
                    parse_replace(&texts, n)
                        .ok_or_else(|| bad("`replace MODULE [VERSION] => TARGET`"))?,
                ),
                ("retract", rest) if !rest.is_empty() => retracts.push((rest.join(" "), n)),
                ("godebug" | "tool" | "ignore" | "module" | "go" | "toolchain" | "retract", _) => {}
                (other, _) => {
                    return Err(ParseError::new(
                        n + 1,
                        format!("unknown directive `{other}`"),
                    ));
                }
            }
        }
        (self.module, self.go, self.toolchain) = (module, go, toolchain);
        (self.requires, self.replaces, self.excludes, self.retracts) =
            (requires, replaces, excludes, retracts);
        Ok(())
    }

    /// The file's text.
    pub fn text(&self) -> String {
        let mut s = self.lines.join("\n");
        if self.trailing_newline && !self.lines.is_empty() {
            s.push('\n');
        }
        s
    }

    /// The requirement of module `path`.
    pub fn require(&self, path: &str) -> Option<&Require> {
        self.requires.iter().find(|r| r.path == path)
    }

    /// Set the version (and `// indirect` marker) of the requirement of
    /// `path`, adding it to a `require` block of its kind when there is none.
    pub fn set_require(&mut self, path: &str, version: &str, indirect: bool) {
        let spec = format!(
            "{path} {version}{}",
            if indirect { " // indirect" } else { "" }
        );
        match self.require(path).cloned() {
            Some(r) => {
                let line = &self.lines[r.line];
                let (toks, comment) = tokens(line);
                let start = toks[toks.len() - 2].start;
                let keep_comment = comment.filter(|c| !is_indirect(Some(c)));
                let mut new = format!("{}{spec}", &line[..start]);
                if let Some(c) = keep_comment {
                    new.push_str(if indirect { "; " } else { " // " });
                    new.push_str(c);
                }
                self.lines[r.line] = new;
            }
            None => self.insert_require(path, &spec, indirect),
        }
        self.reparse().expect("an edited go.mod stays valid");
    }

    /// A new requirement line: into the `require` block holding requirements
    /// of the same kind (direct or indirect), at its place by module path; a
    /// new block at the end when there is none.
    fn insert_require(&mut self, path: &str, spec: &str, indirect: bool) {
        let mut blocks: Vec<(usize, usize)> = Vec::new(); // (first entry line, closing line)
        let mut open = None;
        for (n, l) in self.lines.iter().enumerate() {
            let (toks, _) = tokens(l);
            match toks.first().map(|t| t.text.as_str()) {
                Some("require") if toks.len() == 2 && toks[1].text == "(" => open = Some(n + 1),
                Some(")") if open.is_some() => blocks.push((open.take().expect("open"), n)),
                _ => {}
            }
        }
        let of_kind = blocks.iter().copied().find(|&(s, e)| {
            let entries: Vec<&Require> = self
                .requires
                .iter()
                .filter(|r| (s..e).contains(&r.line))
                .collect();
            !entries.is_empty() && entries.iter().all(|r| r.indirect == indirect)
        });
        let chosen = of_kind.or_else(|| (!indirect).then(|| blocks.first().copied()).flatten());
        match chosen.or(blocks.last().copied()) {
            Some((s, e)) => {
                let at = self
                    .requires
                    .iter()
                    .filter(|r| (s..e).contains(&r.line) && r.path.as_str() > path)
                    .map(|r| r.line)
                    .min()
                    .unwrap_or(e);
                self.lines.insert(at, format!("\t{spec}"));
            }
            None => {
                self.lines.extend([
                    "".to_string(),
                    "require (".to_string(),
                    format!("\t{spec}"),
                    ")".to_string(),
                ]);
            }
        }
    }

    /// Remove the requirement of `path` (its line; an emptied block stays).
    pub fn remove_require(&mut self, path: &str) {
        if let Some(r) = self.require(path) {
            self.lines.remove(r.line);
            self.reparse().expect("an edited go.mod stays valid");
        }
    }

    /// Replace line `line` (a `go`, `toolchain`, `replace`, `exclude` or
    /// `retract` line) by `text` in its place, keeping its indentation and
    /// the directive word of a single-line directive; `None` removes it.
    pub fn set_line(&mut self, line: usize, text: Option<&str>) {
        match text {
            None => {
                self.lines.remove(line);
            }
            Some(text) => {
                let old = &self.lines[line];
                let indent = &old[..old.len() - old.trim_start().len()];
                self.lines[line] = format!("{indent}{text}");
            }
        }
        self.reparse().expect("an edited go.mod stays valid");
    }

    /// Add a line after line `after` (or at the end), as given.
    pub fn insert_line(&mut self, after: Option<usize>, text: &str) {
        match after {
            Some(n) => self.lines.insert(n + 1, text.to_string()),
            None => self.lines.push(text.to_string()),
        }
        self.reparse().expect("an edited go.mod stays valid");
    }

    /// Whether line `line` is inside a block (a `(` … `)` group).
    pub fn in_block(&self, line: usize) -> bool {
        let mut open = false;
        for (n, l) in self.lines.iter().enumerate() {
            let (toks, _) = tokens(l);
            match toks.first().map(|t| t.text.as_str()) {
                _ if n == line => return open,
                Some(_) if toks.len() == 2 && toks[1].text == "(" => open = true,
                Some(")") => open = false,
                _ => {}
            }
        }
        false
    }
}

/// A `require` line read as a module at a version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    /// The module and the version required.
    pub module: Module,
    /// Marked `// indirect`.
    pub indirect: bool,
    /// 1-based line.
    pub line: usize,
    /// Where the file's `replace` lines point it: a versioned `replace` wins
    /// over a wildcard one, as in `cmd/go`.
    pub replaced_by: Option<Replacement>,
}

impl GoMod {
    /// The requirements as modules at versions, with their replacements; a
    /// version, path or replacement Go would refuse is an error naming its line.
    pub fn declared(&self) -> Result<Vec<Requirement>, ParseError> {
        let replaces = self
            .replaces
            .iter()
            .map(typed_replace)
            .collect::<Result<Vec<_>, _>>()?;
        self.requires
            .iter()
            .map(|r| {
                let module = typed_require(r)?;
                let to = |versioned: bool| {
                    replaces.iter().find(|(path, version, _)| {
                        *path == module.path
                            && match version {
                                Some(v) => versioned && *v == module.version,
                                None => !versioned,
                            }
                    })
                };
                let replaced_by = to(true).or_else(|| to(false)).map(|(_, _, to)| to.clone());
                Ok(Requirement {
                    module,
                    indirect: r.indirect,
                    line: r.line + 1,
                    replaced_by,
                })
            })
            .collect()
    }
}

fn typed_require(r: &Require) -> Result<Module, ParseError> {
    if !valid_module_path(&r.path) {
        return Err(ParseError::new(
            r.line + 1,
            format!(
                "expected `require MODULE VERSION`, found `{}`",
                format!("{} {}", r.path, r.version).escape_debug()
            ),
        ));
    }
    let version = Version::parse_module(&r.version).ok_or_else(|| {
        ParseError::new(
            r.line + 1,
            format!(
                "`{}` is not a module version for {} (expected vMAJOR.MINOR.PATCH)",
                r.version, r.path
            ),
        )
    })?;
    Ok(Module {
        path: r.path.clone(),
        version,
    })
}

/// `(path, version or every version, target)`.
fn typed_replace(r: &Replace) -> Result<(String, Option<Version>, Replacement), ParseError> {
    let bad = || {
        ParseError::new(
            r.line + 1,
            format!(
                "expected `replace MODULE [VERSION] => TARGET`, found `{}`",
                r.spec().escape_debug()
            ),
        )
    };
    let version = match &r.old_version {
        Some(v) => Some(Version::parse_module(v).ok_or_else(bad)?),
        None => None,
    };
    if !valid_module_path(&r.old) {
        return Err(bad());
    }
    let target: Vec<&str> = std::iter::once(r.new.as_str())
        .chain(r.new_version.as_deref())
        .collect();
    let to = Replacement::parse(&target).ok_or_else(bad)?;
    Ok((r.old.clone(), version, to))
}

fn parse_replace(texts: &[&str], line: usize) -> Option<Replace> {
    let arrow = texts.iter().position(|t| *t == "=>")?;
    let (old, new) = (&texts[..arrow], &texts[arrow + 1..]);
    let one = |s: &[&str]| -> Option<(String, Option<String>)> {
        match s {
            [p] => Some((p.to_string(), None)),
            [p, v] => Some((p.to_string(), Some(v.to_string()))),
            _ => None,
        }
    };
    let ((old, old_version), (new, new_version)) = (one(old)?, one(new)?);
    Some(Replace {
        old,
        old_version,
        new,
        new_version,
        line,
    })
}

impl Replace {
    /// The replace line's text without the directive word.
    pub fn spec(&self) -> String {
        let v = |v: &Option<String>| v.as_ref().map(|v| format!(" {v}")).unwrap_or_default();
        format!(
            "{}{} => {}{}",
            self.old,
            v(&self.old_version),
            self.new,
            v(&self.new_version)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::GoMod;

    const TEXT: &str = "module example.com/app\n\ngo 1.22\n\n// Direct dependencies.\nrequire (\n\texample.com/a v1.0.0\n\texample.com/c v1.2.0 // keep: pinned\n)\n\nrequire (\n\texample.com/x v0.1.0 // indirect\n\texample.com/z v0.3.0 // indirect\n)\n\nreplace example.com/old => ../old\n\nexclude example.com/bad v1.0.1\n\nretract [v1.0.0, v1.0.5] // broken\n";

    #[test]
    fn directives_are_read_by_module_path() {
        let m = GoMod::parse(TEXT).unwrap();
        assert_eq!(m.module.as_deref(), Some("example.com/app"));
        assert_eq!(m.go.as_ref().map(|g| g.0.as_str()), Some("1.22"));
        let r = m.require("example.com/x").unwrap();
        assert_eq!((r.version.as_str(), r.indirect), ("v0.1.0", true));
        assert!(!m.require("example.com/c").unwrap().indirect);
        assert_eq!(m.replaces[0].spec(), "example.com/old => ../old");
        assert_eq!(m.excludes[0].0, "example.com/bad");
        assert_eq!(m.retracts[0].0, "[v1.0.0, v1.0.5]");
        assert_eq!(m.text(), TEXT);
        assert!(GoMod::parse("module a\nrequire b\n").is_err());
        assert_eq!(GoMod::parse("module a\nbogus x\n").unwrap_err().line, 2);
    }

    /// Edits change only their line, comments kept; new requirements go to the
    /// block of their kind, in order.
    #[test]
    fn edits_keep_the_layout_and_comments() {
        let mut m = GoMod::parse(TEXT).unwrap();
        m.set_require("example.com/c", "v1.3.0", false);
        m.set_require("example.com/b", "v2.0.0", false);
        m.set_require("example.com/y", "v0.2.0", true);
        m.remove_require("example.com/z");
        m.set_require("example.com/x", "v0.1.1", false);
        let want = TEXT
            .replace(
                "\texample.com/c v1.2.0 // keep: pinned\n",
                "\texample.com/b v2.0.0\n\texample.com/c v1.3.0 // keep: pinned\n",
            )
            .replace(
                "\texample.com/x v0.1.0 // indirect\n\texample.com/z v0.3.0 // indirect\n",
                "\texample.com/x v0.1.1\n\texample.com/y v0.2.0 // indirect\n",
            );
        assert_eq!(m.text(), want);
        let mut bare = GoMod::parse("module a\n\ngo 1.16\n").unwrap();
        bare.set_require("example.com/a", "v1.0.0", false);
        assert_eq!(
            bare.text(),
            "module a\n\ngo 1.16\n\nrequire (\n\texample.com/a v1.0.0\n)\n"
        );
    }

    /// The typed reading dependency coverage uses.
    #[test]
    fn requires_and_replaces_as_modules() {
        use super::super::module::Replacement;
        let m = GoMod::parse(
            "module example.com/app\n\ngo 1.21\n\nrequire (\n\tgolang.org/x/text v0.3.2 // indirect\n\tgithub.com/a/b v1.0.0\n)\nrequire example.com/c v2.0.0+incompatible\nreplace github.com/a/b => ./third_party/b\nreplace example.com/c v2.0.0+incompatible => example.com/c v2.0.1+incompatible\n",
        )
        .unwrap();
        assert_eq!(m.module.as_deref(), Some("example.com/app"));
        let d = m.declared().unwrap();
        assert_eq!(d.len(), 3);
        assert!(d[0].indirect && !d[1].indirect);
        assert_eq!(d[1].line, 7);
        assert_eq!(
            d[1].replaced_by,
            Some(Replacement::Local {
                dir: "./third_party/b".into()
            })
        );
        assert_eq!(
            d[2].replaced_by.as_ref().unwrap().display(),
            "example.com/c v2.0.1+incompatible"
        );
        let e = GoMod::parse("module m\nrequire x.org/y 1.0\n")
            .unwrap()
            .declared()
            .unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("not a module version"), "{e}");
        let e = GoMod::parse("module m\nrequire a b c\n").unwrap_err();
        assert_eq!(
            e.message,
            "expected `require MODULE VERSION`, found `a b c`"
        );
    }
}
