//! Any bytes as a Mailgun webhook body: never a panic; without a `signature` object it
//! is refused as unsigned; a readable event has a non-empty id, at most one recipient,
//! and is hard or soft only for `failed`.
#![no_main]

use libfuzzer_sys::fuzz_target;

// The checks live beside the parsers (src/fuzz.rs), which are not public.
fuzz_target!(|data: &[u8]| herald::fuzz::check("webhook_mailgun", data));
