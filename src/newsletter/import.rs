//! Reading a subscriber CSV file (`email,name` header), reporting bad lines by number.

use std::collections::HashMap;

/// One valid row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvRow {
    /// The 1-based line it came from.
    pub line: usize,
    /// The address, trimmed.
    pub email: String,
    /// The name, when the column is there and not empty.
    pub name: Option<String>,
}

/// The rows to import and the lines that were rejected.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Valid rows, one per address (a repeated address is merged into its first row,
    /// keeping the last non-empty name).
    pub rows: Vec<CsvRow>,
    /// `(line, problem)` for every rejected line.
    pub problems: Vec<(usize, String)>,
    /// Rows merged into an earlier row with the same address.
    pub duplicates: usize,
}

/// Parses CSV text whose header names an `email` column and optionally a `name`
/// column (any order, any case). Quoted fields with `""` escapes are understood.
pub fn parse_csv(text: &str) -> Result<ImportReport, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l));
    let Some((_, header)) = lines.by_ref().find(|(_, l)| !l.trim().is_empty()) else {
        return Err("the file is empty; it needs a header line `email,name`".into());
    };
    let columns: Vec<String> = split_line(header)
        .map_err(|e| format!("line 1: {e}"))?
        .iter()
        .map(|c| c.trim().to_lowercase())
        .collect();
    let Some(email_at) = columns.iter().position(|c| c == "email") else {
        return Err(format!(
            "line 1: the header {header:?} has no `email` column; start the file with `email,name`"
        ));
    };
    let name_at = columns.iter().position(|c| c == "name");
    let mut report = ImportReport::default();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (number, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        let fields = match split_line(line) {
            Ok(fields) => fields,
            Err(e) => {
                report.problems.push((number, e));
                continue;
            }
        };
        let email = fields.get(email_at).map(|e| e.trim()).unwrap_or("");
        if let Err(problem) = check_address(email) {
            report.problems.push((number, problem));
            continue;
        }
        let name = name_at
            .and_then(|i| fields.get(i))
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty());
        match seen.get(&email.to_lowercase()) {
            Some(&index) => {
                report.duplicates += 1;
                if name.is_some() {
                    report.rows[index].name = name;
                }
            }
            None => {
                seen.insert(email.to_lowercase(), report.rows.len());
                report.rows.push(CsvRow {
                    line: number,
                    email: email.to_string(),
                    name,
                });
            }
        }
    }
    Ok(report)
}

/// Whether `email` is an address lettre can send to; the error says why not.
pub fn check_address(email: &str) -> Result<(), String> {
    if email.is_empty() {
        return Err("no email address".into());
    }
    email
        .parse::<lettre::Address>()
        .map(|_| ())
        .map_err(|e| format!("{email:?} is not a valid email address ({e})"))
}

/// Splits one CSV line into fields (RFC 4180 quoting; no newlines inside quotes).
fn split_line(line: &str) -> Result<Vec<String>, String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.trim().is_empty() => {
                field.clear();
                quoted = true;
            }
            (false, ',') => fields.push(std::mem::take(&mut field)),
            (false, c) => field.push(c),
        }
    }
    if quoted {
        return Err("a quoted field is not closed; add the closing `\"`".into());
    }
    fields.push(field);
    Ok(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rows_reports_bad_lines_and_merges_duplicates() {
        let text = "email,name\nann@example.com,Ann\n\nnot-an-address,X\n\"bob@example.com\",\"Smith, Bob \"\"B\"\"\"\nANN@example.com,Ann Lee\n,Nobody\n\"open,x\n";
        let report = parse_csv(text).unwrap();
        let emails: Vec<_> = report.rows.iter().map(|r| r.email.as_str()).collect();
        assert_eq!(emails, ["ann@example.com", "bob@example.com"]);
        assert_eq!(report.rows[0].name.as_deref(), Some("Ann Lee"));
        assert_eq!(report.rows[1].name.as_deref(), Some("Smith, Bob \"B\""));
        assert_eq!(report.duplicates, 1);
        let lines: Vec<usize> = report.problems.iter().map(|p| p.0).collect();
        assert_eq!(lines, [4, 7, 8]);
        assert!(report.problems[0].1.contains("not a valid email address"));
    }

    #[test]
    fn header_in_any_order_and_without_name() {
        let report = parse_csv("Name,EMAIL\nZed,zed@example.com\n").unwrap();
        assert_eq!(report.rows[0].email, "zed@example.com");
        assert_eq!(report.rows[0].name.as_deref(), Some("Zed"));
        let report = parse_csv("email\nzed@example.com\n").unwrap();
        assert_eq!(report.rows[0].name, None);
    }

    #[test]
    fn missing_header_or_empty_file_is_an_error() {
        assert!(parse_csv("").unwrap_err().contains("empty"));
        assert!(
            parse_csv("mail,name\n")
                .unwrap_err()
                .contains("no `email` column")
        );
    }
}
