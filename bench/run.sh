#!/usr/bin/env bash
# bench/run.sh [N] — herald against Hugo, the floor and smtp-source; prints one table.
#
# See docs/benchmarks.md for what each row means. Environment:
#   BENCH_DIR         scratch folder (default /tmp/herald-bench); never inside the repo
#   RUNS              timed runs per hyperfine benchmark (default 5, after 1 warm-up)
#   RSS_RUNS          runs per peak-memory measurement (default 3; the median is shown)
#   FIRST_RUNS        runs of the 100k row's first build (default RUNS; the medians are shown)
#   SUBSCRIBERS       recipients of the send benchmark (default 10000)
#   SEND_ARTICLES     articles in the issue (default 10)
#   SEND_CONCURRENCY  SMTP sessions for herald and smtp-source alike (default 8)
#   SINK_PORT         loopback port of smtp-sink (default 2525)
#   SKIP_SEND=1       leave the send rows out
#   SKIP_BUILD=1      leave the build rows out (send only)
#   SKIP_SERVE=1      leave the serve rows out
#   ONLY=serve        only the serve rows (builds the newest-20 feed once if missing)
#   ONLY=tags         only the tag-feeds row (TAGS_N articles)
#   ONLY=100k         only the 100k rows (with their 10k counterpart and the 10k newest-20 build)
#   SKIP_100K=1       leave the 100k row out
#   SKIP_INBOUND=1    leave the inbound rows out
#   SKIP_LOAD=1       leave the serve load check out
#   ONLY=load         only the serve load check (tests/it/serve_load.rs, load_check)
#   ONLY=inbound      only the inbound rows
#   ONLY=webhooks     only the webhooks row (tests/it/webhooks.rs, ses_notifications_at_rate)
#   SKIP_WEBHOOKS=1   leave the webhooks row out
#   ONLY=topics       only the topics rows (a send to subscribers who chose topics)
#   SKIP_TOPICS=1     leave the topics rows out
#   TOPICS_SUBSCRIBERS  recipients of the topics rows (default 100000)
#   WEBHOOKS_N        signed SES notifications in the webhooks row (default 10000)
#   INBOUND_N         reports in the inbound row's Maildir (default 10000)
#   BIG_N             articles in the 100k row's corpus (default 100000)
#   TAGS_N            articles in the tag-feeds row's corpus (default 20000)
#   SKIP_TAGS=1       leave the tag-feeds row (TAGS_N articles, per_tag: true) out
#   BENCH_100K_FEEDS_EXTRA  lines added under `feeds:` in the 100k row's config
#                           (default: archives and per-tag feeds on)
#   SERVE_SECONDS     length of each wrk run (default 10)
#   SERVE_ROUNDS      rounds of the serve rows, each herald's run then nginx's (default 3)
#   SERVE_CONNECTIONS wrk connections, for herald and nginx alike (default 32)
#   NGINX_PORT        loopback port of the reference nginx (default 8089)
#   HERALD_BIN        benchmark this herald binary instead of this checkout's (e.g. a branch)
set -euo pipefail

N=${1:-10000}
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_DIR=${BENCH_DIR:-/tmp/herald-bench}
RUNS=${RUNS:-5}
RSS_RUNS=${RSS_RUNS:-3}
FIRST_RUNS=${FIRST_RUNS:-$RUNS}
SUBSCRIBERS=${SUBSCRIBERS:-10000}
SEND_ARTICLES=${SEND_ARTICLES:-10}
SEND_CONCURRENCY=${SEND_CONCURRENCY:-8}
SINK_PORT=${SINK_PORT:-2525}
SERVE_SECONDS=${SERVE_SECONDS:-10}
SERVE_ROUNDS=${SERVE_ROUNDS:-3}
SERVE_CONNECTIONS=${SERVE_CONNECTIONS:-32}
NGINX_PORT=${NGINX_PORT:-8089}
BIG_N=${BIG_N:-100000}
TAGS_N=${TAGS_N:-20000}
TOPICS_SUBSCRIBERS=${TOPICS_SUBSCRIBERS:-100000}
INBOUND_N=${INBOUND_N:-10000}
# The 100k row builds the newest 20 with archives and per-tag feeds on (each line of
# this snippet is indented by two spaces, as it goes under `feeds:`; set it empty for a
# plain newest-20 build).
BENCH_100K_FEEDS_EXTRA=${BENCH_100K_FEEDS_EXTRA-$'  archives: true\n  per_tag: true'}
case ${ONLY:-} in
"") ;;
serve) SKIP_BUILD=1 SKIP_SEND=1 SKIP_SERVE=0 SKIP_100K=1 SKIP_INBOUND=1 SKIP_LOAD=1 SKIP_WEBHOOKS=1 SKIP_TAGS=1 SKIP_TOPICS=1 ;;
100k) SKIP_BUILD=1 SKIP_SEND=1 SKIP_SERVE=1 SKIP_100K=0 SKIP_INBOUND=1 SKIP_LOAD=1 SKIP_WEBHOOKS=1 SKIP_TAGS=1 SKIP_TOPICS=1 ;;
inbound) SKIP_BUILD=1 SKIP_SEND=1 SKIP_SERVE=1 SKIP_100K=1 SKIP_INBOUND=0 SKIP_LOAD=1 SKIP_WEBHOOKS=1 SKIP_TAGS=1 SKIP_TOPICS=1 ;;
load) SKIP_BUILD=1 SKIP_SEND=1 SKIP_SERVE=1 SKIP_100K=1 SKIP_INBOUND=1 SKIP_LOAD=0 SKIP_WEBHOOKS=1 SKIP_TAGS=1 SKIP_TOPICS=1 ;;
webhooks) SKIP_BUILD=1 SKIP_SEND=1 SKIP_SERVE=1 SKIP_100K=1 SKIP_INBOUND=1 SKIP_LOAD=1 SKIP_WEBHOOKS=0 SKIP_TAGS=1 SKIP_TOPICS=1 ;;
tags) SKIP_BUILD=1 SKIP_SEND=1 SKIP_SERVE=1 SKIP_100K=1 SKIP_INBOUND=1 SKIP_LOAD=1 SKIP_WEBHOOKS=1 SKIP_TAGS=0 SKIP_TOPICS=1 ;;
topics) SKIP_BUILD=1 SKIP_SEND=1 SKIP_SERVE=1 SKIP_100K=1 SKIP_INBOUND=1 SKIP_LOAD=1 SKIP_WEBHOOKS=1 SKIP_TAGS=1 SKIP_TOPICS=0 ;;
*) printf 'bench/run.sh: ONLY=%s: only "serve", "100k", "tags", "inbound", "load", "webhooks" or "topics" can run alone\n' "$ONLY" >&2; exit 1 ;;
esac
# A fixed clock: every generated article (2015 to mid-2025) is published, and the output
# does not depend on the day the benchmark runs.
NOW=2026-01-01T00:00:00Z

