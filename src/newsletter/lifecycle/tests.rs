//! The lifecycle as a table (one row per state and event) and as promises over random
//! sequences of events.

use chrono::TimeZone;
use proptest::prelude::*;

use super::*;

const EMAIL: &str = "ann@example.org";

fn t(seconds: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap() + Duration::seconds(seconds)
}

/// The link every table row's subscriber has outstanding, and one spent before it.
const LINK: i64 = 100_000;
const SPENT: i64 = 50_000;

/// What the store knows, by name: `new`, `forgotten`, or a row with that status (with
/// an outstanding link, a spent one before it, one soft bounce and, for those who
/// left, a reason).
fn state(name: &str) -> Known {
    let status = match name {
        "new" => return Known::New,
        "forgotten" => return Known::Forgotten,
        "pending" => Status::Pending,
        "active" => Status::Active,
        "unsubscribed" => Status::Unsubscribed,
        "bounced" => Status::Bounced,
        other => panic!("no state {other}"),
    };
    let mut s = Subscriber::new(EMAIL, status, Joined::Cli, t(0));
    s.name = Some("Ann".into());
    s.soft_bounces = 1;
    s.soft_issues = vec!["i1".into()];
    s.links.outstanding = Some(t(LINK));
    s.links.spent_until = Some(t(SPENT));
    s.reason = match status {
        Status::Unsubscribed => Some(Reason::Mailto),
        Status::Bounced => Some(Reason::Bounced),
        Status::Active | Status::Pending => None,
    };
    Known::Row(s)
}

fn event(name: &str) -> Event {
    let bounce = Bounce {
        status: Some("5.1.1".into()),
        words: Some("user unknown".into()),
        issue: Some("i2".into()),
    };
    match name {
        "import active" => Event::Imported {
            status: Status::Active,
            name: Some("Imported".into()),
            file: "list.csv".into(),
            topics: vec!["rust".into()],
        },
        "import unsubscribed" => Event::Imported {
            status: Status::Unsubscribed,
            name: None,
            file: "list.csv".into(),
            topics: vec![],
        },
        "add" => Event::Added { name: None },
        "sign up" => Event::SignedUp {
            name: Some("New".into()),
            link: t(LINK + 10),
        },
        "confirm" => Event::Confirmed { link: t(LINK) },
        "confirm spent" => Event::Confirmed { link: t(SPENT) },
        "complaint" => Event::Unsubscribed(Reason::Complaint),
        "hard" => Event::HardBounce(bounce),
        "soft" => Event::SoftBounce(Bounce {
            status: Some("4.2.2".into()),
            ..bounce
        }),
        "forget" => Event::Forgotten,
        "expire" => Event::LinkExpired,
        "topics" => Event::ChoseTopics(vec!["go".into(), "rust".into()]),
        "pause" => Event::Paused { until: t(300_000) },
        "resume" => Event::Resumed,
        other => panic!("no event {other}"),
    }
}

/// What a change leaves: the status, `-` for no row written, `erased`.
fn outcome(change: &Change, known: &Known) -> String {
    match (&change.write, known) {
        (Write::Row(s), _) => s.status.as_str().to_string(),
        (Write::Forget, _) => "erased".into(),
        (Write::Remove, _) => "removed".into(),
        (Write::Nothing, Known::Row(s)) => format!("={}", s.status.as_str()),
        (Write::Nothing, Known::New) => "=new".into(),
        (Write::Nothing, Known::Forgotten) => "=forgotten".into(),
    }
}

fn reason_after(change: &Change, known: &Known) -> &'static str {
    let row = match (&change.write, known) {
        (Write::Row(s), _) | (Write::Nothing, Known::Row(s)) => s,
        _ => return "-",
    };
    row.reason.map_or("-", Reason::as_str)
}

