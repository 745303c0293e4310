"""Typical half-fixes of each exercise, as edits to the notebook's starter code.

Each stop is what a learner has typed after following part of the hints: one part of the fix
applied alone, or the whole fix but one piece. scripts/instructor_guide.py applies the edits to the
`%%exercise N` cell of the notebook (each `old` must occur exactly once in it, so a changed starter
fails loudly instead of silently grading something else) and reports what the checker says.
"""

from __future__ import annotations

from dataclasses import dataclass


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
    '        topic_arn = "arn:aws:sns:us-east-1:123456789012:pipeline-pitfalls-alerts"\n',
    '        topic_arn = cdk.Stack.of(self).format_arn(service="sns", resource=config.name("alerts"))\n',
)
_NO_REGION = ('                "REGION": "us-east-1",\n', "")
_BUCKET = (
    'self.bucket = s3.Bucket(self, "Reports", bucket_name="pipeline-pitfalls-reports")',
    'self.bucket = s3.Bucket(self, "Reports")',
)
_BUCKET_REF = ('"REPORTS_BUCKET": "pipeline-pitfalls-reports"', '"REPORTS_BUCKET": self.bucket.bucket_name')
_FUNCTION_NAME = ('function_name="pipeline-pitfalls-reports"', 'function_name=config.name("reports")')

# --- 04 · CodeBuild -------------------------------------------------------------------------------
_LINUX = (
    "build_image=codebuild.WindowsBuildImage.WIN_SERVER_CORE_2019_BASE_3_0",
    "build_image=codebuild.LinuxBuildImage.STANDARD_7_0",
)
_SMALL = ("compute_type=codebuild.ComputeType.MEDIUM", "compute_type=codebuild.ComputeType.SMALL")


def _buildspec(nodejs: str, artifacts: bool) -> tuple[str, str]:
    tail = ', "artifacts": {"files": ["function.zip"]}' if artifacts else ""
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


# --- 05 · Lambda runtime --------------------------------------------------------------------------
_NODE24 = ("lambda_.Runtime.NODEJS_14_X", "lambda_.Runtime.NODEJS_24_X")
_NODE22 = ("lambda_.Runtime.NODEJS_14_X", "lambda_.Runtime.NODEJS_22_X")
_APP_CODE = (
    '            handler="index.handler",\n            code=lambda_.Code.from_inline(LEGACY_HANDLER),\n',
    '            handler="src/index.handler",\n'
    '            code=lambda_.Code.from_asset(str(APP_SOURCE), exclude=["test", "node_modules"]),\n',
)

# --- 06 · failure notifications -------------------------------------------------------------------
_FAILED = ('"Succeeded",', '"Failed",'), ('detail={"state": ["SUCCEEDED"]}', 'detail={"state": ["FAILED"]}')
_SUBSCRIBE = (
    "        pipeline.on_state_change(",
    "        self.topic.add_subscription(subscriptions.EmailSubscription(email))\n"
    "        pipeline.on_state_change(",
)
_OWN_KEY = (
    'master_key=kms.Alias.from_alias_name(self, "SnsKey", "alias/aws/sns")',
    'master_key=kms.Key(self, "Key", enable_key_rotation=True)',
)

# --- 07 · S3 source bucket ------------------------------------------------------------------------
_B = 's3.Bucket(self, "Bucket")'


def _bucket(*props: str) -> tuple[str, str]:
    return _B, 's3.Bucket(self, "Bucket", ' + ", ".join(props) + ")"


_VERSIONED = "versioned=True"
_SSL = "enforce_ssl=True"
_PRIVATE = "block_public_access=s3.BlockPublicAccess.BLOCK_ALL"
_EXPIRY = "lifecycle_rules=[s3.LifecycleRule(noncurrent_version_expiration=Duration.days(30))]"

# --- 08 · versioning and rollback -----------------------------------------------------------------
_CURRENT = ("version=function.latest_version", "version=function.current_version")


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
_TAGS = (
    "        super().__init__(scope, id)\n",
    "        super().__init__(scope, id)\n"
    '        Tags.of(self).add("Project", "pipeline-pitfalls")\n'
    '        Tags.of(self).add("Environment", environment)\n',
)
_TAG_PROJECT = (_TAGS[0], _TAGS[0] + '        Tags.of(self).add("Project", "pipeline-pitfalls")\n')
_NAMES = (
    ('bucket_name="pipeline-pitfalls-artifacts", ', ""),
    ('topic_name="pipeline-pitfalls-alerts"', 'topic_name=f"pipeline-pitfalls-{environment}-alerts"'),
    ('log_group_name="/pipeline-pitfalls/failure-notifier"',
     'log_group_name=f"/pipeline-pitfalls/{environment}/failure-notifier"'),
)