log() { printf '\n== %s\n' "$*" >&2; }
die() { printf 'bench/run.sh: %s\n' "$*" >&2; exit 1; }

case "$(realpath -m "$BENCH_DIR")/" in
"$REPO"/*) die "BENCH_DIR ($BENCH_DIR) is inside the repository; pick a scratch folder" ;;
esac
[[ $N =~ ^[0-9]+$ && $N -ge 20 ]] || die "N must be a number >= 20 (got $N)"

# ---------------------------------------------------------------- tools
install_missing() {
  local packages=()
  command -v hugo >/dev/null || packages+=(hugo)
  command -v hyperfine >/dev/null || packages+=(hyperfine)
  [[ -x /usr/sbin/smtp-sink && -x /usr/sbin/smtp-source ]] || packages+=(postfix)
  [[ -x /usr/bin/time ]] || packages+=(time)
  command -v python3 >/dev/null || packages+=(python3)
  if [[ ${SKIP_SERVE:-0} != 1 ]]; then
    command -v wrk >/dev/null || packages+=(wrk)
    [[ -x /usr/sbin/nginx ]] || packages+=(nginx)
  fi
  ((${#packages[@]})) || return 0
  log "installing ${packages[*]}"
  local sudo=()
  [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
    "${packages[@]}" >/dev/null
  # Only smtp-sink and smtp-source are wanted: never leave a mail server running.
  if [[ " ${packages[*]} " == *" postfix "* ]] && "${sudo[@]}" postfix status >/dev/null 2>&1; then
    "${sudo[@]}" postfix stop >/dev/null 2>&1 || true
  fi
  # Only the binary is wanted: Debian's package may start its own nginx on port 80.
  if [[ " ${packages[*]} " == *" nginx "* && -s /run/nginx.pid ]]; then
    "${sudo[@]}" /usr/sbin/nginx -s quit >/dev/null 2>&1 || true
  fi
}
install_missing

# ---------------------------------------------------------------- build
log "cargo build --release (herald, gen_corpus, floor, gen_bounces)"
(cd "$REPO" && cargo build --release --quiet --bin herald --example gen_corpus --example floor \
  --example gen_bounces)
TARGET=${CARGO_TARGET_DIR:-$REPO/target}/release
# Copies, so that a concurrent `cargo build` cannot swap a binary mid-benchmark.
BIN=$BENCH_DIR/bin
mkdir -p "$BIN"
cp "${HERALD_BIN:-$TARGET/herald}" "$BIN/herald"
cp "$TARGET/examples/gen_corpus" "$BIN/gen_corpus"
cp "$TARGET/examples/floor" "$BIN/floor"
cp "$TARGET/examples/gen_bounces" "$BIN/gen_bounces"

R=$BENCH_DIR/results
rm -rf "$R"
mkdir -p "$R"

# A cold build's output folder is moved aside before each run, not deleted. This
# machine's ext4 skips the inodes freed in the last minutes when it allocates new ones,
# looking at each of them on every file it creates: deleting the ~1,200 files of the
# default build right before the next one made that build's system time climb from
# 0.5 s to 1.7 s over five runs, which no fresh checkout pays (Hugo writes a few files
# and barely notices). What is moved aside is deleted when the script ends.
TRASH=$BENCH_DIR/trash
rm -rf "$TRASH"
mkdir -p "$TRASH"
trap 'rm -rf "$TRASH"' EXIT
aside() { # aside DIR → a command that moves DIR (if any) into $TRASH
  printf 'if [ -e %q ]; then mv %q "$(mktemp -d -p %q)"; fi' "$1" "$1" "$TRASH"
}
# A cold build's preparation: its output moved aside, then every dirty page of the
# machine written out (`sync`, not timed). herald flushes its output before renaming it
# into place, and a flush waits for every dirty byte of the filesystem, so without it a
# run would pay for writing out what the runs before it left (Hugo's among them), and a
# row's two sides would not start alike.
cold() { # cold DIR → a command that moves DIR aside and syncs
  printf '%s; sync' "$(aside "$1")"
}
median() { # median VALUE… → the middle value (the lower of the two middle ones)
  printf '%s\n' "$@" | sort -g | sed -n "$((($# + 1) / 2))p"
}
FACTS=$R/facts.txt
fact() { printf '%s=%s\n' "$1" "$2" >>"$FACTS"; }
fact n "$N"
fact runs "$RUNS"
fact date "$(date -u +%Y-%m-%dT%H:%MZ)"
fact machine "$(nproc) cores / $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo)"
if [[ -n ${HERALD_BIN:-} ]]; then
  fact herald_rev "$HERALD_BIN"
else
  fact herald_rev "$(git -C "$REPO" rev-parse --short HEAD)$(git -C "$REPO" diff --quiet HEAD -- src || echo +dirty)"
fi
fact hugo_version "$(hugo version | grep -o 'v[0-9.]*' | head -1)"
fact load_before "$(cut -d' ' -f1-3 /proc/loadavg)"

# ---------------------------------------------------------------- corpus
C=$BENCH_DIR/corpus
# Regenerated when N or the generator changes; otherwise reused (it is deterministic).
stamp="$N $(sha256sum "$REPO/examples/gen_corpus.rs" | cut -c1-16)"
if [[ $(cat "$C/.stamp" 2>/dev/null) != "$stamp" ]]; then
  log "generating $N articles in $C"
  rm -rf "$C"
  "$BIN/gen_corpus" "$C" "$N" >&2
  echo "$stamp" >"$C/.stamp"
fi
H=$C/herald
G=$C/hugo
floor_line=$("$BIN/floor" "$H/content" 0)
PUBLISHED=$(sed -E 's/.* ([0-9]+) published.*/\1/' <<<"$floor_line")
fact published "$PUBLISHED"

