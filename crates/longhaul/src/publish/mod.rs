//! Publishing: what users read, generated from the one source of truth.
//!
//! - [`embargo`]: the published view of the manifest, advisories and
//!   statements, with everything under `embargo_until:` left out;
//! - [`notes`]: release notes (Markdown and JSON);
//! - [`timeline`]: the SVG picture of every line's support periods;
//! - [`feed`]: the Atom feed of releases and CVE fixes;
//! - [`site`]: the static status site.
//!
//! Every output here is built from an [`embargo::Publication`], never from
//! the raw inputs, so an embargoed patch cannot leak through one of them.

pub mod embargo;
pub mod feed;
pub mod notes;
pub mod site;
pub mod timeline;
