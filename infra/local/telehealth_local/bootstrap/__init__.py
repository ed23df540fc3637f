"""Creates the shared resources the services need on the local endpoint, from the definitions Terraform reads too."""