# ---------------------------------------------------------------- helpers
bench() { # bench NAME [hyperfine options…] -- COMMAND…  → $R/NAME.json
  local name=$1
  shift
  local options=()
  while [[ $1 != -- ]]; do options+=("$1"); shift; done
  shift
  hyperfine --style basic --warmup 1 --runs "$RUNS" "${options[@]}" \
    --export-json "$R/$name.json" --command-name "$name" "$*" >&2
}

peak_rss() { # peak_rss NAME PREPARE COMMAND…  → fact rss_NAME (median KB of RSS_RUNS)
  local name=$1 prepare=$2
  shift 2
  local values=()
  for _ in $(seq "$RSS_RUNS"); do
    bash -c "$prepare"
    /usr/bin/time -f %M -o "$R/rss.tmp" "$@" >/dev/null
    values+=("$(tail -1 "$R/rss.tmp")")
  done
  fact "rss_$name" "$(median "${values[@]}")"
}

snapshot() { # inode, mtime and size of every file a build may write
  local out=$1
  for f in "$out"/rss.xml "$out"/atom.xml "$out"/feed.json "$H/herald-ids.yaml"; do
    if [[ -e $f ]]; then stat -c '%n %i %.9Y %s' "$f"; else echo "$f missing"; fi
  done
}

markers() { grep -o 'bench-end-[0-9]*' "$1" 2>/dev/null | sort -u | wc -l || true; }

# ---------------------------------------------------------------- builds
limits=(20 all)
[[ ${SKIP_BUILD:-0} != 1 ]] || limits=()
for limit in "${limits[@]}"; do
  if [[ $limit == 20 ]]; then config=$H/herald.yaml want=20; floor_limit=20
  else config=$H/herald-all.yaml want=$PUBLISHED; floor_limit=0; fi
  out=$H/public-$limit
  herald=("$BIN/herald" --quiet --config "$config" --now "$NOW" build)

  log "build, limit $limit: herald"
  bench "build_${limit}_herald" --prepare "$(cold "$out")" -- "${herald[@]}"
  log "build, limit $limit: hugo"
  bench "build_${limit}_hugo" --prepare "$(cold "$G/public-$limit")" -- \
    hugo --quiet --source "$G" --config "$G/hugo-$limit.toml" --destination "$G/public-$limit"
  log "build, limit $limit: floor"
  bench "build_${limit}_floor" -- "$BIN/floor" "$H/content" "$floor_limit"

  # Both feeds really hold the expected items with their full content.
  fact "hugo_items_$limit" "$(markers "$G/public-$limit/index.xml")"
  fact "herald_items_$limit" "$(markers "$out/rss.xml")"
  fact "want_items_$limit" "$want"
  largest=0
  for f in "$out"/rss.xml "$out"/atom.xml "$out"/feed.json; do
    [[ -e $f ]] && ((largest = $(stat -c %s "$f") > largest ? $(stat -c %s "$f") : largest))
  done
  fact "largest_output_$limit" "$largest"

  log "rebuild with nothing changed, limit $limit"
  "${herald[@]}" >/dev/null
  before=$(snapshot "$out")
  bench "rebuild_${limit}_herald" -- "${herald[@]}"
  fact "rewritten_$limit" "$(diff <(echo "$before") <(snapshot "$out") | grep -c '^>' || true)"
  fact "summary_rebuild_$limit" "$("$BIN/herald" --config "$config" --now "$NOW" build | tr '=' ' ')"
  fact "rewritten_after_$limit" "$(diff <(echo "$before") <(snapshot "$out") | grep -c '^>' || true)"

  log "peak memory, limit $limit"
  peak_rss "build_$limit" "$(aside "$out")" "${herald[@]}"
  peak_rss "rebuild_$limit" "true" "${herald[@]}"
done

# ---------------------------------------------------------------- 100k articles
# A cron's build of BIG_N articles with archives and per-tag feeds on: one new article
# since the last build, the output and herald-ids.yaml kept. Time as a ratio to the same
# build of the N-article corpus (same config, same new article), and peak memory. The
# first build (everything rendered) is timed FIRST_RUNS times, each cold.
feeds_config() { # feeds_config CORPUS_HERALD_DIR OUTPUT [EXTRA] → that corpus's config with the extra lines
  local dir=$1 out=$2 extra=${3-$BENCH_100K_FEEDS_EXTRA}
  [[ $(grep -v -e '^[ #]' -e '^$' "$dir/herald.yaml" | tail -1) == feeds: ]] ||
    die "$dir/herald.yaml: feeds: must be the last section, for BENCH_100K_FEEDS_EXTRA to go under it"
  {
    sed -e "s|^output_dir: .*|output_dir: $out|" -e '/^  archives:/d' -e '/# Like Hugo/d' "$dir/herald.yaml"
    [[ -z $extra ]] || printf '%s\n' "$extra"
  } >"$dir/herald-$out.yaml"
  echo "$dir/herald-$out.yaml"
}
# New articles go to content/zz-bench-new/; each run of this section starts from the
# corpus as generated (new articles removed, herald-ids.yaml as before them).
reset_new() { # reset_new CORPUS_HERALD_DIR OUTPUT
  local dir=$1
  rm -rf "$dir/content/zz-bench-new"
  bash -c "$(aside "${dir:?}/$2")"
  if [[ -e $dir/herald-ids.yaml.before-new ]]; then
    cp "$dir/herald-ids.yaml.before-new" "$dir/herald-ids.yaml"
  fi
}
NEW_ARTICLE=$R/new-article.sh
cat >"$NEW_ARTICLE" <<'SCRIPT'
#!/usr/bin/env bash
# new-article.sh CONTENT_DIR: one more article, newer than every other, with two tags.
set -euo pipefail
dir=$1/zz-bench-new
mkdir -p "$dir"
n=$(($(find "$dir" -name '*.md' | wc -l) + 1))
printf -- '---\ntitle: "New article %d"\npublish_date: 2025-12-01T%02d:%02d:00Z\ntags: [rust, tooling]\n---\n\nA new article, number %d.\n' \
  "$n" $((n / 60 % 24)) $((n % 60)) "$n" >"$dir/new-$n.md"
