//! The checks a release runs: the manifest's `checks:` map, validated, or the
//! default single `typecheck` check.
//!
//! ```yaml
//! checks:                                   # longhaul (optional)
//!   typecheck:
//!     run: go build {packages}
//!   unit:
//!     run: go test -count=1 {packages}
//!     parser: go-test                       # go-test | go-build | exit-code
//!     retries: 2                            # a failure is run again, up to twice
//!     tolerated: test_failures_tolerated    # or test_integration_failures_tolerated
//!     packages: tested                      # affected | tested (affected + test importers)
//!     setup: make generated_files           # run once in the release's folder first
//! ```

use crate::checks::go_output::Parser;
use crate::error::{Error, Result};
use crate::release::manifest::{CheckEntry, Manifest};
use serde::Serialize;

/// The placeholders a `run:` line may use.
pub const PLACEHOLDERS: &[(&str, &str)] = &[
    (
        "{packages}",
        "the packages to check (import paths; `./...` with --scope all)",
    ),
    ("{release}", "the release's name"),
];

/// Which tolerated list of the release (inherited along its chain) applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tolerated {
    /// `test_failures_tolerated`.
    TestFailuresTolerated,
    /// `test_integration_failures_tolerated`.
    TestIntegrationFailuresTolerated,
}

/// Which packages `{packages}` names under `--scope affected`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PackageSet {
    /// The affected packages (what must compile).
    Affected,
    /// The affected packages and those whose tests import them (what must be tested).
    Tested,
}

/// One check, ready to run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckSpec {
    /// Its name.
    pub name: String,
    /// The command line as written, with placeholders.
    pub run: String,
    /// The command's words, placeholders not yet expanded.
    #[serde(skip)]
    pub words: Vec<String>,
    /// How its output is read.
    pub parser: Parser,
    /// How many times a failure is run again.
    pub retries: u32,
    /// The tolerated list that applies, if any.
    pub tolerated: Option<Tolerated>,
    /// What `{packages}` names.
    pub packages: PackageSet,
    /// A command run once in the release's folder before the check.
    pub setup: Option<String>,
    /// Its words.
    #[serde(skip)]
    pub setup_words: Vec<String>,
    /// The manifest line (0 for the default check).
    #[serde(skip)]
    pub line: usize,
}

impl CheckSpec {
    /// The check used when the manifest has no `checks:`: build the affected
    /// packages.
    pub fn default_typecheck() -> CheckSpec {
        CheckSpec {
            name: "typecheck".into(),
            run: "go build {packages}".into(),
            words: vec!["go".into(), "build".into(), "{packages}".into()],
            parser: Parser::GoBuild,
            retries: 0,
            tolerated: None,
            packages: PackageSet::Affected,
            setup: None,
            setup_words: Vec::new(),
            line: 0,
        }
    }

    /// The setup command's words with `release` filled in.
    pub fn setup_command(&self, release: &str) -> Vec<String> {
        self.setup_words
            .iter()
            .map(|w| w.replace("{release}", release))
            .collect()
    }

    /// The command's words with `packages` and `release` filled in.
    pub fn command(&self, packages: &[String], release: &str) -> Vec<String> {
        let mut out = Vec::new();
        for w in &self.words {
            if w == "{packages}" {
                out.extend(packages.iter().cloned());
            } else {
                out.push(w.replace("{release}", release));
            }
        }
        out
    }
}

/// The checks of `manifest`, in file order, or the default `typecheck`. Bad
/// entries are errors naming the file and line.
pub fn checks(manifest: &Manifest) -> Result<Vec<CheckSpec>> {
    match &manifest.checks {
        None => Ok(vec![CheckSpec::default_typecheck()]),
        Some(entries) => {
            let mut out: Vec<CheckSpec> = entries
                .iter()
                .map(|e| spec(manifest, e))
                .collect::<Result<_>>()?;
            out.sort_by_key(|c| c.line);
            if out.is_empty() {
                return Err(Error::Manifest {
                    file: manifest.path.clone(),
                    line: 1,
                    message:
                        "`checks:` is empty: remove it for the default typecheck, or name a check"
                            .into(),
                });
            }
            Ok(out)
        }
    }
}

