"""Database functions the ORM lacks, written for both PostgreSQL and SQLite."""

from django.db.models import FloatField, Func


class DayNumber(Func):
    """Days since 1970-01-01 of a date column, so dates can be subtracted and divided.

    PostgreSQL gives an integer (date minus date); SQLite gives a whole-valued real,
    which keeps SQLite's division from truncating.
    """

    output_field = FloatField()
    arity = 1

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template="(%(expressions)s - DATE '1970-01-01')",
            **extra_context,
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template="(julianday(%(expressions)s) - 2440587.5)",
            **extra_context,
        )


class Real(Func):
    """A number as the database divides it without truncating: unchanged on
    PostgreSQL (numeric), a real on SQLite, where whole baht are stored as integers
    and ``integer / integer`` drops the fraction."""

    arity = 1

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template="%(expressions)s")

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler, connection, template="CAST(%(expressions)s AS REAL)"
        )
