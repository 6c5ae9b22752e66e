"""The bulk path: the same alerts as the workflow path, written as rows in batches.

Why it exists: publishing through ``alerts.workflow`` costs about 120-140 ms a
publication (locks, escalation checks, rendering, the succession tables, one
statement per row), so 100,000 alerts would take about six hours; this path takes
about half an hour (bench/README.md, "seed.py").

Nothing here invents a shape of its own:

- model instances are built in memory and the snapshot is made by
  ``alerts.snapshot.snapshot_of`` itself (what ``build_snapshot`` runs on an alert
  it read), hashed by ``snapshot_hash``. The alert's related lists are handed to it
  in ``_prefetched_objects_cache``, where Django keeps what ``prefetch_related``
  fetched: a private attribute of Django's, and the only way to give it objects
  that are not in the database yet. It is used here, in the benchmarks, never in
  the application; a Django upgrade that changes it makes the tests below fail,
  not the site;
- each reversion Version holds the object serialized as django-reversion stores it
  (Django's JSON serializer format: ``[{"model", "pk", "fields"}]``, many-to-many as
  pks in the related model's order) with ``object_repr = str(obj)``; one Revision per
  save holds the alert and every object it follows, as ``follow=`` produces;
- Submissions, Approvals, Publications, PublishedDeterminations, PublishedCountries,
  Withdrawals and WorkflowEvents carry the values ``alerts.workflow`` would write, including who
  must approve: escalations are computed against the determinations published
  so far, in publication order, as ``workflow.escalations`` does;
- each Publication's columns made from its snapshot are
  ``alerts.rendering.publication_fields(snapshot)``, as the workflow passes them
  (render.py; in worker processes if asked). On PostgreSQL the search document is
  an SQL expression, which COPY cannot carry: it is written by one UPDATE per
  batch, in the batch's transaction, with the expression
  ``alerts.rendering.search_document`` makes of the stored snapshot
  (``write_search_documents``);
- Supersessions are ``alerts.succession.supersessions_for`` of each alert's
  publications, written with the batch; CountrySpans depend on every alert rating
  a country, so seed.py has ``alerts.succession`` make them once, at the end.

tests/bench/test_seed_synthetic.py checks the result against the workflow path and
against Django's own serializer and ``build_snapshot`` on the stored rows.

Rows get ids reserved up front (a sequence on PostgreSQL, the table's maximum
elsewhere) and are written per table with COPY on PostgreSQL, executemany
elsewhere. Times are historical: alert ``index`` is published at
``EPOCH + index * SLOT``, updates twenty minutes apart, so time order is index order.
"""

import datetime
import json
from collections import defaultdict

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, router, transaction
from reversion.models import Revision, Version

from alerts import audit, succession, workflow
from alerts.models import (
    Alert,
    Approval,
    ChangeKind,
    Citation,
    Level,
    Publication,
    PublishedCountry,
    PublishedDetermination,
    Recommendation,
    StageEvidence,
    StageRating,
    Submission,
    Supersession,
    Withdrawal,
    WorkflowEvent,
)
from alerts.rendering import search_document
from alerts.snapshot import snapshot_hash, snapshot_of

from . import plan as p
from .render import Renderer

MINUTE = datetime.timedelta(minutes=1)

# Children in the order the workflow path creates them (and reversion follows them).
CHILD_MODELS = (Citation, StageRating, StageEvidence, Recommendation)
_RELATED_NAME = {
    Citation: "citations",
    StageRating: "ratings",
    StageEvidence: "evidence",
    Recommendation: "recommendations",
}


# --- Serialization as django-reversion stores it ---------------------------------------


class VersionSerializer:
    """Django's "json" serializer output for one object, without its per-call overhead.

    Same fields (local concrete fields that serialize, then many-to-many), same
    values (raw foreign key ids, dates by DjangoJSONEncoder), same separators,
    same trailing newline. A test compares it with ``serializers.serialize``.
    """

    def __init__(self, model):
        opts = model._meta.concrete_model._meta
        self.label = opts.label_lower
        self.fields = [(f.name, f.attname) for f in opts.local_fields if f.serialize]
        self.m2m = [f.name for f in opts.local_many_to_many if f.serialize]

    def __call__(self, obj, m2m_pks=None):
        fields = {name: getattr(obj, attname) for name, attname in self.fields}
        for name in self.m2m:
            fields[name] = m2m_pks[name]
        return (
            json.dumps(
                [{"model": self.label, "pk": obj.pk, "fields": fields}],
                cls=DjangoJSONEncoder,
                ensure_ascii=False,
            )
            + "\n"
        )


