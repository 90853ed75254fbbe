import os
import sys

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the web app and API on granian (WSGI), in the foreground; exits on SIGTERM."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=settings.PARLEY_SERVER_WORKERS)
        parser.add_argument(
            "--threads",
            type=int,
            default=int(os.environ.get("PARLEY_THREADS", "8")),
            help="blocking threads per worker (default 8)",
        )

    def handle(self, host, port, workers, threads, **options):
        db = settings.DATABASES["default"]
        self.stderr.write(
            f"Parley on http://{host}:{port}/ · database {db['NAME']} "
            f"({db['ENGINE'].rsplit('.', 1)[-1]}) · {workers} workers × {threads} threads"
        )
        env = dict(os.environ, PARLEY_WORKERS=str(workers))
        env.setdefault("DJANGO_SETTINGS_MODULE", "parley.settings")
        # Workers must all open the same database, wherever they start.
        env.setdefault("PARLEY_HOME", str(settings.HOME))
        args = [
            sys.executable,
            "-m",
            "granian",
            "--interface",
            "wsgi",
            "--host",
            host,
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--blocking-threads",
            str(threads),
            "--no-access-log",
            "--log-level",
            "warning",
            "parley.wsgi:application",
        ]
        sys.stdout.flush()
        sys.stderr.flush()
        os.execvpe(args[0], args, env)
