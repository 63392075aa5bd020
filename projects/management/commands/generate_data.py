"""Generate a realistic data set of any size, for demos and benchmarks."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from projects import generator
from projects.cache import bump_data_version
from projects.thaicalendar import DateInputError


class Command(BaseCommand):
    help = (
        "Generate a realistic, deterministic data set: about 80 departments and "
        "district offices (at least 12), the strategy tree, and N projects for each "
        "of the last --years fiscal years up to --today's, each with 5 plan steps, "
        "monthly updates and quarterly evaluations, plus one KPI per 5 projects with "
        "its quarter results and scores. The same --seed, N and --today give the "
        "same data. The command refuses to run when generated data already exists "
        "(any of the generator's departments is in the database); --replace first "
        "deletes those departments with all their projects and KPIs."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--projects",
            type=int,
            required=True,
            metavar="N",
            help="Projects per fiscal year.",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=generator.DEFAULT_SEED,
            help="Seed of the random choices (default %(default)s).",
        )
        parser.add_argument(
            "--years",
            type=int,
            default=3,
            help="Fiscal years: the current one and those before it (default 3).",
        )
        parser.add_argument(
            "--today",
            metavar="YYYY-MM-DD",
            help="The date the data is generated as of (default: today in Bangkok).",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=generator.DEFAULT_BATCH_SIZE,
            help="Projects per batch of inserts (default %(default)s).",
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Delete the generated departments, projects and KPIs first.",
        )

    def _progress(self, message: str) -> None:
        # A long run shows its progress as it goes, also when the output is a pipe.
        self.stdout.write(message)
        self.stdout.flush()

    def handle(self, *args, **options) -> None:
        try:
            today = generator.as_of(options["today"])
        except DateInputError as error:
            raise CommandError(f"--today: cannot read {error.text!r}") from None
        try:
            summary = generator.generate(
                projects=options["projects"],
                today=today,
                seed=options["seed"],
                years=options["years"],
                batch_size=options["batch_size"],
                replace=options["replace"],
                log=self._progress,
            )
        except generator.GeneratedDataExists:
            raise CommandError(
                "Generated data already exists. Run again with --replace to delete "
                "it (the generated departments with their projects and KPIs) and "
                "generate anew."
            ) from None
        except ValueError as error:
            raise CommandError(str(error)) from None
        bump_data_version()
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated {summary.projects} projects "
                f"(FY {summary.fiscal_years[0]}–{summary.fiscal_years[-1]}), "
                f"{summary.steps} plan steps, {summary.updates} updates, "
                f"{summary.project_evaluations} project evaluations, "
                f"{summary.indicators} KPIs with {summary.indicator_results} results "
                f"in {summary.departments} departments, in {summary.seconds} s."
            )
        )