SCRIPT
chmod +x "$NEW_ARTICLE"
cron_row() { # cron_row NAME CORPUS_HERALD_DIR OUTPUT: first build, then timed builds after one new article
  local name=$1 dir=$2 out=$3 config
  config=$(feeds_config "$dir" "$out")
  local cmd=("$BIN/herald" --quiet --config "$config" --now "$NOW" build)
  local seconds=() rss=()
  for run in $(seq "$FIRST_RUNS"); do
    reset_new "$dir" "$out"
    sync
    log "$name: first build (every document rendered), run $run of $FIRST_RUNS"
    /usr/bin/time -f '%e %M' -o "$R/first.tmp" "${cmd[@]}" >/dev/null
    seconds+=("$(cut -d' ' -f1 "$R/first.tmp")")
    rss+=("$(cut -d' ' -f2 "$R/first.tmp")")
    [[ -e $dir/herald-ids.yaml.before-new ]] || cp "$dir/herald-ids.yaml" "$dir/herald-ids.yaml.before-new"
  done
  fact "${name}_first_seconds" "$(median "${seconds[@]}")"
  fact "${name}_first_seconds_runs" "${seconds[*]}"
  fact "${name}_first_rss" "$(median "${rss[@]}")"
  fact "${name}_first_rss_runs" "${rss[*]}"
  fact "${name}_first_bytes" "$(output_bytes "$dir/$out")"
  log "$name: build after one new article"
  bench "$name" --prepare "$NEW_ARTICLE $dir/content" -- "${cmd[@]}"
  fact "${name}_items" "$(grep -c '<item>' "$dir/$out/rss.xml" || true)"
  fact "${name}_newest" "$(grep -o 'New article [0-9]*' "$dir/$out/rss.xml" | head -1)"
  fact "${name}_new_articles" "$(find "$dir/content/zz-bench-new" -name '*.md' | wc -l)"
  log "$name: peak memory after one new article"
  peak_rss "$name" "$NEW_ARTICLE $dir/content" "${cmd[@]}"
  reset_new "$dir" "$out"
}
output_bytes() { find "$1" -type f -printf '%s\n' | awk '{ total += $1 } END { printf "%.0f\n", total }'; }

# ---------------------------------------------------------------- default config, tag feeds
# The default config (newest 20 and archive pages) built cold from the N-article corpus,
# against Hugo's whole feed above. Then TAGS_N articles built cold with the default
# config plus `per_tag: true`, side by side with the whole archive as one feed (limit 0)
# in three formats: time and bytes written.
if [[ ${SKIP_BUILD:-0} != 1 ]]; then
  config=$(feeds_config "$H" public-default "")
  log "build, default config (newest 20 and archive pages), cold: herald"
  bench build_default_herald --prepare "$(cold "$H/public-default")" -- \
    "$BIN/herald" --quiet --config "$config" --now "$NOW" build
  fact default_bytes "$(output_bytes "$H/public-default")"
  fact default_pages "$(find "$H/public-default/archive" -name 'rss-*.xml' | wc -l)"
fi
if [[ ${SKIP_TAGS:-0} != 1 ]]; then
  T=$BENCH_DIR/corpus-tags
  tags_stamp="$TAGS_N $(sha256sum "$REPO/examples/gen_corpus.rs" | cut -c1-16)"
  if [[ $(cat "$T/.stamp" 2>/dev/null) != "$tags_stamp" ]]; then
    log "generating $TAGS_N articles in $T (herald only)"
    rm -rf "$T"
    "$BIN/gen_corpus" "$T" "$TAGS_N" 42 --herald-only >&2
    echo "$tags_stamp" >"$T/.stamp"
  fi
  fact tags_n "$TAGS_N"
  tagged=$(feeds_config "$T/herald" public-tagged "  per_tag: true")
  whole=$T/herald/herald-all.yaml
  log "build, $TAGS_N articles, default config + per_tag, cold, and the whole archive as one feed"
  bench tags_herald --prepare "$(cold "$T/herald/public-tagged")" -- \
    "$BIN/herald" --quiet --config "$tagged" --now "$NOW" build
  bench tags_whole --prepare "$(cold "$T/herald/public-all")" -- \
    "$BIN/herald" --quiet --config "$whole" --now "$NOW" build
  fact tags_bytes "$(output_bytes "$T/herald/public-tagged")"
  fact tags_whole_bytes "$(output_bytes "$T/herald/public-all")"
  fact tags_feeds "$(find "$T/herald/public-tagged/tags" -name rss.xml | wc -l)"
  fact tags_summary "$("$BIN/herald" --verbose --config "$tagged" --now "$NOW" build | grep '^bytes:')"
  bash -c "$(aside "$T/herald/public-tagged"); $(aside "$T/herald/public-all")"
fi

if [[ ${SKIP_100K:-0} != 1 ]]; then
  B=$BENCH_DIR/corpus-big
  big_stamp="$BIG_N $(sha256sum "$REPO/examples/gen_corpus.rs" | cut -c1-16)"
  if [[ $(cat "$B/.stamp" 2>/dev/null) != "$big_stamp" ]]; then
    log "generating $BIG_N articles in $B (herald only)"
    rm -rf "$B"
    "$BIN/gen_corpus" "$B" "$BIG_N" 42 --herald-only >&2
    echo "$big_stamp" >"$B/.stamp"
  fi
  fact big_n "$BIG_N"
  fact big_feeds_extra "$(printf '%s' "$BENCH_100K_FEEDS_EXTRA" | tr '\n' ' ')"
  if [[ ! -e $R/build_20_herald.json ]]; then
    log "build, limit 20, $N articles: herald (compared with the 100k row for information)"
    bench build_20_herald --prepare "$(aside "$H/public-20")" -- \
      "$BIN/herald" --quiet --config "$H/herald.yaml" --now "$NOW" build
  fi
  cron_row cron_small "$H" public-feeds
  cron_row cron_big "$B/herald" public-big
fi

# ---------------------------------------------------------------- send
send_available() { "$BIN/herald" send --help >/dev/null 2>&1; }
SINK_PID=
stop_sink() { [[ -z $SINK_PID ]] || kill "$SINK_PID" 2>/dev/null || true; }
HTTP_PIDS=()
stop_http() { # the herald and nginx servers of the serve rows
  local pid
  for pid in "${HTTP_PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  HTTP_PIDS=()
}
trap 'stop_sink; stop_http; rm -rf "$TRASH"' EXIT

