"""Every change we make to moto, in one place. Installed once, in the server process, before the
server takes its first request (`install()`).

Each entry names the moto function it replaces and why. `PATCH_POINTS` also pins a hash of each
replaced function's source in moto 5.2.5: if an upgrade moves or changes one, the test
`tests/emulator/test_patch_points.py` fails and names it, instead of the emulator silently
running an unpatched path.

The CloudFormation engine's logic lives in `engine.py`, the resource models in `models/`; this
module only wires them in.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
from dataclasses import dataclass
from typing import Any

MOTO_VERSION = "5.2.5"


@dataclass(frozen=True)
class Patch:
    target: str  # "module:Qualified.name" of the moto object replaced or added
    why: str
    source_sha256: str | None  # of the replaced function's source; None when we add a new one


# The patch points, with the source hash of what they replace in moto 5.2.5.
PATCH_POINTS: list[Patch] = [
    Patch("moto.cloudformation.parsing:resource_class_from_type",
          "strict: an unsupported type fails the resource instead of being skipped with a warning",
          "ca766bc34c1950ae5a933707db84b22dda9d222e05a9129b6afced5ba52f041d"),
    Patch("moto.cloudformation.parsing:ResourceMap.__getitem__",
          "no lazy creation: a resource is created once, by the engine, in dependency order",
          "bfa3c026d08de5207c073452db9ff5f1e8f781e3cfab9bc82f558b14523e4171"),
    Patch("moto.cloudformation.parsing:ResourceMap.create",
          "CreateStack walks resources through the engine (events, no silent skips)",
          "0163ac783f5c8635919ee45c9e790c604d1599a501074d698d8deb475e0b076e"),
    Patch("moto.cloudformation.parsing:ResourceMap.update",
          "one pass in dependency order, no retry loop that turns errors into success",
          "e34b0c357f3c8e357e4e9446843985fd88c0dc52e828d17ef3e08e14dfb88c8a"),
    Patch("moto.cloudformation.parsing:ResourceMap.delete",
          "reverse dependency order, each resource once, Retain honoured, failures reported",
          "4faca03385e54f6320acceeb2a3edfb44956cf30dd1a20cce8b31b75be8ca72e"),
    Patch("moto.cloudformation.models:Stack.stack_resources",
          "only resources that exist (the original creates missing ones while listing)",
          "48081724e7f64b7e8f568aa9afeb71640ffe50c29d56d83c2f74d920a757dbf9"),
    Patch("moto.cloudformation.models:Stack.stack_parameters",
          "UsePreviousValue must reuse the value given (an SSM parameter's name), not the value "
          "it resolved to",
          "c1a7bd236ef4680b9e83a9619e55230dc19513d4b88ed41a93172b9fa95f889b"),
    Patch("moto.cloudformation.models:Stack.parameter_list",
          "DescribeStacks shows parameters as given (a list parameter as 'a,b', not Python's "
          "['a', 'b'], which the CDK CLI passed back on the next bootstrap), plus ResolvedValue",
          "89f3a7760b8cfb559ee1c7c7d206015570911d8a284a8ba7c7a3d9d28764cf05"),
    Patch("moto.cloudformation.models:Stack.create_resources",
          "a failed CreateStack rolls back to ROLLBACK_COMPLETE instead of raising an HTTP 500",
          "a5f30450448a1d58ba3ffe05b0a545b8efa86633b47cfb0c8c4a2b269d447655"),
    Patch("moto.cloudformation.models:Stack.update",
          "a failed UpdateStack rolls back instead of raising an HTTP 500",
          "fd488c7f43d4b5c8e6d85a255eb1e67a17859a57ffd053cecb44e9893280ce12"),
    Patch("moto.cloudformation.models:CloudFormationBackend.execute_change_set",
          "failures become stack states (*_FAILED / ROLLBACK_*), a change set runs at most once, "
          "outputs and exports follow the new template",
          "1090cb5b81abc8ff0422a9c1df9b0ea09192550345fbc198b448e9e9a148a050"),
    Patch("moto.cloudformation.models:CloudFormationBackend.describe_change_set",
          "a missing change set is ChangeSetNotFound, which the CDK CLI waits for after deleting "
          "one (moto said 'Stack with id ... does not exist')",
          "dbfe8be95a82d51a228a549013162288787da7714a3cf2bdb43f667ffa312bc3"),
    Patch("moto.cloudformation.models:CloudFormationBackend.delete_change_set",
          "deleting a change set that is gone succeeds (moto answered 500, and the CDK CLI "
          "retried for 40 s before every update)",
          "9821ad111e7fdce86d567d2036f18fe48861cc9c9efa2de662a6ba93861a612b"),
    Patch("moto.cloudformation.models:CloudFormationBackend.delete_stack",
          "a failed delete leaves the stack in DELETE_FAILED instead of losing it",
          "d0113177c342c2948e77eef028539cf1e70f44ac31c992b79e8796fa3f9d869c"),
    Patch("moto.cloudformation.responses:CloudFormationResponse.execute_change_set",
          "pass DisableRollback (cdk deploy --no-rollback) to the backend",
          "1220faf0bd60cf992234cb7669ed090160a5b5f02e1b15473185c7b1f3811eb5"),
    Patch("moto.events.models:Rule.send_to_targets",
          "deliver to SNS topics (moto raises NotImplementedError) and skip DISABLED rules",
          "472e002e2dab8a599554a7d6c7ea0910625a5b39c7699b9ca4404255efcfc172"),
    Patch("moto.awslambda.models:LambdaFunction.get_configuration",
          "report LoggingConfig, which moto does not store",
          "803fb04bffde71d97d974007c506f6dabaf64242efdf47b05502890335eb5be2"),
    Patch("moto.awslambda.models:LambdaFunction.update_configuration",
          "accept LoggingConfig updates",
          "eca1cdec066f996f69a7c2045cb3ae7608a15275f6fb75fc44e1c5a362f37096"),
    Patch("moto.awslambda.models:LambdaStorage.publish_version",
          "a new Lambda version takes the next number never used (moto reused a deleted one's)",
          "b62a3d20bd8f190463137a6278f102877818beb368f36b0b3ca3ab06c9fe20bd"),
    Patch("moto.codedeploy.responses:_deployment_group_info",
          "GetDeploymentGroup answers the alarm configuration (moto leaves it empty)",
          "7b95897b72eadb0a6b90956f34a8ddc17cfc8fb515244541cf515cd28b47ab46"),
    Patch("moto.s3.models:FakeBucket.get_permission",
          "bucket policies: evaluate conditions (aws:SecureTransport is true) and principals; "
          "moto's evaluation denied everything under the CDK's enforceSSL policy",
          "7571412a3495a0e3e1a2a34b0b8ed3fc0af1a96d35514841b274fbe1eac12b99"),
    Patch("moto.codebuild.responses:CodeBuildResponse.batch_get_report_groups",
          "CodeBuild report groups: moto has no API for them (added, not replaced)",
          None),
    Patch("moto.codebuild.responses:CodeBuildResponse.list_report_groups",
          "CodeBuild report groups: moto has no API for them (added, not replaced)",
          None),
    # CloudFormation's parameter constraints (parameters.py): moto accepts any value.
    *(Patch(f"moto.cloudformation.models:CloudFormationBackend.{name}",
            "parameters are checked against AllowedPattern, AllowedValues, lengths and values "
            "before anything is created, as CloudFormation does", sha)
      for name, sha in (
          ("create_stack", "dcb835c34772ed6c3a2785c44571cba7bea8a9edaf80bd4533428b093c3351a6"),
          ("create_change_set", "4668670ac84b203d05ecdaf6f864b93263fad1faa040137225a3d38a9b3ae7d1"),
          ("update_stack", "83a62d954ef05565636c254a1fa1910fa7124479cbbf974b4c2a6ebf433cc63b"))),
    Patch("moto.cloudtrail.responses:CloudTrailResponse.lookup_events",
          "CloudTrail LookupEvents, which the CDK CLI calls after a failed deploy: moto has "
          "none, and the SDK's retries of its 500 answer hold the CLI for ~25 s (added; empty, "
          "as no management events are recorded)", None),
]


def resolve(target: str) -> tuple[Any, str, Any]:
    """(owner object, attribute name, current value or None) of a patch target."""
    module_name, qual = target.split(":")
    owner: Any = importlib.import_module(module_name)
    *path, attr = qual.split(".")
    for part in path:
        owner = getattr(owner, part)
    return owner, attr, owner.__dict__.get(attr) if isinstance(owner, type) else getattr(
        owner, attr, None)


def source_sha256(obj: Any) -> str:
    func: Any = obj.fget if isinstance(obj, property) else obj
    return hashlib.sha256(inspect.getsource(func).encode()).hexdigest()


_installed = False


def install() -> None:
    """Register our models and apply every patch (idempotent)."""
    global _installed
    if _installed:
        return
    from moto.cloudformation import parsing

    from pitfalls.emulator import models

    models.load_all()
    replacements = _replacements()
    for patch in PATCH_POINTS:
        owner, attr, _current = resolve(patch.target)
        setattr(owner, attr, replacements[patch.target])
    # moto caches its model list; ours are registered now, drop anything cached before.
    parsing.get_model_list.cache_clear()
    parsing.get_model_map.cache_clear()
    parsing.get_name_type_map.cache_clear()
    _installed = True


def _replacements() -> dict[str, Any]:
    from moto.cloudformation import models as cfn_models
    from moto.cloudformation import parsing
    from moto.cloudformation.exceptions import ValidationError
    from moto.cloudformation.models import Stack
    from moto.core.responses import EmptyResult

    from pitfalls.emulator import engine
    from pitfalls.emulator.errors import ChangeSetNotFound, UnsupportedType
    from pitfalls.emulator.models.base import REGISTRY

    # replaces moto.cloudformation.parsing.resource_class_from_type: moto returns None (and the
    # resource is skipped with a warning) for types it lacks; Custom:: would need a Lambda runtime.
    def resource_class_from_type(resource_type: str) -> type:
        cls = REGISTRY.get(resource_type)
        if cls is None:
            raise UnsupportedType(resource_type)
        return cls

    # replaces ResourceMap.__getitem__: the original creates a missing resource on first
    # reference, so a resource could come to life out of order, or while a stack is listed.
    def getitem(self: parsing.ResourceMap, key: str) -> Any:
        if key in self._parsed_resources:
            return self._parsed_resources[key]
        body = self._resource_json_map.get(key)
        if body is None:
            raise KeyError(key)
        cond = body.get("Condition")
        if cond and not self.lazy_condition_map[cond]:
            return None
        raise ValidationError(message=f"Template error: resource {key} is referenced but does "
                                      "not exist (not created yet, or its creation failed)")

    # replaces ResourceMap.create (CreateStack): moto's lazy walk, through our engine instead.
    def create(self: parsing.ResourceMap, template: dict[str, Any]) -> bool:
        engine.apply_template(self, template, self.input_parameters)
        return True

    # replaces ResourceMap.update: moto retries failed updates up to 5 times in a loop and
    # deletes removed resources before creating new ones.
    def update(self: parsing.ResourceMap, template: dict[str, Any],
               parameters: dict[str, Any] | None = None) -> None:
        engine.apply_template(self, template, parameters)

    # replaces ResourceMap.delete: moto loops over all resources until the count stops going
    # down, swallowing errors in between.
    def delete(self: parsing.ResourceMap) -> None:
        engine.delete_all(self)

    # replaces the Stack.stack_resources property: only resources that exist.
    def stack_resources(self: Stack) -> list[Any]:
        return list(engine.created_resources(self.resource_map))

    # replaces the Stack.stack_parameters property: the values as given, for UsePreviousValue.
    def stack_parameters(self: Stack) -> dict[str, Any]:
        rmap = self.resource_map
        declared = (rmap._template or {}).get("Parameters") or {}
        given = rmap.input_parameters or {}
        return {k: given.get(k, spec.get("Default")) for k, spec in declared.items()}

    # replaces the Stack.parameter_list property (DescribeStacks): values as given, as in AWS.
    def parameter_list(self: Stack) -> list[dict[str, Any]]:
        rmap = self.resource_map
        declared = (rmap._template or {}).get("Parameters") or {}
        hidden = set(getattr(rmap, "no_echo_parameter_keys", []))
        out = []
        for key, value in stack_parameters(self).items():
            if value is None:
                continue
            entry = {"ParameterKey": key, "ParameterValue": "****" if key in hidden else value}
            if str(declared[key].get("Type", "")).startswith("AWS::SSM::Parameter::"):
                resolved = rmap.resolved_parameters.get(key)
                entry["ResolvedValue"] = ",".join(resolved) if isinstance(resolved, list) \
                    else resolved
            out.append(entry)
        return out

    # replaces Stack.create_resources (CreateStack API): failures roll back, never a 500.
    def create_resources(self: Stack) -> None:
        engine_run(self, "CREATE", self.template_dict, self.resource_map.input_parameters,
                   announce=False)

    # replaces Stack.update (UpdateStack API): failures roll back, never a 500.
    def stack_update(self: Stack, template: str, role_arn: str | None = None,
                     parameters: dict[str, Any] | None = None,
                     tags: dict[str, str] | None = None) -> None:
        if engine_run(self, "UPDATE", Stack.parse_template(template), parameters,
                      template_text=template):
            self.role_arn = role_arn
            if parameters:
                self.parameters = parameters
            if tags is not None:
                self.tags = tags

    # replaces CloudFormationBackend.execute_change_set: moto marks the stack complete whatever
    # happened, and a retried request (after a 500) found "nothing to do" and reported success.
    def execute_change_set(self: cfn_models.CloudFormationBackend, change_set_name: str,
                           stack_name: str | None = None, disable_rollback: bool = False) -> None:
        change_set = self.change_sets.get(change_set_name)
        if change_set is None:
            for cs in self.change_sets.values():
                if cs.change_set_name == change_set_name and stack_name in (
                        None, cs.stack_name, cs.stack_id):
                    change_set = cs
        if change_set is None:
            raise ChangeSetNotFound(change_set_name)
        if change_set.execution_status != "AVAILABLE":
            raise ValidationError(
                message=f"ChangeSet [{change_set.change_set_id}] cannot be executed in its "
                        f"current execution status of [{change_set.execution_status}]")
        stack = self.stacks[change_set.stack_id]
        # moto gives a stack made by a change set no view of the exports (Fn::ImportValue)
        stack.cross_stack_resources = stack.resource_map.cross_stack_resources = self.exports
        change_set.execution_status = "EXECUTE_IN_PROGRESS"
        ok = engine_run(stack, change_set.change_set_type, change_set.template_dict,
                        change_set.parameters, disable_rollback=disable_rollback,
                        template_text=change_set.template)
        change_set.execution_status = "EXECUTE_COMPLETE" if ok else "EXECUTE_FAILED"
        # As in CloudFormation, executing a change set removes the stack's change sets.
        for cs_id in [i for i, cs in self.change_sets.items() if cs.stack_id == stack.stack_id]:
            self.change_sets.pop(cs_id)
        if ok:
            if change_set.tags:
                stack.tags = change_set.tags
            for name in [n for n, e in self.exports.items()
                         if e.exporting_stack_id == stack.stack_id]:
                self.exports.pop(name)
            self._validate_export_uniqueness(stack)
            for export in stack.exports:
                self.exports[export.name] = export

    # replaces CloudFormationBackend.describe_change_set: the right error for a missing one.
    def describe_change_set(self: cfn_models.CloudFormationBackend,
                            change_set_name: str) -> Any:
        found = self.change_sets.get(change_set_name)
        for cs in self.change_sets.values():
            if cs.change_set_name == change_set_name:
                found = cs
        if found is None:
            raise ChangeSetNotFound(change_set_name)
        return found

    # replaces CloudFormationBackend.delete_change_set: moto crashes (UnboundLocalError, HTTP 500)
    # on a name it does not know; the CDK CLI deletes "cdk-deploy-change-set" before every deploy.
    def delete_change_set(self: cfn_models.CloudFormationBackend, change_set_name: str) -> None:
        for cs_id, cs in list(self.change_sets.items()):
            if change_set_name in (cs_id, cs.change_set_name):
                self.change_sets.pop(cs_id)

    # replaces CloudFormationBackend.delete_stack: moto removes the stack from the list first,
    # so a failing resource delete lost the stack and answered 500.
    def delete_stack(self: cfn_models.CloudFormationBackend, name_or_stack_id: str) -> None:
        stack = self.stacks.get(name_or_stack_id) or next(
            (s for s in self.stacks.values() if s.name == name_or_stack_id), None)
        if stack is None:
            return  # deleting a stack that does not exist succeeds, as in CloudFormation
        stack.status = "DELETE_IN_PROGRESS"
        engine.stack_event(stack, "DELETE_IN_PROGRESS", "User Initiated")
        try:
            engine.delete_all(stack.resource_map)
        except Exception as exc:
            from pitfalls.emulator.errors import ResourceFailure, reason_of

            failed = exc.logical_id if isinstance(exc, ResourceFailure) else "?"
            stack.status = "DELETE_FAILED"
            engine.stack_event(stack, "DELETE_FAILED",
                               f"The following resource(s) failed to delete: [{failed}]. "
                               + ("" if isinstance(exc, ResourceFailure) else reason_of(exc)))
            return
        stack.status = "DELETE_COMPLETE"
        engine.stack_event(stack, "DELETE_COMPLETE")
        for name in [n for n, e in self.exports.items() if e.exporting_stack_id == stack.stack_id]:
            self.exports.pop(name)
        self.stacks.pop(stack.stack_id, None)
        self.deleted_stacks[stack.stack_id] = stack

    # replaces CloudFormationResponse.execute_change_set: moto ignores DisableRollback.
    def execute_change_set_response(self: Any) -> Any:
        self.cloudformation_backend.execute_change_set(
            stack_name=self._get_param("StackName"),
            change_set_name=self._get_param("ChangeSetName"),
            disable_rollback=self._get_bool_param("DisableRollback", False),
        )
        return EmptyResult()

    def engine_run(stack: Stack, kind: str, template: dict[str, Any],
                   parameters: dict[str, Any] | None, *, disable_rollback: bool = False,
                   announce: bool = True, template_text: str | None = None) -> bool:
        return engine.run_operation(stack, kind, template, parameters,
                                    disable_rollback=disable_rollback, announce=announce,
                                    template_text=template_text)

    from pitfalls.emulator import parameters, services

    return {
        "moto.cloudformation.parsing:resource_class_from_type": resource_class_from_type,
        "moto.cloudformation.parsing:ResourceMap.__getitem__": getitem,
        "moto.cloudformation.parsing:ResourceMap.create": create,
        "moto.cloudformation.parsing:ResourceMap.update": update,
        "moto.cloudformation.parsing:ResourceMap.delete": delete,
        "moto.cloudformation.models:Stack.stack_resources": property(stack_resources),
        "moto.cloudformation.models:Stack.stack_parameters": property(stack_parameters),
        "moto.cloudformation.models:Stack.parameter_list": property(parameter_list),
        "moto.cloudformation.models:Stack.create_resources": create_resources,
        "moto.cloudformation.models:Stack.update": stack_update,
        "moto.cloudformation.models:CloudFormationBackend.execute_change_set":
            execute_change_set,
        "moto.cloudformation.models:CloudFormationBackend.describe_change_set":
            describe_change_set,
        "moto.cloudformation.models:CloudFormationBackend.delete_change_set": delete_change_set,
        "moto.cloudformation.models:CloudFormationBackend.delete_stack": delete_stack,
        "moto.cloudformation.responses:CloudFormationResponse.execute_change_set":
            execute_change_set_response,
        **services.replacements(),
        **parameters.replacements(),
    }


def check_patch_points() -> list[str]:
    """Patch points that moved or changed since moto 5.2.5 (empty when all is as expected)."""
    from importlib import metadata

    problems = []
    version = metadata.version("moto")
    if version != MOTO_VERSION:
        problems.append(f"moto is {version}, the patches were written for {MOTO_VERSION}")
    for patch in PATCH_POINTS:
        try:
            _owner, _attr, current = resolve(patch.target)
        except (ImportError, AttributeError) as exc:
            problems.append(f"{patch.target}: cannot be found ({exc})")
            continue
        if patch.source_sha256 is None:
            if current is not None:
                problems.append(f"{patch.target}: moto has it now; drop our addition")
            continue
        if current is None:
            problems.append(f"{patch.target}: no longer exists")
        elif source_sha256(current) != patch.source_sha256:
            problems.append(f"{patch.target}: its source changed; re-check the patch")
    return problems


def current_hashes() -> dict[str, str]:
    """The source hashes of the (unpatched) patch points, to refresh PATCH_POINTS by hand."""
    out = {}
    for patch in PATCH_POINTS:
        try:
            _o, _a, current = resolve(patch.target)
        except (ImportError, AttributeError):
            continue
        if current is not None:
            out[patch.target] = source_sha256(current)
    return out

