//! OpenVEX statements for a release's dependency findings: one per Go
//! vulndb id, with the release's components as products and the dependency
//! as their subcomponent, in every spelling scanners use.
//!
//! What Trivy and Grype report for a Go binary, and how they match (read
//! from their sources; `tests/deps.rs` implements both):
//! - Trivy walks from the vulnerable package up to the scan's root and asks
//!   go-vex about the package itself (no subcomponent), then about every
//!   ancestor with the package as subcomponent. A Go binary's ancestors are
//!   its main module (`pkg:golang/k8s.io/kubernetes`, without a version: the
//!   build says `(devel)`; none at all for GOPATH builds, which record no
//!   module information) and the image or folder scanned, which have no
//!   purl naming the release. Its stdlib purl is `pkg:golang/stdlib@v1.15.5`.
//! - Grype tries the scan's source (image tags and digests, or
//!   `pkg:generic/NAME@VERSION` for a named source) with the package as
//!   subcomponent, then the package itself as product. Syft writes stdlib as
//!   `pkg:golang/stdlib@1.15.5`.
//! - go-vex compares purls after parsing (type, namespace and name, golang
//!   ones lowercased; a version only when the statement's purl has one).
//!
//! So a binary scan can match a statement only through the package's own
//! purl as a product. That is listed for `affected` and
//! `under_investigation` statements, which suppress nothing. A
//! `not_affected` statement lists it only when asked (`package_products`):
//! "this package is not affected" is true of this release's binaries, not of
//! every binary that embeds the same version (an image's other programs).

use super::finding::Finding;
use super::module::STDLIB;
use super::report::ReleaseDeps;
use super::status::DepStatus;
use crate::security::openvex::{Identifiers, Product, Subcomponent, VexStatement, Vulnerability};
use crate::security::statements::Rationale;

/// The purls of a dependency as scanners write them: `pkg:golang/<module>@<version>`
/// (namespace and name percent-encoded as the purl spec says), and for the
/// standard library `pkg:golang/stdlib@v1.15.5`, `@1.15.5` and `@go1.15.5`.
pub fn dependency_purls(module: &str, version: &str) -> Vec<String> {
    if module == STDLIB {
        let bare = version.trim_start_matches('v').trim_start_matches("go");
        return [format!("v{bare}"), bare.to_string(), format!("go{bare}")]
            .iter()
            .filter_map(|v| golang_purl("", "stdlib", v))
            .collect();
    }
    let (namespace, name) = match module.rsplit_once('/') {
        Some((ns, name)) => (ns, name),
        None => ("", module),
    };
    golang_purl(namespace, name, version).into_iter().collect()
}

fn golang_purl(namespace: &str, name: &str, version: &str) -> Option<String> {
    let mut p = packageurl::PackageUrl::new("golang", name.to_string()).ok()?;
    if !namespace.is_empty() {
        p.with_namespace(namespace.to_string()).ok()?;
    }
    p.with_version(version.to_string()).ok()?;
    Some(p.to_string())
}

/// The statements for `deps` (components' findings left out: their code is
/// not the release's binaries). `products` are the release's product purls.
pub fn statements(
    deps: &ReleaseDeps,
    products: &[String],
    package_products: bool,
) -> Vec<VexStatement> {
    let mut out = Vec::new();
    for v in &deps.vulnerabilities {
        let findings: Vec<&Finding> = deps
            .findings()
            .iter()
            .filter(|f| f.id == v.id && f.component.is_none())
            .collect();
        let Some(first) = findings.first() else {
            continue;
        };
        let purls = purls_of(&findings);
        let list = product_list(
            products,
            &purls,
            v.decision.status != DepStatus::NotAffected || package_products,
        );
        let mut aliases: Vec<String> = Vec::new();
        for a in first.aliases.iter().filter(|a| **a != v.id) {
            if !aliases.contains(a) {
                aliases.push(a.clone());
            }
        }
        out.push(VexStatement {
            vulnerability: Vulnerability {
                name: v.id.clone(),
                aliases,
                description: v.summary.clone(),
            },
            products: list,
            status: v.decision.status.as_str().to_string(),
            rationale: rationale(v, first),
            status_notes: Some(format!(
                "{} {} in release {} (tier {}): {}",
                first.module,
                first.version,
                deps.name,
                v.tier.as_str(),
                v.decision.note
            )),
        });
    }
    out
}

/// Every purl of the findings' dependencies, without repeats.
fn purls_of(findings: &[&Finding]) -> Vec<String> {
    let mut purls: Vec<String> = Vec::new();
    for f in findings {
        for p in dependency_purls(&f.module, &f.version) {
            if !purls.contains(&p) {
                purls.push(p);
            }
        }
    }
    purls
}

/// The release's products with the dependency as subcomponent, and, when
/// `bare`, the dependency's own purls as products (what binary scans match).
fn product_list(products: &[String], purls: &[String], bare: bool) -> Vec<Product> {
    let subcomponents: Vec<Subcomponent> = purls
        .iter()
        .map(|p| Subcomponent {
            id: p.clone(),
            identifiers: Identifiers { purl: p.clone() },
        })
        .collect();
    let mut list: Vec<Product> = products
        .iter()
        .map(|p| Product {
            subcomponents: subcomponents.clone(),
            ..Product::purl(p.clone())
        })
        .collect();
    if bare {
        list.extend(purls.iter().cloned().map(Product::purl));
    }
    list
}

/// OpenVEX allows a justification only with `not_affected` and wants an
/// action statement with `affected`.
fn rationale(v: &super::report::Vulnerability, first: &Finding) -> Rationale {
    match v.decision.status {
        DepStatus::NotAffected => Rationale {
            action_statement: None,
            ..v.decision.rationale.clone()
        },
        DepStatus::Affected => Rationale {
            action_statement: v.decision.rationale.action_statement.clone().or_else(|| {
                Some(format!(
                    "Upgrade {} past the affected versions.",
                    first.module
                ))
            }),
            ..Default::default()
        },
        DepStatus::UnderInvestigation => Rationale::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purls_as_scanners_write_them() {
        assert_eq!(
            dependency_purls(STDLIB, "1.15.5"),
            [
                "pkg:golang/stdlib@v1.15.5",
                "pkg:golang/stdlib@1.15.5",
                "pkg:golang/stdlib@go1.15.5"
            ]
        );
        assert_eq!(
            dependency_purls("github.com/Azure/go-autorest", "v14.2.0+incompatible"),
            ["pkg:golang/github.com/azure/go-autorest@v14.2.0%2Bincompatible"]
        );
        assert_eq!(
            dependency_purls("gopkg.in/yaml.v2", "v2.4.0"),
            ["pkg:golang/gopkg.in/yaml.v2@v2.4.0"]
        );
    }
}
