//! The exports herald reads, recognised by their header, and reading one subscriber's
//! address, name and status from a row of each.
//!
//! Column names are compared trimmed and without case. Assumed from each service's
//! export (see docs/newsletter.md): Mailchimp `Email Address`, `First Name`, `Last Name`, with
//! `UNSUB_TIME` in its unsubscribed export and `CLEAN_TIME` in its cleaned one; Ghost
//! `email`, `name`, `subscribed_to_emails`; listmonk `uuid`, `email`, `name`,
//! `attributes`, `status`; Substack `email`, `active_subscription`, `email_disabled`;
//! Buttondown `email`, `subscriber_type`.
//!
//! Tags (read into topics where they match `newsletter.topics`): Mailchimp's `TAGS`
//! (comma-separated, a tag holding a comma or space written in double quotes:
//! `"Early reader", Newsletter`), Ghost's `labels` (`VIP, Speakers`), listmonk's `lists`
//! when the export has that column (comma-separated), Buttondown's `tags` (a JSON
//! array: `["rust", "web"]`). Mailchimp's group (interest) columns are named after
//! each group, so they cannot be told from other fields, and are not read.

use std::fmt;

use csv::StringRecord;

use crate::controls::{Quoted, escape};
use crate::name;
use crate::store::Status;

/// The kinds of export herald recognises by their header.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum Format {
    /// herald's own `email,name` (optionally `status`).
    #[default]
    Herald,
    /// A Mailchimp audience export (subscribed, unsubscribed or cleaned).
    Mailchimp,
    /// A Ghost members export.
    Ghost,
    /// A listmonk subscribers export.
    Listmonk,
    /// A Substack subscribers export.
    Substack,
    /// A Buttondown subscribers export.
    Buttondown,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Herald => "email,name",
            Format::Mailchimp => "Mailchimp",
            Format::Ghost => "Ghost",
            Format::Listmonk => "listmonk",
            Format::Substack => "Substack",
            Format::Buttondown => "Buttondown",
        })
    }
}

/// The column names herald reads, for the message about a header it does not know.
pub(crate) const ACCEPTED_COLUMNS: &str = "`email` (herald, Ghost, listmonk, Substack, \
     Buttondown) or `Email Address` (Mailchimp), and optionally `name`, `First Name`, \
     `Last Name`, `status`, `subscribed_to_emails`, `email_disabled`, `subscriber_type`, \
     `UNSUB_TIME`, `CLEAN_TIME`";

/// Where a recognised header keeps what herald reads.
#[derive(Debug, Clone)]
pub(crate) struct Columns {
    /// The export the header belongs to.
    pub(crate) format: Format,
    email: usize,
    name: Name,
    status: StatusRule,
    tags: Tags,
}

/// Where the tags (labels, lists) are, and how the export writes several.
#[derive(Debug, Clone, Copy)]
enum Tags {
    /// No such column.
    None,
    /// Separated by commas, each maybe in double quotes (Mailchimp, Ghost, listmonk).
    Commas(usize),
    /// A JSON array of strings (Buttondown).
    Json(usize),
}

/// Where the name is.
#[derive(Debug, Clone, Copy)]
enum Name {
    /// One column, or none.
    Whole(Option<usize>),
    /// Mailchimp's first and last name, joined with a space.
    FirstLast(Option<usize>, Option<usize>),
}

/// Which column says whether the subscriber still wants mail, and how.
#[derive(Debug, Clone, Copy)]
enum StatusRule {
    /// No such column: every row is active.
    Active,
    /// herald's and listmonk's `status`.
    Status(usize),
    /// Ghost's `subscribed_to_emails`.
    Subscribed(usize),
    /// Substack's `email_disabled`.
    Disabled(Option<usize>),
    /// Buttondown's `subscriber_type`.
    Kind(usize),
    /// Mailchimp: a time in `UNSUB_TIME` or `CLEAN_TIME`.
    Times {
        unsubscribed: Option<usize>,
        cleaned: Option<usize>,
    },
}

/// Why a row cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RowProblem {
    /// The address field is empty or missing.
    NoAddress,
    /// A status column holds a value herald does not know.
    UnknownStatus {
        /// The column, as the header spells it.
        column: String,
        /// The value found.
        value: String,
        /// The values herald understands, with what each means.
        accepted: &'static str,
    },
}

