"""Every API error speaks SPEC 8.0: {"detail": "...", "errors": [{"field", "message"}]}."""

import logging

from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from parley.accounts.services import Conflict

log = logging.getLogger(__name__)


class ErrorItem(Schema):
    field: str | None
    message: str


class ErrorOut(Schema):
    """Every error answer: a sentence for people and the bad fields for programs."""

    detail: str
    errors: list[ErrorItem]


def error_responses(*codes: int) -> dict:
    """Document error answers in OpenAPI: `response={200: ThingOut, **error_responses(404)}`.
    401 and 429 (any key may be refused or limited) are always included."""
    return {code: ErrorOut for code in sorted({401, 429, *codes})}


class ApiError(Exception):
    def __init__(self, status: int, detail: str, errors=None, **extra):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors or []
        self.extra = extra


def loc_to_field(loc) -> str | None:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "payload")]
    if parts and parts[0] in {"data"}:
        parts = parts[1:]
    out = ""
    for part in parts:
        out += f"[{part}]" if part.isdigit() else (f".{part}" if out else part)
    return out or None


def pydantic_message(error: dict) -> str:
    msg = error.get("msg", "Invalid value.")
    if error.get("type") == "missing":
        return "This field is required."
    return msg[0].upper() + msg[1:] if msg else "Invalid value."


def django_errors(exc: DjangoValidationError, prefix: str = "") -> list[dict]:
    if hasattr(exc, "error_dict"):
        out = []
        for field, errors in exc.error_dict.items():
            name = field if field != "__all__" else None
            if name and prefix:
                name = f"{prefix}.{name}"
            for error in errors:
                out.extend({"field": name, "message": m} for m in error.messages)
        return out
    return [{"field": prefix or None, "message": m} for m in exc.messages]


def install(api):
    def respond(request, status, detail, errors=None, **extra):
        return api.create_response(
            request, {"detail": detail, "errors": errors or [], **extra}, status=status
        )

    @api.exception_handler(ApiError)
    def on_api_error(request, exc):
        return respond(request, exc.status, exc.detail, exc.errors, **exc.extra)

    @api.exception_handler(NinjaValidationError)
    def on_validation(request, exc):
        errors = []
        for error in exc.errors:
            loc = error.get("loc", ())
            where = loc[0] if loc else "body"
            if where == "path":
                # A malformed id is simply an unknown id.
                return respond(request, 404, "Not found.")
            field = loc_to_field(loc)
            if field is None and where == "body" and error.get("type") == "missing":
                message = "The request needs a JSON object body."
            else:
                message = pydantic_message(error)
            errors.append({"field": field, "message": message})
        names = ", ".join(e["field"] or "request" for e in errors[:5])
        return respond(request, 422, f"Invalid values: {names}.", errors)

    @api.exception_handler(DjangoValidationError)
    def on_django_validation(request, exc):
        errors = django_errors(exc)
        first = errors[0]["message"] if errors else "Invalid values."
        return respond(request, 422, first, errors)

    @api.exception_handler(AuthenticationError)
    def on_auth(request, exc):
        return respond(request, 401, "A valid API key is required (Authorization: Bearer KEY).")

    @api.exception_handler(HttpError)
    def on_http_error(request, exc):
        detail = str(exc)
        if exc.status_code == 400 and detail.startswith("Cannot parse"):
            detail = "The request body is not valid JSON."
        return respond(request, exc.status_code, detail)

    @api.exception_handler(Http404)
    def on_404(request, exc):
        return respond(request, 404, "Not found.")

    @api.exception_handler(PermissionDenied)
    def on_403(request, exc):
        return respond(request, 403, str(exc) or "Your role may not do this.")

    @api.exception_handler(Conflict)
    def on_conflict(request, exc):
        return respond(request, 409, str(exc))

    @api.exception_handler(SuspiciousOperation)
    def on_suspicious(request, exc):
        if isinstance(exc, RequestDataTooBig):
            return respond(request, 413, "The request body is too large.")
        return respond(request, 400, "The request is malformed.")

    @api.exception_handler(Exception)
    def on_unexpected(request, exc):
        # Still an API answer (JSON, the SPEC shape), and the traceback goes to the log.
        log.exception("Unexpected error answering %s %s", request.method, request.path)
        return respond(request, 500, "Something went wrong on our side; it has been logged.")


class JsonErrorsMiddleware:
    """Under /api/, error answers made outside the API's handlers (an unknown path, a method
    the path does not take, Django's own 500) speak JSON in the SPEC shape too."""

    DETAILS = {404: "Not found.", 405: "This method is not allowed here."}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code >= 400
            and request.path.startswith("/api/")
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            detail = self.DETAILS.get(response.status_code, response.reason_phrase + ".")
            json = JsonResponse({"detail": detail, "errors": []}, status=response.status_code)
            for header in ("Allow", "Retry-After", "Vary"):
                if header in response:
                    json[header] = response[header]
            return json
        return response
