"""Reading CloudFormation templates as plain data: from disk, their references, their buildspecs.

No aws_cdk here: the checks and the architecture drawing read any template, from any tool.
"""

from pitfalls.templates.buildspec import BuildSpec, project_buildspec, report_group_ref
from pitfalls.templates.loader import InputError, load_path, load_template_file
from pitfalls.templates.refs import Json, as_list, ref_target, refs_in, refs_in_order
from pitfalls.templates.template import (
    PIPELINE,
    PipelineAction,
    Template,
    concrete_env,
    pipeline_actions,
)

__all__ = [
    "PIPELINE", "BuildSpec", "InputError", "Json", "PipelineAction", "Template", "as_list",
    "concrete_env", "load_path", "load_template_file", "pipeline_actions", "project_buildspec",
    "ref_target", "refs_in", "refs_in_order", "report_group_ref",
]
