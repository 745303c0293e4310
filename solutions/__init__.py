"""The corrected constructs of Pipeline Pitfalls, one module per scenario.

A solution module imports only the standard library, aws-cdk-lib (`aws_cdk`), `constructs`,
`jsii` (one module) and other solution modules, never `pitfalls` (an import-linter contract in
pyproject.toml keeps it so). To copy one into your own CDK app, copy it with the solution
modules it needs, as this table says (tests/test_solutions_table.py keeps it true):

| module | also needs these solution modules | packages |
|---|---|---|
| cdk_code_errors | codebuild_configuration, incomplete_pipeline_stages, lambda_runtime, versioning_and_rollback | aws-cdk-lib, constructs |
| codebuild_configuration | lambda_runtime | aws-cdk-lib, constructs |
| deployment_validation | codebuild_configuration, incomplete_pipeline_stages, lambda_runtime, versioning_and_rollback | aws-cdk-lib, constructs |
| failure_notifications | - | aws-cdk-lib, constructs |
| hardcoded_environment | lambda_runtime | aws-cdk-lib, constructs |
| iam_least_privilege | codebuild_configuration, lambda_runtime | aws-cdk-lib, constructs, jsii |
| incomplete_pipeline_stages | codebuild_configuration, lambda_runtime | aws-cdk-lib, constructs |
| lambda_runtime | - | aws-cdk-lib, constructs |
| monitoring_and_logging | - | aws-cdk-lib, constructs |
| naming_and_tagging | lambda_runtime | aws-cdk-lib, constructs |
| pipeline | every other module but cdk_code_errors | aws-cdk-lib, constructs |
| s3_source_bucket | - | aws-cdk-lib, constructs |
| security_and_encryption | codebuild_configuration, lambda_runtime | aws-cdk-lib, constructs |
| test_integration | codebuild_configuration, lambda_runtime | aws-cdk-lib, constructs |
| versioning_and_rollback | codebuild_configuration, incomplete_pipeline_stages, lambda_runtime | aws-cdk-lib, constructs |

`lambda_runtime` packages the function from the repository's `lambda_src/` (`APP_SOURCE`): in
your app, point it at your own function's directory. `jsii` is installed with aws-cdk-lib.
`solutions.pipeline` composes the modules into the full pipeline stack.
"""
