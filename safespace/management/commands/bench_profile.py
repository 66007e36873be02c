"""Profile one page of the generated organisation with pyinstrument (issue 9).

Where a benchmark row misses its target, this shows where the time goes: the page is
requested in-process as the benchmark does (same middleware, DEBUG off, the benchmark's
URLs), signed in as one of the generated users, and pyinstrument samples the requests.
Runs only where ``manage.py bench`` runs: DJANGO_DEBUG=1, and a database holding only
the files the benchmark generated.
"""

import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

from benchmarks.generate import TYPICAL_WORKER, USERNAME_PREFIX, foreign_participants_exist
from benchmarks.measure import _client


class Command(BaseCommand):
    help = "Profile one page of the benchmark's organisation with pyinstrument."

    def add_arguments(self, parser):
        parser.add_argument("path", help="The page, e.g. / or /people/123/.")
        parser.add_argument(
            "--as", dest="username", default=TYPICAL_WORKER, help="A generated user (bench-...)."
        )
        parser.add_argument("--requests", type=int, default=30)
        parser.add_argument(
            "--all-frames", action="store_true", help="Show Django's own frames too."
        )

    def handle(self, *args, path, username, requests, all_frames, **options):
        try:
            from pyinstrument import Profiler
        except ImportError:
            raise CommandError("pyinstrument is missing: make install (the dev extra).") from None
        if not settings.DEBUG:
            raise CommandError("bench_profile runs only with DJANGO_DEBUG=1, as bench does.")
        if foreign_participants_exist():
            raise CommandError("This database holds files the benchmark did not generate.")
        if not username.startswith(USERNAME_PREFIX):
            raise CommandError(f"Only a generated user ({USERNAME_PREFIX}...) is signed in here.")
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username}: run make bench first.")
        with override_settings(
            DEBUG=False, ROOT_URLCONF="benchmarks.urls", ALLOWED_HOSTS=["testserver"]
        ):
            client = _client(user)
            for _ in range(3):
                response = client.get(path)
                if response.status_code != 200:
                    raise CommandError(f"{path} answered {response.status_code}, not 200.")
            started = time.perf_counter()
            for _ in range(requests):
                client.get(path)
            plain = (time.perf_counter() - started) * 1000 / requests
            profiler = Profiler(interval=0.0005)
            profiler.start()
            for _ in range(requests):
                client.get(path)
            profiler.stop()
        self.stdout.write(f"{path}: {plain:.1f} ms a request unprofiled ({requests} requests)")
        self.stdout.write(profiler.output_text(unicode=False, color=False, show_all=all_frames))
