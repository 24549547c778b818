//! Any bytes as an article file: parsing must never panic, and an accepted article
//! must have the fields the rest of herald relies on.
#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

fn config() -> &'static herald::Config {
    static CONFIG: OnceLock<herald::Config> = OnceLock::new();
    CONFIG.get_or_init(|| {
        let yaml = "site:\n  title: Fuzz\n  url: https://example.com/blog/\n  description: d\n  timezone: Europe/Paris\n";
        herald::Config::from_yaml(yaml.as_bytes(), Path::new("herald.yaml")).expect("config")
    })
}

fuzz_target!(|data: &[u8]| {
    let (article, diagnostics) =
        herald::fuzz::parse_article(Path::new("content/fuzz.md"), data, config());
    if let Some(article) = article {
        assert!(!article.title.trim().is_empty());
        assert!(!article.slug.is_empty());
        assert!(article.url.as_str().starts_with("https://example.com/blog/"));
    }
    for diagnostic in diagnostics {
        assert!(diagnostic.to_string().starts_with("content/fuzz.md"));
    }
});
