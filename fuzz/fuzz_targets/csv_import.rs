//! Any bytes as a subscriber export: never a panic; every accepted row is a valid
//! address, appears once (case-insensitively), and names a real line; so does every
//! rejected record; a name has no control character but line breaks and is trimmed.
#![no_main]

use std::collections::HashSet;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(report) = herald::newsletter::parse_csv(data) else {
        return;
    };
    // Not UTF-8 is an error above, so this holds. Lines end at `\n`, `\r\n` or `\r`.
    let text = std::str::from_utf8(data).expect("accepted input is UTF-8");
    let lines = text.replace("\r\n", "\n").split(['\r', '\n']).count();
    let mut seen = HashSet::new();
    for row in &report.rows {
        // Normalized: the rule gives the same address back.
        assert_eq!(herald::address::normalize(&row.email).as_ref(), Ok(&row.email));
        assert!(seen.insert(herald::address::key(&row.email)), "duplicate {}", row.email);
        assert!(row.line >= 2 && row.line <= lines, "line {} of {lines}", row.line);
        assert!(!row.email.contains(['\r', '\n']));
        if let Some(name) = &row.name {
            assert!(!name.is_empty() && name.trim() == name, "{name:?}");
            assert!(!name.contains(herald::name::unwanted), "{name:?}");
        }
    }
    for problem in &report.problems {
        assert!(problem.line >= 2 && problem.line <= lines, "{problem:?} of {lines}");
    }
});
