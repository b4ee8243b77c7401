#!/usr/bin/env bash
# The release routine, run by a maintainer when OVH bumps a schema:
#
#   fetch → diff → regenerate → bump version → changelog → package
#
#   scripts/release.sh                          # from ovh-eu
#   ENDPOINT=ovh-ca scripts/release.sh          # another endpoint (name or URL)
#   SNAPSHOT_FROM=/path/to/dir scripts/release.sh   # a snapshot fetched by other means (tests)
#   PACKAGE_CHECK=0 scripts/release.sh          # skip step 6
#
# 1. fetch the listings and every schema into target/release-routine/snapshot (a copy of schemas/, so
#    the method-name lock carries over); schemas/ is not touched if anything fails;
# 2. diff schemas/ against it as changes to the generated Rust API: the changelog entry and
#    the semver bump (breaking → 0.(x+1).0, additions or fixes → 0.x.(y+1));
# 3. replace schemas/ with the new snapshot, rewrite the API features of Cargo.toml;
# 4. regenerate (the whole API must generate without errors) and refresh generated/;
# 5. set the version (build metadata = the snapshot's fetch day), prepend CHANGELOG.md;
# 6. scripts/package-check.sh (packaging, size, a new project building from the package).
# Then review `git diff`, run the tests, commit, and `cargo publish -p ovhcloud-base`,
# `-p ovhcloud-runtime`, `-p ovhcloud-schema`, then `-p ovhcloud-codegen` (each when it
# changed), then
# `cargo publish -p ovhcloud`.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
endpoint=${ENDPOINT:-ovh-eu}
work=target/release-routine
snapshot=$work/snapshot
mkdir -p "$work"
codegen() { cargo run -q --release -p ovhcloud-codegen -- "$@"; }

echo "==> 1. fetch ($endpoint)"
rm -rf "$snapshot"
cp -r schemas "$snapshot"
if [[ -n ${SNAPSHOT_FROM:-} ]]; then
    rm -rf "$snapshot/v1" "$snapshot/v2"
    for branch in v1 v2; do
        [[ ! -d $SNAPSHOT_FROM/$branch ]] || cp -r "$SNAPSHOT_FROM/$branch" "$snapshot/"
    done
    [[ ! -f $SNAPSHOT_FROM/manifest.json ]] || cp "$SNAPSHOT_FROM/manifest.json" "$snapshot/manifest.json"
    codegen manifest --schemas "$snapshot" --write
else
    codegen fetch --endpoint "$endpoint" --out "$snapshot"
fi

echo "==> 2. diff"
codegen diff schemas "$snapshot" --format json >"$work/diff.json"
codegen diff schemas "$snapshot" --format markdown >"$work/entry.md"
codegen diff schemas "$snapshot" --format text
bump=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["bump"])' "$work/diff.json")
if [[ $bump == none ]]; then
    echo "nothing changed in the generated API: no release"
    exit 0
fi

echo "==> 3. replace schemas/"
rm -rf schemas
cp -r "$snapshot" schemas
features=$(codegen manifest --schemas schemas --cargo-features)
python3 - "$features" <<'PY'
import re, sys
text = open("Cargo.toml").read()
begin, end = "# BEGIN API features\n", "# END API features\n"
head, rest = text.split(begin, 1)
_, tail = rest.split(end, 1)
open("Cargo.toml", "w").write(head + begin + sys.argv[1].rstrip("\n") + "\n" + end + tail)
PY

echo "==> 4. regenerate"
codegen generate --schemas schemas --out "$work/generated"
codegen generate --schemas codegen/tests/fixtures/schemas --out generated

echo "==> 5. version and changelog"
date=$(python3 -c '
import json
dates = [a["source"]["fetchedAt"][:10] for a in json.load(open("schemas/manifest.json"))["apis"] if a.get("source")]
print(max(dates) if dates else "unknown")')
version=$(python3 - "$bump" "$date" <<'PY'
import re, sys
bump, date = sys.argv[1], sys.argv[2]
text = open("Cargo.toml").read()
m = re.search(r'(?m)^version = "(\d+)\.(\d+)\.(\d+)(?:\+[^"]*)?"', text)
major, minor, patch = map(int, m.groups())
if major == 0:
    minor, patch = (minor + 1, 0) if bump == "major" else (minor, patch + 1)
elif bump == "major":
    major, minor, patch = major + 1, 0, 0
elif bump == "minor":
    minor, patch = minor + 1, 0
else:
    patch += 1
version = f"{major}.{minor}.{patch}+ovh.{date}"
open("Cargo.toml", "w").write(text[:m.start()] + f'version = "{version}"' + text[m.end():])
print(version)
PY
)
python3 - "$version" "$work/entry.md" <<'PY'
import sys, os
version, entry = sys.argv[1], open(sys.argv[2]).read()
path = "CHANGELOG.md"
old = open(path).read() if os.path.exists(path) else "# Changelog\n"
head, sep, rest = old.partition("\n## ")
# An `## Unreleased` section (runtime and generator notes) becomes the start of the entry.
notes = ""
if rest.startswith("Unreleased\n"):
    section, sep, rest = rest.partition("\n## ")
    notes = "\n".join(l for l in section.split("\n")[1:] if not l.startswith("<!--")).strip("\n")
    notes = notes + "\n\n" if notes else ""
diff = entry.split("\n", 1)[1].lstrip("\n") if entry.startswith("## ") else entry
body = f"\n## {version}\n\n{notes}{diff}"
open(path, "w").write(head.rstrip("\n") + "\n" + body.rstrip("\n") + "\n" + (sep + rest if sep else ""))
PY
echo "version $version ($bump)"

echo "==> 6. package"
if [[ ${PACKAGE_CHECK:-1} == 1 ]]; then
    SETS=${SETS:-one} scripts/package-check.sh
else
    echo "skipped (PACKAGE_CHECK=0)"
fi

echo
echo "release $version prepared: review git diff, run the tests, commit, then cargo publish."
