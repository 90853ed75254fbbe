"""Reading configuration from the environment, strictly: a bad value stops start-up with its name."""

import os
import secrets
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    if raw.strip().lower() in TRUE:
        return True
    if raw.strip().lower() in FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def home_dir() -> Path:
    """Where `./var/` lives: PARLEY_HOME, else the current directory (SPEC 9)."""
    return Path(os.environ.get("PARLEY_HOME") or os.getcwd()).resolve()


def secret_key(var_dir: Path) -> str:
    """PARLEY_SECRET_KEY, else a key generated once and kept in var/secret_key."""
    key = os.environ.get("PARLEY_SECRET_KEY")
    if key:
        return key
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    path.write_text(key)
    path.chmod(0o600)
    return key


SQLITE_OPTIONS = {
    # IMMEDIATE: writers queue on the lock instead of failing on upgrade; 20 s busy timeout.
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    # WAL lets readers run beside the writer; NORMAL sync survives app crashes (not power loss).
    "init_command": (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
        "PRAGMA secure_delete=ON; PRAGMA foreign_keys=ON;"
    ),
}


def database_from_url(url: str | None, var_dir: Path) -> dict:
    if not url:
        var_dir.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{var_dir / 'parley.sqlite3'}"
    try:
        config = dj_database_url.parse(url, conn_max_age=0)
    except Exception as exc:  # dj-database-url raises several kinds
        raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {exc}") from None
    if config["ENGINE"].endswith("sqlite3"):
        name = Path(config["NAME"])
        if not name.is_absolute():
            name = (var_dir.parent / name).resolve()
        name.parent.mkdir(parents=True, exist_ok=True)
        config["NAME"] = str(name)
        config["OPTIONS"] = {**SQLITE_OPTIONS, **config.get("OPTIONS", {})}
        # Tests that drive a real server need a file database, not shared memory; one per
        # test run, so that runs sharing a checkout never delete each other's database.
        config["TEST"] = {"NAME": str(name.with_name(f"test-{os.getpid()}-{name.name}"))}
    else:
        config["CONN_MAX_AGE"] = 60
        config["CONN_HEALTH_CHECKS"] = True
        # One test database per test run, so that runs sharing a server never collide.
        config["TEST"] = {"NAME": f"test_{config['NAME']}_{os.getpid()}"[:63]}
    return config


def email_from_url(url: str | None, var_dir: Path) -> tuple[str, dict]:
    """EMAIL_URL: console: (default), smtp://user:pass@host:587, smtp+tls://..., smtp+ssl://...,
    file:///path/to/dir, locmem:."""
    if not url or url.startswith("console:"):
        return "django.core.mail.backends.console.EmailBackend", {}
    if url.startswith("locmem:"):
        return "django.core.mail.backends.locmem.EmailBackend", {}
    parsed = urlparse(url)
    if parsed.scheme == "file":
        path = Path(unquote(parsed.path) or var_dir / "mail")
        return "django.core.mail.backends.filebased.EmailBackend", {"EMAIL_FILE_PATH": str(path)}
    if parsed.scheme in {"smtp", "smtp+tls", "smtp+ssl"}:
        query = parse_qs(parsed.query)
        return "django.core.mail.backends.smtp.EmailBackend", {
            "EMAIL_HOST": parsed.hostname or "localhost",
            "EMAIL_PORT": parsed.port or (465 if parsed.scheme == "smtp+ssl" else 587),
            "EMAIL_HOST_USER": unquote(parsed.username or ""),
            "EMAIL_HOST_PASSWORD": unquote(parsed.password or ""),
            "EMAIL_USE_TLS": parsed.scheme == "smtp+tls",
            "EMAIL_USE_SSL": parsed.scheme == "smtp+ssl",
            "EMAIL_TIMEOUT": int(query.get("timeout", ["10"])[0]),
        }
    raise ImproperlyConfigured(
        f"EMAIL_URL scheme {parsed.scheme!r} is not supported (console:, smtp://, smtp+tls://, "
        "smtp+ssl://, file:///dir, locmem:)"
    )
