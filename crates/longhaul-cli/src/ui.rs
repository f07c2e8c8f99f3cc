//! Terminal output: colours when stdout is a terminal (and `NO_COLOR` is unset),
//! tables, and a progress bar for long runs.

use std::io::IsTerminal;

#[derive(Clone, Copy)]
pub enum Color {
    Red,
    Green,
    Yellow,
    Dim,
}

pub fn colors() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

pub fn paint(text: &str, color: Color) -> String {
    if !colors() {
        return text.to_string();
    }
    let code = match color {
        Color::Red => "31",
        Color::Green => "32",
        Color::Yellow => "33",
        Color::Dim => "2",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}

pub fn table(header: &[&str]) -> comfy_table::Table {
    let mut t = comfy_table::Table::new();
    t.load_style(comfy_table::presets::NOTHING)
        .set_content_arrangement(comfy_table::ContentArrangement::Disabled)
        .set_header(
            header
                .iter()
                .map(|h| comfy_table::Cell::new(h).add_attribute(comfy_table::Attribute::Bold)),
        );
    if !colors() {
        t.force_no_tty();
    }
    t
}

/// A progress bar on stderr, hidden unless stderr is a terminal.
pub fn progress(len: usize, what: &str) -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {msg} [{bar:30}] {pos}/{len} {elapsed}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar.set_message(what.to_string());
    bar
}

pub fn print_json(value: &impl serde::Serialize) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).expect("serializable")
    );
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
