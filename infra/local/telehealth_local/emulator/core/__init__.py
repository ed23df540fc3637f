"""The model-driven framework every emulated service plugs into: routing, input parsing and validation,
output and error rendering, pagination and per-(account, region) state, all from botocore's models.

Backend contract (what a service package provides)
--------------------------------------------------
A service package `telehealth_local.emulator.<pkg>` is registered in `emulator/app.py`
(`SERVICES`: botocore service name -> package) and contains:

- `models.py`: the state and rules. A backend class, one instance per (account, region),
  created by a `BackendRegistry` as `factory(account_id, region)`; `emulator/app.py`'s
  `build_emulator` makes each registry, with a factory that hands the backend what it needs
  (the outbox, the event hub, another service's registry). Nothing is created at import.
  Its methods are the snake_case operation names
  (`create_channel`) and are called with keyword arguments named exactly as the model's
  input members (PascalCase: `ChimeBearer=`, `ChannelArn=`), only the members present in the
  request, already deserialized (timestamps as aware datetimes, blobs as bytes, uri labels
  percent-decoded) and validated against the model (required, lengths, patterns, enums,
  ranges, list/map sizes). A method returns a dict of output members (PascalCase; datetimes
  allowed, rendered as epoch seconds; unmodelled keys are dropped with a warning) or None.
  It signals failure by raising an `AwsServiceError` (emulator/errors.py), normally one of
  the package's exceptions.py classes. Backends must be thread-safe (the server is
  threaded); hold your own lock and never call back into the emulator over HTTP while
  holding it.
- `responses.py`: the glue, no logic: `OPERATIONS = {"CreateChannel": "create_channel", ...}`
  (model operation name -> backend method name) and `BACKEND`, the backend class (imported as that name).
  Operations the model has but OPERATIONS lacks answer 501 `NotImplemented` (a documented gap).
- `exceptions.py`: `AwsServiceError` subclasses with the service's codes and HTTP statuses.
- `views.py` (optional): plain-Python read/act helpers over the package's registry for the rest
  of the local stack (never HTTP), exposed as attributes of the `Emulator`.
- `__init__.py`: a one-line docstring; may re-export the public helpers.

The framework renders errors from the service's exception shapes ({"Code","Message"} for
Chime, + "RequestId" for meetings, {"__type", "Message", "Reason", ...} for the JSON 1.0 End
User Messaging SMS, whose operations are routed by X-Amz-Target) with the `x-amzn-ErrorType`
header. Use `paginate()` for list operations (opaque cursor NextTokens).
SigV4 signatures on REST calls are not verified; the credential scope gives the region and
the access key gives the account (moto's mapping when moto is loaded, else DEFAULT_ACCOUNT_ID).
"""
from .dispatcher import Dispatcher, EmulatedService, ServicePackage, load_package
from .errors import bad_request, not_emulated
from .pagination import decode_token, encode_token, paginate
from .request import DEFAULT_ACCOUNT_ID, DEFAULT_REGION
from .state import BackendRegistry, Setting
from .timestamps import iso8601, utcnow

__all__ = [
    "BackendRegistry",
    "DEFAULT_ACCOUNT_ID",
    "DEFAULT_REGION",
    "Dispatcher",
    "EmulatedService",
    "ServicePackage",
    "Setting",
    "bad_request",
    "decode_token",
    "encode_token",
    "iso8601",
    "load_package",
    "not_emulated",
    "paginate",
    "utcnow",
]
