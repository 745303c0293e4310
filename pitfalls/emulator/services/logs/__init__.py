"""CloudWatch Logs: log groups."""
