"""Typical half-fixes of each exercise, as edits to the notebook's starter code.

Each stop is what a learner has typed after following part of the hints: one part of the fix
applied alone, or the whole fix but one piece. scripts/instructor_guide.py applies the edits to the
`%%exercise N` cell of the notebook (each `old` must occur exactly once in it, so a changed starter
fails loudly instead of silently grading something else) and reports what the checker says.
"""

from __future__ import annotations

from dataclasses import dataclass

from pitfalls import scenarios


@dataclass(frozen=True)
class Stop:
    label: str
    edits: tuple[tuple[str, str], ...] = ()  # (old, new) replacements, applied in order
    source: str | None = None  # the whole cell instead, for a rewrite too large for edits


def stop(label: str, *edits: tuple[str, str]) -> Stop:
    return Stop(label, edits)


# --- 01 · pipeline stages ---------------------------------------------------------------------------
_DEPLOY_STAGE = '                codepipeline.StageProps(\n                    stage_name="Deploy",'
_PACKAGE = (
    '        source = codepipeline.Artifact("Source")\n',
    '        source = codepipeline.Artifact("Source")\n        package = codepipeline.Artifact("Package")\n'
    '        template = codepipeline.Artifact("Template")\n',
)
_BUILD = """                codepipeline.StageProps(
                    stage_name="Build",
                    actions=[
                        actions.CodeBuildAction(
                            action_name="Package", project=build_project, input=source, outputs=[package]
                        ),
                        actions.CodeBuildAction(
                            action_name="Synth", project=synth_project, input=source, outputs=[template]
                        ),
                    ],
                ),
"""
_TEST = """                codepipeline.StageProps(
                    stage_name="Test",
                    actions=[
                        actions.CodeBuildAction(
                            action_name="UnitTests",
                            type=actions.CodeBuildActionType.TEST,
                            project=test_project,
                            input=package,
                        )
                    ],
                ),
"""
# The checker asks what a Test action runs, not what it is called: this one runs no test runner.
_TEST_ON_BUILD = _TEST.replace("project=test_project", "project=build_project")
_DEPLOY_PACKAGE = ("template=source, package=source", "template=template, package=package")


def _approve(topic: bool) -> str:
    notify = ', notification_topic=sns.Topic(self, "Approvals", enforce_ssl=True)' if topic else ""
    return f"""                codepipeline.StageProps(
                    stage_name="Approve",
                    actions=[actions.ManualApprovalAction(action_name="ReleaseManager"{notify})],
                ),
"""

# --- 02 · IAM -------------------------------------------------------------------------------------
_TRUST = ('iam.ServicePrincipal("lambda.amazonaws.com")', 'iam.ServicePrincipal("codebuild.amazonaws.com")')
_NO_ADMIN = (
    '            managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name("AdministratorAccess")],\n',
    "",
)
_DEPLOY_GRANTS = (
    "        )\n        self.project = codebuild.PipelineProject(",
    """        )
        role.add_to_policy(iam.PolicyStatement(
            actions=["lambda:GetFunction", "lambda:UpdateFunctionCode", "lambda:PublishVersion"],
            resources=[function.function_arn],
        ))
        role.add_to_policy(
            iam.PolicyStatement(actions=["lambda:UpdateAlias"], resources=[alias.function_arn])
        )
        self.project = codebuild.PipelineProject(""",
)
_PROMOTE_GRANTS = (
    "        )\n        self.project = codebuild.PipelineProject(",
    """        )
        role.add_to_policy(iam.PolicyStatement(
            actions=["lambda:GetAlias", "lambda:UpdateAlias"],
            resources=[function.function_arn, alias.function_arn],
        ))
        self.project = codebuild.PipelineProject(""",
)
_PROJECT_END = (
    '                "ALIAS_NAME": codebuild.BuildEnvironmentVariable(value=ALIAS_NAME),\n'
    "            },\n        )\n"
)
_ACKNOWLEDGE = (
    _PROJECT_END,
    _PROJECT_END + "        from solutions.iam_least_privilege import acknowledge_scoped_grants\n\n"
    '        acknowledge_scoped_grants(self, reason="CDK grants scoped to this project\'s own resources")\n',
)

