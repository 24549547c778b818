//! Any front matter and body through all three feed formats: never a panic, and every
//! output is well-formed (XML parses; JSON parses).
#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

fn config() -> &'static herald::Config {
    static CONFIG: OnceLock<herald::Config> = OnceLock::new();
    CONFIG.get_or_init(|| {
        let yaml = "site:\n  title: Fuzz & <Co>\n  url: https://example.com/\n  description: d\n";
        herald::Config::from_yaml(yaml.as_bytes(), Path::new("herald.yaml")).expect("config")
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Let the fuzzer write the body freely behind a valid front matter, and also try the
    // input as a whole file.
    let wrapped = format!("---\ntitle: t\npublish_date: 2024-01-01\nheroImage: i.png\n---\n{text}");
    for file in [wrapped.as_str(), text] {
        let (article, _) =
            herald::fuzz::parse_article(Path::new("content/a.md"), file.as_bytes(), config());
        // Drafts too: the renderers are handed the article directly, not through
        // `feed::select`.
        let Some(article) = article else {
            continue;
        };
        let feeds = herald::feed::render_all(config(), &[&article]).expect("render");
        for xml in [&feeds.rss, &feeds.atom] {
            assert!(well_formed(xml), "not well-formed:\n{xml}");
        }
        serde_json::from_str::<serde_json::Value>(&feeds.json).expect("JSON parses");
    }
});

fn well_formed(xml: &str) -> bool {
    let mut reader = quick_xml::Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => return true,
            Ok(_) => {}
            Err(_) => return false,
        }
    }
}
