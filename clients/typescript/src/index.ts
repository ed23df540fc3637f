// The typed TypeScript client of the telehealth services (see README.md).
export { createTelehealthApi, type ServiceUrls, type TelehealthApi } from './api.js';
export { AuthSession, type AuthOptions, type Tokens } from './auth.js';
export { ApiError, unwrap, type ErrorDetail } from './errors.js';
export { TelehealthMessagingSession, SessionUrlSigner, parseEvent, type ChannelEvent, type MessagingSessionOptions } from './messaging.js';
export type * as generated from './generated/index.js';
export type { CallingPaths, IdentityPaths, MessagingPaths, SchedulingPaths } from './paths.js';
import type { components as identity } from './generated/identity.js';
import type { components as scheduling } from './generated/scheduling.js';
import type { components as messaging } from './generated/messaging.js';
import type { components as calling } from './generated/calling.js';
// Short names for the schemas the console and other frontends use most.
export type Profile = identity['schemas']['MeResponse'];
export type Invitation = identity['schemas']['Invitation'];
export type AuditEvent = identity['schemas']['AuditEvent'];
export type Appointment = scheduling['schemas']['Appointment'];
export type AppointmentStatus = Appointment['status'];
export type Guest = scheduling['schemas']['Guest'];
export type ChatMessage = messaging['schemas']['Message'];
export type WaitingRoomEntry = messaging['schemas']['WaitingRoomEntry'];
export type Attendee = calling['schemas']['Attendee'];
