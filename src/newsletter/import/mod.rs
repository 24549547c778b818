//! Reading a subscriber export (CSV): herald's own `email,name`, or a Mailchimp, Ghost,
//! listmonk, Substack or Buttondown export, recognised by its header. Fields are read by
//! the `csv` crate (quoted commas, quotes and line breaks); every bad record is reported
//! with the line it starts on. Addresses go through [`crate::address::normalize`] (a
//! row whose address it refuses is a problem); names through [`crate::name::clean`]
//! (a name that held control characters is imported without them, and reported).

mod formats;
mod quotes;

use std::collections::HashMap;
use std::fmt;

use csv::StringRecord;

pub(crate) use formats::{Format, RowProblem};
pub(crate) use quotes::QuoteProblem;

use super::lifecycle::{self, Effect, Event, Policy};
use crate::address::{self, AddressError};
use crate::config::Newsletter;
use crate::controls::Quoted;
use crate::store::Status;
use formats::Columns;

/// One valid row.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CsvRow {
    /// The 1-based line its record starts on.
    pub line: usize,
    /// The address, normalized.
    pub email: String,
    /// The name, when the export has one: cleaned (line breaks
    /// and tabs made spaces, other control characters dropped), trimmed, every other
    /// character (commas, quotes, any script) kept.
    pub name: Option<String>,
    /// What the export says of the subscriber: active, unsubscribed or bounced.
    pub(crate) status: Status,
    /// The tags, labels or lists the export gives the subscriber, as written (only
    /// those in `newsletter.topics` become topics: see `topics_of`).
    pub tags: Vec<String>,
}

/// The rows to import and the records that were rejected.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ImportReport {
    /// The export the header was recognised as.
    pub(crate) format: Format,
    /// Valid rows, one per address (a repeated address is merged into its first row,
    /// keeping the last non-empty name, and unsubscribed or bounced when any of its
    /// rows says so).
    pub rows: Vec<CsvRow>,
    /// Every rejected record, in file order.
    pub(crate) problems: Vec<Problem>,
    /// Every name imported without its control characters, in file order.
    pub(crate) cleaned_names: Vec<CleanedName>,
    /// Rows merged into an earlier row with the same address.
    pub(crate) duplicates: usize,
}

/// A rejected record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    /// The 1-based line the record starts on.
    pub line: usize,
    /// What is wrong with it.
    pub kind: ProblemKind,
}

/// A name that held control characters, imported without them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CleanedName {
    /// The 1-based line the record starts on.
    pub line: usize,
    /// The name as the export has it.
    pub given: String,
    /// The name imported, if anything was left.
    pub kept: Option<String>,
}

impl fmt::Display for CleanedName {
    /// The message, without the line (see [`CleanedName::line`]).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let given = Quoted(&self.given);
        match &self.kept {
            Some(kept) => write!(
                f,
                "the name {given} holds control characters; imported as {}",
                Quoted(kept)
            ),
            None => write!(
                f,
                "the name {given} holds only control characters; imported without a name"
            ),
        }
    }
}

/// What is wrong with a rejected record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ProblemKind {
    /// Its quoting would change a field.
    Quotes(QuoteProblem),
    /// Its fields cannot be read as a subscriber.
    Row(RowProblem),
    /// The address is not one herald accepts ([`crate::address::normalize`]).
    Address {
        /// The address as written.
        email: String,
        /// Why not.
        reason: AddressError,
    },
}

impl fmt::Display for Problem {
    /// The message, without the line (see [`Problem::line`]).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ProblemKind::Quotes(problem) => write!(f, "{problem}"),
            ProblemKind::Row(problem) => write!(f, "{problem}"),
            ProblemKind::Address { email, reason } => {
                write!(
                    f,
                    "{} is not a valid email address: {reason}",
                    Quoted(email)
                )
            }
        }
    }
}

