//! Where a `herald build` spends its time, stage by stage (used to profile the benchmark).
//!
//! ```text
//! cargo run --release --example stages -- CONFIG [RUNS] [NOW]
//! ```
//!
//! Runs each stage of a build `RUNS` times (default 5) through the library's public API,
//! writing only into a scratch folder beside the config, and prints the median wall time
//! of each. The stages overlap: "build" includes the others, and the ids file (which only
//! a whole build reads and writes) is timed as the difference.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rayon::prelude::*;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(config_path) = args.next().map(PathBuf::from) else {
        eprintln!("usage: stages CONFIG [RUNS] [NOW]");
        std::process::exit(2);
    };
    let runs: usize = args
        .next()
        .map_or(5, |r| r.parse().expect("RUNS is a number"));
    let now: DateTime<Utc> = args
        .next()
        .map_or_else(Utc::now, |n| n.parse().expect("NOW is RFC 3339"));
    let config = herald::Config::load(&config_path).unwrap_or_else(|e| {
        eprintln!("stages: {e}");
        std::process::exit(1)
    });

    let loaded = herald::content::load(&config).expect("content folder");
    let records = herald::feed::select(&loaded.articles, now, config.feed_limit());
    let full = herald::content::load_full(&config, &records).expect("load the shown articles");
    let items: Vec<&herald::content::Article> = full.iter().collect();
    println!(
        "{} articles, {} items; median of {runs} runs:",
        loaded.articles.len(),
        items.len(),
    );

    let stage = |name: &str, f: &mut dyn FnMut() -> usize| {
        let mut times: Vec<Duration> = (0..runs)
            .map(|_| {
                let start = Instant::now();
                std::hint::black_box(f());
                start.elapsed()
            })
            .collect();
        times.sort();
        println!("{:>9.1} ms  {name}", times[runs / 2].as_secs_f64() * 1e3);
    };
    stage(
        "content::load (find, read, front matter, sort)",
        &mut || herald::content::load(&config).unwrap().articles.len(),
    );
    stage("feed::select", &mut || {
        herald::feed::select(&loaded.articles, now, config.feed_limit()).len()
    });
    stage(
        "content::load_full (the shown articles, read whole)",
        &mut || herald::content::load_full(&config, &records).unwrap().len(),
    );
    stage(
        "feed::render_all (Markdown + 3 formats, into memory)",
        &mut || {
            let feeds = herald::feed::render_all(&config, &items).unwrap();
            feeds.rss.len() + feeds.atom.len() + feeds.json.len()
        },
    );
    stage("  of which Article::render_html (parallel)", &mut || {
        items
            .par_iter()
            .map(|a| a.render_html().expect("render").len())
            .sum()
    });
    stage("  pulldown-cmark alone (the floor's work)", &mut || {
        let options = pulldown_cmark::Options::ENABLE_TABLES
            | pulldown_cmark::Options::ENABLE_FOOTNOTES
            | pulldown_cmark::Options::ENABLE_STRIKETHROUGH;
        items
            .par_iter()
            .map(|a| {
                let mut html = String::new();
                // The body: the file after its front matter's closing `---` line.
                let text = std::fs::read_to_string(&a.path).expect("read");
                let body = text
                    .strip_prefix("---")
                    .and_then(|t| t.split_once("\n---"))
                    .and_then(|(_, rest)| rest.split_once('\n'))
                    .map_or(text.as_str(), |(_, body)| body);
                let parser = pulldown_cmark::Parser::new_ext(body, options);
                pulldown_cmark::html::push_html(&mut html, parser);
                html.len()
            })
            .sum()
    });

    // A whole build, into a scratch copy of the config's output, ids and state files.
    let scratch = tempfile::tempdir_in(config_path.parent().unwrap_or(".".as_ref()))
        .expect("scratch folder beside the config");
    let mut yaml: serde_yaml::Value =
        serde_yaml::from_slice(&std::fs::read(&config_path).expect("the config")).expect("YAML");
    for (key, name) in [
        ("output_dir", "public"),
        ("ids_file", "herald-ids.yaml"),
        ("state_file", ".herald/herald.db"),
    ] {
        yaml[key] = scratch
            .path()
            .join(name)
            .to_string_lossy()
            .into_owned()
            .into();
    }
    let text = serde_yaml::to_string(&yaml).expect("YAML");
    let scratch_config =
        herald::Config::from_yaml(text.as_bytes(), &config_path).expect("the scratch config");
    let build = || {
        let options = herald::build::BuildOptions::default();
        let report = herald::build::build(&scratch_config, now, options).expect("build");
        report.written.len()
    };
    stage("build::build, first (every file new)", &mut || {
        let _ = std::fs::remove_dir_all(scratch.path().join("public"));
        let _ = std::fs::remove_dir_all(scratch.path().join(".herald"));
        let _ = std::fs::remove_file(scratch.path().join("herald-ids.yaml"));
        build()
    });
    build();
    stage("build::build, again (nothing changed)", &mut || build());
}
