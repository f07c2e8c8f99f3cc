//! `longhaul statements suggest`: draft statements for unassessed cells.

use crate::StatementsAction;
use crate::context::Context;
use crate::ui;
use std::process::ExitCode;

/// Maintainers' statements (statements.yml).
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub action: crate::StatementsAction,
}

pub fn run(ctx: &Context, json: bool, action: &StatementsAction) -> anyhow::Result<ExitCode> {
    match action {
        StatementsAction::Suggest { go } => {
            let (manifest, _, coverage) = ctx.coverage(&[])?;
            // The maintained releases: shipped and verified by default; all
            // shipped releases when the manifest marks none `must: true`.
            let shipped = manifest.shipped_releases();
            let mut maintained: Vec<&str> = shipped
                .iter()
                .filter(|r| r.must)
                .map(|r| r.name.as_str())
                .collect();
            if maintained.is_empty() {
                maintained = shipped.iter().map(|r| r.name.as_str()).collect();
            }
            let suggestions = longhaul::security::suggest::suggestions(&coverage, &maintained);
            let names: Vec<String> = maintained.iter().map(|r| r.to_string()).collect();
            let deps = super::deps::suggestions(ctx, &manifest, &names, go)?;
            if json {
                ui::print_json(
                    &serde_json::json!({ "ok": true, "suggestions": suggestions, "deps": deps }),
                );
            } else {
                print!("{}", longhaul::security::suggest::render(&suggestions));
                if let Some(d) = &deps {
                    print!("{}", longhaul::deps::suggest::render(d));
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
