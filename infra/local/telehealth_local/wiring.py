"""The local endpoint's composition root: builds every part of the endpoint process once and hands each what it needs.

Nothing in telehealth_local creates an outbox, an event hub, an emulator or a Lambda runtime at
import; `build_endpoint` is the one place that does, so a test can build a fresh endpoint of its
own and the data flows along the arguments below instead of through module globals:

    outbox ──> emulator (SMS, SES), Cognito glue (codes) ──> control API (/_local/outbox)
    hub    ──> emulator's messaging backend (publishes) ──> session server (pushes to websockets)
    emulator.messaging (user_exists, prefetch) ──> session server
    invoker ──> emulator's call simulator, Cognito glue, API Gateway glue, moto's Lambda (moto_hook)
"""
from __future__ import annotations

import os
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from .control.api import ControlApi
from .control.faults import FaultInjector
from .control.traffic import TrafficCounter
from .emulator.app import Emulator, build_emulator
from .events import EventHub
from .glue.apigateway import ApiGatewayGlue
from .glue.cognito.middleware import CognitoGlue
from .glue.lambda_service.deployed import DeployedCode, DeployedFunctions
from .glue.lambda_service.invoker import ProcessLambdaInvoker
from .iam.enforcement import IamEnforcer
from .layout import ENDPOINT_PORT, HOST, OUTPUTS_FILE, PHONE_NUMBER, SESSIONS_PORT
from .moto.app import make_moto_app
from .moto.unimplemented import MotoGaps
from .outbox import Outbox
from .router import Router
from .sessions.server import SessionServer

Wsgi = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


@dataclass(frozen=True)
class EndpointSettings:
    """What one endpoint process is asked to be (the command line of processes/endpoint.py)."""

    host: str = HOST
    port: int = ENDPOINT_PORT
    ws_port: int = SESSIONS_PORT
    outputs_path: Path | None = OUTPUTS_FILE
    services_root: Path | None = None
    stage: str = "local"
    phone_number: str = PHONE_NUMBER
    prewarm: bool = True
    max_workers: int = 4
    media_port: int | None = None


@dataclass
class StartupState:
    """What the endpoint knows about its own start-up; the control API reads it."""

    ready: threading.Event = field(default_factory=threading.Event)
    outputs: dict[str, str] | None = None


@dataclass
class EndpointParts:
    """Everything the endpoint process runs, built and connected; processes/endpoint.py starts it."""

    settings: EndpointSettings
    state: StartupState
    outbox: Outbox
    hub: EventHub
    emulator: Emulator
    invoker: ProcessLambdaInvoker
    iam: IamEnforcer
    control: ControlApi
    app: Wsgi
    sessions: SessionServer


def build_endpoint(settings: EndpointSettings) -> EndpointParts:
    """Build the endpoint's parts (nothing listens yet; processes.endpoint.Endpoint.start binds and starts)."""
    state = StartupState()
    outbox = Outbox()
    hub = EventHub()
    invoker = ProcessLambdaInvoker(settings.services_root, max_workers=settings.max_workers, stage=settings.stage,
                                   deployed=_deployed_functions(settings.outputs_path, settings.stage))
    emulator = build_emulator(outbox=outbox, hub=hub)
    # CreateSipMediaApplicationCall's simulated calls invoke the SMA handler through the invoker.
    emulator.calls.configure(invoker=invoker)
    iam = IamEnforcer()
    control = ControlApi(outbox=outbox, calls=emulator.calls, sms=emulator.sms, meetings=emulator.meetings,
                         ready=state.ready.is_set, outputs=lambda: state.outputs,
                         worker_pids=invoker.worker_pids, iam_usage=iam.usage_records)
    # An operation moto lacks answers 501 naming it, like one the emulator lacks.
    moto = MotoGaps(make_moto_app())
    router = Router(control, CognitoGlue(moto, invoker, outbox), emulator.is_emulated, emulator, moto, iam,
                    ApiGatewayGlue(moto, invoker))
    sessions = SessionServer(settings.host, settings.ws_port, hub=hub, authorize=iam.authorize,
                             user_exists=emulator.messaging.user_exists, prefetch=emulator.messaging.prefetch)
    # Faults are answered before counting: a throttled request is never billed.
    return EndpointParts(settings=settings, state=state, outbox=outbox, hub=hub, emulator=emulator,
                         invoker=invoker, iam=iam, control=control, app=FaultInjector(TrafficCounter(router)),
                         sessions=sessions)


def _deployed_functions(outputs_path: Path | None, stage: str) -> DeployedFunctions:
    """Runs what `chalice deploy` put in Lambda for other stages (scripts/deploy.py --local)."""
    base = (outputs_path.parent if outputs_path else Path(tempfile.mkdtemp(prefix="telehealth-local-")))
    return DeployedFunctions(DeployedCode(base / "lambda-code", stage), os.environ)