# --- 10 · CDK code errors -------------------------------------------------------------------------
_ESCAPE_HATCH = '        project.node.default_child.add_property_override("queuedTimeoutInMinutes", 30)\n'
_TYPED_TIMEOUT = (
    (_ESCAPE_HATCH, ""),
    (
        "                build_image=codebuild.LinuxBuildImage.STANDARD_7_0\n            ),\n",
        "                build_image=codebuild.LinuxBuildImage.STANDARD_7_0\n            ),\n"
        "            queued_timeout=Duration.minutes(30),\n",
    ),
)
_PASCAL_CASE = (_ESCAPE_HATCH, _ESCAPE_HATCH.replace('"queuedTimeoutInMinutes"', '"QueuedTimeoutInMinutes"'))
# The split the second hint describes, with the escape hatch kept in the build construct.
_SPLIT = '''class SourceStore(Construct):
    def __init__(self, scope, id):
        super().__init__(scope, id)
        self.bucket = s3.Bucket(self, "Bucket", versioned=True, enforce_ssl=True)


class BuildStage(Construct):
    def __init__(self, scope, id):
        super().__init__(scope, id)
        self.project = codebuild.PipelineProject(
            self,
            "Project",
            environment=codebuild.BuildEnvironment(build_image=codebuild.LinuxBuildImage.STANDARD_7_0),
        )
        self.project.node.default_child.add_property_override("queuedTimeoutInMinutes", 30)


class AppFunction(Construct):
    def __init__(self, scope, id, props):
        super().__init__(scope, id)
        self.function = lambda_.Function(
            self,
            "Function",
            runtime=lambda_.Runtime.NODEJS_24_X,
            handler="src/index.handler",
            code=lambda_.Code.from_asset(str(props.code_dir), exclude=["test", "node_modules"]),
            environment={"APP_STAGE": props.stage},
        )


class FailureAlerts(Construct):
    def __init__(self, scope, id, project):
        super().__init__(scope, id)
        topic = sns.Topic(self, "Topic", enforce_ssl=True)
        events.Rule(
            self,
            "BuildFailed",
            event_pattern=events.EventPattern(
                source=["aws.codebuild"],
                detail={"build-status": ["FAILED"], "project-name": [project.project_name]},
            ),
            targets=[targets.SnsTopic(topic)],
        )


class DeliveryApp(Construct):
    def __init__(self, scope, id, props):
        super().__init__(scope, id)
        source = SourceStore(self, "Source")
        build = BuildStage(self, "Build")
        AppFunction(self, "App", props)
        FailureAlerts(self, "Alerts", build.project)
        source.bucket.grant_read(build.project)
'''

# --- 11 · security and encryption -----------------------------------------------------------------
_KEY = 'self.key = kms.Key(self, "Key")'
_ROTATE = (_KEY, 'self.key = kms.Key(self, "Key", enable_key_rotation=True)')


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


def _alarms(actions: bool, grant: bool) -> tuple[str, str]:
    act = "            a.add_alarm_action(cloudwatch_actions.SnsAction(alarm_topic))\n" if actions else ""
    body = (
        "        metrics = {\n"
        "            f\"{name}FailedBuilds\": p.metric_failed_builds() for name, p in projects.items()\n"
        "        }\n"
        '        metrics |= {"Errors": function.metric_errors(), "Throttles": function.metric_throttles()}\n'
        "        for name, metric in metrics.items():\n"
        "            a = metric.create_alarm(self, name, threshold=1, evaluation_periods=1)\n" + act
    )
    if grant:
        body += '        alarm_topic.grant_publish(iam.ServicePrincipal("cloudwatch.amazonaws.com"))\n'
    return _ONE_ALARM, body


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


def _after_group(*lines: str) -> tuple[str, str]:
    return _END, _END + "".join(lines)


