//! `newsletter.theme:`: the digest's (and the `serve` pages') logo, accent colour,
//! header and footer, and the checks that keep them readable.

use serde::Deserialize;

use super::colour::{AA_RATIO, Colour, WHITE};

/// `newsletter.theme:`: how the digest and the `serve` pages look. Every field has a
/// default (written once, in [`Theme::default`]).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct Theme {
    /// A logo shown instead of the site's name at the top.
    pub logo: Option<Logo>,
    /// The colour of links and buttons, `#rgb` or `#rrggbb`; it must reach 4.5:1
    /// against white (the card and the button text), or the config is refused.
    pub accent: String,
    /// Markdown shown under the logo, above the articles.
    pub header: Option<String>,
    /// Markdown shown at the bottom, above the unsubscribe line.
    pub footer: Option<String>,
}

impl Default for Theme {
    fn default() -> Self {
        Theme {
            logo: None,
            accent: "#1d4ed8".into(),
            header: None,
            footer: None,
        }
    }
}

/// `newsletter.theme.logo:`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Logo {
    /// The image: an absolute http(s) URL, or a path relative to `site.url`.
    pub url: String,
    /// What the logo says, for readers who do not see images (required).
    #[serde(default)]
    pub alt: Option<String>,
    /// Width in CSS pixels, 1 to 600; the height follows the image's own ratio.
    #[serde(default = "default_logo_width")]
    pub width: u32,
}

fn default_logo_width() -> u32 {
    200
}

/// The widest logo: the digest's column.
const MAX_LOGO_WIDTH: u32 = 600;

/// The text colour of buttons: the accent is their background.
pub(crate) const BUTTON_TEXT: Colour = WHITE;

/// The background accent links sit on in light mode (the digest's card).
pub(crate) const LIGHT_BACKGROUND: Colour = WHITE;

impl Theme {
    /// Checks every key, makes the logo URL absolute (against `base`) and the accent
    /// `#rrggbb`; the message names the key and says what to do.
    pub(crate) fn validate(&mut self, base: &url::Url) -> Result<(), String> {
        let accent = parse_accent(&self.accent)?;
        check_contrast(accent)?;
        self.accent = accent.to_string();
        if let Some(logo) = self.logo.as_mut() {
            logo.validate(base)?;
        }
        Ok(())
    }

    /// The accent colour (already checked by [`Config::load`](super::Config::load)).
    pub(crate) fn accent_colour(&self) -> Colour {
        Colour::parse_hex(&self.accent).unwrap_or(Colour::rgb(0x1d, 0x4e, 0xd8))
    }
}

impl Logo {
    fn validate(&mut self, base: &url::Url) -> Result<(), String> {
        let raw = self.url.trim();
        let url = match url::Url::parse(raw) {
            Ok(url) => url,
            Err(url::ParseError::RelativeUrlWithoutBase) => base.join(raw).map_err(|e| {
                format!("newsletter.theme.logo.url {raw:?} cannot be joined to site.url ({e})")
            })?,
            Err(e) => {
                return Err(format!(
                    "newsletter.theme.logo.url {raw:?} is not a URL ({e}); give https://… or a path under site.url such as images/logo.png"
                ));
            }
        };
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(format!(
                "newsletter.theme.logo.url {raw:?} must be an http(s) URL (mail clients load nothing else); give https://… or a path under site.url"
            ));
        }
        self.url = url.to_string();
        match self.alt.as_deref().map(str::trim) {
            None | Some("") => {
                return Err(
                    "newsletter.theme.logo.alt is missing: give the text the logo shows (e.g. the site's name), for readers who do not load images"
                        .into(),
                );
            }
            Some(_) => {}
        }
        if !(1..=MAX_LOGO_WIDTH).contains(&self.width) {
            return Err(format!(
                "newsletter.theme.logo.width {} is out of range: give a width in pixels from 1 to {MAX_LOGO_WIDTH}",
                self.width
            ));
        }
        Ok(())
    }
}

fn parse_accent(raw: &str) -> Result<Colour, String> {
    Colour::parse_hex(raw.trim()).ok_or_else(|| {
        format!(
            "newsletter.theme.accent {raw:?} is not a colour: write it as #rgb or #rrggbb, e.g. \"#1d4ed8\" (quoted: YAML reads # as a comment)"
        )
    })
}

