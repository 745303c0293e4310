"""What the services say about the properties the scenarios teach, for a deployed stack.

`taught_properties(clients, stack)` asks S3, CodePipeline, CodeBuild, Lambda, CodeDeploy, SNS,
EventBridge, CloudWatch, Logs, CloudTrail and KMS (never CloudFormation's word, except for the
list of the stack's resources) and returns one row per fact: bucket versioning, encryption and
lifecycle, the pipeline's stages in order, each project's image and buildspec, the function's
runtime, versions and alias, the deployment group's alarms and rollback, the alert topic's
subscription, the failure rule's pattern and target, alarms, log retention and tags. Physical
names are shown as the stack's logical ids, so the rows read the same in every account.
It runs on the local AWS or, with `Clients.for_aws()`, on a real account.
"""

from __future__ import annotations

import html
import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import yaml

from pitfalls.emulator.verify import Clients, stack_resources
from pitfalls.evidence.render import STYLE, styled_html


@dataclass(frozen=True)
class Fact:
    scenario: int
    resource: str  # the logical id in the stack
    what: str
    value: str


class Facts(list[Fact]):
    """The rows, shown as a table grouped by scenario."""

    def __repr__(self) -> str:
        width = max((len(f.resource) for f in self), default=8)
        lines = [f"{'sc':<3} {'resource':<{width}}  {'property':<26} value"]
        for f in sorted(self, key=lambda f: f.scenario):
            pad = " " * (3 + 1 + width + 2 + 26 + 1)
            value = f.value.replace("\n", "\n" + pad)
            lines.append(f"{f.scenario:02d}  {f.resource:<{width}}  {f.what:<26} {value}")
        return "\n".join(lines)

    @styled_html
    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{f.scenario:02d}</td><td>{html.escape(f.resource)}</td>"
            f"<td>{html.escape(f.what)}</td><td><pre class='pp-pre'>{html.escape(f.value)}</pre>"
            "</td></tr>"
            for f in sorted(self, key=lambda f: f.scenario)
        )
        return (f"{STYLE}<table class='pp-t'><tr><th>scenario</th><th>resource</th>"
                f"<th>property</th><th>what the service says</th></tr>{rows}</table>")


class _Stack:
    """The stack's resources by type, and a way to write any physical name as its logical id."""

    def __init__(self, c: Clients, stack: str) -> None:
        self.by_type: dict[str, list[tuple[str, str]]] = {}
        self.logical: dict[str, str] = {}
        for lid, (rtype, physical) in sorted(stack_resources(c, stack).items()):
            self.by_type.setdefault(rtype, []).append((lid, physical))
            # A bucket policy's or topic policy's id repeats its bucket's or topic's.
            if physical and not rtype.endswith("Policy"):
                self.logical[physical] = lid

    def of(self, rtype: str) -> list[tuple[str, str]]:
        return self.by_type.get(rtype, [])

    def name(self, physical_or_arn: str) -> str:
        """A physical id or an ARN that ends in one, as the logical id of the stack."""
        text = str(physical_or_arn)
        for physical, logical in self.logical.items():
            if text == physical or text.endswith((":" + physical, "/" + physical)):
                return logical
        return text

    def key_name(self, key: str | None) -> str:
        if not key:
            return "none"
        for logical, physical in self.of("AWS::KMS::Key"):
            if key.endswith(physical):
                return f"KMS key {logical}"
        return "a key outside the stack" if not key.startswith("alias/aws/") else key


Reader = Callable[[Clients, _Stack], Iterator[Fact]]


def _buckets(c: Clients, s: _Stack) -> Iterator[Fact]:
    for lid, name in s.of("AWS::S3::Bucket"):
        versioning = c.s3.get_bucket_versioning(Bucket=name).get("Status", "never enabled")
        yield Fact(7, lid, "versioning", versioning)
        rule = c.s3.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"][
            "Rules"][0]["ApplyServerSideEncryptionByDefault"]
        algo = rule["SSEAlgorithm"]
        key = f", {s.key_name(rule.get('KMSMasterKeyID'))}" if algo == "aws:kms" else ""
        yield Fact(11, lid, "encryption", algo + key)
        yield Fact(7, lid, "lifecycle", _lifecycle(c, name))
        block = c.s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"]
        yield Fact(7, lid, "public access", "all blocked" if all(block.values()) else str(block))
        yield Fact(7, lid, "TLS only (bucket policy)", "yes" if _tls_only(c, name) else "no")
        logging = c.s3.get_bucket_logging(Bucket=name).get("LoggingEnabled")
        if logging:
            yield Fact(12, lid, "access logs to",
                       f"{s.name(logging['TargetBucket'])}/{logging.get('TargetPrefix', '')}")


