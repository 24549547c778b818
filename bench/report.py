#!/usr/bin/env python3
"""Prints bench/run.sh's results as one Markdown table (stdlib only).

Usage: report.py RESULTS_DIR. Reads RESULTS_DIR/facts.txt (key=value lines) and the
hyperfine JSON files next to it; every time shown is a median, with min-max in brackets.
"""

import json
import re
import sys
from pathlib import Path


def load(results):
    facts = {}
    for line in (results / "facts.txt").read_text().splitlines():
        key, _, value = line.partition("=")
        facts[key] = value
    timings = {}
    for path in results.glob("*.json"):
        data = json.loads(path.read_text())["results"][0]
        timings[path.stem] = data
    return facts, timings


def seconds(t):
    med = t["median"]
    return f"{fmt_s(med)} [{fmt_s(t['min'])}–{fmt_s(t['max'])}]"


def fmt_s(s):
    if s < 1:
        return f"{s * 1000:.0f} ms"
    return f"{s:.2f} s"


def mb(kb):
    return f"{int(kb) / 1024:.0f} MB"


def verdict(ok):
    return "PASS" if ok else "FAIL"


def main():
    results = Path(sys.argv[1])
    facts, t = load(results)
    n = int(facts["n"])
    rows = []
    notes = []
    full = {}  # limit -> whether herald's feed held every item with full content

    def row(*cells):
        rows.append(cells)

    builds = "want_items_20" in facts
    for limit, label, hugo_target in (("20", "newest 20", 0.1), ("all", "whole archive", 0.2)):
        if not builds:
            break
        herald = t.get(f"build_{limit}_herald")
        hugo = t.get(f"build_{limit}_hugo")
        floor = t.get(f"build_{limit}_floor")
        want = int(facts[f"want_items_{limit}"])
        got = int(facts.get(f"herald_items_{limit}", "0") or 0)
        hugo_got = int(facts.get(f"hugo_items_{limit}", "0") or 0)
        title = f"Build, {label} ({want:,} items, {n:,} articles)"
        comparable = got == want
        full[limit] = comparable
        if hugo_got != want:
            notes.append(
                f"Hugo's {label} feed holds {hugo_got} of {want} items with full content: "
                "its timing is not comparable."
            )
        if not comparable:
            notes.append(
                f"herald's {label} rss.xml holds {got} of {want} items with full content "
                "(is the feed module still the placeholder?): its ratios are not judged."
            )
        judge = (lambda ok: verdict(ok)) if comparable else (lambda ok: "n/a")
        ratio = herald["median"] / hugo["median"]
        row(title, seconds(herald), f"Hugo {seconds(hugo)}", f"{ratio:.3f} ×",
            f"≤ {hugo_target} × Hugo", judge(ratio <= hugo_target))
        ratio = herald["median"] / floor["median"]
        if limit == "20":
            target, result = "≤ 1.5 × floor", judge(ratio <= 1.5)
        else:
            target, result = "(none)", "–"
        row(title, seconds(herald), f"floor {seconds(floor)}", f"{ratio:.2f} ×", target, result)

    for limit, label in (("20", "newest 20"), ("all", "whole archive")) if builds else ():
        rebuild = t.get(f"rebuild_{limit}_herald")
        rewritten = int(facts[f"rewritten_{limit}"]) + int(facts[f"rewritten_after_{limit}"])
        row(f"Rebuild, nothing changed, {label}",
            f"{seconds(rebuild)}; {rewritten} file(s) rewritten", "–", "–",
            "no file rewritten", verdict(rewritten == 0))

    if builds:
        memory_rows(facts, full, row)
        default_rows(facts, t, row)
    tags_rows(facts, t, row)
    big_rows(facts, t, row, notes)
    send_rows(facts, t, row, notes)
    topics_rows(facts, t, row, notes)
    inbound_rows(facts, t, row, notes)
    load_rows(facts, row)
    webhooks_rows(facts, row)
    serve_rows(facts, results, row, notes)
    print_table(facts, rows, notes)


