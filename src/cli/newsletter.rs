//! `herald subscribers`, `herald digest` and `herald send`: the newsletter commands.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use crate::controls::{Quoted, escape, to_json};
use crate::newsletter::lifecycle::{self, Effect, Event, Policy};
use crate::newsletter::{self, Next, Outcome, SendProgress, SendRequest};
use crate::store::{Reason, Status, Store};
use clap::Subcommand;

use super::{Context, Failure, browser, paint};

/// Options of `herald subscribers`.
#[derive(Debug, clap::Args)]
pub(crate) struct SubscribersArgs {
    #[command(subcommand)]
    command: SubscribersCommand,
}

/// What to do with the subscriber list.
#[derive(Debug, Subcommand)]
pub(super) enum SubscribersCommand {
    /// Import a CSV file: herald's `email,name`, or a Mailchimp, Ghost, listmonk,
    /// Substack or Buttondown export (recognised by its header). Bad records are
    /// reported by line, repeated addresses merged; rows the export marks unsubscribed
    /// or bounced are imported so, unsubscribed, bounced and forgotten addresses stay
    /// so, and pending sign-ups stay pending.
    Import {
        /// The CSV file.
        file: PathBuf,
    },
    /// Add one subscriber (or make an existing one active again: the list's owner
    /// says so).
    Add {
        /// The address.
        email: String,
        /// The display name (may start with `-`).
        #[arg(long, allow_hyphen_values = true)]
        name: Option<String>,
    },
    /// Unsubscribe one address (it is kept, marked unsubscribed).
    Remove {
        /// The address.
        email: String,
    },
    /// List every subscriber.
    List {
        /// Print a JSON array of {"email", "name", "status", "reason", "bounces",
        /// "hard_bounces", "soft_bounces", "last_bounce_status", "last_bounce_words",
        /// "joined_via", …}.
        #[arg(long)]
        json: bool,
    },
    /// Print everything herald holds about one address: name, status, dates, reasons,
    /// bounces, deliveries and received messages.
    Show {
        /// The address.
        email: String,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Show one subscriber's topics, or set them: only the articles tagged with one of
    /// them go to the subscriber. The TAGs must be in `newsletter.topics`.
    Topics {
        /// The address.
        email: String,
        /// The topics' tags (as `newsletter.topics` lists them; matched by slug).
        #[arg(conflicts_with = "all")]
        tags: Vec<String>,
        /// Clear the choice: every article, as for a subscriber who chose none.
        #[arg(long)]
        all: bool,
    },
    /// Send one subscriber no issue before a date (at the reader's request); issues
    /// sent meanwhile are not sent later.
    Pause {
        /// The address.
        email: String,
        /// When issues start again: a date (midnight in `site.timezone`) or RFC 3339.
        #[arg(long, value_name = "DATE")]
        until: String,
    },
    /// End a subscriber's pause now: the next issue goes to them.
    Resume {
        /// The address.
        email: String,
    },
    /// Erase everything herald holds about one address (its row, deliveries and
    /// received messages, and their bytes in the database file), keeping only a keyed
    /// hash so that no later import brings it back.
    Forget {
        /// The address.
        email: String,
    },
}

/// Options of `herald digest`.
#[derive(Debug, clap::Args)]
pub(crate) struct DigestArgs {
    /// Write the HTML part to this file.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// Write the plain-text part to this file.
    #[arg(long, value_name = "FILE")]
    text: Option<PathBuf>,
    /// Write a complete sample message (to the From address) to this file.
    #[arg(long, value_name = "FILE")]
    eml: Option<PathBuf>,
    /// Write the HTML part to a temporary file and open it in the browser (`$BROWSER`,
    /// else `xdg-open`/`open` on a terminal); the path is printed either way.
    #[arg(long)]
    open: bool,
}

/// Options of `herald send`.
#[derive(Debug, clap::Args)]
pub(crate) struct SendArgs {
    /// Show what would go to whom; send nothing, record nothing.
    #[arg(long)]
    dry_run: bool,
    /// Send one copy with a `[TEST]` subject prefix to ADDR and record nothing.
    #[arg(long, value_name = "ADDR", conflicts_with = "dry_run")]
    to: Option<String>,
    /// Leave recipients an interrupted run left `sending` alone (they may have their
    /// copy) instead of sending them another.
    #[arg(long)]
    no_retry_unknown: bool,
}

/// Options of `herald issues`.
#[derive(Debug, clap::Args)]
pub(crate) struct IssuesArgs {
    /// Print a JSON array of {"id", "started_at", "completed_at", "articles", "sent",
    /// "failed", "skipped", "pending", "complete"}.
    #[arg(long)]
    json: bool,
}

/// Runs `herald issues`: every issue, oldest first; changes nothing.
pub(super) fn run_issues(context: &Context, args: IssuesArgs) -> Result<(), Failure> {
    let config = context.config()?;
    let issues = match Store::open_read_only(&config.state_file)? {
        Some(store) => newsletter::issues(&store)?,
        None => Vec::new(),
    };
    if args.json {
        let text = to_json(&issues, true).map_err(Failure::runtime)?;
        println!("{text}");
        return Ok(());
    }
    println!(
        "{:<22} {:<20} {:<20} {:>8} {:>8} {:>8} {:>8}  complete",
        "issue", "started", "completed", "articles", "sent", "failed", "pending"
    );
    let time = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%d %H:%M:%S").to_string();
    for issue in &issues {
        println!(
            "{:<22} {:<20} {:<20} {:>8} {:>8} {:>8} {:>8}  {}",
            issue.id,
            time(issue.started_at),
            issue.completed_at.map(time).unwrap_or_else(|| "-".into()),
            issue.articles,
            issue.totals.sent,
            issue.totals.failed,
            issue.totals.pending,
            if issue.complete { "yes" } else { "no" }
        );
    }
    Ok(())
}

/// Runs `herald subscribers …`.
pub(super) fn run_subscribers(context: &Context, args: SubscribersArgs) -> Result<(), Failure> {
    let config = context.config()?;
    let policy = Policy::from(&config.newsletter.bounces);
    let change = |email: &str, event: Event| -> Result<Effect, Failure> {
        let store = Store::open(&config.state_file)?;
        Ok(lifecycle::record(&store, email, &event, context.now, policy)?.effect)
    };
    match args.command {
        SubscribersCommand::Import { file } => import(context, &config, &file, policy),
        SubscribersCommand::Add { email, name } => {
            let email = crate::address::normalize(&email)
                .map_err(|e| Failure::config(refused_address(&email, e)))?;
            let name = match name.as_deref().map(crate::name::check).transpose() {
                Ok(name) => name.flatten(),
                Err(e) => {
                    let given = name.as_deref().unwrap_or_default();
                    return Err(Failure::config(anyhow::anyhow!(
                        "--name {}: {e}",
                        Quoted(given)
                    )));
                }
            };
            let effect = change(&email, Event::Added { name })?;
            say(context, &effect, &email);
            Ok(())
        }
        SubscribersCommand::Remove { email } => {
            let email = named(&config.state_file, &email)?;
            let effect = change(&email, Event::Unsubscribed(Reason::Cli))?;
            if effect == Effect::NotSubscriber {
                return Err(not_a_subscriber(&email));
            }
            say(context, &effect, &email);
            Ok(())
        }
        SubscribersCommand::Forget { email } => {
            let email = named(&config.state_file, &email)?;
            forget(context, &config.state_file, &email, policy)
        }
        SubscribersCommand::Show { email, json } => {
            let email = named(&config.state_file, &email)?;
            show(&config.state_file, &email, json)
        }
        SubscribersCommand::List { json } => list(context, &config.state_file, json),
        SubscribersCommand::Topics { email, tags, all } => {
            let email = named(&config.state_file, &email)?;
            if tags.is_empty() && !all {
                return show_topics(&config, &email);
            }
            let chosen = configured_tags(&config, &tags)?;
            changed(context, &email, change(&email, Event::ChoseTopics(chosen))?)
        }
        SubscribersCommand::Pause { email, until } => {
            let email = named(&config.state_file, &email)?;
            let until = pause_end(&config, &until)?;
            changed(context, &email, change(&email, Event::Paused { until })?)
        }
        SubscribersCommand::Resume { email } => {
            let email = named(&config.state_file, &email)?;
            changed(context, &email, change(&email, Event::Resumed)?)
        }
    }
}

/// Says what an event did to `email`; an address with no row is an error.
fn changed(context: &Context, email: &str, effect: Effect) -> Result<(), Failure> {
    if effect == Effect::NotSubscriber {
        return Err(not_a_subscriber(email));
    }
    say(context, &effect, email);
    Ok(())
}

/// The tags of `newsletter.topics` that `given` name (by slug), as configured; a tag
/// that names none is refused with the list of those there are.
fn configured_tags(config: &crate::Config, given: &[String]) -> Result<Vec<String>, Failure> {
    let topics = &config.newsletter.topics;
    let listed = || {
        topics
            .iter()
            .map(|t| format!("{} ({})", t.tag, t.name))
            .collect::<Vec<_>>()
            .join(", ")
    };
    given
        .iter()
        .map(|tag| {
            config
                .newsletter
                .topic(tag)
                .map(|t| t.tag.clone())
                .ok_or_else(|| {
                    let message = if topics.is_empty() {
                        format!(
                            "{}: `newsletter.topics` is empty, so there is no topic to choose; add topics to it first",
                            Quoted(tag)
                        )
                    } else {
                        format!(
                            "{} is not one of `newsletter.topics`; choose among: {}",
                            Quoted(tag),
                            escape(&listed())
                        )
                    };
                    Failure::config(anyhow::anyhow!(
                        "{}: {message}",
                        config.file.display()
                    ))
                })
        })
        .collect()
}

/// `herald subscribers topics EMAIL`: the subscriber's topics, one a line.
fn show_topics(config: &crate::Config, email: &str) -> Result<(), Failure> {
    let row = match Store::open_read_only(&config.state_file)? {
        Some(store) => store.subscriber(email)?,
        None => None,
    };
    let Some(s) = row else {
        return Err(not_a_subscriber(email));
    };
    if s.topics.is_empty() {
        println!("{}: every article (no topic chosen)", escape(&s.email));
        return Ok(());
    }
    println!("{}:", escape(&s.email));
    for tag in &s.topics {
        match config.newsletter.topic(tag) {
            Some(topic) => println!("  {} ({})", escape(tag), escape(&topic.name)),
            None => println!(
                "  {} (no longer in newsletter.topics: ignored)",
                escape(tag)
            ),
        }
    }
    Ok(())
}

/// `--until`: read as front-matter dates are ([`crate::content::parse_date`]): a date
/// at midnight in `site.timezone`, or RFC 3339.
fn pause_end(config: &crate::Config, raw: &str) -> Result<chrono::DateTime<chrono::Utc>, Failure> {
    crate::content::parse_date(raw, config.timezone())
        .map_err(|why| Failure::config(anyhow::anyhow!("--until {why}")))
}

/// The address an argument names: [normalized](crate::address::normalize), or, when
/// the address rule refuses it, the address of a row stored before the rule that it
/// names (so such a row can still be shown, removed and forgotten).
fn named(state_file: &Path, given: &str) -> Result<String, Failure> {
    let refusal = match crate::address::normalize(given) {
        Ok(email) => return Ok(email),
        Err(refusal) => refusal,
    };
    if let Some(store) = Store::open_read_only(state_file)?
        && let Some(row) = store.subscriber(given)?
    {
        return Ok(row.email);
    }
    Err(Failure::config(refused_address(given, refusal)))
}

fn refused_address(given: &str, reason: crate::address::AddressError) -> anyhow::Error {
    anyhow::anyhow!("{} is not a valid email address: {reason}", Quoted(given))
}

fn say(context: &Context, effect: &Effect, email: &str) {
    if !context.quiet {
        println!("{}: {effect}", escape(email));
    }
}

fn not_a_subscriber(email: &str) -> Failure {
    Failure::runtime(anyhow::anyhow!(
        "{} is not a subscriber (see `herald subscribers list`)",
        escape(email)
    ))
}

fn list(context: &Context, state_file: &Path, json: bool) -> Result<(), Failure> {
    let subscribers = match Store::open_read_only(state_file)? {
        Some(store) => store.subscribers()?,
        None => Vec::new(),
    };
    if json {
        let text = to_json(&subscribers, true).map_err(Failure::runtime)?;
        println!("{text}");
        return Ok(());
    }
    if subscribers.is_empty() && !context.quiet {
        paint::note(
            "no subscribers yet: import some with `herald subscribers import FILE.csv` (or add one with `herald subscribers add ADDRESS`)",
        );
    }
    // Email, status, hard and soft bounces, why they left, the last bounce, name,
    // topics (and a pause); what
    // came from outside is escaped, so no stored text reaches the terminal raw (nor
    // adds a column: tabs are escaped too).
    for s in &subscribers {
        let last = s.last_bounce.as_ref().map_or_else(
            || "-".to_string(),
            |b| {
                format!(
                    "{} {}",
                    b.status.as_deref().unwrap_or("-"),
                    b.words.as_deref().unwrap_or("")
                )
                .trim()
                .to_string()
            },
        );
        let mut topics = if s.topics.is_empty() {
            "every article".to_string()
        } else {
            format!("topics {}", escape(&s.topics.join(", ")))
        };
        if let Some(until) = s.paused_until.filter(|until| *until > context.now) {
            topics.push_str(&format!(", paused until {}", until.to_rfc3339()));
        }
        println!(
            "{}\t{}\thard {}\tsoft {}\t{}\t{}\t{}\t{topics}",
            escape(&s.email),
            s.status.as_str(),
            s.hard_bounces,
            s.soft_bounces,
            s.reason.map_or("-", Reason::as_str),
            escape(&last),
            escape(s.name.as_deref().unwrap_or(""))
        );
    }
    Ok(())
}

fn show(state_file: &Path, email: &str, json: bool) -> Result<(), Failure> {
    let Some(store) = Store::open_read_only(state_file)? else {
        return Err(not_a_subscriber(email));
    };
    let Some(s) = store.subscriber(email)? else {
        return Err(not_a_subscriber(email));
    };
    // The ledger and the inbound log hold the address as the row spells it.
    let deliveries = store.deliveries_to(&s.email)?;
    let inbound = store.inbound_about(&s.email)?;
    if json {
        let value = serde_json::json!({
            "subscriber": s,
            "deliveries": deliveries,
            "inbound": inbound,
        });
        let text = to_json(&value, true).map_err(Failure::runtime)?;
        println!("{text}");
        return Ok(());
    }
    let time = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map_or_else(|| "-".to_string(), |t| t.to_rfc3339())
    };
    // Everything but herald's own words and numbers came from outside: escaped.
    println!("email:        {}", escape(&s.email));
    println!("name:         {}", escape(s.name.as_deref().unwrap_or("-")));
    println!("status:       {}", s.status.as_str());
    println!("reason:       {}", s.reason.map_or("-", Reason::as_str));
    println!(
        "joined:       {} via {}",
        s.added_at.to_rfc3339(),
        escape(&s.joined.to_string())
    );
    println!("confirmed:    {}", time(s.confirmed_at));
    println!("left:         {}", time(s.left_at));
    println!(
        "bounces:      {} hard, {} soft (issues: {})",
        s.hard_bounces,
        s.soft_bounces,
        if s.soft_issues.is_empty() {
            "-".to_string()
        } else {
            escape(&s.soft_issues.join(", ")).into_owned()
        }
    );
    if let Some(b) = &s.last_bounce {
        println!(
            "last bounce:  {} {} {}",
            b.at.to_rfc3339(),
            escape(b.status.as_deref().unwrap_or("-")),
            escape(b.words.as_deref().unwrap_or(""))
        );
    }
    if let Some(link) = s.links.outstanding {
        println!(
            "link:         a confirmation link expiring {} is outstanding",
            link.to_rfc3339()
        );
    }
    println!("deliveries:   {}", deliveries.len());
    for d in &deliveries {
        let line = format!(
            "{} {} (attempts {}, {}){}",
            d.issue,
            d.status,
            d.attempts,
            d.updated_at,
            d.reply
                .as_deref()
                .map(|r| format!(": {r}"))
                .unwrap_or_default()
        );
        println!("  {}", escape(&line));
    }
    println!("received:     {}", inbound.len());
    for m in &inbound {
        let line = format!("{} {} {}: {}", m.received_at, m.kind, m.message, m.action);
        println!("  {}", escape(&line));
    }
    Ok(())
}

