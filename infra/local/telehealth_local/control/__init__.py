"""The stack's own HTTP surface and request middleware: the /_local control API, fault injection, traffic counts."""
