# Shared by scripts/bench-* (sourced, after `cd` to the checkout): the binary under test,
# fixtures that several runs may share, and the RESULT lines. Commands are timed by
# scripts/lib/measure.py (wall and CPU time to the microsecond, peak memory).
#
# Settings every section reads (scripts/bench sets them):
#   IFTDB_BIN       the iftdb binary to measure; unset: build this tree's release binary
#   BENCH_QUICK=1   small inputs (each section's own size settings still win)
#   BENCH_FIXTURES  a folder where inputs are built once and reused by later runs (and by
#                   another binary with the same schema); unset: a fresh temporary folder
#   BENCH_BASELINE=0  skip the baseline (Python, sqlite3 shell, wrk): scripts/bench --compare
export PATH="/opt/swift/usr/bin:$PATH"

log() { printf '==> %s\n' "$*" >&2; }

bench_quick() { [[ "${BENCH_QUICK:-0}" == 1 ]]; }
bench_baseline() { [[ "${BENCH_BASELINE:-1}" != 0 ]]; }

# bench_setup SECTION: sets SECTION, BIN and work (a temporary folder removed on exit).
bench_setup() {
    SECTION=$1
    [[ -x /usr/bin/time ]] || { log "installing time (for peak memory)"; apt-get update -qq >/dev/null; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null; }
    command -v sqlite3 >/dev/null || { echo "bench-$SECTION: sqlite3 not found (apt-get install sqlite3)" >&2; exit 2; }
    if [[ -n "${IFTDB_BIN:-}" ]]; then
        BIN=$IFTDB_BIN
    else
        log "building iftdb (release)"
        swift build -c release --product iftdb 2>&1 | grep -E "error|warning: .*Sources/" || true
        BIN=$(swift build -c release --show-bin-path)/iftdb
    fi
    [[ -x "$BIN" ]] || { echo "bench-$SECTION: no iftdb binary at $BIN (set IFTDB_BIN or fix the build)" >&2; exit 2; }
    work=$(mktemp -d "/tmp/iftdb-bench-$SECTION.XXXXXX")
    RESULTS=$work/results.txt
    : >"$RESULTS"
    trap 'rm -rf "$work"' EXIT
}

# result CASE SUBJECT METRIC VALUE UNIT BETTER KIND: records one figure, printed by
# bench_results as `RESULT section=… case=… subject=… metric=… value=… unit=… better=… kind=…`.
#   SUBJECT  iftdb, or the baseline (python, sqlite3, wrk), or iftdb/BASELINE for a ratio
#   BETTER   higher or lower
#   KIND     speed (a rate or a time: what scripts/bench --compare judges), memory, or ratio
result() {
    printf 'RESULT section=%s case=%s subject=%s metric=%s value=%s unit=%s better=%s kind=%s\n' \
        "$SECTION" "$1" "$2" "$3" "$4" "$5" "$6" "$7" >>"$RESULTS"
}

# target CASE WHAT VALUE OP LIMIT: prints whether a target is met, as one line
#   `TARGET section case: WHAT = VALUE (target OP LIMIT): met` (or `NOT MET`)
# (OP is >= or <=); scripts/bench lists every such line again at the end.
target() {
    local verdict
    verdict=$(awk -v v="$3" -v l="$5" -v op="$4" 'BEGIN { ok = (op == ">=") ? v + 0 >= l + 0 : v + 0 <= l + 0; print ok ? "met" : "NOT MET" }')
    printf 'TARGET %s %s: %s = %s (target %s %s): %s\n' "$SECTION" "$1" "$2" "$3" "$4" "$5" "$verdict"
}

# report CASE WHAT VALUE: a figure the issue asks to report, not to meet, in the same form.
report() { printf 'TARGET %s %s: %s = %s (reported)\n' "$SECTION" "$1" "$2" "$3"; }

# bench_results: prints the RESULT lines, one per figure, after the human-readable ones.
bench_results() { cat "$RESULTS"; }

# schema_key: a short hash of what `iftdb init` makes with $BIN (schema, migrations, seeded
# prompts), so two binaries share a fixture store only when they make the same store.
schema_key() {
    local probe=$work/schema-probe.sqlite
    "$BIN" init --db "$probe" >/dev/null 2>&1 || { echo "bench-$SECTION: $BIN init failed" >&2; exit 2; }
    {
        sqlite3 "$probe" .schema
        sqlite3 "$probe" "SELECT id, name FROM iftdb_migrations ORDER BY id" 2>/dev/null || true
        sqlite3 "$probe" "SELECT id, name, version, role FROM prompts ORDER BY id" 2>/dev/null || true
    } | sha256sum | cut -c1-12
    rm -f "$probe" "$probe-wal" "$probe-shm"
}

# fixture NAME: prints the folder for the fixture NAME, under $BENCH_FIXTURES (shared by every
# run that asks for the same NAME) or under this run's $work. It is ready when it holds a
# file `.ready`: the caller builds it otherwise, then touches `.ready`.
fixture() {
    local dir=${BENCH_FIXTURES:-$work/fixtures}/$1
    mkdir -p "$dir"
    printf '%s\n' "$dir"
}