fn forget(
    context: &Context,
    state_file: &Path,
    email: &str,
    policy: Policy,
) -> Result<(), Failure> {
    let store = Store::open(state_file)?;
    let effect = lifecycle::record(&store, email, &Event::Forgotten, context.now, policy)?.effect;
    let scrubbed = store.scrub()?;
    if !scrubbed {
        eprintln!(
            "warning: another process (herald serve?) is reading the database, so its write-ahead log could not be emptied; run `herald subscribers forget {}` again when it is stopped",
            escape(email)
        );
    }
    say(context, &effect, email);
    Ok(())
}

fn import(
    context: &Context,
    config: &crate::Config,
    file: &Path,
    policy: Policy,
) -> Result<(), Failure> {
    let state_file = &config.state_file;
    let bytes = std::fs::read(file).map_err(|e| crate::Error::io(file, e))?;
    let report = newsletter::parse_csv(&bytes).map_err(|e| {
        let at = e.line().map(|line| format!(":{line}")).unwrap_or_default();
        Failure::config(anyhow::Error::new(e).context(format!("{}{at}", file.display())))
    })?;
    // Messages quote what the file holds escaped already; the line is escaped whole
    // as well, so nothing from the file reaches the terminal raw.
    for problem in &report.problems {
        let line = format!("{}:{}: {problem}", file.display(), problem.line);
        eprintln!("{}", escape(&line));
    }
    for cleaned in &report.cleaned_names {
        let line = format!("{}:{}: warning: {cleaned}", file.display(), cleaned.line);
        eprintln!("{}", escape(&line));
    }
    let store = Store::open(state_file)?;
    let effects = newsletter::import::store_rows(
        &store,
        &report,
        &file.display().to_string(),
        &config.newsletter,
        context.now,
        policy,
    )?;
    let count = |test: fn(&Effect) -> bool| effects.iter().filter(|e| test(e)).count();
    let marked = |status| report.rows.iter().filter(|r| r.status == status).count();
    if !context.quiet {
        println!(
            "imported {} ({}): {} added, {} updated, {} unchanged, {} kept out (forgotten), {} duplicate(s) merged, {} invalid line(s); the file marks {} unsubscribed, {} bounced",
            file.display(),
            report.format,
            count(|e| matches!(e, Effect::Added(_))),
            count(|e| matches!(e, Effect::Updated | Effect::Left(_))),
            count(|e| matches!(e, Effect::Unchanged(_))),
            count(|e| matches!(e, Effect::KeptOut)),
            report.duplicates,
            report.problems.len(),
            marked(Status::Unsubscribed),
            marked(Status::Bounced),
        );
        let with_topics = report
            .rows
            .iter()
            .filter(|row| !newsletter::import::topics_of(&row.tags, &config.newsletter).is_empty())
            .count();
        if with_topics > 0 {
            println!(
                "{with_topics} row(s) carry tags that are topics of `newsletter.topics` (taken as their topics where they chose none)"
            );
        }
    }
    // Nothing the export says is dropped silently: tags that are not topics are named.
    let not_topics = newsletter::import::tags_not_topics(&report, &config.newsletter);
    if !not_topics.is_empty() {
        let listed: Vec<String> = not_topics
            .iter()
            .map(|(tag, rows)| format!("{} ({rows} row(s))", Quoted(tag)))
            .collect();
        let line = format!(
            "{}: warning: these tags are not in `newsletter.topics`, so they were not imported as topics: {} (add a topic with that tag to herald.yaml and import again to keep them)",
            file.display(),
            listed.join(", ")
        );
        eprintln!("{}", escape(&line));
    }
    if report.problems.is_empty() {
        Ok(())
    } else {
        Err(Failure::silent(1))
    }
}

