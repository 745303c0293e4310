"""The architecture of a stack, drawn from its synthesized template and nothing else.

`architecture(template)` reads a CloudFormation template as plain data (no aws_cdk import) and
returns a `Diagram`: an SVG for notebooks and a text outline for terminals and nbval. Every box and
arrow comes from the template: pipeline stages and actions from `Stages`, everything else from the
references between resources (Ref, Fn::GetAtt, Fn::Sub). Nothing is known about our stack in
particular, so any template draws: parts a template lacks are left out, types the diagram has no
place for are grouped by service, and references to missing resources are shown as such.

Labels are construct paths (`aws:cdk:path` without the stack and `/Resource`) where CDK recorded
them, else logical ids without CDK's hash. The same template always gives the same bytes.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from pitfalls.architecture.measure import FONT, text_width, wrap
from pitfalls.architecture.model import (
    PALETTE,
    Card,
    Diagram,
    Edge,
    Flow,
    Line,
    Panel,
    PipelineView,
    Stage,
    counted,
    service_of,
    type_name,
)
from pitfalls.template import (
    PIPELINE,
    PipelineAction,
    Template,
    as_list,
    pipeline_actions,
    ref_target,
    refs_in_order,
)

Json = Any


_HASH = re.compile(r"(?<=[a-z0-9])[0-9A-F]{8}$")
_CODEDEPLOY_CONFIG = re.compile(
    r"^(?:CodeDeployDefault\.)?(?:Lambda|ECS)(Canary|Linear)(\d+)Percent(\d+)Minutes?$"
)
_OPS = {
    "GreaterThanOrEqualToThreshold": "≥",
    "GreaterThanThreshold": ">",
    "LessThanThreshold": "<",
    "LessThanOrEqualToThreshold": "≤",
}
_ROLLBACK = {
    "DEPLOYMENT_FAILURE": "failure",
    "DEPLOYMENT_STOP_ON_ALARM": "alarm",
    "DEPLOYMENT_STOP_ON_REQUEST": "manual stop",
}
_IAM = ("AWS::IAM::Role", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::InstanceProfile")
ALARM = "AWS::CloudWatch::Alarm"
# Action configuration keys whose plain-string value names a resource outside the template.
_NAMED_CONFIG = {
    "S3Bucket": "AWS::S3::Bucket",
    "ProjectName": "AWS::CodeBuild::Project",
    "FunctionName": "AWS::Lambda::Function",
    "ApplicationName": "AWS::CodeDeploy::Application",
    "DeploymentGroupName": "AWS::CodeDeploy::DeploymentGroup",
    "StackName": "AWS::CloudFormation::Stack",
    "RepositoryName": "AWS::CodeCommit::Repository",
    "ClusterName": "AWS::ECS::Cluster",
    "ServiceName": "AWS::ECS::Service",
}


def as_dict(value: Json) -> dict[str, Json]:
    return value if isinstance(value, dict) else {}


def as_str(value: Json) -> str | None:
    return value if isinstance(value, str) else None


def as_text(value: Json) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    return None


class Builder:
    """Turns a template into panels of cards; records every relationship it shows as an Edge."""

    def __init__(self, t: Template, malformed: int) -> None:
        self.t = t
        self.malformed = malformed
        self.res: dict[str, dict[str, Json]] = dict(t.resources_all())
        self.edges: dict[Edge, None] = {}  # an ordered set
        self.shown: set[str] = set()
        self._refs: dict[str, list[str]] = {}
        self.referrers: dict[str, list[str]] = {}
        for lid in self.res:
            for target in self.refs(lid):
                self.referrers.setdefault(target, []).append(lid)
        self.params = set(as_dict(t.data.get("Parameters")))
        self.pipelines = [(lid, pipeline_actions(self.props(lid))) for lid, _ in t.resources(PIPELINE)]

    # -- look-ups ------------------------------------------------------------------------------

    def props(self, lid: str | None) -> dict[str, Json]:
        return as_dict(self.res.get(lid or "", {}).get("Properties"))

    def type(self, lid: str | None) -> str:
        return str(self.res.get(lid or "", {}).get("Type", ""))

    def refs(self, lid: str) -> list[str]:
        """Resources of this template that `lid`'s properties reference, in order of appearance."""
        if lid not in self._refs:
            self._refs[lid] = [r for r in refs_in_order(self.props(lid)) if r in self.res and r != lid]
        return self._refs[lid]

    def of_type(self, *types: str) -> list[str]:
        return [lid for lid, body in self.res.items() if body.get("Type") in types]

    def path(self, lid: str) -> str | None:
        path = as_dict(self.res.get(lid, {}).get("Metadata")).get("aws:cdk:path")
        return path if isinstance(path, str) else None

    def label(self, lid: str) -> str:
        """The construct path without the stack and /Resource, else the logical id without hash."""
        path = self.path(lid)
        if path and "/" in path:
            parts = path.split("/")[1:]
            while len(parts) > 1 and parts[-1] in ("Resource", "Default"):
                parts.pop()
            collapsed = [p for i, p in enumerate(parts) if i == 0 or p != parts[i - 1]]
            return "/".join(collapsed)
        return _HASH.sub("", lid) or lid

    def tip(self, lid: str) -> str:
        return " · ".join(p for p in (lid, self.type(lid), self.path(lid)) if p)

    def edge(self, source: str, target: str, label: str) -> None:
        self.edges.setdefault(Edge(source, target, label))

    def pointer(self, value: Json) -> tuple[str | None, str]:
        """What a property points at: (logical id in the template, or None; readable text)."""
        target = ref_target(value)
        if target is None:
            refs = refs_in_order(value)
            target = next((r for r in refs if r in self.res), refs[0] if refs else None)
        if target is None:
            text = as_text(value)
            return None, text if text is not None else "(not set)" if value is None else "(computed)"
        if target in self.res:
            return target, self.label(target)
        if target in self.params:
            return None, f"parameter {target}"
        if target.startswith("AWS::"):
            return None, target
        return None, f"{target} (not in the template)"

    def missing(self, value: Json) -> bool:
        target = ref_target(value)
        return (
            target is not None
            and target not in self.res
            and target not in self.params
            and not target.startswith("AWS::")
        )

    def resource_card(self, lid: str, key: str | None = None, elsewhere: str = "") -> Card:
        rtype = self.type(lid)
        self.shown.add(lid)
        return Card(
            key or lid,
            service_of(rtype),
            type_name(rtype),
            self.label(lid),
            ids=(lid,),
            elsewhere=elsewhere,
            tip=self.tip(lid),
        )

    # -- pipeline ------------------------------------------------------------------------------

    def pipeline_views(self) -> list[PipelineView]:
        views = []
        for plid, actions in self.pipelines:
            props = self.props(plid)
            self.shown.add(plid)
            lines: list[Line] = []
            if isinstance(props.get("PipelineType"), str):
                lines.append((f"{props['PipelineType']}", "dim"))
            stores = [as_dict(props.get("ArtifactStore"))] + [
                as_dict(as_dict(s).get("ArtifactStore")) for s in as_list(props.get("ArtifactStores"))
            ]
            for store in stores:
                if not store:
                    continue
                bucket, text = self.pointer(store.get("Location"))
                if bucket:
                    self.edge(plid, bucket, "artifact store")
                lines.append((f"artifacts in {text}", "dim"))
                key_value = as_dict(store.get("EncryptionKey")).get("Id")
                if key_value is not None:
                    key, key_text = self.pointer(key_value)
                    if key:
                        self.edge(plid, key, "encrypted by")
                    lines.append((f"encrypted with {key_text}", "dim"))
                else:
                    lines.append(("artifacts not encrypted with a key of this stack", "dim"))
            stages = []
            for index, raw in enumerate(as_list(props.get("Stages"))):
                name = str(as_dict(raw).get("Name", f"#{index}"))  # as pipeline_actions names it
                mine = sorted((a for a in actions if a.stage_index == index), key=lambda a: a.run_order)
                orders = {a.run_order for a in mine}
                cards = [self.action_card(plid, a, len(orders) > 1) for a in mine]
                stages.append(Stage(index, name, cards))
            if not stages:
                lines.append(("no stages", "warn"))
            views.append(PipelineView(plid, self.label(plid), lines, stages))
        return views

    @staticmethod
    def action_id(plid: str, a: PipelineAction) -> str:
        return f"{plid}/{a.stage}/{a.name}"

    def action_card(self, plid: str, a: PipelineAction, show_order: bool) -> Card:
        aid = self.action_id(plid, a)
        kind = " · ".join(p for p in (a.category, a.provider) if p) or "action"
        card = Card(
            f"action:{aid}", "devtools", kind, a.name, ids=(aid,), tip=aid, plain=True, order=a.run_order
        )
        if show_order:
            card.lines.append((f"run order {a.run_order}", "dim"))
        flow = []
        if a.inputs:
            flow.append("in " + ", ".join(a.inputs))
        if a.outputs:
            flow.append("out " + ", ".join(a.outputs))
        if flow:
            card.lines.append((" · ".join(flow), "dim"))
        config = a.configuration if isinstance(a.configuration, dict) else {}
        seen: list[str] = []
        for key, value in config.items():
            target = ref_target(value)
            if target is not None and target in self.res:
                continue  # drawn as a chip below, in order of appearance
            if key in _NAMED_CONFIG and isinstance(value, str) and not value.startswith("#{"):
                chip = Card(
                    f"ext:{aid}:{key}",
                    service_of(_NAMED_CONFIG[key]),
                    type_name(_NAMED_CONFIG[key]),
                    value,
                    elsewhere="outside",
                )
                card.chips.append(chip)
            elif self.missing(value):
                card.lines.append((f"{key}: {ref_target(value)} is not in the template", "warn"))
        for target in refs_in_order(config):
            if target not in self.res or target in seen:
                continue
            seen.append(target)
            card.chips.append(self.action_chip(aid, a, target, config))
        return card

    def action_chip(self, aid: str, a: PipelineAction, lid: str, config: dict[str, Json]) -> Card:
        rtype = self.type(lid)
        chip = self.resource_card(lid, key=f"chip:{aid}:{lid}")
        props = self.props(lid)
        verb = "uses"
        if rtype == "AWS::S3::Bucket":
            verb = "source" if a.category == "Source" else "uses"
            if isinstance(config.get("S3ObjectKey"), str):
                chip.lines.append((f"key {config['S3ObjectKey']}", "dim"))
            status = as_dict(props.get("VersioningConfiguration")).get("Status")
            chip.lines.append(("versioned", "dim") if status == "Enabled" else ("not versioned", "warn"))
        elif rtype == "AWS::CodeBuild::Project":
            verb = "runs"
            chip.lines.extend(self.codebuild_lines(lid))
        elif rtype == "AWS::Lambda::Function":
            verb = "invokes"
            runtime = as_str(props.get("Runtime"))
            if runtime:
                chip.lines.append((runtime, "dim"))
        self.edge(aid, lid, verb)
        return chip

    def codebuild_lines(self, lid: str) -> list[Line]:
        env = as_dict(self.props(lid).get("Environment"))
        lines: list[Line] = []
        image = as_str(env.get("Image"))
        os_name = {
            "LINUX_CONTAINER": "Linux",
            "ARM_CONTAINER": "Linux Arm",
            "LINUX_GPU_CONTAINER": "Linux GPU",
            "LINUX_LAMBDA_CONTAINER": "Linux Lambda",
            "ARM_LAMBDA_CONTAINER": "Linux Lambda Arm",
            "WINDOWS_CONTAINER": "Windows",
            "WINDOWS_SERVER_2019_CONTAINER": "Windows",
            "WINDOWS_SERVER_2022_CONTAINER": "Windows",
        }.get(str(env.get("Type")), as_str(env.get("Type")) or "")
        if image:
            short = image.removeprefix("aws/codebuild/")
            lines.append(
                (f"{short} · {os_name}" if os_name else short, "warn" if "Windows" in os_name else "dim")
            )
        elif env:
            lines.append(("no image", "warn"))
        for target in self.refs(lid):
            if self.type(target) == "AWS::CodeBuild::ReportGroup":
                self.shown.add(target)
                self.edge(lid, target, "reports to")
                lines.append((f"reports to {self.label(target)}", "dim"))
        return lines

    # -- release: functions, versions, aliases, CodeDeploy --------------------------------------

    def release_panel(self) -> Panel | None:
        functions = self.of_type("AWS::Lambda::Function")
        versions = self.of_type("AWS::Lambda::Version")
        aliases = self.of_type("AWS::Lambda::Alias")
        groups = self.of_type("AWS::CodeDeploy::DeploymentGroup")
        if not (functions or versions or aliases or groups):
            return None

        alias_policy: dict[str, dict[str, Json]] = {
            a: as_dict(as_dict(self.res[a].get("UpdatePolicy")).get("CodeDeployLambdaAliasUpdate"))
            for a in aliases
        }
        hooks: dict[str, list[tuple[str, str]]] = {}  # alias -> [(hook function, when)]
        alias_group: dict[str, str | None] = {}
        for a in aliases:
            policy = alias_policy[a]
            group = ref_target(policy.get("DeploymentGroupName"))
            alias_group[a] = group if group in self.res else None
            for key, when in (
                ("BeforeAllowTrafficHook", "before traffic"),
                ("AfterAllowTrafficHook", "after traffic"),
            ):
                fn = ref_target(policy.get(key))
                if fn in self.res:
                    hooks.setdefault(a, []).append((str(fn), when))
        hook_fns = {fn for pairs in hooks.values() for fn, _ in pairs}

        def fn_of(lid: str) -> str | None:
            target = ref_target(self.props(lid).get("FunctionName"))
            return target if target in self.res else None

        panel = Panel("Release", "functions, versions, aliases and their deployment")
        placed_groups: set[str] = set()
        standalone: list[str] = []
        for fn in functions + [None]:  # None: versions and aliases whose function is not here
            my_versions = [v for v in versions if fn_of(v) == fn]
            my_aliases = [a for a in aliases if fn_of(a) == fn]
            if fn is None and not (my_versions or my_aliases):
                continue
            if fn is not None and not (my_versions or my_aliases):
                if fn not in hook_fns:
                    standalone.append(fn)
                continue
            my_groups = list(dict.fromkeys(g for a in my_aliases if (g := alias_group.get(a))))
            placed_groups.update(my_groups)
            panel.flows.append(self.release_flow(fn, my_versions, my_aliases, my_groups, alias_group, hooks))
        for group in groups:
            if group not in placed_groups:
                panel.flows.append(self.release_flow(None, [], [], [group], {}, {}))
        loose = standalone + [fn for fn in functions if fn in hook_fns and fn not in self.shown]
        if len(loose) <= 8:
            panel.grid.extend(self.function_card(fn) for fn in loose)
        else:  # helper functions by the dozen (custom resources): a list, not a wall of cards
            card = Card(
                "functions", "compute", "Lambda functions", f"{len(loose)} functions", ids=tuple(loose)
            )
            for fn in loose:
                self.shown.add(fn)
                runtime = as_str(self.props(fn).get("Runtime"))
                card.lines.append((f"{self.label(fn)}{' · ' + runtime if runtime else ''}", "dim"))
            panel.grid.append(card)
        return panel

    def function_card(self, fn: str, key: str | None = None, kind: str | None = None) -> Card:
        card = self.resource_card(fn, key=key)
        if kind:
            card.kind = kind
        props = self.props(fn)
        runtime, handler = as_str(props.get("Runtime")), as_str(props.get("Handler"))
        if runtime or handler:
            card.lines.append((" · ".join(p for p in (runtime, handler) if p), "dim"))
        elif props.get("PackageType") == "Image":
            card.lines.append(("container image", "dim"))
        if isinstance(props.get("MemorySize"), int):
            card.lines.append((f"{props['MemorySize']} MB", "dim"))
        log_group, text = self.pointer(as_dict(props.get("LoggingConfig")).get("LogGroup"))
        if log_group:
            self.edge(fn, log_group, "logs to")
            card.lines.append((f"logs to {text}", "dim"))
        for target in self.refs(fn):
            if self.type(target) == "AWS::Lambda::Function":
                self.edge(fn, target, "calls")
                card.lines.append((f"calls {self.label(target)}", "dim"))
        return card

    def release_flow(
        self,
        fn: str | None,
        versions: list[str],
        aliases: list[str],
        groups: list[str],
        alias_group: dict[str, str | None],
        hooks: dict[str, list[tuple[str, str]]],
    ) -> Flow:
        arrows: list[tuple[str, str, str]] = []
        columns: list[list[Card]] = []
        unit = set(versions) | set(aliases) | set(groups) | ({fn} if fn else set())
        for g in groups:
            app = ref_target(self.props(g).get("ApplicationName"))
            if app in self.res:
                unit.add(str(app))
        for pairs in (hooks.get(a, []) for a in aliases):
            unit.update(h for h, _ in pairs)

        # Who deploys it: pipeline actions whose configuration or CodeBuild project references it.
        proxies: list[Card] = []
        entry = next(iter(groups or aliases or versions or ([fn] if fn else [])), None)
        for plid, actions in self.pipelines:
            by_stage: dict[int, Card] = {}
            for act in actions:
                reach = refs_in_order(act.configuration)
                if act.project in self.res:
                    reach += self.refs(str(act.project))
                hit = [r for r in dict.fromkeys(reach) if r in unit]
                if not hit:
                    continue
                verb = {"Test": "tests", "Invoke": "invokes"}.get(act.category, "deploys")
                aid = self.action_id(plid, act)
                for target in hit:
                    self.edge(aid, target, verb)
                card = by_stage.get(act.stage_index)
                if card is None:
                    card = Card(
                        f"stage:{plid}/{act.stage_index}:{entry}",
                        "devtools",
                        "pipeline stage",
                        f"{act.stage_index + 1} · {act.stage}",
                        ids=(plid,),
                        elsewhere="above",
                        tip=f"{plid} stage {act.stage}",
                    )
                    by_stage[act.stage_index] = card
                    proxies.append(card)
                card.lines.append((f"{act.name}: {verb} {self.label(hit[0])}", "dim"))
        if proxies:
            columns.append(proxies)

        if groups:
            col: list[Card] = []
            for g in groups:
                card = self.group_card(g)
                col.append(card)
                for proxy in proxies:
                    arrows.append((proxy.key, g, "deploys"))
                alarms = self.group_alarms(g)
                if alarms:
                    col.append(alarms)
                    arrows.append((g, alarms.key, "stops on"))
            columns.append(col)
        if aliases:
            col = []
            for a in aliases:
                col.append(self.alias_card(a))
                shifter = alias_group.get(a)
                if shifter:
                    self.edge(shifter, a, "shifts traffic")
                    arrows.append((shifter, a, "shifts"))
                elif not groups:
                    arrows.extend((proxy.key, a, "deploys") for proxy in proxies)
                for hook, when in hooks.get(a, []):
                    card = self.function_card(hook, key=f"hook:{a}:{hook}", kind=f"hook · {when}")
                    col.append(card)
                    self.edge(a, hook, when)
                    arrows.append((a, card.key, when))
            columns.append(col)
        if versions:
            col = []
            for v in versions:
                col.append(self.resource_card(v))
                if not aliases and not groups:
                    arrows.extend((proxy.key, v, "deploys") for proxy in proxies)
            columns.append(col)
            for a in aliases:
                pointed = ref_target(self.props(a).get("FunctionVersion"))
                if pointed in versions:
                    self.edge(a, str(pointed), "points to")
                    arrows.append((a, str(pointed), "points to"))
        if fn:
            columns.append([self.function_card(fn)])
            for v in versions:
                self.edge(v, fn, "version of")
                arrows.append((v, fn, "of"))
            for a in aliases:
                if ref_target(self.props(a).get("FunctionVersion")) not in versions:
                    self.edge(a, fn, "alias of")
                    arrows.append((a, fn, "$LATEST"))
            if not (aliases or versions or groups):
                arrows.extend((proxy.key, fn, "deploys") for proxy in proxies)
        return Flow(columns, arrows)

    def group_card(self, g: str) -> Card:
        card = self.resource_card(g)
        props = self.props(g)
        config = as_str(props.get("DeploymentConfigName"))
        if config:
            m = _CODEDEPLOY_CONFIG.match(config)
            if m:
                how, pct, mins = m.groups()
                text = f"canary: {pct}%, then all after {mins} min"
                if how == "Linear":
                    text = f"linear: {pct}% more every {mins} min"
                card.lines.append((text, ""))
            else:
                short = config.removeprefix("CodeDeployDefault.")
                card.lines.append((short, "warn" if "AllAtOnce" in short else ""))
        else:
            card.lines.append(("default deployment configuration", "dim"))
        rollback = as_dict(props.get("AutoRollbackConfiguration"))
        events = [_ROLLBACK.get(str(e), str(e).lower()) for e in as_list(rollback.get("Events"))]
        if rollback.get("Enabled") is True and events:
            card.lines.append(("rollback: " + ", ".join(events), ""))
        else:
            card.lines.append(("no automatic rollback", "warn"))
        alarms = as_dict(props.get("AlarmConfiguration"))
        if not as_list(alarms.get("Alarms")) or alarms.get("Enabled") is False:
            card.lines.append(("no alarms", "warn"))
        app, text = self.pointer(props.get("ApplicationName"))
        if app:
            self.shown.add(app)
            self.edge(g, app, "in application")
        card.lines.append((f"application {text}", "dim"))
        return card

    def alarm_line(self, lid: str) -> str:
        props = self.props(lid)
        metric = as_str(props.get("MetricName")) or ("metric math" if props.get("Metrics") else "?")
        stat = as_str(props.get("ExtendedStatistic"))
        op = _OPS.get(str(props.get("ComparisonOperator")), "?")
        threshold = as_text(props.get("Threshold"))
        # no-break spaces keep "≥ 1" in one piece when the line wraps
        rule = (
            f"{metric}{' ' + stat if stat else ''}\u00a0{op}\u00a0{threshold}"
            if threshold is not None
            else metric
        )
        return f"{self.label(lid)}: {rule}"

    def group_alarms(self, g: str) -> Card | None:
        config = as_dict(self.props(g).get("AlarmConfiguration"))
        entries = [as_dict(a).get("Name") for a in as_list(config.get("Alarms"))]
        if not entries:
            return None
        card = Card(
            f"alarms:{g}",
            "management",
            "CloudWatch alarms",
            f"{len(entries)} rollback alarm" + ("s" if len(entries) != 1 else ""),
        )
        ids = []
        for value in entries:
            lid, text = self.pointer(value)
            if lid:
                ids.append(lid)
                self.shown.add(lid)
                self.edge(g, lid, "rolls back on")
                card.lines.append((self.alarm_line(lid), ""))
            else:
                card.lines.append((text, "warn" if self.missing(value) else "dim"))
        card.ids = tuple(ids)
        return card

    def alias_card(self, a: str) -> Card:
        card = self.resource_card(a)
        props = self.props(a)
        name = as_str(props.get("Name"))
        if name:
            card.title, card.lines = name, [(self.label(a), "dim")]
        version = props.get("FunctionVersion")
        if version == "$LATEST":
            card.lines.append(("points at $LATEST", "warn"))
        return card

    # -- events and notifications ----------------------------------------------------------------

    def rule_targets(self, rule: str) -> list[tuple[str | None, str, Json]]:
        out = []
        for target in as_list(self.props(rule).get("Targets")):
            arn = as_dict(target).get("Arn")
            lid, text = self.pointer(arn)
            out.append((lid, text, arn))
        return out

    def alarm_actions(self, alarm: str) -> list[str]:
        props = self.props(alarm)
        found: list[str] = []
        for key in ("AlarmActions", "OKActions", "InsufficientDataActions"):
            found += [r for r in refs_in_order(props.get(key)) if r in self.res]
        return list(dict.fromkeys(found))

    def events_panel(self) -> Panel | None:
        topics = self.of_type("AWS::SNS::Topic")
        rules = self.of_type("AWS::Events::Rule")
        if not (topics or rules):
            return None
        panel = Panel("Events and notifications", "EventBridge rules, SNS topics and who hears them")
        done_rules: set[str] = set()
        done_topics: set[str] = set()
        for topic in topics:
            if topic in done_topics:
                continue
            mine = [
                r
                for r in rules
                if r not in done_rules and any(t == topic for t, _, _ in self.rule_targets(r))
            ]
            done_rules.update(mine)
            panel.flows.append(self.event_flow(mine, topic, done_topics))
        for rule in rules:
            if rule not in done_rules:
                panel.flows.append(self.event_flow([rule], None, done_topics))
        return panel

    def event_flow(self, rules: list[str], topic: str | None, done_topics: set[str]) -> Flow:
        arrows: list[tuple[str, str, str]] = []
        sources: list[Card] = []
        rule_cards: list[Card] = []
        targets: list[Card] = []
        subs: list[Card] = []
        target_keys: dict[str, str] = {}

        def add_target(lid: str | None, text: str, arn: Json, rule: str) -> str:
            name = lid or f"ext:{rule}:{text}"
            if name in target_keys:
                return target_keys[name]
            if lid and self.type(lid) == "AWS::SNS::Topic":
                card = self.topic_card(lid)
                done_topics.add(lid)
                targets.append(card)
                for sub in self.subscriptions(lid):
                    subs.append(sub)
                    arrows.append((lid, sub.key, "delivers"))
            elif lid:
                card = self.resource_card(
                    lid, key=f"target:{rule}:{lid}", elsewhere="above" if lid in self.shown else ""
                )
                targets.append(card)
            elif self.missing(arn):
                card = Card(name, "other", "target", str(ref_target(arn)), [("not in the template", "warn")])
                targets.append(card)
            else:
                card = Card(name, "other", "target", text, elsewhere="outside")
                targets.append(card)
            target_keys[name] = card.key
            return card.key

        if topic:
            add_target(topic, self.label(topic), None, "")
        for rule in rules:
            card = self.rule_card(rule)
            rule_cards.append(card)
            pattern = self.event_pattern(rule)
            src = [r for r in refs_in_order(pattern) if r in self.res]
            for s in src:
                key = f"src:{rule}:{s}"
                sources.append(self.resource_card(s, key=key, elsewhere="above"))
                self.edge(s, rule, "events")
                arrows.append((key, rule, "events"))
            if not src:
                origin = [str(x) for x in as_list(as_dict(pattern).get("source"))]
                schedule = as_str(self.props(rule).get("ScheduleExpression"))
                title = schedule or ", ".join(origin) or "any event"
                key = f"src:{rule}"
                sources.append(
                    Card(
                        key,
                        "integration",
                        "schedule" if schedule else "event source",
                        title,
                        elsewhere="outside",
                    )
                )
                arrows.append((key, rule, "events"))
            for lid, text, arn in self.rule_targets(rule):
                key = add_target(lid, text, arn, rule)
                if lid:
                    self.edge(rule, lid, "target")
                arrows.append((rule, key, "target"))
        for t in [c for c in targets if self.type(c.ids[0] if c.ids else "") == "AWS::SNS::Topic"]:
            alarms = [
                a
                for a in self.referrers.get(t.ids[0], [])
                if self.type(a) == ALARM and t.ids[0] in self.alarm_actions(a)
            ]
            if alarms:
                card = self.alarms_summary(f"notify:{t.ids[0]}", alarms)
                rule_cards.append(card)
                for a in alarms:
                    self.edge(a, t.ids[0], "alarm action")
                arrows.append((card.key, t.key, "alarm"))
        columns = [c for c in (sources, rule_cards, targets, subs) if c]
        return Flow(columns, arrows)

    def event_pattern(self, rule: str) -> Json:
        pattern = self.props(rule).get("EventPattern")
        if isinstance(pattern, str):
            try:
                return json.loads(pattern)
            except ValueError:
                return {}
        return pattern

    def rule_card(self, rule: str) -> Card:
        card = self.resource_card(rule)
        props = self.props(rule)
        pattern = as_dict(self.event_pattern(rule))
        for key in ("detail-type",):
            values = [v for v in as_list(pattern.get(key)) if isinstance(v, str)]
            if values:
                card.lines.append((", ".join(values), "dim"))
        for key, value in as_dict(pattern.get("detail")).items():
            shown = [as_text(v) or "…" for v in as_list(value)]
            card.lines.append((f"{key}: {', '.join(shown)}", ""))
        if props.get("State") == "DISABLED":
            card.lines.append(("disabled", "warn"))
        targets = as_list(props.get("Targets"))
        if not targets:
            card.lines.append(("no targets", "warn"))
        if any("InputTransformer" in as_dict(t) for t in targets):
            card.lines.append(("message from an input transformer", "dim"))
        return card

    def topic_card(self, topic: str) -> Card:
        card = self.resource_card(topic)
        props = self.props(topic)
        if "KmsMasterKeyId" in props:
            key, text = self.pointer(props.get("KmsMasterKeyId"))
            if key:
                self.edge(topic, key, "encrypted by")
            card.lines.append((f"encrypted with {text}", "dim"))
        else:
            card.lines.append(("not encrypted", "warn"))
        for policy in self.referrers.get(topic, []):
            if self.type(policy) == "AWS::SNS::TopicPolicy":
                self.shown.add(policy)
                card.lines.append((f"policy {self.label(policy)}", "dim"))
        return card

    def subscriptions(self, topic: str) -> list[Card]:
        cards = []
        for sub in self.referrers.get(topic, []):
            props = self.props(sub)
            if self.type(sub) != "AWS::SNS::Subscription" or ref_target(props.get("TopicArn")) != topic:
                continue
            card = self.resource_card(sub)
            card.title = as_text(props.get("Protocol")) or self.pointer(props.get("Protocol"))[1]
            _, text = self.pointer(props.get("Endpoint"))
            card.lines = [(f"to {text}", ""), (self.label(sub), "dim")]
            self.edge(topic, sub, "delivers")
            cards.append(card)
        for i, inline in enumerate(as_list(self.props(topic).get("Subscription"))):
            _, text = self.pointer(as_dict(inline).get("Endpoint"))
            cards.append(
                Card(
                    f"inline:{topic}:{i}",
                    "integration",
                    "SNS subscription (inline)",
                    as_text(as_dict(inline).get("Protocol")) or "?",
                    [(f"to {text}", "")],
                )
            )
        if not cards:
            cards.append(
                Card(
                    f"nosub:{topic}",
                    "other",
                    "subscribers",
                    "none",
                    [("nobody hears this topic", "warn")],
                    elsewhere="none",
                )
            )
        return cards

    def watched(self, alarm: str) -> str | None:
        """The resource an alarm's metric is about (the first one its dimensions reference)."""
        props = self.props(alarm)
        return next(
            (r for r in refs_in_order([props.get("Dimensions"), props.get("Metrics")]) if r in self.res), None
        )

    def alarms_summary(self, key: str, alarms: list[str]) -> Card:
        """Many alarms in one card: how many watch which kind of resource."""
        title = f"{len(alarms)} alarm{'s' if len(alarms) != 1 else ''}"
        card = Card(key, "management", "CloudWatch alarms", title, ids=tuple(alarms))
        by: dict[str, tuple[int, list[str]]] = {}
        for a in alarms:
            self.shown.add(a)
            target = self.watched(a)
            what = (
                self.type(target)
                if target
                else f"{as_text(self.props(a).get('Namespace')) or 'other'} metrics"
            )
            n, seen = by.get(what, (0, []))
            by[what] = (n + 1, seen + [target] if target and target not in seen else seen)
        for what, (n, seen) in by.items():
            on = counted(len(seen), what) if seen else what
            card.lines.append((f"{n} on {on}", "dim"))
        return card

    # -- shared pieces ----------------------------------------------------------------------------

    def shared_panel(self) -> Panel | None:
        panel = Panel("Shared", "keys, storage, audit, logs, monitoring, identity")
        for key in self.of_type("AWS::KMS::Key"):
            panel.grid.append(self.key_card(key))
        for bucket in self.of_type("AWS::S3::Bucket"):
            panel.grid.append(self.bucket_card(bucket))
        for trail in self.of_type("AWS::CloudTrail::Trail"):
            panel.grid.append(self.trail_card(trail))
        logs = self.of_type("AWS::Logs::LogGroup")
        if logs:
            panel.grid.append(self.logs_card(logs))
        alarms = self.of_type(ALARM)
        dashboards = self.of_type("AWS::CloudWatch::Dashboard")
        if alarms or dashboards:
            panel.grid.append(self.monitoring_card(alarms, dashboards))
        iam = self.of_type(*_IAM)
        if iam:
            card = Card("iam", "security", "IAM", "Identity", ids=tuple(iam))
            for rtype in _IAM:
                n = len(self.of_type(rtype))
                if n:
                    card.lines.append((counted(n, rtype), ""))
            self.shown.update(iam)
            panel.grid.append(card)
        return panel if panel.grid else None

    def key_card(self, key: str) -> Card:
        card = self.resource_card(key)
        props = self.props(key)
        card.lines.append(
            ("rotation on", "") if props.get("EnableKeyRotation") is True else ("rotation off", "warn")
        )
        users = [
            r
            for r in self.referrers.get(key, [])
            if not self.type(r).startswith(("AWS::IAM::", "AWS::KMS::"))
        ]
        for r in users:
            self.edge(r, key, "encrypted by")
        if users:
            by: dict[str, int] = {}
            for r in users:
                by[self.type(r)] = by.get(self.type(r), 0) + 1
            card.lines.append((f"encrypts {len(users)} resource{'s' if len(users) != 1 else ''}", ""))
            card.lines.extend((counted(n, rtype), "dim") for rtype, n in by.items())
        else:
            card.lines.append(("encrypts nothing here", "dim"))
        for alias in self.referrers.get(key, []):
            if self.type(alias) == "AWS::KMS::Alias":
                self.shown.add(alias)
                card.lines.append(
                    (f"alias {as_str(self.props(alias).get('AliasName')) or self.label(alias)}", "dim")
                )
        if self.res[key].get("DeletionPolicy") == "Retain":
            card.lines.append(("kept when the stack is deleted", "dim"))
        return card

    def bucket_card(self, bucket: str) -> Card:
        card = self.resource_card(bucket)
        props = self.props(bucket)
        for plid, actions in self.pipelines:
            for a in actions:
                if a.category == "Source" and ref_target(a.configuration.get("S3Bucket")) == bucket:
                    card.lines.append((f"source of {self.label(plid)}", ""))
        for r in self.referrers.get(bucket, []):
            rtype = self.type(r)
            if rtype == PIPELINE and bucket in refs_in_order(
                self.props(r).get("ArtifactStore")
            ) + refs_in_order(self.props(r).get("ArtifactStores")):
                card.lines.append((f"artifacts of {self.label(r)}", ""))
            elif (
                rtype == "AWS::CloudTrail::Trail" and ref_target(self.props(r).get("S3BucketName")) == bucket
            ):
                card.lines.append((f"log files of {self.label(r)}", ""))
        logged = [
            r
            for r in self.referrers.get(bucket, [])
            if self.type(r) == "AWS::S3::Bucket"
            and ref_target(as_dict(self.props(r).get("LoggingConfiguration")).get("DestinationBucketName"))
            == bucket
        ]
        if logged:
            card.lines.append((f"access logs of {len(logged)} bucket{'s' if len(logged) != 1 else ''}", ""))
        facts = []
        if as_dict(props.get("VersioningConfiguration")).get("Status") == "Enabled":
            facts.append("versioned")
        sse = [
            as_dict(as_dict(r).get("ServerSideEncryptionByDefault"))
            for r in as_list(as_dict(props.get("BucketEncryption")).get("ServerSideEncryptionConfiguration"))
        ]
        for rule in sse:
            if rule.get("SSEAlgorithm") in ("aws:kms", "aws:kms:dsse"):
                key, text = self.pointer(rule.get("KMSMasterKeyID"))
                facts.append(f"KMS {text}" if rule.get("KMSMasterKeyID") is not None else "KMS (AWS managed)")
            elif rule.get("SSEAlgorithm"):
                facts.append("SSE-S3")
        if as_dict(props.get("LifecycleConfiguration")).get("Rules"):
            facts.append("lifecycle")
        if facts:
            card.lines.append((" · ".join(facts), "dim"))
        target, text = self.pointer(as_dict(props.get("LoggingConfiguration")).get("DestinationBucketName"))
        if target:
            self.edge(bucket, target, "access logs to")
            card.lines.append((f"access logs to {text}", "dim"))
        for r in self.referrers.get(bucket, []):
            if self.type(r) == "AWS::S3::BucketPolicy" and ref_target(self.props(r).get("Bucket")) == bucket:
                self.shown.add(r)
                tls = "aws:SecureTransport" in json.dumps(self.props(r).get("PolicyDocument"))
                card.lines.append(("bucket policy" + (", TLS only" if tls else ""), "dim"))
            elif (
                self.type(r) == "AWS::CloudTrail::Trail"
                and ref_target(self.props(r).get("S3BucketName")) != bucket
            ):
                card.lines.append((f"audited by {self.label(r)}", "dim"))
        return card

    def trail_card(self, trail: str) -> Card:
        card = self.resource_card(trail)
        props = self.props(trail)
        for selector in as_list(props.get("EventSelectors")):
            selector = as_dict(selector)
            rw = {"WriteOnly": "writes to", "ReadOnly": "reads of"}.get(
                str(selector.get("ReadWriteType")), "reads and writes to"
            )
            for data in as_list(selector.get("DataResources")):
                for value in as_list(as_dict(data).get("Values")):
                    target, text = self.pointer(value)
                    if target:
                        self.edge(trail, target, "records")
                    card.lines.append((f"records {rw} {text}", ""))
            if selector.get("IncludeManagementEvents", True) is not False:
                card.lines.append(("records management events", "dim"))
        if not props.get("EventSelectors") and not props.get("AdvancedEventSelectors"):
            card.lines.append(("records management events", "dim"))
        target, text = self.pointer(props.get("S3BucketName"))
        if target:
            self.edge(trail, target, "delivers to")
        card.lines.append((f"delivers to {text}", "dim"))
        facts = []
        if "KMSKeyId" in props:
            facts.append(f"KMS {self.pointer(props.get('KMSKeyId'))[1]}")
        if props.get("EnableLogFileValidation") is True:
            facts.append("file validation")
        if facts:
            card.lines.append((" · ".join(facts), "dim"))
        if props.get("EnableLogFileValidation") is not True:
            card.lines.append(("log files not validated", "warn"))
        if props.get("IsLogging") is False:
            card.lines.append(("not logging", "warn"))
        return card

    def logs_card(self, logs: list[str]) -> Card:
        card = Card(
            "logs",
            "management",
            "CloudWatch Logs",
            f"{len(logs)} log group{'s' if len(logs) != 1 else ''}",
            ids=tuple(logs),
        )
        for lid in logs:
            self.shown.add(lid)
            props = self.props(lid)
            days = props.get("RetentionInDays")
            kept = f"{as_text(days) or self.pointer(days)[1]} days" if days is not None else "kept for ever"
            text = f"{self.label(lid)} · {kept}"
            if "KmsKeyId" in props:
                text += " · KMS"
            card.lines.append((text, "" if days is not None else "warn"))
            for r in self.referrers.get(lid, []):
                if not self.type(r).startswith("AWS::IAM::"):
                    self.edge(r, lid, "logs to")
        return card

    def monitoring_card(self, alarms: list[str], dashboards: list[str]) -> Card:
        card = self.alarms_summary("monitoring", alarms)
        card.title = card.title if alarms else "Monitoring"
        silent = []
        for a in alarms:
            actions = self.alarm_actions(a)
            gates = [
                r for r in self.referrers.get(a, []) if self.type(r) == "AWS::CodeDeploy::DeploymentGroup"
            ]
            if not actions and not gates:
                silent.append(a)
        targets: dict[str, int] = {}
        for a in alarms:
            for t in self.alarm_actions(a):
                targets[t] = targets.get(t, 0) + 1
        for t, n in targets.items():
            card.lines.append((f"{n} notify {self.label(t)}", ""))
        gated = sum(
            1
            for a in alarms
            if any(self.type(r) == "AWS::CodeDeploy::DeploymentGroup" for r in self.referrers.get(a, []))
        )
        if gated:
            card.lines.append((f"{gated} can roll a deployment back", ""))
        if silent:
            card.lines.append((f"{len(silent)} with no action", "warn"))
        for d in dashboards:
            self.shown.add(d)
            refs = self.refs(d)
            n_alarms = sum(1 for r in refs if self.type(r) == ALARM)
            others = len(refs) - n_alarms
            card.lines.append(
                (f"dashboard {self.label(d)}: {n_alarms} alarms, {others} other resources", "dim")
            )
            for r in refs:
                self.edge(d, r, "shows")
        card.ids = tuple(alarms) + tuple(dashboards)
        return card

    def other_panel(self) -> Panel | None:
        left: dict[str, list[str]] = {}
        for lid, body in self.res.items():
            if lid not in self.shown:
                left.setdefault(str(body.get("Type", "")), []).append(lid)
        if not left and not self.malformed:
            return None
        panel = Panel("Other resources", "not part of anything above, by type")
        by_family: dict[str, list[str]] = {}
        for rtype in left:
            by_family.setdefault(rtype.split("::")[1] if rtype.count("::") >= 2 else rtype, []).append(rtype)
        for service, types in by_family.items():
            card = Card(f"other:{service}", service_of(types[0]), service or "unknown", "")
            ids: list[str] = []
            for rtype in types:
                lids = left[rtype]
                ids += lids
                names = ", ".join(self.label(lid) for lid in lids[:4]) + (
                    f" and {len(lids) - 4} more" if len(lids) > 4 else ""
                )
                card.lines.append((counted(len(lids), rtype), ""))
                card.lines.append((names, "dim"))
            card.title = f"{len(ids)} resource{'s' if len(ids) != 1 else ''}"
            card.ids = tuple(ids)
            self.shown.update(ids)
            panel.grid.append(card)
        if self.malformed:
            panel.grid.append(
                Card(
                    "malformed",
                    "other",
                    "skipped",
                    f"{self.malformed} malformed",
                    [("entries under Resources that are not resources", "warn")],
                )
            )
        return panel


