import os

from django.core.wsgi import get_wsgi_application

# Served by gunicorn in production: production settings unless told otherwise (they refuse to
# start without DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS). `manage.py` defaults to dev.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "disclosure.settings.production")

application = get_wsgi_application()
