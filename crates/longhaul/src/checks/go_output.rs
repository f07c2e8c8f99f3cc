//! Reading what `go build`, `go vet` and `go test` print: which packages
//! failed, which tests failed in them, and the compiler's messages.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How a check's output is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Parser {
    /// `go test` output, plain or `-json`: `ok`/`FAIL` package lines,
    /// `--- FAIL: Test` lines, build failures.
    GoTest,
    /// `go build`/`go vet` output: `# package` headers and `file:line:col:` messages.
    GoBuild,
    /// Only the exit code counts.
    ExitCode,
}

impl Parser {
    /// Every parser, by its manifest name.
    pub const ALL: &[(&str, Parser)] = &[
        ("go-test", Parser::GoTest),
        ("go-build", Parser::GoBuild),
        ("exit-code", Parser::ExitCode),
    ];

    /// The parser called `name` in the manifest.
    pub fn named(name: &str) -> Option<Parser> {
        Self::ALL.iter().find(|(n, _)| *n == name).map(|(_, p)| *p)
    }
}

/// One failing package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageFailure {
    /// The package's import path as the output names it.
    pub package: String,
    /// The failing tests (empty for a build failure or a package-level failure).
    pub tests: Vec<String>,
    /// The first lines of what went wrong (compiler messages, test output).
    pub message: String,
}

/// What one run of a check printed, read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    /// Packages that failed, in the order first seen.
    pub failures: Vec<PackageFailure>,
    /// Packages that passed (`ok` lines), for reports.
    pub passed: Vec<String>,
}

/// At most this many message lines are kept per package.
const MESSAGE_LINES: usize = 12;

/// Read `output` (stdout and stderr together) with `parser`.
pub fn parse(parser: Parser, output: &str) -> Parsed {
    match parser {
        Parser::GoTest => parse_go_test(output),
        Parser::GoBuild => parse_go_build(output),
        Parser::ExitCode => Parsed::default(),
    }
}

#[derive(Default)]
struct Pending {
    tests: Vec<String>,
    lines: Vec<String>,
    failed: bool,
}

fn push_line(lines: &mut Vec<String>, line: &str) {
    if lines.len() < MESSAGE_LINES && !line.trim().is_empty() {
        lines.push(line.trim_end().to_string());
    }
}

/// `go test` output, plain or `go test -json` (whose build errors still come
/// as plain lines).
fn parse_go_test(output: &str) -> Parsed {
    let mut reader = GoTestReader {
        seen: Seen::default(),
        passed: Vec::new(),
        loose: Pending::default(),
        state: State::Loose,
    };
    for line in output.lines() {
        if line.starts_with('{')
            && let Ok(event) = serde_json::from_str::<serde_json::Value>(line)
        {
            reader.json_event(&event);
        } else {
            reader.plain_line(line);
        }
    }
    reader.seen.finish(reader.passed)
}

/// What a plain line that names no package belongs to.
enum State {
    /// Between packages: the line waits in `loose` until a `FAIL pkg` line names
    /// its package (plain test output comes before the package's FAIL line).
    Loose,
    /// After a `# pkg` header: build errors, which are that package's.
    BuildErrors(String),
}

