//! OpenVEX 0.2.0 documents: one statement per in-scope CVE for one release.
//!
//! Our own structs (the `openvex` crate targets an older spec). Output is
//! deterministic: the same input gives the same bytes, apart from the timestamp,
//! which callers can pin.

use crate::security::coverage::{Coverage, Source, Status};
use crate::security::statements::Rationale;
use serde::Serialize;

/// The OpenVEX context this module writes.
pub const CONTEXT: &str = "https://openvex.dev/ns/v0.2.0";

/// An OpenVEX document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Document {
    /// `https://openvex.dev/ns/v0.2.0`.
    #[serde(rename = "@context")]
    pub context: String,
    /// Document IRI, derived from its content.
    #[serde(rename = "@id")]
    pub id: String,
    /// Who makes the statements.
    pub author: String,
    /// RFC 3339 time.
    pub timestamp: String,
    /// Document version.
    pub version: u32,
    /// The tool that wrote it.
    pub tooling: String,
    /// The statements.
    pub statements: Vec<VexStatement>,
}

/// One statement.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VexStatement {
    /// The CVE.
    pub vulnerability: Vulnerability,
    /// The release, by purl.
    pub products: Vec<Product>,
    /// `not_affected`, `affected`, `fixed` or `under_investigation`.
    pub status: String,
    /// Justification, impact and action statements.
    #[serde(flatten)]
    pub rationale: Rationale,
    /// How the status was determined.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_notes: Option<String>,
}

/// `{name}` of a vulnerability.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Vulnerability {
    /// CVE id.
    pub name: String,
    /// Other ids of the same vulnerability (GHSA…): Grype matches on these too.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// Summary.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A product, identified by purl.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Product {
    /// The purl, as IRI.
    #[serde(rename = "@id")]
    pub id: String,
    /// `{purl}`.
    pub identifiers: Identifiers,
    /// The parts of the product the statement is about (a dependency).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub subcomponents: Vec<Subcomponent>,
}

impl Product {
    /// The product named by `purl`, with no subcomponents.
    pub fn purl(purl: String) -> Product {
        Product {
            id: purl.clone(),
            identifiers: Identifiers { purl },
            subcomponents: Vec::new(),
        }
    }
}

/// A subcomponent of a product, identified by purl.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Subcomponent {
    /// The purl, as IRI.
    #[serde(rename = "@id")]
    pub id: String,
    /// `{purl}`.
    pub identifiers: Identifiers,
}

/// Product identifiers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Identifiers {
    /// Package URL.
    pub purl: String,
}

/// The purl of `release`: the manifest's `product:` (a purl without version)
/// with the release name as version; by default `pkg:golang/k8s.io/kubernetes`.
pub fn purl(product: Option<&str>, release: &str) -> String {
    let base = product.unwrap_or("pkg:golang/k8s.io/kubernetes");
    let parsed = base.parse::<packageurl::PackageUrl>();
    match parsed {
        Ok(mut p) => {
            if p.with_version(release.to_string()).is_err() {
                return format!("{base}@{release}");
            }
            p.to_string()
        }
        Err(_) => format!("{base}@{release}"),
    }
}

/// The components a cluster scan reports (Trivy's cluster scan and KBOM), each
/// as the purl name `k8s.io/<component>`; `kubernetes` stands for the cluster.
pub const COMPONENTS: &[&str] = &[
    "kubernetes",
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "kube-proxy",
    "kubelet",
    "kubectl",
];

/// Every product id a scanner may use for `release`: each component in
/// Trivy's form, `pkg:k8s/k8s.io%2F<component>@<version>` (the `/` of the name
/// percent-encoded: `k8s.io/kubelet` as a namespace would be another purl),
/// with and without the leading `v`, since Trivy versions report both; then
/// the manifest's own `product:` purl when it has one.
pub fn products(product: Option<&str>, release: &str) -> Vec<String> {
    let bare = release.strip_prefix('v').unwrap_or(release);
    let mut out: Vec<String> = COMPONENTS
        .iter()
        .flat_map(|c| {
            [format!("v{bare}"), bare.to_string()]
                .map(|version| format!("pkg:k8s/k8s.io%2F{c}@{version}"))
        })
        .collect();
    if product.is_some() {
        out.push(purl(product, release));
    }
    out
}