# --- 03 · hard-coded environment --------------------------------------------------------------------
_ARN = (
    '        topic_arn = "arn:aws:sns:eu-west-1:123456789012:pipeline-pitfalls-audit-events"\n',
    '        topic_arn = cdk.Stack.of(self).format_arn(\n'
    '            service="sns", resource="pipeline-pitfalls-audit-events")\n',
)
_ARN_STAGE = (_ARN[0], _ARN[1].replace('"pipeline-pitfalls-audit-events"', 'config.name("audit-events")'))
_NO_REGION = ('"REGION": "eu-west-1", ', "")
_QUEUE_NAME = ('queue_name="pipeline-pitfalls-audit"', 'queue_name=config.name("audit")')
_NO_QUEUE_NAME = ('queue_name="pipeline-pitfalls-audit", ', "")

# --- 04 · CodeBuild -------------------------------------------------------------------------------
_LINUX = (
    "build_image=codebuild.WindowsBuildImage.WIN_SERVER_CORE_2019_BASE_3_0",
    "build_image=codebuild.LinuxBuildImage.STANDARD_7_0",
)
_SMALL = ("compute_type=codebuild.ComputeType.MEDIUM", "compute_type=codebuild.ComputeType.SMALL")


def _buildspec(nodejs: str, artifacts: bool, cache: bool = False) -> tuple[str, str]:
    tail = ', "artifacts": {"files": ["function.zip"]}' if artifacts else ""
    tail += ', "cache": {"paths": ["/root/.npm/**/*"]}' if cache else ""
    return (
        "            ),\n        )",
        "            ),\n"
        "            build_spec=codebuild.BuildSpec.from_object({\n"
        '                "version": "0.2",\n'
        '                "phases": {\n'
        f'                    "install": {{"runtime-versions": {{"nodejs": "{nodejs}"}}, '
        '"commands": ["npm ci"]},\n'
        '                    "build": {"commands": ["npm run package"]},\n'
        f"                }}{tail},\n"
        "            }),\n"
        "        )",
    )


_BOUNDED = (
    "            environment=codebuild.BuildEnvironment(\n",
    "            timeout=cdk.Duration.minutes(15),\n"
    "            cache=codebuild.Cache.local(codebuild.LocalCacheMode.CUSTOM),\n"
    "            environment=codebuild.BuildEnvironment(\n",
)


# --- 05 · Lambda runtime --------------------------------------------------------------------------
_PY314 = ("lambda_.Runtime.PYTHON_3_9", "lambda_.Runtime.PYTHON_3_14")
_PY313 = ("lambda_.Runtime.PYTHON_3_9", "lambda_.Runtime.PYTHON_3_13")
_ARM = ('            handler="index.handler",\n',
        '            architecture=lambda_.Architecture.ARM_64,\n            handler="index.handler",\n')
_NO_DISTUTILS = (
    ('from distutils.util import strtobool\n', ""),
    ('strtobool(os.environ.get("VERBOSE", "false"))',
     'os.environ.get("VERBOSE", "false").lower() in ("1", "true", "yes", "on")'),
)

# --- 06 · failure notifications -------------------------------------------------------------------
_FAILED = ('"Succeeded",', '"Failed",'), ('detail={"state": ["SUCCEEDED"]}', 'detail={"state": ["FAILED"]}')
_SUBSCRIBE = (
    "        pipeline.on_state_change(",
    "        self.topic.add_subscription(subscriptions.EmailSubscription(email))\n"
    "        pipeline.on_state_change(",
)
_SUBSCRIBE_BOTH = (
    "        pipeline.on_state_change(",
    "        self.topic.add_subscription(subscriptions.EmailSubscription(email))\n"
    "        self.topic.add_subscription(subscriptions.SqsSubscription(self.queue))\n"
    "        pipeline.on_state_change(",
)
_OWN_KEY = (
    'master_key=kms.Alias.from_alias_name(self, "SnsKey", "alias/aws/sns")',
    'master_key=kms.Key(self, "Key", enable_key_rotation=True)',
)
_QUEUE_KEY = (
    "encryption=sqs.QueueEncryption.KMS_MANAGED",
    'encryption=sqs.QueueEncryption.KMS,\n            encryption_master_key=kms.Key(self, "QueueKey", '
    "enable_key_rotation=True)",
)

