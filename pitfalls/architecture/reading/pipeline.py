"""The pipelines: stages in order, each action with the resources its configuration uses."""

from __future__ import annotations

from pitfalls.architecture.model import Card, Json, Line, PipelineView, Stage, service_of, type_name
from pitfalls.architecture.reading.base import Reader, as_dict, as_str
from pitfalls.templates import PipelineAction, as_list, ref_target, refs_in_order

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


class PipelineReader(Reader):
    """One view per pipeline; chips for the resources each action uses."""

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
