"""Exercise 11: the pipeline key, which now also encrypts the alerts topic that alarms and
EventBridge rules publish to, found by an alias.

The variant: the same lesson (only the key policy lets a service use a key) for services the
notebook's `PipelineKey` does not let in, so it is not the answer.
"""

from __future__ import annotations

from typing import Any

from pitfalls.checks.s11_security_and_encryption import PUBLISH_ACTIONS, PUBLISHERS, key_allows
from pitfalls.learner.exercise import Exercise, Requirement, register
from pitfalls.learner.exercises.harness import each, missing, owned, reference_encrypted_pipeline
from pitfalls.templates.refs import ref_target
from pitfalls.templates.template import Template

ALIAS = "alias/pipeline-pitfalls/pipeline"
ALERT_PUBLISHERS = ("cloudwatch.amazonaws.com", "events.amazonaws.com")


def harness(stack: Any, cls: type) -> None:
    """The reference pipeline, every piece encrypted with the learner's key."""
    from aws_cdk import aws_sns as sns

    from solutions.security_and_encryption import SecurityScan

    key = getattr(cls(stack, "Key"), "key", None)
    if key is None:
        raise AttributeError(f"your {cls.__name__} must set self.key to the kms.Key it creates")
    pipeline = reference_encrypted_pipeline(stack, key)["pipeline"]
    SecurityScan(stack, "Scan", encryption_key=key).add_to(pipeline)
    sns.Topic(stack, "Alerts", master_key=key, enforce_ssl=True)


def _keys(t: Template) -> list[str]:
    return owned(t, "Key", "AWS::KMS::Key")


def alias(t: Template) -> list[tuple[str, str]]:
    keys = _keys(t)
    if not keys:
        return missing("KMS key")
    aliases = {t.props(lid).get("AliasName"): ref_target(t.props(lid).get("TargetKeyId"))
               for lid, _ in t.resources("AWS::KMS::Alias")}
    if aliases.get(ALIAS) in keys:
        return []
    named = [name for name, target in aliases.items() if target in keys]
    return [(keys[0], f"its aliases are {', '.join(map(str, named))}" if named
             else "no AWS::KMS::Alias points at it")]


@each(_keys, "KMS key")
def alert_publishers(t: Template, key: str) -> str:
    shut = [s for s in ALERT_PUBLISHERS if not key_allows(t, key, s, PUBLISH_ACTIONS)]
    return ("its KeyPolicy does not allow " + " nor ".join(shut)
            + f" {' and '.join(PUBLISH_ACTIONS)}: a {PUBLISHERS[shut[0]]}'s alert "
            "to the topic it encrypts is dropped") if shut else ""


STARTER = """\
class PipelineKey(Construct):
    def __init__(self, scope, id):
        super().__init__(scope, id)
        self.key = kms.Key(self, "Key")
"""


register(
    Exercise(
        scenario=11,
        class_name="PipelineKey",
        task=(
            "Write PipelineKey(scope, id) that sets self.key to a kms.Key the pipeline can use for "
            "its artifacts, source and build logs, and that CloudWatch alarms and EventBridge "
            f"rules can publish alerts with, found by the alias {ALIAS}."
        ),
        harness=harness,
        starter=STARTER,
        requirements=(
            Requirement("E11-ALIAS", f"the key is found by the alias {ALIAS}", alias),
            Requirement("E11-ALERT-PUBLISHERS",
                        "CloudWatch alarms and EventBridge rules can publish to the alerts topic "
                        "the key encrypts", alert_publishers),
        ),
        hints=(
            "The findings name your key (AWS::KMS::Key) and what its KeyPolicy lacks: which "
            "service principal, which kms: actions, and for logs the encryption-context "
            "condition. A service reaches a customer-managed key only through a KeyPolicy "
            "statement naming it as Principal.Service. The alias is a resource of its own, "
            "AWS::KMS::Alias, whose TargetKeyId refers to the key.",
            "kms.Key(self, 'Key', enable_key_rotation=True, alias=...); "
            "self.key.add_to_resource_policy(iam.PolicyStatement(principals=[iam.ServicePrincipal"
            "(...)], actions=[...], resources=['*'], conditions=...)) once for "
            "logs.<region>.amazonaws.com (Stack.of(self).region) and once for "
            "cloudwatch.amazonaws.com and events.amazonaws.com; Stack.of(self).format_arn(..., "
            "arn_format=ArnFormat.COLON_RESOURCE_NAME) builds the log-group ARN of the condition.",
        ),
        docs=(
            "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html",
            "https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html",
            "https://docs.aws.amazon.com/cdk/api/v2/python/aws_cdk.aws_kms/Key.html",
        ),
        solution="solutions.security_and_encryption:PipelineKey",
        answer="pitfalls.learner.exercises.answers.e11_security_and_encryption:PipelineKey",
        promised=("PP11-KEY-BLOCKS-SERVICE", "AwsSolutions-KMS5", "E11-ALIAS", "E11-ALERT-PUBLISHERS"),
        tool_rules=("AwsSolutions-KMS5", "AwsSolutions-CB4", "AwsSolutions-SNS3"),
    )
)
