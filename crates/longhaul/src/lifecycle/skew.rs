//! The version skew policy as data (`data/version-skew.yml`, with its
//! source): how many minors each component may lag or lead kube-apiserver.

use crate::release::line::Minor;
use serde::{Deserialize, Serialize};

/// The built-in rules.
pub const BUILT_IN: &str = include_str!("../../data/version-skew.yml");

/// One rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rule {
    /// `kubelet`, `kube-controller-manager`, …
    pub component: String,
    /// Minors the component may be behind kube-apiserver.
    pub older: u32,
    /// Minors it may be ahead.
    pub newer: u32,
    /// Applies when kube-apiserver is at least this minor.
    pub control_plane_from: Option<Minor>,
    /// Applies when the component is at least this minor.
    pub component_from: Option<Minor>,
    /// A remark from the policy.
    pub note: Option<String>,
}

impl Rule {
    /// How the rule reads, for a plan: `kubelet may be up to 3 minors older
    /// than kube-apiserver (control plane 1.28+, kubelet 1.25+)`.
    pub fn describe(&self) -> String {
        let mut when = Vec::new();
        if let Some(c) = self.control_plane_from {
            when.push(format!("control plane {c}+"));
        }
        if let Some(c) = self.component_from {
            when.push(format!("{} {c}+", self.component));
        }
        format!(
            "{} may be up to {} minor{} older than kube-apiserver{}",
            self.component,
            self.older,
            if self.older == 1 { "" } else { "s" },
            if when.is_empty() {
                String::new()
            } else {
                format!(" ({})", when.join(", "))
            }
        )
    }
}

/// All rules, in file order.
#[derive(Debug, Clone)]
pub struct Skew {
    /// The rules.
    pub rules: Vec<Rule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    rules: Vec<RawRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    component: String,
    older: u32,
    newer: u32,
    control_plane_from: Option<String>,
    component_from: Option<String>,
    note: Option<String>,
}

impl Skew {
    /// The built-in policy.
    pub fn built_in() -> Skew {
        Skew::parse(BUILT_IN).expect("data/version-skew.yml is checked by the tests")
    }

    /// Parse rules in the built-in format.
    pub fn parse(text: &str) -> Result<Skew, String> {
        let raw: RawFile = serde_saphyr::from_str(text).map_err(|e| e.to_string())?;
        let minor = |s: Option<String>| -> Result<Option<Minor>, String> {
            s.map(|s| Minor::parse_line(&s).ok_or_else(|| format!("`{s}` is not a minor version")))
                .transpose()
        };
        let rules = raw
            .rules
            .into_iter()
            .map(|r| {
                Ok(Rule {
                    control_plane_from: minor(r.control_plane_from)?,
                    component_from: minor(r.component_from)?,
                    component: r.component,
                    older: r.older,
                    newer: r.newer,
                    note: r.note,
                })
            })
            .collect::<Result<_, String>>()?;
        Ok(Skew { rules })
    }

    /// The rule for `component` at `component_version` under a control plane
    /// at `control_plane`: the last one in the file whose conditions hold.
    pub fn rule(
        &self,
        component: &str,
        control_plane: Minor,
        component_version: Minor,
    ) -> Option<&Rule> {
        self.rules.iter().rev().find(|r| {
            r.component == component
                && r.control_plane_from.is_none_or(|m| control_plane >= m)
                && r.component_from.is_none_or(|m| component_version >= m)
        })
    }

    /// Whether `component` at `version` may run with kube-apiserver at
    /// `control_plane` (`false` for a component the policy does not name).
    pub fn allows(&self, component: &str, control_plane: Minor, version: Minor) -> bool {
        let Some(r) = self.rule(component, control_plane, version) else {
            return false;
        };
        if control_plane.major != version.major {
            return false;
        }
        let (cp, v) = (control_plane.minor, version.minor);
        if v >= cp {
            v - cp <= r.newer
        } else {
            cp - v <= r.older
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(minor: u32) -> Minor {
        Minor { major: 1, minor }
    }

    /// Every rule, on both sides of the 1.28 change.
    #[test]
    fn kubelet_skew_on_both_sides_of_1_28() {
        let s = Skew::built_in();
        // Before 1.28: two minors.
        assert!(s.allows("kubelet", m(27), m(25)));
        assert!(
            !s.allows("kubelet", m(27), m(24)),
            "three older before 1.28: refused"
        );
        assert!(s.allows("kubelet", m(20), m(18)));
        assert!(!s.allows("kubelet", m(21), m(18)));
        // From 1.28: three, for kubelets 1.25 or newer.
        assert!(s.allows("kubelet", m(28), m(25)));
        assert!(!s.allows("kubelet", m(28), m(24)), "four older: refused");
        assert!(s.allows("kubelet", m(29), m(26)));
        assert!(!s.allows("kubelet", m(29), m(25)));
        // Never newer than kube-apiserver.
        assert!(!s.allows("kubelet", m(28), m(29)));
        assert_eq!(s.rule("kubelet", m(28), m(25)).unwrap().older, 3);
        assert_eq!(s.rule("kubelet", m(27), m(25)).unwrap().older, 2);
        assert_eq!(s.rule("kubelet", m(28), m(24)).unwrap().older, 2);
        // kube-proxy follows the kubelet.
        assert!(s.allows("kube-proxy", m(28), m(25)));
        assert!(!s.allows("kube-proxy", m(27), m(24)));
    }

    #[test]
    fn control_plane_components_and_kubectl() {
        let s = Skew::built_in();
        for c in [
            "kube-controller-manager",
            "kube-scheduler",
            "cloud-controller-manager",
        ] {
            assert!(s.allows(c, m(20), m(19)), "{c}");
            assert!(!s.allows(c, m(20), m(18)), "{c}");
            assert!(!s.allows(c, m(20), m(21)), "{c}: never newer");
        }
        assert!(
            s.allows("kube-apiserver", m(20), m(21)),
            "HA: one minor apart"
        );
        assert!(!s.allows("kube-apiserver", m(20), m(22)));
        assert!(s.allows("kubectl", m(20), m(21)) && s.allows("kubectl", m(20), m(19)));
        assert!(!s.allows("kubectl", m(20), m(22)) && !s.allows("kubectl", m(20), m(18)));
        assert!(!s.allows("etcd", m(20), m(20)), "not in the policy");
        assert_eq!(
            s.rule("kubelet", m(28), m(26)).unwrap().describe(),
            "kubelet may be up to 3 minors older than kube-apiserver (control plane 1.28+, kubelet 1.25+)"
        );
    }
}
