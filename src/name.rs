//! Subscribers' display names: what herald accepts ([`check`], for names typed into
//! the sign-up form or `herald subscribers add --name`) and what it keeps of a name
//! from an export ([`clean`]).
//!
//! Any script, punctuation, emoji and quotes are names; [control
//! characters](crate::controls::is_control) (C0 with tabs and line breaks, DEL, C1,
//! the bidirectional overrides and isolates, the line and paragraph separators) and
//! the noncharacters U+FFFE and U+FFFF are not. A name is shown in mail headers, on
//! pages and in terminals, where those characters break lines, reorder text or drive
//! the terminal.
//!
//! Typed names are refused, so the person can type them again. A name in an export
//! is cleaned and reported instead: refusing the row would drop the subscriber, or
//! worse, drop the unsubscribe or bounce the export records for them, over a
//! display name; the list's owner sees each cleaned name with its file and line.

use crate::controls;

/// Why a typed name is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum NameError {
    /// It holds this character.
    #[error("the name holds {}; type it again without it", controls::describe(*.0))]
    Character(char),
}

/// Whether a name may not hold `c`.
pub(crate) fn unwanted(c: char) -> bool {
    controls::is_control(c) || matches!(c, '\u{FFFE}' | '\u{FFFF}')
}

/// A typed name, trimmed (`None` when empty), or why it is refused.
pub(crate) fn check(name: &str) -> Result<Option<String>, NameError> {
    if let Some(c) = name.chars().find(|&c| unwanted(c)) {
        return Err(NameError::Character(c));
    }
    let name = name.trim();
    Ok((!name.is_empty()).then(|| name.to_string()))
}

/// A name from an export, made acceptable: each run of tabs and line breaks becomes
/// one space, every other [unwanted] character is removed, and the rest is trimmed
/// (`None` when nothing is left). `changed` tells whether anything was removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Cleaned {
    /// The name kept.
    pub name: Option<String>,
    /// Whether the name held unwanted characters.
    pub changed: bool,
}

/// See [`Cleaned`].
pub(crate) fn clean(raw: &str) -> Cleaned {
    if !raw.chars().any(unwanted) {
        let name = raw.trim();
        return Cleaned {
            name: (!name.is_empty()).then(|| name.to_string()),
            changed: false,
        };
    }
    let mut name = String::with_capacity(raw.len());
    let mut in_break = false;
    for c in raw.chars() {
        let breaks = matches!(
            c,
            '\t' | '\n' | '\r' | '\u{0B}' | '\u{0C}' | '\u{85}' | '\u{2028}' | '\u{2029}'
        );
        if breaks {
            if !in_break {
                name.push(' ');
            }
        } else if !unwanted(c) {
            name.push(c);
        }
        in_break = breaks;
    }
    let name = name.trim();
    Cleaned {
        name: (!name.is_empty()).then(|| name.to_string()),
        changed: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_names_with_control_characters_are_refused() {
        assert_eq!(
            check("  Zoë \"Z\" Łukasiewicz, 李 🦀 "),
            Ok(Some("Zoë \"Z\" Łukasiewicz, 李 🦀".into()))
        );
        assert_eq!(check("   "), Ok(None));
        let refused = [
            ("Ann\u{1b}[31m", '\u{1b}'),
            ("Ann\nLee", '\n'),
            ("Ann\tLee", '\t'),
            ("Ann\u{7f}", '\u{7f}'),
            ("Ann\u{9b}31m", '\u{9b}'),
            ("Ann \u{202e}eeL", '\u{202e}'),
            ("\u{2066}Ann\u{2069}", '\u{2066}'),
            ("Ann\u{ffff}", '\u{ffff}'),
        ];
        for (name, c) in refused {
            assert_eq!(check(name), Err(NameError::Character(c)), "{name:?}");
        }
        assert_eq!(
            check("A\u{1b}").unwrap_err().to_string(),
            "the name holds a control character (U+001B); type it again without it"
        );
    }

    #[test]
    fn names_from_exports_are_cleaned() {
        let cases = [
            ("Zoë \"Z\", Jr.", Some("Zoë \"Z\", Jr."), false),
            ("  Ann  ", Some("Ann"), false),
            ("O'Brien\nSmith\u{7}", Some("O'Brien Smith"), true),
            ("two\r\nlines", Some("two lines"), true),
            ("Ann\u{1b}[31mRed", Some("Ann[31mRed"), true),
            ("abc\u{202e}fed", Some("abcfed"), true),
            (" \u{0} ", None, true),
            ("", None, false),
        ];
        for (raw, name, changed) in cases {
            let cleaned = clean(raw);
            assert_eq!(cleaned.name.as_deref(), name, "{raw:?}");
            assert_eq!(cleaned.changed, changed, "{raw:?}");
        }
    }

    proptest::proptest! {
        /// A cleaned name passes the check, and a name that passes is kept as is.
        #[test]
        fn cleaned_names_pass_the_check(raw in "\\PC{0,20}|[\\x00-\\x{a0}\u{202e}\u{2028} a-z]{0,20}") {
            let cleaned = clean(&raw);
            let name = cleaned.name.clone().unwrap_or_default();
            proptest::prop_assert_eq!(check(&name), Ok(cleaned.name.clone()));
            if let Ok(kept) = check(&raw) {
                proptest::prop_assert_eq!(kept, cleaned.name);
                proptest::prop_assert!(!cleaned.changed);
            }
        }
    }
}