#[test]
fn every_state_and_event() {
    // state, event, what is left ("=x": nothing written, still x), the reason after.
    let table = [
        ("new", "import active", "active", "-"),
        ("new", "import unsubscribed", "unsubscribed", "import"),
        ("new", "add", "active", "-"),
        ("new", "sign up", "pending", "-"),
        ("new", "confirm", "=new", "-"),
        ("new", "confirm spent", "=new", "-"),
        ("new", "complaint", "=new", "-"),
        ("new", "hard", "=new", "-"),
        ("new", "soft", "=new", "-"),
        ("new", "forget", "erased", "-"),
        ("new", "expire", "=new", "-"),
        ("new", "topics", "=new", "-"),
        ("new", "pause", "=new", "-"),
        ("new", "resume", "=new", "-"),
        ("forgotten", "import active", "=forgotten", "-"),
        ("forgotten", "import unsubscribed", "=forgotten", "-"),
        ("forgotten", "add", "active", "-"),
        ("forgotten", "sign up", "pending", "-"),
        ("forgotten", "confirm", "=forgotten", "-"),
        ("forgotten", "confirm spent", "=forgotten", "-"),
        ("forgotten", "complaint", "=forgotten", "-"),
        ("forgotten", "hard", "=forgotten", "-"),
        ("forgotten", "soft", "=forgotten", "-"),
        ("forgotten", "forget", "=forgotten", "-"),
        ("forgotten", "expire", "=forgotten", "-"),
        ("forgotten", "topics", "=forgotten", "-"),
        ("forgotten", "pause", "=forgotten", "-"),
        ("forgotten", "resume", "=forgotten", "-"),
        ("pending", "import active", "pending", "-"),
        ("pending", "import unsubscribed", "unsubscribed", "import"),
        ("pending", "add", "active", "-"),
        ("pending", "sign up", "pending", "-"),
        ("pending", "confirm", "active", "-"),
        ("pending", "confirm spent", "=pending", "-"),
        ("pending", "complaint", "unsubscribed", "complaint"),
        ("pending", "hard", "pending", "-"),
        ("pending", "soft", "pending", "-"),
        ("pending", "forget", "erased", "-"),
        ("pending", "expire", "removed", "-"),
        ("pending", "topics", "pending", "-"),
        ("pending", "pause", "=pending", "-"),
        ("pending", "resume", "=pending", "-"),
        ("active", "import active", "active", "-"),
        ("active", "import unsubscribed", "unsubscribed", "import"),
        ("active", "add", "=active", "-"),
        ("active", "sign up", "=active", "-"),
        ("active", "confirm", "active", "-"),
        ("active", "confirm spent", "=active", "-"),
        ("active", "complaint", "unsubscribed", "complaint"),
        ("active", "hard", "bounced", "bounced"),
        ("active", "soft", "active", "-"),
        ("active", "forget", "erased", "-"),
        ("active", "expire", "=active", "-"),
        ("active", "topics", "active", "-"),
        ("active", "pause", "active", "-"),
        ("active", "resume", "=active", "-"),
        ("unsubscribed", "import active", "unsubscribed", "mailto"),
        (
            "unsubscribed",
            "import unsubscribed",
            "=unsubscribed",
            "mailto",
        ),
        ("unsubscribed", "add", "active", "-"),
        ("unsubscribed", "sign up", "unsubscribed", "mailto"),
        ("unsubscribed", "confirm", "active", "-"),
        ("unsubscribed", "confirm spent", "=unsubscribed", "mailto"),
        ("unsubscribed", "complaint", "unsubscribed", "mailto"),
        ("unsubscribed", "hard", "unsubscribed", "mailto"),
        ("unsubscribed", "soft", "unsubscribed", "mailto"),
        ("unsubscribed", "forget", "erased", "-"),
        ("unsubscribed", "expire", "=unsubscribed", "mailto"),
        ("unsubscribed", "topics", "unsubscribed", "mailto"),
        ("unsubscribed", "pause", "=unsubscribed", "mailto"),
        ("unsubscribed", "resume", "=unsubscribed", "mailto"),
        ("bounced", "import active", "bounced", "bounced"),
        ("bounced", "import unsubscribed", "=bounced", "bounced"),
        ("bounced", "add", "active", "-"),
        ("bounced", "sign up", "bounced", "bounced"),
        ("bounced", "confirm", "active", "-"),
        ("bounced", "confirm spent", "=bounced", "bounced"),
        ("bounced", "complaint", "bounced", "bounced"),
        ("bounced", "hard", "bounced", "bounced"),
        ("bounced", "soft", "bounced", "bounced"),
        ("bounced", "forget", "erased", "-"),
        ("bounced", "expire", "=bounced", "bounced"),
        ("bounced", "topics", "bounced", "bounced"),
        ("bounced", "pause", "=bounced", "bounced"),
        ("bounced", "resume", "=bounced", "bounced"),
    ];
    let states = [
        "new",
        "forgotten",
        "pending",
        "active",
        "unsubscribed",
        "bounced",
    ];
    let events = [
        "import active",
        "import unsubscribed",
        "add",
        "sign up",
        "confirm",
        "confirm spent",
        "complaint",
        "hard",
        "soft",
        "forget",
        "expire",
        "topics",
        "pause",
        "resume",
    ];
    assert_eq!(table.len(), states.len() * events.len(), "one row per pair");
    for (i, s) in states.iter().enumerate() {
        for (j, e) in events.iter().enumerate() {
            let row = table[i * events.len() + j];
            assert_eq!((row.0, row.1), (*s, *e), "table order");
        }
    }
    let mut failures = Vec::new();
    for (s, e, expected, reason) in table {
        let known = state(s);
        let change = apply(EMAIL, &known, &event(e), t(200_000), Policy::default());
        let got = (outcome(&change, &known), reason_after(&change, &known));
        if got != (expected.to_string(), reason) {
            failures.push(format!(
                "{s} + {e}: expected {expected} ({reason}), got {} ({}) [{}]",
                got.0, got.1, change.effect
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn soft_bounces_remove_only_after_the_limit_of_distinct_issues() {
    let policy = Policy { soft_limit: 3 };
    let mut known = Known::Row(Subscriber::new(EMAIL, Status::Active, Joined::Cli, t(0)));
    let soft = |issue: Option<&str>| {
        Event::SoftBounce(Bounce {
            status: Some("4.2.2".into()),
            words: Some("mailbox full".into()),
            issue: issue.map(str::to_string),
        })
    };
    // Many reports on one issue, and reports with no issue, count but never remove.
    for event in [
        soft(Some("i1")),
        soft(Some("i1")),
        soft(None),
        soft(None),
        soft(None),
    ] {
        let change = apply(EMAIL, &known, &event, t(1), policy);
        known = Known::Row(change.after().unwrap().clone());
    }
    let Known::Row(s) = &known else { panic!() };
    assert_eq!(
        (s.status, s.soft_bounces, s.soft_issues.len()),
        (Status::Active, 5, 1)
    );
    let change = apply(EMAIL, &known, &soft(Some("i2")), t(2), policy);
    assert_eq!(change.after().unwrap().status, Status::Active);
    known = Known::Row(change.after().unwrap().clone());
    let change = apply(EMAIL, &known, &soft(Some("i3")), t(3), policy);
    let after = change.after().unwrap();
    assert_eq!(
        (after.status, after.reason),
        (Status::Bounced, Some(Reason::Bounced))
    );
    assert_eq!(
        after.last_bounce.as_ref().unwrap().words.as_deref(),
        Some("mailbox full")
    );
}

#[test]
fn a_new_link_after_a_spent_one_is_never_born_spent() {
    let mut s = Subscriber::new(EMAIL, Status::Unsubscribed, Joined::SignUp, t(0));
    s.links.spent_until = Some(t(500));
    let change = apply(
        EMAIL,
        &Known::Row(s),
        &Event::SignedUp {
            name: None,
            link: t(500),
        },
        t(1),
        Policy::default(),
    );
    let Effect::LinkIssued(link) = change.effect else {
        panic!("{:?}", change.effect)
    };
    assert_eq!(link, t(501));
    let after = change.after().unwrap().clone();
    let confirmed = apply(
        EMAIL,
        &Known::Row(after),
        &Event::Confirmed { link },
        t(2),
        Policy::default(),
    );
    assert_eq!(confirmed.after().unwrap().status, Status::Active);
}

/// Events for random sequences: links are identified by small numbers of seconds.
fn any_event() -> impl Strategy<Value = Event> {
    let status = prop_oneof![
        Just(Status::Active),
        Just(Status::Unsubscribed),
        Just(Status::Bounced),
        Just(Status::Pending),
    ];
    let reason = proptest::sample::select(Reason::ALL.to_vec());
    let bounce = (proptest::option::of(0u8..4)).prop_map(|issue| Bounce {
        status: None,
        words: None,
        issue: issue.map(|i| format!("i{i}")),
    });
    prop_oneof![
        status.prop_map(|status| Event::Imported {
            status,
            name: None,
            file: "x.csv".into(),
            topics: vec![]
        }),
        Just(Event::Added { name: None }),
        (1i64..40).prop_map(|s| Event::SignedUp {
            name: None,
            link: t(s)
        }),
        (1i64..40).prop_map(|s| Event::Confirmed { link: t(s) }),
        reason.prop_map(Event::Unsubscribed),
        bounce.clone().prop_map(Event::HardBounce),
        bounce.prop_map(Event::SoftBounce),
        Just(Event::Forgotten),
        Just(Event::LinkExpired),
    ]
}

/// Runs `events` from nothing, as the store would; returns each step's state before,
/// the event, and the change.
fn run(events: &[Event]) -> Vec<(Known, Event, Change)> {
    let mut known = Known::New;
    let mut steps = Vec::new();
    for (i, event) in events.iter().enumerate() {
        let change = apply(
            EMAIL,
            &known,
            event,
            t(1000 + i as i64),
            Policy { soft_limit: 2 },
        );
        let next = match &change.write {
            Write::Nothing => known.clone(),
            Write::Row(s) => Known::Row(s.clone()),
            Write::Forget => Known::Forgotten,
            Write::Remove => Known::New,
        };
        steps.push((known, event.clone(), change));
        known = next;
    }
    steps
}

fn status(known: &Known) -> Option<Status> {
    match known {
        Known::Row(s) => Some(s.status),
        Known::New | Known::Forgotten => None,
    }
}

proptest! {
    #[test]
    fn only_a_confirmation_or_an_explicit_add_makes_anyone_active(
        events in proptest::collection::vec(any_event(), 1..40)
    ) {
        for (before, event, change) in run(&events) {
            let was = status(&before);
            let now = change.after().map(|s| s.status);
            if now == Some(Status::Active) && was != Some(Status::Active) {
                let allowed = matches!(event, Event::Added { .. } | Event::Confirmed { .. })
                    || (was.is_none()
                        && before == Known::New
                        && matches!(event, Event::Imported { status: Status::Active, .. }));
                prop_assert!(allowed, "{before:?} + {event:?} made active");
            }
        }
    }

    #[test]
    fn a_confirmation_link_works_once_ever(
        events in proptest::collection::vec(any_event(), 1..40)
    ) {
        let mut used = Vec::new();
        for (_, event, change) in run(&events) {
            if matches!(change.write, Write::Forget | Write::Remove) {
                // Erasure keeps nothing of the address, its spent links included: a new
                // sign-up starts afresh (a link mailed later has a later expiry).
                used.clear();
            }
            if let Event::Confirmed { link } = event
                && change.effect == Effect::Activated
            {
                prop_assert!(!used.contains(&link), "link {link} worked twice");
                used.push(link);
            }
            if let Event::Confirmed { link } = event
                && change.write != Write::Nothing
            {
                // A link that wrote anything is spent from then on.
                used.push(link);
            }
        }
    }

    #[test]
    fn the_first_reason_for_leaving_is_kept(
        events in proptest::collection::vec(any_event(), 1..40)
    ) {
        for (before, event, change) in run(&events) {
            let (Known::Row(was), Some(now)) = (&before, change.after()) else { continue };
            if matches!(was.status, Status::Unsubscribed | Status::Bounced)
                && matches!(now.status, Status::Unsubscribed | Status::Bounced)
            {
                prop_assert_eq!(was.reason, now.reason, "{:?}", event);
                prop_assert_eq!(was.status, now.status, "{:?}", event);
            }
        }
    }

    #[test]
    fn a_forgotten_address_never_comes_back_through_an_import(
        events in proptest::collection::vec(any_event(), 1..40)
    ) {
        for (before, event, change) in run(&events) {
            if before == Known::Forgotten && matches!(event, Event::Imported { .. }) {
                prop_assert_eq!(&change.write, &Write::Nothing);
            }
        }
    }

    #[test]
    fn nothing_but_a_hard_bounce_or_the_soft_limit_bounces_anyone(
        events in proptest::collection::vec(any_event(), 1..40)
    ) {
        for (before, event, change) in run(&events) {
            let became = change.after().map(|s| s.status) == Some(Status::Bounced)
                && status(&before) != Some(Status::Bounced);
            if became {
                let soft_limit = matches!(&event, Event::SoftBounce(_))
                    && change.after().is_some_and(|s| s.soft_issues.len() >= 2);
                prop_assert!(
                    matches!(&event, Event::HardBounce(_) | Event::Imported { status: Status::Bounced, .. })
                        || soft_limit,
                    "{before:?} + {event:?} bounced"
                );
            }
        }
    }
}

#[test]
fn a_pause_holds_issues_until_it_ends_and_activation_clears_it() {
    let mut s = Subscriber::new(EMAIL, Status::Active, Joined::Cli, t(0));
    assert!(receives(&s, t(1)));
    let change = apply(
        EMAIL,
        &Known::Row(s.clone()),
        &Event::Paused { until: t(100) },
        t(1),
        Policy::default(),
    );
    assert_eq!(change.effect, Effect::Paused(t(100)));
    s = change.after().unwrap().clone();
    assert!(!receives(&s, t(99)));
    assert!(receives(&s, t(100)), "the pause ends at its time");
    let resumed = apply(
        EMAIL,
        &Known::Row(s.clone()),
        &Event::Resumed,
        t(50),
        Policy::default(),
    );
    assert!(receives(resumed.after().unwrap(), t(50)));
    // Leaving and coming back through `add` does not bring an old pause back.
    let left = apply(
        EMAIL,
        &Known::Row(s),
        &Event::Unsubscribed(Reason::Cli),
        t(2),
        Policy::default(),
    );
    let back = apply(
        EMAIL,
        &Known::Row(left.after().unwrap().clone()),
        &Event::Added { name: None },
        t(3),
        Policy::default(),
    );
    assert!(receives(back.after().unwrap(), t(4)));
}

#[test]
fn topics_are_a_sorted_set_and_an_export_never_overrides_a_choice() {
    let s = Subscriber::new(EMAIL, Status::Active, Joined::Cli, t(0));
    let chose = apply(
        EMAIL,
        &Known::Row(s),
        &Event::ChoseTopics(vec![
            "rust".into(),
            " go ".into(),
            "rust".into(),
            String::new(),
        ]),
        t(1),
        Policy::default(),
    );
    let s = chose.after().unwrap().clone();
    assert_eq!(s.topics, ["go", "rust"]);
    let import = |topics: Vec<String>| Event::Imported {
        status: Status::Active,
        name: None,
        file: "list.csv".into(),
        topics,
    };
    let imported = apply(
        EMAIL,
        &Known::Row(s.clone()),
        &import(vec!["web".into()]),
        t(2),
        Policy::default(),
    );
    assert_eq!(imported.write, Write::Nothing, "{:?}", imported.effect);
    let mut none = s.clone();
    none.topics.clear();
    let imported = apply(
        EMAIL,
        &Known::Row(none),
        &import(vec!["web".into()]),
        t(2),
        Policy::default(),
    );
    assert_eq!(imported.after().unwrap().topics, ["web"]);
    let new = apply(
        EMAIL,
        &Known::New,
        &import(vec!["web".into()]),
        t(2),
        Policy::default(),
    );
    assert_eq!(new.after().unwrap().topics, ["web"]);
}

fn topic(tag: &str) -> Topic {
    Topic {
        tag: tag.into(),
        name: tag.to_uppercase(),
        description: None,
    }
}

#[test]
fn who_gets_which_article() {
    let configured = [topic("Rust"), topic("C++"), topic("web")];
    let tags = |list: &[&str]| list.iter().map(|t| t.to_string()).collect::<Vec<_>>();
    let articles = [
        tags(&["rust", "async"]),
        tags(&["c-plus-plus"]),
        tags(&[]),
        tags(&["Web", "RUST"]),
        tags(&["c"]),
    ];
    let articles: Vec<&[String]> = articles.iter().map(Vec::as_slice).collect();
    let chosen = |list: &[&str]| list.iter().map(|t| t.to_string()).collect::<Vec<_>>();
    let cases: [(&[&str], &[usize]); 7] = [
        // None chosen: everything, untagged articles included.
        (&[], &[0, 1, 2, 3, 4]),
        // Matched by slug, whatever the spelling on either side.
        (&["rust"], &[0, 3]),
        (&["C++"], &[1]),
        (&["web", "Rust"], &[0, 3]),
        // A topic no longer configured is ignored beside one that is.
        (&["web", "gone"], &[3]),
        // Only topics no longer configured: every article, as if none were chosen.
        (&["gone", "elsewhere"], &[0, 1, 2, 3, 4]),
        // A configured topic no article of this issue carries: nothing.
        (&["web", "c++"], &[1, 3]),
    ];
    for (topics, expected) in cases {
        assert_eq!(
            articles_for(&chosen(topics), &configured, &articles),
            expected,
            "{topics:?}"
        );
    }
    assert_eq!(
        articles_for(&chosen(&["c++"]), &configured, &articles[2..3]),
        Vec::<usize>::new(),
        "an issue holding nothing in the topics gives an empty set"
    );
    assert_eq!(
        articles_for(&chosen(&["rust"]), &[], &articles),
        [0, 1, 2, 3, 4],
        "no topics configured at all: every article"
    );
}
