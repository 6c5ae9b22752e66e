"""What the workflow makes of a snapshot at publication, for the bulk path.

``alerts.workflow._publish`` passes ``alerts.rendering.publication_fields(snapshot)``
to ``Publication.objects.create``. The bulk path calls the same function, here, for
every publication it writes; only ``search_document`` is set apart, because on
PostgreSQL it is an SQL expression that COPY cannot carry (bulk.py writes it after
each batch's COPY, with the expression ``alerts.rendering.search_document`` makes).

Rendering costs about 10 ms a publication (Markdown and the content template), as
much as building and writing the rest of an alert, so it can run in worker processes
while the seeding process goes on building alerts (``Renderer(processes=N)``).
"""

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

from alerts.rendering import publication_fields


def rendered_fields(snapshot):
    """``publication_fields(snapshot)`` without ``search_document`` (see above)."""
    fields = publication_fields(snapshot)
    del fields["search_document"]
    # Plain str, as the columns give them back: a SafeString would cross the process
    # boundary as a pickled object for nothing.
    return {
        name: str.__str__(value) if isinstance(value, str) else value
        for name, value in fields.items()
    }


class _Done:
    """A result that is already there: the interface of a Future, rendered in-process."""

    def __init__(self, value):
        self._value = value

    def result(self):
        return self._value


class Renderer:
    """Renders snapshots in this process (``processes=0``) or in a pool of workers.

    The workers are forked from this process, so they render with exactly its
    settings, templates and URLconf; they never touch the database (rendering reads
    only the snapshot). They are all started here, at once, before the caller starts
    any thread of its own (the bulk path's writer thread): forking a process that
    runs other threads can copy a lock some thread holds. A forked worker inherits
    the open database connections and must not close them (that would end the
    parent's session); it does not: it exits with ``os._exit`` as every
    multiprocessing child does, running no finalizers.
    """

    def __init__(self, processes=0):
        self.processes = processes
        self.pool = None
        if processes > 0:
            self.pool = ProcessPoolExecutor(
                max_workers=processes, mp_context=multiprocessing.get_context("fork")
            )
            # With "fork" the executor starts every worker at the first submit.
            self.pool.submit(int).result()

    def submit(self, snapshot):
        """A future of ``rendered_fields(snapshot)``."""
        if self.pool is None:
            return _Done(rendered_fields(snapshot))
        return self.pool.submit(rendered_fields, snapshot)

    def close(self):
        if self.pool is not None:
            pool, self.pool = self.pool, None
            pool.shutdown(cancel_futures=True)
