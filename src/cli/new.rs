//! `herald new "Title"`: a draft article with every front-matter field, filled or
//! commented, in the configured `content_dir`.

use std::path::{Path, PathBuf};

use chrono::SecondsFormat;

use super::{Context, Failure, paint};

/// Options of `herald new`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The article's title; its slug (the file name and URL) is made from it.
    title: String,
}

/// Writes `content/<slug>.md` as a draft dated now, and prints its path.
pub(super) fn run(context: &Context, args: Args) -> Result<(), Failure> {
    let config = context.config()?;
    let title = args.title.trim();
    let slug = crate::content::slugify(title);
    if slug.is_empty() {
        return Err(Failure::config(anyhow::anyhow!(
            "the title {title:?} has no letter or digit to make a file name (slug) from; give a title with some"
        )));
    }
    let path = config.content_dir.join(format!("{slug}.md"));
    if let Some(holder) = slug_holder(&config, &slug, &path) {
        return Err(Failure::runtime(anyhow::anyhow!(
            "{}: an article with the slug `{slug}` already exists; nothing was written (choose another title, or edit that file)",
            holder.display()
        )));
    }
    let published = context
        .now
        .with_timezone(&config.timezone())
        .to_rfc3339_opts(SecondsFormat::Secs, true);
    let host = config.base_url().host_str().unwrap_or("example.com");
    let text = article(title, &published, config.site.author.as_deref(), host);
    create(&path, &text)?;
    if context.quiet {
        return Ok(());
    }
    paint::success(&format!("created {}", path.display()));
    paint::next(&format!(
        "write it, remove `draft: true` when it is ready, then `herald check` and `herald build` (it will be at {})",
        article_url(&config, &slug)
    ));
    Ok(())
}

/// The file already holding `slug`: `path` itself, or another article whose file
/// name or `slug:` gives the same slug.
fn slug_holder(config: &crate::Config, slug: &str, path: &Path) -> Option<PathBuf> {
    if path.exists() {
        return Some(path.to_path_buf());
    }
    // An unreadable or invalid article cannot hold a slug the feeds would use; the
    // build reports it anyway.
    let loaded = crate::content::load(config).ok()?;
    loaded
        .articles
        .iter()
        .find(|a| a.slug() == slug)
        .map(|a| a.path().to_path_buf())
}

fn article_url(config: &crate::Config, slug: &str) -> String {
    config
        .article_url(slug)
        .map_or_else(|_| config.permalink.replace("{slug}", slug), String::from)
}

/// The new article: every field of our front matter, filled or commented out.
fn article(title: &str, published: &str, site_author: Option<&str>, host: &str) -> String {
    let author = match site_author {
        Some(author) => format!(
            "# author: {}           # default: site.author",
            super::init::quote(author)
        ),
        None => "# author: 'Your Name'".to_string(),
    };
    format!(
        "---\n\
title: {title}\n\
# subtitle: 'One line under the title'\n\
# description: 'One paragraph for feed readers and the email digest.'\n\
{author}\n\
# read_time: '5 mins'\n\
publish_date: '{published}'   # a date (midnight in site.timezone) or RFC 3339\n\
# created_date: '{date}'        # never used as a feed date\n\
# updated_date: '{date}'\n\
# heroImage: 'images/hero.jpg'  # or hero_image; relative to the article is fine\n\
# cta: 'A call to action under the article'\n\
# cta_url: '/subscribe/'        # where the call to action points; default: the article\n\
# tags: [one, two]\n\
# slug: {slug}                  # default: the file name\n\
# id: 'tag:{host},{year}:{slug}'  # stable feed id; default: the URL (see herald-ids.yaml)\n\
draft: true                     # remove (or set false) to publish\n\
---\n\
\n\
Write the article here, in Markdown.\n",
        title = super::init::quote(title),
        date = &published[..10],
        year = &published[..4],
        slug = crate::content::slugify(title),
    )
}

/// Creates `path`, failing if it appeared meanwhile.
fn create(path: &Path, text: &str) -> Result<(), Failure> {
    use std::io::Write;
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| crate::Error::io(parent, e))?;
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| crate::Error::io(path, e))?;
    file.write_all(text.as_bytes())
        .map_err(|e| crate::Error::io(path, e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::content::front_matter::KNOWN_KEYS;

    #[test]
    fn the_draft_names_every_front_matter_field() {
        let draft = super::article("T", "2024-03-15T09:30:00+01:00", None, "example.com");
        for key in KNOWN_KEYS {
            if *key == "hero_image" {
                continue; // the alias of heroImage, which the file shows
            }
            assert!(
                draft
                    .lines()
                    .any(|l| l.trim_start_matches("# ").starts_with(&format!("{key}:"))),
                "`new` leaves out the field {key}:\n{draft}"
            );
        }
    }
}
