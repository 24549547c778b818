//! Opening a file in the default browser: `$BROWSER` when set, else `xdg-open` (or
//! `open` on macOS) on a terminal; otherwise the path is only printed.

use std::io::IsTerminal;
use std::path::Path;
use std::process::{Command, Stdio};

/// How the file was (or was not) handed to a browser.
pub(super) enum Opened {
    /// Handed to this program.
    With(String),
    /// Not opened: no terminal, or no opener found.
    NotOpened,
}

/// Opens `path` with `$BROWSER` (its first `:`-separated entry; `%s` is replaced by the
/// path, else the path is the last argument), or the platform's opener on a terminal.
pub(super) fn open(path: &Path) -> Opened {
    let browser = std::env::var("BROWSER")
        .ok()
        .filter(|b| !b.trim().is_empty());
    if let Some(browser) = browser {
        let entry = browser
            .split(':')
            .next()
            .unwrap_or_default()
            .trim()
            .to_string();
        if spawn(&entry, path) {
            return Opened::With(entry);
        }
        return Opened::NotOpened;
    }
    if !std::io::stdout().is_terminal() {
        return Opened::NotOpened;
    }
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    if spawn(opener, path) {
        Opened::With(opener.to_string())
    } else {
        Opened::NotOpened
    }
}

/// Starts `program` on `path` without waiting for it (a browser may run for hours).
fn spawn(program: &str, path: &Path) -> bool {
    let Some((executable, args)) = command_line(program, path) else {
        return false;
    };
    Command::new(executable)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .is_ok()
}

/// The executable and its arguments: `%s` in `program` is replaced by the path, else
/// the path is the last argument.
fn command_line(program: &str, path: &Path) -> Option<(String, Vec<String>)> {
    let mut words = program.split_whitespace();
    let executable = words.next()?.to_string();
    let target = path.display().to_string();
    let mut args: Vec<String> = words.map(|w| w.replace("%s", &target)).collect();
    if !program.contains("%s") {
        args.push(target);
    }
    Some((executable, args))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_path_replaces_percent_s_or_comes_last() {
        let path = Path::new("/tmp/issue.html");
        let line = |program| command_line(program, path);
        assert_eq!(
            line("firefox"),
            Some(("firefox".into(), vec!["/tmp/issue.html".into()]))
        );
        assert_eq!(
            line("firefox --new-tab %s"),
            Some((
                "firefox".into(),
                vec!["--new-tab".into(), "/tmp/issue.html".into()]
            ))
        );
        assert_eq!(line("  "), None);
    }
}
