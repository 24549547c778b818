//! Any bytes as a received message (also as an mbox): never a panic; the key is a
//! Message-ID in brackets or a SHA-256; every token is 32 lowercase hex digits and
//! every address a bare lowercase `x@y`; a hard failure never has a temporary (4.x.x)
//! status, and a bounce names at least one failure.
#![no_main]

use libfuzzer_sys::fuzz_target;

use herald::inbound::{Addresses, Class, Kind, classify, source};

fuzz_target!(|data: &[u8]| {
    let addresses = Addresses {
        bounce: Some("bounces@example.com".into()),
        unsubscribe: Some("unsubscribe@example.com".into()),
    };
    check(data, &addresses);
    let mut mbox = source::Mbox::new(data, 4096);
    while let Ok(Some(message)) = mbox.next_message() {
        assert!(message.bytes.len() <= 4096);
        check(&message.bytes, &addresses);
    }
});

fn check(data: &[u8], addresses: &Addresses) {
    let classified = classify(data, addresses, &[]);
    let key = &classified.key;
    assert!(
        (key.starts_with('<') && key.ends_with('>')) || key.starts_with("sha256:"),
        "{key}"
    );
    let who = match &classified.kind {
        Kind::Bounce { who, failures } => {
            assert!(!failures.is_empty());
            for failure in failures {
                if failure.class == Class::Hard
                    && let Some(code) = &failure.status
                {
                    assert!(!code.starts_with("4."), "{code}");
                }
            }
            Some(who)
        }
        Kind::Complaint { who, .. } | Kind::Unsubscribe { who } => Some(who),
        _ => None,
    };
    if let Some(who) = who {
        for token in &who.tokens {
            assert!(token.len() == 32 && token.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')), "{token}");
        }
        for address in &who.addresses {
            assert!(address.contains('@') && !address.contains(char::is_whitespace), "{address}");
            assert_eq!(address, &address.to_lowercase());
        }
    }
}
