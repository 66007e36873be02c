from django.core.management.base import BaseCommand

from cases.models import Participant
from safespace.crypto import blind_index_check_record


class Command(BaseCommand):
    help = "Recompute the blind index of every participant (after changing BLIND_INDEX_KEY)."

    def handle(self, *args, **options):
        count = 0
        for participant in Participant.objects.order_by("pk").iterator(chunk_size=200):
            participant.search_tokens_rebuild()
            count += 1
        # the startup check now expects this key (safespace.crypto.canary_verify)
        blind_index_check_record()
        self.stdout.write(f"Search index rebuilt for {count} participant(s).")
