"""Read a deployed stack back through the service APIs and compare it with its template.

`verify_stack(endpoint, stack, template)` resolves the template's references with what the
stack reports (Ref: physical ids from DescribeStackResources; Fn::GetAtt: asked of each service,
never of the emulator's CloudFormation) and checks every property of every resource against
what S3, IAM, Lambda, CodePipeline ... answer. It returns the mismatches, one line each.
`still_there(clients, template, resources)` tells which resources still exist after a destroy.

The check of each type lives with its service (`pitfalls.emulator.services.<service>.readback`);
the framework they share (clients, report, registry) in `pitfalls.emulator.readback`.
"""

from __future__ import annotations

import json
import re
from typing import Any

from botocore.exceptions import ClientError  # type: ignore[import-untyped]

from pitfalls.emulator.readback import CHECKERS, GETATT, Clients, Gone, Report
from pitfalls.emulator.services import load_readbacks

__all__ = ["Clients", "Gone", "Report", "resource_exists", "stack_resources", "still_there",
           "verify_stack"]

load_readbacks()


# --- resolving the template with the services' answers --------------------------------------------

class Resolver:
    def __init__(self, c: Clients, template: dict[str, Any], physical: dict[str, str],
                 types: dict[str, str], stack_id: str, stack_name: str,
                 parameters: dict[str, str] | None = None) -> None:
        self.c, self.template, self.physical, self.types = c, template, physical, types
        self.parameters = parameters or {}  # as the stack reports them (DescribeStacks)
        self.pseudo = {"AWS::AccountId": c.account, "AWS::Region": c.region,
                       "AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com",
                       "AWS::StackId": stack_id, "AWS::StackName": stack_name}

    def ref(self, name: str) -> Any:
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.physical:
            return self.physical[name]
        param = (self.template.get("Parameters") or {}).get(name)
        if param is not None:
            return self.parameters.get(name, param.get("Default"))
        raise KeyError(f"Ref {name}")

    def getatt(self, name: str, attr: str) -> Any:
        rtype, pid = self.types[name], self.physical[name]
        fn = GETATT.get((rtype, attr))
        if fn is None:
            raise KeyError(f"Fn::GetAtt {name}.{attr} ({rtype}) has no read-back")
        return fn(self.c, pid)

    def __call__(self, v: Any) -> Any:
        if isinstance(v, list):
            return [self(x) for x in v]
        if not isinstance(v, dict):
            return v
        if len(v) == 1:
            (fn, arg), = v.items()
            if fn == "Ref":
                return self.ref(arg)
            if fn == "Fn::GetAtt":
                name, attr = arg if isinstance(arg, list) else arg.split(".", 1)
                return self.getatt(name, attr)
            if fn == "Fn::Join":
                return arg[0].join(str(x) for x in self(arg[1]))
            if fn == "Fn::Select":
                return self(arg[1])[int(self(arg[0]))]
            if fn == "Fn::Split":
                return self(arg[1]).split(arg[0])
            if fn == "Fn::Sub":
                text, local = (arg[0], self(arg[1])) if isinstance(arg, list) else (arg, {})
                def one(m: re.Match[str]) -> str:
                    key = m.group(1)
                    if key in local:
                        return str(local[key])
                    if "." in key and key.split(".")[0] in self.types:
                        return str(self.getatt(*key.split(".", 1)))
                    return str(self.ref(key))

                return re.sub(r"\$\{([^}!][^}]*)\}", one, text)
        return {k: self(x) for k, x in v.items()}


# --- whole stacks ---------------------------------------------------------------------------------

def stack_resources(c: Clients, stack: str) -> dict[str, tuple[str, str]]:
    """logical id -> (type, physical id) as the stack reports them."""
    out = c.cloudformation.describe_stack_resources(StackName=stack)["StackResources"]
    return {x["LogicalResourceId"]: (x["ResourceType"], x["PhysicalResourceId"]) for x in out}


def verify_stack(target: str | Clients, stack: str, template: dict[str, Any] | None = None) -> Report:
    """Check every resource of `template` (default: the stack's deployed template) against what
    the services say. `target` is the local AWS's endpoint, or `Clients` for any account."""
    c = target if isinstance(target, Clients) else Clients(target)
    if template is None:
        body = c.cloudformation.get_template(StackName=stack)["TemplateBody"]
        template = json.loads(body) if isinstance(body, str) else dict(body)
    report = Report()
    desc = c.cloudformation.describe_stacks(StackName=stack)["Stacks"][0]
    resources = stack_resources(c, stack)
    types = {k: v[0] for k, v in resources.items()}
    physical = {k: v[1] for k, v in resources.items()}
    parameters = {x["ParameterKey"]: x.get("ResolvedValue", x["ParameterValue"])
                  for x in desc.get("Parameters", [])}
    resolve = Resolver(c, template, physical, types, desc["StackId"], stack, parameters)
    for logical, body in template["Resources"].items():
        where = f"{logical} ({body['Type']})"
        if logical not in resources:
            if "Condition" not in body:
                report.problems.append(f"{where}: not in the stack")
            continue
        check = CHECKERS.get(body["Type"])
        if check is None:
            report.problems.append(f"{where}: no read-back check for this type")
            continue
        try:
            props = resolve(body.get("Properties", {}))
            check(c, physical[logical], props, report, where)
        except Gone:
            report.problems.append(f"{where}: the service does not know {physical[logical]}")
        except (ClientError, KeyError) as exc:
            report.problems.append(f"{where}: {exc}")
        report.checked[logical] = body["Type"]
    return report


def resource_exists(c: Clients, rtype: str, physical: str, props: dict[str, Any]) -> bool:
    """Whether a resource is still there (after a destroy), asked of its service."""
    if rtype == "AWS::CDK::Metadata":
        return False  # no service keeps it: it is an entry of a stack, gone with the stack
    try:
        CHECKERS[rtype](c, physical, props, Report(), "")
    except Gone:
        return False
    except Exception:  # it answered, but the props given could not all be compared: it exists
        return True
    return True


def props_for_existence(body: dict[str, Any], resources: dict[str, tuple[str, str]]
                        ) -> dict[str, Any]:
    """The few properties an existence check needs, with Refs replaced by physical ids."""
    def resolve(v: Any) -> Any:
        if isinstance(v, dict) and set(v) == {"Ref"} and v["Ref"] in resources:
            return resources[v["Ref"]][1]
        if isinstance(v, dict):
            return {k: resolve(x) for k, x in v.items()}
        if isinstance(v, list):
            return [resolve(x) for x in v]
        return v

    return dict(resolve(body.get("Properties", {})))


def still_there(c: Clients, template: dict[str, Any], resources: dict[str, tuple[str, str]]
                ) -> dict[str, bool]:
    """After a destroy: logical id -> whether its service still has it (`resources` as
    `stack_resources` gave them before the destroy)."""
    return {lid: resource_exists(c, rtype, physical,
                                 props_for_existence(template["Resources"][lid], resources))
            for lid, (rtype, physical) in sorted(resources.items())
            if lid in template["Resources"]}
