from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run background tasks (emails, webhooks, periodic work) in the foreground."

    def handle(self, **options):
        from parley.web import worker

        worker.run(stdout=self.stdout, stderr=self.stderr, call_command=call_command)