# --- 07 · S3 source bucket ------------------------------------------------------------------------
_B = 's3.Bucket(self, "Bucket")'


def _bucket(*props: str) -> tuple[str, str]:
    return _B, 's3.Bucket(self, "Bucket", ' + ", ".join(props) + ")"


_VERSIONED = "versioned=True"
_SSL = "enforce_ssl=True"
_PRIVATE = "block_public_access=s3.BlockPublicAccess.BLOCK_ALL"
_EXPIRY = "lifecycle_rules=[s3.LifecycleRule(noncurrent_version_expiration=Duration.days(30))]"
_EXPIRY_90 = _EXPIRY.replace("days(30)", "days(90)")
_TICKET = (
    "lifecycle_rules=[s3.LifecycleRule(noncurrent_version_expiration=Duration.days(90), "
    "noncurrent_version_transitions=[s3.NoncurrentVersionTransition("
    "storage_class=s3.StorageClass.INFREQUENT_ACCESS, transition_after=Duration.days(30))])]"
)

# --- 08 · versioning and rollback -----------------------------------------------------------------
_CURRENT = ("version=function.latest_version", "version=function.current_version")
_STABLE = ('alias_name="live"', 'alias_name="stable"')  # the ticket's alias


def _group(config: str, alarms: bool, rollback: bool) -> tuple[str, str]:
    lines = [
        "        self.deployment_group = codedeploy.LambdaDeploymentGroup(",
        '            self, "Deployment", alias=self.alias,',
        f"            deployment_config=codedeploy.LambdaDeploymentConfig.{config},",
    ]
    if alarms:
        lines.insert(0, '        alarm = cloudwatch.Alarm(self, "Errors", metric=self.alias.metric_errors(), '
                        "threshold=1, evaluation_periods=1)")
        lines.append("            alarms=[alarm],")
    if rollback:
        lines.append("            auto_rollback=codedeploy.AutoRollbackConfig(failed_deployment=True, "
                     "stopped_deployment=True, deployment_in_alarm=True),")
    lines.append("        )")
    alias_line = (
        '        self.alias = lambda_.Alias(self, "Alias", alias_name="live", '
        "version=function.current_version)\n"
    )
    return alias_line, alias_line + "\n".join(lines) + "\n"


# --- 09 · naming and tagging ----------------------------------------------------------------------
_TAG_PROJECT = '        Tags.of(self).add("Project", "pipeline-pitfalls")\n'
_TAG_ENV = (_TAG_PROJECT, _TAG_PROJECT + '        Tags.of(self).add("Environment", environment)\n')
_TAG_FINANCE = (
    _TAG_PROJECT,
    _TAG_PROJECT + '        Tags.of(self).add("Environment", environment)\n'
    '        Tags.of(self).add("CostCenter", "cc-4711")\n'
    '        Tags.of(self).add("Team", "release-notes")\n',
)
_NAMES = (
    ('table_name="releases"', 'table_name=f"pipeline-pitfalls-{environment}-releases"'),
    ('queue_name="release-notes-dead-letters", ', ""),
)
_TABLE_ENV_FIRST = (_NAMES[0][0], 'table_name=f"{environment}-releases"')

