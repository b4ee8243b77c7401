#!/usr/bin/env bash
# Checks that the generated client compiles without warnings for `--features all` and for every
# API feature alone, against the repo's snapshot (schemas/) or another schema directory.
#
#   scripts/check-each-api.sh                                  # schemas/, every API
#   ONLY="ovhCloudConnect vrack" scripts/check-each-api.sh     # just these features
#   SKIP_ALL=1 scripts/check-each-api.sh                       # skip the `--features all` check
#   ONLY=all scripts/check-each-api.sh                         # only the `--features all` check
#   ALLOW_SCHEMA_WARNINGS=1 …                                  # degraded schema parts are not failures
#   OVHCLOUD_SCHEMAS_DIR=/path/to/mirror scripts/check-each-api.sh
#
# A relative OVHCLOUD_SCHEMAS_DIR is relative to the repository root (as in build.rs). RUSTFLAGS
# is left alone (changing it would rebuild every dependency); instead a check fails when cargo
# reports a warning from the `ovhcloud` crate or its build script. Prints one line per check and
# ends with `check-each-api: N passed, M failed`; exits non-zero if any check failed.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
export OVHCLOUD_SCHEMAS_DIR="${OVHCLOUD_SCHEMAS_DIR:-schemas}"
if [[ ! -d "$OVHCLOUD_SCHEMAS_DIR" ]]; then
    echo "check-each-api: no schema directory at $OVHCLOUD_SCHEMAS_DIR (set OVHCLOUD_SCHEMAS_DIR)" >&2
    exit 2
fi

if [[ "${ONLY:-}" == all ]]; then
    features=()
elif [[ -n "${ONLY:-}" ]]; then
    read -r -a features <<<"$ONLY"
else
    manifest=$(cargo run -q --release -p ovhcloud-codegen -- manifest --schemas "$OVHCLOUD_SCHEMAS_DIR")
    mapfile -t features < <(python3 -c '
import json, sys
for api in json.load(sys.stdin)["apis"]:
    print(api["feature"])
' <<<"$manifest")
fi
if [[ ${#features[@]} -eq 0 && "${ONLY:-}" != all ]]; then
    echo "check-each-api: no API found in $OVHCLOUD_SCHEMAS_DIR" >&2
    exit 2
fi

log_dir=$(mktemp -d)
trap 'rm -rf "$log_dir"' EXIT
passed=0
failed=0
failures=()

# Runs `cargo check -q -p ovhcloud "$@"`; fails on an error or on any warning about the ovhcloud
# crate (`warning: `ovhcloud` (lib) generated N warnings`, `warning: ovhcloud@…: …` from its build
# script) or located in its sources or generated code.
check() {
    local label=$1
    shift
    local log="$log_dir/check.log" start end status=0
    start=$(date +%s.%N)
    cargo check -q -p ovhcloud "$@" >"$log" 2>&1 || status=$?
    end=$(date +%s.%N)
    local took
    took=$(python3 -c "print(f'{$end - $start:.1f}')")
    local verdict=ok
    if [[ $status -ne 0 ]]; then
        verdict="FAILED (cargo exit $status)"
    elif python3 - "$log" <<'EOF'; then
import os, re, sys
text = open(sys.argv[1], encoding="utf-8", errors="replace").read()
blocks = re.split(r"\n(?=\S)", text)
schema_warnings_allowed = os.environ.get("ALLOW_SCHEMA_WARNINGS") == "1"
ours = [
    b for b in blocks
    if b.startswith("warning")
    and ("`ovhcloud`" in b or "ovhcloud@" in b or "/out/" in b or re.search(r"--> (\./)?(src|build\.rs)", b))
    and not (schema_warnings_allowed and re.match(r"warning: ovhcloud@\S+: schema: ", b))
]
sys.exit(0 if ours else 1)
EOF
        verdict="FAILED (warnings)"
    fi
    if [[ $verdict == ok ]]; then
        passed=$((passed + 1))
        printf '%-32s ok      %6ss\n' "$label" "$took"
    else
        failed=$((failed + 1))
        failures+=("$label")
        printf '%-32s %s  %6ss\n' "$label" "$verdict" "$took"
        sed 's/^/    | /' "$log"
    fi
}

echo "check-each-api: schemas $OVHCLOUD_SCHEMAS_DIR, ${#features[@]} API(s)"
total_start=$(date +%s)
if [[ -z "${SKIP_ALL:-}" ]]; then
    # CHECK_BENCHES=1: the benchmarks too (they name models of the repo's own snapshot, so
    # only for that one); nothing else builds them, and they would rot unseen.
    if [[ -n "${CHECK_BENCHES:-}" ]]; then
        check "--features all --benches" --features all --benches
    else
        check "--features all" --features all
    fi
fi
for feature in "${features[@]}"; do
    check "$feature" --no-default-features --features "$feature"
done
total_end=$(date +%s)

echo "check-each-api: $((total_end - total_start)) s in total"
if [[ $failed -gt 0 ]]; then
    echo "check-each-api: failed: ${failures[*]}"
fi
echo "check-each-api: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
