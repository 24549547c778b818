//! Any bytes as a Postmark webhook body: never a panic; a readable bounce or complaint
//! has an id and at most one recipient, and only a `Bounce` or `SpamComplaint` record
//! changes anything.
#![no_main]

use libfuzzer_sys::fuzz_target;

// The checks live beside the parsers (src/fuzz.rs), which are not public.
fuzz_target!(|data: &[u8]| herald::fuzz::check("webhook_postmark", data));
