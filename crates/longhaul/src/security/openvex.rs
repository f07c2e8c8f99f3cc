//! OpenVEX 0.2.0 documents: one statement per in-scope CVE for one release.
//!
//! Our own structs (the `openvex` crate targets an older spec). Output is
//! deterministic: the same input gives the same bytes, apart from the timestamp,
//! which callers can pin.

use crate::security::coverage::{Cell, Coverage, CveRow, Source, Status};
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
/// with the release name as version, percent-encoded as the purl
/// specification says; by default `pkg:golang/k8s.io/kubernetes`.
pub fn purl(product: Option<&str>, release: &str) -> String {
    let base = product.unwrap_or("pkg:golang/k8s.io/kubernetes");
    let parsed = base.parse::<packageurl::PackageUrl>().and_then(|mut p| {
        p.with_version(release.to_string())?;
        Ok(p.to_string())
    });
    // `product:` is checked when the manifest is read; the fallback only keeps
    // an unexpected one from passing the version through raw.
    parsed.unwrap_or_else(|_| format!("{base}@{}", encode_version(release)))
}

/// A version as a purl carries it: everything but letters, digits and
/// `.-_~` percent-encoded (`<script>` never goes through raw).
fn encode_version(version: &str) -> String {
    let mut out = String::new();
    for b in version.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The names Trivy gives the components of a cluster scan and its KBOM, as
/// `pkg:k8s` purls: trivy-kubernetes' `UpstreamOrgName`/`UpstreamRepoName`
/// (pkg/k8s/k8s.go) map the control-plane pods to `k8s.io/apiserver`,
/// `k8s.io/controller-manager`, `k8s.io/kube-scheduler`,
/// `k8s.io/cloud-provider` (cloud-controller-manager) and `k8s.io/kube-proxy`;
/// Trivy's scanner names the node `k8s.io/kubelet` (pkg/k8s/scanner) and the
/// cluster `k8s.io/kubernetes`; `k8s.io/kubectl` is in the same map. Its KBOM
/// decoding test (pkg/sbom/cyclonedx) shows them as
/// `pkg:k8s/k8s.io%2Fapiserver@1.27.4`. (`kube-apiserver` and
/// `kube-controller-manager` are pod names, which no purl uses.)
pub const COMPONENTS: &[&str] = &[
    "k8s.io/kubernetes",
    "k8s.io/apiserver",
    "k8s.io/controller-manager",
    "k8s.io/kube-scheduler",
    "k8s.io/cloud-provider",
    "k8s.io/kube-proxy",
    "k8s.io/kubelet",
    "k8s.io/kubectl",
];

/// The purl Grype matches a Kubernetes binary by: syft reads the main module
/// of `kube-apiserver`, `kubelet` and the others as `k8s.io/kubernetes`, its
/// version from the `-X k8s.io/component-base/version.gitVersion=` link flag
/// (syft's golang cataloger tests), and Grype's OpenVEX filter matches the
/// package's purl.
pub const GO_MODULE: &str = "k8s.io/kubernetes";

/// Every product id a scanner may use for `release`: each of Trivy's
/// components as `pkg:k8s/k8s.io%2F<name>@<version>` (the name's `/`
/// percent-encoded, as Trivy writes it) and Grype's
/// `pkg:golang/k8s.io/kubernetes@<version>`, each version with and without
/// the leading `v` (Trivy reports both); then the manifest's own `product:`
/// purl when it has one. Versions are percent-encoded.
pub fn products(product: Option<&str>, release: &str) -> Vec<String> {
    let bare = release.strip_prefix('v').unwrap_or(release);
    let versions = [format!("v{bare}"), bare.to_string()];
    let mut out: Vec<String> = Vec::new();
    for c in COMPONENTS {
        for v in &versions {
            out.push(component_purl("k8s", None, c, v));
        }
    }
    let (ns, name) = GO_MODULE.rsplit_once('/').expect("a module path");
    out.push(component_purl("golang", Some(ns), name, &versions[0]));
    if product.is_some() {
        let own = purl(product, release);
        if !out.contains(&own) {
            out.push(own);
        }
    }
    out
}

fn component_purl(ty: &str, namespace: Option<&str>, name: &str, version: &str) -> String {
    let built = packageurl::PackageUrl::new(ty, name).and_then(|mut p| {
        if let Some(ns) = namespace {
            p.with_namespace(ns)?;
        }
        p.with_version(version)?;
        Ok(p.to_string())
    });
    built.unwrap_or_else(|_| {
        format!(
            "pkg:{ty}/{}{}@{}",
            namespace.map(|n| format!("{n}/")).unwrap_or_default(),
            name.replace('/', "%2F"),
            encode_version(version)
        )
    })
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
    let statements = coverage
        .cves
        .iter()
        .filter(|r| r.in_scope)
        .filter_map(|row| {
            let cell = coverage.cell(&row.id, release)?;
            Some(statement(row, cell, &products))
        })
        .collect();
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

/// The statement for one in-scope CVE of the matrix and one release's cell.
fn statement(row: &CveRow, cell: &Cell, products: &[Product]) -> VexStatement {
    let mut s = VexStatement {
        vulnerability: Vulnerability {
            name: row.id.clone(),
            aliases: row.aliases.clone(),
            description: row.summary.clone(),
        },
        products: products.to_vec(),
        status: vex_status(cell.status).to_string(),
        rationale: Rationale::default(),
        status_notes: None,
    };
    explain(&mut s, row, cell);
    s
}

/// OpenVEX's status for a coverage status.
fn vex_status(status: Status) -> &'static str {
    match status {
        Status::OutOfScope | Status::NotAffected => "not_affected",
        Status::Fixed => "fixed",
        Status::Affected => "affected",
        // Nobody assessed it: never `not_affected`.
        Status::UnderInvestigation | Status::NotAssessed => "under_investigation",
    }
}

/// The notes and rationale that say where the cell's status comes from.
fn explain(s: &mut VexStatement, row: &CveRow, cell: &Cell) {
    let version = cell.upstream_version.clone().unwrap_or_else(|| "?".into());
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn products_are_the_names_scanners_use_and_versions_are_encoded() {
        let p = products(None, "v1.27.4");
        for want in [
            "pkg:k8s/k8s.io%2Fapiserver@1.27.4",
            "pkg:k8s/k8s.io%2Fcontroller-manager@v1.27.4",
            "pkg:k8s/k8s.io%2Fkube-scheduler@1.27.4",
            "pkg:k8s/k8s.io%2Fkube-proxy@1.27.4",
            "pkg:k8s/k8s.io%2Fkubelet@1.27.4",
            "pkg:k8s/k8s.io%2Fkubernetes@1.27.4",
            "pkg:golang/k8s.io/kubernetes@v1.27.4",
        ] {
            assert!(p.iter().any(|x| x == want), "{want} not in {p:?}");
        }
        assert!(!p.iter().any(|x| x.contains("kube-apiserver")));
        for x in products(Some("pkg:github/example/lts"), "v1.1.1-lts.1<script>") {
            assert!(!x.contains('<') && !x.contains('>'), "{x}");
            assert!(x.contains("%3Cscript%3E"), "{x}");
        }
    }
}