def memory_rows(facts, full, row):
    row("Peak RSS, build newest 20", mb(facts["rss_build_20"]), "–", "–", "≤ 64 MB",
        verdict(int(facts["rss_build_20"]) <= 64 * 1024) if full["20"] else "n/a")
    largest = int(facts["largest_output_all"])
    rss_all = int(facts["rss_build_all"]) * 1024
    ratio = rss_all / largest if largest else float("inf")
    row("Peak RSS, build whole archive", mb(facts["rss_build_all"]),
        f"largest output {largest / 2**20:.0f} MB", f"{ratio:.2f} ×",
        "≤ 3 × largest output", verdict(ratio <= 3) if full["all"] else "n/a")
    row("Peak RSS, rebuild newest 20", mb(facts["rss_rebuild_20"]), "–", "–", "(none)", "–")
    row("Peak RSS, rebuild whole archive", mb(facts["rss_rebuild_all"]), "–", "–", "(none)", "–")


def gb(n):
    return f"{int(n) / 1e9:.2f} GB" if int(n) >= 1e8 else f"{int(n) / 1e6:.1f} MB"


def default_rows(facts, t, row):
    """The default config (newest 20 and every archive page), cold, against Hugo's
    whole feed."""
    herald, hugo = t.get("build_default_herald"), t.get("build_all_hugo")
    if not herald or not hugo:
        return
    n = int(facts["n"])
    ratio = herald["median"] / hugo["median"]
    row(f"Build, default config (newest 20 + {int(facts['default_pages']):,} archive pages, "
        f"{n:,} articles), cold; {gb(facts['default_bytes'])}",
        seconds(herald), f"Hugo whole feed {seconds(hugo)}", f"{ratio:.3f} ×",
        "≤ 0.1 × Hugo's whole feed", verdict(ratio <= 0.1))


def tags_rows(facts, t, row):
    """TAGS_N articles, default config plus per_tag, cold, against the whole archive as
    one feed in three formats: bytes written and time, side by side."""
    if "tags_n" not in facts:
        return
    n = int(facts["tags_n"])
    tagged, whole = t["tags_herald"], t["tags_whole"]
    label = (f"Build, {n:,} tagged articles, default config + per_tag "
             f"({int(facts['tags_feeds'])} tag feeds), cold")
    size, whole_size = int(facts["tags_bytes"]), int(facts["tags_whole_bytes"])
    ratio = size / whole_size
    row(f"{label}: bytes written", gb(size), f"whole archive as one feed {gb(whole_size)}",
        f"{ratio:.2f} ×", "≤ 1.2 × the whole feed", verdict(ratio <= 1.2))
    ratio = tagged["median"] / whole["median"]
    row(f"{label}: time", seconds(tagged), f"whole archive as one feed {seconds(whole)}",
        f"{ratio:.2f} ×", "≤ 1.5 × the whole feed", verdict(ratio <= 1.5))


