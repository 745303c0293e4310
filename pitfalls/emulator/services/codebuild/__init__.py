"""CodeBuild: projects and report groups."""
