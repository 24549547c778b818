//! The classifier against a corpus others wrote: the test messages of Mailman's
//! flufl.bounce 6.0.0 (`tests/fixtures/bounces/flufl/`, Apache-2.0). One row per file:
//! the kind of message and, for a bounce, each failed recipient with its class. The
//! addresses are flufl.bounce's own answers; the class is what we judged from each
//! server's words (a comment says why when it was a judgement call).
//!
//! Where the classifier disagrees with a row the file is listed in `KNOWN_MISSES`
//! with the reason, so the record stays honest and an improvement shows up as a
//! failure to update the list.

use std::collections::BTreeMap;
use std::path::PathBuf;

use herald::inbound::{Addresses, Class, Kind, classify};

use Class::{Hard, Soft};
use Want::{AutoReply, Bounce, Notice, Other};

/// What a fixture is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want {
    /// A bounce naming these recipients (`""`: none named), each with its class.
    Bounce(&'static [(&'static str, Class)]),
    /// A delay warning or a delivery notice.
    Notice,
    /// A vacation message.
    AutoReply,
    /// Not a bounce.
    Other,
}

/// One fixture and what it is, with why when it was a judgement call.
struct Row {
    file: &'static str,
    want: Want,
    why: &'static str,
}

const fn row(file: &'static str, want: Want, why: &'static str) -> Row {
    Row { file, want, why }
}

