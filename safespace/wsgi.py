import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safespace.settings")

application = get_wsgi_application()

# refuse to serve with keys that cannot read the data (a gunicorn worker fails to boot)
from safespace.crypto import canary_verify  # noqa: E402

canary_verify()
