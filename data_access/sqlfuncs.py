"""Portable SQL expressions for local calendar fields and durations (SQLite and PostgreSQL).

Statistics count days and hours in China Standard Time (UTC+8, no daylight saving), the
time of every 数字城管 platform; timestamps are stored as naive UTC.
"""
from __future__ import annotations

from sqlalchemy import Date, Float, Integer
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from .clock import LOCAL_HOURS


class local_date(FunctionElement):
    """The local calendar date of a naive-UTC timestamp."""
    type = Date()
    inherit_cache = True


class local_hour(FunctionElement):
    """The local hour of day, 0-23."""
    type = Integer()
    inherit_cache = True


class local_weekday(FunctionElement):
    """The local day of the week, Monday = 0 ... Sunday = 6."""
    type = Integer()
    inherit_cache = True


class minutes_between(FunctionElement):
    """Minutes from the first timestamp to the second."""
    type = Float()
    inherit_cache = True


def _arg(compiler, element, i=0, **kw):
    return compiler.process(list(element.clauses)[i], **kw)


@compiles(local_date, "sqlite")
def _sqlite_date(element, compiler, **kw):
    return f"date({_arg(compiler, element, **kw)}, '+{LOCAL_HOURS} hours')"


@compiles(local_date, "postgresql")
def _pg_date(element, compiler, **kw):
    return f"CAST(({_arg(compiler, element, **kw)} + INTERVAL '{LOCAL_HOURS} hours') AS DATE)"


@compiles(local_hour, "sqlite")
def _sqlite_hour(element, compiler, **kw):
    return f"CAST(strftime('%H', {_arg(compiler, element, **kw)}, '+{LOCAL_HOURS} hours') AS INTEGER)"


@compiles(local_hour, "postgresql")
def _pg_hour(element, compiler, **kw):
    return f"CAST(EXTRACT(HOUR FROM {_arg(compiler, element, **kw)} + INTERVAL '{LOCAL_HOURS} hours') AS INTEGER)"


@compiles(local_weekday, "sqlite")
def _sqlite_weekday(element, compiler, **kw):
    return f"((CAST(strftime('%w', {_arg(compiler, element, **kw)}, '+{LOCAL_HOURS} hours') AS INTEGER) + 6) % 7)"


@compiles(local_weekday, "postgresql")
def _pg_weekday(element, compiler, **kw):
    return f"(CAST(EXTRACT(ISODOW FROM {_arg(compiler, element, **kw)} + INTERVAL '{LOCAL_HOURS} hours') AS INTEGER) - 1)"


@compiles(minutes_between, "sqlite")
def _sqlite_minutes(element, compiler, **kw):
    a, b = _arg(compiler, element, 0, **kw), _arg(compiler, element, 1, **kw)
    return f"((julianday({b}) - julianday({a})) * 1440.0)"


@compiles(minutes_between, "postgresql")
def _pg_minutes(element, compiler, **kw):
    a, b = _arg(compiler, element, 0, **kw), _arg(compiler, element, 1, **kw)
    return f"(EXTRACT(EPOCH FROM ({b} - {a})) / 60.0)"
