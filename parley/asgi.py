"""Reserved for the small live-chat app (long-lived connections stay off the WSGI server)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parley.settings")
application = get_asgi_application()
