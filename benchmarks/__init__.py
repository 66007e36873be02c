"""The benchmark harness (issue 9): a synthetic organisation, measured against a floor.

``generate(scale)`` fills the configured database with fictional data, fast;
``measure(organisation)`` times the pages staff use most beside the floor of
the same stack; ``manage.py bench`` runs both and writes BENCHMARKS.md. Never
run against a real organisation's database: the command refuses to.
"""

from django.apps import apps as _apps

# benchmarks.settings (the load run's gunicorn) imports this package before Django is set up:
# the models cannot be imported then, and that process needs none of these names
if _apps.ready:
    from benchmarks.generate import SCALES, Organisation, generate, organisation_load
    from benchmarks.measure import measure, report_write

__all__ = ["SCALES", "Organisation", "generate", "measure", "organisation_load", "report_write"]
