//! Where a `herald build` spends its time, stage by stage (used to profile the benchmark).
//!
//! ```text
//! cargo run --release --example stages -- CONFIG [RUNS] [NOW]
//! ```
//!
//! Runs each stage of a build `RUNS` times (default 5) through the library API, writing
//! only into a scratch folder beside the config, and prints the median wall time of each. The stages overlap: "load"
//! includes "read" and "front matter", and "prepare" includes "load" and the ids file.

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

    let files = herald::content::find_markdown(&config.content_dir).expect("content folder");
    let loaded = herald::content::load_files(&files, &config);
    let prepared = herald::build::prepare(&config, now).expect("prepare");
    let records = herald::feed::select(&prepared.articles, now, config.feeds.limit);
    let full = herald::content::load_full(&config, &records).expect("load the shown articles");
    let items: Vec<&herald::Article> = full.iter().collect();
    let ids_yaml = prepared.ledger.to_yaml();
    println!(
        "{} files, {} articles, {} items, ids file {} KB; median of {runs} runs:",
        files.len(),
        loaded.articles.len(),
        items.len(),
        ids_yaml.len() / 1024
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
    stage("find *.md", &mut || {
        herald::content::find_markdown(&config.content_dir)
            .unwrap()
            .len()
    });
    stage("read every file (parallel)", &mut || {
        files
            .par_iter()
            .map(|p| std::fs::read(p).map_or(0, |b| b.len()))
            .sum()
    });
    let texts: Vec<String> = files
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    stage("split + front matter, every file (parallel)", &mut || {
        texts
            .par_iter()
            .map(|t| {
                let split = herald::content::split::split(t).unwrap();
                herald::content::front_matter::parse(split.front_matter)
                    .1
                    .len()
            })
            .sum()
    });
    stage("  of which serde_yaml to Value (parallel)", &mut || {
        texts
            .par_iter()
            .map(|t| {
                let split = herald::content::split::split(t).unwrap();
                serde_yaml::from_str::<serde_yaml::Value>(split.front_matter)
                    .map_or(0, |v| v.as_mapping().map_or(0, |m| m.len()))
            })
            .sum()
    });
    let bytes: Vec<Vec<u8>> = texts.iter().map(|t| t.clone().into_bytes()).collect();
    stage(
        "content::parse, every file (parallel, bytes in memory)",
        &mut || {
            files
                .par_iter()
                .zip(&bytes)
                .map(|(p, b)| {
                    herald::content::parse_leaving_body(p, b, &config)
                        .diagnostics
                        .len()
                })
                .sum()
        },
    );
    stage("content::load_files (read + parse + sort)", &mut || {
        herald::content::load_files(&files, &config).articles.len()
    });
    stage("ids: Ledger::load", &mut || {
        herald::ids::Ledger::load(&config.ids_file)
            .unwrap()
            .articles
            .len()
    });
    let old = herald::ids::Ledger::load(&config.ids_file).unwrap();
    stage(
        "clone every Article (subtract from the next line)",
        &mut || loaded.articles.clone().len(),
    );
    stage("ids: reconcile (with a clone of the articles)", &mut || {
        let mut articles = loaded.articles.clone();
        herald::ids::reconcile(&mut articles, old.clone(), &config.content_dir, now, &|r| {
            r.load_full(&config).map(|a| a.title)
        })
        .ledger
        .articles
        .len()
    });
    stage("ids: Ledger::to_yaml", &mut || {
        prepared.ledger.to_yaml().len()
    });
    stage("build::prepare (load + ids)", &mut || {
        herald::build::prepare(&config, now).unwrap().articles.len()
    });
    stage("feed::select", &mut || {
        herald::feed::select(&prepared.articles, now, config.feeds.limit).len()
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
                let body = match &a.body {
                    herald::content::Body::Text(text) => text.clone(),
                    herald::content::Body::InFile { offset, .. } => {
                        let bytes = std::fs::read(&a.path).expect("read");
                        String::from_utf8(bytes[*offset..].to_vec()).expect("UTF-8")
                    }
                };
                let parser = pulldown_cmark::Parser::new_ext(&body, options);
                pulldown_cmark::html::push_html(&mut html, parser);
                html.len()
            })
            .sum()
    });
    stage("  of which rss::render", &mut || {
        herald::feed::rss::render(&config, &items).unwrap().len()
    });
    stage("  of which atom::render", &mut || {
        herald::feed::atom::render(&config, &items).unwrap().len()
    });
    stage("  of which json::render", &mut || {
        herald::feed::json::render(&config, &items).unwrap().len()
    });
    let scratch = tempfile::tempdir_in(&config.root).expect("scratch folder beside the config");
    let paths = herald::feed::FILES.map(|f| scratch.path().join(f));
    stage(
        "feed::write_all (Markdown + 3 formats), new files",
        &mut || {
            for path in &paths {
                let _ = std::fs::remove_file(path);
            }
            herald::feed::write_all(&config, &items, scratch.path())
                .unwrap()
                .len()
        },
    );
    stage(
        "feed::write_all (Markdown + 3 formats), unchanged",
        &mut || {
            herald::feed::write_all(&config, &items, scratch.path())
                .unwrap()
                .len()
        },
    );
    let feeds = herald::feed::render_all(&config, &items).unwrap();
    let files = [
        (paths[0].as_path(), feeds.rss.as_bytes()),
        (paths[1].as_path(), feeds.atom.as_bytes()),
        (paths[2].as_path(), feeds.json.as_bytes()),
    ];
    stage(
        "write_all_if_changed (bytes in memory), new files",
        &mut || {
            for path in &paths {
                let _ = std::fs::remove_file(path);
            }
            herald::output::write_all_if_changed(&files).unwrap().len()
        },
    );
    stage(
        "write_all_if_changed (bytes in memory), unchanged",
        &mut || herald::output::write_all_if_changed(&files).unwrap().len(),
    );
}
