"""Our emulation of the AWS services moto lacks: Chime SDK identity, messaging, meetings, voice
and End User Messaging SMS, driven by botocore's own service models."""
