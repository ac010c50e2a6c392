"""Many rows of one model in one statement, for the socket's hot path on PostgreSQL.

``QuerySet.bulk_create`` sends one parameter per row and column, and prepares and
quotes each one in Python: for 200 patient messages (18 columns) that is 3,600
values, most of them the same default in every row, and it was the largest part of
the web process's CPU when a burst was stored. ``bulk_insert`` sends a column whose
value is the same in every row once, and each other column as one array, in
``INSERT … SELECT … FROM unnest(…)``. Values are prepared by the fields themselves
(``pre_save`` with ``add=True``, then ``get_db_prep_save``), as ``bulk_create`` does,
so defaults, ``auto_now_add`` and JSON are the model's own.

Rows come back in the order given, as ``bulk_create`` relies on for a multi-row
``VALUES``: ``unnest`` yields its elements in order and a plain ``INSERT … SELECT``
inserts and returns them in that order. A test holds this.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar, cast

from django.db import connections, models, router

M = TypeVar("M", bound=models.Model)


def bulk_insert(objs: Sequence[M]) -> list[M]:
    """Insert ``objs`` (unsaved instances of one model with an automatic primary key)
    and set their primary keys. Same contract as ``bulk_create`` without options: no
    signals, no ``save()``. Any database but PostgreSQL gets ``bulk_create``."""
    if not objs:
        return []
    model = type(objs[0])
    meta = model._meta
    alias = router.db_for_write(model)
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return model._default_manager.using(alias).bulk_create(objs)
    fields = [f for f in meta.concrete_fields if f is not meta.pk]
    selects: list[str] = []
    scalars: list[Any] = []
    arrays: list[list[Any]] = []
    array_types: list[str] = []
    for field in fields:
        raw = [field.pre_save(obj, True) for obj in objs]
        db_type = field.db_type(connection)
        if all(value == raw[0] and type(value) is type(raw[0]) for value in raw):
            selects.append(f"%s::{db_type}")
            scalars.append(field.get_db_prep_save(raw[0], connection))
        else:
            selects.append(f"u.c{len(arrays)}")
            arrays.append([field.get_db_prep_save(value, connection) for value in raw])
            array_types.append(f"%s::{db_type}[]")
    if arrays:
        names = ", ".join(f"c{i}" for i in range(len(arrays)))
        source = f"unnest({', '.join(array_types)}) AS u({names})"
    else:  # every column the same in every row
        source = "generate_series(1, %s)"
        arrays_params: list[Any] = [len(objs)]
    # Only the model's own table and column names (quoted) and type names are formatted
    # into the statement; every value is a parameter.
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(f.column)) for f in fields)
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) "  # noqa: S608
        f"SELECT {', '.join(selects)} FROM {source} RETURNING {quote(str(meta.pk.column))}"
    )
    params = [*scalars, *(arrays if arrays else arrays_params)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        pks = [row[0] for row in cursor.fetchall()]
    if len(pks) != len(objs):  # cannot happen without ON CONFLICT; never hand out wrong ids
        raise RuntimeError(f"inserted {len(pks)} rows for {len(objs)} objects")
    for obj, pk in zip(objs, pks, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = alias
    return list(objs)


def rows_matching(model: type[M], first: str, second: str, pairs: set[tuple[Any, Any]]) -> list[M]:
    """The rows of ``model`` whose (``first``, ``second``) columns are one of ``pairs``
    (field names, e.g. a conversation and a client id). On PostgreSQL two array
    parameters, not one parameter per value: under a burst, building and quoting 400
    parameters cost the web process more than the query."""
    if not pairs:
        return []
    meta = model._meta
    connection = connections[router.db_for_read(model)]
    fields = [cast("models.Field[Any, Any]", meta.get_field(name)) for name in (first, second)]
    if connection.vendor != "postgresql":
        found = model._default_manager.filter(
            **{f"{first}__in": {a for a, _ in pairs}, f"{second}__in": {b for _, b in pairs}}
        )
        return [
            row
            for row in found
            if (getattr(row, fields[0].attname), getattr(row, fields[1].attname)) in pairs
        ]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(f.column)) for f in fields)
    types = ", ".join(f"%s::{f.db_type(connection)}[]" for f in fields)
    firsts, seconds = zip(*sorted(pairs), strict=True)
    return list(
        model._default_manager.raw(
            # Names from the model's own fields (quoted) and type names; values are parameters.
            f"SELECT * FROM {quote(meta.db_table)} WHERE ({columns}) IN (SELECT * FROM unnest({types}))",  # noqa: S608
            [list(firsts), list(seconds)],
        )
    )
