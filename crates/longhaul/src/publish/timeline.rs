//! The support timeline: one bar per line, upstream support then LTS, against
//! a marker for today. An SVG with a text alternative, drawn from the
//! lifecycle table.

use crate::lifecycle::support::Lifecycle;
use crate::time::Date;
use askama::Template;

/// One bar's geometry (x and widths in SVG units).
#[derive(Debug, Clone)]
pub struct Bar {
    /// The line (`1.20`).
    pub label: String,
    /// Top of the bar.
    pub y: i64,
    /// Start of upstream support.
    pub x_upstream: i64,
    /// Width of upstream support.
    pub w_upstream: i64,
    /// Start of the LTS period.
    pub x_lts: i64,
    /// Width of the LTS period.
    pub w_lts: i64,
    /// The text alternative for this bar.
    pub title: String,
}

/// The picture, ready to render.
#[derive(Template, Debug, Clone)]
#[template(path = "site/timeline.svg", escape = "html")]
pub struct Timeline {
    /// Width.
    pub width: i64,
    /// Height.
    pub height: i64,
    /// One per line with dates.
    pub bars: Vec<Bar>,
    /// Year marks: x and label.
    pub years: Vec<(i64, i32)>,
    /// Where today is.
    pub today_x: i64,
    /// Today, for the label.
    pub today: Date,
    /// Left margin (labels).
    pub left: i64,
}

const LEFT: i64 = 48;
const ROW: i64 = 16;
const TOP: i64 = 22;

/// Draw the lines of `l` that have dates; `width` is the whole picture's.
pub fn timeline(l: &Lifecycle, width: i64) -> Timeline {
    let rows: Vec<_> = l
        .rows
        .iter()
        .filter_map(|r| Some((r, r.released?, r.upstream_end_of_life?, r.lts_end_of_life?)))
        .collect();
    let start = rows
        .iter()
        .map(|(_, s, _, _)| s.year)
        .min()
        .unwrap_or(l.today.year);
    let end = rows
        .iter()
        .map(|(_, _, _, e)| e.year)
        .max()
        .unwrap_or(l.today.year)
        .max(l.today.year)
        + 1;
    let first = new_year(start).days();
    let span = (new_year(end).days() - first).max(1);
    let x = |d: Date| LEFT + (d.days() - first) * (width - LEFT - 8) / span;
    let bars = rows
        .iter()
        .enumerate()
        .map(|(i, (r, released, eol, lts))| Bar {
            label: r.line.to_string(),
            y: TOP + i as i64 * ROW,
            x_upstream: x(*released),
            w_upstream: (x(*eol) - x(*released)).max(1),
            x_lts: x(*eol),
            w_lts: (x(*lts) - x(*eol)).max(1),
            title: format!(
                "{}: upstream {} to {}, LTS to {}",
                r.line, released, eol, lts
            ),
        })
        .collect::<Vec<_>>();
    // Grid lines at each new year; the last one closes the picture unlabelled.
    let years = (start..end).map(|y| (x(new_year(y)), y)).collect();
    Timeline {
        width,
        height: TOP + bars.len() as i64 * ROW + 8,
        bars,
        years,
        today_x: x(l.today),
        today: l.today,
        left: LEFT,
    }
}

/// The first of January of `year`.
fn new_year(year: i32) -> Date {
    Date {
        year,
        month: 1,
        day: 1,
    }
}
