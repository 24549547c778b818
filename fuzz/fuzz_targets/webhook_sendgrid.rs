//! Any bytes as a SendGrid Event Webhook batch: never a panic; each event's report
//! changes something only with an `sg_event_id`, and only for `bounce`, `dropped` or
//! `spamreport`.
#![no_main]

use libfuzzer_sys::fuzz_target;

use herald::serve::webhooks::{Effect, sendgrid};

fuzz_target!(|data: &[u8]| {
    let Ok(events) = sendgrid::parse(data) else {
        return;
    };
    for event in &events {
        let report = event.report();
        assert!(report.recipients.len() <= 1);
        if report.effect != Effect::Nothing {
            assert!(!report.id.is_empty());
            assert!(matches!(
                event.event.as_str(),
                "bounce" | "dropped" | "spamreport"
            ));
        }
    }
});
