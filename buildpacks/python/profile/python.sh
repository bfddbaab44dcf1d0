# Written by the Python buildpack into .profile.d/: sourced before every dyno, one-off and release-phase command.
# The app's virtualenv first on PATH, so `python`, `pip`, `gunicorn`, `python manage.py migrate` are the slug's.
export PATH="$HOME/.heroku/python/bin:$PATH"
export VIRTUAL_ENV="$HOME/.heroku/python"
export PYTHONUNBUFFERED="${PYTHONUNBUFFERED:-1}"
unset PYTHONHOME
export LANG="${LANG:-C.UTF-8}"
