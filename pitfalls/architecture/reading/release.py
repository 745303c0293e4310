"""The release panel: functions, versions, aliases and the CodeDeploy groups that shift traffic."""

from __future__ import annotations

import re

from pitfalls.architecture.model import Card, Flow, Json, Panel
from pitfalls.architecture.reading.base import Reader, as_dict, as_str, as_text
from pitfalls.templates import as_list, ref_target, refs_in_order

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


class ReleaseReader(Reader):
    """One flow per function: the pipeline stages that deploy it, groups, aliases, versions."""

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
