"""Static files are compressed once, by collectstatic, never per request."""

import gzip

import brotli
from django.core.management import call_command
from django.test import override_settings


def test_collectstatic_keeps_gzip_and_brotli_copies_of_every_text_file(tmp_path):
    storage = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=storage):
        call_command("collectstatic", interactive=False, verbosity=0)

    stylesheets = [p for p in tmp_path.rglob("*.css") if p.suffix == ".css"]
    assert stylesheets, "collectstatic copied no stylesheet: the test proves nothing"
    for css in stylesheets:
        original = css.read_bytes()
        assert gzip.decompress(css.with_name(css.name + ".gz").read_bytes()) == original
        assert brotli.decompress(css.with_name(css.name + ".br").read_bytes()) == original