/// Build the document for `release` from a coverage matrix that includes it.
pub fn document(
    coverage: &Coverage,
    release: &str,
    product: Option<&str>,
    author: &str,
    timestamp: &str,
) -> Document {
    let products: Vec<Product> = products(product, release)
        .into_iter()
        .map(Product::purl)
        .collect();
    let mut statements = Vec::new();
    for row in coverage.cves.iter().filter(|r| r.in_scope) {
        let Some(cell) = coverage.cell(&row.id, release) else {
            continue;
        };
        let version = cell.upstream_version.clone().unwrap_or_else(|| "?".into());
        let mut s = VexStatement {
            vulnerability: Vulnerability {
                name: row.id.clone(),
                aliases: row.aliases.clone(),
                description: row.summary.clone(),
            },
            products: products.clone(),
            status: match cell.status {
                Status::OutOfScope | Status::NotAffected => "not_affected",
                Status::Fixed => "fixed",
                Status::Affected => "affected",
                // Nobody assessed it: never `not_affected`.
                Status::UnderInvestigation | Status::NotAssessed => "under_investigation",
            }
            .to_string(),
            rationale: Rationale::default(),
            status_notes: None,
        };
        match (cell.source, cell.status) {
            (Source::Upstream, _) => {
                s.status_notes = Some(format!(
                    "Fixed upstream: Kubernetes {version} already contains the fix."
                ));
            }
            (Source::Patch, _) => {
                let how = if cell.inferred {
                    "linked by its name or commit message"
                } else {
                    "stated in the manifest"
                };
                s.status_notes = Some(format!(
                    "Fixed by LTS patch {} on Kubernetes {version} ({how}).{}",
                    cell.patch.as_deref().unwrap_or("?"),
                    cell.note
                        .as_deref()
                        .map(|n| format!(" Note: {n}."))
                        .unwrap_or_default()
                ));
            }
            (Source::Statement, _) => {
                let st = cell.statement.as_ref().expect("statement cells carry it");
                s.rationale = st.rationale.clone();
                s.status_notes = st.note.clone().or(Some("Maintainers' statement.".into()));
            }
            (Source::None, Status::NotAssessed) => {
                s.status_notes = Some(format!(
                    "Not assessed: {}. No LTS patch or maintainers' statement covers Kubernetes {version} for {}; treat it as possibly affected.",
                    cell.note
                        .as_deref()
                        .unwrap_or("upstream's published versions do not cover this release"),
                    row.id
                ));
            }
            (Source::None, _) => {
                s.rationale.action_statement = Some(format!(
                    "No fix in this LTS release yet: Kubernetes {version} is affected. Upgrade to a release that fixes {} or apply its upstream fix.",
                    row.id
                ));
            }
        }
        statements.push(s);
    }
    let mut doc = Document {
        context: CONTEXT.into(),
        id: String::new(),
        author: author.into(),
        timestamp: timestamp.into(),
        version: 1,
        tooling: format!("longhaul {}", env!("CARGO_PKG_VERSION")),
        statements,
    };
    doc.name(release);
    doc
}

impl Document {
    /// Add `statements` (the dependency findings of `deps`) and name the
    /// document again by its content.
    pub fn extend(&mut self, release: &str, statements: Vec<VexStatement>) {
        self.statements.extend(statements);
        self.name(release);
    }

    /// Set `@id` from the content: the id names the content (timestamp
    /// excluded), so identical statements share it.
    fn name(&mut self, release: &str) {
        let doc = self;
        let content = serde_json::to_string(&(&doc.author, &doc.statements)).expect("serializable");
        let hash = gix::objs::compute_hash(
            gix::hash::Kind::Sha1,
            gix::objs::Kind::Blob,
            content.as_bytes(),
        )
        .map(|h| h.to_string())
        .unwrap_or_default();
        doc.id = format!(
            "https://openvex.dev/docs/public/longhaul-{release}-{}",
            &hash[..16.min(hash.len())]
        );
    }
}
