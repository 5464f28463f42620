//! The `wasm-audit` binary: parses arguments, calls the library, prints,
//! and maps the outcome to an exit code. Only this file exits.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // Panics inside the WIT decoder are caught and reported as "no
    // decodable WIT" (see `wasm_audit::wit`); keep them off stderr. Any
    // other panic is a bug and prints as usual.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let in_decoder = info
            .location()
            .is_some_and(|l| l.file().contains("wit-parser") || l.file().contains("wit-component"));
        if !in_decoder {
            default_hook(info);
        }
    }));
    let args = match cli::Cli::try_parse() {
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
    match cli::run(args) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(cli::EXIT_ERROR)
        }
    }
}
