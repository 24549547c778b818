//! Writes the deterministic benchmark corpus used by `bench/run.sh`.
//!
//! ```text
//! cargo run --release --example gen_corpus -- OUT_DIR [N] [SEED] [--herald-only]
//! ```
//!
//! `--herald-only` leaves the Hugo copy out (the 100k-article benchmark row has no Hugo
//! peer, and the copy would double the writing).
//!
//! `OUT_DIR/herald/` gets `content/*.md` (N articles, 4–10 KB of Markdown each, full front
//! matter) and two configs: `herald.yaml` (feed limit 20) and `herald-all.yaml` (limit 0,
//! every article), both without a size budget (`max_bytes: 0`), so that every item keeps
//! its full content as in Hugo's feed. `OUT_DIR/hugo/` gets the same files with a `date:`
//! key added, and two Hugo configs that emit only the home RSS feed with each item's full
//! `.Content`.
//!
//! Every article ends with the marker `bench-end-NNNNN`, so a feed's item count with full
//! content can be checked by counting markers. About one article in twenty embeds raw
//! HTML. Publish dates are distinct RFC 3339 date-times between 2015 and mid-2025 with
//! assorted UTC offsets; file names are shuffled against date order. About 1% of articles
//! are drafts; the rest are published.
//!
//! The same N and seed always give byte-identical files.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, FixedOffset, TimeZone, Utc};

/// Site URL used by both generators.
const SITE_URL: &str = "https://bench.example/";

fn main() {
    if let Err(message) = run() {
        eprintln!("gen_corpus: {message}");
        std::process::exit(2);
    }
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let out: PathBuf = args
        .next()
        .ok_or("usage: gen_corpus OUT_DIR [N] [SEED]")?
        .into();
    let n: usize = match args.next() {
        Some(raw) => raw.parse().map_err(|e| format!("N {raw:?}: {e}"))?,
        None => 10_000,
    };
    let seed: u64 = match args.next() {
        Some(raw) => raw.parse().map_err(|e| format!("SEED {raw:?}: {e}"))?,
        None => 42,
    };
    let herald_only = match args.next().as_deref() {
        None => false,
        Some("--herald-only") => true,
        Some(other) => return Err(format!("unknown argument {other:?} (only --herald-only)")),
    };
    let corpus = Corpus::generate(n, seed);
    corpus
        .write(&out, herald_only)
        .map_err(|e| format!("{}: {e}", out.display()))?;
    let bytes: usize = corpus.articles.iter().map(|a| a.body.len()).sum();
    println!(
        "{} articles ({} drafts), {:.1} MB of Markdown body, in {}",
        n,
        corpus.articles.iter().filter(|a| a.draft).count(),
        bytes as f64 / 1e6,
        out.display()
    );
    Ok(())
}

/// SplitMix64: tiny, fast, and stable across platforms and crate versions.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..hi`.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next() % (hi - lo) as u64) as usize
    }

    /// True with probability `percent`/100.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.range(0, items.len())]
    }
}

#[rustfmt::skip]
const WORDS: &[&str] = &[
    "model", "creative", "studio", "feed", "reader", "archive", "design", "pipeline",
    "network", "signal", "latency", "budget", "editor", "draft", "version", "release",
    "schedule", "pattern", "texture", "canvas", "prompt", "dataset", "benchmark", "render",
    "workflow", "artist", "writer", "context", "history", "future", "balance", "quality",
    "review", "partner", "market", "audience", "language", "culture", "memory", "storage",
    "compiler", "runtime", "library", "server", "client", "message", "channel", "queue",
    "thread", "cache", "index", "query", "column", "layout", "palette", "sketch", "frame",
    "motion", "sound", "melody", "rhythm", "story", "chapter", "voice", "camera", "light",
    "shadow", "colour", "shape", "grid", "system", "process", "method", "result", "theory",
    "practice", "question", "answer", "problem", "solution", "choice", "trade-off", "limit",
    "scale", "growth", "risk", "trust", "policy", "license", "credit", "source", "origin",
    "careful", "rapid", "quiet", "bold", "subtle", "useful", "modern", "classic", "open",
    "shared", "local", "remote", "small", "large", "early", "late", "simple", "complex",
    "human", "digital", "visual", "written", "spoken", "hidden", "visible", "stable", "the",
    "a", "of", "and", "to", "in", "for", "with", "on", "by", "from", "as", "that", "this",
    "each", "every", "more", "less", "than", "while", "when", "where", "how", "is", "are",
    "was", "becomes", "keeps", "shows", "makes", "turns", "builds", "finds", "reads",
    "writes", "sends", "learns", "changes", "moves", "holds", "gives", "takes",
];

