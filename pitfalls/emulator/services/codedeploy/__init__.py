"""CodeDeploy: applications, deployment groups, alias deployments."""