def _lifecycle(c: Clients, name: str) -> str:
    from botocore.exceptions import ClientError  # type: ignore[import-untyped]

    try:
        rules = c.s3.get_bucket_lifecycle_configuration(Bucket=name)["Rules"]
    except ClientError:
        return "no rules"
    parts = []
    for r in rules:
        if "NoncurrentVersionExpiration" in r:
            parts.append(f"old versions expire after "
                         f"{r['NoncurrentVersionExpiration']['NoncurrentDays']} days")
        if "Expiration" in r and "Days" in r["Expiration"]:
            parts.append(f"objects expire after {r['Expiration']['Days']} days")
        if "AbortIncompleteMultipartUpload" in r:
            parts.append("unfinished uploads aborted after "
                         f"{r['AbortIncompleteMultipartUpload']['DaysAfterInitiation']} days")
    return "; ".join(parts) or "rules without expiry"


def _tls_only(c: Clients, name: str) -> bool:
    from botocore.exceptions import ClientError

    try:
        policy = json.loads(c.s3.get_bucket_policy(Bucket=name)["Policy"])
    except ClientError:
        return False
    return any(st.get("Effect") == "Deny"
               and str(st.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport")).lower()
               == "false" for st in policy.get("Statement", []))


def _pipelines(c: Clients, s: _Stack) -> Iterator[Fact]:
    for lid, name in s.of("AWS::CodePipeline::Pipeline"):
        p = c.codepipeline.get_pipeline(name=name)["pipeline"]
        yield Fact(8, lid, "pipeline type", p.get("pipelineType", "V1"))
        yield Fact(1, lid, "stages, in order", " -> ".join(st["name"] for st in p["stages"]))
        for st in p["stages"]:
            actions = sorted(st["actions"], key=lambda a: (a.get("runOrder", 1), a["name"]))
            yield Fact(1, lid, f"stage {st['name']}", "\n".join(
                f"{a.get('runOrder', 1)}. {a['name']} "
                f"({a['actionTypeId']['category']}/{a['actionTypeId']['provider']}"
                + (f": {s.name(a['configuration']['ProjectName'])}"
                   if "ProjectName" in a.get("configuration", {}) else "")
                + (f": {s.name(a['configuration']['S3Bucket'])}/{a['configuration']['S3ObjectKey']}"
                   if "S3Bucket" in a.get("configuration", {}) else "")
                + (f": stack {a['configuration']['StackName']}"
                   if "StackName" in a.get("configuration", {}) else "") + ")"
                for a in actions))
            if st.get("onFailure"):
                yield Fact(8, lid, f"stage {st['name']} on failure", st["onFailure"]["result"])
        arn = f"arn:aws:codepipeline:{c.region}:{c.account}:{name}"
        yield Fact(9, lid, "tags", _tag_text(
            {t["key"]: t["value"] for t in c.codepipeline.list_tags_for_resource(
                resourceArn=arn)["tags"]}))


def _projects(c: Clients, s: _Stack) -> Iterator[Fact]:
    names = [name for _, name in s.of("AWS::CodeBuild::Project")]
    if not names:
        return
    for p in sorted(c.codebuild.batch_get_projects(names=names)["projects"],
                    key=lambda p: s.name(p["name"])):
        lid, env = s.name(p["name"]), p["environment"]
        yield Fact(4, lid, "image", f"{env['type']}, {env['image']}, {env['computeType']}")
        yield Fact(4, lid, "buildspec", _phases(p["source"].get("buildspec", "")))


def _phases(text: str) -> str:
    try:
        spec = yaml.safe_load(text)
    except yaml.YAMLError:
        return "(not YAML or JSON)"
    if not isinstance(spec, dict):
        return "(a file in the source)" if text else "(none)"
    lines = []
    for phase, body in (spec.get("phases") or {}).items():
        for cmd in (body or {}).get("commands", []):
            first = str(cmd).splitlines()[0]
            more = len(first) > 70 or len(str(cmd).splitlines()) > 1
            lines.append(f"{phase}: {first[:70]}{'…' if more else ''}")
    return "\n".join(lines) or "(no commands)"


def _functions(c: Clients, s: _Stack) -> Iterator[Fact]:
    for lid, name in s.of("AWS::Lambda::Function"):
        cfg = c.awslambda.get_function(FunctionName=name)
        conf = cfg["Configuration"]
        yield Fact(5, lid, "runtime, handler", f"{conf['Runtime']}, {conf['Handler']}")
        versions = [v["Version"] for v in c.awslambda.list_versions_by_function(
            FunctionName=name)["Versions"] if v["Version"] != "$LATEST"]
        yield Fact(8, lid, "published versions", ", ".join(versions) or "none")
        for alias in c.awslambda.list_aliases(FunctionName=name)["Aliases"]:
            yield Fact(8, lid, f"alias {alias['Name']}", f"version {alias['FunctionVersion']}")
        yield Fact(9, lid, "tags", _tag_text(cfg.get("Tags") or {}))


def _deployment_groups(c: Clients, s: _Stack) -> Iterator[Fact]:
    apps = [name for _, name in s.of("AWS::CodeDeploy::Application")]
    for lid, name in s.of("AWS::CodeDeploy::DeploymentGroup"):
        for app in apps:
            try:
                g = c.codedeploy.get_deployment_group(applicationName=app,
                                                      deploymentGroupName=name)
            except c.codedeploy.exceptions.ClientError:
                continue
            info = g["deploymentGroupInfo"]
            yield Fact(8, lid, "traffic shifting", info.get("deploymentConfigName", ""))
            alarms = info.get("alarmConfiguration", {})
            yield Fact(8, lid, "rollback alarms", "\n".join(
                sorted(s.name(a["name"]) for a in alarms.get("alarms", [])))
                if alarms.get("enabled") else "none")
            rollback = info.get("autoRollbackConfiguration", {})
            yield Fact(8, lid, "automatic rollback on", ", ".join(rollback.get("events", []))
                       if rollback.get("enabled") else "off")
            break


def _alerts(c: Clients, s: _Stack) -> Iterator[Fact]:
    for lid, arn in s.of("AWS::SNS::Topic"):
        attrs = c.sns.get_topic_attributes(TopicArn=arn)["Attributes"]
        yield Fact(6, lid, "encryption", s.key_name(attrs.get("KmsMasterKeyId")))
        subs = c.sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]
        yield Fact(6, lid, "subscriptions", "\n".join(
            sorted(f"{x['Protocol']}: {s.name(x['Endpoint'])}" for x in subs)) or "none")
    for lid, name in s.of("AWS::Events::Rule"):
        rule = c.events.describe_rule(Name=name)
        pattern = json.loads(rule.get("EventPattern") or "{}")
        yield Fact(6, lid, "state", rule.get("State", ""))
        yield Fact(6, lid, "event pattern", "\n".join(
            f"{k}: {', '.join(s.name(v) for v in vals) if isinstance(vals, list) else json.dumps(vals)}"
            for k, vals in sorted(pattern.items())))
        for t in c.events.list_targets_by_rule(Rule=name)["Targets"]:
            text = t.get("InputTransformer", {}).get("InputTemplate", "")
            yield Fact(6, lid, "target", s.name(t["Arn"]) + (f"\nmessage: {text}" if text else ""))