def big_rows(facts, t, row, notes):
    """A cron's build (one new article since the last build) of BIG_N articles with
    archives and per-tag feeds: time against the same build of the N-article corpus, and
    peak memory; the first build and the plain newest-20 build for information."""
    if "big_n" not in facts or "cron_big" not in t:
        return
    big_n, n = int(facts["big_n"]), int(facts["n"])
    big, small = t["cron_big"], t["cron_small"]
    extra = facts.get("big_feeds_extra", "").strip() or "default feeds"
    ok = True
    for name, count in (("cron_big", big_n), ("cron_small", n)):
        items = int(facts.get(f"{name}_items", "0") or 0)
        newest = facts.get(f"{name}_newest", "")
        want = f"New article {facts.get(f'{name}_new_articles', '?')}"
        if items != 20 or newest != want:
            ok = False
            notes.append(f"the {count:,}-article rss.xml holds {items} items, the newest "
                         f"being {newest or 'none'!r} rather than {want!r}: not judged.")
    judge = verdict if ok else (lambda _: "n/a")
    label = f"Build after one new article, {big_n:,} articles ({extra})"
    ratio = big["median"] / small["median"]
    row(label, seconds(big), f"the same, {n:,} articles {seconds(small)}", f"{ratio:.2f} ×",
        f"≤ 12 × the {n:,}-article build", judge(ratio <= 12))
    base = t.get("build_20_herald")
    if base:
        row(f"Build after one new article, {big_n:,} articles, against the plain build",
            seconds(big), f"newest 20, {n:,} articles, no archives {seconds(base)}",
            f"{big['median'] / base['median']:.2f} ×", "(none)", "–")
    rss = int(facts["rss_cron_big"])
    row(f"Peak RSS, build after one new article, {big_n:,} articles", mb(rss), "–", "–",
        "≤ 64 MB", judge(rss <= 64 * 1024))
    for name, count in (("cron_big", big_n), ("cron_small", n)):
        first = facts.get(f"{name}_first_seconds")
        if not first:
            continue
        written = facts.get(f"{name}_first_bytes")
        label = f"First build (every document rendered), {count:,} articles ({extra})"
        herald = f"{fmt_s(float(first))}; {mb(facts[f'{name}_first_rss'])}"
        runs = facts.get(f"{name}_first_seconds_runs", "").split()
        if len(runs) > 1:
            herald += f" (medians of {len(runs)} runs: {', '.join(runs)} s)"
        if written:
            herald += f"; {gb(written)} written"
        if name == "cron_big":
            first_rss = int(facts[f"{name}_first_rss"])
            row(label, herald, "–", "–", "≤ 15 s and ≤ 100 MB",
                verdict(float(first) <= 15 and first_rss <= 100 * 1024))
        else:
            row(label, herald, "–", "–", "(none)", "–")


def load_rows(facts, row):
    if "load_check" not in facts:
        return
    ok = facts["load_check"] == "pass"
    took = float(facts.get("load_check_seconds", "0"))
    row("Serve under load: send to 20,000 + 300 unsubscribes, 300 sign-ups, 300 confirms",
        "0 non-2xx, no late copy" if ok else "see load_check.log", f"{took:.0f} s in all", "–",
        "0 non-2xx, no copy after its unsubscribe", verdict(ok))


def webhooks_rows(facts, row):
    if "webhooks" not in facts:
        return
    n = int(facts.get("webhooks_n", "0"))
    rate = int(facts.get("webhooks_rate", "0"))
    ok = facts["webhooks"] == "pass" and rate >= 1000
    row(f"Webhooks, {n:,} signed SES notifications, 8 streams",
        f"{rate:,}/s" if rate else "see webhooks.log", "each applied once", "–",
        "≥ 1,000/s, each applied exactly once", verdict(ok))


def inbound_rows(facts, t, row, notes):
    if "inbound_n" not in facts:
        return
    n = int(facts["inbound_n"])
    timing = t["inbound_maildir"]
    rate = n / timing["median"]
    handled = int(facts.get("inbound_handled", "0"))
    if handled != n:
        notes.append(f"herald inbound moved {handled} of {n} reports to cur/: the row is not judged.")
    ok = rate >= 5000 and handled == n
    row(f"Inbound, --maildir, {n:,} real-shaped reports", f"{rate:,.0f} msg/s ({fmt_s(timing['median'])})",
        "–", "–", "≥ 5,000 msg/s", verdict(ok))
    big, small = int(facts["rss_inbound_big"]), int(facts["rss_inbound_small"])
    small_n = int(facts["inbound_small_n"])
    row(f"Peak RSS, inbound, {n:,} reports", mb(big), f"{small_n:,} reports {mb(small)}",
        f"{big / small:.2f} ×", "≤ 1.5 × (flat)", verdict(big <= 1.5 * small))


