//! Any bytes as a received message (also as an mbox): never a panic; the key is a
//! Message-ID in brackets or a SHA-256; every token is 32 lowercase hex digits and
//! every address a bare lowercase `x@y`; a hard failure never has a temporary (4.x.x)
//! status, and a bounce names at least one failure.
#![no_main]

use libfuzzer_sys::fuzz_target;

// The checks live beside the parsers (src/fuzz.rs), which are not public.
fuzz_target!(|data: &[u8]| herald::fuzz::check("inbound", data));