# ---------------------------------------------------------------------------------------------
# SVG
# ---------------------------------------------------------------------------------------------

WIDTH = 960
MARGIN = 14
PAD = 12  # inside a panel
COL_GAP = 50  # between flow columns: room for an arrow label
ROW_GAP = 30  # between cards stacked in a column: room for a vertical arrow and its label
STAGE_GAP = 22
SIZE = {"kind": 8.5, "title": 11.5, "line": 10.0, "panel": 13.0, "arrow": 8.5}
LEAD = {"kind": 11.0, "title": 14.0, "line": 12.5}
INK, DIM, WARN, ARROW = "#1f2328", "#57606a", "#b3261e", "#6e7781"

_XML_BAD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _esc(text: str) -> str:
    return html.escape(_XML_BAD.sub("", text), quote=True)


def _n(v: float) -> str:
    r = round(v, 1)
    return str(int(r)) if r == int(r) else f"{r}"


@dataclass
class _Box:
    x: float
    y: float
    w: float
    h: float
    col: int = 0

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h


class _Svg:
    def __init__(self) -> None:
        self.out: list[str] = []
        self.used: list[str] = []

    def use(self, service: str) -> None:
        if service not in self.used:
            self.used.append(service)

    def text(
        self,
        x: float,
        y: float,
        s: str,
        size: float,
        fill: str = INK,
        bold: bool = False,
        anchor: str = "start",
        extra: str = "",
    ) -> None:
        weight = ' font-weight="bold"' if bold else ""
        anchor_attr = f' text-anchor="{anchor}"' if anchor != "start" else ""
        self.out.append(
            f'<text x="{_n(x)}" y="{_n(y)}" font-size="{_n(size)}" fill="{fill}"{weight}{anchor_attr}{extra}>'
            f"{_esc(s)}</text>"
        )

    def path(
        self, points: list[tuple[float, float]], colour: str = ARROW, width: float = 1.3, attrs: str = ""
    ) -> None:
        """A polyline ending in an arrow head."""
        d = "M" + " L".join(f"{_n(px)} {_n(py)}" for px, py in points)
        head = "pa-head-blue" if colour != ARROW else "pa-head"
        self.out.append(
            f'<path{attrs} d="{d}" fill="none" stroke="{colour}" stroke-width="{_n(width)}" '
            f'marker-end="url(#{head})"/>'
        )

    def rect(
        self, x: float, y: float, w: float, h: float, rx: float, fill: str, stroke: str, attrs: str = ""
    ) -> None:
        self.out.append(
            f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" rx="{_n(rx)}" fill="{fill}" '
            f'stroke="{stroke}"{attrs}/>'
        )

    # -- cards ------------------------------------------------------------------------------------

    def card_layout(self, card: Card, w: float, pad: float = 7) -> tuple[float, list[tuple[str, list[str]]]]:
        """Height of a card at width w, and its wrapped text blocks (style, lines)."""
        inner = w - 2 * pad
        kind = wrap(card.kind.upper(), inner - 0.3 * len(card.kind), SIZE["kind"], max_lines=2)
        blocks: list[tuple[str, list[str]]] = [("kind", kind)]
        if card.title:
            blocks.append(("title", wrap(card.title, inner, SIZE["title"], bold=True, max_lines=3)))
        for text, style in card.lines:
            blocks.append((style or "line", wrap(text, inner, SIZE["line"], max_lines=3)))
        h = pad + 2
        for style, lines in blocks:
            h += len(lines) * LEAD["kind" if style == "kind" else "title" if style == "title" else "line"]
        for chip in card.chips:
            h += 4 + self.card_layout(chip, inner, pad=5)[0]
        return h + pad - 1, blocks

    def card(self, card: Card, x: float, y: float, w: float, pad: float = 7) -> float:
        height, blocks = self.card_layout(card, w, pad)
        stroke, fill, _ = PALETTE[card.service]
        self.use(card.service)
        data = f' data-id="{_esc(" ".join(card.ids))}"' if card.ids else ""
        cls = "ref" if card.elsewhere else "card"
        self.out.append(f'<g class="{cls}" data-key="{_esc(card.key)}"{data}>')
        if card.tip:
            self.out.append(f"<title>{_esc(card.tip)}</title>")
        dash = ' stroke-dasharray="4 3"' if card.elsewhere else ""
        self.rect(x, y, w, height, 5, "#ffffff" if card.elsewhere or card.plain else fill, stroke, dash)
        cy = y + pad + 1
        for style, lines in blocks:
            for line in lines:
                if style == "kind":
                    cy += LEAD["kind"]
                    self.text(x + pad, cy - 2.5, line, SIZE["kind"], stroke, extra=' letter-spacing="0.3"')
                elif style == "title":
                    cy += LEAD["title"]
                    self.text(x + pad, cy - 3, line, SIZE["title"], INK, bold=True)
                else:
                    cy += LEAD["line"]
                    colour = {"dim": DIM, "warn": WARN}.get(style, INK)
                    italic = ' font-style="italic"' if style == "warn" else ""
                    self.text(x + pad, cy - 3, line, SIZE["line"], colour, extra=italic)
        for chip in card.chips:
            cy += 4
            cy += self.card(chip, x + pad, cy, w - 2 * pad, pad=5)
        self.out.append("</g>")
        return height

    # -- arrows -----------------------------------------------------------------------------------

    def arrow(
        self,
        points: list[tuple[float, float]],
        src: Card,
        dst: Card,
        label: str,
        label_at: tuple[float, float, str] | None,
    ) -> None:
        ends = (_esc(" ".join(card.ids) or card.key) for card in (src, dst))
        self.path(points, attrs=' class="edge" data-from="{}" data-to="{}"'.format(*ends))
        if label and label_at:
            lx, ly, anchor = label_at
            self.text(
                lx,
                ly,
                label,
                SIZE["arrow"],
                DIM,
                anchor=anchor,
                extra=' stroke="#ffffff" stroke-width="3" paint-order="stroke"',
            )

    def route(
        self, a: _Box, b: _Box, src: Card, dst: Card, label: str, lane: float, labelled: set[str]
    ) -> None:
        """An orthogonal arrow from box a to box b in a flow; labels sit in the gap before b."""
        ya = a.y + min(a.h / 2, 20)
        yb = b.y + min(b.h / 2, 20)
        tag = f"{src.key}:{label}:{_n(ya)}"
        if b.col == a.col:
            x = a.x + 18
            points = [(x, a.bottom), (x, b.y - 1)]
            at = (x + 6, (a.bottom + b.y) / 2 + 3, "start")
        elif b.col == a.col + 1:
            mid = (a.right + b.x) / 2
            points = (
                [(a.right, ya), (mid, ya), (mid, yb), (b.x - 1, yb)]
                if abs(ya - yb) > 0.5
                else [(a.right, ya), (b.x - 1, yb)]
            )
            at = (mid, ya - 4, "middle")
        else:
            points = [
                (a.right, ya),
                (a.right + 8, ya),
                (a.right + 8, lane),
                (b.x - 10, lane),
                (b.x - 10, yb),
                (b.x - 1, yb),
            ]
            at = ((a.right + b.x) / 2, lane - 3, "middle")
        self.arrow(points, src, dst, label, None if tag in labelled else at)
        labelled.add(tag)


