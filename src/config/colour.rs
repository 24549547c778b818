//! `#rgb`/`#rrggbb` colours and the WCAG 2.x contrast ratio between two of them.

use std::fmt;

/// An sRGB colour, 8 bits a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Colour {
    /// Red.
    pub r: u8,
    /// Green.
    pub g: u8,
    /// Blue.
    pub b: u8,
}

/// White: the digest's card and the button text.
pub(crate) const WHITE: Colour = Colour::rgb(0xff, 0xff, 0xff);

/// The lowest contrast ratio WCAG 2.x level AA allows for body text.
pub(crate) const AA_RATIO: f64 = 4.5;

impl Colour {
    /// A colour from its three channels.
    pub(crate) const fn rgb(r: u8, g: u8, b: u8) -> Colour {
        Colour { r, g, b }
    }

    /// Parses `#rgb` or `#rrggbb` (either case); `None` for anything else.
    pub(crate) fn parse_hex(raw: &str) -> Option<Colour> {
        let hex = raw.strip_prefix('#')?;
        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let digit = |i: usize| u8::from_str_radix(&hex[i..=i], 16).ok();
        let pair = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
        match hex.len() {
            3 => Some(Colour::rgb(digit(0)? * 17, digit(1)? * 17, digit(2)? * 17)),
            6 => Some(Colour::rgb(pair(0)?, pair(2)?, pair(4)?)),
            _ => None,
        }
    }

    /// WCAG 2.x relative luminance, 0 (black) to 1 (white).
    pub(crate) fn luminance(self) -> f64 {
        let linear = |channel: u8| {
            let c = f64::from(channel) / 255.0;
            if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * linear(self.r) + 0.7152 * linear(self.g) + 0.0722 * linear(self.b)
    }

    /// The WCAG 2.x contrast ratio of two colours, 1 to 21 (order does not matter).
    pub(crate) fn contrast(self, other: Colour) -> f64 {
        let (a, b) = (self.luminance(), other.luminance());
        let (light, dark) = if a >= b { (a, b) } else { (b, a) };
        (light + 0.05) / (dark + 0.05)
    }

    /// This colour moved `percent` of the way towards white.
    pub(crate) fn tint(self, percent: u8) -> Colour {
        let towards = |c: u8| {
            let c = u16::from(c);
            let p = u16::from(percent.min(100));
            (c + (255 - c) * p / 100) as u8
        };
        Colour::rgb(towards(self.r), towards(self.g), towards(self.b))
    }

    /// The first tint of this colour (in 5 % steps towards white) that reaches
    /// [`AA_RATIO`] on `background`: how accent links stay readable in dark mode.
    pub(crate) fn readable_on(self, background: Colour) -> Colour {
        (0..=20)
            .map(|step| self.tint(step * 5))
            .find(|c| c.contrast(background) >= AA_RATIO)
            .unwrap_or(WHITE)
    }
}

/// `#rrggbb`, lower case.
impl fmt::Display for Colour {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{:02x}{:02x}{:02x}", self.r, self.g, self.b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(raw: &str) -> Colour {
        Colour::parse_hex(raw).unwrap()
    }

    #[test]
    fn parses_short_and_long_forms_only() {
        assert_eq!(hex("#fff"), WHITE);
        assert_eq!(hex("#1D4ED8"), Colour::rgb(0x1d, 0x4e, 0xd8));
        assert_eq!(hex("#abc").to_string(), "#aabbcc");
        for bad in [
            "fff", "#ffff", "#gggggg", "#12345", "red", "#", "", "#ff ff f",
        ] {
            assert_eq!(Colour::parse_hex(bad), None, "{bad}");
        }
    }

    #[test]
    fn contrast_matches_known_pairs() {
        // Known values from the WCAG 2.x definition (and every contrast checker).
        let cases = [
            ("#777777", "#ffffff", 4.48),
            ("#767676", "#ffffff", 4.54),
            ("#000000", "#ffffff", 21.0),
            ("#ffffff", "#ffffff", 1.0),
            ("#1d4ed8", "#ffffff", 6.7),
            ("#ff0000", "#ffffff", 4.0),
            ("#0000ff", "#ffffff", 8.59),
            ("#ffff00", "#000000", 19.56),
        ];
        for (a, b, expected) in cases {
            let ratio = hex(a).contrast(hex(b));
            assert!(
                (ratio - expected).abs() < 0.01,
                "{a} on {b}: {ratio:.3}, expected {expected}"
            );
            assert_eq!(ratio, hex(b).contrast(hex(a)), "symmetric");
        }
        // #777 fails AA by a hair, #767676 is the lightest grey that passes.
        assert!(hex("#777777").contrast(WHITE) < AA_RATIO);
        assert!(hex("#767676").contrast(WHITE) >= AA_RATIO);
    }

    #[test]
    fn readable_on_lightens_until_it_passes() {
        let dark = hex("#1f2937");
        let accent = hex("#1d4ed8");
        assert!(accent.contrast(dark) < AA_RATIO);
        let light = accent.readable_on(dark);
        assert!(light.contrast(dark) >= AA_RATIO, "{light}");
        assert_eq!(hex("#ffffff").readable_on(dark), WHITE);
        assert_eq!(accent.tint(0), accent);
        assert_eq!(accent.tint(100), WHITE);
    }
}
