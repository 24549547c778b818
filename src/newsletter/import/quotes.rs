//! What the `csv` crate accepts without a word but would change a field: text after a
//! closing quote (`"x"y` reads as `xy`) and a quote never closed (the rest of the file
//! becomes one field). Checked on a record's raw bytes, after the crate has read it.

use std::fmt;

/// A record whose quoting the `csv` crate would read as something else than written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum QuoteProblem {
    /// Text follows the closing quote of the field numbered `field` (from 1).
    TextAfterQuote {
        /// The field, counted from 1.
        field: usize,
    },
    /// The field numbered `field` opens a quote that the file never closes.
    Unclosed {
        /// The field, counted from 1.
        field: usize,
    },
}

impl fmt::Display for QuoteProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QuoteProblem::TextAfterQuote { field } => write!(
                f,
                "field {field} has text after its closing quote; quote the whole field \
                 and double the quotes inside it (\"x\"\"y\" for x\"y)"
            ),
            QuoteProblem::Unclosed { field } => write!(
                f,
                "field {field} opens a quote that is never closed, so the rest of the file \
                 was read as part of it; add the closing `\"`"
            ),
        }
    }
}

#[derive(Clone, Copy)]
enum State {
    FieldStart,
    Unquoted,
    Quoted,
    /// A quote inside a quoted field: the end of the field, or the first of `""`.
    QuoteInQuoted,
}

/// Checks the raw bytes of one record (RFC 4180: `,` between fields, `"` quotes, `""`
/// inside quotes; the record ends at its first unquoted line break).
pub(crate) fn check(raw: &[u8]) -> Result<(), QuoteProblem> {
    let mut state = State::FieldStart;
    let mut field = 1;
    for &byte in raw {
        state = match (state, byte) {
            (State::FieldStart, b'"') => State::Quoted,
            (State::FieldStart | State::Unquoted | State::QuoteInQuoted, b',') => {
                field += 1;
                State::FieldStart
            }
            (State::FieldStart | State::Unquoted | State::QuoteInQuoted, b'\r' | b'\n') => {
                return Ok(());
            }
            (State::FieldStart | State::Unquoted, _) => State::Unquoted,
            (State::Quoted, b'"') => State::QuoteInQuoted,
            (State::Quoted, _) => State::Quoted,
            (State::QuoteInQuoted, b'"') => State::Quoted,
            (State::QuoteInQuoted, _) => return Err(QuoteProblem::TextAfterQuote { field }),
        };
    }
    match state {
        State::Quoted => Err(QuoteProblem::Unclosed { field }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn quoting_that_would_change_a_field_is_found() {
        let cases: &[(&str, Result<(), QuoteProblem>)] = &[
            ("a,b\n", Ok(())),
            ("\"a,b\",\"c\"\"d\"\r\n", Ok(())),
            ("\"multi\nline\",x", Ok(())),
            ("a\"b,c\n", Ok(())),
            ("\"\",\"\"", Ok(())),
            ("a,\"x\"y\n", Err(QuoteProblem::TextAfterQuote { field: 2 })),
            ("\"x\" ,y\n", Err(QuoteProblem::TextAfterQuote { field: 1 })),
            (
                "a,b,\"open\nrest,of\nfile\n",
                Err(QuoteProblem::Unclosed { field: 3 }),
            ),
        ];
        for (raw, expected) in cases {
            assert_eq!(check(raw.as_bytes()), *expected, "{raw:?}");
        }
    }

    proptest! {
        /// Whatever the `csv` crate writes passes, and reads back unchanged.
        #[test]
        fn what_the_csv_crate_writes_passes(
            fields in proptest::collection::vec(any::<String>(), 1..5)
        ) {
            let mut writer = csv::Writer::from_writer(Vec::new());
            writer.write_record(&fields).unwrap();
            let raw = writer.into_inner().unwrap();
            prop_assert_eq!(check(&raw), Ok(()));
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(raw.as_slice());
            let mut record = csv::StringRecord::new();
            if reader.read_record(&mut record).unwrap() {
                prop_assert_eq!(record.iter().collect::<Vec<_>>(), fields);
            }
        }
    }
}