const AUTHORS: &[&str] = &[
    "Ada Lindqvist",
    "Bruno Okafor",
    "Chen Wei",
    "Dana Moreau",
    "Elif Kaya",
    "Farid Haddad",
    "Greta Novak",
    "Hiro Tanaka",
    "Ines Duarte",
    "Jonas Berg",
    "Kalani Akana",
    "Lucia Romero",
];

#[rustfmt::skip]
const TAGS: &[&str] = &[
    "ai", "design", "music", "film", "writing", "tooling", "rust", "python", "data",
    "ethics", "copyright", "education", "business", "research", "interviews", "tutorials",
    "opinion", "news", "video", "photography", "games", "typography", "accessibility",
    "open-source", "policy",
];

const LANGS: &[&str] = &["rust", "python", "bash", "yaml", "json", "js"];

const OFFSETS_MINUTES: &[i32] = &[0, 0, 60, 120, -300, 330, -480, 540];

/// One article as generated; written twice (herald's copy and Hugo's).
struct Article {
    file_stem: String,
    title: String,
    subtitle: Option<String>,
    description: String,
    author: &'static str,
    read_time: usize,
    published: DateTime<FixedOffset>,
    created: String,
    updated: Option<DateTime<FixedOffset>>,
    hero_image: Option<String>,
    cta: Option<String>,
    cta_url: Option<String>,
    tags: Vec<&'static str>,
    draft: bool,
    body: String,
}

struct Corpus {
    articles: Vec<Article>,
}

impl Corpus {
    fn generate(n: usize, seed: u64) -> Corpus {
        let mut rng = Rng(seed);
        // File numbers shuffled against date order (Fisher–Yates).
        let mut numbers: Vec<usize> = (1..=n).collect();
        for i in (1..n).rev() {
            let j = rng.range(0, i + 1);
            numbers.swap(i, j);
        }
        let start = Utc.with_ymd_and_hms(2015, 1, 1, 0, 0, 0).unwrap();
        let end = Utc.with_ymd_and_hms(2025, 6, 30, 0, 0, 0).unwrap();
        let stride = ((end - start).num_seconds() / n.max(1) as i64).max(120);
        // Stems first, so that bodies can link to other articles.
        let stems: Vec<String> = numbers
            .iter()
            .map(|&number| {
                let mut stem = format!("p{number:05}");
                for _ in 0..3 {
                    stem.push('-');
                    stem.push_str(&slug_word(&mut rng));
                }
                stem
            })
            .collect();
        let articles = (0..n)
            .map(|i| {
                let utc = start
                    + Duration::seconds(
                        i as i64 * stride + rng.range(0, stride as usize - 60) as i64,
                    );
                let offset = FixedOffset::east_opt(rng.pick(OFFSETS_MINUTES) * 60).unwrap();
                let published = utc.with_timezone(&offset);
                Article::generate(&mut rng, &stems, i, numbers[i], published)
            })
            .collect();
        Corpus { articles }
    }

    fn write(&self, out: &Path, herald_only: bool) -> std::io::Result<()> {
        let herald = out.join("herald");
        let hugo = out.join("hugo");
        for dir in [&herald, &hugo] {
            if dir.exists() {
                std::fs::remove_dir_all(dir)?;
            }
        }
        std::fs::create_dir_all(herald.join("content"))?;
        for (file, limit, public) in [
            ("herald.yaml", 20, "public-20"),
            ("herald-all.yaml", 0, "public-all"),
        ] {
            std::fs::write(herald.join(file), herald_config(limit, public))?;
        }
        for article in &self.articles {
            let name = format!("{}.md", article.file_stem);
            std::fs::write(
                herald.join("content").join(&name),
                article.to_markdown(false),
            )?;
        }
        if herald_only {
            return Ok(());
        }
        std::fs::create_dir_all(hugo.join("content/posts"))?;
        std::fs::create_dir_all(hugo.join("layouts/_default"))?;
        for article in &self.articles {
            let name = format!("{}.md", article.file_stem);
            std::fs::write(
                hugo.join("content/posts").join(&name),
                article.to_markdown(true),
            )?;
        }
        for (file, limit) in [("hugo-20.toml", 20), ("hugo-all.toml", -1)] {
            std::fs::write(hugo.join(file), hugo_config(limit))?;
        }
        std::fs::write(hugo.join("layouts/_default/rss.xml"), HUGO_RSS_TEMPLATE)?;
        Ok(())
    }
}