STOPS: dict[int, tuple[Stop, ...]] = {
    1: (
        stop("a Build stage added; the deploy action still takes the source",
             _PACKAGE, (_DEPLOY_STAGE, _BUILD + _DEPLOY_STAGE)),
        stop("Build and Test stages added; the deploy action still takes the source",
             _PACKAGE, (_DEPLOY_STAGE, _BUILD + _TEST + _DEPLOY_STAGE)),
        stop("a Build stage, and the deploy takes its package; no Test stage",
             _PACKAGE, (_DEPLOY_STAGE, _BUILD + _DEPLOY_STAGE), _DEPLOY_PACKAGE),
        stop("all four stages, but the Test action runs the build project: no test runner runs",
             _PACKAGE, (_DEPLOY_STAGE, _BUILD + _TEST_ON_BUILD + _DEPLOY_STAGE), _DEPLOY_PACKAGE),
    ),
    2: (
        stop("the trust fixed (codebuild.amazonaws.com); AdministratorAccess still attached", _TRUST),
        stop("AdministratorAccess removed; the role still trusts Lambda", _NO_ADMIN),
        stop("trust and policy fixed, but no statement for the function", _TRUST, _NO_ADMIN),
        stop("trust, policy and the function's statements; CDK's scoped grants not acknowledged",
             _TRUST, _NO_ADMIN, _DEPLOY_GRANTS),
        stop("all of it except the trust: acknowledged grants on a role Lambda assumes",
             _NO_ADMIN, _DEPLOY_GRANTS, _ACKNOWLEDGE),
    ),
    3: (
        stop("the topic ARN built from the stack; the region variable and the fixed names kept",
             _ARN),
        stop("the region variable removed and the ARN built from the stack; the names still fixed",
             _ARN, _NO_REGION),
        stop("the names fixed (no bucket name, the function's from config); the literal ARN and region kept",
             _BUCKET, _BUCKET_REF, _FUNCTION_NAME),
        stop("everything but the function's name", _ARN, _NO_REGION, _BUCKET, _BUCKET_REF),
    ),
    4: (
        stop("a Linux image (standard:7.0); still no buildspec", _LINUX),
        stop("Linux, small compute and an inline buildspec, but no artifacts",
             _LINUX, _SMALL, _buildspec("24", artifacts=False)),
        stop("Linux, small, a buildspec with artifacts, on Node.js 22 (the function runs nodejs24.x)",
             _LINUX, _SMALL, _buildspec("22", artifacts=True)),
        stop("a buildspec with artifacts, still on the Windows image", _buildspec("24", artifacts=True)),
    ),
    5: (
        stop("the runtime moved to Node.js 24; the legacy handler (SDK v2, callback) kept", _NODE24),
        stop("the course's handler from lambda_src/, on Node.js 22 (the build installs 24)",
             _NODE22, _APP_CODE),
        stop("the course's handler, the runtime left at Node.js 14", _APP_CODE),
    ),
    6: (
        stop("the rule matches FAILED; still no subscriber, still the AWS managed key", *_FAILED),
        stop("FAILED and an email subscription; still the AWS managed key alias/aws/sns",
             *_FAILED, _SUBSCRIBE),
        stop("FAILED and a customer managed key; nobody subscribed", *_FAILED, _OWN_KEY),
        stop("a subscription and a customer managed key; the rule still matches SUCCEEDED only",
             _SUBSCRIBE, _OWN_KEY),
    ),
    7: (
        stop("versioned=True only", _bucket(_VERSIONED)),
        stop("versioned and TLS-only; old versions kept for ever", _bucket(_VERSIONED, _SSL)),
        stop("versioned, with old versions expiring; plain HTTP still allowed", _bucket(_VERSIONED, _EXPIRY)),
        stop("private and TLS-only, but not versioned", _bucket(_PRIVATE, _SSL)),
    ),
    8: (
        stop("the alias on current_version; no deployment group", _CURRENT),
        stop("a deployment group, all at once, no alarm, no rollback",
             _CURRENT, _group("ALL_AT_ONCE", alarms=False, rollback=False)),
        stop("a canary deployment group, no alarm, no rollback",
             _CURRENT, _group("CANARY_10_PERCENT_5_MINUTES", alarms=False, rollback=False)),
        stop("a canary group with an alarm; auto_rollback left out "
             "(CDK's default rolls back on failure and alarm)",
             _CURRENT, _group("CANARY_10_PERCENT_5_MINUTES", alarms=True, rollback=False)),
    ),
    9: (
        stop("the two tags added; the names unchanged", _TAGS),
        stop("the names carry the environment (the bucket's left out); no tags", *_NAMES),
        stop("the names fixed, and one tag only (Project)", _TAG_PROJECT, *_NAMES),
    ),
    10: (
        stop("the escape hatch replaced by the typed prop (queued_timeout); still one construct",
             *_TYPED_TIMEOUT),
        stop("the override's casing fixed (QueuedTimeoutInMinutes); still one construct", _PASCAL_CASE),
        Stop("split into four constructs as the hint says; the camelCase escape hatch kept", source=_SPLIT),
    ),
    11: (
        stop("enable_key_rotation=True only", _ROTATE),
        stop("rotation and a key policy statement for logs.amazonaws.com (no region)",
             _logs_statement(_GLOBAL_LOGS), _ROTATE),
        stop("a key policy statement for logs.<region>.amazonaws.com; rotation off",
             _logs_statement(_REGIONAL_LOGS)),
    ),
    12: (
        stop("the errors alarm notifies the topic; no other alarm", _ALARM_ACTION),
        stop("every alarm (failed builds, errors, throttles), none with an action",
             _alarms(actions=False, grant=False)),
        stop("every alarm with an SNS action; CloudWatch not allowed to publish",
             _alarms(actions=True, grant=False)),
    ),
    13: (
        stop("`|| true` removed; no report, no coverage gate", _NO_OR_TRUE),
        stop("a report group in the buildspec, not granted; no coverage gate",
             _NO_OR_TRUE, _REPORT_GROUP, _REPORTS),
        stop("report group granted, node --test with a coverage gate, piped into tee",
             _NO_OR_TRUE, _NODE_TEST_PIPED, _REPORT_GROUP, _REPORTS, _GRANT),
    ),
    14: (
        stop("alarms and rollback on alarm; no hook, no smoke test", _IMPORTS, _ALARMS),
        stop("alarms, and a pre-traffic hook; no smoke test", _IMPORTS, _ALARMS, _after_group(_HOOK_LINE)),
        stop("a hook and a smoke test; no alarms", _IMPORTS, _after_group(_HOOK_LINE, _SMOKE_LINE)),
    ),
}
