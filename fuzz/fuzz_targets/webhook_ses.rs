//! Any bytes as an SNS delivery to `POST /webhooks/ses`, and as the SES notification
//! in its `Message`: never a panic; a readable envelope of a known `Type` has a string
//! to sign that holds its `MessageId` and `TopicArn`; a notification's report has an id,
//! and a status it carries is an enhanced status code.
#![no_main]

use libfuzzer_sys::fuzz_target;

use herald::serve::webhooks::{Effect, Refusal, ses, sns};

fuzz_target!(|data: &[u8]| {
    if let Ok(envelope) = sns::Envelope::parse(data) {
        if let Ok(text) = envelope.string_to_sign() {
            assert!(text.contains(&format!("MessageId\n{}\n", envelope.message_id)));
            assert!(text.contains(&format!("TopicArn\n{}\n", envelope.topic_arn)));
            assert!(text.ends_with(&format!("Type\n{}\n", envelope.kind)));
        }
        check(&envelope.message, &envelope.message_id);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        check(text, "sns-id");
    }
});

fn check(message: &str, sns_id: &str) {
    match ses::report(message, sns_id) {
        Ok(report) => {
            assert!(!report.id.is_empty() || sns_id.is_empty());
            if report.effect == Effect::Nothing {
                return;
            }
            for recipient in &report.recipients {
                if let Some(status) = &recipient.status {
                    assert!(status.split('.').count() == 3, "{status}");
                }
            }
        }
        Err(Refusal::Unreadable(why)) => assert!(!why.is_empty()),
        Err(Refusal::Unauthorized(_)) => panic!("a notification is never refused as unsigned"),
    }
}