/// Why a whole file cannot be imported; nothing in it is.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// No record at all.
    #[error("the file is empty; it needs a header line such as `email,name`")]
    Empty,
    /// The header has no address column.
    #[error(
        "the header {} has no email column; herald reads {accepted} \
         (start the file with a header line such as `email,name`)",
        Quoted(header),
        accepted = formats::ACCEPTED_COLUMNS
    )]
    Header {
        /// The line the header is on.
        line: usize,
        /// The header as read.
        header: String,
    },
    /// Bytes that are not UTF-8.
    #[error(
        "the file is not UTF-8 text (byte {byte:#04x}); save it as UTF-8 (\"CSV UTF-8\" \
         in a spreadsheet) and import it again"
    )]
    NotUtf8 {
        /// The line the first such byte is on.
        line: usize,
        /// That byte.
        byte: u8,
    },
    /// The `csv` crate could not read a record.
    #[error("cannot read the file as CSV: {source}")]
    Csv {
        /// The line, when the crate knows it.
        line: Option<usize>,
        /// The crate's error.
        source: csv::Error,
    },
}

impl ImportError {
    /// The 1-based line the problem is on, when there is one; the message does not
    /// repeat it, so print `FILE:LINE: message`.
    pub(crate) fn line(&self) -> Option<usize> {
        match self {
            ImportError::Empty => None,
            ImportError::Header { line, .. } | ImportError::NotUtf8 { line, .. } => Some(*line),
            ImportError::Csv { line, .. } => *line,
        }
    }
}

/// Parses a subscriber export. The header (the first non-blank record; a UTF-8 byte
/// order mark is skipped) decides the format, see `Format`; any column order, extra
/// columns ignored. Bad records are collected in `ImportReport::problems`; only a file
/// that is not UTF-8, empty, or without an address column is an error.
pub fn parse_csv(bytes: &[u8]) -> Result<ImportReport, ImportError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| ImportError::NotUtf8 {
        line: line_at(bytes, e.valid_up_to()),
        byte: bytes[e.valid_up_to()],
    })?;
    let mut records = Records::new(text);
    let Some((line, _, header)) = records.next_record()? else {
        return Err(ImportError::Empty);
    };
    let Some(columns) = Columns::recognise(&header) else {
        return Err(ImportError::Header {
            line,
            header: header.iter().collect::<Vec<_>>().join(","),
        });
    };
    let mut rows = Rows::new(columns.format);
    while let Some((line, raw, record)) = records.next_record()? {
        let entry = quotes::check(raw.as_bytes())
            .map_err(ProblemKind::Quotes)
            .and_then(|()| columns.read(&header, &record).map_err(ProblemKind::Row))
            .and_then(|entry| match address::normalize(&entry.email) {
                Ok(email) => Ok(formats::ExportRow { email, ..entry }),
                Err(reason) => Err(ProblemKind::Address {
                    email: entry.email,
                    reason,
                }),
            });
        match entry {
            Ok(mut entry) => {
                if let Some(given) = entry.name_given.take() {
                    rows.report.cleaned_names.push(CleanedName {
                        line,
                        given,
                        kept: entry.name.clone(),
                    });
                }
                rows.add(line, entry)
            }
            Err(kind) => rows.report.problems.push(Problem { line, kind }),
        }
    }
    Ok(rows.report)
}

/// The 1-based line of byte `offset`: one more than the line breaks before it, where a
/// break is `\n`, `\r\n` or a lone `\r` (the `csv` crate ends records at each).
fn line_at(bytes: &[u8], offset: usize) -> usize {
    1 + breaks(bytes, 0, offset)
}

