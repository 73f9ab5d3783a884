"""Local development: `make run`. Never used in production."""

from .base import *  # noqa: F403

DEBUG = True
# A development-only key; production.py requires DJANGO_SECRET_KEY.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "dev-only-not-secret-" + "x" * 40)  # noqa: F405, S105
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"] + env_list("DJANGO_ALLOWED_HOSTS")  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