# A small untimed run to a second smtp-sink that keeps every message: each recipient must
# get their own message (To, Message-ID, unsubscribe link), so nothing is batched.
check_personalised() {
  local sample=50 port=$((SINK_PORT + 1)) pid
  python3 - "$S/sample.csv" "$sample" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("email,name\n")
    for i in range(int(sys.argv[2])):
        f.write(f"sample{i:03d}@subscribers.bench.example,Sample {i}\n")
PY
  sed -e "s|state/herald.db|state-sample/herald.db|" -e "s|127.0.0.1:$SINK_PORT|127.0.0.1:$port|" \
    "$SH/send.yaml" >"$SH/sample.yaml"
  rm -rf "$S/dump" "$SH/state-sample"
  mkdir -p "$S/dump"
  [[ $(id -u) -ne 0 ]] || chown nobody "$S/dump"
  /usr/sbin/smtp-sink "${sink_user[@]}" -d "$S/dump/m." "127.0.0.1:$port" 64 >/dev/null 2>&1 &
  pid=$!
  sleep 0.5
  "$BIN/herald" --quiet --config "$SH/sample.yaml" --now "$NOW" subscribers import "$S/sample.csv" >/dev/null
  "$BIN/herald" --config "$SH/sample.yaml" --now "$NOW" send >/dev/null 2>&1 || true
  sleep 0.5
  kill "$pid" 2>/dev/null || true
  fact send_personalised "$(python3 - "$S/dump" "$sample" <<'PY'
import email, email.policy, pathlib, sys
files = sorted(pathlib.Path(sys.argv[1]).glob("m.*"))
want = int(sys.argv[2])
to, ids, unsub, own_token = set(), set(), set(), 0
for f in files:
    msg = email.message_from_bytes(f.read_bytes(), policy=email.policy.default)
    to.add(str(msg.get("To", "")))
    ids.add(str(msg.get("Message-ID", "")))
    link = str(msg.get("List-Unsubscribe", ""))
    unsub.add(link)
    url = next((p.strip(" <>") for p in link.split(",") if "http" in p), "")
    token = url.rstrip("/").rsplit("/", 1)[-1]
    texts = [part.get_content() for part in msg.walk()
             if part.get_content_maintype() == "text"]
    if token and texts and all(token in t for t in texts):
        own_token += 1
ok = len(files) == want and len(to) == len(ids) == len(unsub) == own_token == want
print(f"{'yes' if ok else 'NO'}: {len(files)} of {want} messages captured; distinct To {len(to)}, "
      f"Message-ID {len(ids)}, List-Unsubscribe {len(unsub)}; "
      f"{own_token} carry their own token in every text part")
PY
)"
}

if [[ ${SKIP_SEND:-0} == 1 ]]; then
  fact send "skipped"
else
  S=$BENCH_DIR/send
  rm -rf "$S"
  mkdir -p "$S"
  log "smtp-sink on 127.0.0.1:$SINK_PORT"
  # -u: smtp-sink refuses to keep root privileges; it only needs the socket.
  sink_user=()
  [[ $(id -u) -ne 0 ]] || sink_user=(-u nobody)
  /usr/sbin/smtp-sink "${sink_user[@]}" -c "127.0.0.1:$SINK_PORT" 1024 >"$S/sink.log" 2>&1 &
  SINK_PID=$!
  for _ in $(seq 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$SINK_PORT") 2>/dev/null && break
    sleep 0.1
  done
  kill -0 "$SINK_PID" 2>/dev/null || die "smtp-sink did not start (port $SINK_PORT busy?): $(cat "$S/sink.log")"
  fact send_subscribers "$SUBSCRIBERS"
  fact send_concurrency "$SEND_CONCURRENCY"

  size=51200 # smtp-source's default message size when herald's is not known
  if send_available; then
    fact send herald
    "$BIN/gen_corpus" "$S/corpus" "$SEND_ARTICLES" >/dev/null
    SH=$S/corpus/herald
    cat >"$SH/send.yaml" <<EOF
# Generated by bench/run.sh: one issue of $SEND_ARTICLES articles to $SUBSCRIBERS subscribers.
site:
  title: Herald Bench
  url: https://bench.example/
  description: A generated archive for benchmarks
  language: en
content_dir: content
output_dir: public
state_file: state/herald.db
newsletter:
  from: "Herald Bench <news@bench.example>"
  subject: "{site}: {first_title}"
  max_articles: $SEND_ARTICLES
  unsubscribe_url: "https://bench.example/unsubscribe/{token}"
  unsubscribe_mailto: "unsubscribe@bench.example"
smtp:
  url: "smtp://127.0.0.1:$SINK_PORT"
  concurrency: $SEND_CONCURRENCY
  rate_per_second: 0
EOF
    python3 - "$S/subscribers.csv" "$SUBSCRIBERS" <<'EOF'
import sys
with open(sys.argv[1], "w") as f:
    f.write("email,name\n")
    for i in range(int(sys.argv[2])):
        f.write(f"reader{i:06d}@subscribers.bench.example,Reader {i}\n")
EOF
    export HERALD_SECRET=bench-secret-not-for-production-0123456789
    herald_send=("$BIN/herald" --config "$SH/send.yaml" --now "$NOW")
    cat >"$S/prepare.sh" <<EOF
set -e
rm -rf "$SH/state"
"$BIN/herald" --quiet --config "$SH/send.yaml" --now "$NOW" subscribers import "$S/subscribers.csv" >/dev/null
EOF
    # The size of one real message, for smtp-source.
    if "${herald_send[@]}" digest --eml "$S/sample.eml" >/dev/null 2>"$S/digest.err"; then
      size=$(stat -c %s "$S/sample.eml")
      fact send_message_bytes "$size"
    else
      fact send_message_bytes "unknown ($(head -c 200 "$S/digest.err" | tr '\n=' '  '))"
    fi
    log "send: herald, $SUBSCRIBERS subscribers"
    bench send_herald --prepare "bash $S/prepare.sh" -- "${herald_send[@]}" send
    # One more run whose summary is kept: every recipient sent and recorded.
    bash "$S/prepare.sh"
    "${herald_send[@]}" send >"$S/send.out" 2>"$S/send.err" || true
    fact send_summary "$(tail -1 "$S/send.out" | tr '=' ' ')"
    fact send_sent "$(python3 -c 'import json,sys; print(json.loads(sys.stdin.read().splitlines()[-1])["sent"])' <"$S/send.out" 2>/dev/null || echo unknown)"
    fact send_ledger_sent "$(python3 - "$SH/state/herald.db" <<'EOF' 2>/dev/null || echo unknown
import sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
names = [r[0] for r in db.execute("select name from sqlite_master where type='table'")]
table = next(n for n in names if "deliver" in n)
print(db.execute(f"select count(*) from {table} where status='sent'").fetchone()[0])
EOF
)"
    peak_rss send "bash $S/prepare.sh" "${herald_send[@]}" send
    check_personalised
  else
    fact send "not available yet"
  fi
  fact send_source_bytes "$size"
  log "send: smtp-source, $SUBSCRIBERS messages of $size bytes, $SEND_CONCURRENCY sessions"
  # -d: keep each session's connection for its next message, as a pooled client does.
  bench send_source -- /usr/sbin/smtp-source -d -s "$SEND_CONCURRENCY" -m "$SUBSCRIBERS" -l "$size" \
    -f news@bench.example -t reader@subscribers.bench.example "127.0.0.1:$SINK_PORT"
  stop_sink
  SINK_PID=