# --- Rows, ids and writing -------------------------------------------------------------


class Table:
    """Rows for one table, in its concrete field order."""

    def __init__(self, model):
        self.model = model
        self.fields = list(model._meta.concrete_fields)
        self.attnames = [f.attname for f in self.fields]
        self.json = [isinstance(f, models.JSONField) for f in self.fields]
        self.rows = []

    def add(self, obj):
        self.rows.append(tuple(getattr(obj, a) for a in self.attnames))

    def add_values(self, **values):
        self.rows.append(tuple(values[a] for a in self.attnames))


class IdAllocator:
    """Primary keys reserved before writing, so rows can refer to each other."""

    BLOCK = 5000

    def __init__(self):
        self.free = defaultdict(list)
        self._highest = {}

    def reset(self):
        self.free.clear()
        self._highest.clear()

    def next(self, model):
        free = self.free[model]
        if not free:
            free.extend(reversed(self._reserve(model, self.BLOCK)))
        return free.pop()

    def _reserve(self, model, n):
        table = model._meta.db_table
        pk = model._meta.pk.column
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # One row back instead of n: the ids are contiguous unless someone else
                # drew from the sequence meanwhile, and then we take the list itself.
                cursor.execute(
                    "SELECT min(v), max(v), count(*) FROM (SELECT nextval("
                    "pg_get_serial_sequence(%s, %s)) AS v FROM generate_series(1, %s)) AS s",
                    [connection.ops.quote_name(table), pk, n],
                )
                low, high, count = cursor.fetchone()
                if high - low + 1 == count:
                    return list(range(low, high + 1))
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [connection.ops.quote_name(table), pk, n],
                )
                return [row[0] for row in cursor.fetchall()]
            # SQLite and others: above the largest id used so far, in this transaction.
            # A new batch starts from the table again (reset()), so unused ids are not lost.
            cursor.execute(
                f"SELECT MAX({connection.ops.quote_name(pk)}) FROM {connection.ops.quote_name(table)}"
            )
            top = cursor.fetchone()[0] or 0
            if connection.vendor == "sqlite":
                cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
                row = cursor.fetchone()
                top = max(top, row[0] if row else 0)
            start = max(top, self._highest.get(model, 0)) + 1
            self._highest[model] = start + n - 1
            return list(range(start, start + n))


def write_tables(tables):
    """Write every table's rows: COPY on PostgreSQL, executemany elsewhere."""
    qn = connection.ops.quote_name
    dumped = {}  # a snapshot is stored twice (submission, publication): encode it once

    def to_json(value):
        key = id(value)
        if key not in dumped:
            dumped[key] = (value, json.dumps(value))
        return dumped[key][1]

    with connection.cursor() as cursor:
        for table in tables:
            if not table.rows:
                continue
            name = qn(table.model._meta.db_table)
            columns = ", ".join(qn(f.column) for f in table.fields)
            if connection.vendor == "postgresql":
                json_columns = [i for i, is_json in enumerate(table.json) if is_json]
                with cursor.cursor.copy(f"COPY {name} ({columns}) FROM STDIN") as copy:
                    for row in table.rows:
                        if json_columns:
                            row = list(row)
                            for i in json_columns:
                                row[i] = to_json(row[i])
                        copy.write_row(row)
            else:
                fields = table.fields
                placeholders = ", ".join(["%s"] * len(fields))
                cursor.executemany(
                    f"INSERT INTO {name} ({columns}) VALUES ({placeholders})",
                    [
                        [
                            f.get_db_prep_save(v, connection)
                            for f, v in zip(fields, row, strict=True)
                        ]
                        for row in table.rows
                    ],
                )
            table.rows = []


