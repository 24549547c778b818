//! Any bytes as an SNS delivery to `POST /webhooks/ses`, and as the SES notification
//! in its `Message`: never a panic; a readable envelope of a known `Type` has a string
//! to sign that holds its `MessageId` and `TopicArn`; a notification's report has an id,
//! and a status it carries is an enhanced status code.
#![no_main]

use libfuzzer_sys::fuzz_target;

// The checks live beside the parsers (src/fuzz.rs), which are not public.
fuzz_target!(|data: &[u8]| herald::fuzz::check("webhook_ses", data));
