#!/usr/bin/env bash
# Installing, building and pruning with the app's package manager ($PM: npm, yarn, yarn-berry, pnpm), as Heroku's
# Node.js buildpack does. Sourced by bin/compile, which has put the app's node and package manager first on PATH.

npm_major() { echo "${NPM_VERSION%%.*}"; }

# Package managers' caches: in CACHE_DIR, so the next build downloads less (the install still runs every time).
setup_caches() {
  local base=$CACHE_DIR
  if [ "${NODE_MODULES_CACHE:-true}" = false ]; then
    info "Caching has been disabled because NODE_MODULES_CACHE=false"
    rm -rf "$CACHE_DIR/npm" "$CACHE_DIR/yarn" "$CACHE_DIR/yarn-berry" "$CACHE_DIR/pnpm-store" "$CACHE_DIR/dirs"
    base="$WORK/caches"
  fi
  export npm_config_cache="$base/npm"
  case "$PM" in
    yarn) export YARN_CACHE_FOLDER="$base/yarn" ;;
    yarn-berry)
      export YARN_ENABLE_GLOBAL_CACHE=false YARN_ENABLE_TELEMETRY=0 YARN_ENABLE_PROGRESS_BARS=false
      if [ "$YARN_ZERO_INSTALL" = true ]; then
        export YARN_ENABLE_IMMUTABLE_CACHE=${YARN_ENABLE_IMMUTABLE_CACHE:-true}
      elif [ "$YARN_PNP" = true ]; then
        # Plug'n'Play loads packages from the cache's zip files at run time: it must ship in the slug.
        export YARN_CACHE_FOLDER="$BUILD_DIR/.yarn/cache"
      else
        export YARN_CACHE_FOLDER="$base/yarn-berry"
      fi
      ;;
    pnpm)
      export npm_config_store_dir="$base/pnpm-store" pnpm_config_store_dir="$base/pnpm-store"
      # pnpm 11 installs before `pnpm run` when node_modules looks stale: the buildpack decides when to install.
      export pnpm_config_verify_deps_before_run=false
      ;;
  esac
}

# package.json's cacheDirectories: restored when node, package manager and stack are those of the last build.
cache_signature() { echo "v1 $STACK node=$NODE_VERSION npm=$NPM_VERSION $PM=${PM_VERSION:-}"; }
restore_cache_directories() {
  [ -n "$CACHE_DIRECTORIES" ] && [ "${NODE_MODULES_CACHE:-true}" != false ] || return 0
  if [ "$(cat "$CACHE_DIR/dirs.signature" 2>/dev/null)" != "$(cache_signature)" ]; then
    info "cacheDirectories not restored: node, package manager or stack changed since the last build"
    return 0
  fi
  local d
  for d in $CACHE_DIRECTORIES; do
    if [ -e "$BUILD_DIR/$d" ]; then info "- $d (exists in the app; not restored)"
    elif [ -d "$CACHE_DIR/dirs/$d" ]; then mkdir -p "$(dirname "$BUILD_DIR/$d")" && cp -a "$CACHE_DIR/dirs/$d" "$BUILD_DIR/$d" && info "- $d restored"
    fi
  done
}
save_cache_directories() {
  [ -n "$CACHE_DIRECTORIES" ] && [ "${NODE_MODULES_CACHE:-true}" != false ] || return 0
  local d
  rm -rf "$CACHE_DIR/dirs"
  for d in $CACHE_DIRECTORIES; do
    if [ -d "$BUILD_DIR/$d" ] && [ ! -L "$BUILD_DIR/$d" ]; then
      mkdir -p "$(dirname "$CACHE_DIR/dirs/$d")" && cp -a "$BUILD_DIR/$d" "$CACHE_DIR/dirs/$d" && info "- $d cached"
    fi
  done
  cache_signature > "$CACHE_DIR/dirs.signature"
}

install_dependencies() {
  local dev=(--include=dev)
  [ "$(npm_major)" -ge 7 ] || dev=(--production=false)
  case "$PM" in
    npm)
      if [ "${NPM_CONFIG_PRODUCTION:-}" = true ]; then
        dev=(--omit=dev)
        [ "$(npm_major)" -ge 7 ] || dev=(--production=true)
        info "devDependencies not installed because NPM_CONFIG_PRODUCTION=true"
      fi
      if [ "$NODE_MODULES_CHECKED_IN" = true ]; then
        warn "node_modules is checked into source control: rebuilding it for Node.js $NODE_VERSION.
Committing node_modules is not recommended; add it to .gitignore and commit a lockfile instead."
        info "Rebuilding any native modules (npm rebuild)"
        run_or_fail "npm rebuild failed. Fix the native module named above, or stop committing node_modules." npm rebuild
        info "Installing any new modules (npm install)"
        run_or_fail "npm install failed; see npm's messages above." npm install "${dev[@]}"
      elif [ -n "$LOCKFILE" ] && [ "${USE_NPM_INSTALL:-}" != true ]; then
        info "Installing node modules (npm ci, from $LOCKFILE)"
        run_or_fail "npm ci failed; see npm's messages above. If package.json and $LOCKFILE are out of sync, run