def _natural_width(card: Card, pad: float = 7) -> float:
    """How wide a card would like to be: its longest line unwrapped."""
    widest = max(
        [
            text_width(card.kind.upper(), SIZE["kind"]) + 0.3 * len(card.kind),
            text_width(card.title, SIZE["title"], True),
        ]
        + [text_width(t, SIZE["line"]) for t, _ in card.lines]
        + [_natural_width(chip, 5) for chip in card.chips]
    )
    return widest + 2 * pad + 2


def _column_widths(flow: Flow, width: float) -> list[float]:
    """Columns as wide as their cards would like (within limits); when that is too wide, the widest
    give way first (one cap for all), so short cards keep their lines whole."""
    natural = [min(max((_natural_width(c) for c in col), default=0.0), 250.0) for col in flow.columns]
    natural = [max(w, 110.0) for w in natural]
    room = width - (len(natural) - 1) * COL_GAP
    if sum(natural) <= room:
        return natural
    low, high = 0.0, max(natural)
    for _ in range(30):
        cap = (low + high) / 2
        low, high = (cap, high) if sum(min(w, cap) for w in natural) <= room else (low, cap)
    return [min(w, low) for w in natural]


def _flow_svg(svg: _Svg, flow: Flow, x: float, y: float, width: float) -> float:
    """Draw a flow at (x, y) in `width`; return its height."""
    widths = _column_widths(flow, width)
    boxes: dict[str, _Box] = {}
    cards: dict[str, Card] = {}
    col_of = {card.key: ci for ci, column in enumerate(flow.columns) for card in column}
    # Arrows that skip a column (or run backwards) need a lane above the cards.
    has_lane = any(
        s in col_of and d in col_of and col_of[d] not in (col_of[s], col_of[s] + 1) for s, d, _ in flow.arrows
    )
    top = y + (12 if has_lane else 0)
    height = 0.0
    cx = x
    for ci, column in enumerate(flow.columns):
        col_w = widths[ci]
        cy = top
        for card in column:
            h = svg.card_layout(card, col_w)[0]
            boxes[card.key] = _Box(cx, cy, col_w, h, ci)
            cards[card.key] = card
            cy += h + ROW_GAP
        height = max(height, cy - ROW_GAP - y)
        cx += col_w + COL_GAP
    lane = y + 4
    for column in flow.columns:
        for card in column:
            box = boxes[card.key]
            svg.card(card, box.x, box.y, box.w)
    labelled: set[str] = set()
    for src, dst, label in flow.arrows:
        if src in boxes and dst in boxes:
            svg.route(boxes[src], boxes[dst], cards[src], cards[dst], label, lane, labelled)
    return height


