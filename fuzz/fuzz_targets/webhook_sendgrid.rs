//! Any bytes as a SendGrid Event Webhook batch: never a panic; each event's report
//! changes something only with an `sg_event_id`, and only for `bounce`, `dropped` or
//! `spamreport`.
#![no_main]

use libfuzzer_sys::fuzz_target;

// The checks live beside the parsers (src/fuzz.rs), which are not public.
fuzz_target!(|data: &[u8]| herald::fuzz::check("webhook_sendgrid", data));
