//! The requirements and replacements a `go.mod` declares. Without a vendor
//! folder they are what the tree says about its dependencies, but not the
//! build list: that needs the whole module graph (minimal version selection
//! can pick higher versions than the ones declared here).

use super::module::{Module, Replacement, is_module_path};
use super::version::Version;

/// One `require` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    /// The module and the version required.
    pub module: Module,
    /// Marked `// indirect`.
    pub indirect: bool,
    /// 1-based line.
    pub line: usize,
}

/// One `replace` line: `old [version] => new`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replace {
    /// The replaced path.
    pub path: String,
    /// The replaced version, or `None` for every version.
    pub version: Option<Version>,
    /// The target.
    pub to: Replacement,
}

/// What a `go.mod` declares.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GoMod {
    /// `module`.
    pub module: Option<String>,
    /// `require` lines, in order.
    pub requires: Vec<Requirement>,
    /// `replace` lines, in order.
    pub replaces: Vec<Replace>,
}

/// A `go.mod` line that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct ParseError {
    /// 1-based line.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl GoMod {
    /// Parse `require`, `replace` and `module` (single lines and blocks);
    /// other directives are skipped.
    pub fn parse(text: &str) -> Result<GoMod, ParseError> {
        let mut out = GoMod::default();
        let mut block: Option<String> = None;
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let (code, comment) = match raw.split_once("//") {
                Some((c, m)) => (c.trim(), m.trim()),
                None => (raw.trim(), ""),
            };
            if code.is_empty() {
                continue;
            }
            let (verb, rest) = match &block {
                Some(_) if code == ")" => {
                    block = None;
                    continue;
                }
                Some(verb) => (verb.clone(), code),
                None => match code.split_once(char::is_whitespace) {
                    Some((v, r)) if r.trim() == "(" => {
                        block = Some(v.to_string());
                        continue;
                    }
                    Some((v, r)) => (v.to_string(), r.trim()),
                    None => continue,
                },
            };
            let fields: Vec<&str> = rest.split_whitespace().map(unquote).collect();
            let err = |message: String| ParseError { line, message };
            match verb.as_str() {
                "module" => out.module = fields.first().map(|s| s.to_string()),
                "require" => out.requires.push(Requirement {
                    module: requirement(&fields).map_err(err)?,
                    indirect: comment.split(';').any(|c| c.trim() == "indirect"),
                    line,
                }),
                "replace" => out.replaces.push(replace(&fields).map_err(err)?),
                _ => {}
            }
        }
        Ok(out)
    }

    /// The replacement that applies to `module`: a versioned `replace` wins
    /// over a wildcard one, as in `cmd/go`.
    pub fn replacement(&self, module: &Module) -> Option<&Replacement> {
        let exact = self
            .replaces
            .iter()
            .find(|r| r.path == module.path && r.version.as_ref() == Some(&module.version));
        exact
            .or_else(|| {
                self.replaces
                    .iter()
                    .find(|r| r.path == module.path && r.version.is_none())
            })
            .map(|r| &r.to)
    }
}

fn unquote(s: &str) -> &str {
    s.trim_matches('"')
}

fn requirement(fields: &[&str]) -> Result<Module, String> {
    match fields {
        [path, version] if is_module_path(path) => Ok(Module {
            path: path.to_string(),
            version: Version::parse_module(version).ok_or_else(|| {
                format!(
                    "`{version}` is not a module version for {path} (expected vMAJOR.MINOR.PATCH)"
                )
            })?,
        }),
        _ => Err(format!(
            "expected `require MODULE VERSION`, found `{}`",
            fields.join(" ").escape_debug()
        )),
    }
}

fn replace(fields: &[&str]) -> Result<Replace, String> {
    let arrow = fields.iter().position(|f| *f == "=>");
    let bad = || {
        format!(
            "expected `replace MODULE [VERSION] => TARGET`, found `{}`",
            fields.join(" ").escape_debug()
        )
    };
    let arrow = arrow.ok_or_else(bad)?;
    let (old, new) = (&fields[..arrow], &fields[arrow + 1..]);
    let (path, version) = match old {
        [p] => (*p, None),
        [p, v] => (*p, Some(Version::parse_module(v).ok_or_else(bad)?)),
        _ => return Err(bad()),
    };
    if !is_module_path(path) {
        return Err(bad());
    }
    Ok(Replace {
        path: path.to_string(),
        version,
        to: Replacement::parse(new).ok_or_else(bad)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requires_and_replaces() {
        let m = GoMod::parse(
            "module example.com/app\n\ngo 1.21\n\nrequire (\n\tgolang.org/x/text v0.3.2 // indirect\n\tgithub.com/a/b v1.0.0\n)\nrequire example.com/c v2.0.0+incompatible\nreplace github.com/a/b => ./third_party/b\nreplace example.com/c v2.0.0+incompatible => example.com/c v2.0.1+incompatible\n",
        )
        .unwrap();
        assert_eq!(m.module.as_deref(), Some("example.com/app"));
        assert_eq!(m.requires.len(), 3);
        assert!(m.requires[0].indirect && !m.requires[1].indirect);
        assert_eq!(m.requires[1].line, 7);
        assert_eq!(
            m.replacement(&m.requires[1].module),
            Some(&Replacement::Local {
                dir: "./third_party/b".into()
            })
        );
        assert_eq!(
            m.replacement(&m.requires[2].module).unwrap().display(),
            "example.com/c v2.0.1+incompatible"
        );
        let e = GoMod::parse("module m\nrequire x.org/y 1.0\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("not a module version"), "{e}");
    }
}
