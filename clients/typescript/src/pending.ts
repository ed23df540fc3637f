// Endpoints API.md promises that docs/api/*.json does not describe yet (other branches are
// adding them). Each is written in openapi-typescript's shape and used only while the
// generated document lacks it: `WithPending` (paths.ts) lets the generated definition win as
// soon as `make clients` regenerates from a document that has it. Delete entries once merged.
import type { components as identity } from './generated/identity.js';
import type { components as scheduling } from './generated/scheduling.js';

type Json<T> = { content: { 'application/json': T } };
type Success<T> = { headers: { [name: string]: unknown } } & Json<T>;
type Failure = { headers: { [name: string]: unknown } } & Json<identity['schemas']['ErrorBody']>;
type Params<P, Q> = { query?: Q; header?: never; cookie?: never } & ([P] extends [never] ? { path?: never } : { path: P });
/** One operation: its path parameters, query, JSON body and success body. */
type Op<P, Res, Body = undefined, Q = never> = {
  parameters: Params<P, Q>;
  requestBody?: [Body] extends [undefined] ? never : Json<Body>;
  responses: { 200: Success<Res>; 201: Success<Res>; default: Failure };
};
type NoPath = never;
type Appt = { appointment_id: string };

export type AppointmentStatus = 'scheduled' | 'in_progress' | 'completed' | 'no_show' | 'cancelled';
export type Profile = Omit<identity['schemas']['MeResponse'], 'role'> & {
  role: 'patient' | 'doctor' | 'admin';
  phone_number_verified?: boolean;
};
export interface Invitation {
  invitation_id: string;
  email: string;
  role: 'doctor' | 'admin';
  status?: 'pending' | 'used' | 'revoked' | 'expired';
  expires_at: string;
}
export interface AuditEvent {
  event_id: string;
  at: string;
  actor_id: string | null;
  actor_role: string | null;
  action: string;
  resource_type: string;
  resource_id: string | null;
  outcome: 'allowed' | 'denied' | 'failed';
  request_id: string | null;
  source_ip: string | null;
}
export interface Attendee {
  attendee_id: string;
  user_id?: string | null;
  guest_id?: string | null;
  role: 'doctor' | 'patient' | 'guest' | 'phone';
  state: 'waiting' | 'admitted' | 'left';
  muted: boolean;
}
export interface Guest {
  guest_id: string;
  name: string;
  kind: 'interpreter' | 'caregiver' | 'clinician' | 'other';
  status: 'invited' | 'joined' | 'revoked';
  expires_at: string;
}
export interface WaitingRoomEntry {
  appointment_id: string;
  starts_at: string;
  patient: scheduling['schemas']['UserRef'];
  presence: scheduling['schemas']['Presence'];
  meeting_state: 'none' | 'waiting' | 'admitted';
}
type MeetingJoin = { meeting: { [key: string]: unknown }; attendee: { [key: string]: unknown } };

export type PendingIdentity = {
  '/me': { patch: Op<NoPath, Profile, { name?: string; phone_number?: string }> };
  '/me/phone/confirm': { post: Op<NoPath, Profile, { code: string }> };
  '/invitations': {
    post: Op<NoPath, Invitation, { email: string; name: string; role: 'doctor' | 'admin' }>;
    get: Op<NoPath, { invitations: Invitation[]; next_token?: string | null }, undefined,
      { limit?: number; next_token?: string }>;
  };
  '/invitations/{invitation_id}': { delete: Op<{ invitation_id: string }, { invitation_id: string; status: 'revoked' }> };
  '/audit': {
    get: Op<NoPath, { events: AuditEvent[]; next_token?: string | null }, undefined,
      { actor_id?: string; resource_id?: string; from?: string; to?: string; limit?: number; next_token?: string }>;
  };
};
export type PendingScheduling = {
  '/appointments/{appointment_id}/complete': { post: Op<Appt, scheduling['schemas']['Appointment']> };
  '/appointments/{appointment_id}/no-show': { post: Op<Appt, scheduling['schemas']['Appointment']> };
  '/appointments/{appointment_id}/guests': {
    post: Op<Appt, Guest, { name: string; kind: Guest['kind']; phone_number?: string; email?: string }>;
    get: Op<Appt, { guests: Guest[] }>;
  };
  '/appointments/{appointment_id}/guests/{guest_id}': { delete: Op<Appt & { guest_id: string }, Guest> };
};
export type PendingMessaging = {
  '/waiting-room': { get: Op<NoPath, { appointments: WaitingRoomEntry[] }> };
};
export type PendingCalling = {
  '/appointments/{appointment_id}/meeting/admit': { post: Op<Appt, { attendees: Attendee[] }, { attendee_id?: string }> };
  '/appointments/{appointment_id}/meeting/attendees': { get: Op<Appt, { attendees: Attendee[] }> };
  '/appointments/{appointment_id}/meeting/attendees/{attendee_id}': { delete: Op<Appt & { attendee_id: string }, Record<string, never>> };
  '/appointments/{appointment_id}/meeting/attendees/{attendee_id}/mute': {
    post: Op<Appt & { attendee_id: string }, { attendee: Attendee }, { muted: boolean }>;
  };
  '/guest/join': { post: Op<NoPath, MeetingJoin, { code: string }> };
};
