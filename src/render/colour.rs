//! Whether text output gets ANSI colours: `--color`, then the `NO_COLOR`
//! and `CLICOLOR_FORCE` conventions, then whether the output is a
//! terminal. Decided once per output, in one pure function, so every
//! command that colours agrees.

use std::ffi::OsString;

/// The `--color` setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColourChoice {
    /// Colour a terminal, unless the environment says otherwise.
    #[default]
    Auto,
    /// Always colour, whatever the environment and the output.
    Always,
    /// Never colour, whatever the environment.
    Never,
}

/// Whether to colour text written to an output. `is_terminal` says
/// whether that output is a terminal; `env` reads an environment
/// variable (`std::env::var_os` in the binary, a map in tests).
///
/// An explicit `--color always|never` wins over the environment (a flag
/// is the more specific request). With `auto`:
/// - `NO_COLOR` set to anything but the empty string: no colour
///   (<https://no-color.org>), even where `CLICOLOR_FORCE` is set too;
/// - `CLICOLOR_FORCE` set to anything but the empty string or `0`:
///   colour, even into a pipe or a file;
/// - `CLICOLOR=0`: no colour;
/// - else colour exactly when the output is a terminal that is not
///   `TERM=dumb`.
pub fn enabled(
    choice: ColourChoice,
    is_terminal: bool,
    env: impl Fn(&str) -> Option<OsString>,
) -> bool {
    let set = |name: &str| env(name).filter(|v| !v.is_empty());
    match choice {
        ColourChoice::Always => true,
        ColourChoice::Never => false,
        ColourChoice::Auto => {
            if set("NO_COLOR").is_some() {
                false
            } else if set("CLICOLOR_FORCE").is_some_and(|v| v != "0") {
                true
            } else if set("CLICOLOR").is_some_and(|v| v == "0") {
                false
            } else {
                is_terminal && env("TERM").is_none_or(|t| t != "dumb")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<OsString> + 'a {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| OsString::from(v))
        }
    }

    #[test]
    fn flags_win_over_the_environment() {
        let env = [("NO_COLOR", "1"), ("CLICOLOR_FORCE", "1")];
        assert!(enabled(ColourChoice::Always, false, with(&env)));
        assert!(!enabled(
            ColourChoice::Never,
            true,
            with(&[("CLICOLOR_FORCE", "1")])
        ));
    }

    #[test]
    fn auto_follows_the_conventions() {
        use ColourChoice::Auto;
        assert!(enabled(Auto, true, with(&[])));
        assert!(!enabled(Auto, false, with(&[])));
        assert!(!enabled(Auto, true, with(&[("NO_COLOR", "1")])));
        // An empty NO_COLOR is not set (no-color.org).
        assert!(enabled(Auto, true, with(&[("NO_COLOR", "")])));
        assert!(enabled(Auto, false, with(&[("CLICOLOR_FORCE", "1")])));
        assert!(!enabled(Auto, false, with(&[("CLICOLOR_FORCE", "0")])));
        assert!(!enabled(Auto, false, with(&[("CLICOLOR_FORCE", "")])));
        assert!(!enabled(
            Auto,
            true,
            with(&[("NO_COLOR", "1"), ("CLICOLOR_FORCE", "1")])
        ));
        assert!(!enabled(Auto, true, with(&[("CLICOLOR", "0")])));
        assert!(enabled(Auto, true, with(&[("CLICOLOR", "1")])));
        assert!(!enabled(Auto, true, with(&[("TERM", "dumb")])));
        assert!(enabled(Auto, true, with(&[("TERM", "xterm-256color")])));
    }
}
