use super::*;

#[test]
fn accepted_addresses_and_their_normal_form() {
    let cases = [
        ("ann@example.com", "ann@example.com"),
        ("  Ann@Example.COM\t", "Ann@example.com"),
        ("ÄNN@Example.com", "ÄNN@example.com"),
        // Decomposed (a Mac's keyboard) and precomposed Ä are one local part.
        ("A\u{308}NN@example.com", "ÄNN@example.com"),
        ("a@Bücher.de", "a@xn--bcher-kva.de"),
        ("a@BÜCHER.de", "a@xn--bcher-kva.de"),
        ("a@xn--bcher-kva.de", "a@xn--bcher-kva.de"),
        ("a@XN--BCHER-KVA.DE", "a@xn--bcher-kva.de"),
        // Full-width letters and dots are mapped by UTS 46.
        ("a@ｅｘａｍｐｌｅ．ｃｏｍ", "a@example.com"),
        ("用户@例子.广告", "用户@xn--fsqu00a.xn--4rr70v"),
        (
            "o'brien+news@sub.example.co.uk",
            "o'brien+news@sub.example.co.uk",
        ),
        (
            "!#$%&'*+-/=?^_`{|}~@example.com",
            "!#$%&'*+-/=?^_`{|}~@example.com",
        ),
        ("first.last@example.com", "first.last@example.com"),
        ("a@localhost", "a@localhost"),
    ];
    for (input, normal) in cases {
        assert_eq!(normalize(input).as_deref(), Ok(normal), "{input:?}");
    }
}

#[test]
fn refused_addresses_say_why() {
    let long_local = format!("{}@example.com", "a".repeat(65));
    let long = format!(
        "{}@{}.com",
        "a".repeat(60),
        vec!["b".repeat(60); 4].join(".")
    );
    let cases: Vec<(&str, AddressError)> = vec![
        ("", AddressError::Empty),
        ("   ", AddressError::Empty),
        ("\"a b\"@example.com", AddressError::Quoted),
        ("\"ab\"@example.com", AddressError::Quoted),
        ("a\"b@example.com", AddressError::Quoted),
        ("a b@example.com", AddressError::Character(' ')),
        ("a\u{a0}b@example.com", AddressError::Character('\u{a0}')),
        ("a\u{1b}[31m@example.com", AddressError::Character('\u{1b}')),
        ("a\u{85}@example.com", AddressError::Character('\u{85}')),
        ("a\u{7f}@example.com", AddressError::Character('\u{7f}')),
        (
            "ann\u{202e}@example.com",
            AddressError::Character('\u{202e}'),
        ),
        (
            "a\u{200b}nn@example.com",
            AddressError::Character('\u{200b}'),
        ),
        ("a@exam\nple.com", AddressError::Character('\n')),
        ("annexample.com", AddressError::NoAt),
        ("@example.com", AddressError::NoLocal),
        ("ann@", AddressError::NoDomain),
        ("a@b@example.com", AddressError::LocalCharacter('@')),
        ("a,b@example.com", AddressError::LocalCharacter(',')),
        ("a(b)@example.com", AddressError::LocalCharacter('(')),
        ("<a@example.com>", AddressError::LocalCharacter('<')),
        (".a@example.com", AddressError::Dots),
        ("a.@example.com", AddressError::Dots),
        ("a..b@example.com", AddressError::Dots),
        (
            long_local.as_str(),
            AddressError::LocalTooLong { bytes: 65 },
        ),
        ("a@[192.0.2.1]", AddressError::Literal),
        ("a@[IPv6:2001:db8::1]", AddressError::Literal),
    ];
    for (input, error) in cases {
        assert_eq!(normalize(input), Err(error), "{input:?}");
    }
    for domain in [
        "a@example.com.",
        "a@example..com",
        "a@.example.com",
        "a@exa_mple.com",
        "a@example.com>",
        "a@xn--a.com",
        &format!("a@{}.com", "b".repeat(64)),
    ] {
        assert!(
            matches!(normalize(domain), Err(AddressError::Domain { .. })),
            "{domain}: {:?}",
            normalize(domain)
        );
    }
    assert!(matches!(
        normalize(&long),
        Err(AddressError::TooLong { .. } | AddressError::Domain { .. })
    ));
    let just_over = format!(
        "{}@{}.{}.{}.{}.com",
        "a".repeat(64),
        "b".repeat(63),
        "c".repeat(63),
        "d".repeat(45),
        "e".repeat(20)
    );
    assert!(just_over.len() > MAX_BYTES);
    assert_eq!(
        normalize(&just_over),
        Err(AddressError::TooLong {
            bytes: just_over.len()
        })
    );
    let huge = "a".repeat(100_000);
    assert_eq!(
        normalize(&huge),
        Err(AddressError::TooLong { bytes: 100_000 })
    );
}

#[test]
fn messages_say_what_is_wrong() {
    let message = |input: &str| normalize(input).unwrap_err().to_string();
    assert_eq!(
        message("\"a b\"@example.com"),
        "the part before the @ is quoted; quoted addresses are not accepted (few mail systems deliver to them): use one without quotes"
    );
    assert_eq!(
        message("ann\u{1b}@example.com"),
        "it holds a control character (U+001B); type the address again without it"
    );
    assert_eq!(
        message("a b@example.com"),
        "it holds a space character (U+0020); type the address again without it"
    );
    assert_eq!(
        message("a@exa_mple.com"),
        "the domain \"exa_mple.com\" is not a domain name: a domain name holds letters, digits, hyphens and dots only"
    );
}

