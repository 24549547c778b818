//! Any bytes as a Mailgun webhook body: never a panic; without a `signature` object it
//! is refused as unsigned; a readable event has a non-empty id, at most one recipient,
//! and is hard or soft only for `failed`.
#![no_main]

use libfuzzer_sys::fuzz_target;

use herald::serve::webhooks::{Effect, Refusal, mailgun};

fuzz_target!(|data: &[u8]| {
    let Ok(callback) = mailgun::Callback::parse(data) else {
        return;
    };
    match callback.report() {
        Ok(report) => {
            assert!(!report.id.is_empty());
            assert!(report.recipients.len() <= 1);
            let event = callback.event_data["event"].as_str();
            match report.effect {
                Effect::Hard | Effect::Soft => assert_eq!(event, Some("failed")),
                Effect::Complaint(_) => assert_eq!(event, Some("complained")),
                Effect::Nothing => {}
            }
        }
        Err(Refusal::Unreadable(why)) => assert!(!why.is_empty()),
        Err(Refusal::Unauthorized(_)) => panic!("a parsed callback's event is never unsigned"),
    }
});
