"""The local stack: moto plus our Chime SDK and End User Messaging SMS emulation, glue and a control API."""