def write_search_documents(publication_ids):
    """Set the search document of the publications just written (PostgreSQL; it
    stays NULL elsewhere): one UPDATE for them all, each row set to the expression
    ``alerts.rendering.search_document(snapshot)``, as the workflow inserts it.

    The snapshot is the one stored, read back, as the workflow's is (``_publish``
    takes ``submission.snapshot`` from the database): the document depends on the
    order of the keys in the snapshot's rows, and a jsonb column keeps them in an
    order of its own, not ``snapshot_of``'s.

    Publication's own manager refuses updates (publications are immutable), so the
    UPDATE goes through a plain QuerySet; it runs in the transaction that inserted
    the rows, so no reader ever sees them without their document.
    """
    if connection.vendor != "postgresql" or not publication_ids:
        return
    stored = Publication.objects.filter(pk__in=publication_ids).values_list("pk", "snapshot")
    rows = [
        Publication(pk=pk, search_document=search_document(snapshot)) for pk, snapshot in stored
    ]
    models.QuerySet(Publication).bulk_update(rows, ["search_document"])


def chain_events(table):
    """Give the batch's events their places in the audit chain, in the order they were
    made, as ``WorkflowEvent.save`` does one at a time: under the head's lock, taken in
    the batch's transaction, and with the head moved in it (alerts/audit.py)."""
    if not table.rows:
        return
    head = audit.lock_head()
    rows = []
    for row in table.rows:
        values = dict(zip(table.attnames, row, strict=True))
        values["position"], values["previous_hash"] = head.count + 1, head.hash
        values["hash"] = audit.digest(values, head.hash)
        head.count, head.hash = values["position"], values["hash"]
        rows.append(tuple(values[name] for name in table.attnames))
    table.rows = rows
    head.save(update_fields=["count", "hash"])


