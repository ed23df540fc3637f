"""The Lambda service: each function runs in a worker process of its service, as an execution environment."""
