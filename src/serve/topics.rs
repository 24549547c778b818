//! The topics a reader may tick (`newsletter.topics`), on the sign-up form and the
//! preferences page: a posted form's repeated `topic` fields, refusing a tag that is
//! not configured, and the checkboxes as the templates show them.

use crate::config::Topic;

/// The form field each ticked checkbox sends (once per topic).
pub(crate) const FIELD: &str = "topic";

/// The topics ticked in `fields`, each a tag of `configured`, sorted and without
/// repeats; a value that is not a configured tag is refused with a message for the
/// page.
pub(crate) fn chosen(
    fields: &[(String, String)],
    configured: &[Topic],
) -> Result<Vec<String>, String> {
    let mut tags = Vec::new();
    for (_, value) in fields.iter().filter(|(k, _)| k == FIELD) {
        let Some(topic) = configured.iter().find(|t| t.tag == *value) else {
            return Err(format!(
                "\u{201c}{}\u{201d} is not one of the topics offered here; tick the topics on this page and send the form again.",
                value.chars().take(60).collect::<String>()
            ));
        };
        tags.push(topic.tag.clone());
    }
    tags.sort();
    tags.dedup();
    Ok(tags)
}

/// One checkbox: a configured topic, ticked or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Choice {
    /// The tag, sent as the checkbox's value.
    pub(crate) tag: String,
    /// The label.
    pub(crate) name: String,
    /// The line under the label.
    pub(crate) description: Option<String>,
    /// Whether the box is ticked.
    pub(crate) checked: bool,
    /// The checkbox's `id` (`topic-1`, …), for its `<label for>`.
    pub(crate) id: String,
}

/// The checkboxes for `configured`, those in `ticked` ticked.
pub(crate) fn choices(configured: &[Topic], ticked: &[String]) -> Vec<Choice> {
    configured
        .iter()
        .enumerate()
        .map(|(i, topic)| Choice {
            tag: topic.tag.clone(),
            name: topic.name.clone(),
            description: topic.description.clone(),
            checked: ticked.contains(&topic.tag),
            id: format!("topic-{}", i + 1),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::form::{fields, first};
    use super::*;

    fn topic(tag: &str) -> Topic {
        Topic {
            tag: tag.into(),
            name: tag.to_uppercase(),
            description: None,
        }
    }

    #[test]
    fn only_configured_tags_are_taken_as_a_sorted_set() {
        let configured = [topic("rust"), topic("go"), topic("web")];
        let form = fields(b"email=a%40x.org&topic=web&topic=go&topic=web&name=A");
        assert_eq!(chosen(&form, &configured).unwrap(), ["go", "web"]);
        assert_eq!(first(&form, "email"), Some("a@x.org"));
        assert!(chosen(&fields(b"email=a"), &configured).unwrap().is_empty());
        let refused = chosen(&fields(b"topic=rust&topic=cobol"), &configured).unwrap_err();
        assert!(refused.contains("cobol"), "{refused}");
        // Tags are matched as configured, not loosely.
        assert!(chosen(&fields(b"topic=Rust"), &configured).is_err());
    }

    #[test]
    fn choices_tick_what_is_stored() {
        let configured = [topic("rust"), topic("go")];
        let shown = choices(&configured, &["go".to_string()]);
        assert_eq!(
            shown
                .iter()
                .map(|c| (c.checked, c.id.as_str()))
                .collect::<Vec<_>>(),
            [(false, "topic-1"), (true, "topic-2")]
        );
    }
}