#[rustfmt::skip]
const ROWS: &[Row] = &[
    row("aol_01.txt", Bounce(&[("screenname@aol.com", Soft)]), "not accepting mail from the list: a block"),
    row("bounce_01.txt", Bounce(&[("", Soft)]), ""),
    row("bounce_02.txt", Bounce(&[("userx@example.com", Hard)]), "\"Requested action not taken: mailbox unavailable\" (550)"),
    row("bounce_03.txt", Bounce(&[("userx@example.uk", Soft)]), ""),
    row("caiwireless_01.txt", Bounce(&[("userx@example.com", Soft)]), ""),
    row("dsn_01.txt", Bounce(&[("userx@sims-ms-daemon", Soft)]), "disk quota; Final-Recipient given (Original-Recipient userx@example.com is in who)"),
    row("dsn_02.txt", Bounce(&[("zzzzz@example.uk", Soft)]), ""),
    row("dsn_03.txt", Bounce(&[("userx@example.be", Soft)]), ""),
    row("dsn_04.txt", Bounce(&[("haasm@yogi.urz.example.ch", Soft)]), "no reason given; Final-Recipient given (Original-Recipient userx@example.ch is in who)"),
    row("dsn_05.txt", Notice, ""),
    row("dsn_06.txt", Notice, ""),
    row("dsn_07.txt", Notice, ""),
    row("dsn_08.txt", Notice, ""),
    row("dsn_09.txt", Bounce(&[("userx@example.com", Soft)]), ""),
    row("dsn_10.txt", Bounce(&[("anne.person@dom.ain", Hard)]), ""),
    row("dsn_11.txt", Bounce(&[("joem@example.com", Hard)]), ""),
    row("dsn_12.txt", Bounce(&[("userx@example.jp", Hard)]), ""),
    row("dsn_13.txt", Bounce(&[("userx@example.com", Hard)]), ""),
    row("dsn_14.txt", Bounce(&[("userx@example.com.dk", Hard)]), ""),
    row("dsn_15.txt", Bounce(&[("userx@example.com", Hard)]), "the report inside a forwarded message/rfc822 says 5.1.1"),
    row("dsn_16.txt", Bounce(&[("userx@example.com", Hard)]), ""),
    row("dsn_17.txt", Notice, ""),
    row("dsn_18.txt", Bounce(&[("email@replaced.net", Hard)]), ""),
    row("dumbass_01.txt", Bounce(&[("", Soft)]), ""),
    row("exim_01.txt", Bounce(&[("userx@its.example.nl", Hard)]), ""),
    row("groupwise_01.txt", Bounce(&[("userx@example.edu", Hard)]), ""),
    row("groupwise_02.txt", Bounce(&[("userx@example.com", Hard)]), ""),
    row("groupwise_03.txt", Other, ""),
    row("hotpop_01.txt", Bounce(&[("userx@example.com", Soft)]), ""),
    row("llnl_01.txt", Bounce(&[("user1@example.gov", Soft)]), "judgement call: \"did not exactly match\" an LLNL address, with alternates offered"),
    row("microsoft_01.txt", Bounce(&[("userx@example.com", Hard)]), ""),
    row("microsoft_02.txt", Bounce(&[("userx@example.com", Hard)]), ""),
    row("microsoft_03.txt", Bounce(&[("userx@example.com", Soft)]), ""),
    row("microsoft_04.txt", Bounce(&[("userx@example.com", Hard)]), ""),
    row("netscape_01.txt", Bounce(&[("aaaaa@corel.com", Soft), ("bbbbb@corel.com", Soft)]), ""),
    row("newmailru_01.txt", Bounce(&[("zzzzz@newmail.ru", Soft)]), ""),
    row("postfix_01.txt", Bounce(&[("xxxxx@local.ie", Hard)]), ""),
    row("postfix_02.txt", Bounce(&[("yyyyy@digicool.com", Soft)]), ""),
    row("postfix_03.txt", Bounce(&[("ttttt@ggggg.com", Soft)]), ""),
    row("postfix_04.txt", Bounce(&[("userx@mail1.example.com", Soft)]), ""),
    row("postfix_05.txt", Bounce(&[("userx@example.net", Soft)]), ""),
    row("qmail_01.txt", Bounce(&[("userx@example.de", Soft)]), ""),
    row("qmail_02.txt", Bounce(&[("userx@example.com", Soft)]), ""),
    row("qmail_03.txt", Bounce(&[("userx@example.jp", Hard)]), ""),
    row("qmail_04.txt", Bounce(&[("userx@example.au", Hard)]), ""),
    row("qmail_05.txt", Bounce(&[("userx@example.com", Hard)]), ""),
    row("qmail_06.txt", Bounce(&[("ntl@xxx.com", Soft)]), ""),
    row("qmail_07.txt", Bounce(&[("user@example.net", Soft)]), ""),
    row("qmail_08.txt", AutoReply, ""),
    row("sendmail_01.txt", Bounce(&[("zzzzz@shaft.coal.nl", Soft), ("zzzzz@nfg.nl", Soft)]), ""),
    row("simple_01.txt", Bounce(&[("bbbsss@example.com", Soft)]), ""),
    row("simple_02.txt", Bounce(&[("userx@example.net", Soft)]), ""),
    row("simple_03.txt", Notice, ""),
    row("simple_04.txt", Bounce(&[("userx@example.com", Hard)]), ""),
    row("simple_05.txt", Bounce(&[("userx@example.net", Hard)]), "Yahoo's \"This user doesn't have a … account\""),
    row("simple_06.txt", Bounce(&[("userx@example.com", Hard)]), "Yahoo's \"This user doesn't have a … account\""),
    row("simple_07.txt", Bounce(&[("userx@example.net", Soft)]), ""),
    row("simple_08.txt", Bounce(&[("userx@example.de", Hard)]), ""),
    row("simple_09.txt", Bounce(&[("userx@example.de", Soft)]), ""),
    row("simple_10.txt", Bounce(&[("userx@example.com", Soft)]), ""),
    row("simple_11.txt", Bounce(&[("userx@example.com", Hard)]), ""),
    row("simple_12.txt", Bounce(&[("userx@example.ac.jp", Hard)]), ""),
    row("simple_13.txt", Bounce(&[("userx@example.fr", Hard)]), "\"n'existe pas\" (does not exist), in French"),
    row("simple_14.txt", Bounce(&[("usery@example.com", Soft), ("userx@example.com", Soft)]), ""),
    row("simple_15.txt", Bounce(&[("userx@example.be", Hard)]), ""),
    row("simple_16.txt", Bounce(&[("userx@example.com", Soft)]), ""),
    row("simple_17.txt", Bounce(&[("userx@example.com", Soft)]), ""),
    row("simple_18.txt", Bounce(&[("userx@example.com", Soft)]), ""),
    row("simple_19.txt", Bounce(&[("userx@example.com.ar", Hard)]), ""),
    row("simple_20.txt", Bounce(&[("userx@example.com", Soft)]), ""),
    row("simple_21.txt", Notice, ""),
    row("simple_22.txt", Bounce(&[("user@example.org", Soft)]), ""),
    row("simple_23.txt", Bounce(&[("userx@example.it", Hard)]), "\"User not known\""),
    row("simple_24.txt", Bounce(&[("userx@example.com", Soft)]), ""),
    row("simple_25.txt", Bounce(&[("userx@example.com", Hard)]), "\"No such user\""),
    row("simple_26.txt", Bounce(&[("userx@example.it", Hard)]), ""),
    row("simple_27.txt", Bounce(&[("userx@example.net.py", Hard)]), "\"no such user here\""),
    row("simple_28.txt", Notice, "\"THIS IS A WARNING MESSAGE ONLY\": still trying"),
    row("simple_29.txt", Bounce(&[("userx@example.com", Hard)]), "\"550 unknown user\""),
    row("simple_30.txt", Bounce(&[("userx@example.com", Hard)]), ""),
    row("simple_31.txt", Bounce(&[("userx@example.fr", Soft)]), ""),
    row("simple_32.txt", Bounce(&[("userx@example.com", Soft)]), ""),
    row("simple_33.txt", Bounce(&[("userx@example.com", Hard)]), ""),
    row("simple_34.txt", Bounce(&[("roland@example.com", Hard)]), ""),
    row("simple_35.txt", Notice, ""),
    row("simple_36.txt", Bounce(&[("userx@example.com", Hard)]), "\"550 unknown user\""),
    row("simple_37.txt", Bounce(&[("user@example.edu", Hard)]), "\"Does not have a final email delivery point\" (phquery)"),
    row("simple_38.txt", Bounce(&[("userx@example.com", Soft)]), ""),
    row("simple_39.txt", Bounce(&[("userx@example.ru", Hard)]), "\"user not found\""),
    row("simple_40.txt", Notice, ""),
    row("simple_41.txt", Bounce(&[("userx@example.com", Hard)]), "\"550 Requested action not taken: mailbox unavailable or not local\""),
    row("simple_42.txt", Bounce(&[("david...@gmail.com", Soft)]), ""),
    row("simple_43.txt", Bounce(&[("", Hard)]), "judgement call: \"not a valid user of the system\", no address given"),
    row("simple_44.txt", Bounce(&[("user@example.com", Soft)]), ""),
    row("simple_45.txt", Bounce(&[("subscriber@earthlink.net", Soft)]), "over quota"),
    row("sina_01.txt", Bounce(&[("userx@sina.com", Soft), ("usery@sina.com", Soft)]), ""),
    row("smtp32_01.txt", Bounce(&[("userx@example.ph", Soft)]), ""),
    row("smtp32_02.txt", Bounce(&[("userx@example.com", Soft)]), ""),
    row("smtp32_03.txt", Bounce(&[("userx@example.com", Soft)]), ""),
    row("smtp32_04.txt", Bounce(&[("after_another@example.net", Hard), ("one_bad_address@example.net", Hard)]), ""),
    row("smtp32_05.txt", Bounce(&[("userx@example.com", Soft)]), ""),
    row("smtp32_06.txt", Bounce(&[("absolute_garbage_addr@example.net", Hard)]), ""),
    row("smtp32_07.txt", Bounce(&[("userx@example.com", Hard)]), ""),
    row("yahoo_01.txt", Bounce(&[("userx@example.com", Soft)]), ""),
    row("yahoo_02.txt", Bounce(&[("userx@example.es", Soft)]), ""),
    row("yahoo_03.txt", Bounce(&[("userx@example.com", Soft)]), ""),
    row("yahoo_04.txt", Bounce(&[("userx@example.es", Soft), ("usery@example.uk", Soft)]), ""),
    row("yahoo_05.txt", Bounce(&[("userx@example.com", Soft), ("usery@example.com", Soft)]), ""),
    row("yahoo_06.txt", Bounce(&[("userx@example.com", Soft), ("usery@example.com", Soft), ("userz@example.com", Soft), ("usera@example.com", Soft)]), ""),
    row("yahoo_07.txt", Bounce(&[("userw@example.com", Soft), ("userx@example.com", Soft), ("usery@example.com", Soft), ("userz@example.com", Soft)]), ""),
    row("yahoo_08.txt", Bounce(&[("usera@example.com", Soft), ("userb@example.com", Soft), ("userc@example.com", Soft), ("userd@example.com", Soft), ("usere@example.com", Soft), ("userf@example.com", Soft)]), ""),
    row("yahoo_09.txt", Bounce(&[("userx@example.com", Soft), ("usery@example.com", Soft)]), ""),
    row("yahoo_10.txt", Bounce(&[("userx@example.com", Hard), ("usery@example.com", Hard), ("userz@example.com", Hard)]), "Yahoo's \"This user doesn't have a … account\""),
    row("yahoo_11.txt", Bounce(&[("bad_user@aol.com", Hard)]), ""),
    row("yahoo_12.txt", Bounce(&[("user@yahoo.com", Soft)]), ""),
    row("yahoo_13.txt", Bounce(&[("bogus-address@example.net", Hard)]), ""),
    row("yale_01.txt", Bounce(&[("userx@cs.yale.edu", Hard), ("userx@yale.edu", Hard)]), "no matches to nameserver query: no such person"),
];

