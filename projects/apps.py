from django.apps import AppConfig
from django.core.management import call_command
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def create_cache_table(using: str = "default", **kwargs) -> None:
    """Make the shared cache's table (settings.CACHES) wherever `migrate` runs."""
    call_command("createcachetable", database=using, verbosity=0)


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("Projects")

    def ready(self) -> None:
        post_migrate.connect(create_cache_table, sender=self)