impl fmt::Display for RowProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RowProblem::NoAddress => f.write_str("no email address"),
            RowProblem::UnknownStatus {
                column,
                value,
                accepted,
            } => write!(
                f,
                "{} {} is not a value herald knows ({accepted}); \
                 correct it or remove the row",
                escape(column),
                Quoted(value)
            ),
        }
    }
}

/// One row as herald reads it (the address is trimmed, not yet checked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ExportRow {
    pub(crate) email: String,
    /// The name, [cleaned](name::clean).
    pub(crate) name: Option<String>,
    /// The name as the export has it, when cleaning changed it.
    pub(crate) name_given: Option<String>,
    pub(crate) status: Status,
    /// The tags, labels or lists the export gives the subscriber, as written.
    pub(crate) tags: Vec<String>,
}

impl Columns {
    /// Recognises `header`; `None` when it has no address column.
    pub(crate) fn recognise(header: &StringRecord) -> Option<Columns> {
        let names: Vec<String> = header.iter().map(|c| c.trim().to_lowercase()).collect();
        let at = |name: &str| names.iter().position(|c| c == name);
        if let Some(email) = at("email address") {
            return Some(Columns {
                format: Format::Mailchimp,
                email,
                name: Name::FirstLast(at("first name"), at("last name")),
                status: StatusRule::Times {
                    unsubscribed: at("unsub_time"),
                    cleaned: at("clean_time"),
                },
                tags: at("tags").map_or(Tags::None, Tags::Commas),
            });
        }
        let email = at("email")?;
        let name = Name::Whole(at("name"));
        let (format, status) = if let Some(column) = at("subscribed_to_emails") {
            (Format::Ghost, StatusRule::Subscribed(column))
        } else if let Some(column) = at("subscriber_type") {
            (Format::Buttondown, StatusRule::Kind(column))
        } else if at("email_disabled").is_some() || at("active_subscription").is_some() {
            (Format::Substack, StatusRule::Disabled(at("email_disabled")))
        } else if let Some(column) = at("status") {
            let listmonk = at("uuid").is_some() || at("attributes").is_some();
            let format = if listmonk {
                Format::Listmonk
            } else {
                Format::Herald
            };
            (format, StatusRule::Status(column))
        } else {
            (Format::Herald, StatusRule::Active)
        };
        let tags = match format {
            Format::Ghost => at("labels").map_or(Tags::None, Tags::Commas),
            Format::Listmonk => at("lists").map_or(Tags::None, Tags::Commas),
            Format::Buttondown => at("tags").map_or(Tags::None, Tags::Json),
            Format::Herald | Format::Substack | Format::Mailchimp => Tags::None,
        };
        Some(Columns {
            format,
            email,
            name,
            status,
            tags,
        })
    }

    /// Reads one data row; `header` names the columns in messages.
    pub(crate) fn read(
        &self,
        header: &StringRecord,
        row: &StringRecord,
    ) -> Result<ExportRow, RowProblem> {
        let field = |at: Option<usize>| at.and_then(|i| row.get(i)).unwrap_or("");
        let email = field(Some(self.email)).trim();
        if email.is_empty() {
            return Err(RowProblem::NoAddress);
        }
        let (name, name_given) = match self.name {
            Name::Whole(at) => {
                let cleaned = name::clean(field(at));
                let given = cleaned.changed.then(|| field(at).to_string());
                (cleaned.name, given)
            }
            Name::FirstLast(first, last) => {
                let parts = [name::clean(field(first)), name::clean(field(last))];
                let changed = parts.iter().any(|p| p.changed);
                let joined = parts
                    .into_iter()
                    .filter_map(|p| p.name)
                    .collect::<Vec<_>>()
                    .join(" ");
                let given = changed.then(|| {
                    let given = [field(first).trim(), field(last).trim()];
                    given
                        .iter()
                        .filter(|p| !p.is_empty())
                        .copied()
                        .collect::<Vec<_>>()
                        .join(" ")
                });
                (Some(joined).filter(|n| !n.is_empty()), given)
            }
        };
        let status = self.status(header, row)?;
        let tags = match self.tags {
            Tags::None => Vec::new(),
            Tags::Commas(at) => split_commas(field(Some(at))),
            Tags::Json(at) => json_tags(field(Some(at))),
        };
        Ok(ExportRow {
            email: email.to_string(),
            name,
            name_given,
            status,
            tags,
        })
    }

