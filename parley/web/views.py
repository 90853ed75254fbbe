from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect

from parley.accounts.decorators import member_required


@member_required
def home(request):
    return redirect("/activity/")


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"ok": True})