def _monitoring(c: Clients, s: _Stack) -> Iterator[Fact]:
    ours = {name for _, name in s.of("AWS::CloudWatch::Alarm")}
    metrics = Counter(a.get("MetricName", "metric math") for a in
                      c.cloudwatch.describe_alarms()["MetricAlarms"] if a["AlarmName"] in ours)
    yield Fact(12, "(alarms)", "alarms by metric",
               ", ".join(f"{m} {n}" for m, n in sorted(metrics.items())) or "none")
    groups = {g["logGroupName"]: g for g in c.logs.describe_log_groups()["logGroups"]}
    for lid, name in s.of("AWS::Logs::LogGroup"):
        g = groups.get(name, {})
        days = g.get("retentionInDays")
        yield Fact(12, lid, "retention", f"{days} days" if days else "never expires")
        yield Fact(11, lid, "encryption", s.key_name(g.get("kmsKeyId")))
    for lid, name in s.of("AWS::CloudTrail::Trail"):
        status = c.cloudtrail.get_trail_status(Name=name)
        yield Fact(12, lid, "logging", "on" if status.get("IsLogging") else "off")
        selectors = c.cloudtrail.get_event_selectors(TrailName=name).get("EventSelectors", [])
        yield Fact(12, lid, "data events", "\n".join(
            f"{sel.get('ReadWriteType')} {d['Type']}: "
            + ", ".join(s.name(v.removeprefix("arn:aws:s3:::").rstrip("/")) for v in d["Values"])
            for sel in selectors for d in sel.get("DataResources", [])) or "none")
    for lid, key in s.of("AWS::KMS::Key"):
        rotation = c.kms.get_key_rotation_status(KeyId=key).get("KeyRotationEnabled")
        yield Fact(11, lid, "automatic rotation", "on" if rotation else "off")


def _bucket_tags(c: Clients, s: _Stack) -> Iterator[Fact]:
    from botocore.exceptions import ClientError

    for lid, name in s.of("AWS::S3::Bucket"):
        try:
            tags = {t["Key"]: t["Value"] for t in c.s3.get_bucket_tagging(Bucket=name)["TagSet"]}
        except ClientError:
            tags = {}
        yield Fact(9, lid, "tags", _tag_text(tags))


def _tag_text(tags: dict[str, str]) -> str:
    shown = {k: v for k, v in tags.items() if not k.startswith("aws:")}
    return ", ".join(f"{k}={v}" for k, v in sorted(shown.items())) or "none"


READERS: tuple[Reader, ...] = (_pipelines, _buckets, _bucket_tags, _projects, _functions,
                               _deployment_groups, _alerts, _monitoring)


def taught_properties(c: Clients, stack: str) -> Facts:
    """One row per property a scenario teaches, as the services report it."""
    s = _Stack(c, stack)
    return Facts(fact for read in READERS for fact in read(c, s))
