//! Any bytes as a subscriber export: never a panic; every accepted row is a valid
//! address, appears once (case-insensitively), and names a real line; so does every
//! rejected record; a name has no control character but line breaks and is trimmed.
#![no_main]

use libfuzzer_sys::fuzz_target;

// The checks live beside the parsers (src/fuzz.rs), which are not public.
fuzz_target!(|data: &[u8]| herald::fuzz::check("csv_import", data));
