"""The management API's tests; tests that need the real server use `live_server_url`."""

from tests.live import live_server_url, parley_server  # noqa: F401