def _grid_svg(svg: _Svg, cards: list[Card], x: float, y: float, width: float, cols: int = 4) -> float:
    """Cards in `cols` columns, each next card under the shortest column (masonry)."""
    gap = 12.0
    w = (width - (cols - 1) * gap) / cols
    heights = [0.0] * cols
    for card in cards:
        c = min(range(cols), key=lambda i: (heights[i], i))
        h = svg.card(card, x + c * (w + gap), y + heights[c], w)
        heights[c] += h + gap
    return max(heights) - gap if cards else 0.0


def _stage_svg(svg: _Svg, view: PipelineView, x: float, y: float, width: float) -> float:
    stages = view.stages
    per_row = min(len(stages), 6) or 1
    # A few stages need no more room than six would get: wide empty boxes read as "big".
    w = min((width - (per_row - 1) * STAGE_GAP) / per_row, 250.0)
    inner = w - 12
    rows = [stages[i : i + per_row] for i in range(0, len(stages), per_row)]
    cy = y
    prev: _Box | None = None
    for row_i, row in enumerate(rows):
        heights = []
        for stage in row:
            h = 30.0
            for i, card in enumerate(stage.actions):
                h += svg.card_layout(card, inner)[0] + (8 if i else 0)
            heights.append(h + 8 if stage.actions else 52.0)
        row_h = max(heights)
        for i, stage in enumerate(row):
            sx = x + i * (w + STAGE_GAP)
            stroke, _, _ = PALETTE["devtools"]
            svg.out.append(
                f'<g class="stage" data-index="{stage.index}" data-name="{_esc(stage.name)}" '
                f'data-pipeline="{_esc(view.lid)}">'
            )
            svg.rect(sx, cy, w, row_h, 7, "#f7f8fd", stroke, ' stroke-width="1.2"')
            svg.out.append(f'<circle cx="{_n(sx + 15)}" cy="{_n(cy + 14)}" r="9" fill="{stroke}"/>')
            svg.text(sx + 15, cy + 17.5, str(stage.index + 1), 10, "#ffffff", bold=True, anchor="middle")
            name = wrap(stage.name, w - 36, 11.5, bold=True, max_lines=1)[0]
            svg.text(sx + 30, cy + 18, name, 11.5, INK, bold=True)
            ay = cy + 30
            for j, card in enumerate(stage.actions):
                if j:
                    if card.order != stage.actions[j - 1].order:
                        # a later run order: draw the hand-over, not just a gap
                        svg.path([(sx + w / 2, ay + 1), (sx + w / 2, ay + 7)])
                    ay += 8
                ay += svg.card(card, sx + 6, ay, inner)
            if not stage.actions:
                svg.text(sx + 10, cy + 44, "no actions", SIZE["line"], WARN, extra=' font-style="italic"')
            svg.out.append("</g>")
            box = _Box(sx, cy, w, row_h)
            if prev is not None:
                if prev.y == box.y:
                    points = [(prev.right, cy + 14), (box.x - 1, cy + 14)]
                else:  # the next row: down from this stage, across, and down into the next
                    mid, px, bx = prev.bottom + STAGE_GAP / 2, prev.x + prev.w / 2, box.x + box.w / 2
                    points = [(px, prev.bottom), (px, mid), (bx, mid), (bx, box.y - 1)]
                svg.path(points, stroke, 1.6, ' class="flow"')
            prev = box
        cy += row_h + (STAGE_GAP if row_i < len(rows) - 1 else 0)
    return cy - y