/// Files the classifier gets wrong, and why.
const KNOWN_MISSES: &[(&str, &str)] = &[
    (
        "aol_01.txt",
        "AOL names the screen name without its domain; the list address is taken",
    ),
    (
        "llnl_01.txt",
        "the addresses in LLNL's advice text are taken as recipients too",
    ),
    (
        "simple_45.txt",
        "the quoted original's `* From:`/`* To:` lines are taken as recipients",
    ),
    (
        "yale_01.txt",
        "the recipient is written as a bare name; the addresses of the advice text are taken",
    ),
    // The conservative rule: "no such user" words without a code saying so (5.1.1)
    // and without the SMTP command that drew them (RCPT TO) count as Soft, because
    // filters say the same after DATA (the sisimai corpus has many such).
    (
        "bounce_02.txt",
        "mailbox unavailable, no code or command: soft by the conservative rule",
    ),
    (
        "simple_05.txt",
        "no such account, no code or command: soft by the conservative rule",
    ),
    (
        "simple_06.txt",
        "no such account, no code or command: soft by the conservative rule",
    ),
    (
        "simple_13.txt",
        "French words only: soft by the conservative rule",
    ),
    (
        "simple_23.txt",
        "user not known, no code or command: soft by the conservative rule",
    ),
    (
        "simple_25.txt",
        "no such user, no code or command: soft by the conservative rule",
    ),
    (
        "simple_27.txt",
        "no such user, no code or command: soft by the conservative rule",
    ),
    (
        "simple_29.txt",
        "unknown user, no code or command: soft by the conservative rule",
    ),
    (
        "simple_36.txt",
        "unknown user, no code or command: soft by the conservative rule",
    ),
    (
        "simple_37.txt",
        "phquery's no delivery point: soft by the conservative rule",
    ),
    (
        "simple_39.txt",
        "user not found, no code or command: soft by the conservative rule",
    ),
    (
        "simple_43.txt",
        "not a valid user, no code or command: soft by the conservative rule",
    ),
    (
        "yahoo_10.txt",
        "no such account, no code or command: soft by the conservative rule",
    ),
];

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bounces/flufl")
}

