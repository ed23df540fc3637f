"""The identity service: sign-up, confirmation, sign-in, tokens, profile and patient search."""
from telehealth_shared.auth import Principal
from telehealth_shared.aws import default_clients
from telehealth_shared.config import get_settings
from telehealth_shared.edge import TelehealthApp
from telehealth_shared.models.identity import (ConfirmRequest, PatientsQuery, RefreshRequest, SigninRequest,
                                               SignupRequest)

from chalicelib.confirm_sign_up import confirm_sign_up
from chalicelib.get_profile import get_profile
from chalicelib.list_patients import list_patients
from chalicelib.post_confirmation import handle_post_confirmation
from chalicelib.refresh_tokens import refresh_tokens
from chalicelib.sign_in import sign_in
from chalicelib.sign_up import sign_up

app = TelehealthApp("identity")


@app.api_route("/signup", methods=["POST"], auth=False, body=SignupRequest, status=201)
def signup(body: SignupRequest):
    return sign_up(default_clients(), get_settings(), body)


@app.api_route("/confirm", methods=["POST"], auth=False, body=ConfirmRequest)
def confirm(body: ConfirmRequest):
    return confirm_sign_up(default_clients(), get_settings(), body)


@app.api_route("/signin", methods=["POST"], auth=False, body=SigninRequest)
def signin(body: SigninRequest):
    return sign_in(default_clients(), get_settings(), body)


@app.api_route("/refresh", methods=["POST"], auth=False, body=RefreshRequest)
def refresh(body: RefreshRequest):
    return refresh_tokens(default_clients(), get_settings(), body)


@app.api_route("/me", methods=["GET"])
def me(principal: Principal):
    return get_profile(default_clients(), get_settings(), principal)


@app.api_route("/patients", methods=["GET"], roles=["doctor"], query=PatientsQuery)
def patients(principal: Principal, query: PatientsQuery):
    return list_patients(default_clients(), get_settings(), query)


@app.lambda_function(name="post_confirmation")
def post_confirmation(event, context):
    return handle_post_confirmation(default_clients(), get_settings(), event)