def _heading(title: str, note: str) -> tuple[bool, list[str]]:
    """A panel's note: beside its heading when it fits there, else below it (at most two lines)."""
    inner_w = WIDTH - 2 * (MARGIN + PAD)
    room = inner_w - text_width(title, SIZE["panel"], True) - 10
    if not note or text_width(note, SIZE["line"]) <= room:
        return True, [note] if note else []
    return False, wrap(note, inner_w, SIZE["line"], max_lines=2)


def _panel(svg: _Svg, title: str, note: str, y: float, attrs: str, body: Callable[[float], float]) -> float:
    """A framed panel at y whose content `body(top)` draws and measures; returns the panel's bottom."""
    beside, notes = _heading(title, note)
    top = y + 32 + (0 if beside else len(notes) * LEAD["line"])
    start = len(svg.out)
    bottom = top + body(top) + PAD
    frame = _Svg()
    frame.out.append(f"<g{attrs}>")
    frame.rect(MARGIN, y, WIDTH - 2 * MARGIN, bottom - y, 9, "#ffffff", "#d0d7de")
    frame.text(MARGIN + PAD, y + 20, title, SIZE["panel"], INK, bold=True)
    for i, line in enumerate(notes):
        if beside:
            frame.text(
                MARGIN + PAD + text_width(title, SIZE["panel"], True) + 10, y + 20, line, SIZE["line"], DIM
            )
        else:
            frame.text(MARGIN + PAD, y + 20 + (i + 1) * LEAD["line"], line, SIZE["line"], DIM)
    svg.out[start:start] = frame.out  # the frame goes under its content
    svg.out.append("</g>")
    return bottom