def write_batch_rows(tables, publication_ids=()):
    """One batch, one transaction: it is there completely or not at all."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Do not wait for each batch's WAL to reach the disk. A crash can lose the
            # last batches, never half of one, and running the command again restores them.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO off")
        for table in tables:
            if table.model is WorkflowEvent:
                chain_events(table)
        write_tables(tables)
        write_search_documents(publication_ids)


class Pipeline:
    """Writes batch k on a second connection while batch k+1 is being built.

    Building is Python, writing is mostly PostgreSQL's work; on two cores the
    overlap nearly halves the time. Used only on PostgreSQL outside a transaction
    (a test's transaction would be invisible to the second connection).
    """

    def __init__(self):
        from concurrent.futures import ThreadPoolExecutor

        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="seed-writer")
        self.pending = None

    def submit(self, tables, publication_ids):
        self.wait()
        self.pending = self.executor.submit(write_batch_rows, tables, publication_ids)

    def wait(self):
        if self.pending is not None:
            pending, self.pending = self.pending, None
            pending.result()  # re-raises the writer's error here

    def close(self):
        try:
            self.wait()
        finally:
            # Evaluated in the writer thread: its own connection, not this one.
            self.executor.submit(lambda: connection.close()).result()
            self.executor.shutdown()


# --- Who must approve: the published determinations so far ------------------------------


class PublishedStages:
    """Each country's highest stage in its latest live publication, as publishing proceeds.

    Mirrors ``workflow.current_highest_stages``: the newest live publication that
    rates a country decides, and a withdrawn alert's publications no longer count.
    Starts from what the database says now.
    """

    def __init__(self, slugs):
        self.baseline = workflow.current_highest_stages(slugs)
        self.history = defaultdict(list)  # slug -> [(alert id, highest stage)], oldest first
        self.withdrawn = set()

    def current(self, slug):
        for alert_id, stage in reversed(self.history[slug]):
            if alert_id not in self.withdrawn:
                return stage
        return self.baseline.get(slug)

    def published(self, alert_id, snapshot):
        for slug, stage in _highest(snapshot).items():
            self.history[slug].append((alert_id, stage))


def _highest(snapshot):
    highest = {}
    for rating in snapshot["ratings"]:
        highest[rating["country"]] = max(highest.get(rating["country"], 0), rating["stage"])
    return highest


# --- The writer -----------------------------------------------------------------------


class BulkWriter:
    def __init__(self, *, editor, reviewers, countries, sources, stages, render_processes=0):
        self.editor = editor
        self.reviewers = reviewers
        self.countries = countries
        self.sources = sources
        self.stages = stages
        self.ids = IdAllocator()
        self.db = router.db_for_write(Alert)
        self.content_types = {
            model: ContentType.objects.get_for_model(model).pk for model in (Alert, *CHILD_MODELS)
        }
        self.serializers = {model: VersionSerializer(model) for model in (Alert, *CHILD_MODELS)}
        self.countries_by_slug = {c.slug: c for c in countries.values()}
        self.stages_published = PublishedStages(list(self.countries_by_slug))
        self.through = Alert.countries.through
        self.tables = {
            model: Table(model)
            for model in (
                Revision,
                Alert,
                self.through,
                *CHILD_MODELS,
                Version,
                Submission,
                Approval,
                Publication,
                Supersession,
                PublishedDetermination,
                PublishedCountry,
                Withdrawal,
                WorkflowEvent,
            )
        }
        # Publications of this batch waiting for their rendered columns: [(obj, future)].
        self.unrendered = []
        self.touched = False
        self.pipeline = None
        # Before the writer thread exists: the renderer forks its workers now.
        self.renderer = Renderer(render_processes)

    def write_batch(self, plans):
        """Build and write whole alerts; each batch commits on its own."""
        if connection.vendor != "postgresql" or connection.in_atomic_block:
            with transaction.atomic():
                self.ids.reset()
                for plan in plans:
                    self._alert(plan)
                publication_ids = self._add_publications()
                write_batch_rows(self.tables.values(), publication_ids)
        else:
            if self.pipeline is None:
                self.pipeline = Pipeline()
            for plan in plans:
                self._alert(plan)
            publication_ids = self._add_publications()
            # Hand the rows over and start on fresh tables for the next batch.
            self.pipeline.submit(list(self.tables.values()), publication_ids)
            self.tables = {model: Table(model) for model in self.tables}
        self.touched = True

    def _add_publications(self):
        """The batch's publications with their rendered columns, into their table.

        Returns their ids: their search documents are written after them.
        """
        ids = []
        for publication, rendered in self.unrendered:
            for name, value in rendered.result().items():
                setattr(publication, name, value)
            self.tables[Publication].add(publication)
            ids.append(publication.pk)
        self.unrendered = []
        return ids

    def close(self):
        """Wait for the last batch to be written (or fail); always stop the writer
        and the renderer's workers."""
        try:
            if self.pipeline is not None:
                pipeline, self.pipeline = self.pipeline, None
                pipeline.close()
        finally:
            self.renderer.close()

    def analyze(self):
        if self.touched and connection.vendor == "postgresql":
            # Fresh statistics, so the planner sees 100,000 alerts, not an empty table.
            with connection.cursor() as cursor:
                for model in self.tables:
                    cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")

    # -- one alert --

    def _alert(self, plan):
        editor = self.editor
        publish_times = [
            plan.slot_time + k * p.UPDATE_SPACING for k in range(len(plan.updates) + 1)
        ]
        edited = publish_times[0] - 15 * MINUTE
        alert = Alert(
            id=self.ids.next(Alert),
            title=plan.title,
            slug=plan.slug,
            level=plan.level,
            issued_on=plan.issued_on,
            summary=plan.summary,
            background=plan.background,
            legal_analysis=plan.legal_analysis,
            assessment=plan.assessment,
            created_at=edited,
            updated_at=edited,
            created_by_id=editor.pk,
        )
        country_objs = [self.countries[n] for n in plan.countries]
        for country in country_objs:
            self.tables[self.through].add_values(
                id=self.ids.next(self.through), alert_id=alert.pk, country_id=country.pk
            )
        children = {
            Citation: [
                Citation(
                    id=self.ids.next(Citation),
                    alert_id=alert.pk,
                    source=self.sources[c.source],
                    number=c.number,
                    locator=c.locator,
                    quote=c.quote,
                )
                for c in plan.citations
            ],
            StageRating: [self._rating(alert, r) for r in plan.ratings],
            StageEvidence: [
                StageEvidence(
                    id=self.ids.next(StageEvidence),
                    alert_id=alert.pk,
                    stage=self.stages[e.stage],
                    country=self.countries[e.country] if e.country else None,
                    period=e.period,
                    text=e.text,
                    position=e.position,
                )
                for e in plan.evidence
            ],
            Recommendation: [
                Recommendation(
                    id=self.ids.next(Recommendation),
                    alert_id=alert.pk,
                    position=r.position,
                    addressee=r.addressee,
                    action=r.action,
                )
                for r in plan.recommendations
            ],
        }
        alert._prefetched_objects_cache = {"countries": country_objs} | {
            _RELATED_NAME[model]: objs for model, objs in children.items()
        }
        versions_cache = {}
        revision_id = self._revision(alert, children, versions_cache, edited, p.CREATE_COMMENT)
        if plan.fate == "draft":
            self._add_objects(alert, children)
            return

        last_level = None
        state = "draft"
        publications = []
        for k, when in enumerate(publish_times):
            if k > 0:
                update = plan.updates[k - 1]
                edited = when - 15 * MINUTE
                alert.level = update.level
                alert.assessment += update.addendum
                alert.updated_at = edited
                if update.new_rating:
                    children[StageRating].append(self._rating(alert, update.new_rating))
                    alert._prefetched_objects_cache["ratings"] = children[StageRating]
                revision_id = self._revision(
                    alert, children, versions_cache, edited, p.UPDATE_COMMENT
                )
                kind, note = update.change_kind, update.change_note
            else:
                kind, note = ChangeKind.FIRST.value, ""
            snapshot = snapshot_of(alert)
            submission, approvals_required = self._submission(
                alert, snapshot, revision_id, kind, note, when, last_level
            )
            self._event(
                alert,
                WorkflowEvent.Action.SUBMITTED,
                editor,
                when - 10 * MINUTE,
                submission=submission,
                frm=state,
                to="in_review",
                comment=note,
            )
            if plan.fate == "pending":
                self.tables[Submission].add(submission)
                break
            publications.append(
                self._approve_and_publish(
                    alert, submission, snapshot, approvals_required, when, number=k + 1
                )
            )
            last_level = snapshot["level"]
            state = "published_with_changes"
        if plan.fate == "withdrawn":
            when = publish_times[-1] + 10 * MINUTE
            reviewer = self.reviewers[0]
            self.tables[Withdrawal].add(
                Withdrawal(
                    id=self.ids.next(Withdrawal),
                    alert_id=alert.pk,
                    last_number=publications[-1].number,
                    reason=plan.withdrawal_reason,
                    withdrawn_by_id=reviewer.pk,
                    withdrawn_at=when,
                )
            )
            self._event(
                alert,
                WorkflowEvent.Action.WITHDRAWN,
                reviewer,
                when,
                publication=publications[-1] if publications else None,
                frm="published",
                to="withdrawn",
                comment=plan.withdrawal_reason,
            )
            self.stages_published.withdrawn.add(alert.pk)
        for row in succession.supersessions_for(publications):
            self.tables[Supersession].add(row)
        self._add_objects(alert, children)

    def _rating(self, alert, r):
        return StageRating(
            id=self.ids.next(StageRating),
            alert_id=alert.pk,
            country=self.countries[r.country],
            stage=self.stages[r.stage],
            rationale=r.rationale,
        )

    def _add_objects(self, alert, children):
        """The working copy as it stands after its last save."""
        self.tables[Alert].add(alert)
        for model, objs in children.items():
            for obj in objs:
                self.tables[model].add(obj)

    def _revision(self, alert, children, versions_cache, when, comment):
        """One save: a Revision with the alert and every object it follows."""
        revision_id = self.ids.next(Revision)
        self.tables[Revision].add_values(
            id=revision_id, date_created=when, user_id=self.editor.pk, comment=comment
        )
        country_pks = [
            c.pk
            for c in sorted(
                alert._prefetched_objects_cache["countries"], key=lambda c: (c.name, c.pk)
            )
        ]
        self._version(
            Alert,
            alert,
            self.serializers[Alert](alert, {"countries": country_pks}),
            revision_id,
        )
        for model, objs in children.items():
            for obj in objs:
                # Children do not change after creation here, so their data is reused.
                key = (model, obj.pk)
                if key not in versions_cache:
                    versions_cache[key] = (self.serializers[model](obj), str(obj))
                data, text = versions_cache[key]
                self._version(model, obj, data, revision_id, text)
        return revision_id

    def _version(self, model, obj, data, revision_id, text=None):
        self.tables[Version].add_values(
            id=self.ids.next(Version),
            object_id=str(obj.pk),
            db=self.db,
            format="json",
            serialized_data=data,
            object_repr=str(obj) if text is None else text,
            content_type_id=self.content_types[model],
            revision_id=revision_id,
        )

    def _submission(self, alert, snapshot, revision_id, kind, note, when, last_level):
        reasons = []
        if snapshot["level"] == Level.EMERGENCY and (
            last_level is None or last_level < Level.EMERGENCY
        ):
            reasons.append("raises the level to Genocide Emergency")
        for slug, stage in sorted(_highest(snapshot).items()):
            current = self.stages_published.current(slug)
            if current is not None and stage > current:
                reasons.append(workflow.stage_raised(snapshot, slug, current, stage))
        submission = Submission(
            id=self.ids.next(Submission),
            alert_id=alert.pk,
            revision_id=revision_id,
            snapshot=snapshot,
            snapshot_hash=snapshot_hash(snapshot),
            submitted_by_id=self.editor.pk,
            submitted_at=when - 10 * MINUTE,
            change_kind=kind,
            change_note=note,
            go_live_at=None,
            status=Submission.Status.PENDING,
            approvals_required=2 if reasons else 1,
            escalation_reasons=reasons,
            decided_at=None,
        )
        return submission, submission.approvals_required

    def _approve_and_publish(self, alert, submission, snapshot, approvals_required, when, number):
        reviewers = self.reviewers[:approvals_required]
        for i, reviewer in enumerate(reviewers):
            approved_at = when if i == len(reviewers) - 1 else when - 5 * MINUTE
            self.tables[Approval].add(
                Approval(
                    id=self.ids.next(Approval),
                    submission_id=submission.pk,
                    reviewer_id=reviewer.pk,
                    comment="",
                    created_at=approved_at,
                )
            )
            if i < len(reviewers) - 1:
                self._event(
                    alert,
                    WorkflowEvent.Action.APPROVED,
                    reviewer,
                    approved_at,
                    submission=submission,
                    frm="in_review",
                    to="awaiting_second_approval",
                )
        submission.status = Submission.Status.PUBLISHED
        submission.decided_at = when
        self.tables[Submission].add(submission)
        publication = Publication(
            id=self.ids.next(Publication),
            alert_id=alert.pk,
            number=number,
            submission_id=submission.pk,
            snapshot=snapshot,
            snapshot_hash=submission.snapshot_hash,
            change_kind=submission.change_kind,
            change_note=submission.change_note,
            approvers=[r.get_username() for r in reviewers],
            published_at=when,
            go_live_at=when,
        )
        # Its columns made from the snapshot (title, slug, ..., content_html) come
        # from the renderer; the row is added to its table when they are there.
        self.unrendered.append((publication, self.renderer.submit(snapshot)))
        by_slug = self.countries_by_slug
        for r in snapshot["ratings"]:
            self.tables[PublishedDetermination].add_values(
                id=self.ids.next(PublishedDetermination),
                publication_id=publication.pk,
                alert_id=alert.pk,
                country_id=by_slug[r["country"]].pk,
                stage_id=r["stage"],
                go_live_at=when,
            )
        for c in snapshot["countries"]:
            self.tables[PublishedCountry].add_values(
                id=self.ids.next(PublishedCountry),
                publication_id=publication.pk,
                country_id=c["id"],
                name=c["name"],
                slug=c["slug"],
                iso_code=c["iso_code"],
                region=c["region"],
                aliases=c["aliases"],
                go_live_at=when,
            )
        self.stages_published.published(alert.pk, snapshot)
        self._event(
            alert,
            WorkflowEvent.Action.PUBLISHED,
            reviewers[-1],
            when,
            submission=submission,
            publication=publication,
            frm="in_review",
            to="published",
        )
        return publication

    def _event(self, alert, action, actor, when, *, submission=None, publication=None, **kw):
        self.tables[WorkflowEvent].add_values(
            id=self.ids.next(WorkflowEvent),
            alert_ref=alert.pk,
            alert_title=alert.title,
            action=action.value,
            actor_ref=actor.pk,
            actor_name=actor.get_username(),
            submission_ref=submission.pk if submission else None,
            publication_ref=publication.pk if publication else None,
            from_state=kw.get("frm", ""),
            to_state=kw.get("to", ""),
            comment=kw.get("comment", ""),
            created_at=when,
            # Their place in the audit chain is given when the batch is written.
            position=None,
            previous_hash=None,
            hash=None,
        )
