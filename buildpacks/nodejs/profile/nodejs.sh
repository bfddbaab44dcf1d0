# Written by the Node.js buildpack into .profile.d/: sourced before every dyno, one-off and release-phase command,
# after the app's config vars are in the environment (a config var wins where noted).
# The app's own Node.js and package manager first on PATH, its dependencies' commands (node_modules/.bin) last.
export PATH="$HOME/.heroku/node/bin:$HOME/.heroku/yarn/bin:$HOME/.heroku/pnpm/bin:$PATH:$HOME/bin:$HOME/node_modules/.bin"
export NODE_HOME="$HOME/.heroku/node"
export NODE_ENV="${NODE_ENV:-production}"
# No "new npm version available" notice at every `npm start`.
export NO_UPDATE_NOTIFIER="${NO_UPDATE_NOTIFIER:-1}"
export npm_config_update_notifier="${npm_config_update_notifier:-false}"