    fn status(&self, header: &StringRecord, row: &StringRecord) -> Result<Status, RowProblem> {
        let value = |at: usize| row.get(at).unwrap_or("").trim().to_lowercase();
        let (at, accepted, status) = match self.status {
            StatusRule::Active => return Ok(Status::Active),
            StatusRule::Times {
                unsubscribed,
                cleaned,
            } => {
                let set = |at: Option<usize>| at.is_some_and(|at| !value(at).is_empty());
                return Ok(if set(unsubscribed) {
                    Status::Unsubscribed
                } else if set(cleaned) {
                    Status::Bounced
                } else {
                    Status::Active
                });
            }
            StatusRule::Disabled(None) => return Ok(Status::Active),
            StatusRule::Status(at) => (at, STATUS_VALUES, status_value(&value(at))),
            StatusRule::Subscribed(at) => (at, SUBSCRIBED_VALUES, subscribed_value(&value(at))),
            StatusRule::Disabled(Some(at)) => (at, DISABLED_VALUES, disabled_value(&value(at))),
            StatusRule::Kind(at) => (at, KIND_VALUES, kind_value(&value(at))),
        };
        status.ok_or_else(|| RowProblem::UnknownStatus {
            column: header.get(at).unwrap_or("status").trim().to_string(),
            value: row.get(at).unwrap_or("").trim().to_string(),
            accepted,
        })
    }
}

/// `"Early reader", Newsletter, VIP` → the three tags: split at commas outside double
/// quotes, each trimmed and unquoted (`""` inside quotes is one `"`); empties dropped.
fn split_commas(field: &str) -> Vec<String> {
    let mut tags = Vec::new();
    let mut tag = String::new();
    let mut quoted = false;
    let mut chars = field.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                tag.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => tags.push(std::mem::take(&mut tag)),
            c => tag.push(c),
        }
    }
    tags.push(tag);
    tags.into_iter()
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect()
}

/// Buttondown's `["rust", "web"]`; a field that is not a JSON array of strings is read
/// as comma-separated, so no tag is lost.
fn json_tags(field: &str) -> Vec<String> {
    match serde_json::from_str::<Vec<String>>(field.trim()) {
        Ok(tags) => tags
            .into_iter()
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .collect(),
        Err(_) if field.trim().is_empty() => Vec::new(),
        Err(_) => split_commas(field.trim().trim_start_matches('[').trim_end_matches(']')),
    }
}

const STATUS_VALUES: &str = "active or enabled → active, unsubscribed, blocklisted or \
     disabled → unsubscribed, bounced → bounced, empty → active";

fn status_value(value: &str) -> Option<Status> {
    match value {
        "" | "active" | "enabled" => Some(Status::Active),
        "unsubscribed" | "blocklisted" | "disabled" => Some(Status::Unsubscribed),
        "bounced" => Some(Status::Bounced),
        _ => None,
    }
}

const SUBSCRIBED_VALUES: &str = "true or empty → active, false → unsubscribed";

fn subscribed_value(value: &str) -> Option<Status> {
    match value {
        "" | "true" => Some(Status::Active),
        "false" => Some(Status::Unsubscribed),
        _ => None,
    }
}

const DISABLED_VALUES: &str = "false or empty → active, true → unsubscribed";

fn disabled_value(value: &str) -> Option<Status> {
    match value {
        "" | "false" => Some(Status::Active),
        "true" => Some(Status::Unsubscribed),
        _ => None,
    }
}

const KIND_VALUES: &str = "regular or premium → active, unsubscribed → unsubscribed, \
     removed or undeliverable → bounced";

