//! `herald serve` as a child process on a loopback port, and a small HTTP client for it.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::Site;

/// A running `herald serve`; killed when dropped.
pub struct Server {
    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub base: String,
    child: Child,
    command: String,
    stderr: Arc<Mutex<String>>,
    agent: ureq::Agent,
}

/// One HTTP answer.
#[derive(Debug)]
pub struct Reply {
    /// The status code.
    pub status: u16,
    /// Header names (lowercase) and values, in order.
    pub headers: Vec<(String, String)>,
    /// The body as text.
    pub body: String,
}

impl Reply {
    /// The first value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

impl Site {
    /// Starts `herald serve --listen 127.0.0.1:0` with the pinned clock.
    pub fn serve(&self, env: &[(&str, &str)]) -> Server {
        self.serve_at("2026-01-01T00:00:00Z", env)
    }

    /// Starts `herald serve --listen 127.0.0.1:0` with the clock pinned at `now`, and
    /// waits until it prints the address it listens on.
    pub fn serve_at(&self, now: &str, env: &[(&str, &str)]) -> Server {
        let mut command = Command::new(env!("CARGO_BIN_EXE_herald"));
        command
            .args(["--config", "herald.yaml", "--now", now])
            .args(["serve", "--listen", "127.0.0.1:0"])
            .current_dir(self.root())
            .env_remove("HERALD_SMTP_URL")
            .env_remove("HERALD_SMTP_PASSWORD")
            .env_remove("RUST_LOG")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let line = format!("{command:?}");
        let mut child = command
            .spawn()
            .unwrap_or_else(|e| panic!("spawning {line}: {e}"));
        let stderr = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let pipe = child.stderr.take().expect("piped stderr");
        let log = Arc::clone(&stderr);
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            for text in BufReader::new(pipe).lines().map_while(Result::ok) {
                if let Some(address) = text.strip_prefix("listening on ")
                    && let Some(tx) = tx.take()
                {
                    let _ = tx.send(address.trim().to_string());
                }
                let mut log = log.lock().unwrap();
                log.push_str(&text);
                log.push('\n');
            }
        });
        let base = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(base) => base,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                std::thread::sleep(Duration::from_millis(100));
                panic!(
                    "herald serve did not print its address\ncommand: {line}\n--- stderr\n{}",
                    stderr.lock().unwrap()
                );
            }
        };
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        Server {
            base,
            child,
            command: line,
            stderr,
            agent,
        }
    }
}

impl Server {
    /// What the server wrote to stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Its stderr once it holds `needle` (access-log lines are written in batches,
    /// every 0.1 s: docs/serve.md), or after 10 s without it.
    pub fn stderr_with(&self, needle: &str) -> String {
        let started = std::time::Instant::now();
        loop {
            let log = self.stderr();
            if log.contains(needle) || started.elapsed() > std::time::Duration::from_secs(10) {
                return log;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    /// The command and its stderr, for failure messages.
    pub fn describe(&self) -> String {
        format!("command: {}\n--- stderr\n{}", self.command, self.stderr())
    }

    /// `GET path` with extra headers.
    pub fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Reply {
        let mut request = self.agent.get(format!("{}{path}", self.base));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.reply(path, request.call())
    }

    /// `GET path`.
    pub fn get(&self, path: &str) -> Reply {
        self.get_with(path, &[])
    }

    /// `POST path` with a form body and extra headers.
    pub fn post_with(&self, path: &str, form: &str, headers: &[(&str, &str)]) -> Reply {
        let mut request = self
            .agent
            .post(format!("{}{path}", self.base))
            .header("Content-Type", "application/x-www-form-urlencoded");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.reply(path, request.send(form))
    }

    /// `POST path` with `body` as `content_type` and extra headers.
    pub fn post_body(
        &self,
        path: &str,
        content_type: &str,
        body: &[u8],
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut request = self
            .agent
            .post(format!("{}{path}", self.base))
            .header("Content-Type", content_type);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.reply(path, request.send(body))
    }

    /// `POST path` with a form body (`application/x-www-form-urlencoded`).
    pub fn post(&self, path: &str, form: &str) -> Reply {
        self.post_with(path, form, &[])
    }

    fn reply(
        &self,
        path: &str,
        result: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Reply {
        let mut response =
            result.unwrap_or_else(|e| panic!("requesting {path}: {e}\n{}", self.describe()));
        let headers = response
            .headers()
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_ascii_lowercase(),
                    v.to_str().unwrap_or("").to_string(),
                )
            })
            .collect();
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .read_to_string()
            .unwrap_or_else(|e| panic!("reading the body of {path}: {e}"));
        Reply {
            status,
            headers,
            body,
        }
    }

    /// Sends SIGTERM and waits for the exit; returns the exit code and stderr.
    pub fn terminate(mut self) -> (Option<i32>, String) {
        self.signal_term();
        let status = self.child.wait().expect("waiting for herald serve");
        std::thread::sleep(Duration::from_millis(100));
        (status.code(), self.stderr())
    }

    /// Sends SIGTERM and waits at most `limit` for the exit; returns the exit code,
    /// how long the exit took, and stderr. Past `limit` the process is killed and the
    /// test fails, so a server that never stops turns into a failure, not a hang.
    pub fn terminate_within(mut self, limit: Duration) -> (Option<i32>, Duration, String) {
        self.signal_term();
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("waiting for herald serve") {
                let took = started.elapsed();
                std::thread::sleep(Duration::from_millis(100));
                return (status.code(), took, self.stderr());
            }
            if started.elapsed() > limit {
                let _ = self.child.kill();
                let _ = self.child.wait();
                std::thread::sleep(Duration::from_millis(100));
                panic!(
                    "herald serve was still running {limit:?} after SIGTERM\n{}",
                    self.describe()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn signal_term(&self) {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
