"""Contacts → Import: upload a CSV, map its columns, watch the progress (htmx polling), then
download the rows that failed. Admins only (an import can touch every contact)."""

from functools import wraps
from pathlib import PurePath

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from parley.accounts.decorators import member_required
from parley.accounts.scoping import get_for_account
from parley.contacts.fields import field_map
from parley.imports import mapping as mappings
from parley.imports import services
from parley.imports.models import ImportJob, JobStatus

RECENT_JOBS = 10


def admin_only(view):
    @member_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.membership.is_admin:
            raise PermissionDenied("Only admins can import contacts.")
        return view(request, *args, **kwargs)

    return wrapper


def job_url(job) -> str:
    return f"/contacts/import/{job.id}"


def messages_of(exc: ValidationError) -> dict:
    return {key: " ".join(msgs) for key, msgs in exc.message_dict.items()}


@admin_only
def upload(request):
    errors = {}
    if request.method == "POST":
        try:
            job = services.create_job(request.account, request.user, request.FILES.get("file"))
        except ValidationError as exc:
            errors = messages_of(exc)
        else:
            return redirect(job_url(job))
    jobs = (
        ImportJob.objects.filter(account=request.account)
        .select_related("user")
        .order_by("-created_at")[:RECENT_JOBS]
    )
    context = {"jobs": jobs, "errors": errors, "keep_days": services.keep_days()}
    return render(request, "imports/upload.html", context, status=422 if errors else 200)


@admin_only
def job_page(request, job_id):
    job = get_for_account(ImportJob, request.account, id=job_id)
    if job.status != JobStatus.UPLOADED:
        return render(request, "imports/job.html", {"job": job})
    fields = field_map(request.account)
    chosen, errors = job.mapping, {}
    if request.method == "POST":
        chosen = {str(i): request.POST.get(f"column-{i}", "") for i in range(len(job.headers))}
        try:
            services.start(job, chosen)
        except ValidationError as exc:
            errors = messages_of(exc)
        else:
            return redirect(job_url(job))
    columns = [
        {
            "index": i,
            "header": header,
            "target": chosen.get(str(i), ""),
            "samples": [row[i] for row in job.sample if i < len(row) and row[i].strip()],
            "error": errors.get(f"column.{i}"),
        }
        for i, header in enumerate(job.headers)
    ]
    context = {
        "job": job,
        "columns": columns,
        "targets": mappings.targets(fields),
        "error": errors.get("mapping"),
        "errors": errors,
    }
    return render(request, "imports/mapping.html", context, status=422 if errors else 200)


@admin_only
def progress(request, job_id):
    job = get_for_account(ImportJob, request.account, id=job_id)
    return render(request, "imports/_progress.html", {"job": job})


@admin_only
def error_report(request, job_id):
    job = get_for_account(ImportJob, request.account, id=job_id)
    name = f"{PurePath(job.file_name).stem or 'contacts'}-errors.csv"
    response = StreamingHttpResponse(
        services.error_report(job), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


@admin_only
@require_POST
def delete(request, job_id):
    job = get_for_account(ImportJob, request.account, id=job_id)
    try:
        services.delete_job(job)
    except ValidationError:
        return redirect(job_url(job))
    return redirect("/contacts/import")