fn fixture(file: &str) -> Vec<u8> {
    let path = corpus_dir().join(file);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// What the classifier says about `raw`, in the rows' terms.
fn got(raw: &[u8]) -> (&'static str, Vec<(String, Class)>) {
    match classify(raw, &Addresses::default(), &[]).kind {
        Kind::Bounce { failures, .. } => {
            let mut found: Vec<(String, Class)> = failures
                .into_iter()
                .map(|f| (f.address.unwrap_or_default(), f.class))
                .collect();
            found.sort_by(|a, b| a.0.cmp(&b.0));
            ("bounce", found)
        }
        Kind::Complaint { .. } => ("complaint", Vec::new()),
        Kind::OtherFeedback { .. } => ("feedback", Vec::new()),
        Kind::Notice { .. } => ("notice", Vec::new()),
        Kind::Unsubscribe { .. } => ("unsubscribe", Vec::new()),
        Kind::AutoReply => ("auto-reply", Vec::new()),
        Kind::Other => ("other", Vec::new()),
        other => panic!("a kind this test does not know: {other:?}"),
    }
}

/// What a row expects, in the same terms.
fn wanted(want: Want) -> (&'static str, Vec<(String, Class)>) {
    match want {
        Bounce(failures) => {
            let mut found: Vec<(String, Class)> =
                failures.iter().map(|(a, c)| (a.to_string(), *c)).collect();
            found.sort_by(|a, b| a.0.cmp(&b.0));
            ("bounce", found)
        }
        Notice => ("notice", Vec::new()),
        AutoReply => ("auto-reply", Vec::new()),
        Other => ("other", Vec::new()),
    }
}

#[test]
fn every_flufl_fixture_has_a_row() {
    let mut files: Vec<String> = std::fs::read_dir(corpus_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".txt"))
        .collect();
    files.sort();
    let rows: Vec<String> = ROWS.iter().map(|r| r.file.to_string()).collect();
    assert_eq!(rows, files);
}

