"""The identity service: sign-up, confirmation, sign-in, tokens, profile and patient search."""
from telehealth_shared.auth import Principal
from telehealth_shared.aws import default_clients
from telehealth_shared.config import get_settings
from telehealth_shared.edge import TelehealthApp
from telehealth_shared.models.identity import (ConfirmRequest, ConfirmResponse, MeResponse, PatientsPage,
                                               PatientsQuery, RefreshRequest, RefreshResponse, SigninRequest,
                                               SignupRequest, SignupResponse, TokensResponse)

from chalicelib.confirm_sign_up import confirm_sign_up
from chalicelib.get_profile import get_profile
from chalicelib.list_patients import list_patients
from chalicelib.post_confirmation import handle_post_confirmation
from chalicelib.refresh_tokens import refresh_tokens
from chalicelib.sign_in import sign_in
from chalicelib.sign_up import sign_up

app = TelehealthApp("identity")


@app.api_route("/signup", methods=["POST"], auth=False, body=SignupRequest, status=201,
               response=SignupResponse, errors=[409])
def signup(body: SignupRequest):
    """Register a doctor or patient (unconfirmed until /confirm)."""
    return sign_up(default_clients(), get_settings(), body)


@app.api_route("/confirm", methods=["POST"], auth=False, body=ConfirmRequest, response=ConfirmResponse, errors=[409])
def confirm(body: ConfirmRequest):
    """Confirm a sign-up with the e-mailed code."""
    return confirm_sign_up(default_clients(), get_settings(), body)


@app.api_route("/signin", methods=["POST"], auth=False, body=SigninRequest, response=TokensResponse, errors=[401, 403])
def signin(body: SigninRequest):
    """Sign in with e-mail and password; returns Cognito tokens."""
    return sign_in(default_clients(), get_settings(), body)


@app.api_route("/refresh", methods=["POST"], auth=False, body=RefreshRequest, response=RefreshResponse, errors=[401])
def refresh(body: RefreshRequest):
    """Exchange a refresh token for new ID and access tokens."""
    return refresh_tokens(default_clients(), get_settings(), body)


@app.api_route("/me", methods=["GET"], response=MeResponse, errors=[403])
def me(principal: Principal):
    """The caller's own profile."""
    return get_profile(default_clients(), get_settings(), principal)


@app.api_route("/patients", methods=["GET"], roles=["doctor"], query=PatientsQuery, response=PatientsPage)
def patients(principal: Principal, query: PatientsQuery):
    """Find patients by name or e-mail prefix (doctors only)."""
    return list_patients(default_clients(), get_settings(), query)


@app.lambda_function(name="post_confirmation")
def post_confirmation(event, context):
    return handle_post_confirmation(default_clients(), get_settings(), event)
