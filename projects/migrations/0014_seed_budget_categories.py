"""The budget categories of the city's budget (admins may add, rename or retire
them later). Existing budgets stay as they are: a project's budget_amount is its
allocation, not split into categories until someone adds its lines."""

from django.db import migrations

CATEGORIES = [
    ("personnel", "งบบุคลากร", "Personnel", 10),
    ("operating", "งบดำเนินงาน", "Operating", 20),
    ("investment", "งบลงทุน", "Investment", 30),
    ("subsidy", "งบอุดหนุน", "Subsidies", 40),
    ("other", "งบรายจ่ายอื่น", "Other expenditure", 50),
]


def seed(apps, schema_editor):
    BudgetCategory = apps.get_model("projects", "BudgetCategory")
    for code, name_th, name_en, order in CATEGORIES:
        BudgetCategory.objects.get_or_create(
            code=code,
            defaults={"name_th": name_th, "name_en": name_en, "order": order},
        )


def unseed(apps, schema_editor):
    BudgetCategory = apps.get_model("projects", "BudgetCategory")
    BudgetCategory.objects.filter(
        code__in=[code for code, *_rest in CATEGORIES], lines__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("projects", "0013_budget_and_disbursement")]

    operations = [migrations.RunPython(seed, unseed)]
