//! A newcomer's first hour, with the real binary in an empty folder: `init` → `new` →
//! `check` → `build` → `digest` → `send` to the outbox; and the helpers around it
//! (`digest --open`, completions, man pages, colour, the next step in every message).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::Run;

const NOW: &str = "2026-03-10T09:30:00Z";

/// An empty temporary folder and the binary run inside it.
struct Folder {
    dir: tempfile::TempDir,
}

impl Folder {
    fn new() -> Folder {
        Folder {
            dir: tempfile::tempdir().expect("temporary folder"),
        }
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    fn read(&self, relative: &str) -> String {
        std::fs::read_to_string(self.path(relative))
            .unwrap_or_else(|e| panic!("reading {relative}: {e}"))
    }

    /// `herald --now NOW ARGS…` in the folder, with no colour forcing or secrets
    /// inherited from the environment.
    fn herald(&self, args: &[&str]) -> Run {
        self.herald_with(args, &[])
    }

    fn herald_with(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        Run::of(self.command(args, env))
    }

    fn command(&self, args: &[&str], env: &[(&str, &str)]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_herald"));
        command
            .args(["--now", NOW])
            .args(args)
            .current_dir(self.dir.path())
            .env_remove("HERALD_SMTP_URL")
            .env_remove("HERALD_SMTP_PASSWORD")
            .env_remove("HERALD_SECRET")
            .env_remove("BROWSER")
            .env_remove("CLICOLOR_FORCE")
            .env_remove("NO_COLOR")
            .envs(env.iter().copied());
        command
    }
}

fn init(folder: &Folder) -> Run {
    let run = folder.herald(&[
        "init",
        "--title",
        "Field Notes",
        "--url",
        "https://notes.example.org",
    ]);
    run.expect_code(0);
    run
}

/// The only `*.md` file name in `content/` other than init's example.
fn feed_titles(folder: &Folder) -> Vec<String> {
    let bytes = std::fs::read(folder.path("public/atom.xml")).expect("atom.xml");
    let feed = feed_rs::parser::parse(&bytes[..]).expect("atom.xml parses");
    feed.entries
        .iter()
        .map(|e| {
            e.title
                .as_ref()
                .map(|t| t.content.clone())
                .unwrap_or_default()
        })
        .collect()
}

/// Removes the `draft: true` line of `relative`.
fn publish(folder: &Folder, relative: &str) {
    let text = folder.read(relative);
    let published: String = text
        .lines()
        .filter(|line| !line.starts_with("draft:"))
        .map(|line| format!("{line}\n"))
        .collect();
    assert_ne!(text, published, "{relative} had no `draft:` line");
    std::fs::write(folder.path(relative), published).expect("write");
}

#[test]
fn init_new_check_build_digest_send_in_an_empty_folder() {
    let folder = Folder::new();

    // init: a config, an example article, a .gitignore, and the next step.
    let run = init(&folder);
    run.expect_stdout("next:")
        .expect_stdout("herald new")
        .expect_stdout("herald check")
        .expect_stdout("herald build");
    let config = herald::Config::load(&folder.path("herald.yaml")).expect("init's config loads");
    assert_eq!(site_title(&folder.path("herald.yaml")), "Field Notes");
    assert_eq!(config.base_url().as_str(), "https://notes.example.org/");
    let gitignore = folder.read(".gitignore");
    assert!(gitignore.lines().any(|l| l == ".herald/"), "{gitignore}");
    assert!(gitignore.lines().any(|l| l == "public/"), "{gitignore}");

    // new: a draft named by the crate's own slug function, with every field.
    let title = "Why We Moved: Notes & Numbers";
    let slug = "why-we-moved-notes-numbers";
    let relative = format!("content/{slug}.md");
    folder
        .herald(&["new", title])
        .expect_code(0)
        .expect_stdout(&relative)
        .expect_stdout("draft: true");
    let draft = folder.read(&relative);
    // Every front-matter field is in the draft: checked against the parser's list of
    // fields by a unit test beside `new` (src/cli/new.rs).
    for key in [
        "title:",
        "publish_date:",
        "# heroImage:",
        "# cta_url:",
        "# tags:",
    ] {
        assert!(draft.contains(key), "`new` left out {key}\n{draft}");
    }
    assert!(
        draft.contains("publish_date: '2026-03-10T09:30:00Z'"),
        "{draft}"
    );
    assert!(
        draft.lines().any(|l| l.starts_with("draft: true")),
        "{draft}"
    );

    // check and build: valid, and the draft is not in the feeds.
    folder
        .herald(&["check"])
        .expect_code(0)
        .expect_stdout("ok: 2 article(s), 1 published");
    folder
        .herald(&["build"])
        .expect_code(0)
        .expect_stdout("feeds are in")
        .expect_stdout("public");
    assert_eq!(feed_titles(&folder), ["Hello from herald"]);

    // Publishing the draft puts it in the feeds, under its slug.
    publish(&folder, &relative);
    folder.herald(&["build"]).expect_code(0);
    assert_eq!(feed_titles(&folder), [title, "Hello from herald"]);
    assert!(
        folder
            .read("public/rss.xml")
            .contains(&format!("https://notes.example.org/articles/{slug}/"))
    );

    // No subscriber yet: the message says how to get some.
    let secret = [("HERALD_SECRET", "a long random string for the first hour")];
    folder
        .herald_with(&["send"], &secret)
        .expect_code(0)
        .expect_stdout("herald subscribers import");

    folder
        .herald(&["subscribers", "list"])
        .expect_code(0)
        .expect_stderr("herald subscribers import");

    // Import one, preview, and send to the outbox.
    std::fs::write(
        folder.path("readers.csv"),
        "email,name\nme@example.net,Me\n",
    )
    .unwrap();
    folder
        .herald(&["subscribers", "import", "readers.csv"])
        .expect_code(0);
    folder
        .herald(&["digest", "--html", "issue.html"])
        .expect_code(0)
        .expect_stdout(title);
    assert!(
        folder
            .read("issue.html")
            .contains(&title.replace('&', "&amp;"))
    );
    let run = folder.herald_with(&["send"], &secret);
    run.expect_code(0)
        .expect_stderr(".herald/outbox/")
        .expect_stderr("HERALD_SMTP_URL");
    let summary: serde_json::Value =
        serde_json::from_str(run.stdout().trim()).expect("one JSON line without a terminal");
    let issue = summary["issue"].as_str().expect("issue id");
    let eml = folder.read(&format!(".herald/outbox/{issue}/me@example.net.eml"));
    let message = mail_parser::MessageParser::default()
        .parse(eml.as_bytes())
        .expect("the .eml parses");
    assert_eq!(
        message
            .to()
            .and_then(|a| a.first())
            .and_then(|a| a.address()),
        Some("me@example.net")
    );
    assert!(eml.contains("Field Notes"), "{eml}");
}

#[test]
fn init_refuses_to_overwrite_and_names_the_file_unless_forced() {
    let folder = Folder::new();
    init(&folder);
    std::fs::write(folder.path("herald.yaml"), "# mine\n").unwrap();
    std::fs::write(folder.path(".gitignore"), "target/\n").unwrap();
    let run = folder.herald(&["init"]);
    run.expect_code(1)
        .expect_stderr("herald.yaml")
        .expect_stderr("hello-from-herald.md")
        .expect_stderr("--force");
    assert_eq!(
        folder.read("herald.yaml"),
        "# mine\n",
        "a refused init wrote"
    );

    folder
        .herald(&["init", "--force", "--title", "Again"])
        .expect_code(0);
    herald::Config::load(&folder.path("herald.yaml")).expect("loads");
    assert_eq!(site_title(&folder.path("herald.yaml")), "Again");
    assert_eq!(
        folder.read(".gitignore"),
        "target/\n",
        "an existing .gitignore is the user's"
    );
}

#[test]
fn init_into_a_new_folder_and_the_next_step_says_cd() {
    let folder = Folder::new();
    folder
        .herald(&["init", "blog"])
        .expect_code(0)
        .expect_stdout("cd blog");
    assert!(folder.path("blog/herald.yaml").is_file());
    assert!(folder.path("blog/content/hello-from-herald.md").is_file());
    // Without a terminal nothing was asked: the defaults were used.
    herald::Config::load(&folder.path("blog/herald.yaml")).expect("loads");
    assert_eq!(site_title(&folder.path("blog/herald.yaml")), "My Blog");
}

#[test]
fn new_refuses_a_slug_that_exists() {
    let folder = Folder::new();
    init(&folder);
    folder.herald(&["new", "Second Thoughts"]).expect_code(0);
    folder
        .herald(&["new", "second   thoughts!"])
        .expect_code(1)
        .expect_stderr("content/second-thoughts.md")
        .expect_stderr("already exists");
    // A slug held by an article's own `slug:` counts too.
    std::fs::write(
        folder.path("content/elsewhere.md"),
        "---\ntitle: Elsewhere\npublish_date: 2026-01-01\nslug: taken-slug\n---\n",
    )
    .unwrap();
    folder
        .herald(&["new", "Taken Slug"])
        .expect_code(1)
        .expect_stderr("content/elsewhere.md");
    assert!(!folder.path("content/taken-slug.md").exists());
    folder
        .herald(&["new", "?!"])
        .expect_code(2)
        .expect_stderr("letter or digit");
}

#[test]
fn new_dates_the_draft_in_the_site_time_zone() {
    let folder = Folder::new();
    init(&folder);
    let yaml = folder
        .read("herald.yaml")
        .replace("timezone: UTC", "timezone: Asia/Tokyo");
    std::fs::write(folder.path("herald.yaml"), yaml).unwrap();
    folder.herald(&["new", "Late Night"]).expect_code(0);
    assert!(
        folder
            .read("content/late-night.md")
            .contains("publish_date: '2026-03-10T18:30:00+09:00'")
    );
}

#[test]
fn without_herald_yaml_every_command_says_run_herald_init() {
    let folder = Folder::new();
    for args in [
        &["build"][..],
        &["check"],
        &["send"],
        &["new", "A title"],
        &["digest"],
    ] {
        folder
            .herald(args)
            .expect_code(2)
            .expect_stderr("herald.yaml")
            .expect_stderr("run `herald init`");
    }
}

#[test]
fn digest_open_hands_a_preview_file_to_browser() {
    let folder = Folder::new();
    init(&folder);
    let record = folder.path("opened.txt");
    let script = folder.path("browser.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nprintf '%s' \"$1\" > '{}.tmp' && mv '{0}.tmp' '{0}'\n",
            record.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let browser = script.display().to_string();
    let run = folder.herald_with(&["digest", "--open"], &[("BROWSER", &browser)]);
    run.expect_code(0).expect_stdout("preview: ");
    let opened = wait_for(&record);
    assert!(
        run.stdout().contains(&opened),
        "the printed path is the opened one\n{}",
        run.describe()
    );
    let html = std::fs::read_to_string(&opened).expect("the preview file exists");
    assert!(html.contains("Hello from herald"), "{html}");
    std::fs::remove_file(&opened).ok();

    // Without $BROWSER and without a terminal: the path is printed, nothing is opened.
    let run = folder.herald(&["digest", "--open"]);
    run.expect_code(0).expect_stdout("open it in your browser");
    let path = run
        .stdout()
        .lines()
        .find_map(|l| {
            l.strip_prefix("preview: ")
                .map(|p| p.split(" (").next().unwrap().to_string())
        })
        .expect("a preview line");
    assert!(
        std::fs::read_to_string(&path)
            .unwrap()
            .contains("Hello from herald")
    );
    std::fs::remove_file(&path).ok();
}

/// The file the recording browser writes (it runs after herald returns).
fn wait_for(path: &Path) -> String {
    for _ in 0..200 {
        if let Ok(text) = std::fs::read_to_string(path) {
            return text;
        }
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
    panic!(
        "the browser was never started with the preview ({} missing)",
        path.display()
    );
}

#[test]
fn completions_for_every_shell_and_bash_accepts_its_script() {
    let folder = Folder::new();
    let bash = folder.herald(&["completions", "bash"]);
    bash.expect_code(0).expect_stdout("herald");
    std::fs::write(folder.path("herald.bash"), bash.stdout()).unwrap();
    let check = Command::new("bash")
        .arg("-n")
        .arg(folder.path("herald.bash"))
        .output()
        .expect("bash runs");
    assert!(
        check.status.success(),
        "bash -n: {}",
        String::from_utf8_lossy(&check.stderr)
    );
    for shell in ["zsh", "fish", "powershell"] {
        let run = folder.herald(&["completions", shell]);
        run.expect_code(0).expect_stdout("init");
    }
    folder.herald(&["completions", "tcsh"]).expect_code(2);
}

#[test]
fn man_prints_roff_and_writes_one_page_per_command() {
    let folder = Folder::new();
    let run = folder.herald(&["man"]);
    run.expect_code(0);
    let page = run.stdout();
    assert!(
        page.starts_with(".ie") || page.contains("\n.TH herald 1"),
        "{page}"
    );
    assert!(page.contains(".TH herald 1"), "{page}");
    std::fs::write(folder.path("herald.1"), &page).unwrap();
    // groff, when installed, must accept it without a warning.
    if let Ok(out) = Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-z"])
        .arg(folder.path("herald.1"))
        .output()
    {
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "groff: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    folder.herald(&["man", "--out", "man"]).expect_code(0);
    for name in [
        "herald.1",
        "herald-init.1",
        "herald-new.1",
        "herald-build.1",
        "herald-send.1",
    ] {
        let text = folder.read(&format!("man/{name}"));
        assert!(text.contains(".TH"), "{name}: {text}");
    }
}

#[test]
fn colour_only_when_forced_and_never_under_no_color() {
    let folder = Folder::new();
    // A failing command prints `error:`; CLICOLOR_FORCE stands in for a terminal.
    let forced = folder.herald_with(&["build"], &[("CLICOLOR_FORCE", "1")]);
    assert!(
        forced.stderr().contains('\x1b'),
        "no colour even when forced\n{}",
        forced.describe()
    );
    for env in [&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")][..], &[]] {
        let run = folder.herald_with(&["build"], env);
        run.expect_code(2).expect_stderr("error:");
        assert!(
            !run.stderr().contains('\x1b') && !run.stdout().contains('\x1b'),
            "escape bytes with {env:?}\n{}",
            run.describe()
        );
    }
    init(&folder);
    for args in [
        &["check"][..],
        &["build"],
        &["new", "Colourless"],
        &["--help"],
    ] {
        let run = folder.herald_with(args, &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]);
        run.expect_code(0);
        assert!(
            !run.stderr().contains('\x1b') && !run.stdout().contains('\x1b'),
            "{}",
            run.describe()
        );
    }
}

#[test]
fn verbose_lists_each_file_written_and_quiet_prints_nothing() {
    let folder = Folder::new();
    folder
        .herald(&["init", "--verbose"])
        .expect_code(0)
        .expect_stdout("wrote ")
        .expect_stdout("herald.yaml");
    let run = folder.herald(&["-v", "build"]);
    run.expect_code(0)
        .expect_stdout("wrote ")
        .expect_stdout("rss.xml")
        .expect_stdout("took ");
    let run = folder.herald(&["-q", "build"]);
    run.expect_code(0);
    assert_eq!(run.stdout(), "", "{}", run.describe());
    folder.herald(&["-q", "-v", "build"]).expect_code(2);
}

/// `site.title` as written in a `herald.yaml`.
fn site_title(path: &std::path::Path) -> String {
    let text = std::fs::read_to_string(path).expect("herald.yaml");
    let yaml: serde_yaml::Value = serde_yaml::from_str(&text).expect("herald.yaml is YAML");
    yaml["site"]["title"]
        .as_str()
        .expect("site.title")
        .to_string()
}
