"""The house: which layer may import which, checked on the source (issue 11, part 7).

Floor: settings, store, canonical models, rules, mappings, connectors. On it: tasks (one package per process plus
`shared`), then flows, then the command line (`ofm/cli`) on top. The webhook intake stands on the floor. The
sandboxes and the test bed are beside the product: no flow or task imports them. No module imports another's private
(underscore) name.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

OFM = Path(__file__).resolve().parents[1] / "ofm"

FORBIDDEN = {  # package (or module) -> what it must never import
    "ofm.settings": ("ofm.store", "ofm.tasks", "ofm.flows", "ofm.cli", "ofm.webhooks", "ofm.sandbox", "ofm.testbed"),
    "ofm.store": ("ofm.tasks", "ofm.flows", "ofm.cli", "ofm.webhooks", "ofm.sandbox", "ofm.testbed"),
    "ofm.canonical": ("ofm.store", "ofm.tasks", "ofm.flows", "ofm.cli", "ofm.webhooks", "ofm.sandbox"),
    "ofm.rules": ("ofm.store", "ofm.tasks", "ofm.flows", "ofm.cli", "ofm.webhooks", "ofm.sandbox"),
    "ofm.mappings": ("ofm.tasks", "ofm.flows", "ofm.cli", "ofm.webhooks", "ofm.sandbox"),
    "ofm.connectors": ("ofm.tasks", "ofm.flows", "ofm.cli", "ofm.webhooks", "ofm.sandbox"),
    "ofm.webhooks": ("ofm.tasks", "ofm.flows", "ofm.cli", "ofm.sandbox"),
    "ofm.deploy": ("ofm.store", "ofm.tasks", "ofm.flows", "ofm.cli", "ofm.webhooks", "ofm.sandbox", "ofm.testbed"),
    "ofm.ops": ("ofm.store", "ofm.tasks", "ofm.flows", "ofm.cli", "ofm.webhooks", "ofm.sandbox", "ofm.testbed"),
    "ofm.tasks": ("ofm.flows", "ofm.cli", "ofm.sandbox", "ofm.testbed"),
    "ofm.flows": ("ofm.cli", "ofm.sandbox", "ofm.testbed"),
}


def _module(path: Path) -> str:
    parts = list(path.relative_to(OFM.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[int, str, list[str]]]:
    """(line, imported module, names) of every import, also those inside functions."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name, []) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.lineno, node.module, [a.name for a in node.names]))
    return out


SOURCES = sorted(OFM.rglob("*.py"))


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def test_no_layer_imports_one_above_it() -> None:
    wrong = []
    for path in SOURCES:
        here = _module(path)
        for layer, banned in FORBIDDEN.items():
            if not _within(here, layer):
                continue
            for line, target, _ in _imports(path):
                if any(_within(target, b) for b in banned):
                    wrong.append(f"{path.relative_to(OFM.parent)}:{line} ({layer}) imports {target}")
    assert not wrong, "\n".join(wrong)


def test_no_private_name_crosses_a_file() -> None:
    wrong = [f"{path.relative_to(OFM.parent)}:{line} imports {name} from {target}"
             for path in SOURCES for line, target, names in _imports(path) if target.startswith("ofm")
             for name in names if name.startswith("_") and not name.startswith("__")]
    assert not wrong, "\n".join(wrong)


def test_tasks_are_packages_per_process() -> None:
    flat = sorted(p.name for p in (OFM / "tasks").glob("*.py") if p.name != "__init__.py")
    assert not flat, f"ofm/tasks/ holds modules outside a process package: {flat}"


@pytest.mark.parametrize("package", ["shared", "suppliers", "p2p", "match", "bank", "ledger", "close"])
def test_each_process_package_exists(package: str) -> None:
    assert (OFM / "tasks" / package / "__init__.py").is_file()
