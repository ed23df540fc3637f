"""Our emulation of the AWS services moto lacks: Chime SDK identity, messaging, meetings, voice
and Pinpoint SendMessages, driven by botocore's own service models."""
