"""An import-linter contract type the stock ones lack: "these modules import only these packages".

Used by pyproject.toml's `[tool.importlinter]` for solutions/: a learner copies a solution module
into their own CDK app, so it may import the standard library, aws_cdk, constructs, jsii and other
solution modules, and nothing else (never `pitfalls`, yaml, boto3 ...).
"""

from __future__ import annotations

import sys

from grimp import ImportGraph
from importlinter.application import output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck


class OnlyImportsContract(Contract):
    """`source_modules` (and their descendants) import only `allowed` packages and the stdlib."""

    type_name = "only_imports"

    source_modules = fields.SetField(subfield=fields.StringField())
    allowed = fields.SetField(subfield=fields.StringField())

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        allowed = set(self.allowed) | set(self.source_modules)  # type: ignore[arg-type]
        bad: list[tuple[str, str, int]] = []
        for source in sorted(self.source_modules):  # type: ignore[type-var]
            for importer in sorted(graph.find_descendants(source) | {source}):
                for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                    top = imported.split(".")[0]
                    if top in allowed or top in sys.stdlib_module_names or top == "__future__":
                        continue
                    details = graph.get_import_details(importer=importer, imported=imported)
                    line = details[0]["line_number"] if details else 0
                    bad.append((importer, imported, line))
        return ContractCheck(kept=not bad, metadata={"bad": bad})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for importer, imported, line in check.metadata["bad"]:
            output.print_error(f"{importer} imports {imported} (l.{line}), which is not allowed")
            output.new_line()
