from django.core.management.base import BaseCommand

from cases.models import Participant


class Command(BaseCommand):
    help = "Recompute the blind index of every participant (after changing BLIND_INDEX_KEY)."

    def handle(self, *args, **options):
        count = 0
        for participant in Participant.objects.order_by("pk").iterator(chunk_size=200):
            participant.search_tokens_rebuild()
            count += 1
        self.stdout.write(f"Search index rebuilt for {count} participant(s).")
