"""The corrected constructs of Pipeline Pitfalls, one module per scenario.

Each module depends only on aws-cdk-lib and constructs, so a learner can copy one into their own
CDK app. `solutions.pipeline` composes them into the full pipeline stack.
"""