fn herald_config(limit: usize, public: &str) -> String {
    format!(
        "# Generated by examples/gen_corpus.rs for bench/run.sh.\n\
         site:\n  title: Herald Bench\n  url: {SITE_URL}\n  description: A generated archive for benchmarks\n  \
         language: en\n  author: Bench Editors\n  timezone: UTC\n\
         content_dir: content\noutput_dir: {public}\npermalink: /articles/{{slug}}/\n\
         feeds:\n  limit: {limit}\n  max_bytes: 0\n  \
         # Like Hugo's side: the newest 20 only (the 100k row turns archives on).\n  \
         archives: false\n"
    )
}

fn hugo_config(limit: i64) -> String {
    format!(
        r#"# Generated by examples/gen_corpus.rs for bench/run.sh: only the home RSS feed.
baseURL = "{SITE_URL}"
title = "Herald Bench"
languageCode = "en"
disableKinds = ["section", "taxonomy", "term", "sitemap", "robotsTXT", "404"]
enableRobotsTXT = false
buildFuture = false

[outputs]
home = ["RSS"]

[services.rss]
limit = {limit}

[permalinks]
posts = "/articles/:filename/"

# Raw HTML passes through, as in herald.
[markup.goldmark.renderer]
unsafe = true

# herald does not colour code; neither does Hugo here (same work per article).
[markup.highlight]
codeFences = false

# Pages are listed (and their .Content rendered for the feed) but get no HTML file of
# their own: disabling the "page" kind would drop them from .Site.RegularPages too.
[[cascade]]
[cascade._target]
kind = "page"
[cascade._build]
render = "never"
list = "always"
publishResources = false
"#
    )
}

/// The home RSS feed: the newest `services.rss.limit` regular pages with full content.
const HUGO_RSS_TEMPLATE: &str = r#"{{- $pages := .Site.RegularPages -}}
{{- $limit := .Site.Config.Services.RSS.Limit -}}
{{- if ge $limit 1 }}{{ $pages = $pages | first $limit }}{{ end -}}
{{- printf "<?xml version=\"1.0\" encoding=\"utf-8\" standalone=\"yes\"?>" | safeHTML }}
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
  <channel>
    <title>{{ .Site.Title }}</title>
    <link>{{ .Site.BaseURL }}</link>
    <description>A generated archive for benchmarks</description>
    <language>{{ .Site.LanguageCode }}</language>
    {{- with $pages }}{{ with index . 0 }}
    <lastBuildDate>{{ .Date.Format "Mon, 02 Jan 2006 15:04:05 -0700" | safeHTML }}</lastBuildDate>
    {{- end }}{{ end }}
    {{- range $pages }}
    <item>
      <title>{{ .Title }}</title>
      {{- /* Unrendered pages have no .Permalink; build the same URL as herald. */}}
      {{- $link := print "articles/" .File.ContentBaseName "/" | absURL }}
      <link>{{ $link }}</link>
      <pubDate>{{ .Date.Format "Mon, 02 Jan 2006 15:04:05 -0700" | safeHTML }}</pubDate>
      <guid>{{ $link }}</guid>
      <description>{{ .Content | html }}</description>
    </item>
    {{- end }}
  </channel>
</rss>
"#;

fn slug_word(rng: &mut Rng) -> String {
    loop {
        let word = *rng.pick(WORDS);
        if word.len() > 3 && !word.contains('-') {
            return word.to_string();
        }
    }
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn words(rng: &mut Rng, lo: usize, hi: usize) -> Vec<&'static str> {
    (0..rng.range(lo, hi)).map(|_| *rng.pick(WORDS)).collect()
}

fn title(rng: &mut Rng) -> String {
    words(rng, 4, 9)
        .iter()
        .map(|w| capitalise(w))
        .collect::<Vec<_>>()
        .join(" ")
}

fn sentence(rng: &mut Rng) -> String {
    let mut s = capitalise(&words(rng, 8, 20).join(" "));
    s.push('.');
    s
}

