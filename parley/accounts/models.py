import secrets
import uuid

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **extra):
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in. Users are not scoped by account: one may belong to several."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(unique=True)
    name = models.CharField(max_length=150, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()
    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    def __str__(self):
        return self.name or self.email

    @property
    def display_name(self):
        return self.name or self.email.split("@")[0]


def new_site_key():
    return "site_" + secrets.token_urlsafe(12).replace("-", "x").replace("_", "y")


def new_identity_secret():
    return secrets.token_hex(32)


class TrackingMode(models.TextChoices):
    REQUIRED = "required", "Ask for consent before tracking"
    IMPLIED = "implied", "Track unless the visitor declines"
    OFF = "off", "Do not track page views"


class Account(models.Model):
    """A workspace: owns every domain row (account_id everywhere)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    site_key = models.CharField(max_length=40, unique=True, default=new_site_key)
    identity_secret = models.CharField(max_length=64, default=new_identity_secret)
    members_see_all_contacts = models.BooleanField(default=True)
    default_phone_region = models.CharField(max_length=2, default="US")
    session_idle_hours = models.PositiveIntegerField(default=8)
    tracking = models.CharField(
        max_length=10, choices=TrackingMode.choices, default=TrackingMode.REQUIRED
    )
    honour_dnt = models.BooleanField(
        default=True, help_text="Treat DNT: 1 and Sec-GPC: 1 as no consent to tracking."
    )
    retention_anonymous_days = models.PositiveIntegerField(default=30)
    retention_page_view_days = models.PositiveIntegerField(default=395)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    MEMBER = "member", "Member"


class Membership(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "user"], name="membership_once_per_account")
        ]

    @property
    def is_admin(self):
        return self.role == Role.ADMIN


class Invitation(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["account", "email"], name="invitation_account_email")]

    @property
    def is_expired(self):
        return timezone.now() >= self.expires_at


class ApiKey(models.Model):
    """A high-entropy bearer token; only its SHA-256 is stored (a slow hash is not needed)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="api_keys")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_keys"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["account", "user"], name="apikey_account_user")]


class Website(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="websites")
    name = models.CharField(max_length=120)
    origins = models.JSONField(default=list)
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account"], condition=Q(is_default=True), name="one_default_website"
            )
        ]
        ordering = ["-is_default", "created_at"]

    def __str__(self):
        return self.name


class SignInFailure(models.Model):
    """One failed sign-in; five for one email and IP within the window lock that pair."""

    email = models.CharField(max_length=254)
    ip = models.GenericIPAddressField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["email", "ip", "at"], name="signin_failure_lookup")]