fi

# ---------------------------------------------------------------- topics
# One issue of SEND_ARTICLES articles, each tagged with two of eight topics, sent to
# TOPICS_SUBSCRIBERS subscribers spread evenly over 16 choices of topics (each of the
# eight alone, and eight pairs): every subscriber gets some of the articles, in 16
# distinct editions at most. Compared with the same subscribers having chosen no topic
# (each gets the whole issue): same config, same issue, same smtp-sink.
if [[ ${SKIP_TOPICS:-0} != 1 ]]; then
  T=$BENCH_DIR/topics
  rm -rf "$T"
  mkdir -p "$T"
  sink_user=()
  [[ $(id -u) -ne 0 ]] || sink_user=(-u nobody)
  /usr/sbin/smtp-sink "${sink_user[@]}" -c "127.0.0.1:$SINK_PORT" 1024 >"$T/sink.log" 2>&1 &
  SINK_PID=$!
  for _ in $(seq 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$SINK_PORT") 2>/dev/null && break
    sleep 0.1
  done
  kill -0 "$SINK_PID" 2>/dev/null || die "smtp-sink did not start (port $SINK_PORT busy?): $(cat "$T/sink.log")"
  "$BIN/gen_corpus" "$T/corpus" "$SEND_ARTICLES" >/dev/null
  TH=$T/corpus/herald
  python3 - "$TH/content" <<'PY'
import pathlib, sys
# Each article's tags: two of topic-0 … topic-7.
for i, path in enumerate(sorted(pathlib.Path(sys.argv[1]).rglob("*.md"))):
    head, sep, body = path.read_text().partition("\n---\n")
    lines = [l for l in head.splitlines() if not l.startswith("tags:")]
    lines.append(f"tags: [topic-{i % 8}, topic-{(i + 3) % 8}]")
    path.write_text("\n".join(lines) + sep + body)
PY
  {
    cat <<YAML
# Generated by bench/run.sh: one issue of $SEND_ARTICLES articles, eight topics.
site:
  title: Herald Bench
  url: https://bench.example/
  description: A generated archive for benchmarks
  language: en
content_dir: content
output_dir: public
state_file: state/herald.db
newsletter:
  from: "Herald Bench <news@bench.example>"
  subject: "{site}: {first_title}"
  max_articles: $SEND_ARTICLES
  unsubscribe_url: "https://bench.example/unsubscribe/{token}"
  unsubscribe_mailto: "unsubscribe@bench.example"
  archive: false
  topics:
YAML
    for k in 0 1 2 3 4 5 6 7; do
      printf '    - tag: topic-%s\n      name: Topic %s\n' "$k" "$k"
    done
    cat <<YAML
smtp:
  url: "smtp://127.0.0.1:$SINK_PORT"
  concurrency: $SEND_CONCURRENCY
  rate_per_second: 0
YAML
  } >"$TH/topics.yaml"
  python3 - "$T/subscribers.csv" "$TOPICS_SUBSCRIBERS" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("email,name\n")
    for i in range(int(sys.argv[2])):
        f.write(f"reader{i:06d}@subscribers.bench.example,Reader {i}\n")
PY
  export HERALD_SECRET=bench-secret-not-for-production-0123456789
  topics_send=("$BIN/herald" --config "$TH/topics.yaml" --now "$NOW")
  # Two saved lists of the same addresses: without topics, and spread over 16 choices.
  "${topics_send[@]}" --quiet subscribers import "$T/subscribers.csv" >/dev/null
  mv "$TH/state" "$T/state-none"
  cp -a "$T/state-none" "$T/state-sets"
  python3 - "$T/state-sets/herald.db" <<'PY'
import sqlite3, sys
sets = [[f"topic-{k}"] for k in range(8)] + [[f"topic-{k}", f"topic-{(k + 1) % 8}"] for k in range(8)]
db = sqlite3.connect(sys.argv[1])
emails = [r[0] for r in db.execute("select email from subscribers order by email")]
db.executemany("update subscribers set topics = ? where email = ?",
               [("\n".join(sets[i % 16]), e) for i, e in enumerate(emails)])
db.commit()
PY
  for list in none sets; do
    printf 'set -e\nrm -rf "%s"\ncp -a "%s" "%s"\n' "$TH/state" "$T/state-$list" "$TH/state" \
      >"$T/prepare-$list.sh"
  done
  fact topics_subscribers "$TOPICS_SUBSCRIBERS"
  fact topics_articles "$SEND_ARTICLES"
  for list in none sets; do
    log "topics: herald send, $TOPICS_SUBSCRIBERS subscribers, topics: $list"
    bench "topics_$list" --prepare "bash $T/prepare-$list.sh" -- "${topics_send[@]}" send
    # One more run whose summary is kept.
    bash "$T/prepare-$list.sh"
    "${topics_send[@]}" send >"$T/send-$list.out" 2>"$T/send-$list.err" || true
    fact "topics_summary_$list" "$(tail -1 "$T/send-$list.out" | tr '=' ' ')"
    peak_rss "topics_$list" "bash $T/prepare-$list.sh" "${topics_send[@]}" send
  done
  stop_sink
  SINK_PID=
fi

# ---------------------------------------------------------------- serve
serve_available() { "$BIN/herald" serve --help >/dev/null 2>&1; }

wait_port() { # wait_port PORT PID LOG: until something listens on 127.0.0.1:PORT
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    kill -0 "$2" 2>/dev/null || die "server exited: $(tail -5 "$3")"
    sleep 0.1
  done
  die "nothing listens on 127.0.0.1:$1: $(tail -5 "$3")"
}

# probe URL FILE: a gzip GET must decode to FILE, and a GET with the ETag it carried must
# be a 304; prints that ETag.
probe() {
  python3 - "$1" "$2" <<'PY'
import gzip, sys, urllib.error, urllib.request
url, path = sys.argv[1], sys.argv[2]
def get(extra):
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip", **extra})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, b""
status, headers, body = get({})
if status != 200 or headers.get("Content-Encoding") != "gzip":
    sys.exit(f"{url}: {status}, Content-Encoding {headers.get('Content-Encoding')}: want a gzip 200")
if gzip.decompress(body) != open(path, "rb").read():
    sys.exit(f"{url}: the gzip body does not decode to {path}")
etag = headers.get("ETag") or sys.exit(f"{url}: no ETag")
status, _, _ = get({"If-None-Match": etag})
if status != 304:
    sys.exit(f"{url}: If-None-Match {etag} gave {status}, not 304")
print(etag)
PY
}

wrk_run() { # wrk_run NAME URL [wrk options…]  → $R/wrk_NAME.txt
  local name=$1 url=$2
  shift 2
  wrk -t2 -c"$SERVE_CONNECTIONS" -d"${SERVE_SECONDS}s" --latency \
    -H 'Accept-Encoding: gzip' "$@" "$url" >"$R/wrk_$name.txt"
}

if [[ ${SKIP_SERVE:-0} == 1 ]]; then
  fact serve "skipped"
elif ! serve_available; then
  fact serve "not available yet"
else
  fact serve herald
  V=$BENCH_DIR/serve
  rm -rf "$V"
  mkdir -p "$V/nginx/tmp"
  out=$H/public-20
  if [[ ! -s $out/rss.xml ]]; then
    log "serve: building the newest-20 feeds once"
    "$BIN/herald" --quiet --config "$H/herald.yaml" --now "$NOW" build
  fi
  feed=$out/rss.xml
  fact serve_feed_bytes "$(stat -c %s "$feed")"
  fact serve_wrk "-t2 -c$SERVE_CONNECTIONS -d${SERVE_SECONDS}s"

  log "serve: herald serve on loopback, access log on (to a file)"
  RUST_LOG=info "$BIN/herald" --config "$H/herald.yaml" --now "$NOW" \
    serve --listen 127.0.0.1:0 2>"$V/herald.log" &
  HTTP_PIDS+=($!)
  herald_url=
  for _ in $(seq 100); do
    herald_url=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$V/herald.log" | head -1 || true)
    [[ -n $herald_url ]] && break
    kill -0 "${HTTP_PIDS[-1]}" 2>/dev/null || die "herald serve exited: $(tail -5 "$V/herald.log")"
    sleep 0.1
  done
  [[ -n $herald_url ]] || die "herald serve did not say where it listens: $(tail -5 "$V/herald.log")"
  herald_url=$herald_url/rss.xml

  log "serve: nginx on 127.0.0.1:$NGINX_PORT"
  # The reference: nginx as set up for precompressed feeds: the same rss.xml, beside it
  # its gzip (`gzip_static`, compressed once, as herald does), no access log, keep-alive
  # as long as wrk likes. Its own folder, so that herald's holds no rss.xml.gz.
  mkdir -p "$V/nginx/root"
  cp -p "$feed" "$V/nginx/root/rss.xml"
  gzip -9 -n -c "$feed" >"$V/nginx/root/rss.xml.gz"
  touch -r "$feed" "$V/nginx/root/rss.xml.gz"
  nginx_user=
  [[ $(id -u) -ne 0 ]] || nginx_user="user root;"
  cat >"$V/nginx/nginx.conf" <<NGINX
# Generated by bench/run.sh for the serve rows; stopped by the script.
daemon off;
worker_processes auto;
pid $V/nginx/nginx.pid;
error_log $V/nginx/error.log warn;
$nginx_user
events { worker_connections 1024; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log off;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_requests 1000000;
  gzip off;
  gzip_static on;
  gzip_vary on;
  client_body_temp_path $V/nginx/tmp/body;
  proxy_temp_path $V/nginx/tmp/proxy;
  fastcgi_temp_path $V/nginx/tmp/fastcgi;
  uwsgi_temp_path $V/nginx/tmp/uwsgi;
  scgi_temp_path $V/nginx/tmp/scgi;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    root $V/nginx/root;
    location = /rss.xml {
      types { }
      default_type application/rss+xml;
      charset utf-8;
      charset_types application/rss+xml;
      add_header Access-Control-Allow-Origin "*";
      add_header Cache-Control "max-age=300";
    }
  }
}
NGINX
  /usr/sbin/nginx -e "$V/nginx/error.log" -p "$V/nginx" -c "$V/nginx/nginx.conf" \
    >"$V/nginx/stdout.log" 2>&1 &
  HTTP_PIDS+=($!)
  wait_port "$NGINX_PORT" "${HTTP_PIDS[-1]}" "$V/nginx/error.log"
  nginx_url=http://127.0.0.1:$NGINX_PORT/rss.xml

  herald_etag=$(probe "$herald_url" "$feed") || die "herald serve failed the check above"
  nginx_etag=$(probe "$nginx_url" "$feed") || die "nginx failed the check above"
  fact serve_herald_etag "$herald_etag"
  fact serve_nginx_etag "$nginx_etag"

  for server in herald nginx; do
    url_var=${server}_url
    log "serve: $server, warm-up"
    SERVE_SECONDS=2 wrk_run "warmup_$server" "${!url_var}"
  done
  # Each measurement of herald right before the same of nginx: on a shared machine the
  # load drifts, and the ratio is what counts. SERVE_ROUNDS rounds: the table shows the
  # median of the rounds' ratios.
  fact serve_rounds "$SERVE_ROUNDS"
  for round in $(seq "$SERVE_ROUNDS"); do
    for status in 200 304; do
      for server in herald nginx; do
        url_var=${server}_url etag_var=${server}_etag
        log "serve: $server, $status, round $round of $SERVE_ROUNDS, wrk -t2 -c$SERVE_CONNECTIONS -d${SERVE_SECONDS}s"
        if [[ $status == 200 ]]; then
          wrk_run "${server}_200_$round" "${!url_var}"
        else
          wrk_run "${server}_304_$round" "${!url_var}" -H "If-None-Match: ${!etag_var}"
        fi
      done
    done
  done
  stop_http
  # The access log was on: one line per request answered (wrk's and the probe's), and
  # at exit the count of lines it dropped, if any.
  fact serve_herald_log_lines "$(grep -c ' GET /rss.xml ' "$V/herald.log" || true)"
  dropped=$(grep -o '[0-9]* log lines dropped in all' "$V/herald.log" | grep -o '^[0-9]*' || true)
  fact serve_herald_log_dropped "${dropped:-0}"
