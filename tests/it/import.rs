//! `herald subscribers import` on the exports people have: each export's shape, its
//! statuses, and how they meet what the store already holds.

use serde_json::{Value, json};

use crate::newsletter::config_with;
use crate::support::{Run, Site};

/// A site with a newsletter section and the fixture `name` written at `name`.
fn site_with(fixtures: &[(&str, &str)]) -> Site {
    let site = Site::with_config(&config_with("", ""));
    for (name, text) in fixtures {
        site.write(name, text);
    }
    site
}

fn import(site: &Site, file: &str) -> Run {
    site.herald(&["subscribers", "import", file])
}

/// `subscribers list --json`, as `{email: [name, status]}` for short assertions.
fn list(site: &Site) -> Value {
    let run = site.herald(&["subscribers", "list", "--json"]);
    run.expect_code(0);
    let rows: Vec<Value> = serde_json::from_str(&run.stdout()).unwrap();
    rows.into_iter()
        .map(|row| {
            let email = row["email"].as_str().unwrap().to_string();
            (email, json!([row["name"], row["status"]]))
        })
        .collect::<serde_json::Map<_, _>>()
        .into()
}

const MAILCHIMP_SUBSCRIBED: &str = include_str!("fixtures/import/mailchimp_subscribed.csv");
const MAILCHIMP_UNSUBSCRIBED: &str = include_str!("fixtures/import/mailchimp_unsubscribed.csv");
const MAILCHIMP_CLEANED: &str = include_str!("fixtures/import/mailchimp_cleaned.csv");

#[test]
fn a_mailchimp_audience_export_lands_with_its_three_lists() {
    let site = site_with(&[
        ("subscribed.csv", MAILCHIMP_SUBSCRIBED),
        ("unsubscribed.csv", MAILCHIMP_UNSUBSCRIBED),
        ("cleaned.csv", MAILCHIMP_CLEANED),
    ]);
    import(&site, "subscribed.csv")
        .expect_code(0)
        .expect_stdout("imported subscribed.csv (Mailchimp): 4 added, 0 updated");
    // Kai, active so far, unsubscribed since: the export is newer news.
    import(&site, "unsubscribed.csv")
        .expect_code(0)
        .expect_stdout("1 added, 1 updated, 0 unchanged")
        .expect_stdout("the file marks 2 unsubscribed, 0 bounced");
    // Max was cleaned after unsubscribing: an unsubscribed address stays so.
    import(&site, "cleaned.csv")
        .expect_code(0)
        .expect_stdout("1 added, 0 updated, 1 unchanged")
        .expect_stdout("the file marks 0 unsubscribed, 2 bounced");
    let expected = json!({
        "ann@example.org": ["Ann O'Neil, Jr.", "active"],
        "gone@example.org": ["Gone Away, Long", "bounced"],
        "kai@example.org": ["Kai", "unsubscribed"],
        "lee@example.org": ["李 小龍", "active"],
        "max@example.org": ["Max Mustermann, Dr.", "unsubscribed"],
        "zoe@example.org": ["Zoë \"Z\" Łukasiewicz", "active"],
    });
    assert_eq!(list(&site), expected);
    // The older subscribed export again: nobody who left comes back.
    import(&site, "subscribed.csv")
        .expect_code(0)
        .expect_stdout("0 added, 0 updated, 4 unchanged");
    assert_eq!(list(&site), expected);
}

#[test]
fn a_ghost_members_export_keeps_names_and_who_stopped_emails() {
    let site = site_with(&[(
        "members.csv",
        include_str!("fixtures/import/ghost_members.csv"),
    )]);
    import(&site, "members.csv")
        .expect_code(0)
        .expect_stdout("(Ghost): 4 added")
        .expect_stdout("the file marks 1 unsubscribed");
    assert_eq!(
        list(&site),
        json!({
            "ann@example.org": ["Ann \"Annie\" O'Neil", "active"],
            "bob@example.org": ["Smith, Bob", "unsubscribed"],
            "chloé@example.org": ["Chloé \"Coco\" Dupont", "active"],
            "dev@example.org": [null, "active"],
        })
    );
}

#[test]
fn listmonk_substack_and_buttondown_exports_land_with_their_statuses() {
    let site = site_with(&[
        (
            "listmonk.csv",
            include_str!("fixtures/import/listmonk_subscribers.csv"),
        ),
        (
            "substack.csv",
            include_str!("fixtures/import/substack_subscribers.csv"),
        ),
        (
            "buttondown.csv",
            include_str!("fixtures/import/buttondown_subscribers.csv"),
        ),
    ]);
    import(&site, "listmonk.csv")
        .expect_code(0)
        .expect_stdout("(listmonk): 2 added");
    import(&site, "substack.csv")
        .expect_code(0)
        .expect_stdout("(Substack): 3 added");
    import(&site, "buttondown.csv")
        .expect_code(0)
        .expect_stdout("(Buttondown): 5 added");
    assert_eq!(
        list(&site),
        json!({
            "asha@example.org": ["Asha Rao, PhD", "active"],
            "dead@example.org": [null, "bounced"],
            "free@example.org": [null, "active"],
            "left@example.org": [null, "unsubscribed"],
            "paid@example.org": [null, "active"],
            "quiet@example.org": [null, "unsubscribed"],
            "reader@example.org": [null, "active"],
            "reg@example.org": [null, "active"],
            "removed@example.org": [null, "bounced"],
            "spam@example.org": ["Blocked Sender", "unsubscribed"],
        })
    );
}

#[test]
fn an_import_never_makes_an_unsubscribed_or_bounced_address_active() {
    let site = site_with(&[
        (
            "first.csv",
            "email,name,status\nu@x.org,U,unsubscribed\nb@x.org,B,bounced\na@x.org,A,active\n",
        ),
        (
            "again.csv",
            "email,name,status\nu@x.org,U2,active\nb@x.org,,enabled\na@x.org,A,\n",
        ),
    ]);
    import(&site, "first.csv").expect_code(0);
    import(&site, "again.csv")
        .expect_code(0)
        .expect_stdout("0 added, 1 updated, 2 unchanged");
    assert_eq!(
        list(&site),
        json!({
            "a@x.org": ["A", "active"],
            "b@x.org": ["B", "bounced"],
            "u@x.org": ["U2", "unsubscribed"],
        })
    );
}

#[test]
fn an_unknown_status_value_is_a_bad_line_and_the_row_is_not_imported() {
    let site = site_with(&[(
        "buttondown.csv",
        "email,subscriber_type\nnew@x.org,unactivated\nok@x.org,regular\n",
    )]);
    import(&site, "buttondown.csv")
        .expect_code(1)
        .expect_stderr("buttondown.csv:2: subscriber_type \"unactivated\" is not a value herald knows (regular or premium → active")
        .expect_stdout("1 added");
    assert_eq!(list(&site), json!({"ok@x.org": [null, "active"]}));
}