/// Both pairs the accent takes part in must reach WCAG AA (4.5:1): white button text
/// on the accent, and accent links on the white card. (They are the same two colours,
/// so the ratios are equal; both are named so the message says what is at stake.)
fn check_contrast(accent: Colour) -> Result<(), String> {
    let pairs = [
        ("white button text on it", BUTTON_TEXT),
        ("links in it on the white background", LIGHT_BACKGROUND),
    ];
    for (what, other) in pairs {
        let ratio = accent.contrast(other);
        if ratio < AA_RATIO {
            return Err(format!(
                "newsletter.theme.accent {accent} is too light: {what} has a contrast of {:.2}:1, below the 4.5:1 that WCAG AA asks for; pick a darker colour (e.g. {})",
                floor2(ratio),
                darker_suggestion(accent)
            ));
        }
    }
    Ok(())
}

/// `ratio` rounded down to 2 decimals, so a refused 4.499 never prints as 4.50.
fn floor2(ratio: f64) -> f64 {
    (ratio * 100.0).floor() / 100.0
}

/// The accent darkened in 5 % steps until it passes, for the error message.
fn darker_suggestion(accent: Colour) -> Colour {
    let shade = |percent: u16| {
        let down = |c: u8| (u16::from(c) * (100 - percent) / 100) as u8;
        Colour::rgb(down(accent.r), down(accent.g), down(accent.b))
    };
    (0..=20)
        .map(|step| shade(step * 5))
        .find(|c| c.contrast(WHITE) >= AA_RATIO)
        .unwrap_or(Colour::rgb(0, 0, 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> url::Url {
        url::Url::parse("https://example.com/blog/").unwrap()
    }

    fn theme(accent: &str) -> Theme {
        Theme {
            accent: accent.into(),
            ..Theme::default()
        }
    }

    #[test]
    fn the_default_passes_and_accents_are_normalised() {
        let mut t = Theme::default();
        t.validate(&base()).unwrap();
        let mut t = theme("#00F");
        t.validate(&base()).unwrap();
        assert_eq!(t.accent, "#0000ff");
    }

    #[test]
    fn a_light_accent_is_refused_with_its_ratio_and_a_darker_hint() {
        let err = theme("#777777").validate(&base()).unwrap_err();
        assert!(err.contains("newsletter.theme.accent #777777"), "{err}");
        assert!(err.contains("4.47:1"), "{err}");
        assert!(err.contains("4.5:1"), "{err}");
        let hint = err.rsplit("e.g. ").next().unwrap().trim_end_matches(')');
        let hint = Colour::parse_hex(hint).unwrap();
        assert!(hint.contrast(WHITE) >= AA_RATIO, "{err}");
        assert!(theme("#767676").validate(&base()).is_ok());
    }

    #[test]
    fn bad_accent_forms_are_refused() {
        for bad in ["blue", "1d4ed8", "#12", "#1234567", "rgb(0,0,0)"] {
            let err = theme(bad).validate(&base()).unwrap_err();
            assert!(err.contains("#rgb or #rrggbb"), "{bad}: {err}");
        }
    }

    #[test]
    fn logo_checks() {
        let logo = |url: &str, alt: Option<&str>, width: u32| Theme {
            logo: Some(Logo {
                url: url.into(),
                alt: alt.map(str::to_string),
                width,
            }),
            ..Theme::default()
        };
        let mut ok = logo("images/logo.png", Some("Site"), 120);
        ok.validate(&base()).unwrap();
        assert_eq!(
            ok.logo.unwrap().url,
            "https://example.com/blog/images/logo.png"
        );
        let cases = [
            (
                logo("ftp://x.org/l.png", Some("S"), 100),
                "must be an http(s)",
            ),
            (logo("data:image/png;base64,AA", Some("S"), 1), "http(s)"),
            (
                logo("https://x.org/l.png", None, 100),
                "logo.alt is missing",
            ),
            (
                logo("https://x.org/l.png", Some(" "), 100),
                "alt is missing",
            ),
            (logo("https://x.org/l.png", Some("S"), 0), "width 0 is out"),
            (logo("https://x.org/l.png", Some("S"), 601), "from 1 to 600"),
        ];
        for (mut theme, expected) in cases {
            let err = theme.validate(&base()).unwrap_err();
            assert!(err.contains(expected), "{expected}: {err}");
        }
    }
}