def render_svg(title: str, subtitle: str, views: list[PipelineView], panels: list[Panel]) -> str:
    svg = _Svg()
    inner_x = MARGIN + PAD
    inner_w = WIDTH - 2 * (MARGIN + PAD)
    svg.text(MARGIN, 28, title, 16, INK, bold=True)
    beside = MARGIN + text_width(title, 16, True) + 10
    if beside + text_width(subtitle, SIZE["line"] + 1) <= WIDTH - MARGIN:
        svg.text(beside, 28, subtitle, SIZE["line"] + 1, DIM)
        y = 44.0
    else:
        svg.text(MARGIN, 44, subtitle, SIZE["line"] + 1, DIM)
        y = 58.0

    for view in views:

        def stages(top: float, view: PipelineView = view) -> float:
            return _stage_svg(svg, view, inner_x, top, inner_w)

        attrs = f' class="panel" data-title="pipeline" data-id="{_esc(view.lid)}"'
        note = " · ".join(t for t, _ in view.lines)
        y = _panel(svg, f"Pipeline {view.title}", note, y, attrs, stages) + 14
        svg.use("devtools")

    for panel in panels:

        def body(top: float, panel: Panel = panel) -> float:
            cy = top
            for i, flow in enumerate(panel.flows):
                if i:  # a hairline between flows
                    svg.out.append(
                        f'<line x1="{_n(inner_x)}" y1="{_n(cy - 9)}" x2="{_n(inner_x + inner_w)}" '
                        f'y2="{_n(cy - 9)}" stroke="#eaeef2" stroke-width="1"/>'
                    )
                cy += _flow_svg(svg, flow, inner_x, cy, inner_w) + 18
            if panel.grid:
                cy += _grid_svg(svg, panel.grid, inner_x, cy, inner_w) + 18
            return cy - top - 18

        y = (
            _panel(svg, panel.title, panel.note, y, f' class="panel" data-title="{_esc(panel.title)}"', body)
            + 14
        )

    # Legend: the colours used, and what a dashed box means; wraps when it runs out of width.
    entries = [
        (PALETTE[s][1], PALETTE[s][0], "", PALETTE[s][2]) for s in sorted(svg.used, key=list(PALETTE).index)
    ]
    entries.append(
        ("#ffffff", DIM, ' stroke-dasharray="3 2"', "dashed: drawn in full above, or not in this template")
    )
    lx, ly = float(MARGIN), y + 4
    for fill, stroke, dash, name in entries:
        if lx + 16 + text_width(name, 9.5) > WIDTH - MARGIN:
            lx, ly = float(MARGIN), ly + 16
        svg.rect(lx, ly, 12, 10, 2, fill, stroke, dash)
        svg.text(lx + 16, ly + 9, name, 9.5, DIM)
        lx += 16 + text_width(name, 9.5) + 14
    height = ly + 22

    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{_n(height)}" '
        f'viewBox="0 0 {WIDTH} {_n(height)}" font-family="{_esc(FONT)}" role="img" '
        f'aria-label="{_esc(title)}"><title>{_esc(title)}: {_esc(subtitle)}</title><defs>'
    )
    for marker, colour, size in (("pa-head", ARROW, 7), ("pa-head-blue", PALETTE["devtools"][0], 6)):
        head += (
            f'<marker id="{marker}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="{size}" '
            f'markerHeight="{size}" orient="auto"><path d="M0 1 L10 5 L0 9 z" fill="{colour}"/></marker>'
        )
    head += f'</defs><rect width="{WIDTH}" height="{_n(height)}" fill="#ffffff"/>'
    return head + "\n".join(svg.out) + "</svg>\n"