/// Runs `herald digest`: renders the next issue; sends nothing, changes nothing.
pub(super) fn run_digest(context: &Context, args: DigestArgs) -> Result<(), Failure> {
    let config = context.config()?;
    let loaded = crate::content::load(&config)?;
    for diagnostic in &loaded.diagnostics {
        eprintln!("{diagnostic}");
    }
    let store = Store::open_read_only(&config.state_file)?;
    let plan = match newsletter::plan_next(&config, store.as_ref(), &loaded.articles, context.now)?
    {
        Next::Nothing { since } => {
            println!("{}", nothing_new(since));
            if !context.quiet {
                paint::next(
                    "write an article with `herald new \"Title\"` (and publish it: no `draft: true`)",
                );
            }
            return Ok(());
        }
        Next::Issue(plan) => plan,
    };
    let resumed = if plan.resumed {
        " (started earlier, not complete)"
    } else {
        ""
    };
    println!(
        "issue {}{resumed}: {} article(s)\nsubject: {}",
        plan.issue.id,
        plan.issue.articles.len(),
        plan.rendered.subject
    );
    for article in &plan.articles {
        println!(
            "- {} ({})",
            article.title,
            article.published.format("%Y-%m-%d")
        );
    }
    for id in &plan.missing {
        paint::warning(&format!(
            "article {id} of this issue no longer exists; it is left out"
        ));
    }
    if let Some(place) = &plan.archive {
        println!("web page (written by `herald send`): {}", place.url);
    }
    // The preview goes to the sender's own address, with that address's unsubscribe link.
    let from = newsletter::preview_recipient(&config);
    if args.html.is_some() || args.text.is_some() || args.open {
        let (html, text) =
            newsletter::preview_parts(&config, &context.secrets, &plan, context.now, &from)?;
        write(args.html.as_deref(), html.as_bytes())?;
        write(args.text.as_deref(), text.as_bytes())?;
        if args.open {
            open_preview(&html)?;
        }
    }
    if let Some(path) = &args.eml {
        let bytes =
            newsletter::preview_message(&config, &context.secrets, &plan, context.now, &from)?;
        write(Some(path), &bytes)?;
    }
    Ok(())
}