fi

# ---------------------------------------------------------------- inbound
# `herald inbound --maildir` over INBOUND_N real-shaped reports (the public corpus in
# tests/fixtures/bounces/ and herald's own fixtures, each copy with its own Message-ID),
# against a list holding every address they name: each run starts from the same
# Maildir and database. Memory is measured at INBOUND_N and at a tenth of it: flat
# means the larger run needs no more than 1.5 times the smaller one's.
inbound_site() { # inbound_site DIR COUNT: a site, its list and a Maildir of COUNT reports
  local dir=$1 count=$2
  rm -rf "$dir"
  mkdir -p "$dir/content"
  printf 'site:\n  title: Bench\n  url: https://bench.example/\n  description: Bench\nnewsletter:\n  from: news@bench.example\n  bounce_address: bounces@bench.example\n  unsubscribe_mailto: unsubscribe@bench.example\n' >"$dir/herald.yaml"
  "$BIN/gen_bounces" "$dir/template" "$count" "$REPO/tests/fixtures/bounces" \
    "$REPO/tests/it/fixtures/inbound" >&2
  (cd "$dir" && HERALD_SECRET=bench-secret-not-for-production-0123456789 "$BIN/herald" --now "$NOW" --quiet subscribers import \
    template/subscribers.csv >&2)
  cp -a "$dir/.herald" "$dir/template/state"
}
inbound_reset() { # the command that puts DIR back as inbound_site left it
  printf 'rm -rf %q/Maildir %q/.herald && cp -a %q/template/Maildir %q/Maildir && cp -a %q/template/state %q/.herald' \
    "$1" "$1" "$1" "$1" "$1" "$1"
}
if [[ ${SKIP_INBOUND:-0} != 1 ]]; then
  I=$BENCH_DIR/inbound
  small=$((INBOUND_N / 10))
  log "inbound: $INBOUND_N reports"
  inbound_site "$I/big" "$INBOUND_N"
  inbound_site "$I/small" "$small"
  fact inbound_n "$INBOUND_N"
  fact inbound_small_n "$small"
  run_inbound() { printf 'cd %q && HERALD_SECRET=bench-secret-not-for-production-0123456789 %q --now %s --quiet inbound --maildir Maildir' "$1" "$BIN/herald" "$NOW"; }
  bench inbound_maildir --prepare "$(inbound_reset "$I/big")" -- "$(run_inbound "$I/big")"
  handled=$(find "$I/big/Maildir/cur" -type f | wc -l)
  fact inbound_handled "$handled"
  peak_rss inbound_big "$(inbound_reset "$I/big")" bash -c "$(run_inbound "$I/big")"
  peak_rss inbound_small "$(inbound_reset "$I/small")" bash -c "$(run_inbound "$I/small")"