/// The line breaks that end in `bytes[from..to]`.
fn breaks(bytes: &[u8], from: usize, to: usize) -> usize {
    (from..to)
        .filter(|&i| bytes[i] == b'\n' || (bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n')))
        .count()
}

/// The non-blank records of a text, each with the line it starts on and its raw text.
struct Records<'a> {
    text: &'a str,
    reader: csv::Reader<&'a [u8]>,
    /// A byte offset and its line, where counting resumes.
    counted: (usize, usize),
}

impl<'a> Records<'a> {
    fn new(text: &'a str) -> Records<'a> {
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        Records {
            text,
            reader,
            counted: (0, 1),
        }
    }

    /// The next record whose fields are not all blank.
    fn next_record(&mut self) -> Result<Option<(usize, &'a str, StringRecord)>, ImportError> {
        let mut record = StringRecord::new();
        loop {
            let read = self.reader.read_record(&mut record).map_err(|source| {
                let line = source.position().map(|p| p.line() as usize);
                ImportError::Csv { line, source }
            })?;
            if !read {
                return Ok(None);
            }
            if record.iter().all(|field| field.trim().is_empty()) {
                continue;
            }
            // The crate's position is where it started reading: before the blank lines
            // it skipped, and maybe at the `\n` of the previous record's `\r\n`.
            let position = record.position().expect("a record read has a position");
            let end = self.reader.position().byte() as usize;
            let raw = &self.text[position.byte() as usize..end];
            let body = raw.trim_start_matches(['\r', '\n']);
            let start = end - body.len();
            let (from, line) = self.counted;
            let line = line + breaks(self.text.as_bytes(), from, start);
            self.counted = (start, line);
            return Ok(Some((line, body, record)));
        }
    }
}

/// The valid rows so far, one per address.
struct Rows {
    report: ImportReport,
    seen: HashMap<String, usize>,
}

impl Rows {
    fn new(format: Format) -> Rows {
        Rows {
            report: ImportReport {
                format,
                ..ImportReport::default()
            },
            seen: HashMap::new(),
        }
    }

    /// Adds a valid row, or merges it into the earlier row with the same address.
    fn add(&mut self, line: usize, entry: formats::ExportRow) {
        let key = address::key(&entry.email);
        let Some(&index) = self.seen.get(&key) else {
            self.seen.insert(key, self.report.rows.len());
            self.report.rows.push(CsvRow {
                line,
                email: entry.email,
                name: entry.name,
                status: entry.status,
                tags: entry.tags,
            });
            return;
        };
        self.report.duplicates += 1;
        let row = &mut self.report.rows[index];
        if entry.name.is_some() {
            row.name = entry.name;
        }
        if row.status == Status::Active {
            row.status = entry.status;
        }
        for tag in entry.tags {
            if !row.tags.contains(&tag) {
                row.tags.push(tag);
            }
        }
    }
}

/// Records every row of `report` (read from `file`) in the store, in one transaction:
/// each row is an [`Event::Imported`] for the lifecycle. Returns each row's effect, in
/// order.
pub(crate) fn store_rows(
    store: &crate::store::Store,
    report: &ImportReport,
    file: &str,
    newsletter: &Newsletter,
    now: chrono::DateTime<chrono::Utc>,
    policy: Policy,
) -> crate::error::Result<Vec<Effect>> {
    store.transaction(|store| {
        let mut effects = Vec::with_capacity(report.rows.len());
        for row in &report.rows {
            let event = Event::Imported {
                status: row.status,
                name: row.name.clone(),
                file: file.to_string(),
                topics: topics_of(&row.tags, newsletter),
            };
            effects.push(lifecycle::record(store, &row.email, &event, now, policy)?.effect);
        }
        Ok(effects)
    })
}

/// The topics `tags` (a row's tags, labels or lists) name: the tags of
/// `newsletter.topics` they match by slug, as configured.
pub(crate) fn topics_of(tags: &[String], newsletter: &Newsletter) -> Vec<String> {
    tags.iter()
        .filter_map(|tag| newsletter.topic(tag))
        .map(|topic| topic.tag.clone())
        .collect()
}

/// The tags of `report`'s rows that are not topics (so not imported), each with how
/// many rows carry it, most common first: the import's summary names them.
pub(crate) fn tags_not_topics(
    report: &ImportReport,
    newsletter: &Newsletter,
) -> Vec<(String, usize)> {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for tag in report.rows.iter().flat_map(|row| &row.tags) {
        if newsletter.topic(tag).is_some() {
            continue;
        }
        match counts.iter_mut().find(|(seen, _)| seen == tag) {
            Some((_, count)) => *count += 1,
            None => counts.push((tag.clone(), 1)),
        }
    }
    counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    counts
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    fn lines(report: &ImportReport) -> Vec<usize> {
        report.problems.iter().map(|p| p.line).collect()
    }

    #[test]
    fn reads_rows_reports_bad_records_and_merges_duplicates() {
        let text = "email,name\nann@example.com,Ann\n\nnot-an-address,X\n\"bob@example.com\",\"Smith, Bob \"\"B\"\"\"\nANN@example.com,Ann Lee\n,Nobody\n\"open,x\n";
        let report = parse_csv(text.as_bytes()).unwrap();
        let emails: Vec<_> = report.rows.iter().map(|r| r.email.as_str()).collect();
        assert_eq!(emails, ["ann@example.com", "bob@example.com"]);
        assert_eq!(report.rows[0].name.as_deref(), Some("Ann Lee"));
        assert_eq!(report.rows[1].name.as_deref(), Some("Smith, Bob \"B\""));
        assert_eq!(report.duplicates, 1);
        assert_eq!(lines(&report), [4, 7, 8]);
        assert!(
            report.problems[0]
                .to_string()
                .contains("not a valid email address")
        );
        assert!(report.problems[2].to_string().contains("never closed"));
    }

    #[test]
    fn header_in_any_order_and_without_name() {
        let report = parse_csv(b"Name,EMAIL\nZed,zed@example.com\n").unwrap();
        assert_eq!(report.rows[0].email, "zed@example.com");
        assert_eq!(report.rows[0].name.as_deref(), Some("Zed"));
        let report = parse_csv(b"\xEF\xBB\xBF email \nzed@example.com\n").unwrap();
        assert_eq!(report.rows[0].name, None);
        assert_eq!(report.format, Format::Herald);
    }

    #[test]
    fn missing_header_or_empty_file_is_an_error() {
        assert!(matches!(parse_csv(b""), Err(ImportError::Empty)));
        assert!(matches!(parse_csv(b"\n , \n\r\n"), Err(ImportError::Empty)));
        let error = parse_csv(b"\n\nmail,name\n").unwrap_err();
        assert_eq!(error.line(), Some(3));
        let message = error.to_string();
        assert!(
            message.contains("\"mail,name\" has no email column"),
            "{message}"
        );
        assert!(message.contains("`Email Address` (Mailchimp)"), "{message}");
    }

    #[test]
    fn records_after_blank_lines_and_crlf_name_their_own_line() {
        let text =
            "email,name\r\n\r\n\"a@x.org\",\"two\r\nlines\"\r\n\r\n\r\nbad\r\nb@x.org,\"x\"y\r\n";
        let report = parse_csv(text.as_bytes()).unwrap();
        assert_eq!(report.rows[0].line, 3);
        assert_eq!(report.rows[0].name.as_deref(), Some("two lines"));
        assert_eq!(lines(&report), [7, 8]);
        assert_eq!(report.cleaned_names.len(), 1);
        assert_eq!(report.cleaned_names[0].line, 3);
    }

    #[test]
    fn lone_carriage_returns_end_lines_too() {
        let report =
            parse_csv(b"email,name\ra@x.org,A\r\rbad,B\r\nb@x.org,\"B\r1\"\rc@\n").unwrap();
        let rows: Vec<usize> = report.rows.iter().map(|r| r.line).collect();
        assert_eq!(rows, [2, 5]);
        assert_eq!(lines(&report), [4, 7]);
    }

    #[test]
    fn a_file_that_is_not_utf8_names_the_line() {
        let error = parse_csv(b"email,name\na@x.org,Ann\nb@x.org,Ren\xE9e\n").unwrap_err();
        assert_eq!(error.line(), Some(3));
        assert!(
            error.to_string().contains("not UTF-8 text (byte 0xe9)"),
            "{error}"
        );
    }

    #[test]
    fn addresses_are_normalized_and_one_address_in_any_spelling_is_one_row() {
        let text = "email,name\na@Bücher.de,A\nA@BÜCHER.de,\na@xn--bcher-kva.de,\n\"\"\"a b\"\"@example.com\",Q\nÄNN@Example.com,Ann\nänn@example.com,\n";
        let report = parse_csv(text.as_bytes()).unwrap();
        let emails: Vec<_> = report.rows.iter().map(|r| r.email.as_str()).collect();
        assert_eq!(emails, ["a@xn--bcher-kva.de", "ÄNN@example.com"]);
        assert_eq!(report.duplicates, 3);
        assert_eq!(lines(&report), [5]);
        assert_eq!(
            report.problems[0].to_string(),
            "\"\"a b\"@example.com\" is not a valid email address: the part before the @ is quoted; quoted addresses are not accepted (few mail systems deliver to them): use one without quotes"
        );
    }

    #[test]
    fn names_with_control_characters_are_cleaned_and_reported() {
        let text = "email,name\na@x.org,\"Ann\u{1b}[31m Lee\"\nb@x.org,\u{202e}\nc@x.org,Cy\n";
        let report = parse_csv(text.as_bytes()).unwrap();
        let names: Vec<_> = report.rows.iter().map(|r| r.name.as_deref()).collect();
        assert_eq!(names, [Some("Ann[31m Lee"), None, Some("Cy")]);
        let notes: Vec<String> = report
            .cleaned_names
            .iter()
            .map(|n| format!("{}: {n}", n.line))
            .collect();
        assert_eq!(
            notes,
            [
                "2: the name \"Ann\\x1b[31m Lee\" holds control characters; imported as \"Ann[31m Lee\"",
                "3: the name \"\\u{202e}\" holds only control characters; imported without a name",
            ]
        );
        assert!(report.problems.is_empty());
    }

    /// `newsletter.topics` with these tags.
    fn newsletter(tags: &[&str]) -> Newsletter {
        Newsletter {
            topics: tags
                .iter()
                .map(|tag| crate::config::Topic {
                    tag: tag.to_string(),
                    name: tag.to_string(),
                    description: None,
                })
                .collect(),
            ..Newsletter::default()
        }
    }

    #[test]
    fn each_exports_tags_are_read_as_it_writes_them_and_matched_to_topics() {
        // Rows as each service's export writes them (the fixtures' shapes).
        let cases: [(&str, Format, &[&str]); 5] = [
            (
                "Email Address,First Name,Last Name,MEMBER_RATING,LEID,EUID,NOTES,TAGS\n\
                 ann@example.org,Ann,Lee,2,158011234,a1b2c3d4e5,,\"\"\"Early reader\"\", Newsletter, Rust\"\n",
                Format::Mailchimp,
                &["Early reader", "Newsletter", "Rust"],
            ),
            (
                "id,email,name,note,subscribed_to_emails,complimentary_plan,stripe_customer_id,created_at,deleted_at,labels,tiers\n\
                 6523f1c2a1b2c3d4e5f60718,ann@example.org,Ann,,true,false,,2023-10-09T10:12:33.000Z,,\"VIP, Speakers, web\",\n",
                Format::Ghost,
                &["VIP", "Speakers", "web"],
            ),
            (
                "uuid,email,name,attributes,status,lists,created_at,updated_at\n\
                 5f1b6c2e-8d4a-4f7e-9a1b-2c3d4e5f6a7b,ann@example.org,Ann,{},enabled,\"Weekly, Rust\",2024-01-02T10:00:00Z,2024-01-02T10:00:00Z\n",
                Format::Listmonk,
                &["Weekly", "Rust"],
            ),
            (
                "id,email,notes,metadata,tags,creation_date,secondary_id,upgrade_date,source,subscriber_type\n\
                 0b6a7c1e-1111,ann@example.org,,{},\"[\"\"rust\"\", \"\"web tools\"\"]\",2024-01-01T00:00:00Z,1,,api,regular\n",
                Format::Buttondown,
                &["rust", "web tools"],
            ),
            ("email,name\nann@example.org,Ann\n", Format::Herald, &[]),
        ];
        let configured = newsletter(&["rust", "Web"]);
        for (text, format, tags) in cases {
            let report = parse_csv(text.as_bytes()).unwrap();
            assert_eq!(report.format, format);
            assert!(
                report.problems.is_empty(),
                "{format}: {:?}",
                report.problems
            );
            assert_eq!(report.rows[0].tags, tags, "{format}");
        }
        // Matched by slug, kept as configured; the rest are named, not lost.
        let ghost = parse_csv(cases[1].0.as_bytes()).unwrap();
        assert_eq!(topics_of(&ghost.rows[0].tags, &configured), ["Web"]);
        assert_eq!(
            tags_not_topics(&ghost, &configured),
            [("Speakers".to_string(), 1), ("VIP".to_string(), 1)]
        );
        let mailchimp = parse_csv(cases[0].0.as_bytes()).unwrap();
        assert_eq!(topics_of(&mailchimp.rows[0].tags, &configured), ["rust"]);
        let buttondown = parse_csv(cases[3].0.as_bytes()).unwrap();
        assert_eq!(topics_of(&buttondown.rows[0].tags, &configured), ["rust"]);
        assert_eq!(
            tags_not_topics(&buttondown, &configured),
            [("web tools".to_string(), 1)]
        );
    }

    #[test]
    fn a_duplicate_row_adds_its_tags() {
        let text = "id,email,name,subscribed_to_emails,labels\n1,ann@example.org,Ann,true,\"a, b\"\n2,ANN@example.org,,true,\"b, c\"\n";
        let report = parse_csv(text.as_bytes()).unwrap();
        assert_eq!(report.rows[0].tags, ["a", "b", "c"]);
    }

    #[test]
    fn a_duplicate_keeps_the_status_that_stops_mail() {
        let text = "email,status\na@x.org,active\nA@x.org,unsubscribed\na@x.org,active\n";
        let report = parse_csv(text.as_bytes()).unwrap();
        assert_eq!(report.rows.len(), 1);
        assert_eq!(report.rows[0].status, Status::Unsubscribed);
        assert_eq!(report.duplicates, 2);
    }

    proptest::proptest! {
        /// The fuzz target's property on CSV-shaped text: every row a valid address,
        /// once, on a real line; every problem on a real line.
        #[test]
        fn rows_and_problems_name_real_lines(
            header in "(email,name\r?\n)?",
            body in "(email|name|a@x\\.org|B@x\\.org|b@X\\.org|é|\"|,| |\r|\n|\r\n|\u{feff}){0,40}"
        ) {
            let text = header + &body;
            let Ok(report) = parse_csv(text.as_bytes()) else {
                return Ok(());
            };
            let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
            let lines = text.replace("\r\n", "\n").split(['\r', '\n']).count();
            let mut seen = HashSet::new();
            for row in &report.rows {
                proptest::prop_assert_eq!(address::normalize(&row.email), Ok(row.email.clone()));
                proptest::prop_assert!(seen.insert(address::key(&row.email)));
                proptest::prop_assert!(row.line >= 2 && row.line <= lines, "{row:?} of {lines}");
            }
            for problem in &report.problems {
                proptest::prop_assert!(problem.line >= 2 && problem.line <= lines, "{problem:?}");
            }
        }
    }
}
