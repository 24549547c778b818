//! The theme as the templates use it: the accent and its dark-mode tint, the logo, and
//! the header, footer and postal address rendered once for HTML and once for text.

use crate::config::{Colour, Config, Theme};
use crate::content::markdown::{render_snippet, snippet_text};
use crate::content::text::escape_html;

/// The page behind the card in dark mode.
pub(crate) const DARK_PAGE: &str = "#111827";
/// The card in dark mode; dark-mode accent links are tinted to be readable on it.
pub(crate) const DARK_CARD: Colour = Colour::rgb(0x1f, 0x29, 0x37);

/// The theme, ready for a template.
#[derive(Debug, Clone)]
pub(crate) struct ThemeView {
    /// Links and buttons, `#rrggbb` (checked at load: 4.5:1 with white).
    pub(crate) accent: String,
    /// Links in dark mode: the accent tinted until it reaches 4.5:1 on the dark card.
    pub(crate) accent_dark: String,
    /// The logo, if any.
    pub(crate) logo: Option<LogoView>,
    /// `newsletter.theme.header` as HTML and as text.
    pub(crate) header: Option<Snippet>,
    /// `newsletter.theme.footer` as HTML and as text.
    pub(crate) footer: Option<Snippet>,
    /// `newsletter.postal_address`, lines escaped and joined with `<br>`, and as written.
    pub(crate) postal: Option<Snippet>,
}

/// A logo as the templates show it.
#[derive(Debug, Clone)]
pub(crate) struct LogoView {
    pub(crate) url: String,
    pub(crate) alt: String,
    pub(crate) width: u32,
}

/// One piece of the owner's text, as HTML (safe to insert) and as plain text.
#[derive(Debug, Clone)]
pub(crate) struct Snippet {
    pub(crate) html: String,
    pub(crate) text: String,
}

impl ThemeView {
    /// The look of `theme` (already validated) on the site at `base`.
    pub(crate) fn new(theme: &Theme, postal_address: Option<&str>, base: &url::Url) -> ThemeView {
        let accent = theme.accent_colour();
        let markdown = |source: &Option<String>| {
            source
                .as_deref()
                .filter(|s| !s.trim().is_empty())
                .map(|s| Snippet {
                    html: render_snippet(s, base),
                    text: snippet_text(s, base),
                })
        };
        ThemeView {
            accent: accent.to_string(),
            accent_dark: accent.readable_on(DARK_CARD).to_string(),
            logo: theme.logo.as_ref().map(|logo| LogoView {
                url: logo.url.clone(),
                alt: logo.alt.clone().unwrap_or_default(),
                width: logo.width,
            }),
            header: markdown(&theme.header),
            footer: markdown(&theme.footer),
            postal: postal_address.filter(|a| !a.trim().is_empty()).map(postal),
        }
    }
}

/// What every web page (`templates/serve/base.html`: the `serve` pages, the newsletter
/// archive's index) shows around its content: the site and the theme.
#[derive(Debug, Clone)]
pub(crate) struct PageFrame {
    pub(crate) site_title: String,
    pub(crate) site_url: String,
    pub(crate) language: String,
    /// `newsletter.theme` and the postal address, as the digest shows them.
    pub(crate) look: ThemeView,
    pub(crate) dark_page: &'static str,
    pub(crate) dark_card: String,
}

impl PageFrame {
    pub(crate) fn of(config: &Config) -> Self {
        let newsletter = &config.newsletter;
        PageFrame {
            site_title: config.site.title.clone(),
            site_url: config.base_url.to_string(),
            language: config.site.language.clone().unwrap_or_else(|| "en".into()),
            look: ThemeView::new(
                &newsletter.theme,
                newsletter.postal_address.as_deref(),
                &config.base_url,
            ),
            dark_page: DARK_PAGE,
            dark_card: DARK_CARD.to_string(),
        }
    }
}

/// The address's lines, trimmed, without blank ones.
fn postal(address: &str) -> Snippet {
    let lines: Vec<&str> = address
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    Snippet {
        html: lines
            .iter()
            .map(|l| escape_html(l))
            .collect::<Vec<_>>()
            .join("<br>"),
        text: lines.join("\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_look_renders_every_piece_once() {
        let base = url::Url::parse("https://example.com/blog/").unwrap();
        let theme = Theme {
            header: Some("Read [online](issues/)".into()),
            footer: Some("  ".into()),
            ..Theme::default()
        };
        let look = ThemeView::new(&theme, Some("1 <Main> St\n\n  Town  \n"), &base);
        assert_eq!(look.accent, "#1d4ed8");
        let dark = Colour::parse_hex(&look.accent_dark).unwrap();
        assert!(dark.contrast(DARK_CARD) >= 4.5, "{dark}");
        let header = look.header.unwrap();
        assert!(
            header
                .html
                .contains("href=\"https://example.com/blog/issues/\""),
            "{}",
            header.html
        );
        assert_eq!(
            header.text,
            "Read online <https://example.com/blog/issues/>"
        );
        assert!(look.footer.is_none(), "blank footer is no footer");
        let postal = look.postal.unwrap();
        assert_eq!(postal.html, "1 &lt;Main&gt; St<br>Town");
        assert_eq!(postal.text, "1 <Main> St\nTown");
    }
}
