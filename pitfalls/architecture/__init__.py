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

import json
import re

from pitfalls.architecture.measure import FONT, text_width, wrap
from pitfalls.architecture.model import (
    PALETTE,
    Card,
    Diagram,
    Edge,
    Flow,
    Json,
    Line,
    Panel,
    PipelineView,
    Stage,
    counted,
    service_of,
    type_name,
)
from pitfalls.architecture.svg import render_svg
from pitfalls.architecture.text import render_text
from pitfalls.template import (
    PIPELINE,
    PipelineAction,
    Template,
    as_list,
    pipeline_actions,
    ref_target,
    refs_in_order,
)

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

__all__ = [
    "FONT",
    "PALETTE",
    "Card",
    "Diagram",
    "Edge",
    "Flow",
    "Line",
    "Panel",
    "PipelineView",
    "Stage",
    "architecture",
    "main",
    "service_of",
    "text_width",
    "type_name",
    "wrap",
]


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
