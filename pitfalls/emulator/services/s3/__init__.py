"""S3: buckets and bucket policies."""
