#!/usr/bin/env bash
# Compiles the client generated from every real schema set of the corpus
# (codegen/tests/fixtures/corpus/*: other dates, regions and brands), every API enabled
# (`--features all`), through scripts/check-each-api.sh. The degraded parts the schemas force
# (enums named but not defined, reported as build warnings) are not failures; any other warning
# or error is.
#
#   scripts/check-corpus.sh                   # every set
#   SETS="2014-01-eu-ovh 2021-06-ca-ovh" scripts/check-corpus.sh
#
# Ends with `check-corpus: N passed, M failed`; exits non-zero if any set failed.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
corpus=codegen/tests/fixtures/corpus
if [[ -n "${SETS:-}" ]]; then
    read -r -a sets <<<"$SETS"
else
    mapfile -t sets < <(find "$corpus" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort)
fi
passed=0
failed=0
for set in "${sets[@]}"; do
    if OVHCLOUD_SCHEMAS_DIR="$corpus/$set" ONLY=all ALLOW_SCHEMA_WARNINGS=1 \
        scripts/check-each-api.sh | sed "s/^/$set: /"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
    fi
done
echo "check-corpus: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