\`npm install\` locally, commit $LOCKFILE and push again." npm ci "${dev[@]}"
      else
        [ -n "$LOCKFILE" ] || warn "No package-lock.json: npm resolves every dependency afresh on each build.
Run \`npm install\` and commit package-lock.json so that builds install what you tested."
        info "Installing node modules (npm install)"
        run_or_fail "npm install failed; see npm's messages above." npm install "${dev[@]}"
      fi
      ;;
    yarn)
      if [ "$NODE_MODULES_CHECKED_IN" = true ]; then
        warn "node_modules is checked into source control; removing it (yarn installs from yarn.lock)."
        rm -rf "$BUILD_DIR/node_modules"
      fi
      info "Installing node modules (yarn install, from yarn.lock)"
      run_or_fail "yarn install failed; see yarn's messages above. If yarn.lock is outdated, run \`yarn install\`
locally, commit yarn.lock and push again." \
        yarn install --frozen-lockfile --ignore-engines --prefer-offline --non-interactive --production="${YARN_PRODUCTION:-false}"
      ;;
    yarn-berry)
      [ -z "${YARN_PRODUCTION:-}" ] || fail "YARN_PRODUCTION is not supported by Yarn 2+; remove that config var
(\`platform config:unset YARN_PRODUCTION\`) and use YARN2_SKIP_PRUNING=true to keep devDependencies."
      info "Installing node modules (yarn install --immutable, from yarn.lock)"
      run_or_fail "yarn install failed; see yarn's messages above. If yarn.lock is outdated, run \`yarn install\`
locally, commit yarn.lock and push again." yarn install --immutable
      ;;
    pnpm)
      info "Installing node modules (pnpm install --frozen-lockfile, from pnpm-lock.yaml)"
      run_or_fail "pnpm install failed; see pnpm's messages above. If pnpm-lock.yaml is outdated, run
\`pnpm install\` locally, commit pnpm-lock.yaml and push again." pnpm install --frozen-lockfile --prod=false
      ;;
  esac
}

# run_script NAME → `<pm> run NAME`; a failure ends the build naming the script.
run_script() {
  local name=$1 cmd
  case "$PM" in npm) cmd=(npm run "$name") ;; yarn | yarn-berry) cmd=(yarn run "$name") ;; pnpm) cmd=(pnpm run "$name") ;; esac
  # Yarn 2+ refuses `yarn run` before its first install (no install state yet): heroku-prebuild runs through npm.
  if [ "$PM" = yarn-berry ] && [ "$name" = heroku-prebuild ]; then cmd=(npm run "$name"); fi
  info "Running ${cmd[*]}"
  run_or_fail "The \"$name\" script in package.json failed. Reproduce it with \`NODE_ENV=$NODE_ENV ${cmd[*]}\`
after a clean install, fix it, commit and push again." "${cmd[@]}"
}

prune_dependencies() {
  if [ "$NODE_ENV" != production ]; then
    info "Skipping because NODE_ENV is '$NODE_ENV'"
    return 0
  fi
  case "$PM" in
    npm)
      if [ -n "${NPM_CONFIG_PRODUCTION:-}" ]; then info "Skipping because NPM_CONFIG_PRODUCTION is '$NPM_CONFIG_PRODUCTION'"; return 0; fi
      if [ "$(npm_major)" -ge 7 ]; then run_or_fail "npm prune failed." npm prune --omit=dev
      else run_or_fail "npm prune failed." npm prune --production; fi
      ;;
    yarn)
      if [ -n "${YARN_PRODUCTION:-}" ]; then info "Skipping because YARN_PRODUCTION is '$YARN_PRODUCTION'"; return 0; fi
      run_or_fail "Pruning devDependencies with yarn failed." \
        yarn install --frozen-lockfile --ignore-engines --ignore-scripts --prefer-offline --non-interactive --production=true
      ;;
    yarn-berry)
      if [ "${YARN2_SKIP_PRUNING:-}" = true ]; then info "Skipping because YARN2_SKIP_PRUNING is 'true'"; return 0; fi
      if ! yarn workspaces focus --help > /dev/null 2>&1; then
        info "Skipping: Yarn $PM_VERSION has no \`yarn workspaces focus\` (Yarn 4, or the workspace-tools plugin, has it)"
        return 0
      fi
      run_or_fail "Pruning devDependencies with yarn failed." yarn workspaces focus --all --production
      ;;
    pnpm)
      if [ "${PNPM_SKIP_PRUNING:-}" = true ]; then info "Skipping because PNPM_SKIP_PRUNING is 'true'"; return 0; fi
      if [ -f "$BUILD_DIR/pnpm-workspace.yaml" ]; then
        # `pnpm prune` does not handle a workspace: install the production tree again, from the store.
        run_or_fail "Pruning devDependencies with pnpm failed." \
          pnpm install --prod --frozen-lockfile --prefer-offline --ignore-scripts --config.confirmModulesPurge=false
      else
        run_or_fail "Pruning devDependencies with pnpm failed." pnpm prune --prod --ignore-scripts
      fi
      ;;
  esac
}
