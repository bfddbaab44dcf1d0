"""Settings of a Django-shaped project: static files come from static/ and are collected into staticfiles/."""
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
