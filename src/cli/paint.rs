//! Modest colour for the lines a person reads: `error:` in red, `warning:` in yellow,
//! success in green, the next step in cyan. `anstream` strips the colour when the
//! stream is not a terminal, under `NO_COLOR`, or with `CLICOLOR=0`.

use anstyle::{AnsiColor, Style};

const ERROR: Style = AnsiColor::Red.on_default().bold();
const WARNING: Style = AnsiColor::Yellow.on_default().bold();
const SUCCESS: Style = AnsiColor::Green.on_default();
const NEXT: Style = AnsiColor::Cyan.on_default();

/// Prints `error: MESSAGE` to stderr.
pub(super) fn error(message: &str) {
    anstream::eprintln!("{ERROR}error:{ERROR:#} {message}");
}

/// Prints a diagnostic (`path:line: [warning: ]message`) to stderr, its kind coloured.
pub(super) fn diagnostic(diagnostic: &crate::Diagnostic) {
    let text = diagnostic.to_string();
    match (diagnostic.is_error(), text.split_once(": warning: ")) {
        (false, Some((at, message))) => {
            anstream::eprintln!("{at}: {WARNING}warning:{WARNING:#} {message}")
        }
        (true, _) => match text.split_once(": ") {
            Some((at, message)) => anstream::eprintln!("{at}: {ERROR}{message}{ERROR:#}"),
            None => anstream::eprintln!("{ERROR}{text}{ERROR:#}"),
        },
        _ => anstream::eprintln!("{text}"),
    }
}

/// Prints `warning: MESSAGE` to stderr.
pub(super) fn warning(message: &str) {
    anstream::eprintln!("{WARNING}warning:{WARNING:#} {message}");
}

/// Prints a success line to stdout.
pub(super) fn success(message: &str) {
    anstream::println!("{SUCCESS}{message}{SUCCESS:#}");
}

/// Prints `next: STEP` to stdout: what to run now.
pub(super) fn next(step: &str) {
    anstream::println!("{NEXT}next:{NEXT:#} {step}");
}

/// Prints `note: MESSAGE` to stderr (for lines beside machine-read stdout).
pub(super) fn note(message: &str) {
    anstream::eprintln!("{NEXT}note:{NEXT:#} {message}");
}
