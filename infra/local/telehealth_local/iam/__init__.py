"""IAM as AWS enforces it on every request: signed-request parsing, the policies, and the evaluator."""
