"""The floor: a constant ~2 KB HTML response through the full settings and middleware.

Every page the throughput benchmark measures is reported as a ratio to this view,
so the ratio shows what our own code costs on top of Django itself. Routed only
by the benchmarks' settings (bench/settings.py, bench/urls.py).
"""

from django.http import HttpResponse

_PARAGRAPH = (
    "<p>This page is the benchmark floor: a constant response of about two kilobytes, "
    "served by Django through the same settings and middleware as every other page, "
    "without touching the database or a template.</p>\n"
)
BODY = (
    "<!doctype html>\n<html lang=en><head><meta charset=utf-8><title>Floor</title></head>\n"
    "<body><main><h1>Benchmark floor</h1>\n" + _PARAGRAPH * 9 + "</main></body></html>\n"
).encode()


def floor(request):
    return HttpResponse(BODY, content_type="text/html; charset=utf-8")
