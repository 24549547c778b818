//! The inbound row of `bench/run.sh`: a Maildir of real-shaped reports.
//!
//! ```text
//! cargo run --release --example gen_bounces -- OUT_DIR N TEMPLATE_DIR…
//! ```
//!
//! Every file below the template folders (the public corpus in
//! `tests/fixtures/bounces/` and herald's own fixtures) is a template; `N` messages are
//! written to `OUT_DIR/Maildir/new/`, taking the templates in turn, each with a
//! Message-ID of its own, so that none is skipped as handled before. The addresses the
//! classifier finds in them are written to `OUT_DIR/subscribers.csv`, so that most
//! reports reach a subscriber and change the store, as on a real list.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use herald::inbound::{Addresses, Kind, classify};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [out, n, templates @ ..] = args.as_slice() else {
        eprintln!("usage: gen_bounces OUT_DIR N TEMPLATE_DIR…");
        std::process::exit(2);
    };
    let n: usize = n.parse().expect("N is a number");
    let mut files = Vec::new();
    for dir in templates {
        collect(Path::new(dir), &mut files);
    }
    files.sort();
    let templates: Vec<Vec<u8>> = files
        .iter()
        .map(|f| std::fs::read(f).expect("reading a template"))
        .collect();
    assert!(!templates.is_empty(), "no templates found");
    let out = Path::new(out);
    let new = out.join("Maildir/new");
    std::fs::create_dir_all(&new).expect("creating the Maildir");
    for sub in ["cur", "tmp"] {
        std::fs::create_dir_all(out.join("Maildir").join(sub)).expect("creating the Maildir");
    }
    let mut addresses = BTreeSet::new();
    for template in &templates {
        // Only what an import takes: a report may name an address no list could hold.
        addresses.extend(named(template).into_iter().filter(|a| imports(a)));
    }
    for i in 0..n {
        let template = &templates[i % templates.len()];
        let mut message = format!("Message-ID: <bench-{i}@gen-bounces.example>\r\n").into_bytes();
        message.extend_from_slice(&without_message_id(template));
        std::fs::write(
            new.join(format!("{:010}.M{i}P1.bench", 1_767_000_000 + i)),
            message,
        )
        .expect("writing a message");
    }
    let mut csv = String::from("email,name\n");
    for address in &addresses {
        csv.push_str(address);
        csv.push_str(",\n");
    }
    std::fs::write(out.join("subscribers.csv"), csv).expect("writing subscribers.csv");
    println!(
        "{n} messages from {} templates, {} addresses",
        templates.len(),
        addresses.len()
    );
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, files);
        } else if path
            .extension()
            .is_some_and(|e| e == "eml" || e == "txt" || e == "msg")
        {
            files.push(path);
        }
    }
}

/// The addresses a report names, as herald reads them.
fn named(raw: &[u8]) -> Vec<String> {
    match classify(raw, &Addresses::default(), &[]).kind {
        Kind::Bounce { who, .. } | Kind::Complaint { who, .. } | Kind::Unsubscribe { who } => {
            who.addresses
        }
        // Feedback of another kind, delivery notices, auto-replies, anything else.
        _ => Vec::new(),
    }
}

/// The message without its own `Message-ID:` header line (the first one only, and only
/// in the header block).
fn without_message_id(raw: &[u8]) -> Vec<u8> {
    let header_end = find(raw, b"\n\n").or_else(|| find(raw, b"\r\n\r\n"));
    let limit = header_end.unwrap_or(raw.len());
    let mut at = 0;
    while at < limit {
        let end = raw[at..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(raw.len(), |p| at + p + 1);
        if raw[at..end]
            .to_ascii_lowercase()
            .starts_with(b"message-id:")
        {
            let mut kept = raw[..at].to_vec();
            kept.extend_from_slice(&raw[end..]);
            return kept;
        }
        at = end;
    }
    raw.to_vec()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Whether an import takes `address`: a one-row export read as `herald subscribers
/// import` reads one.
fn imports(address: &str) -> bool {
    let csv = format!("email\n\"{}\"\n", address.replace('"', "\"\""));
    herald::newsletter::parse_csv(csv.as_bytes()).is_ok_and(|report| report.rows.len() == 1)
}
