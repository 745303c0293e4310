"""solutions/__init__.py tells a learner truthfully what a copied solution module needs."""

from __future__ import annotations

import sys

import grimp

import solutions

PACKAGES = {"aws_cdk": "aws-cdk-lib", "constructs": "constructs", "jsii": "jsii"}


def _needs() -> dict[str, tuple[list[str], list[str]]]:
    g = grimp.build_graph("solutions", include_external_packages=True)
    mine = sorted(m.removeprefix("solutions.") for m in g.modules if m.startswith("solutions."))
    out = {}
    for name in mine:
        module = f"solutions.{name}"
        others = sorted(m.removeprefix("solutions.") for m in g.find_upstream_modules(module)
                        if m.startswith("solutions."))
        tops = {m.split(".")[0] for m in g.find_modules_directly_imported_by(module)}
        packages = sorted(PACKAGES[t] for t in tops if t in PACKAGES)
        assert all(t in PACKAGES or t in sys.stdlib_module_names or t in ("__future__", "solutions")
                   for t in tops), (name, tops)
        out[name] = (others, packages)
    return out


def test_the_table_lists_every_module_with_what_it_needs() -> None:
    needs = _needs()
    every = set(needs)
    for name, (others, packages) in needs.items():
        missing = sorted(every - set(others) - {name})
        if len(others) > 3 and len(missing) <= 3:
            said = f"every other module but {' and '.join(missing)}" if missing else "every other module"
        else:
            said = ", ".join(others) or "-"
        row = f"| {name} | {said} | {', '.join(packages)} |"
        assert row in (solutions.__doc__ or ""), f"solutions/__init__.py should say:\n{row}"