# --- 10 · CDK code errors -------------------------------------------------------------------------
_ESCAPE_HATCH = (
    "        table.node.default_child.add_property_override(\n"
    '            "pointInTimeRecoverySpecification", {"pointInTimeRecoveryEnabled": True}\n'
    "        )\n"
)
_TYPED_PITR = (
    (_ESCAPE_HATCH, ""),
    (
        "            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,\n        )\n",
        "            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,\n"
        "            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(\n"
        "                point_in_time_recovery_enabled=True\n            ),\n        )\n",
    ),
)
_PASCAL_CASE = (_ESCAPE_HATCH, _ESCAPE_HATCH.replace('"pointInTime', '"PointInTime'))
# Split by concern, as the second hint says, but the alerts left in the app's own scope.
_SPLIT = '''from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_dynamodb as dynamodb


class SitePublishing(Construct):
    def __init__(self, scope, id):
        super().__init__(scope, id)
        site = s3.Bucket(self, "Site", enforce_ssl=True)
        self.build = codebuild.PipelineProject(
            self,
            "SiteBuild",
            environment=codebuild.BuildEnvironment(build_image=codebuild.LinuxBuildImage.STANDARD_7_0),
        )
        site.grant_put(self.build)


class Publisher(Construct):
    def __init__(self, scope, id, stage):
        super().__init__(scope, id)
        table = dynamodb.Table(
            self,
            "Releases",
            partition_key=dynamodb.Attribute(name="version", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
        )
        self.function = lambda_.Function(
            self,
            "Function",
            runtime=lambda_.Runtime.NODEJS_24_X,
            handler="index.handler",
            code=lambda_.Code.from_inline("exports.handler = async () => ({ ok: true });"),
            environment={"APP_STAGE": stage, "TABLE": table.table_name},
        )
        table.grant_read_data(self.function)


class ReleaseNotesApp(Construct):
    def __init__(self, scope, id, props):
        super().__init__(scope, id)
        SitePublishing(self, "Site")
        publisher = Publisher(self, "Publisher", props.stage)
        topic = sns.Topic(self, "Alerts", enforce_ssl=True)
        alarm = publisher.function.metric_errors().create_alarm(
            self, "PublisherErrors", threshold=1, evaluation_periods=1
        )
        alarm.add_alarm_action(cw_actions.SnsAction(topic))
'''

# --- 11 · security and encryption -----------------------------------------------------------------
_KEY = 'self.key = kms.Key(self, "Key")'
_ROTATE = (_KEY, 'self.key = kms.Key(self, "Key", enable_key_rotation=True)')
_ROTATE_ALIAS = (_KEY, _ROTATE[1].replace("True)", 'True, alias="alias/pipeline-pitfalls/pipeline")'))


def _logs_statement(principal: str) -> tuple[str, str]:
    return (
        _KEY,
        _KEY + "\n"
        "        self.key.add_to_resource_policy(iam.PolicyStatement(\n"
        f"            principals=[iam.ServicePrincipal({principal})],\n"
        '            actions=["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", '
        '"kms:Describe*"],\n'
        '            resources=["*"],\n'
        "        ))",
    )


_REGIONAL_LOGS = 'f"logs.{Stack.of(self).region}.amazonaws.com"'
_GLOBAL_LOGS = '"logs.amazonaws.com"'

# --- 12 · monitoring and logging ------------------------------------------------------------------
_ONE_ALARM = (
    '        function.metric_errors().create_alarm(self, "Errors", threshold=1, evaluation_periods=1)\n'
)


def _alarms(actions: bool, grant: bool, latency: str = "") -> tuple[str, str]:
    act = "            a.add_alarm_action(cloudwatch_actions.SnsAction(alarm_topic))\n" if actions else ""
    body = (
        "        metrics = {\n"
        "            f\"{name}FailedBuilds\": p.metric_failed_builds() for name, p in projects.items()\n"
        "        }\n"
        '        metrics |= {"Errors": function.metric_errors(), "Throttles": function.metric_throttles()}\n'
        "        for name, metric in metrics.items():\n"
        "            a = metric.create_alarm(self, name, threshold=1, evaluation_periods=1)\n" + act
    )
    if latency:
        heard = "        latency.add_alarm_action(cloudwatch_actions.SnsAction(alarm_topic))\n"
        body += latency + (heard if actions else "")
    if grant:
        body += '        alarm_topic.grant_publish(iam.ServicePrincipal("cloudwatch.amazonaws.com"))\n'
    return _ONE_ALARM, body


