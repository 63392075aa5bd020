"""The code keeps its shape: no private name is imported across modules.

The layers themselves (imports going one way, pure rules at the bottom) are
import-linter's contract in pyproject.toml, checked by `make lint`.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("projects", "indicators", "reports", "bmaproj", "notifications")


def private_imports(root: Path = ROOT) -> list[str]:
    """Every ``from <our module> import _name`` below root, as path: module.name."""
    found = []
    for package in PACKAGES:
        for path in (root / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.ImportFrom)
                    and node.module
                    and node.module.split(".")[0] in PACKAGES
                ):
                    found += [
                        f"{path.relative_to(root)}: {node.module}.{alias.name}"
                        for alias in node.names
                        if alias.name.startswith("_")
                    ]
    return found


def test_no_private_name_is_imported_across_modules():
    assert private_imports() == []


def test_the_check_sees_a_private_import(tmp_path):
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "views.py").write_text(
        "from projects.services import _hidden, public\nfrom os import _exit\n"
    )
    assert private_imports(tmp_path) == ["reports/views.py: projects.services._hidden"]
