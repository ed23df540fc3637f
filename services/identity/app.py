"""The identity service: sign-up, confirmation, sign-in, tokens, profile, patient search, invitations, audit."""
from telehealth_shared.auth import Principal
from telehealth_shared.aws import default_clients
from telehealth_shared.config import get_settings
from telehealth_shared.edge import TelehealthApp
from telehealth_shared.models.common import PageQuery
from telehealth_shared.models.identity import (AuditPage, AuditQuery, ConfirmRequest, ConfirmResponse, InvitationCreated, InvitationRequest,
                                               InvitationRevoked, InvitationsPage, MeResponse, PatientsPage,
                                               PatientsQuery, PhoneConfirmRequest, ProfileUpdateRequest,
                                               RefreshRequest, RefreshResponse, SigninRequest, SignupRequest,
                                               SignupResponse, TokensResponse)

from chalicelib.audit_query import query_audit
from chalicelib.confirm_sign_up import confirm_sign_up
from chalicelib.get_profile import get_profile
from chalicelib.invitations import create_invitation, list_invitations, revoke_invitation
from chalicelib.list_patients import list_patients
from chalicelib.post_confirmation import handle_post_confirmation
from chalicelib.refresh_tokens import refresh_tokens
from chalicelib.sign_in import sign_in
from chalicelib.sign_up import sign_up
from chalicelib.update_profile import confirm_phone, update_profile

app = TelehealthApp("identity")


@app.api_route("/signup", methods=["POST"], auth=False, body=SignupRequest, status=201,
               response=SignupResponse, errors=[403, 409])
def signup(body: SignupRequest):
    """Register a patient, or a doctor or admin with an invitation code (unconfirmed until /confirm)."""
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


@app.api_route("/me", methods=["PATCH"], body=ProfileUpdateRequest, response=MeResponse, errors=[403])
def patch_me(principal: Principal, body: ProfileUpdateRequest):
    """Change the caller's name or phone number; a new number is texted a code and unverified until confirmed."""
    return update_profile(default_clients(), get_settings(), principal, body)


@app.api_route("/me/phone/confirm", methods=["POST"], body=PhoneConfirmRequest, response=MeResponse, errors=[403])
def confirm_phone_number(principal: Principal, body: PhoneConfirmRequest):
    """Confirm a changed phone number with the texted code."""
    return confirm_phone(default_clients(), get_settings(), principal, body)


@app.api_route("/patients", methods=["GET"], roles=["doctor", "admin"], query=PatientsQuery, response=PatientsPage)
def patients(principal: Principal, query: PatientsQuery):
    """Find patients: a doctor its own by name prefix or any by exact e-mail; an admin everyone."""
    return list_patients(default_clients(), get_settings(), principal, query)


@app.api_route("/invitations", methods=["POST"], roles=["admin"], body=InvitationRequest, status=201,
               response=InvitationCreated)
def invite(principal: Principal, body: InvitationRequest):
    """Invite a doctor or admin: a one-time code, valid 7 days, is e-mailed to the invitee."""
    return create_invitation(default_clients(), get_settings(), principal, body)


@app.api_route("/invitations", methods=["GET"], roles=["admin"], query=PageQuery, response=InvitationsPage)
def invitations(principal: Principal, query: PageQuery):
    """List invitations with their status."""
    return list_invitations(default_clients(), get_settings(), principal, query)


@app.api_route("/invitations/{invitation_id}", methods=["DELETE"], roles=["admin"], response=InvitationRevoked,
               errors=[404, 409])
def revoke(principal: Principal, invitation_id: str):
    """Revoke a pending invitation."""
    return revoke_invitation(default_clients(), get_settings(), principal, invitation_id)


@app.api_route("/audit", methods=["GET"], roles=["admin"], query=AuditQuery, response=AuditPage)
def audit_trail(principal: Principal, query: AuditQuery):
    """The audit trail, newest first, by actor, resource or time (admins only)."""
    return query_audit(default_clients(), get_settings(), principal, query)


@app.lambda_function(name="post_confirmation")
def post_confirmation(event, context):
    return handle_post_confirmation(default_clients(), get_settings(), event)
