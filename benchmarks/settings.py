"""Settings for the load run's gunicorn (issue 9): the real settings, served as in production,
over plain http on the loopback interface, with the benchmark's floor view.

Loaded with DJANGO_DEBUG=1 in the environment, only so that the keys are the development
keys in var/ that generated the synthetic organisation (safespace.settings refuses to
start without keys when DJANGO_DEBUG is off); DEBUG is then turned off, as in production:
no query log, no debug pages. Never used to serve a real organisation: the load run
starts gunicorn with it on 127.0.0.1 only, against a database the benchmark generated.
"""

from safespace.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.urls"
DEBUG = False
# plain http on the loopback interface: no TLS proxy in front here
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