# ---------------------------------------------------------------------------------------------
# Text
# ---------------------------------------------------------------------------------------------


def _card_text(card: Card, indent: str) -> Iterator[str]:
    lines = "; ".join(t for t, _ in card.lines).replace("\u00a0", " ")
    see = {"above": ", see above", "outside": ", outside this template"}.get(card.elsewhere, "")
    head = f"{indent}{card.title} [{card.kind}{see}]" if card.title else f"{indent}[{card.kind}{see}]"
    yield f"{head}: {lines}" if lines else head
    for chip in card.chips:
        yield from _card_text(chip, indent + "    ")


def render_text(title: str, subtitle: str, views: list[PipelineView], panels: list[Panel]) -> str:
    out = [f"{title}: {subtitle}"]
    for view in views:
        out.append("")
        notes = "; ".join(t for t, _ in view.lines)
        out.append(f"Pipeline {view.title}" + (f": {notes}" if notes else ""))
        for stage in view.stages:
            out.append(f"  {stage.index + 1}. {stage.name}" + ("" if stage.actions else ": no actions"))
            for card in stage.actions:
                out.extend(_card_text(card, "     "))
    for panel in panels:
        out.append("")
        out.append(f"{panel.title} ({panel.note})" if panel.note else panel.title)
        for flow in panel.flows:
            names: dict[str, str] = {}
            for column in flow.columns:
                for card in column:
                    names[card.key] = card.title or card.kind
                    out.extend(_card_text(card, "  "))
            for src, dst, label in flow.arrows:
                if src in names and dst in names:
                    out.append(f"    {names[src]} -> {names[dst]} ({label})")
        for card in panel.grid:
            out.extend(_card_text(card, "  "))
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------------------------


