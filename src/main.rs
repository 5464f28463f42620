//! The `wasm-audit` binary: parses arguments, calls the library, prints,
//! and maps the outcome to an exit code. Only this file exits.

mod cli;
mod manpage;

use std::process::ExitCode;
use std::sync::Mutex;

use clap::{CommandFactory, FromArgMatches};
use wasm_audit::render::escape;

/// mimalloc rather than the system allocator: see Cargo.toml.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Where the last panic happened, for the one-line message below.
static PANIC_AT: Mutex<Option<String>> = Mutex::new(None);

fn main() -> ExitCode {
    // Panics inside the WIT decoder and printer are caught and reported as
    // "no decodable WIT" (see `wasm_audit::wit`); any other panic is a bug
    // that ends the run with one line on stderr and exit code 2, not a
    // backtrace and 101. RUST_BACKTRACE=1 shows the usual report as well.
    let default_hook = std::panic::take_hook();
    let verbose = std::env::var_os("RUST_BACKTRACE").is_some_and(|v| v != "0");
    std::panic::set_hook(Box::new(move |info| {
        if let Ok(mut at) = PANIC_AT.lock() {
            *at = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()));
        }
        let in_wit = info
            .location()
            .is_some_and(|l| l.file().contains("wit-parser") || l.file().contains("wit-component"));
        if verbose && !in_wit {
            default_hook(info);
        }
    }));
    // `--color` is read first so that clap's own help and errors follow it.
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let command = cli::Cli::command().color(cli::ColorWhen::prescan(&argv));
    let args = match command
        .try_get_matches_from(&argv)
        .and_then(|m| cli::Cli::from_arg_matches(&m))
    {
        Ok(args) => args,
        Err(e) => {
            let _ = e.print();
            // --help and --version are not errors; every other parse failure is a usage error.
            return if e.use_stderr() {
                ExitCode::from(cli::EXIT_ERROR)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match std::panic::catch_unwind(|| cli::run(args)) {
        Ok(Ok(code)) => ExitCode::from(code),
        Ok(Err(e)) => {
            // The cause chain once: a cause already part of the message
            // (`cannot write: <io error>`) is not repeated.
            let mut message = e.to_string();
            for cause in e.chain().skip(1) {
                let cause = cause.to_string();
                if !message.contains(&cause) {
                    message = format!("{message}: {cause}");
                }
            }
            eprintln!("error: {}", escape::one_line(&message));
            ExitCode::from(cli::EXIT_ERROR)
        }
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "no message".into());
            let at = PANIC_AT
                .lock()
                .ok()
                .and_then(|at| at.clone())
                .map(|at| format!(" at {at}"))
                .unwrap_or_default();
            eprintln!(
                "error: internal error (a bug; please report it with the input): panic{at}: {}",
                escape::one_line(&message)
            );
            ExitCode::from(cli::EXIT_ERROR)
        }
    }
}