# The ticket's latency alarm: as a first try (the metric's defaults), then as the ticket words it.
_AVERAGE_LATENCY = (
    '        latency = function.metric_duration().create_alarm(self, "Latency", threshold=3000, '
    "evaluation_periods=1)\n"
)
_P99_LATENCY = (
    '        latency = function.metric_duration(statistic="p99", period=Duration.minutes(1))'
    ".create_alarm(\n"
    '            self, "Latency", threshold=3000, evaluation_periods=3, datapoints_to_alarm=3)\n'
)

_ALARM_ACTION = (
    _ONE_ALARM,
    '        alarm = function.metric_errors().create_alarm(\n'
    '            self, "Errors", threshold=1, evaluation_periods=1\n'
    "        )\n"
    "        alarm.add_alarm_action(cloudwatch_actions.SnsAction(alarm_topic))\n",
)

# --- 13 · test integration ------------------------------------------------------------------------
_NO_OR_TRUE = ('"build": {"commands": ["npm test || true"]},', '"build": {"commands": ["npm test"]},')
_REPORT_GROUP = (
    "        super().__init__(scope, id)\n",
    '        super().__init__(scope, id)\n        reports = codebuild.ReportGroup(self, "Reports")\n',
)
_REPORTS = (
    "                },\n            }),\n        )",
    "                },\n"
    '                "reports": {reports.report_group_arn: {\n'
    '                    "files": ["junit.xml"], "base-directory": "reports", "file-format": "JUNITXML"}},\n'
    "            }),\n        )",
)
_GRANT = (
    "            }),\n        )",
    "            }),\n        )\n        reports.grant_write(self.project)",
)
_NODE_TEST = (
    '"npm test"',
    '"node --test --test-reporter=junit --test-reporter-destination=reports/junit.xml '
    '--experimental-test-coverage --test-coverage-lines=80"',
)
_NODE_TEST_PIPED = (_NODE_TEST[0], _NODE_TEST[1][:-1] + ' | tee test.log"')
# The ticket: coverage as Cobertura in a CODE_COVERAGE group, written by c8, gated at 85 %.
_C8 = (
    '"npm test"',
    '"npx --yes c8@12.0.0 --check-coverage --lines=85 --reporter=cobertura --reports-dir=coverage '
    'node --test --test-reporter=junit --test-reporter-destination=reports/junit.xml"',
)
_COVERAGE_GROUP = (
    _REPORT_GROUP[1],
    _REPORT_GROUP[1] + '        coverage = codebuild.ReportGroup(\n'
    '            self, "Coverage", type=codebuild.ReportGroupType.CODE_COVERAGE)\n',
)
_COVERAGE_REPORTS = (
    '"file-format": "JUNITXML"}},\n',
    '"file-format": "JUNITXML"},\n'
    '                    coverage.report_group_arn: {"files": ["cobertura-coverage.xml"], '
    '"base-directory": "coverage", "file-format": "COBERTURAXML"}},\n',
)

# --- 14 · deployment validation -------------------------------------------------------------------
_IMPORTS = (
    "        super().__init__(scope, id)\n",
    "        super().__init__(scope, id)\n"
    "        from solutions.deployment_validation import PreTrafficHook, SmokeTest, rollback_alarms\n\n",
)
_ALARMS = (
    "            deployment_config=codedeploy.LambdaDeploymentConfig.CANARY_10_PERCENT_5_MINUTES,\n",
    "            deployment_config=codedeploy.LambdaDeploymentConfig.CANARY_10_PERCENT_5_MINUTES,\n"
    "            alarms=rollback_alarms(self, alias),\n"
    "            auto_rollback=codedeploy.AutoRollbackConfig(deployment_in_alarm=True),\n",
)
_END = "\n        )\n"  # the end of the starter's one statement
_HOOK_LINE = (
    '        self.pre_traffic_hook = PreTrafficHook(self, "Hook", alias=alias, '
    "deployment_group=self.deployment_group).function\n"
)
_SMOKE_LINE = ('        self.smoke_test = SmokeTest(self, "SmokeTest", function=alias.version.lambda_,\n'
               '                                    alias_name=alias.alias_name).project\n')

