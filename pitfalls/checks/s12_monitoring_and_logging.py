"""Scenario 12: logs that expire, alarms that reach someone, an audit trail of the source.

cdk-nag reports buckets without server access logs (AwsSolutions-S1). Its AwsSolutions pack has no
rule about log retention, alarms or CloudTrail, and neither CDK nor cfn-lint says anything about
them: a stack with no alarm at all is a valid stack. These checks cover that ground.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pitfalls.checks import Violation, check
from pitfalls.checks.s05_lambda_runtime import application_functions
from pitfalls.checks.s07_s3_source_bucket import source_buckets
from pitfalls.checks.s11_security_and_encryption import flat
from pitfalls.templates import Json, Template, as_list, ref_target, refs_in

LOG_GROUP = "AWS::Logs::LogGroup"
FUNCTION = "AWS::Lambda::Function"
PROJECT = "AWS::CodeBuild::Project"
ALARM = "AWS::CloudWatch::Alarm"
TRAIL = "AWS::CloudTrail::Trail"

# CDK's own helper functions (log retention, custom resource providers): their logs are CDK's.
CDK_INTERNAL = re.compile(
    r"(LogRetention|AWS|BucketNotificationsHandler|CDKBucketDeployment)[0-9a-fA-F]{32}"
    r"|CustomResourceProvider|/framework-on(Event|Timeout|IsComplete)"
)


def app_functions(t: Template) -> Iterator[str]:
    """The Lambda functions of the application (not CDK's own helpers)."""
    for lid, _ in t.resources(FUNCTION):
        if not CDK_INTERNAL.search(t.cdk_path(lid) or lid):
            yield lid


def _named_log_group(t: Template, owner: str) -> bool:
    """Whether the template creates a log group (or a LogRetention) named after `owner`."""
    for lid, _ in t.resources(LOG_GROUP, "Custom::LogRetention"):
        if owner in refs_in(t.props(lid).get("LogGroupName")):
            return True
    return False


@check(
    id="PP12-LOGS-NEVER-EXPIRE",
    scenario=12,
    severity="warning",
    requirement="Every log group the stack writes to is created by the stack, with a retention.",
    rationale=(
        "A log group without RetentionInDays keeps every event for ever, billed every month. "
        "Lambda and CodeBuild create their default log group on first run when the stack does "
        "not: with no retention, no encryption key, and left behind when the stack is deleted."
    ),
    fix=(
        "logs.LogGroup(..., retention=logs.RetentionDays.ONE_MONTH), passed to the function "
        "(log_group=) and the project (logging=codebuild.LoggingOptions(cloud_watch=...))."
    ),
    source_url="https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/Working-with-log-groups-and-streams.html#SettingLogRetention",
)
def logs_never_expire(t: Template) -> Iterator[Violation]:
    for lid, _ in t.resources(LOG_GROUP):
        if not t.props(lid).get("RetentionInDays"):
            yield lid, "log group has no RetentionInDays: its events are kept for ever"
    for lid in app_functions(t):
        if (t.props(lid).get("LoggingConfig") or {}).get("LogGroup"):
            continue
        if not _named_log_group(t, lid):
            yield lid, (
                "function logs to /aws/lambda/<name>, which Lambda creates on first run with "
                "no retention"
            )
    for lid, _ in t.resources(PROJECT):
        cw = (t.props(lid).get("LogsConfig") or {}).get("CloudWatchLogs") or {}
        if cw.get("Status") == "DISABLED" or cw.get("GroupName"):
            continue
        if not _named_log_group(t, lid):
            yield lid, (
                "project logs to /aws/codebuild/<name>, which CodeBuild creates on first build "
                "with no retention"
            )


# --- alarms -----------------------------------------------------------------------------------


def alarm_metrics(t: Template, alarm: str) -> Iterator[tuple[str, str, dict[str, Json]]]:
    """(namespace, metric name, dimensions) of each metric an alarm watches."""
    p = t.props(alarm)

    def dims(items: Json) -> dict[str, Json]:
        return {str(d.get("Name")): d.get("Value") for d in as_list(items) if isinstance(d, dict)}

    if p.get("MetricName"):
        yield str(p.get("Namespace")), str(p["MetricName"]), dims(p.get("Dimensions"))
    for m in as_list(p.get("Metrics")):
        metric = ((m or {}).get("MetricStat") or {}).get("Metric") or {}
        if metric.get("MetricName"):
            yield str(metric.get("Namespace")), str(metric["MetricName"]), dims(metric.get("Dimensions"))


def watched(t: Template, namespace: str, metric: str, dimension: str, target: str) -> bool:
    """Whether an alarm watches `metric` of `target` (or the account-wide metric, no dimension)."""
    for lid, _ in t.resources(ALARM):
        for ns, name, dims in alarm_metrics(t, lid):
            if ns == namespace and name == metric:
                if dimension not in dims or target in refs_in(dims[dimension]):
                    return True
    return False


@check(
    id="PP12-NO-ALARM",
    scenario=12,
    severity="warning",
    requirement=(
        "Each application function has alarms on Errors and Throttles; each build project on "
        "FailedBuilds."
    ),
    rationale=(
        "Lambda and CodeBuild publish these metrics whether anyone looks or not. Without an alarm "
        "a function that throws on every call, or is throttled, and a build that keeps failing, "
        "are found by users, or not at all. The deployment's own helpers are not asked: a "
        "CodeDeploy hook that fails fails the deployment, and a custom resource provider that "
        "fails fails the stack operation, which is where it is seen."
    ),
    fix=(
        "function.metric_errors().create_alarm(...), function.metric_throttles().create_alarm(...), "
        "project.metric_failed_builds().create_alarm(...), each with add_alarm_action(SnsAction(topic))."
    ),
    source_url="https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html",
)
def no_alarm(t: Template) -> Iterator[Violation]:
    application = {lid for lid, _ in application_functions(t)}
    for lid in app_functions(t):
        if lid not in application:
            continue  # a CodeDeploy hook or a custom resource provider
        missing = [m for m in ("Errors", "Throttles")
                   if not watched(t, "AWS/Lambda", m, "FunctionName", lid)]
        if missing:
            yield lid, f"no alarm on the function's {' or '.join(missing)}"
    for lid, _ in t.resources(PROJECT):
        if not watched(t, "AWS/CodeBuild", "FailedBuilds", "ProjectName", lid):
            yield lid, "no alarm on the project's FailedBuilds"


@check(
    id="PP12-ALARM-NO-ACTION",
    scenario=12,
    severity="warning",
    requirement="Every alarm notifies someone: it has an alarm action, and actions are enabled.",
    rationale=(
        "An alarm without an action changes colour in the console and tells nobody. Alarms that "
        "CodeDeploy or a composite alarm watches are the exception: their consumer acts on them."
    ),
    fix="alarm.add_alarm_action(cloudwatch_actions.SnsAction(alerts_topic))",
    source_url="https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html",
)
def alarm_no_action(t: Template) -> Iterator[Violation]:
    consumed: set[str] = set()
    for lid, _ in t.resources("AWS::CodeDeploy::DeploymentGroup", "AWS::CloudWatch::CompositeAlarm"):
        consumed |= refs_in(t.props(lid))
    for lid, _ in t.resources(ALARM):
        if lid in consumed:
            continue
        p = t.props(lid)
        if not as_list(p.get("AlarmActions")):
            yield lid, "alarm has no AlarmActions: it notifies nobody"
        elif str(p.get("ActionsEnabled", True)).lower() == "false":
            yield lid, "alarm has ActionsEnabled false: its actions never run"


# --- the audit trail --------------------------------------------------------------------------


@check(
    id="PP12-TRAIL-UNPROTECTED",
    scenario=12,
    severity="warning",
    requirement="A CloudTrail trail validates its log files and encrypts them with a KMS key.",
    rationale=(
        "An audit trail is evidence. Without log file validation nobody can prove a log file was "
        "not changed or deleted after delivery; without a KMS key, anyone who can read the bucket "
        "reads the trail."
    ),
    fix="cloudtrail.Trail(..., enable_file_validation=True, encryption_key=key)",
    source_url="https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-validation-intro.html",
)
def trail_unprotected(t: Template) -> Iterator[Violation]:
    for lid, _ in t.resources(TRAIL):
        p = t.props(lid)
        if str(p.get("EnableLogFileValidation")).lower() != "true":
            yield lid, "trail does not validate its log files (EnableLogFileValidation)"
        if not p.get("KMSKeyId"):
            yield lid, "trail log files are not encrypted with a KMS key (KMSKeyId)"


def _writes_recorded(selector_rw: Json) -> bool:
    return selector_rw in (None, "All", "WriteOnly")


def trail_records_writes(t: Template, bucket: str) -> bool:
    """Whether a logging trail in the template records object writes to `bucket`."""
    all_buckets = re.compile(r"^arn:[^:]*:s3(:::)?$")
    for lid, _ in t.resources(TRAIL):
        p = t.props(lid)
        if str(p.get("IsLogging", True)).lower() == "false":
            continue
        for sel in as_list(p.get("EventSelectors")):
            if not isinstance(sel, dict) or not _writes_recorded(sel.get("ReadWriteType")):
                continue
            for res in as_list(sel.get("DataResources")):
                if (res or {}).get("Type") != "AWS::S3::Object":
                    continue
                for value in as_list(res.get("Values")):
                    text = flat(value).replace("${AWS::Partition}", "aws")
                    if bucket in refs_in(value) or all_buckets.match(text):
                        return True
        for sel in as_list(p.get("AdvancedEventSelectors")):
            fields = {
                str(f.get("Field")): f for f in as_list((sel or {}).get("FieldSelectors"))
                if isinstance(f, dict)
            }
            category = as_list((fields.get("eventCategory") or {}).get("Equals"))
            types = as_list((fields.get("resources.type") or {}).get("Equals"))
            read_only = as_list((fields.get("readOnly") or {}).get("Equals"))
            if "Data" not in category or "AWS::S3::Object" not in types or read_only == ["true"]:
                continue
            arn = fields.get("resources.ARN")
            if arn is None or bucket in refs_in(arn):
                return True
    return False


def cloudtrail_rules(t: Template) -> dict[str, str]:
    """Buckets that an EventBridge rule watches through CloudTrail S3 API events, with the rule."""
    out: dict[str, str] = {}
    for lid, _ in t.resources("AWS::Events::Rule"):
        pattern = t.props(lid).get("EventPattern") or {}
        if not isinstance(pattern, dict):
            continue
        if "aws.s3" not in as_list(pattern.get("source")):
            continue
        if "AWS API Call via CloudTrail" not in as_list(pattern.get("detail-type")):
            continue
        params = ((pattern.get("detail") or {}).get("requestParameters") or {})
        for name in as_list(params.get("bucketName")):
            bucket = ref_target(name)
            if t.type_of(bucket) == "AWS::S3::Bucket":
                out.setdefault(str(bucket), lid)
    return out


@check(
    id="PP12-EVENTS-NOT-RECORDED",
    scenario=12,
    severity="error",
    requirement="A rule that starts on CloudTrail S3 events has a trail that records those events.",
    rationale=(
        "An S3 source action with S3Trigger.EVENTS starts the pipeline from an EventBridge rule "
        "that matches CloudTrail's records of object uploads. Those are data events, which no "
        "trail records unless asked to: without one, an upload starts nothing, and nobody can "
        "tell who uploaded what was deployed (unless an account trail already records them)."
    ),
    fix=(
        "trail.add_s3_event_selector([cloudtrail.S3EventSelector(bucket=source_bucket)], "
        "read_write_type=cloudtrail.ReadWriteType.WRITE_ONLY)"
    ),
    source_url="https://docs.aws.amazon.com/codepipeline/latest/userguide/create-cloudtrail-S3-source.html",
)
def events_not_recorded(t: Template) -> Iterator[Violation]:
    for bucket, rule in sorted(cloudtrail_rules(t).items()):
        if not trail_records_writes(t, bucket):
            pipeline = " and starts the pipeline" if bucket in source_buckets(t) else ""
            yield bucket, (
                f"rule {rule} matches CloudTrail events for writes to this bucket{pipeline}, "
                "and no trail records them: the rule never fires"
            )
