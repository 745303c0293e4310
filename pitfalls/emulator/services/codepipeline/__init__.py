"""CodePipeline: pipelines."""
