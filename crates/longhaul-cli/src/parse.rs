//! The parser for one invocation: only the subcommand the arguments name.
//!
//! Building the whole command (26 commands and their arguments, every global
//! option copied into each) costs more than the rest of `longhaul port` (a
//! script runs it once per commit). So when the arguments name a command, the
//! parser holds that one alone, built from its module's arguments, under a top
//! level with the same name, version, about text and options; otherwise (no
//! command, `help`, an unknown name) it is the whole command.

use clap::{Args, Command};
use std::ffi::{OsStr, OsString};

/// The command that parses `args` (the program's name first) as
/// [`crate::command`] does.
pub fn command_for(args: &[OsString]) -> Command {
    let top = top_level();
    let Some(sub) = invoked(&top, args)
        .and_then(OsStr::to_str)
        .and_then(crate::commands::one)
    else {
        return crate::command();
    };
    let sub = if sub.get_name() == "vex" {
        crate::vex_json(sub)
    } else {
        sub
    };
    top.subcommand_required(true)
        .arg_required_else_help(true)
        .subcommand(sub)
}

/// The top level alone: name, version, about text and the global options.
fn top_level() -> Command {
    crate::GlobalOptions::augment_args(Command::new(NAME))
        .version(env!("CARGO_PKG_VERSION"))
        .about(crate::ABOUT)
}

/// The program's name, as `crate::Cli` declares it.
const NAME: &str = "longhaul";

/// The subcommand name among `args`: the first argument that is neither an
/// option nor the value of a top-level option that takes one (`-C DIR`).
/// `None` after `--`, or when there is none.
fn invoked<'a>(top: &Command, args: &'a [OsString]) -> Option<&'a OsStr> {
    let mut rest = args.iter().skip(1);
    while let Some(arg) = rest.next() {
        let text = arg.to_str()?;
        if text == "--" {
            return None;
        }
        if !text.starts_with('-') || text == "-" {
            return Some(arg);
        }
        if takes_separate_value(top, text) {
            rest.next();
        }
    }
    None
}

/// Whether `option` (`-C`, `--manifest`) is a top-level option whose value is
/// the next argument (not `--manifest=FILE`, not `-CDIR`).
fn takes_separate_value(top: &Command, option: &str) -> bool {
    let takes_value = |a: &clap::Arg| {
        a.get_num_args().is_some_and(|n| n.takes_values())
            || matches!(
                a.get_action(),
                clap::ArgAction::Set | clap::ArgAction::Append
            )
    };
    top.get_arguments()
        .filter(|a| takes_value(a))
        .any(|a| match option.strip_prefix("--") {
            Some(long) => a.get_long() == Some(long),
            None => option.len() == 2 && a.get_short() == option.chars().nth(1),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Vec<OsString> {
        line.split(' ').map(OsString::from).collect()
    }

    fn rendered(mut cmd: Command, line: &str) -> String {
        match cmd.try_get_matches_from_mut(args(line)) {
            Ok(m) => format!("ok {:?}", m.subcommand_name()),
            Err(e) => e.render().to_string(),
        }
    }

    #[test]
    fn the_subcommand_is_found_past_the_values_of_global_options() {
        let full = crate::command();
        let find =
            |line: &str| invoked(&full, &args(line)).map(|s| s.to_string_lossy().into_owned());
        assert_eq!(
            find("longhaul -C port --json port --onto x"),
            Some("port".into())
        );
        assert_eq!(
            find("longhaul --manifest=m.yml verify"),
            Some("verify".into())
        );
        assert_eq!(
            find("longhaul -Cdir --color never lint"),
            Some("lint".into())
        );
        assert_eq!(find("longhaul --json"), None);
        assert_eq!(find("longhaul -- port"), None);
    }

    #[test]
    fn the_table_of_commands_names_every_command_in_order() {
        let full = <crate::Cli as clap::CommandFactory>::command();
        let whole: Vec<&str> = full.get_subcommands().map(|c| c.get_name()).collect();
        let table: Vec<&str> = crate::commands::names().collect();
        assert_eq!(table, whole);
    }

    #[test]
    fn every_subcommand_parses_and_helps_as_the_whole_command_does() {
        let full = crate::command();
        let mut names: Vec<String> = Vec::new();
        for sub in full.get_subcommands() {
            names.push(sub.get_name().to_string());
            for nested in sub.get_subcommands() {
                names.push(format!("{} {}", sub.get_name(), nested.get_name()));
            }
        }
        assert!(names.len() > 30, "{names:?}");
        for name in names {
            for line in [
                format!("longhaul {name} --help"),
                format!("longhaul --json {name} --no-such-option"),
                format!("longhaul -C . {name}"),
                format!("longhaul {name} --json --color never"),
                format!("longhaul --offline --color never --cache-dir {name} {name} --help"),
            ] {
                let reduced = command_for(&args(&line));
                assert_eq!(
                    rendered(reduced, &line),
                    rendered(crate::command(), &line),
                    "{line}"
                );
            }
        }
    }

    #[test]
    fn without_a_subcommand_the_whole_command_parses() {
        for line in [
            "longhaul",
            "longhaul --help",
            "longhaul help port",
            "longhaul nosuch",
        ] {
            let cmd = command_for(&args(line));
            assert!(cmd.get_subcommands().count() > 20, "{line}");
        }
    }
}