/// Writes `html` to a temporary file that outlives herald (the browser reads it later)
/// and opens it.
fn open_preview(html: &str) -> Result<(), Failure> {
    let file = tempfile::Builder::new()
        .prefix("herald-digest-")
        .suffix(".html")
        .tempfile()
        .map_err(|e| crate::Error::io(std::env::temp_dir(), e))?;
    let (_, path) = file
        .keep()
        .map_err(|e| crate::Error::io(std::env::temp_dir(), e.error))?;
    write(Some(&path), html.as_bytes())?;
    match browser::open(&path) {
        browser::Opened::With(program) => {
            println!("preview: {} (opened with {program})", path.display())
        }
        browser::Opened::NotOpened => println!(
            "preview: {} (open it in your browser; set $BROWSER to have herald open it)",
            path.display()
        ),
    }
    Ok(())
}

fn write(path: Option<&Path>, bytes: &[u8]) -> Result<(), Failure> {
    if let Some(path) = path {
        std::fs::write(path, bytes).map_err(|e| crate::Error::io(path, e))?;
    }
    Ok(())
}

fn nothing_new(since: Option<chrono::DateTime<chrono::Utc>>) -> String {
    match since {
        Some(since) => format!(
            "nothing new since {}",
            since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        ),
        None => "nothing new since the beginning: no article is published yet".into(),
    }
}

