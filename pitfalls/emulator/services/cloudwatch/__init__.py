"""CloudWatch: alarms and dashboards."""