fn kind_value(value: &str) -> Option<Status> {
    match value {
        "regular" | "premium" => Some(Status::Active),
        "unsubscribed" => Some(Status::Unsubscribed),
        "removed" | "undeliverable" => Some(Status::Bounced),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(fields: &[&str]) -> StringRecord {
        StringRecord::from(fields.to_vec())
    }

    fn read(header: &[&str], row: &[&str]) -> (Format, Result<ExportRow, RowProblem>) {
        let header = record(header);
        let columns = Columns::recognise(&header).expect("a known header");
        (columns.format, columns.read(&header, &record(row)))
    }

    #[test]
    fn each_export_is_recognised_by_its_header() {
        let cases: &[(&[&str], Format)] = &[
            (&["email", "name"], Format::Herald),
            (&[" NAME ", "Email"], Format::Herald),
            (&["email", "name", "status"], Format::Herald),
            (
                &["Email Address", "First Name", "Last Name"],
                Format::Mailchimp,
            ),
            (
                &["id", "email", "name", "subscribed_to_emails"],
                Format::Ghost,
            ),
            (
                &["uuid", "email", "name", "attributes", "status"],
                Format::Listmonk,
            ),
            (
                &["email", "active_subscription", "created_at"],
                Format::Substack,
            ),
            (&["email", "subscriber_type", "tags"], Format::Buttondown),
        ];
        for (header, format) in cases {
            let columns = Columns::recognise(&record(header));
            assert_eq!(columns.map(|c| c.format), Some(*format), "{header:?}");
        }
        assert!(Columns::recognise(&record(&["mail", "name"])).is_none());
    }

    #[test]
    fn statuses_of_each_export() {
        use Status::{Active, Bounced, Unsubscribed};
        let mailchimp = ["Email Address", "First Name", "UNSUB_TIME", "CLEAN_TIME"];
        let ghost = ["email", "subscribed_to_emails"];
        let listmonk = ["uuid", "email", "status"];
        let substack = ["email", "email_disabled"];
        let buttondown = ["email", "subscriber_type"];
        let cases: &[(&[&str], &[&str], Status)] = &[
            (&mailchimp, &["a@x.org", "A", "", ""], Active),
            (
                &mailchimp,
                &["a@x.org", "A", "2024-01-02 10:00:00", ""],
                Unsubscribed,
            ),
            (
                &mailchimp,
                &["a@x.org", "A", "", "2024-01-02 10:00:00"],
                Bounced,
            ),
            (&["Email Address", "UNSUB_TIME"], &["a@x.org"], Active),
            (&ghost, &["a@x.org", "true"], Active),
            (&ghost, &["a@x.org", "FALSE"], Unsubscribed),
            (&listmonk, &["u", "a@x.org", "enabled"], Active),
            (&listmonk, &["u", "a@x.org", "blocklisted"], Unsubscribed),
            (&listmonk, &["u", "a@x.org", "disabled"], Unsubscribed),
            (&substack, &["a@x.org", "false"], Active),
            (&substack, &["a@x.org", "true"], Unsubscribed),
            (
                &["email", "active_subscription"],
                &["a@x.org", "false"],
                Active,
            ),
            (&buttondown, &["a@x.org", "premium"], Active),
            (&buttondown, &["a@x.org", "unsubscribed"], Unsubscribed),
            (&buttondown, &["a@x.org", "removed"], Bounced),
            (&buttondown, &["a@x.org", "undeliverable"], Bounced),
            (&["email", "status"], &["a@x.org", " Bounced "], Bounced),
        ];
        for (header, row, status) in cases {
            let (_, entry) = read(header, row);
            assert_eq!(entry.map(|e| e.status), Ok(*status), "{header:?} {row:?}");
        }
    }

    #[test]
    fn an_unknown_status_is_a_problem_naming_the_column_and_the_values() {
        let (_, entry) = read(&["email", "Subscriber_Type"], &["a@x.org", "unactivated"]);
        let problem = entry.unwrap_err();
        let message = problem.to_string();
        assert!(
            message.starts_with("Subscriber_Type \"unactivated\""),
            "{message}"
        );
        assert!(message.contains("regular or premium → active"), "{message}");
    }

    #[test]
    fn names_keep_every_character_but_control_ones() {
        let (_, entry) = read(
            &["Email Address", "First Name", "Last Name"],
            &[" a@x.org ", " Zoë \"Z\", Jr.", "O'Brien\nSmith\u{7}"],
        );
        let entry = entry.unwrap();
        assert_eq!(entry.email, "a@x.org");
        assert_eq!(entry.name.as_deref(), Some("Zoë \"Z\", Jr. O'Brien Smith"));
        assert_eq!(
            entry.name_given.as_deref(),
            Some("Zoë \"Z\", Jr. O'Brien\nSmith\u{7}")
        );
        let (_, entry) = read(&["email", "name"], &["a@x.org", "Ann Lee"]);
        assert_eq!(entry.unwrap().name_given, None);
        let (_, entry) = read(&["email", "name"], &["a@x.org", " \u{0} "]);
        assert_eq!(entry.unwrap().name, None);
        let (_, entry) = read(&["email", "name"], &["  ", "Nobody"]);
        assert_eq!(entry, Err(RowProblem::NoAddress));
    }
}