/// Runs `herald send`: exit 0 once the issue is complete (or there is nothing to
/// send), 1 when it could not complete (the next run resumes it).
pub(super) fn run_send(context: &Context, args: SendArgs) -> Result<(), Failure> {
    let config = context.config()?;
    for warning in config.newsletter_warnings() {
        eprintln!("{warning}");
    }
    let to = args
        .to
        .as_deref()
        .map(|given| {
            crate::address::normalize(given)
                .map_err(|e| Failure::config(refused_address(given, e).context("--to")))
        })
        .transpose()?;
    let request = SendRequest {
        dry_run: args.dry_run,
        to,
        no_retry_unknown: args.no_retry_unknown,
    };
    let terminal = std::io::stdout().is_terminal() && !context.quiet;
    let mut progress = Progress {
        bar: indicatif::ProgressBar::hidden(),
        terminal,
    };
    let outcome = newsletter::send(
        &config,
        &context.secrets,
        context.now,
        &request,
        &mut progress,
    )?;
    progress.bar.finish_and_clear();
    let outbox = outbox_note(&config, context, &outcome);
    let result = report(outcome, terminal);
    if let Some(note) = outbox {
        paint::note(&note);
    }
    result
}

/// Where the messages went when no SMTP relay is configured, and how to set one.
fn outbox_note(config: &crate::Config, context: &Context, outcome: &Outcome) -> Option<String> {
    let relay = context.secrets.smtp_url.is_some() || config.smtp.is_some();
    let issue = match outcome {
        Outcome::Sent { summary, .. } => &summary.issue,
        Outcome::Test { issue, .. } => issue,
        _ => return None,
    };
    if relay || context.quiet {
        return None;
    }
    Some(format!(
        "no SMTP relay is configured, so the messages were written to {}; to send them for real, set HERALD_SMTP_URL (e.g. smtp://user@mail.example.com:587?tls=required) or add an `smtp:` section to herald.yaml",
        newsletter::outbox_dir(config).join(issue).display()
    ))
}

