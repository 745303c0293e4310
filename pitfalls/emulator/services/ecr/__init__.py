"""ECR: repositories."""
