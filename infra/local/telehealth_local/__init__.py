"""The local stack: moto plus our Chime SDK and Pinpoint emulation, glue and a control API."""