#[test]
fn one_address_one_key() {
    let same = [
        [
            "ÄNN@Example.com",
            "änn@example.com",
            "A\u{308}nn@EXAMPLE.com",
        ],
        ["a@Bücher.de", "a@BÜCHER.de", "a@xn--bcher-kva.de"],
        ["Ann@example.com", "ann@EXAMPLE.COM", " ann@example.com "],
    ];
    for group in same {
        let keys: Vec<String> = group.iter().map(|a| key(a)).collect();
        assert!(keys.iter().all(|k| *k == keys[0]), "{group:?}: {keys:?}");
    }
    assert_ne!(key("ann@example.com"), key("anne@example.com"));
    // A row stored before the rule is compared as it is, trimmed and lowercased.
    assert_eq!(key(" \"A b\"@Example.com"), "\"a b\"@example.com");
}

#[test]
fn a_domains_unicode_spelling_for_old_rows() {
    assert_eq!(
        unicode_spelling("a@xn--bcher-kva.de").as_deref(),
        Some("a@bücher.de")
    );
    assert_eq!(unicode_spelling("a@example.com"), None);
}

/// Builds the message the way `mail::compose` does and returns its envelope's
/// recipients and its `To` header as read back by an independent parser.
fn built(address: &str) -> (Vec<String>, String) {
    let parsed: lettre::Address = address.parse().unwrap();
    let message = lettre::Message::builder()
        .from("Site <news@example.com>".parse().unwrap())
        .to(Mailbox::new(Some("Ann Lee".into()), parsed))
        .subject("s")
        .body(String::from("b"))
        .unwrap();
    let to = message
        .envelope()
        .to()
        .iter()
        .map(|a| a.to_string())
        .collect();
    let bytes = message.formatted();
    let read = mail_parser::MessageParser::default().parse(&bytes).unwrap();
    let header = read
        .to()
        .and_then(|to| to.first())
        .and_then(|a| a.address())
        .unwrap_or_default()
        .to_string();
    (to, header)
}

proptest::proptest! {
    /// Normalizing twice changes nothing; every accepted address builds a message to
    /// exactly itself, whose `To` header another parser reads back as it.
    #[test]
    fn normalize_is_idempotent_and_accepted_addresses_are_sendable(
        input in "[ \t]?([a-zA-Z0-9._+'\"ÄäÖöéß李 -]{1,12}|\"[a-z ]{1,5}\")@([a-zA-Z0-9-]{1,8}|Bücher|BÜCHER|xn--bcher-kva|例子|ｅｘａｍｐｌｅ)(\\.[a-zA-Z]{2,6}){0,2}[ ]?"
    ) {
        if let Ok(normal) = normalize(&input) {
            proptest::prop_assert_eq!(normalize(&normal), Ok(normal.clone()));
            proptest::prop_assert_eq!(key(&normal), key(&input));
            proptest::prop_assert!(normal.len() <= MAX_BYTES);
            let (envelope, header) = built(&normal);
            proptest::prop_assert_eq!(envelope, vec![normal.clone()]);
            proptest::prop_assert_eq!(header, normal);
        }
    }

    /// Whatever the input, normalize answers (no panic), and what it accepts has no
    /// control character, space or quote.
    #[test]
    fn anything_in_nothing_unsafe_out(input in "\\PC{0,40}|[\\x00-\\x{ff}\u{202e}@.a]{0,20}") {
        if let Ok(normal) = normalize(&input) {
            proptest::prop_assert!(!normal.chars().any(|c| forbidden(c) || c == '"'));
            proptest::prop_assert_eq!(normalize(&normal), Ok(normal.clone()));
        }
    }

    /// Changing the case of any letter, or writing the domain's labels in Unicode or
    /// as A-labels, never changes the key.
    #[test]
    fn case_and_label_spelling_do_not_change_the_key(
        local in "[a-zA-ZäÄöÖ]{1,8}",
        domain in "(bücher|BÜCHER|xn--bcher-kva|Example)\\.(de|DE|com)",
    ) {
        let address = format!("{local}@{domain}");
        let upper = format!("{}@{}", local.to_uppercase(), domain.to_uppercase());
        let lower = format!("{}@{}", local.to_lowercase(), domain.to_lowercase());
        proptest::prop_assert_eq!(key(&address), key(&upper));
        proptest::prop_assert_eq!(key(&address), key(&lower));
        proptest::prop_assert!(normalize(&address).is_ok());
    }
}

#[test]
fn the_documented_examples_hold() {
    assert_eq!(normalize("  ÄNN@Example.COM ").unwrap(), "ÄNN@example.com");
    assert_eq!(normalize("a@Bücher.de").unwrap(), "a@xn--bcher-kva.de");
    assert_eq!(normalize("\"a b\"@example.com"), Err(AddressError::Quoted));
    assert_eq!(key("ÄNN@Example.com"), key("änn@example.com"));
}
