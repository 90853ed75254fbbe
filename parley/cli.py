"""`parley`: the command line (SPEC 9). Every Django management command is available too."""

import os
import sys


def main(argv=None):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parley.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help"}:
        print(__doc__.strip().split(":")[0] + " commands:\n"
              "  serve [--host 127.0.0.1] [--port 8000]   run the web app and API (granian, WSGI)\n"
              "  worker                                   run background tasks\n"
              "  migrate                                  create or update the database\n"
              "  demo                                     load the demo account\n"
              "  bootstrap --email E --password P [--account NAME]\n"
              "  bots export|import|lint|simulate ...     work with bot flows\n"
              "Run `parley help` for every command.")
        return 0
    execute_from_command_line(["parley", *args])
    return 0


if __name__ == "__main__":
    sys.exit(main())
