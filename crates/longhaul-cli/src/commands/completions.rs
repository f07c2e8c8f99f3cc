//! `longhaul completions SHELL` and `longhaul man`: the conventions of a
//! command-line tool, generated from the same definition that parses.

use std::io::Write;
use std::process::ExitCode;

/// Print the shell completion script (e.g. `longhaul completions bash >
/// /etc/bash_completion.d/longhaul`).
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Print the man page longhaul.1 (roff); with --out, write it and a page
/// per command into DIR.
#[derive(clap::Args, Debug)]
pub struct ManArgs {
    /// Folder to write longhaul.1 and longhaul-COMMAND.1 into.
    #[arg(long, value_name = "DIR")]
    pub out: Option<std::path::PathBuf>,
}

/// Print the completion script for `shell` (bash, zsh, fish, elvish,
/// powershell) on standard output.
pub fn completions(shell: clap_complete::Shell) -> anyhow::Result<ExitCode> {
    let mut cmd = crate::command();
    clap_complete::generate(shell, &mut cmd, "longhaul", &mut std::io::stdout());
    Ok(ExitCode::SUCCESS)
}

/// Print the man page `longhaul.1` (roff), or with `out` write it and one
/// page per command (`longhaul-verify.1`, …) into that folder.
pub fn man(out: Option<&std::path::Path>) -> anyhow::Result<ExitCode> {
    let cmd = crate::command();
    let Some(dir) = out else {
        let mut page = Vec::new();
        clap_mangen::Man::new(cmd).render(&mut page)?;
        std::io::stdout().write_all(&page)?;
        return Ok(ExitCode::SUCCESS);
    };
    std::fs::create_dir_all(dir)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
    let mut written = 0;
    for (name, page) in pages(cmd)? {
        let path = dir.join(format!("{name}.1"));
        longhaul::fs::write_atomic(&path, &page)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
        written += 1;
    }
    println!("wrote {written} man pages to {}", dir.display());
    Ok(ExitCode::SUCCESS)
}

/// `longhaul.1` and a page per visible command, by file stem.
fn pages(cmd: clap::Command) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let mut out = Vec::new();
    let mut page = Vec::new();
    clap_mangen::Man::new(cmd.clone()).render(&mut page)?;
    out.push(("longhaul".to_string(), page));
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("longhaul-{}", sub.get_name());
        let mut page = Vec::new();
        clap_mangen::Man::new(
            sub.clone()
                .display_name(name.clone())
                .bin_name(format!("longhaul {}", sub.get_name())),
        )
        .render(&mut page)?;
        out.push((name, page));
    }
    Ok(out)
}
