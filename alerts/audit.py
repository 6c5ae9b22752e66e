"""The audit trail's hash chain: every WorkflowEvent seals the one before it.

Each event stores its ``position`` (1, 2, 3 …), the ``previous_hash`` of the event
before it (GENESIS for the first) and its own ``hash``: the SHA-256 of a canonical
serialisation of its content and the previous hash (``digest``). Changing any past
event changes its hash, and with it every later one; so a reader who kept a copy of
the head (the last hash and the count, published at /audit/ and in the API) can ask
``manage.py verify_audit --head HASH`` whether that head is still in the chain, even
after someone with database rights rewrote the rows and recomputed every later hash.

Events are chained in one place, ``WorkflowEvent.save`` (``append``), under a lock on
the one-row AuditHead, so concurrent transitions queue for their place instead of
forking the chain; unique constraints on the position and the previous hash refuse a
fork even if the lock were bypassed.
"""

import datetime
import hashlib
import json
from dataclasses import dataclass

from django.db import transaction

# What the first event chains from.
GENESIS = "0" * 64

# The fields an event's hash covers, besides the previous hash. The database id is not
# among them: it is known only after the insert, and the position orders the chain.
# Changing this list (or ``digest``) breaks every existing chain: it is a format.
CHAINED_FIELDS = (
    "position",
    "alert_ref",
    "alert_title",
    "action",
    "actor_ref",
    "actor_name",
    "submission_ref",
    "publication_ref",
    "from_state",
    "to_state",
    "comment",
    "created_at",
)


def canonical(values, previous_hash):
    """The bytes an event's hash is taken of: its chained fields and the previous hash,
    as JSON with sorted keys and no spaces, the time in UTC to the millisecond: the
    documented backup (dumpdata, docs/deploy.md) keeps times to the millisecond
    (DjangoJSONEncoder), and a restored chain must still verify."""
    content = {name: values[name] for name in CHAINED_FIELDS}
    created_at = content["created_at"]
    if isinstance(created_at, datetime.datetime):
        content["created_at"] = created_at.astimezone(datetime.UTC).isoformat(
            timespec="milliseconds"
        )
    content["previous_hash"] = previous_hash
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def digest(values, previous_hash):
    return hashlib.sha256(canonical(values, previous_hash)).hexdigest()


def values_of(event):
    return {name: getattr(event, name) for name in CHAINED_FIELDS}


def lock_head(using=None):
    """The chain's head, locked until the end of the caller's transaction."""
    from .models import AuditHead

    head, _ = (
        AuditHead.objects.using(using)
        .select_for_update()
        .get_or_create(pk=AuditHead.ONLY, defaults={"count": 0, "hash": GENESIS})
    )
    return head


def append(event, insert, using=None):
    """Give ``event`` the next place in the chain and ``insert`` it, in one transaction
    with the head's move, so the head never names an event that is not there."""
    with transaction.atomic(using=using):
        head = lock_head(using)
        event.position = head.count + 1
        event.previous_hash = head.hash
        event.hash = digest(values_of(event), head.hash)
        insert()
        head.count, head.hash = event.position, event.hash
        head.save(update_fields=["count", "hash"])


@dataclass
class Head:
    count: int
    hash: str


def current_head():
    """The committed head: what readers are invited to keep."""
    from .models import AuditHead

    head = AuditHead.objects.filter(pk=AuditHead.ONLY).first()
    if head is None:
        return Head(0, GENESIS)
    return Head(head.count, head.hash)


@dataclass
class Break:
    """The first link that does not hold."""

    position: int
    event_id: int | None
    problem: str


@dataclass
class Verification:
    count: int  # events that chain correctly, from the first
    head: str  # the hash of the last of them
    broken: Break | None = None
    # Where a remembered head hash was found in the chain (0: the genesis), or None.
    remembered_at: int | None = None


def verify(*, remembered=None, chunk_size=2000):
    """Walk the chain in order, streaming the rows, and recompute every link; stop at
    the first that does not hold. With ``remembered`` (a head hash a reader kept), also
    say where in the chain it is, if it is."""
    from .models import WorkflowEvent

    result = Verification(0, GENESIS, remembered_at=0 if remembered == GENESIS else None)
    rows = WorkflowEvent.objects.order_by("position").values_list(
        "pk", "previous_hash", "hash", *CHAINED_FIELDS
    )
    for pk, stored_previous, stored_hash, *fields in rows.iterator(chunk_size=chunk_size):
        values = dict(zip(CHAINED_FIELDS, fields, strict=True))
        position = result.count + 1
        if values["position"] != position:
            problem = (
                f"position {values['position']} where {position} was expected "
                "(an event is missing or was inserted)"
            )
        elif stored_previous != result.head:
            problem = (
                f"its previous hash {stored_previous} is not the hash before it, "
                f"{result.head} (an earlier event was changed or removed)"
            )
        elif (recomputed := digest(values, result.head)) != stored_hash:
            problem = (
                f"its content hashes to {recomputed}, not to its stored hash {stored_hash} "
                "(the event was changed after it was written)"
            )
        else:
            result.count, result.head = position, stored_hash
            if stored_hash == remembered:
                result.remembered_at = position
            continue
        result.broken = Break(position, pk, problem)
        return result
    # Events removed from the end leave a chain that holds: the head row still counts them.
    head = current_head()
    if (head.count, head.hash) != (result.count, result.head):
        result.broken = Break(
            result.count + 1,
            None,
            f"the recorded head ({head.count} events, {head.hash}) is not the end of the "
            f"chain ({result.count} events, {result.head}): events were removed or added "
            "without moving it",
        )
    return result
