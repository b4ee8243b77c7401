#!/usr/bin/env bash
# What a new user gets: packages `ovhcloud-base`, `ovhcloud-runtime`, `ovhcloud-schema`,
# `ovhcloud-codegen`,
# `ovhcloud` and `scaleway-interlink` as
# `cargo publish` would,
# checks the `ovhcloud` package (snapshot and lock inside, under crates.io's 10 MB), then builds
# a throwaway project that depends on the unpacked packages alone — offline, from a clean target
# directory — with one API, with ten, and with all, and prints how long each build took.
#
#   scripts/package-check.sh                 # one, ten and all APIs (each from a clean target)
#   SETS=one scripts/package-check.sh        # only some of: one ten all
#
# Ends with `package-check: N passed, M failed`; exits non-zero if anything failed.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$PWD
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }
ok() { echo "ok: $*"; passed=$((passed + 1)); }

# 1. Package (no verify build: step 3 is that build, as a user makes it).
cargo package -p ovhcloud-base -p ovhcloud-runtime -p ovhcloud-schema -p ovhcloud-codegen -p ovhcloud -p scaleway-interlink --allow-dirty --no-verify \
    --target-dir "$work/package-target" >"$work/package.log" 2>&1 || {
    cat "$work/package.log"
    echo "package-check: $passed passed, 1 failed"
    exit 1
}
grep -v '^warning: ignoring ' "$work/package.log" || true
crate=$(ls "$work"/package-target/package/ovhcloud-[0-9]*.crate)
codegen_crate=$(ls "$work"/package-target/package/ovhcloud-codegen-*.crate)
schema_crate=$(ls "$work"/package-target/package/ovhcloud-schema-*.crate)
runtime_crate=$(ls "$work"/package-target/package/ovhcloud-runtime-*.crate)
base_crate=$(ls "$work"/package-target/package/ovhcloud-base-*.crate)
interlink_crate=$(ls "$work"/package-target/package/scaleway-interlink-*.crate)
# Listed first: `grep -q` stopping early would fail `tar` in the pipeline (pipefail).
interlink_files=$(tar -tzf "$interlink_crate")
if grep -q '/schemas/interlink.v1beta1.json$' <<<"$interlink_files"; then
    ok "$(basename "$interlink_crate") carries its OpenAPI description"
else
    fail "$(basename "$interlink_crate") lacks schemas/interlink.v1beta1.json"
fi

# 2. The ovhcloud package: size, snapshot and lock, nothing else of the repository.
size=$(stat -c %s "$crate")
if ((size < 10 * 1024 * 1024)); then ok "$(basename "$crate"): $((size / 1024)) KiB compressed (< 10 MiB)"; else fail "$(basename "$crate") is $size bytes"; fi
listing=$(tar -tzf "$crate")
top=$(head -n 1 <<<"$listing" | cut -d/ -f1)
files=$(cut -d/ -f2- <<<"$listing") # paths inside the package
for required in schemas/manifest.json schemas/v1/me.json schemas/v2/iam.json build.rs src/lib.rs; do
    if grep -qxF "$required" <<<"$files"; then ok "package has $required"; else fail "package lacks $required"; fi
done
locked=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["apis"]))' schemas/manifest.json)
packaged=$(grep -cE '^schemas/v[12]/[^_][^/]*\.json$' <<<"$files" || true)
if [[ $packaged == "$locked" ]]; then ok "package has all $locked locked schema files"; else fail "package has $packaged schema files, the lock $locked"; fi
if grep -qE '^(tests|benches|examples|generated|base|codegen|schema|runtime|emulator)/' <<<"$files"; then fail "package carries test or workspace files"; else ok "package carries no tests, benches or workspace crates"; fi

