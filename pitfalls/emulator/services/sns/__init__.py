"""SNS: topics, subscriptions, topic policies."""