impl Article {
    fn generate(
        rng: &mut Rng,
        stems: &[String],
        index: usize,
        number: usize,
        published: DateTime<FixedOffset>,
    ) -> Article {
        let target = rng.range(4096, 8800);
        // One article in ten may embed raw HTML (figures), which herald rewrites itself.
        let raw_html = rng.chance(10);
        let mut body = String::with_capacity(target + 1024);
        let mut section = 0;
        while body.len() < target {
            block(rng, stems, &mut body, &mut section, raw_html);
        }
        let _ = write!(
            body,
            "\nThanks for reading; see the [archive](/archive/) for more. bench-end-{number:05}\n"
        );
        let words_in_body = body.split_whitespace().count();
        let created_days = rng.range(1, 60) as i64;
        let cta = rng.chance(50).then(|| sentence(rng));
        let cta_url = (cta.is_some() && rng.chance(40)).then(|| "/subscribe/".to_string());
        Article {
            file_stem: stems[index].clone(),
            title: title(rng),
            subtitle: rng.chance(60).then(|| sentence(rng)),
            description: format!("{} {}", sentence(rng), sentence(rng)),
            author: AUTHORS[rng.range(0, AUTHORS.len())],
            read_time: words_in_body / 200 + 1,
            published,
            created: (published - Duration::days(created_days))
                .format("%Y-%m-%d")
                .to_string(),
            updated: rng
                .chance(10)
                .then(|| published + Duration::days(rng.range(1, 90) as i64)),
            hero_image: rng.chance(70).then(|| {
                if rng.chance(50) {
                    format!("images/hero-{number:05}.jpg")
                } else {
                    format!("https://cdn.bench.example/hero/{number:05}.jpg")
                }
            }),
            cta,
            cta_url,
            tags: if rng.chance(60) {
                (0..rng.range(1, 5))
                    .map(|_| *rng.pick(TAGS))
                    .fold(Vec::new(), |mut tags, tag| {
                        if !tags.contains(&tag) {
                            tags.push(tag);
                        }
                        tags
                    })
            } else {
                Vec::new()
            },
            draft: rng.chance(1),
            body,
        }
    }

    /// The file as written; Hugo's copy also gets `date:` (Hugo does not read
    /// `publish_date`).
    fn to_markdown(&self, hugo: bool) -> String {
        let q = |s: &str| format!("'{}'", s.replace('\'', "''"));
        let mut out = String::with_capacity(self.body.len() + 1024);
        out.push_str("---\n");
        let _ = writeln!(out, "title: {}", q(&self.title));
        if let Some(subtitle) = &self.subtitle {
            let _ = writeln!(out, "subtitle: {}", q(subtitle));
        }
        let _ = writeln!(out, "description: {}", q(&self.description));
        let _ = writeln!(out, "author: {}", q(self.author));
        let _ = writeln!(out, "read_time: '{} mins'", self.read_time);
        let published = self.published.to_rfc3339();
        let _ = writeln!(out, "publish_date: '{published}'");
        if hugo {
            let _ = writeln!(out, "date: '{published}'");
        }
        let _ = writeln!(out, "created_date: '{}'", self.created);
        if let Some(updated) = &self.updated {
            let _ = writeln!(out, "updated_date: '{}'", updated.to_rfc3339());
        }
        if let Some(hero) = &self.hero_image {
            let _ = writeln!(out, "heroImage: {}", q(hero));
        }
        if let Some(cta) = &self.cta {
            let _ = writeln!(out, "cta: {}", q(cta));
        }
        if let Some(cta_url) = &self.cta_url {
            let _ = writeln!(out, "cta_url: {}", q(cta_url));
        }
        if !self.tags.is_empty() {
            let _ = writeln!(out, "tags: [{}]", self.tags.join(", "));
        }
        if self.draft {
            out.push_str("draft: true\n");
        }
        out.push_str("---\n\n");
        out.push_str(&self.body);
        out
    }
}

