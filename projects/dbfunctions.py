"""Database functions the ORM lacks, written for both PostgreSQL and SQLite."""

from django.db.models import DecimalField, FloatField, Func


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


class AsReal(Func):
    """A number unchanged; on SQLite made REAL, so that dividing two whole
    numbers keeps the decimals (SQLite divides integers as integers)."""

    template = "%(expressions)s"
    output_field = DecimalField(max_digits=20, decimal_places=4)

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler, connection, template="(%(expressions)s * 1.0)", **extra_context
        )