/// A progress bar on a terminal; nothing under cron.
struct Progress {
    bar: indicatif::ProgressBar,
    terminal: bool,
}

impl SendProgress for Progress {
    fn waiting_for_lock(&mut self, path: &Path) {
        eprintln!(
            "waiting for another `herald send` to finish (lock {})",
            path.display()
        );
    }

    fn start(&mut self, total: usize) {
        if self.terminal {
            self.bar
                .set_draw_target(indicatif::ProgressDrawTarget::stderr());
            self.bar.set_length(total as u64);
        }
    }

    fn settled(&mut self, _: &str) {
        self.bar.inc(1);
    }
}

fn report(outcome: Outcome, terminal: bool) -> Result<(), Failure> {
    match outcome {
        Outcome::NothingNew { since } => println!("{}", nothing_new(since)),
        Outcome::NoSubscribers { issue } => println!(
            "issue {issue} is ready but there is no active subscriber; nothing sent: import some with `herald subscribers import FILE.csv` (or add one with `herald subscribers add ADDRESS`)"
        ),
        Outcome::Test { issue, to } => println!("sent a [TEST] copy of issue {issue} to {to}"),
        Outcome::DryRun {
            issue,
            titles,
            subject,
            resumed,
            recipients,
            not_sent,
            unknown,
            settled,
        } => {
            let resumed = if resumed { " (resuming)" } else { "" };
            println!(
                "issue {issue}{resumed}: {} article(s)\nsubject: {subject}",
                titles.len()
            );
            for title in titles {
                println!("- {title}");
            }
            println!(
                "would send to {} recipient(s) ({settled} already done):",
                recipients.len()
            );
            for email in recipients {
                let note = if unknown.contains(&email) {
                    "  (left `sending` by an interrupted run)"
                } else {
                    ""
                };
                println!("  {}{note}", escape(&email));
            }
            if !not_sent.is_empty() {
                println!("would not send to {} subscriber(s):", not_sent.len());
                for (email, why) in not_sent {
                    println!("  {} ({why})", escape(&email));
                }
            }
        }
        Outcome::Sent {
            summary,
            failures,
            unknown,
        } => {
            if !unknown.is_empty() {
                eprintln!(
                    "{} recipient(s) were left `sending` by an interrupted run ({}): {}",
                    unknown.len(),
                    if summary.unknown_retried > 0 {
                        "sent again; a second copy is possible"
                    } else {
                        "left alone (--no-retry-unknown)"
                    },
                    escape(&unknown.join(", "))
                );
            }
            for (email, reason) in &failures {
                eprintln!("failed: {}", escape(&format!("{email}: {reason}")));
            }
            if terminal {
                let totals = &summary.issue_totals;
                println!(
                    "issue {}: {} sent, {} failed, {} skipped, {} deferred in {:.1}s{}\n\
                     issue so far: {} sent, {} failed, {} pending",
                    summary.issue,
                    summary.sent,
                    summary.failed,
                    summary.skipped,
                    summary.deferred,
                    summary.seconds,
                    if summary.complete { "; complete" } else { "" },
                    totals.sent,
                    totals.failed,
                    totals.pending
                );
            } else {
                let line = to_json(&summary, false).map_err(Failure::runtime)?;
                println!("{line}");
            }
            if !summary.complete {
                let why = summary.error.clone().unwrap_or_else(|| {
                    format!("{} recipient(s) got temporary failures", summary.deferred)
                });
                // `why` may quote a server's reply or a stored address: escaped.
                return Err(Failure::runtime(anyhow::anyhow!(
                    "issue {} is not complete: {}; run `herald send` again to resume it",
                    summary.issue,
                    escape(&why)
                )));
            }
        }
    }
    Ok(())
}
