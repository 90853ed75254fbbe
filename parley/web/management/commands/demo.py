from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create or refresh the demo account (admin demo@example.com / parley-demo)."

    def handle(self, **options):
        from parley.web import demo

        account = demo.build()
        self.stderr.write(f"Demo account ready: {account.name} (sign in as {demo.EMAIL} / "
                          f"{demo.PASSWORD})")