def _stack_name(b: Builder) -> str:
    heads = sorted({p.split("/", 1)[0] for lid in b.res if (p := b.path(lid))})
    return b.t.name or (heads[0] if len(heads) == 1 else "Template")


def architecture(template: dict[str, Json] | Template, name: str = "") -> Diagram:
    """The architecture of a synthesized template, drawn from the template alone."""
    data = template.data if isinstance(template, Template) else template
    data = data if isinstance(data, dict) else {}
    raw = data.get("Resources")
    raw = raw if isinstance(raw, dict) else {}
    clean = {
        lid: body
        for lid, body in raw.items()
        if isinstance(lid, str) and isinstance(body, dict) and isinstance(body.get("Type"), str)
    }
    parameters = data.get("Parameters")
    t = Template(
        {"Resources": clean, "Parameters": parameters if isinstance(parameters, dict) else {}},
        name or (template.name if isinstance(template, Template) else ""),
    )
    b = Builder(t, len(raw) - len(clean))
    views = b.pipeline_views()
    panels = [p for p in (b.release_panel(), b.events_panel(), b.shared_panel()) if p]
    other = b.other_panel()
    if other:
        panels.append(other)
    title = _stack_name(b)
    n = len(clean)
    subtitle = f"{n} resource{'s' if n != 1 else ''}, drawn from the synthesized template"
    if not clean:
        subtitle = "no resources in the template"
    stages = tuple(f"{v.title}: {s.name}" for v in views for s in v.stages)
    return Diagram(
        title,
        render_svg(title, subtitle, views, panels),
        render_text(title, subtitle, views, panels),
        tuple(b.edges),
        stages,
        frozenset(b.shown),
    )


def main(argv: list[str] | None = None) -> int:
    """`python -m pitfalls.architecture TEMPLATE|CDK_OUT [OUT.svg]`: print the outline of each stack
    and, when OUT.svg is given, write the drawing there (one file per stack when there are several)."""
    import sys
    from pathlib import Path

    from pitfalls.loader import InputError, load_path

    args = sys.argv[1:] if argv is None else argv
    if not 1 <= len(args) <= 2:
        print("usage: python -m pitfalls.architecture TEMPLATE|CDK_OUT [OUT.svg]", file=sys.stderr)
        return 2
    try:
        templates, _ = load_path(Path(args[0]))
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out = Path(args[1]) if len(args) == 2 else None
    for t in templates:
        d = architecture(t)
        print(repr(d))
        if out is not None:
            target = out if len(templates) == 1 else out.with_name(f"{out.stem}-{t.name}{out.suffix}")
            target.write_text(d.svg, encoding="utf-8")
            print(f"wrote {target}")
    return 0
