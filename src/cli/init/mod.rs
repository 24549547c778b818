//! `herald init [DIR]`: a commented `herald.yaml`, one example article and a
//! `.gitignore`, refusing to overwrite anything unless `--force`.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

use super::{Context, Failure, paint};

/// The `herald.yaml` template: every key, its default and one line on what it does.
const CONFIG_TEMPLATE: &str = include_str!("herald.yaml");
/// The example article (our own text, in our front-matter format).
const EXAMPLE_ARTICLE: &str = include_str!("example.md");
/// What `herald init` puts in a `.gitignore` it creates.
const GITIGNORE: &str =
    "# herald's state (subscribers, outbox) and the built feeds\n.herald/\npublic/\n";
/// The example article's file name under `content/`.
const EXAMPLE_NAME: &str = "hello-from-herald.md";

const DEFAULT_TITLE: &str = "My Blog";
const DEFAULT_URL: &str = "https://example.com/";

/// Options of `herald init`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The folder to set up (created if missing).
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// Overwrite `herald.yaml` and the example article if they exist.
    #[arg(long)]
    force: bool,
    /// The site's title (asked on a terminal; default "My Blog").
    #[arg(long)]
    title: Option<String>,
    /// The site's absolute URL (asked on a terminal; default https://example.com/).
    #[arg(long)]
    url: Option<String>,
}

/// One file `init` writes.
struct Planned {
    path: PathBuf,
    contents: String,
    /// Written only when absent; never a reason to refuse.
    only_if_absent: bool,
}

/// Writes the files, or refuses (naming every existing one) without `--force`.
pub(super) fn run(context: &Context, args: Args) -> Result<(), Failure> {
    let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    let title = answer(args.title, "Site title", DEFAULT_TITLE, interactive)?;
    let url = answer(args.url, "Site URL", DEFAULT_URL, interactive)?;
    let url = check_url(&url)?;
    let files = plan(&args.dir, &title, &url, context.now);
    let existing: Vec<&Planned> = files
        .iter()
        .filter(|f| !f.only_if_absent && f.path.exists())
        .collect();
    if !existing.is_empty() && !args.force {
        let names: Vec<String> = existing
            .iter()
            .map(|f| f.path.display().to_string())
            .collect();
        return Err(Failure::runtime(anyhow::anyhow!(
            "{} already exist(s); nothing was written (pass --force to overwrite, or choose another folder: `herald init DIR`)",
            names.join(", ")
        )));
    }
    for file in &files {
        if file.only_if_absent && file.path.exists() {
            if context.verbose {
                println!("kept {} (it exists)", file.path.display());
            }
            continue;
        }
        write(&file.path, &file.contents)?;
        if context.verbose {
            println!("wrote {}", file.path.display());
        }
    }
    if !context.quiet {
        paint::success(&format!("created a herald site in {}", args.dir.display()));
        let cd = if args.dir == Path::new(".") {
            String::new()
        } else {
            format!("cd {} && ", args.dir.display())
        };
        paint::next(&format!(
            "{cd}herald new \"Title of your first piece\", then `herald check` and `herald build`"
        ));
    }
    Ok(())
}

/// The value given on the command line, else asked on a terminal, else the default.
fn answer(
    given: Option<String>,
    question: &str,
    default: &str,
    interactive: bool,
) -> Result<String, Failure> {
    if let Some(value) = given {
        return Ok(value);
    }
    if !interactive {
        return Ok(default.to_string());
    }
    eprint!("{question} [{default}]: ");
    std::io::stderr().flush().map_err(Failure::runtime)?;
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(Failure::runtime)?;
    let line = line.trim();
    Ok(if line.is_empty() { default } else { line }.to_string())
}

/// The URL must be absolute http(s); it is given a trailing `/`.
fn check_url(raw: &str) -> Result<url::Url, Failure> {
    let bad = |why: &str| {
        Failure::config(anyhow::anyhow!(
            "--url {raw:?} {why}; give the blog's absolute home URL, e.g. https://example.com/"
        ))
    };
    let mut url = url::Url::parse(raw.trim()).map_err(|e| bad(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(bad("is not an http(s) URL with a host"));
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

/// The files to write, with their contents.
fn plan(
    dir: &Path,
    title: &str,
    url: &url::Url,
    now: chrono::DateTime<chrono::Utc>,
) -> Vec<Planned> {
    let host = url.host_str().unwrap_or("example.com");
    let config = fill(
        CONFIG_TEMPLATE,
        &[
            ("title", quote(title)),
            ("url", quote(url.as_str())),
            ("description", quote(&format!("Articles from {title}"))),
            ("from", quote(&format!("{title} <news@{host}>"))),
            ("mailto", quote(&format!("unsubscribe@{host}"))),
        ],
    );
    let article = fill(
        EXAMPLE_ARTICLE,
        &[("date", now.format("%Y-%m-%d").to_string())],
    );
    vec![
        Planned {
            path: dir.join(crate::config::DEFAULT_FILE),
            contents: config,
            only_if_absent: false,
        },
        Planned {
            path: dir.join("content").join(EXAMPLE_NAME),
            contents: article,
            only_if_absent: false,
        },
        Planned {
            path: dir.join(".gitignore"),
            contents: GITIGNORE.to_string(),
            only_if_absent: true,
        },
    ]
}

/// Replaces each `{{name}}` in `template`.
fn fill(template: &str, values: &[(&str, String)]) -> String {
    values
        .iter()
        .fold(template.to_string(), |text, (name, value)| {
            text.replace(&format!("{{{{{name}}}}}"), value)
        })
}

/// `text` as a YAML single-quoted scalar, on one line.
pub(super) fn quote(text: &str) -> String {
    let one_line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    format!("'{}'", one_line.replace('\'', "''"))
}

fn write(path: &Path, contents: &str) -> Result<(), Failure> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| crate::Error::io(parent, e))?;
    }
    std::fs::write(path, contents).map_err(|e| crate::Error::io(path, e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_survives_yaml() {
        for text in ["It's \"ours\"", "a: b # c", "- dash", "tab\there", "yes"] {
            let parsed: String = serde_yaml::from_str(&quote(text)).unwrap();
            assert_eq!(parsed, text.replace('\t', " "), "{text}");
        }
    }

    #[test]
    fn urls_get_a_trailing_slash_and_must_be_http() {
        assert_eq!(
            check_url("https://example.org/blog").unwrap().as_str(),
            "https://example.org/blog/"
        );
        assert!(check_url("ftp://example.org/").is_err());
        assert!(check_url("example.org").is_err());
    }
}