def send_rows(facts, t, row, notes):
    send = facts.get("send", "skipped")
    if send != "skipped":
        subscribers = int(facts["send_subscribers"])
        sessions = facts["send_concurrency"]
        size = int(facts["send_source_bytes"])
        source = t["send_source"]
        source_rate = subscribers / source["median"]
        label = f"Send {subscribers:,} × {size / 1024:.0f} KB, {sessions} sessions"
        reference = f"smtp-source {source_rate:,.0f} msg/s ({fmt_s(source['median'])})"
        if send == "herald":
            herald = t["send_herald"]
            rate = subscribers / herald["median"]
            sent = facts.get("send_sent", "unknown")
            ledger = facts.get("send_ledger_sent", "unknown")
            all_sent = sent == str(subscribers) and ledger in (str(subscribers), "unknown")
            personalised = facts.get("send_personalised", "not checked")
            notes.append(f"Personalisation check (50 recipients, messages kept): {personalised}.")
            if ledger == "unknown":
                notes.append("The ledger count could not be read from the state database.")
            ratio = rate / source_rate
            row(label, f"{rate:,.0f} msg/s ({fmt_s(herald['median'])}); "
                f"{sent} sent, {ledger} in ledger", reference, f"{ratio:.2f} ×",
                "≥ 0.5 × smtp-source, all sent and recorded",
                verdict(ratio >= 0.5 and all_sent and personalised.startswith("yes")))
            row("Peak RSS, send", mb(facts["rss_send"]), "–", "–", "(none)", "–")
        else:
            row(label, "not available yet (`herald send` is not on main)", reference, "–",
                "≥ 0.5 × smtp-source", "n/a")


def topics_rows(facts, t, row, notes):
    if "topics_subscribers" not in facts:
        return
    n = int(facts["topics_subscribers"])
    none, sets = t["topics_none"], t["topics_sets"]

    def summary(name):
        try:
            return json.loads(facts.get(f"topics_summary_{name}", ""))
        except ValueError:
            return {}

    none_sum, sets_sum = summary("none"), summary("sets")
    none_ok = none_sum.get("sent") == n and none_sum.get("complete") is True
    sets_ok = (none_sum and sets_sum.get("sent", 0) + sets_sum.get("skipped", 0) == n
               and sets_sum.get("complete") is True)
    notes.append(
        f"Topics: without topics {none_sum.get('sent', '?')} sent; over 16 topic sets "
        f"{sets_sum.get('sent', '?')} sent, {sets_sum.get('skipped', '?')} skipped "
        f"(an issue of {facts.get('topics_articles', '?')} articles, each subscriber gets the "
        "ones in their topics)."
    )
    ratio = sets["median"] / none["median"]
    row(f"Send {n:,}, spread over 16 topic sets", seconds(sets), f"no topics {seconds(none)}",
        f"{ratio:.2f} ×", "≤ 1.3 × no topics, all sent", verdict(ratio <= 1.3 and none_ok and sets_ok))
    big, small = int(facts["rss_topics_sets"]), int(facts["rss_topics_none"])
    row(f"Peak RSS, send {n:,} over 16 topic sets", mb(big), f"no topics {mb(small)}",
        f"{big / small:.2f} ×", "≤ 1.3 × no topics", verdict(big <= 1.3 * small))


def requests(path):
    """How many requests one `wrk` run counted as answered."""
    return int(re.search(r"^\s*(\d+) requests in", path.read_text(), re.M).group(1))


def wrk(path):
    """Requests per second, p99 latency in ms and error lines of one `wrk --latency` run."""
    text = path.read_text()
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    value, unit = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", text, re.M).groups()
    p99 = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    errors = [line.strip() for line in text.splitlines()
              if line.strip().startswith(("Non-2xx", "Socket errors"))]
    return rate, p99, errors


