//! Any text as a subscriber CSV: never a panic; every accepted row is a valid address,
//! appears once (case-insensitively), and points at a real line.
#![no_main]

use std::collections::HashSet;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(report) = herald::newsletter::parse_csv(text) else {
        return;
    };
    let lines = text.lines().count();
    let mut seen = HashSet::new();
    for row in &report.rows {
        assert!(herald::newsletter::import::check_address(&row.email).is_ok());
        assert!(seen.insert(row.email.to_lowercase()), "duplicate {}", row.email);
        assert!(row.line >= 2 && row.line <= lines, "line {} of {lines}", row.line);
        assert!(!row.email.contains(['\r', '\n']));
        if let Some(name) = &row.name {
            assert!(!name.contains(['\r', '\n']));
        }
    }
    for (line, _) in &report.problems {
        assert!(*line >= 2 && *line <= lines);
    }
});
