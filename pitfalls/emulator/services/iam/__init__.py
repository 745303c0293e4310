"""IAM: roles and policies."""
