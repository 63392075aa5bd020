"""Load the demo: the seed project exactly, generated data and a login per role."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from projects import demo, generator
from projects.cache import bump_data_version
from projects.models import Department
from projects.thaicalendar import DateInputError

DEMO_SEED = 2563
DEMO_PROJECTS_PER_YEAR = 50
DEMO_FISCAL_YEARS = 3
DEMO_URL = "http://127.0.0.1:8000"


class Command(BaseCommand):
    help = (
        "Load the demo data: the seed project 21000000-3152 exactly as on the "
        f"original portal, {DEMO_PROJECTS_PER_YEAR} generated projects in each of "
        f"the last {DEMO_FISCAL_YEARS} fiscal years with their departments, plans, "
        "updates and KPIs, and a demo login for each role. Running it again changes "
        "nothing: the seed project, generated data and users already there are kept."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--today",
            metavar="YYYY-MM-DD",
            help="The date the data is generated as of (default: today in Bangkok).",
        )

    def handle(self, *args, **options) -> None:
        try:
            today = generator.as_of(options["today"])
        except DateInputError as error:
            raise CommandError(f"--today: cannot read {error.text!r}") from None
        with transaction.atomic():
            _project, created = demo.write_seed_project()
            self.stdout.write(
                f"Seed project {demo.SEED_PROJECT_CODE}: "
                + ("loaded" if created else "already there, kept as it is")
            )
            if generator.generated_data_exists():
                self.stdout.write("Generated data: already there, kept as it is")
                # A database made before budgets existed: its projects get theirs.
                generator.add_missing_money(seed=DEMO_SEED, log=self.stdout.write)
            else:
                generator.generate(
                    projects=DEMO_PROJECTS_PER_YEAR,
                    today=today,
                    seed=DEMO_SEED,
                    years=DEMO_FISCAL_YEARS,
                    log=self.stdout.write,
                )
            users = demo.write_demo_users(other_department=_other_department())
            if demo.write_staff_work(today):
                self.stdout.write("Current-year projects for the staff login: loaded")
            if demo.write_demo_money():
                self.stdout.write("Budgets for the staff login's projects: loaded")
            pending = demo.write_pending_reports(today)
            self.stdout.write(f"Reports waiting for the approver: {pending} new")
            evaluator = get_user_model().objects.get(username="evaluator")
            locks = demo.write_quarter_locks(today, evaluator)
            self.stdout.write(f"Quarters locked: {locks} new")
            bump_data_version()
        self.stdout.write(self.style.SUCCESS("Demo data ready. Demo logins:"))
        for user in users:
            self.stdout.write(
                f"  {user.username:<10} password {demo.DEMO_PASSWORD}  ({user.role})"
            )
        self.stdout.write(f"Open {DEMO_URL} (python manage.py runserver)")


def _other_department() -> Department | None:
    """The generated department the ``outsider`` login reports for."""
    generated = Department.objects.filter(code__in=generator.GENERATED_DEPARTMENT_CODES)
    return (
        generated.filter(code=generator.DEPARTMENTS[0].code).first()
        or generated.order_by("code").first()
    )