# 3. A new project built from the unpacked packages, offline, from a clean target directory.
mkdir -p "$work/unpacked"
tar -xzf "$crate" -C "$work/unpacked"
tar -xzf "$codegen_crate" -C "$work/unpacked"
tar -xzf "$schema_crate" -C "$work/unpacked"
tar -xzf "$runtime_crate" -C "$work/unpacked"
tar -xzf "$base_crate" -C "$work/unpacked"
codegen_dir=$(ls -d "$work"/unpacked/ovhcloud-codegen-*)
schema_dir=$(ls -d "$work"/unpacked/ovhcloud-schema-*)
runtime_dir=$(ls -d "$work"/unpacked/ovhcloud-runtime-*)
base_dir=$(ls -d "$work"/unpacked/ovhcloud-base-*)
ovhcloud_dir="$work/unpacked/$top"
ten='"me", "ovhCloudConnect", "vrack", "v2_iam", "dedicated_server", "domain", "ip", "order", "services", "v2_vrackServices"'
declare -A features=([one]='"ovhCloudConnect"' [ten]="$ten" [all]='"all"')
timings=()
for set in ${SETS:-one ten all}; do
    project="$work/user-$set"
    mkdir -p "$project/src"
    cat >"$project/Cargo.toml" <<TOML
[package]
name = "new-user"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
ovhcloud = { path = "$ovhcloud_dir", default-features = false, features = [${features[$set]}] }
tokio = { version = "1", features = ["macros", "rt"] }

# The workspace crates are not on crates.io yet: the unpacked packages stand in.
[patch.crates-io]
ovhcloud-base = { path = "$base_dir" }
ovhcloud-runtime = { path = "$runtime_dir" }
ovhcloud-codegen = { path = "$codegen_dir" }
ovhcloud-schema = { path = "$schema_dir" }

[workspace]
TOML
    cat >"$project/src/main.rs" <<'RS'
use ovhcloud::models::ovhcloudconnect::{pop_config::TypeEnum, PopConfigCreate};

#[tokio::main(flavor = "current_thread")]
async fn main() -> ovhcloud::Result<()> {
    let client = ovhcloud::Client::builder()
        .endpoint("ovh-eu")
        .application("app-key", "app-secret", "consumer-key")
        .server_time_offset(0) // offline: no GET /auth/time
        .build()?;
    let occ = client.ovh_cloud_connect();
    let mut pop = PopConfigCreate::new(1, TypeEnum::L3);
    pop.customer_bgp_area = Some(64512);
    let request = occ.post_config_pop("11111111-2222-3333-4444-555555555555".parse().unwrap(), &pop);
    let prepared = client.prepare(request.into_call().request()).await?;
    println!("snapshot {:?}, {} schemas", ovhcloud::SNAPSHOT, ovhcloud::apis::SCHEMAS.len());
    println!("{} {}", prepared.method.as_str(), prepared.url);
    for schema in ovhcloud::apis::SCHEMAS {
        println!("{} {} {}", schema.feature, schema.api_version, schema.sha256);
    }
    Ok(())
}
RS
    cp "$repo/Cargo.lock" "$project/Cargo.lock"
    start=$SECONDS
    if (cd "$project" && CARGO_TARGET_DIR="$project/target" cargo build --offline -q 2>"$project/build.log"); then
        took=$((SECONDS - start))
        timings+=("$(printf '%-4s %3d s' "$set" "$took")")
        if out=$("$project/target/debug/new-user" 2>&1) && grep -q 'snapshot Some("' <<<"$out" &&
            grep -q '^ovhCloudConnect 1.0 ' <<<"$out"; then
            ok "new project with $set API feature(s): built in ${took} s, runs: $(head -n 1 <<<"$out")"
        else
            fail "new project with $set API feature(s) built but its run printed: $out"
        fi
    else
        fail "new project with $set API feature(s) does not build:"
        tail -n 30 "$project/build.log"
    fi
    rm -rf "$project/target"
done

echo
echo "clean builds of a new project (debug, dependencies included, $(nproc) cores):"
printf '  %s\n' "${timings[@]}"
echo "package-check: $passed passed, $failed failed"
((failed == 0))
