"""SSM: parameters."""
