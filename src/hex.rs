//! Lowercase hexadecimal, the one codec for tokens, ETags, message ids and record keys.

use std::fmt::Write;

/// `bytes` as lowercase hex, two digits a byte.
pub(crate) fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    encode_into(&mut out, bytes);
    out
}

/// Appends `bytes` to `out` as lowercase hex.
pub(crate) fn encode_into(out: &mut String, bytes: &[u8]) {
    for byte in bytes {
        // Writing to a String cannot fail.
        let _ = write!(out, "{byte:02x}");
    }
}

/// The bytes of a hex string (either case); `None` for an odd length or anything but
/// hex digits.
pub(crate) fn decode(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    text.as_bytes()
        .chunks(2)
        .map(|pair| Some((digit(pair[0])? << 4) | digit(pair[1])?))
        .collect()
}

fn digit(byte: u8) -> Option<u8> {
    char::from(byte).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_what_is_not_hex() {
        let bytes = [0u8, 1, 0x7f, 0x80, 0xab, 0xff];
        assert_eq!(encode(&bytes), "00017f80abff");
        assert_eq!(decode("00017f80abff").as_deref(), Some(&bytes[..]));
        assert_eq!(decode("00017F80ABFF").as_deref(), Some(&bytes[..]));
        for bad in ["0", "0g", "+1", "é0", " 1"] {
            assert_eq!(decode(bad), None, "{bad}");
        }
        assert_eq!(decode("").as_deref(), Some(&[][..]));
    }
}