# The ticket's post-traffic hook, registered, but given the report call on every group.
_POST_HOOK_WIDE = (
    "        from aws_cdk import aws_iam as iam\n"
    "        from aws_cdk import aws_lambda as lambda_\n\n"
    "        from solutions.deployment_validation import PRE_TRAFFIC_HOOK_CODE\n\n"
    '        post = lambda_.Function(self, "PostHook", runtime=lambda_.Runtime.NODEJS_24_X,\n'
    '                                handler="index.handler",\n'
    "                                code=lambda_.Code.from_inline(PRE_TRAFFIC_HOOK_CODE))\n"
    '        post.add_to_role_policy(iam.PolicyStatement(actions=["codedeploy:*"], resources=["*"]))\n'
    "        self.deployment_group.add_post_hook(post)\n"
    "        self.post_traffic_hook = post\n"
)


def _after_group(*lines: str) -> tuple[str, str]:
    return _END, _END + "".join(lines)


STOPS: dict[int, tuple[Stop, ...]] = {
    1: (
        stop("Build and Test stages added; the deploy action still takes the source",
             _PACKAGE, (_DEPLOY_STAGE, _BUILD + _TEST + _DEPLOY_STAGE)),
        stop("the notebook's fix: all four stages linked by artifacts; no approval",
             _PACKAGE, (_DEPLOY_STAGE, _BUILD + _TEST + _DEPLOY_STAGE), _DEPLOY_PACKAGE),
        stop("all four stages, but the Test action runs the build project: no test runner runs",
             _PACKAGE, (_DEPLOY_STAGE, _BUILD + _TEST_ON_BUILD + _DEPLOY_STAGE), _DEPLOY_PACKAGE),
        stop("an Approve stage between Test and Deploy that tells nobody",
             _PACKAGE, (_DEPLOY_STAGE, _BUILD + _TEST + _approve(False) + _DEPLOY_STAGE),
             _DEPLOY_PACKAGE),
        stop("an announced approval, but before the Build stage: it approves untested code",
             _PACKAGE, (_DEPLOY_STAGE, _approve(True) + _BUILD + _TEST + _DEPLOY_STAGE),
             _DEPLOY_PACKAGE),
    ),
    2: (
        stop("the trust fixed (codebuild.amazonaws.com); AdministratorAccess still attached", _TRUST),
        stop("trust and policy fixed, but no statement for the alias", _TRUST, _NO_ADMIN),
        stop("the notebook's grants (code upload, versions, the alias), acknowledged",
             _TRUST, _NO_ADMIN, _DEPLOY_GRANTS, _ACKNOWLEDGE),
        stop("the promote job's two actions; CDK's scoped grants not acknowledged",
             _TRUST, _NO_ADMIN, _PROMOTE_GRANTS),
        stop("all of it except the trust: the promote grants, acknowledged, on a role Lambda assumes",
             _NO_ADMIN, _PROMOTE_GRANTS, _ACKNOWLEDGE),
    ),
    3: (
        stop("the topic ARN built from the stack, but for every stage; the region variable and the "
             "queue name kept", _ARN),
        stop("the region variable removed and the stage's ARN built from the stack; the queue name "
             "still fixed", _ARN_STAGE, _NO_REGION),
        stop("the queue name left to CloudFormation (PP03 is satisfied; the ticket is not)",
             _ARN_STAGE, _NO_REGION, _NO_QUEUE_NAME),
        stop("the queue named for the stage; the literal ARN and region kept", _QUEUE_NAME),
    ),
    4: (
        stop("a Linux image (standard:7.0); still no buildspec", _LINUX),
        stop("Linux, small, a buildspec with artifacts, on Node.js 22 (the function runs nodejs24.x)",
             _LINUX, _SMALL, _buildspec("22", artifacts=True)),
        stop("like the notebook's fix: Linux, small, a buildspec with artifacts on Node.js 24; "
             "no timeout, no cache", _LINUX, _SMALL, _buildspec("24", artifacts=True)),
        stop("15 minutes and a local custom cache, but the buildspec names nothing to cache",
             _LINUX, _SMALL, _buildspec("24", artifacts=True), _BOUNDED),
        stop("the ticket's timeout and cache, still on the Windows image",
             _buildspec("24", artifacts=True, cache=True), _BOUNDED),
    ),
    5: (
        stop("the runtime moved to the successor; the code still imports distutils", _PY314),
        stop("the successor and arm64; the code unchanged", _PY314, _ARM),
        stop("python3.13 on arm64, the code fixed (supported, but not the successor the ticket names)",
             _PY313, _ARM, *_NO_DISTUTILS),
        stop("the code fixed, the runtime left at python3.9", *_NO_DISTUTILS),
    ),
    6: (
        stop("the rule matches FAILED; nobody subscribed, both on AWS managed keys", *_FAILED),
        stop("the notebook's fix: FAILED, the email, the topic's own key; the queue not subscribed",
             *_FAILED, _SUBSCRIBE, _OWN_KEY),
        stop("the email and the queue subscribed, the queue still on alias/aws/sqs",
             *_FAILED, _SUBSCRIBE_BOTH, _OWN_KEY),
        stop("both subscribed, both on customer managed keys; the rule still matches SUCCEEDED only",
             _SUBSCRIBE_BOTH, _OWN_KEY, _QUEUE_KEY),
    ),
    7: (
        stop("versioned=True only", _bucket(_VERSIONED)),
        stop("the notebook's SourceBucket copied: old versions expire after 30 days",
             _bucket(_VERSIONED, _PRIVATE, _SSL, _EXPIRY)),
        stop("versioned and TLS-only, kept 90 days; nothing moves to Standard-IA",
             _bucket(_VERSIONED, _SSL, _EXPIRY_90)),
        stop("the ticket's lifecycle rule, TLS-only, but not versioned", _bucket(_SSL, _TICKET)),
    ),
    8: (
        stop("the alias on current_version; no deployment group", _CURRENT),
        stop("a deployment group, all at once, no alarm, no rollback",
             _CURRENT, _group("ALL_AT_ONCE", alarms=False, rollback=False)),
        stop("the notebook's GradualRelease: a canary group with alarm and rollback, through live",
             _CURRENT, _group("CANARY_10_PERCENT_5_MINUTES", alarms=True, rollback=True)),
        stop("the ticket's linear shift with alarm and rollback; the alias still named live",
             _CURRENT, _group("LINEAR_10_PERCENT_EVERY_1_MINUTE", alarms=True, rollback=True)),
        stop("the ticket's alias and linear shift with an alarm; auto_rollback left out "
             "(CDK's default rolls back on failure and alarm)",
             _CURRENT, _group("LINEAR_10_PERCENT_EVERY_1_MINUTE", alarms=True, rollback=False),
             _STABLE),
    ),
    9: (
        stop("the Environment tag added; the names unchanged", _TAG_ENV),
        stop("the names carry the environment (the queue's left out); the course's tags only",
             _TAG_ENV, *_NAMES),
        stop("every tag; the table named for the environment, but not as the ticket says",
             _TAG_FINANCE, _TABLE_ENV_FIRST, _NAMES[1]),
        stop("all four tags; the names unchanged", _TAG_FINANCE),
    ),
    10: (
        stop("the escape hatch replaced by the typed prop; still one construct", *_TYPED_PITR),
        stop("the override's casing fixed (PointInTimeRecoverySpecification); still one construct",
             _PASCAL_CASE),
        Stop("split by concern, the typed prop used; the topic and alarm left in the app's scope",
             source=_SPLIT),
    ),
    11: (
        stop("enable_key_rotation=True only", _ROTATE),
        stop("rotation and a key policy statement for logs.amazonaws.com (no region)",
             _logs_statement(_GLOBAL_LOGS), _ROTATE),
        stop("a key policy statement for logs.<region>.amazonaws.com; rotation off",
             _logs_statement(_REGIONAL_LOGS)),
        stop("the notebook's PipelineKey: rotation and the regional logs statement",
             _logs_statement(_REGIONAL_LOGS), _ROTATE),
        stop("the notebook's PipelineKey and the alias; alarms and EventBridge still shut out",
             _logs_statement(_REGIONAL_LOGS), _ROTATE_ALIAS),
    ),
    12: (
        stop("the errors alarm notifies the topic; no other alarm", _ALARM_ACTION),
        stop("every alarm (failed builds, errors, throttles), none with an action",
             _alarms(actions=False, grant=False)),
        stop("every alarm with an SNS action; CloudWatch not allowed to publish",
             _alarms(actions=True, grant=False)),
        stop("the notebook's alarms, heard; a latency alarm on the average over 5 minutes",
             _alarms(actions=True, grant=True, latency=_AVERAGE_LATENCY)),
        stop("the notebook's alarms and the ticket's p99 over 3 of 3 minutes; missing data left "
             "to CloudWatch's default", _alarms(actions=True, grant=True, latency=_P99_LATENCY)),
    ),
    13: (
        stop("`|| true` removed; no report, no coverage gate", _NO_OR_TRUE),
        stop("a report group in the buildspec, not granted; no coverage gate",
             _NO_OR_TRUE, _REPORT_GROUP, _REPORTS),
        stop("report group granted, node --test with a coverage gate, piped into tee",
             _NO_OR_TRUE, _NODE_TEST_PIPED, _REPORT_GROUP, _REPORTS, _GRANT),
        stop("the notebook's UnitTests: JUnit granted, node --test gated at 80 %; no coverage report",
             _NO_OR_TRUE, _NODE_TEST, _REPORT_GROUP, _REPORTS, _GRANT),
        stop("c8 at 85 % and a Cobertura report in a CODE_COVERAGE group; only the JUnit group granted",
             _NO_OR_TRUE, _C8, _REPORT_GROUP, _COVERAGE_GROUP, _REPORTS, _COVERAGE_REPORTS, _GRANT),
    ),
    14: (
        stop("alarms and rollback on alarm; no hook, no smoke test", _IMPORTS, _ALARMS),
        stop("alarms, and a pre-traffic hook; no smoke test", _IMPORTS, _ALARMS, _after_group(_HOOK_LINE)),
        stop("a hook and a smoke test; no alarms", _IMPORTS, _after_group(_HOOK_LINE, _SMOKE_LINE)),
        stop("the notebook's ValidatedDeployment: hook, alarms, smoke test; no post-traffic hook",
             _IMPORTS, _ALARMS, _after_group(_HOOK_LINE, _SMOKE_LINE)),
        stop("a post-traffic hook too, its role allowed codedeploy:* on every resource",
             _IMPORTS, _ALARMS, _after_group(_HOOK_LINE, _POST_HOOK_WIDE, _SMOKE_LINE)),
    ),
}


