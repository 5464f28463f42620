//! `wasm-audit completions`: shell completion scripts.

use clap::CommandFactory;

use super::common::*;
use super::*;

/// The arguments of `wasm-audit completions` (its help text is on
/// [`super::Command`]).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The shell.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

/// Runs `wasm-audit completions`; returns the exit code.
pub(crate) fn run(args: Args, _ctx: &Ctx) -> anyhow::Result<u8> {
    let Args { shell } = args;
    {
        let mut script = Vec::new();
        clap_complete::generate(shell, &mut Cli::command(), "wasm-audit", &mut script);
        if shell == clap_complete::Shell::Bash {
            script = bash_hyphen_fix(&script);
        }
        print_stdout(&script)?;
        Ok(EXIT_OK)
    }
}

/// clap_complete's bash script for a binary whose name has a hyphen
/// spells its per-command states two ways (`wasm__audit__subcmd__check`
/// where it records the command, `wasm__subcmd__audit__subcmd__check` in
/// the `case` arm that should match it), so nothing after a command
/// completes (clap issue 6421, open). The arms are respelled as the
/// dispatch writes them; tests/cli.rs completes `check --format` in bash.
fn bash_hyphen_fix(script: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(script);
    text.replace("wasm__subcmd__audit__subcmd__", "wasm__audit__subcmd__")
        .into_bytes()
}