def serve_rows(facts, results, row, notes):
    serve = facts.get("serve", "skipped")
    if serve == "skipped":
        return
    if serve != "herald":
        row("Serve rss.xml", "not available yet (`herald serve` is not on main)", "nginx",
            "–", "≥ 0.8 × nginx", "n/a")
        return
    size = int(facts["serve_feed_bytes"]) / 1024
    rounds = range(1, int(facts.get("serve_rounds", "1")) + 1)
    herald_runs = ["warmup_herald"] + [f"herald_{status}_{n}"
                                       for status in ("200", "304") for n in rounds]
    answered = sum(requests(results / f"wrk_{name}.txt") for name in herald_runs)
    logged = int(facts.get("serve_herald_log_lines", "0"))
    dropped = int(facts.get("serve_herald_log_dropped", "0"))
    # wrk stops with up to one request per connection under way: herald may have
    # answered (and logged) it without wrk counting it.
    in_flight = len(herald_runs) * int(facts["serve_wrk"].split("-c")[1].split()[0])
    extra = logged - answered - 2
    if dropped or extra < 0:
        verdict_ = "LINES MISSING"
    elif extra > in_flight:
        verdict_ = "more lines than requests"
    else:
        verdict_ = "every request logged"
    notes.append(f"herald's access log (on, to a file): {logged:,} lines for the "
                 f"{answered:,} requests wrk counted as answered plus the 2 of the probe "
                 f"({extra:+,}: answers under way when a wrk run stopped, at most "
                 f"{in_flight} in all); {dropped:,} dropped: {verdict_}.")
    for status, what in (("200", "200, gzip"), ("304", "304, If-None-Match")):
        # Each round: herald's run, then nginx's (rate, p99, errors).
        runs = [(wrk(results / f"wrk_herald_{status}_{n}.txt"),
                 wrk(results / f"wrk_nginx_{status}_{n}.txt")) for n in rounds]
        clean = True
        for herald, nginx in runs:
            for server, errors in (("herald", herald[2]), ("nginx", nginx[2])):
                if errors:
                    notes.append(f"wrk against {server}, {what}: {'; '.join(errors)}.")
            clean = clean and not herald[2]
        label = f"Serve rss.xml ({size:.0f} KB), {what}, wrk {facts['serve_wrk']}"
        if len(runs) > 1:
            label += f", {len(runs)} rounds"
        for measure, index, unit, target, ok in (
                ("requests/s", 0, " req/s", "≥ 0.8 × nginx", lambda r: r >= 0.8),
                ("p99 latency", 1, " ms", "≤ 2 × nginx", lambda r: r <= 2)):
            ratios = [herald[index] / nginx[index] for herald, nginx in runs]
            ratio = median(ratios)
            shown = (lambda v: f"{v:,.0f}") if index == 0 else (lambda v: f"{v:.2f}")
            each = "" if len(runs) == 1 else \
                f" (median of {', '.join(f'{r:.2f}' for r in ratios)})"
            row(f"{label}: {measure}",
                f"{shown(median([h[index] for h, _ in runs]))}{unit}",
                f"nginx {shown(median([n[index] for _, n in runs]))}{unit}",
                f"{ratio:.2f} ×{each}", target, verdict(ok(ratio) and clean))


def median(values):
    """The middle value (the lower of the two middle ones)."""
    ordered = sorted(values)
    return ordered[(len(ordered) - 1) // 2]


def print_table(facts, rows, notes):
    print(f"herald {facts['herald_rev']} · Hugo {facts['hugo_version']} · "
          f"{facts['date']} · {facts['machine']} · load {facts['load_before']} → "
          f"{facts['load_after']} · medians of {facts['runs']} runs after 1 warm-up")
    print()
    print("| Measurement | herald | compared with | ratio | target | result |")
    print("|---|---|---|---|---|---|")
    for cells in rows:
        print("| " + " | ".join(cells) + " |")
    for note in notes:
        print(f"\nNote: {note}")


if __name__ == "__main__":
    main()
