# Sourced by bin/compile (needs build_dir, env_dir, venv and fail from it).
#
# Django's collectstatic, as Heroku runs it: when Django is installed in the app's virtualenv and a manage.py is at
# most two directories deep (the shallowest wins), `python manage.py collectstatic --noinput` runs in the build, so
# the collected files are part of the slug. DISABLE_COLLECTSTATIC (any value but 0, from the app's config) skips it.
# No other config var reaches it: settings that need a secret at import time must give it a default for the build.

# run_collectstatic — runs collectstatic when it applies; a failure fails the build with its output and the hint.
run_collectstatic() {
  local disabled="" manage status
  if [ -f "$env_dir/DISABLE_COLLECTSTATIC" ] && [ ! -L "$env_dir/DISABLE_COLLECTSTATIC" ]; then
    disabled=$(head -c 64 -- "$env_dir/DISABLE_COLLECTSTATIC")
  fi
  if ! "$venv/bin/python" -c 'import importlib.util, sys; sys.exit(importlib.util.find_spec("django") is None)' 2>/dev/null; then
    return 0
  fi
  if [ -n "$disabled" ] && [ "$disabled" != 0 ]; then
    echo "-----> Skipping Django collectstatic since the config var DISABLE_COLLECTSTATIC is set."
    return 0
  fi
  # -type f: a pushed symlink named manage.py is never followed; .heroku (the virtualenv) is not the app's.
  manage=$(cd "$build_dir" && find . -maxdepth 3 -path ./.heroku -prune -o -type f -name manage.py -printf '%d\t%P\n' |
    sort -n -k1,1 | cut -f2 | head -n 1)
  if [ -z "$manage" ]; then
    echo "-----> Skipping Django collectstatic since no manage.py file was found."
    return 0
  fi
  echo "-----> \$ python $manage collectstatic --noinput"
  set +e
  (cd "$build_dir" && PYTHONPATH=. "$venv/bin/python" "$manage" collectstatic --noinput --traceback 2>&1) | sed -u 's/^/       /'
  status=${PIPESTATUS[0]}
  set -e
  [ "$status" -eq 0 ] && return 0
  fail "Unable to generate Django static files: 'python $manage collectstatic --noinput' failed (exit $status)." \
    "The traceback above says why; the app's settings may need a change (STATIC_ROOT, a missing file)." \
    "Or turn collectstatic off for this app: platform config:set DISABLE_COLLECTSTATIC=1"
}
