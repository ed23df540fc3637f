// The typed TypeScript client of the telehealth services (see README.md).
export { createTelehealthApi, type ServiceUrls, type TelehealthApi } from './api.js';
export { AuthSession, type AuthOptions, type Tokens } from './auth.js';
export { ApiError, unwrap, type ErrorDetail } from './errors.js';
export { TelehealthMessagingSession, SessionUrlSigner, parseEvent, type ChannelEvent, type MessagingSessionOptions } from './messaging.js';
export type * from './pending.js';
export type * as generated from './generated/index.js';
export type { CallingPaths, IdentityPaths, MessagingPaths, SchedulingPaths } from './paths.js';
import type { components as scheduling } from './generated/scheduling.js';
import type { components as messaging } from './generated/messaging.js';
export type Appointment = Omit<scheduling['schemas']['Appointment'], 'status'> & {
  status: scheduling['schemas']['Appointment']['status'] | import('./pending.js').AppointmentStatus;
};
export type ChatMessage = messaging['schemas']['Message'];
