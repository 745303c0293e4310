"""The CDK's metadata record."""
