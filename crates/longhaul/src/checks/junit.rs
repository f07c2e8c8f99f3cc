//! Check results as JUnit XML, the format CI systems display: a suite per
//! release and check, a test case per package (or per failing test).

use crate::checks::run::{CheckStatus, ReleaseChecks};
use std::fmt::Write;

/// The JUnit XML document for `releases`.
pub fn to_junit(releases: &[ReleaseChecks]) -> String {
    let mut suites = String::new();
    let (mut all_tests, mut all_failures) = (0, 0);
    for r in releases {
        for c in &r.checks {
            let mut cases = String::new();
            let (mut tests, mut failures, mut skipped) = (0, 0, 0);
            let class = format!("{}.{}", r.release, c.name);
            let mut case = |name: &str, body: String, failed: bool, skip: bool| {
                tests += 1;
                failures += usize::from(failed);
                skipped += usize::from(skip);
                let _ = write!(
                    cases,
                    "    <testcase classname=\"{}\" name=\"{}\"",
                    xml(&class),
                    xml(name)
                );
                if body.is_empty() {
                    cases.push_str("/>\n");
                } else {
                    let _ = write!(cases, ">\n{body}    </testcase>\n");
                }
            };
            if c.status == CheckStatus::Skipped {
                let reason = c.reason.clone().unwrap_or_default();
                case(
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
                let names: Vec<String> = if f.tests.is_empty() {
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
                };
                for n in names {
                    let body = format!(
                        "      <failure message=\"failed\">{}</failure>\n",
                        xml(&f.message)
                    );
                    case(&n, body, true, false);
                }
            }
            for f in &c.tolerated {
                let body = format!(
                    "      <skipped message=\"tolerated by the release's list\"/>\n      <system-out>{}</system-out>\n",
                    xml(&f.message)
                );
                case(&f.package, body, false, true);
            }
            for p in c.packages.iter().filter(|p| !failing.contains(&p.as_str())) {
                let flaky = c.flaky.iter().any(|f| &f.package == p);
                let body = if flaky {
                    "      <system-out>flaky: failed, then passed on a retry</system-out>\n"
                        .to_string()
                } else {
                    String::new()
                };
                case(p, body, false, false);
            }
            all_tests += tests;
            all_failures += failures;
            let _ = write!(
                suites,
                "  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\" time=\"{:.3}\">\n{cases}  </testsuite>\n",
                xml(&format!("{}/{}", r.release, c.name)),
                c.duration_ms as f64 / 1000.0,
            );
        }
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"longhaul check\" tests=\"{all_tests}\" failures=\"{all_failures}\">\n{suites}</testsuites>\n"
    )
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
