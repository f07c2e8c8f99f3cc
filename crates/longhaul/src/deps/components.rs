//! Components a Kubernetes release deploys without building them: kubeadm's
//! default etcd, CoreDNS and pause images (`cmd/kubeadm/app/constants`).
//! Their code is not in the tree, so their findings can only be `unknown`;
//! they are matched as Go modules at the deployed version.

use crate::gomod::version::Version;
use serde::Serialize;

/// Where kubeadm keeps the versions it deploys.
pub const KUBEADM_CONSTANTS: &str = "cmd/kubeadm/app/constants/constants.go";

/// A deployed component.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Component {
    /// `etcd`, `coredns`, `pause`.
    pub name: String,
    /// The version as kubeadm writes it (`3.4.13-0`: the image tag).
    pub tag: String,
    /// The release version of the component (`v3.4.13`), when the tag is one.
    pub version: Option<Version>,
    /// The Go modules whose vulnerability records describe it, matched at
    /// `version` (none for pause, which is not a Go program).
    pub modules: Vec<String>,
    /// What cannot be matched, if anything.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The file and line that name it.
    pub source: String,
}

/// The Go modules of etcd's releases from 3.5 on, and of 3.4 (`go.etcd.io/etcd/v3`).
const ETCD_MODULES: &[&str] = &[
    "go.etcd.io/etcd/v3",
    "go.etcd.io/etcd/server/v3",
    "go.etcd.io/etcd/client/v3",
    "go.etcd.io/etcd/client/pkg/v3",
    "go.etcd.io/etcd/api/v3",
    "go.etcd.io/etcd/pkg/v3",
];

/// Read the deployed components from the text of kubeadm's constants file.
pub fn kubeadm(constants: &str) -> Vec<Component> {
    let mut out = Vec::new();
    for (name, constant) in [
        ("etcd", "DefaultEtcdVersion"),
        ("coredns", "CoreDNSVersion"),
        ("pause", "PauseVersion"),
    ] {
        let Some((line, tag)) = string_constant(constants, constant) else {
            continue;
        };
        let version =
            Version::parse_osv(tag.trim_start_matches('v').split('-').next().unwrap_or(""))
                .or_else(|| Version::parse_go(tag.split('-').next().unwrap_or("")));
        let (modules, note) = match name {
            "etcd" => (
                ETCD_MODULES.iter().map(|m| m.to_string()).collect(),
                Some("records for go.etcd.io/etcd (the v0 module, versioned by pseudo-versions) cannot be matched to an etcd release version".to_string()),
            ),
            "coredns" => (vec!["github.com/coredns/coredns".to_string()], None),
            _ => (Vec::new(), Some("not a Go program: no Go vulnerability record describes it".to_string())),
        };
        out.push(Component {
            name: name.to_string(),
            tag: tag.to_string(),
            version,
            modules,
            note,
            source: format!("{KUBEADM_CONSTANTS}:{line}"),
        });
    }
    out
}

/// `NAME = "VALUE"` (inside a `const (…)` block or alone): line and value.
fn string_constant<'t>(text: &'t str, name: &str) -> Option<(usize, &'t str)> {
    text.lines().enumerate().find_map(|(i, l)| {
        let l = l.trim().trim_start_matches("const ").trim();
        let rest = l.strip_prefix(name)?.trim_start();
        let value = rest.strip_prefix('=')?.trim();
        let value = value.strip_prefix('"')?;
        Some((i + 1, &value[..value.find('"')?]))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_kubeadm_constants() {
        let text = "package constants\n\nconst (\n\t// DefaultEtcdVersion indicates the default etcd version that kubeadm uses\n\tDefaultEtcdVersion = \"3.4.13-0\"\n\tCoreDNSVersion = \"v1.8.0\"\n\tPauseVersion = \"3.2\"\n)\n";
        let c = kubeadm(text);
        assert_eq!(c.len(), 3);
        assert_eq!(
            c[0].version.as_ref().map(ToString::to_string).as_deref(),
            Some("v3.4.13")
        );
        assert_eq!(c[0].source, "cmd/kubeadm/app/constants/constants.go:5");
        assert!(
            c[0].modules
                .contains(&"go.etcd.io/etcd/server/v3".to_string())
        );
        assert_eq!(
            c[1].version.as_ref().map(ToString::to_string).as_deref(),
            Some("v1.8.0")
        );
        assert_eq!(
            c[2].version.as_ref().map(ToString::to_string).as_deref(),
            Some("v3.2.0")
        );
        assert!(c[2].modules.is_empty());
        assert!(kubeadm("package x\n").is_empty());
    }
}
