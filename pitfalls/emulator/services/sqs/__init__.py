"""SQS: queues and queue policies."""