/// A plain `go test` line, by what it says.
enum PlainLine<'a> {
    /// `# pkg`: the build errors of `pkg` follow.
    BuildHeader(String),
    /// `--- FAIL: TestName`: a test failed (its package is named later).
    TestFailed(&'a str),
    /// `ok  pkg`: a package passed.
    PackagePassed(Option<&'a str>),
    /// `FAIL pkg …`: a package failed; the rest of the line.
    PackageFailed(&'a str),
    /// `FAIL`, `PASS`, `=== RUN`, `?  pkg [no test files]`: nothing to keep.
    Noise,
    /// Anything else: a message.
    Message,
}

impl<'a> PlainLine<'a> {
    fn of(line: &'a str) -> PlainLine<'a> {
        if let Some(name) = header_package(line) {
            PlainLine::BuildHeader(name)
        } else if let Some(rest) = line.trim_start().strip_prefix("--- FAIL: ") {
            PlainLine::TestFailed(rest.split_whitespace().next().unwrap_or_default())
        } else if let Some(rest) = line.strip_prefix("ok ") {
            PlainLine::PackagePassed(rest.split_whitespace().next())
        } else if let Some(rest) = line
            .strip_prefix("FAIL\t")
            .or_else(|| line.strip_prefix("FAIL "))
        {
            PlainLine::PackageFailed(rest)
        } else if line == "FAIL"
            || line == "PASS"
            || line.starts_with("=== ")
            || line.starts_with("?  ")
        {
            PlainLine::Noise
        } else {
            PlainLine::Message
        }
    }
}

/// The `go test` reader: the packages seen so far, and its [`State`].
struct GoTestReader {
    seen: Seen,
    passed: Vec<String>,
    /// Plain test lines not yet attributed to a package.
    loose: Pending,
    state: State,
}

impl GoTestReader {
    /// One `go test -json` event.
    fn json_event(&mut self, event: &serde_json::Value) {
        let package = event["Package"].as_str().unwrap_or_default();
        let test = event["Test"].as_str();
        match (event["Action"].as_str(), test) {
            (Some("fail"), Some(test)) => {
                let p = self.seen.entry(package);
                p.failed = true;
                // A subtest's failure fails its parent too: keep the leaf.
                p.tests.retain(|t| !test.starts_with(&format!("{t}/")));
                if !p.tests.iter().any(|t| t.starts_with(&format!("{test}/"))) {
                    p.tests.push(test.to_string());
                }
            }
            (Some("fail"), None) => {
                self.seen.entry(package).failed = true;
            }
            (Some("pass"), None) => self.passed.push(package.to_string()),
            (Some("output"), _) => {
                let text = event["Output"].as_str().unwrap_or_default();
                let keep = text.contains("FAIL")
                    || text.starts_with("    ")
                    || text.contains(".go:")
                    || text.starts_with("panic:");
                if keep && !text.starts_with("=== ") && !text.starts_with("FAIL\t") {
                    push_line(&mut self.seen.entry(package).lines, text);
                }
            }
            _ => {}
        }
    }

    /// One plain line (plain `go test`, or build errors in `-json` output).
    fn plain_line(&mut self, line: &str) {
        match PlainLine::of(line) {
            PlainLine::BuildHeader(name) => {
                self.seen.entry(&name);
                self.state = State::BuildErrors(name);
            }
            PlainLine::TestFailed(test) => {
                self.loose
                    .tests
                    .retain(|t| !test.starts_with(&format!("{t}/")));
                self.loose.tests.push(test.to_string());
            }
            PlainLine::PackagePassed(name) => {
                if let Some(name) = name {
                    self.passed.push(name.to_string());
                }
                self.loose = Pending::default();
            }
            PlainLine::PackageFailed(rest) => self.package_failed(rest),
            PlainLine::Noise => {}
            PlainLine::Message => self.message(line),
        }
    }

    /// `FAIL pkg …`: the loose tests and lines are `pkg`'s (none of its tests when
    /// it did not build); back to [`State::Loose`].
    fn package_failed(&mut self, rest: &str) {
        let name = rest
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_string();
        let p = self.seen.entry(&name);
        p.failed = true;
        for t in std::mem::take(&mut self.loose.tests) {
            if !p.tests.contains(&t) {
                p.tests.push(t);
            }
        }
        for l in std::mem::take(&mut self.loose.lines) {
            push_line(&mut p.lines, &l);
        }
        if rest.contains("[build failed]") || rest.contains("[setup failed]") {
            p.tests.clear();
        }
        self.state = State::Loose;
    }

    /// A message line: a build error of the package in [`State::BuildErrors`] when
    /// it looks like one, else a loose line.
    fn message(&mut self, line: &str) {
        match &self.state {
            State::BuildErrors(name)
                if line.starts_with(|c: char| {
                    c == '.' || c == '/' || c.is_alphanumeric() || c == '\t' || c == ' '
                }) =>
            {
                let p = self.seen.entry(name);
                p.failed = true;
                push_line(&mut p.lines, line);
            }
            _ => push_line(&mut self.loose.lines, line),
        }
    }
}

/// `go build` / `go vet` output: `# pkg` then its messages.
fn parse_go_build(output: &str) -> Parsed {
    let mut seen = Seen::default();
    let mut current: Option<String> = None;
    for line in output.lines() {
        if let Some(name) = header_package(line) {
            seen.entry(&name).failed = true;
            current = Some(name);
        } else if let Some(name) = &current {
            push_line(&mut seen.entry(name).lines, line);
        } else if line.contains(".go:")
            || line.contains("cannot find package")
            || line.starts_with("package ")
        {
            // A message before any `# pkg` header (a missing import): no package to name.
            let p = seen.entry("");
            p.failed = true;
            push_line(&mut p.lines, line);
        }
    }
    seen.finish(Vec::new())
}

/// The packages the output names, in the order first named.
#[derive(Default)]
struct Seen {
    order: Vec<String>,
    packages: BTreeMap<String, Pending>,
}

impl Seen {
    /// The package called `name`, recorded the first time it is named.
    fn entry(&mut self, name: &str) -> &mut Pending {
        if !self.packages.contains_key(name) {
            self.order.push(name.to_string());
        }
        self.packages.entry(name.to_string()).or_default()
    }

    /// The failed packages, in order, and `passed`.
    fn finish(mut self, passed: Vec<String>) -> Parsed {
        let failures = self
            .order
            .into_iter()
            .filter_map(|name| {
                let p = self.packages.remove(&name)?;
                p.failed.then(|| PackageFailure {
                    package: name,
                    tests: p.tests,
                    message: p.lines.join("\n"),
                })
            })
            .collect();
        Parsed { failures, passed }
    }
}

/// The package a `# pkg` (or `# pkg [pkg.test]`) header names.
fn header_package(line: &str) -> Option<String> {
    let rest = line.strip_prefix("# ")?;
    Some(
        rest.split_whitespace()
            .next()
            .unwrap_or_default()
            .to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_go_test_output() {
        let out = "--- FAIL: TestA (0.00s)\n    a_test.go:9: boom\n--- FAIL: TestB (0.00s)\n    --- FAIL: TestB/sub (0.00s)\nFAIL\nFAIL\tex/a\t0.004s\nok  \tex/b\t0.002s\n?   \tex/c\t[no test files]\n# ex/d\nd/d.go:3:2: undefined: x\nFAIL\tex/d [build failed]\nFAIL\n";
        let p = parse(Parser::GoTest, out);
        assert_eq!(p.passed, ["ex/b"]);
        assert_eq!(p.failures.len(), 2);
        assert_eq!(p.failures[0].package, "ex/a");
        assert_eq!(p.failures[0].tests, ["TestA", "TestB/sub"]);
        assert!(p.failures[0].message.contains("a_test.go:9: boom"));
        assert_eq!(p.failures[1].package, "ex/d");
        assert!(p.failures[1].tests.is_empty());
        assert!(p.failures[1].message.contains("undefined: x"));
    }

    #[test]
    fn go_test_json_output() {
        let out = r#"{"Action":"run","Package":"ex/a","Test":"TestA"}
{"Action":"output","Package":"ex/a","Test":"TestA","Output":"    a_test.go:9: boom\n"}
{"Action":"fail","Package":"ex/a","Test":"TestA","Elapsed":0}
{"Action":"fail","Package":"ex/a","Elapsed":0}
{"Action":"pass","Package":"ex/b","Elapsed":0}
# ex/d
d/d.go:3:2: undefined: x
{"Action":"fail","Package":"ex/d","Elapsed":0}
"#;
        let p = parse(Parser::GoTest, out);
        assert_eq!(p.passed, ["ex/b"]);
        assert_eq!(p.failures[0].tests, ["TestA"]);
        assert!(p.failures[0].message.contains("boom"));
        assert_eq!(p.failures[1].package, "ex/d");
        assert!(
            p.failures[1].message.contains("undefined: x"),
            "{:?}",
            p.failures[1]
        );
    }

    #[test]
    fn go_build_output() {
        let out = "# ex/a\na/a.go:3:2: undefined: x\na/a.go:4:2: y declared but not used\n# ex/b\nb/b.go:1:1: syntax error\n";
        let p = parse(Parser::GoBuild, out);
        assert_eq!(
            p.failures
                .iter()
                .map(|f| f.package.as_str())
                .collect::<Vec<_>>(),
            ["ex/a", "ex/b"]
        );
        assert!(p.failures[0].message.contains("declared but not used"));
    }
}