/// The check `backport --typecheck` runs: the manifest's `typecheck`, or the
/// default one.
pub fn typecheck(manifest: &Manifest) -> Result<CheckSpec> {
    Ok(checks(manifest)?
        .into_iter()
        .find(|c| c.name == "typecheck")
        .unwrap_or_else(CheckSpec::default_typecheck))
}

/// The checks called `names`, or an error listing the ones there are.
pub fn select(
    all: Vec<CheckSpec>,
    names: &[String],
    manifest: &Manifest,
) -> Result<Vec<CheckSpec>> {
    if names.is_empty() {
        return Ok(all);
    }
    for n in names {
        if !all.iter().any(|c| &c.name == n) {
            return Err(Error::Input(format!(
                "{}: no check named `{n}` (the checks are: {})",
                manifest.path.display(),
                all.iter()
                    .map(|c| c.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    }
    Ok(all
        .into_iter()
        .filter(|c| names.contains(&c.name))
        .collect())
}

/// An error of one check entry: its line, and what is wrong there.
type EntryError = (usize, String);

fn spec(manifest: &Manifest, e: &CheckEntry) -> Result<CheckSpec> {
    let err = |(line, message): EntryError| Error::Manifest {
        file: manifest.path.clone(),
        line,
        message: format!("check `{}`: {message}", e.name),
    };
    let words = run_words(e).map_err(err)?;
    let setup_words = setup_words(e).map_err(err)?;
    let parser = parser(e, &words).map_err(err)?;
    let tolerated = tolerated(e).map_err(err)?;
    let packages = package_set(e, parser).map_err(err)?;
    Ok(CheckSpec {
        name: e.name.clone(),
        run: e.run.value.clone(),
        words,
        parser,
        retries: e.retries.unwrap_or(0),
        tolerated,
        packages,
        setup: e.setup.as_ref().map(|s| s.value.clone()),
        setup_words,
        line: e.run.line,
    })
}

/// The words of `run:`: not empty, with known placeholders only.
fn run_words(e: &CheckEntry) -> std::result::Result<Vec<String>, EntryError> {
    let at = |m: String| (e.run.line, m);
    let words = split_words(&e.run.value).map_err(at)?;
    if words.is_empty() {
        return Err(at(
            "`run:` is empty (expected a command such as `go build {packages}`)".into(),
        ));
    }
    check_placeholders(&words, true).map_err(at)?;
    Ok(words)
}

/// The words of `setup:` (none without one): not empty, and no `{packages}`.
fn setup_words(e: &CheckEntry) -> std::result::Result<Vec<String>, EntryError> {
    let Some(setup) = &e.setup else {
        return Ok(Vec::new());
    };
    let w = split_words(&setup.value).map_err(|m| (setup.line, m))?;
    if w.is_empty() {
        return Err((setup.line, "`setup:` is empty".into()));
    }
    check_placeholders(&w, false).map_err(|m| (setup.line, format!("setup: {m}")))?;
    Ok(w)
}

/// The parser `parser:` names, else the one the command implies (`go test`,
/// `go build`/`go vet`, or only the exit code).
fn parser(e: &CheckEntry, words: &[String]) -> std::result::Result<Parser, EntryError> {
    let is_go = |sub: &str| {
        words
            .first()
            .is_some_and(|w| w == "go" || w.ends_with("/go"))
            && words.get(1).is_some_and(|w| w == sub)
    };
    Ok(match &e.parser {
        Some(p) => Parser::named(&p.value).ok_or_else(|| {
            (
                p.line,
                format!(
                    "unknown parser `{}` (expected one of {})",
                    p.value,
                    Parser::ALL
                        .iter()
                        .map(|(n, _)| *n)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })?,
        None if is_go("test") => Parser::GoTest,
        None if is_go("build") || is_go("vet") => Parser::GoBuild,
        None => Parser::ExitCode,
    })
}

/// The tolerated list `tolerated:` names, if any.
fn tolerated(e: &CheckEntry) -> std::result::Result<Option<Tolerated>, EntryError> {
    let Some(t) = &e.tolerated else {
        return Ok(None);
    };
    match t.value.as_str() {
        "test_failures_tolerated" => Ok(Some(Tolerated::TestFailuresTolerated)),
        "test_integration_failures_tolerated" => {
            Ok(Some(Tolerated::TestIntegrationFailuresTolerated))
        }
        other => Err((
            t.line,
            format!(
                "`tolerated: {other}`: expected test_failures_tolerated or test_integration_failures_tolerated"
            ),
        )),
    }
}

/// The packages `packages:` names; by default the tested ones for `go test`, else
/// the affected ones.
fn package_set(e: &CheckEntry, parser: Parser) -> std::result::Result<PackageSet, EntryError> {
    match &e.packages {
        None if parser == Parser::GoTest => Ok(PackageSet::Tested),
        None => Ok(PackageSet::Affected),
        Some(p) => match p.value.as_str() {
            "affected" => Ok(PackageSet::Affected),
            "tested" => Ok(PackageSet::Tested),
            other => Err((
                p.line,
                format!("`packages: {other}`: expected affected or tested"),
            )),
        },
    }
}

/// Every `{…}` in `words` must be a known placeholder; `{packages}` only when
/// `packages_allowed`, and only as a word of its own.
fn check_placeholders(words: &[String], packages_allowed: bool) -> std::result::Result<(), String> {
    for w in words {
        let mut rest = w.as_str();
        while let Some(start) = rest.find('{') {
            let end = rest[start..]
                .find('}')
                .map(|i| start + i + 1)
                .ok_or_else(|| format!("unclosed `{{` in `{w}`"))?;
            let placeholder = &rest[start..end];
            if !PLACEHOLDERS.iter().any(|(p, _)| *p == placeholder) {
                return Err(format!(
                    "unknown placeholder `{placeholder}` (expected one of {})",
                    PLACEHOLDERS
                        .iter()
                        .map(|(p, _)| *p)
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            if placeholder == "{packages}" && !packages_allowed {
                return Err("`{packages}` has no meaning here".into());
            }
            if placeholder == "{packages}" && w != "{packages}" {
                return Err(format!(
                    "`{{packages}}` must be a word of its own (it stands for many), not part of `{w}`"
                ));
            }
            rest = &rest[end..];
        }
    }
    Ok(())
}

/// Split a command line into words: whitespace separates, single and double
/// quotes group (no shell: no variables, globs or pipes).
fn split_words(line: &str) -> std::result::Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if quote.is_some() {
        return Err(format!("unclosed quote in `{line}`"));
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn manifest(checks: &str) -> Result<Vec<CheckSpec>> {
        let text = format!("releases: []\nchecks:\n{checks}");
        checks_of(&Manifest::parse(&text, Path::new("releases.yml"))?)
    }

    fn checks_of(m: &Manifest) -> Result<Vec<CheckSpec>> {
        super::checks(m)
    }

    #[test]
    fn defaults_follow_the_command() {
        let c = manifest("  unit:\n    run: go test -count=1 {packages}\n  vet:\n    run: \"go vet {packages}\"\n").unwrap();
        assert_eq!(c[0].name, "unit");
        assert_eq!(
            (c[0].parser, c[0].packages),
            (Parser::GoTest, PackageSet::Tested)
        );
        assert_eq!(
            (c[1].parser, c[1].packages),
            (Parser::GoBuild, PackageSet::Affected)
        );
        assert_eq!(
            c[0].command(&["a".into(), "b".into()], "r"),
            ["go", "test", "-count=1", "a", "b"]
        );
        let none = Manifest::parse("releases: []\n", Path::new("releases.yml")).unwrap();
        assert_eq!(checks_of(&none).unwrap(), [CheckSpec::default_typecheck()]);
    }

    #[test]
    fn bad_entries_name_the_line() {
        let e = manifest("  unit:\n    run: go test {pkgs}\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("releases.yml:4") && e.contains("unknown placeholder `{pkgs}`"),
            "{e}"
        );
        let e = manifest("  unit:\n    run: go test -run={packages}\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("word of its own"), "{e}");
        let e = manifest("  unit:\n    run: go test\n    parser: junit\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(":5") && e.contains("unknown parser `junit`"),
            "{e}"
        );
        let e = manifest("  unit:\n    run: go test\n    tolerated: flakes\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("tolerated: flakes"), "{e}");
        let e = manifest("  unit:\n    run: go test\n    retry: 2\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("retry"), "{e}");
        let e = manifest("  unit:\n    run: go test\n    setup: gen {packages}\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(":5") && e.contains("setup: `{packages}` has no meaning here"),
            "{e}"
        );
        let e = manifest("  unit:\n    run: \"go test 'x\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("unclosed quote"), "{e}");
    }
}
