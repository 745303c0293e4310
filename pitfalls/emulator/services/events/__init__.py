"""EventBridge: rules and their delivery."""
