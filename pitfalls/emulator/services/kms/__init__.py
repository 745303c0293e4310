"""KMS: keys and aliases."""