fi

# ---------------------------------------------------------------- serve under load
# The load check: `herald send` to 20,000 subscribers (outbox) while 300 one-click
# unsubscribes, 300 sign-ups from distinct clients and 300 confirmations hit
# `herald serve`; it passes with 0 answers other than 2xx and no copy written after
# its unsubscribe was answered (tests/it/serve_load.rs, an ignored test run here).
if [[ ${SKIP_LOAD:-0} != 1 ]]; then
  log "serve load check"
  started=$SECONDS
  if (cd "$REPO" && cargo test --release --quiet --test it -- --ignored --exact \
    serve_load::load_check >"$R/load_check.log" 2>&1); then
    fact load_check pass
  else
    fact load_check fail
    tail -40 "$R/load_check.log" >&2
  fi
  fact load_check_seconds "$((SECONDS - started))"
fi

# ---------------------------------------------------------------- webhooks
# WEBHOOKS_N signed SES notifications (SNS SignatureVersion 2, RSA certificate from a
# local CA served over https) in 8 concurrent streams against `herald serve`: all
# answered 200 and applied exactly once (one record and one hard bounce each in the
# store), at >= 1,000/s (tests/it/webhooks.rs, an ignored test). It runs in the
# `bench-webhooks` profile, release with debug assertions: the local certificate host
# is a test-only switch that a plain release build does not have.
if [[ ${SKIP_WEBHOOKS:-0} != 1 ]]; then
  WEBHOOKS_N=${WEBHOOKS_N:-10000}
  log "webhooks: $WEBHOOKS_N signed SES notifications, 8 streams"
  if (cd "$REPO" && WEBHOOKS_N=$WEBHOOKS_N cargo test --profile bench-webhooks --quiet --test it \
    -- --ignored --exact --nocapture webhooks::ses_notifications_at_rate >"$R/webhooks.log" 2>&1); then
    fact webhooks pass
  else
    fact webhooks fail
    tail -40 "$R/webhooks.log" >&2
  fi
  fact webhooks_n "$WEBHOOKS_N"
  rate=$(sed -n 's/^webhooks: .*: \([0-9]*\)\/s;.*/\1/p' "$R/webhooks.log" | tail -1)
  fact webhooks_rate "${rate:-0}"
fi

fact load_after "$(cut -d' ' -f1-3 /proc/loadavg)"
python3 "$REPO/bench/report.py" "$R" | tee "$R/table.md"
