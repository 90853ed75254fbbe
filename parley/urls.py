from django.conf import settings
from django.urls import include, path

from parley.api.v1 import api as api_v1
from parley.api.widget import api as api_widget

urlpatterns = [
    path("api/v1/", api_v1.urls),
    path("api/widget/", api_widget.urls),
    path("", include("parley.accounts.urls")),
    path("", include("parley.web.urls")),
]

# Later apps append their url modules here (one line each).
APP_URLS: list[str] = [
    "parley.bots.targeting_urls",
    "parley.widget.urls",
    "parley.integrations.urls",
    "parley.contacts.urls",
    "parley.bots.urls",
    "parley.booking.urls",
    "parley.activity.urls",
    "parley.reports.urls",
    "parley.imports.urls",
]
urlpatterns += [path("", include(module)) for module in APP_URLS]

if settings.PARLEY_BENCH_ENDPOINTS:  # the benchmark's ceiling endpoints, never in production
    from parley.web.ceiling import api as ceiling_api

    urlpatterns.append(path("bench/", ceiling_api.urls))
