#!/usr/bin/env bash
# Fuzz smoke test: builds every cargo-fuzz target and runs each one for a bounded time on a
# throwaway copy of its committed corpus, with its dictionary. Fails on any crash, leak, timeout
# or out-of-memory. The committed corpus is never written to.
#
#   fuzz/smoke.sh                     # every target, 25 s each
#   FUZZ_SECONDS=300 fuzz/smoke.sh    # longer
#   fuzz/smoke.sh sse_decode          # some targets only
#
# Needs the nightly toolchain (libFuzzer instrumentation); installs cargo-fuzz when missing.
set -euo pipefail

cd "$(dirname "$0")"
FUZZ_DIR=$(pwd)
SECONDS_EACH=${FUZZ_SECONDS:-25}
MAX_LEN=${FUZZ_MAX_LEN:-65536}
RSS_LIMIT_MB=${FUZZ_RSS_LIMIT_MB:-2048}

loud() {
    printf '\n%s\n' "########################################################################" >&2
    printf '### %s\n' "$@" >&2
    printf '%s\n\n' "########################################################################" >&2
}

if ! rustup run nightly rustc --version >/dev/null 2>&1; then
    loud "FUZZ SMOKE TEST NOT RUN: the nightly toolchain is missing." \
        "cargo-fuzz needs it: rustup toolchain install nightly" \
        "(this is a failure, not a skip)"
    exit 2
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    echo "cargo-fuzz is missing: installing it (cargo install cargo-fuzz --locked)"
    cargo install cargo-fuzz --locked
fi
cargo +nightly fuzz --version

# The dictionary each target runs with (none for the state-machine targets, whose inputs are
# decoded with `arbitrary` rather than read as wire bytes).
dict_for() {
    case "$1" in
        reconnect_session | replay_log) ;;
        sse_*) echo "$FUZZ_DIR/dict/sse.dict" ;;
        chunked_then_sse) cat "$FUZZ_DIR/dict/chunked.dict" "$FUZZ_DIR/dict/sse.dict" >"$WORK/chunked_then_sse.dict"
            echo "$WORK/chunked_then_sse.dict" ;;
        chunked_*) echo "$FUZZ_DIR/dict/chunked.dict" ;;
        *) echo "no dictionary for $1" >&2; return 1 ;;
    esac
}

if [ "$#" -gt 0 ]; then
    TARGETS=("$@")
else
    mapfile -t TARGETS < <(cargo +nightly fuzz list)
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/sse-wire-fuzz-smoke.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

echo "=== building ${#TARGETS[@]} fuzz targets"
cargo +nightly fuzz build

failed=()
summary=()
for target in "${TARGETS[@]}"; do
    echo
    echo "=== $target: ${SECONDS_EACH}s"
    corpus="$WORK/corpus/$target"
    mkdir -p "$corpus" "$FUZZ_DIR/artifacts/$target"
    if [ -d "$FUZZ_DIR/corpus/$target" ]; then
        cp -R "$FUZZ_DIR/corpus/$target/." "$corpus/"
    fi
    dict=$(dict_for "$target")
    dict_arg=()
    if [ -n "$dict" ]; then
        dict_arg=(-dict="$dict")
    fi
    log="$WORK/$target.log"
    set +e
    # One corpus directory given: cargo-fuzz adds no other, so new inputs go to the copy.
    cargo +nightly fuzz run "$target" "$corpus" -- \
        "${dict_arg[@]}" \
        -max_total_time="$SECONDS_EACH" \
        -max_len="$MAX_LEN" \
        -rss_limit_mb="$RSS_LIMIT_MB" \
        -timeout=30 \
        -print_final_stats=1 \
        >"$log" 2>&1
    status=$?
    set -e
    # libFuzzer's last status line: "#<execs> DONE cov: .. ft: .. corp: ../.. exec/s: ..".
    stats=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
    if [ "$status" -ne 0 ]; then
        failed+=("$target")
        tail -n 60 "$log"
        loud "$target FAILED (exit $status); the crashing input is in fuzz/artifacts/$target/"
    fi
    echo "$target: ${stats:-no stats line}"
    summary+=("$(printf '%-18s %s' "$target" "${stats:-no stats line}")")
done

echo
echo "=== fuzz smoke summary (${SECONDS_EACH}s per target)"
printf '%s\n' "${summary[@]}"
if [ "${#failed[@]}" -gt 0 ]; then
    loud "FUZZ SMOKE FAILED: ${failed[*]}"
    exit 1
fi
echo "fuzz smoke: ${#TARGETS[@]} targets, no crash"
