//! Terminal output: colours (`--color`, `NO_COLOR`), tables measured by
//! display width, a progress bar for long runs, and errors.

use std::io::IsTerminal;
use std::sync::OnceLock;

#[derive(Clone, Copy)]
pub enum Color {
    Red,
    Green,
    Yellow,
    Dim,
}

impl Color {
    const ALL: [Color; 4] = [Color::Red, Color::Green, Color::Yellow, Color::Dim];

    fn code(self) -> &'static str {
        match self {
            Color::Red => "31",
            Color::Green => "32",
            Color::Yellow => "33",
            Color::Dim => "2",
        }
    }
}

/// `--color`: when to colour the output.
#[derive(clap::ValueEnum, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ColorChoice {
    /// When the output is a terminal and `NO_COLOR` is unset.
    #[default]
    Auto,
    /// Always (also when piped), whatever `NO_COLOR` says.
    Always,
    /// Never.
    Never,
}

static CHOICE: OnceLock<ColorChoice> = OnceLock::new();

/// Set once, from the command line, before anything is printed.
pub fn set_color(choice: ColorChoice) {
    let _ = CHOICE.set(choice);
}

fn colors_on(terminal: bool) -> bool {
    match CHOICE.get().copied().unwrap_or_default() {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => terminal && std::env::var_os("NO_COLOR").is_none(),
    }
}

/// Whether standard output is coloured.
pub fn colors() -> bool {
    colors_on(std::io::stdout().is_terminal())
}

/// `text` in `color` when standard output is coloured.
pub fn paint(text: &str, color: Color) -> String {
    if !colors() {
        return text.to_string();
    }
    format!("\x1b[{}m{text}\x1b[0m", color.code())
}

/// `text` in `color` when standard error is coloured.
pub fn paint_stderr(text: &str, color: Color) -> String {
    if !colors_on(std::io::stderr().is_terminal()) {
        return text.to_string();
    }
    format!("\x1b[{}m{text}\x1b[0m", color.code())
}

/// A table whose columns are measured by display width: a cell painted with
/// [`paint`] is added as plain text with the colour as the cell's style, so
/// escape codes never count as columns.
pub struct Table(comfy_table::Table);

/// A table with a bold header, no borders, never wrapped.
pub fn table(header: &[&str]) -> Table {
    let mut t = comfy_table::Table::new();
    t.load_style(comfy_table::presets::NOTHING)
        .set_content_arrangement(comfy_table::ContentArrangement::Disabled)
        .set_header(
            header
                .iter()
                .map(|h| comfy_table::Cell::new(h).add_attribute(comfy_table::Attribute::Bold)),
        );
    if colors() {
        t.enforce_styling();
    } else {
        t.force_no_tty();
    }
    Table(t)
}

impl Table {
    /// Add a row; painted cells keep their colour.
    pub fn add_row(&mut self, cells: Vec<String>) -> &mut Self {
        self.0
            .add_row(cells.iter().map(|c| cell(c)).collect::<Vec<_>>());
        self
    }
}

impl std::fmt::Display for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// A table cell from text that [`paint`] may have coloured: the text without
/// escape codes, styled with the one colour it used (several: none).
fn cell(text: &str) -> comfy_table::Cell {
    let (plain, used) = unpaint(text);
    let c = comfy_table::Cell::new(plain);
    match used.as_slice() {
        [Color::Red] => c.fg(comfy_table::Color::Red),
        [Color::Green] => c.fg(comfy_table::Color::Green),
        [Color::Yellow] => c.fg(comfy_table::Color::Yellow),
        [Color::Dim] => c.add_attribute(comfy_table::Attribute::Dim),
        _ => c,
    }
}

/// `text` without the escape codes [`paint`] writes, and the colours used.
fn unpaint(text: &str) -> (String, Vec<Color>) {
    let mut plain = String::with_capacity(text.len());
    let mut used: Vec<Color> = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("\x1b[") {
        plain.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        let Some(end) = after.find('m') else {
            plain.push_str(&rest[at..]);
            return (plain, used);
        };
        let code = &after[..end];
        if let Some(c) = Color::ALL.into_iter().find(|c| c.code() == code)
            && !used.iter().any(|u| u.code() == code)
        {
            used.push(c);
        }
        rest = &after[end + 1..];
    }
    plain.push_str(rest);
    (plain, used)
}

/// The terminal's width in columns: `COLUMNS` when set, else the width of
/// the terminal standard output is; `None` when output goes elsewhere.
pub fn terminal_width() -> Option<usize> {
    if let Some(n) = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|n| *n > 0)
    {
        return Some(n);
    }
    if !std::io::stdout().is_terminal() {
        return None;
    }
    comfy_table::Table::new().width().map(usize::from)
}

/// A progress bar on stderr, hidden unless stderr is a terminal. It clears
/// itself when dropped, so an error is never printed after a stale bar.
pub fn progress(len: usize, what: &str) -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar =
        indicatif::ProgressBar::new(len as u64).with_finish(indicatif::ProgressFinish::AndClear);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {msg} [{bar:30}] {pos}/{len} {elapsed}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar.set_message(what.to_string());
    bar
}

/// `1 release`, `3 releases`: a count with its noun in the right number.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

pub fn print_json(value: &impl serde::Serialize) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).expect("serializable")
    );
}

/// An error and its causes, each said once: a cause whose text the message
/// before it already holds (a `thiserror` `{source}` shown inside its
/// parent) is left out, where `{:#}` would repeat it.
pub fn error_text(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if text.is_empty() || out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

pub fn status_cell(status: longhaul::apply::tree::Status) -> String {
    use longhaul::apply::tree::Status::*;
    let color = match status {
        Clean => Color::Green,
        Offset | Fuzz | ThreeWay => Color::Yellow,
        Unverifiable => Color::Dim,
        Failed => Color::Red,
    };
    paint(status.as_str(), color)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unpaint_strips_codes_and_names_the_colour() {
        let (plain, used) = unpaint("\x1b[31ma\nb\x1b[0m");
        assert_eq!(plain, "a\nb");
        assert!(matches!(used.as_slice(), [Color::Red]));
        let (plain, used) = unpaint("x \x1b[33my\x1b[0m \x1b[32mz\x1b[0m");
        assert_eq!(plain, "x y z");
        assert_eq!(used.len(), 2);
        assert_eq!(unpaint("plain").0, "plain");
    }

    #[test]
    fn error_causes_are_said_once() {
        #[derive(Debug, thiserror::Error)]
        #[error("cannot read: {source}")]
        struct Read {
            source: std::io::Error,
        }
        #[derive(Debug, thiserror::Error)]
        #[error("./nope.yml: {source}")]
        struct Outer {
            source: Read,
        }
        let e = anyhow::Error::new(Outer {
            source: Read {
                source: std::io::Error::from(std::io::ErrorKind::NotFound),
            },
        });
        assert_eq!(error_text(&e), "./nope.yml: cannot read: entity not found");
        let e = anyhow::anyhow!("inner").context("outer");
        assert_eq!(error_text(&e), "outer: inner");
    }
}
