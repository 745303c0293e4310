"""CodeStar Notifications: notification rules on pipelines, delivered to SNS topics."""
