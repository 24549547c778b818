//! Any bytes as a Postmark webhook body: never a panic; a readable bounce or complaint
//! has an id and at most one recipient, and only a `Bounce` or `SpamComplaint` record
//! changes anything.
#![no_main]

use libfuzzer_sys::fuzz_target;

use herald::serve::webhooks::{Effect, postmark};

fuzz_target!(|data: &[u8]| {
    let Ok(callback) = postmark::Callback::parse(data) else {
        return;
    };
    if let Ok(report) = callback.report() {
        assert!(report.recipients.len() <= 1);
        if report.effect != Effect::Nothing {
            assert!(!report.id.is_empty());
            assert!(matches!(
                callback.record_type.as_str(),
                "Bounce" | "SpamComplaint"
            ));
        }
    }
});
