"""The processes of the local stack: the runner, the endpoint, the service and console servers, and what starts them."""
