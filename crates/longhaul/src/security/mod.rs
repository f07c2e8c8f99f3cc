//! Security: advisories (the Kubernetes CVE feed as OSV records), maintainers'
//! statements, the coverage of every (CVE, release) pair, and what scanners
//! consume (OpenVEX documents, OSV records).

pub mod advisory;
pub mod coverage;
pub mod freshness;
pub mod openvex;
pub mod osv_export;
pub mod statements;
pub mod suggest;