/// Appends one Markdown block (paragraph, heading, list, code, table, image, quote, and
/// raw HTML when `html`), weighted towards paragraphs.
fn block(rng: &mut Rng, stems: &[String], out: &mut String, section: &mut usize, html: bool) {
    match rng.range(0, if html { 20 } else { 19 }) {
        0..=7 => {
            paragraph(rng, stems, out);
        }
        8..=9 => {
            *section += 1;
            let level = if rng.chance(70) { "##" } else { "###" };
            let _ = writeln!(out, "{level} {}\n", title(rng));
        }
        10..=11 => {
            for i in 1..=rng.range(3, 7) {
                let marker = if rng.chance(50) {
                    "-".to_string()
                } else {
                    format!("{i}.")
                };
                out.push_str(&marker);
                out.push(' ');
                inline_text(rng, stems, out, 6, 16);
                out.push('\n');
            }
            out.push('\n');
        }
        12..=13 => {
            let lang = rng.pick(LANGS);
            let _ = writeln!(out, "```{lang}");
            for line in 0..rng.range(4, 14) {
                let indent = "    ".repeat(line % 3);
                let w = words(rng, 2, 6);
                let _ = writeln!(
                    out,
                    "{indent}let {} = {}(\"{}\", {}); // {}",
                    w[0].replace('-', "_"),
                    w[1].replace('-', "_"),
                    w.join(" "),
                    rng.range(0, 10_000),
                    w.last().unwrap()
                );
            }
            out.push_str("```\n\n");
        }
        14..=15 => {
            let columns = rng.range(3, 6);
            let header: Vec<String> = (0..columns).map(|_| capitalise(&slug_word(rng))).collect();
            let _ = writeln!(out, "| {} |", header.join(" | "));
            let _ = writeln!(out, "|{}", "---|".repeat(columns));
            for _ in 0..rng.range(3, 9) {
                let cells: Vec<String> = (0..columns)
                    .map(|c| {
                        if c == 0 {
                            words(rng, 1, 3).join(" ")
                        } else {
                            format!("{}.{}", rng.range(0, 1000), rng.range(0, 100))
                        }
                    })
                    .collect();
                let _ = writeln!(out, "| {} |", cells.join(" | "));
            }
            out.push('\n');
        }
        16 => {
            let alt = words(rng, 2, 6).join(" ");
            let n = rng.range(1, 99);
            if rng.chance(50) {
                let _ = writeln!(
                    out,
                    "![{alt}](images/figure-{n}.png \"{}\")\n",
                    capitalise(&alt)
                );
            } else {
                let _ = writeln!(out, "![{alt}](https://cdn.bench.example/figures/{n}.jpg)\n");
            }
        }
        17..=18 => {
            out.push_str("> ");
            inline_text(rng, stems, out, 15, 40);
            out.push_str("\n\n");
        }
        _ => {
            // Raw HTML, which herald must make absolute itself.
            let n = rng.range(1, 99);
            let _ = writeln!(
                out,
                "<figure>\n  <img src=\"media/diagram-{n}.svg\" alt=\"{}\" width=\"640\">\n  <figcaption>{} <a href=\"../{}/\">related</a></figcaption>\n</figure>\n",
                words(rng, 2, 5).join(" "),
                sentence(rng),
                rng.pick(stems)
            );
        }
    }
}

fn paragraph(rng: &mut Rng, stems: &[String], out: &mut String) {
    for _ in 0..rng.range(3, 7) {
        inline_text(rng, stems, out, 10, 24);
        out.push(' ');
    }
    out.pop();
    out.push_str("\n\n");
}

/// A sentence with the occasional emphasis, code span and link (relative to another
/// article, root-relative, fragment, or absolute).
fn inline_text(rng: &mut Rng, stems: &[String], out: &mut String, lo: usize, hi: usize) {
    let w = words(rng, lo, hi);
    for (i, word) in w.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let word = if i == 0 {
            capitalise(word)
        } else {
            word.to_string()
        };
        match rng.range(0, 40) {
            0 => {
                let _ = write!(out, "**{word}**");
            }
            1 => {
                let _ = write!(out, "*{word}*");
            }
            2 => {
                let _ = write!(out, "`{word}()`");
            }
            3 => {
                let _ = write!(out, "[{word}](../{}/)", rng.pick(stems));
            }
            4 => {
                let _ = write!(
                    out,
                    "[{word}](https://example.org/{word}/{})",
                    rng.range(0, 500)
                );
            }
            5 if rng.chance(30) => {
                let _ = write!(out, "[{word}](/tags/{}/)", rng.pick(TAGS));
            }
            6 if rng.chance(20) => {
                let _ = write!(out, "[{word}](#section-{})", rng.range(1, 6));
            }
            _ => out.push_str(&word),
        }
    }
    out.push('.');
}
