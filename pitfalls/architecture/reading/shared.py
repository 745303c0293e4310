"""The shared panel: keys, buckets, trails, log groups, monitoring and identity, one card each."""

from __future__ import annotations

import json

from pitfalls.architecture.model import Card, Panel, counted
from pitfalls.architecture.reading.base import ALARM, Reader, as_dict, as_str, as_text
from pitfalls.templates import PIPELINE, as_list, ref_target, refs_in_order

_IAM = ("AWS::IAM::Role", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::InstanceProfile")


class SharedReader(Reader):
    """Cards for what the other panels use in common, with who uses it."""

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
            if not actions and not gates and not self.alarm_action_parameters(a):
                silent.append(a)
        targets: dict[str, int] = {}
        for a in alarms:
            for t in self.alarm_actions(a):
                targets[self.label(t)] = targets.get(self.label(t), 0) + 1
            for param in self.alarm_action_parameters(a):
                targets[f"parameter {param}"] = targets.get(f"parameter {param}", 0) + 1
        for t, n in targets.items():
            card.lines.append((f"{n} notify {t}", ""))
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
