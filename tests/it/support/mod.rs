//! The shared harness: a site in a temporary folder, and running the real `herald`
//! binary on it with failures that print the command, its stdout and its stderr.

#![allow(dead_code)]

pub mod chromium;
pub mod pages;
pub mod server;
pub mod sns_host;
pub mod validate;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A minimal valid `herald.yaml`.
pub const CONFIG: &str = "\
site:
  title: Test Site
  url: https://example.com/blog/
  description: A site for tests
  author: Site Author
";

/// A temporary site folder with a config file and a `content/` folder.
pub struct Site {
    dir: tempfile::TempDir,
}

impl Site {
    /// A site with [`CONFIG`] and no articles.
    pub fn new() -> Site {
        Site::with_config(CONFIG)
    }

    /// A site with the given `herald.yaml`.
    pub fn with_config(config: &str) -> Site {
        let site = Site {
            dir: tempfile::tempdir().expect("temporary folder"),
        };
        site.write("herald.yaml", config);
        std::fs::create_dir_all(site.path("content")).expect("content folder");
        site
    }

    /// The absolute path of `relative` inside the site.
    pub fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    /// The site folder.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `contents` at `relative`, creating folders.
    pub fn write(&self, relative: &str, contents: impl AsRef<[u8]>) -> &Site {
        let path = self.path(relative);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("folders");
        std::fs::write(&path, contents).expect("write");
        self
    }

    /// Writes an article `content/<name>.md` with a title, a date and a body.
    pub fn article(&self, name: &str, title: &str, date: &str) -> &Site {
        self.write(
            &format!("content/{name}.md"),
            format!("---\ntitle: '{title}'\npublish_date: '{date}'\n---\n\nBody of {name}.\n"),
        )
    }

    /// A file's inode and modification time: a file herald rewrote (always through a
    /// new file renamed into place) has a new inode, whatever the file system's timestamp
    /// granularity, so no test has to sleep to see a change.
    pub fn identity(&self, relative: &str) -> (u64, std::time::SystemTime) {
        use std::os::unix::fs::MetadataExt;
        let meta = std::fs::metadata(self.path(relative))
            .unwrap_or_else(|e| panic!("stat {relative}: {e}"));
        (meta.ino(), meta.modified().expect("mtime"))
    }

    /// The site's state database, opened directly: for rows no command would write
    /// (what an older herald or a hand edit may have left).
    pub fn db(&self) -> rusqlite::Connection {
        let path = self.path(".herald/herald.db");
        // Created with its schema first, when no command has yet.
        herald::store::Store::open(&path).expect("opening the state database");
        rusqlite::Connection::open(path).expect("opening the state database")
    }

    /// Reads a file of the site as text.
    pub fn read(&self, relative: &str) -> String {
        std::fs::read_to_string(self.path(relative))
            .unwrap_or_else(|e| panic!("reading {relative}: {e}"))
    }

    /// Runs `herald --config <site>/herald.yaml ARGS…` with a pinned clock.
    pub fn herald(&self, args: &[&str]) -> Run {
        self.herald_with(args, &[])
    }

    /// [`Site::herald`] with extra environment variables (secrets, an SMTP URL).
    pub fn herald_with(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        Run::of(self.command(args, env))
    }

    /// The command [`Site::herald_with`] runs, for a caller that runs it another way.
    pub fn command(&self, args: &[&str], env: &[(&str, &str)]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_herald"));
        command
            .args(["--config", "herald.yaml"])
            .args(["--now", "2026-01-01T00:00:00Z"])
            .args(args)
            .current_dir(self.root())
            .env_remove("HERALD_SMTP_URL")
            .env_remove("HERALD_SMTP_PASSWORD")
            .envs(env.iter().copied());
        command
    }
}

/// A finished run of the binary.
pub struct Run {
    /// The command line, for messages.
    pub command: String,
    /// What it returned.
    pub output: Output,
}

impl Run {
    /// Runs `command` to completion.
    pub fn of(mut command: Command) -> Run {
        let line = format!("{command:?}");
        let output = command
            .output()
            .unwrap_or_else(|e| panic!("spawning {line}: {e}"));
        let run = Run {
            command: line,
            output,
        };
        assert!(
            !run.stderr().contains("panicked"),
            "herald panicked\n{}",
            run.describe()
        );
        run
    }

    /// Runs `command` for at most `limit`: past it the process is killed (its exit
    /// code is then -1), so a command that should have refused to start, and did not,
    /// fails the test instead of hanging it.
    pub fn of_within(mut command: Command, limit: std::time::Duration) -> Run {
        use std::io::Read;
        use std::process::Stdio;
        let line = format!("{command:?}");
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("spawning {line}: {e}"));
        let collect = |mut pipe: Box<dyn Read + Send>| {
            std::thread::spawn(move || {
                let mut bytes = Vec::new();
                let _ = pipe.read_to_end(&mut bytes);
                bytes
            })
        };
        let stdout = collect(Box::new(child.stdout.take().expect("piped stdout")));
        let stderr = collect(Box::new(child.stderr.take().expect("piped stderr")));
        let started = std::time::Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().expect("waiting for the command") {
                break status;
            }
            if started.elapsed() > limit {
                let _ = child.kill();
                break child.wait().expect("waiting for the killed command");
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        let output = Output {
            status,
            stdout: stdout.join().expect("stdout reader"),
            stderr: stderr.join().expect("stderr reader"),
        };
        Run {
            command: line,
            output,
        }
    }

    /// Standard output as text.
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }

    /// Standard error as text.
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    /// The exit code (-1 when killed by a signal).
    pub fn code(&self) -> i32 {
        self.output.status.code().unwrap_or(-1)
    }

    /// The command, exit code, stdout and stderr, for failure messages.
    pub fn describe(&self) -> String {
        format!(
            "command: {}\nexit: {:?}\n--- stdout\n{}--- stderr\n{}",
            self.command,
            self.output.status.code(),
            self.stdout(),
            self.stderr()
        )
    }

    /// Asserts the exit code, printing everything when it differs.
    pub fn expect_code(&self, code: i32) -> &Run {
        assert_eq!(
            self.code(),
            code,
            "unexpected exit code\n{}",
            self.describe()
        );
        self
    }

    /// Asserts that stderr contains `needle`.
    pub fn expect_stderr(&self, needle: &str) -> &Run {
        assert!(
            self.stderr().contains(needle),
            "stderr lacks {needle:?}\n{}",
            self.describe()
        );
        self
    }

    /// Asserts that stdout contains `needle`.
    pub fn expect_stdout(&self, needle: &str) -> &Run {
        assert!(
            self.stdout().contains(needle),
            "stdout lacks {needle:?}\n{}",
            self.describe()
        );
        self
    }
}