#[test]
fn flufl_reports_classify_as_judged_but_for_the_known_misses() {
    let mut misses = BTreeMap::new();
    for row in ROWS {
        let got = got(&fixture(row.file));
        let want = wanted(row.want);
        if got != want {
            let why = row.why;
            misses.insert(
                row.file,
                format!("({why})\n      want {want:?}\n      got  {got:?}"),
            );
        }
    }
    let known: Vec<&str> = KNOWN_MISSES.iter().map(|(f, _)| *f).collect();
    let unexpected: Vec<String> = misses
        .iter()
        .filter(|(f, _)| !known.contains(f))
        .map(|(f, why)| format!("{f}: {why}"))
        .collect();
    assert!(
        unexpected.is_empty(),
        "misclassified:\n{}",
        unexpected.join("\n")
    );
    let fixed: Vec<&&str> = known.iter().filter(|f| !misses.contains_key(**f)).collect();
    assert!(
        fixed.is_empty(),
        "now right, drop from KNOWN_MISSES: {fixed:?}"
    );
}

#[test]
fn no_known_miss_is_a_false_hard() {
    // The worst error is marking a working address dead: no miss may be one.
    for (file, _) in KNOWN_MISSES {
        let row = ROWS.iter().find(|r| r.file == *file).unwrap();
        let (_, got) = got(&fixture(file));
        let (_, want) = wanted(row.want);
        for (address, class) in got.iter().filter(|(_, c)| *c == Hard) {
            assert!(
                want.contains(&(address.clone(), *class)),
                "{file}: {address} is Hard"
            );
        }
    }
}

/// `raw` with every line end made `end`.
fn with_line_ends(raw: &[u8], end: &[u8]) -> Vec<u8> {
    let lf: Vec<u8> = String::from_utf8_lossy(raw)
        .replace("\r\n", "\n")
        .into_bytes();
    let mut out = Vec::with_capacity(lf.len() * 2);
    for &b in &lf {
        if b == b'\n' {
            out.extend_from_slice(end);
        } else {
            out.push(b);
        }
    }
    out
}

#[test]
fn lf_crlf_and_cr_only_line_ends_classify_alike() {
    for file in [
        "dsn_10.txt",
        "dsn_05.txt",
        "postfix_01.txt",
        "qmail_03.txt",
        "exim_01.txt",
        "microsoft_01.txt",
        "simple_12.txt",
        "smtp32_04.txt",
        "yahoo_11.txt",
        "qmail_08.txt",
    ] {
        let raw = fixture(file);
        let lf = got(&with_line_ends(&raw, b"\n"));
        assert_eq!(got(&with_line_ends(&raw, b"\r\n")), lf, "{file} CRLF");
        assert_eq!(got(&with_line_ends(&raw, b"\r")), lf, "{file} CR");
    }
}