# --- the capstone: Sam's pipeline, at the end of the final notebook ------------------------------
_SCOPED_DEPLOYER = (
    """        deployer = iam.Role(
            self,
            "Deployer",
            assumed_by=iam.ServicePrincipal("cloudformation.amazonaws.com"),
            managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name("AdministratorAccess")],
        )
""",
    """        from solutions.iam_least_privilege import StackDeploymentRole
        from solutions.pipeline import function_name

        deployer = StackDeploymentRole(self, "Deployer", stack_name=app_stack,
                                       function_names=[function_name(config)]).role
""",
)
_VERSIONED = ("            server_access_logs_prefix=\"uploads/\",\n",
              "            server_access_logs_prefix=\"uploads/\",\n            versioned=True,\n")
_STAGED_TOPIC = ('topic_name="orders-alerts"', 'topic_name=config.name("alerts"), master_key=key')


def _capstone_stops() -> tuple[Stop, ...]:
    return (
        stop("the deploy role scoped to the application stack; the rest as Sam wrote it",
             _SCOPED_DEPLOYER),
        stop("deploy role scoped, uploads versioned; the topic, its ARN and the trail as they were",
             _SCOPED_DEPLOYER, _VERSIONED),
        stop("deploy role, versioning, and the topic named by stage and encrypted; nobody "
             "subscribed, the ARN typed in, no trail", _SCOPED_DEPLOYER, _VERSIONED, _STAGED_TOPIC),
    )


STOPS[scenarios.final().number] = _capstone_stops()
