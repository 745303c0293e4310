"""CloudTrail: trails."""
