#!/usr/bin/env bash
# Rehearses the release routine on a throwaway clone of this repository (committed state, HEAD),
# with a "new" snapshot made from schemas/ by adding one enum value to one schema (what OVH does
# most often), and checks what scripts/release.sh did:
#   - schemas/ holds the new file and a lock that matches it (the lock check of build.rs passes),
#   - the version went 0.x.y → 0.x.(y+1), build metadata naming the snapshot,
#   - CHANGELOG.md starts with an entry for that version naming the added value as non-breaking.
# Ends with `release-rehearsal: N passed, M failed`.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$PWD
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
check() { # check DESCRIPTION COMMAND...
    local what=$1
    shift
    if "$@"; then echo "ok: $what"; passed=$((passed + 1)); else echo "FAIL: $what"; failed=$((failed + 1)); fi
}

git clone -q "$repo" "$work/clone"
mkdir "$work/new"
cp -r schemas/v1 schemas/v2 "$work/new/"
python3 - "$work/new/v1/me.json" <<'PY'
import json, sys
path = sys.argv[1]
doc = json.load(open(path))
enum = doc["models"]["agreements.AgreementStateEnum"]
enum["enum"].append("rehearsal")
json.dump(doc, open(path, "w"), indent=2)
PY
old_version=$(grep -m1 '^version = ' Cargo.toml | cut -d'"' -f2)

(cd "$work/clone" && CARGO_TARGET_DIR="$repo/target" PACKAGE_CHECK=0 SNAPSHOT_FROM="$work/new" \
    scripts/release.sh) >"$work/release.log" 2>&1 || { cat "$work/release.log"; echo "release-rehearsal: 0 passed, 1 failed"; exit 1; }
tail -n 5 "$work/release.log"

clone=$work/clone
new_version=$(grep -m1 '^version = ' "$clone/Cargo.toml" | cut -d'"' -f2)
base=${old_version%%+*}
IFS=. read -r major minor patch <<<"$base"
check "version $old_version → $new_version" test "${new_version%%+*}" = "$major.$minor.$((patch + 1))"
check "build metadata names the snapshot" grep -q '+ovh\.[0-9]\{4\}-[0-9][0-9]-[0-9][0-9]$' <<<"$new_version"
check "schemas/ holds the new file" cmp -s "$work/new/v1/me.json" "$clone/schemas/v1/me.json"
check "the new lock matches the snapshot" \
    cargo run -q --release --target-dir "$repo/target" -p ovhcloud-codegen -- list --schemas "$clone/schemas" >/dev/null
check "Cargo.toml keeps its API-features markers on their own lines" \
    bash -c 'grep -qx "# BEGIN API features" "$1" && grep -qx "# END API features" "$1"' _ "$clone/Cargo.toml"
first_entry=$(awk '/^## /{n++} n==1' "$clone/CHANGELOG.md")
check "CHANGELOG.md starts with $new_version" grep -qF "## $new_version" <<<"$first_entry"
check "the entry names the added value" grep -q 'rehearsal' <<<"$first_entry"
check "the entry has no breaking change" bash -c '! grep -qi "^### Breaking" <<<"$1"' _ "$first_entry"
if grep -q '^## Unreleased' "$repo/CHANGELOG.md"; then
    unreleased_first=$(awk '/^## /{n++} n==1' "$repo/CHANGELOG.md" | grep -m1 '^- ')
    check "the Unreleased notes open the entry" grep -qF -- "$unreleased_first" <<<"$first_entry"
    check "no Unreleased section is left" bash -c '! grep -q "^## Unreleased" "$1"' _ "$clone/CHANGELOG.md"
fi

echo "release-rehearsal: $passed passed, $failed failed"
((failed == 0))
