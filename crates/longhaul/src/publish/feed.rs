//! The Atom feed: one entry per published release and one per CVE fixed by
//! an LTS patch, so users can subscribe to both.

use askama::Template;

/// One entry.
#[derive(Debug, Clone)]
pub struct Entry {
    /// A stable id.
    pub id: String,
    /// The title.
    pub title: String,
    /// RFC 3339 time.
    pub updated: String,
    /// The page it links to (relative to the feed, or absolute).
    pub link: String,
    /// Plain-text summary.
    pub summary: String,
}

/// The feed document.
#[derive(Template, Debug, Clone)]
#[template(path = "site/feed.xml", escape = "html")]
pub struct Feed {
    /// Feed id.
    pub id: String,
    /// Feed title.
    pub title: String,
    /// RFC 3339: the newest entry's time.
    pub updated: String,
    /// Link to the site's index.
    pub home: String,
    /// Newest first.
    pub entries: Vec<Entry>,
}
