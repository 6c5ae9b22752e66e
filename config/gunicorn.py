"""gunicorn's settings for this site, besides the command line's (docs/deploy.md):

gunicorn -c config/gunicorn.py config.wsgi --bind 127.0.0.1:8000 --workers 4
"""

import gc


def post_worker_init(worker):
    """Take what loading the site made out of the garbage collector's sight.

    Modules, models, URL patterns and the like live as long as the worker, and each
    full collection walked them all again: at 100,000 alerts about one uncached
    page in fifty paid a 24 ms full collection, half again its usual time. Frozen,
    they are never scanned; a full collection looks only at what requests made.
    """
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 -- imports the URLconf and the views now
    gc.collect()
    gc.freeze()
