//! Check results as JUnit XML, the format CI systems display: a suite per
//! release and check, a test case per package (or per failing test).

use crate::checks::go_output::PackageFailure;
use crate::checks::result::{CheckResult, CheckStatus};
use crate::checks::run::ReleaseChecks;
use std::fmt::Write;

/// The JUnit XML document for `releases`.
pub fn to_junit(releases: &[ReleaseChecks]) -> String {
    let mut suites = String::new();
    let (mut all_tests, mut all_failures) = (0, 0);
    for r in releases {
        for c in &r.checks {
            let suite = check_suite(&r.release, c);
            all_tests += suite.tests;
            all_failures += suite.failures;
            let _ = write!(
                suites,
                "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\" time=\"{:.3}\">\n{}  </testsuite>\n",
                xml(&format!("{}/{}", r.release, c.name)),
                suite.tests,
                suite.failures,
                suite.skipped,
                c.duration_ms as f64 / 1000.0,
                suite.cases,
            );
        }
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"longhaul check\" tests=\"{all_tests}\" failures=\"{all_failures}\">\n{suites}</testsuites>\n"
    )
}

/// One check's test cases, and their counts.
struct Suite {
    class: String,
    cases: String,
    tests: usize,
    failures: usize,
    skipped: usize,
}

impl Suite {
    /// Adds a test case called `name`, with `body` (XML lines) inside it.
    fn case(&mut self, name: &str, body: String, failed: bool, skip: bool) {
        self.tests += 1;
        self.failures += usize::from(failed);
        self.skipped += usize::from(skip);
        let _ = write!(
            self.cases,
            "    <testcase classname=\"{}\" name=\"{}\"",
            xml(&self.class),
            xml(name)
        );
        if body.is_empty() {
            self.cases.push_str("/>\n");
        } else {
            let _ = write!(self.cases, ">\n{body}    </testcase>\n");
        }
    }
}

/// The suite of check `c` on `release`: the skip, one case per failing test (or
/// package), per tolerated failure, and per other package (noting a flaky one).
fn check_suite(release: &str, c: &CheckResult) -> Suite {
    let mut suite = Suite {
        class: format!("{release}.{}", c.name),
        cases: String::new(),
        tests: 0,
        failures: 0,
        skipped: 0,
    };
    if c.status == CheckStatus::Skipped {
        let reason = c.reason.clone().unwrap_or_default();
        suite.case(
            &c.name,
            format!("      <skipped message=\"{}\"/>\n", xml(&reason)),
            false,
            true,
        );
    }
    let failing: Vec<&str> = c
        .failures
        .iter()
        .chain(&c.tolerated)
        .map(|f| f.package.as_str())
        .collect();
    for f in &c.failures {
        for n in failure_case_names(c, f) {
            let body = format!(
                "      <failure message=\"failed\">{}</failure>\n",
                xml(&f.message)
            );
            suite.case(&n, body, true, false);
        }
    }
    for f in &c.tolerated {
        let body = format!(
            "      <skipped message=\"tolerated by the release's list\"/>\n      <system-out>{}</system-out>\n",
            xml(&f.message)
        );
        suite.case(&f.package, body, false, true);
    }
    for p in c.packages.iter().filter(|p| !failing.contains(&p.as_str())) {
        let flaky = c.flaky.iter().any(|f| &f.package == p);
        let body = if flaky {
            "      <system-out>flaky: failed, then passed on a retry</system-out>\n".to_string()
        } else {
            String::new()
        };
        suite.case(p, body, false, false);
    }
    suite
}

/// The case names of one failure: `PACKAGE TEST` per failing test, else the
/// package (or the check, when no package is named).
fn failure_case_names(c: &CheckResult, f: &PackageFailure) -> Vec<String> {
    if f.tests.is_empty() {
        vec![if f.package.is_empty() {
            c.name.clone()
        } else {
            f.package.clone()
        }]
    } else {
        f.tests
            .iter()
            .map(|t| format!("{} {t}", f.package))
            .collect()
    }
}

/// Escape text for XML content and attributes; control characters that XML
/// 1.0 forbids are dropped.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' | '\t' | '\r' => out.push(c),
            c if (c as u32) < 0x20 => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes() {
        assert_eq!(super::xml("a<b & \"c\"\u{1}"), "a&lt;b &amp; &quot;c&quot;");
    }
}
