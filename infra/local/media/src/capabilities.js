'use strict';
// What an attendee's Chime capabilities allow the media plane to forward. A content-share
// session ("<attendeeId>#content") sends under its attendee's Content capability.

const CONTENT_SUFFIX = '#content';
const SENDS = new Set(['SendReceive', 'Send']);
const RECEIVES = new Set(['SendReceive', 'Receive']);

function baseAttendeeId(sessionAttendeeId) {
  return sessionAttendeeId.endsWith(CONTENT_SUFFIX)
    ? sessionAttendeeId.slice(0, -CONTENT_SUFFIX.length) : sessionAttendeeId;
}

function isContent(sessionAttendeeId) {
  return sessionAttendeeId.endsWith(CONTENT_SUFFIX);
}

// kind: 'audio' | 'video'; `caps` is the base attendee's Capabilities (null: not in the roster).
function maySend(caps, sessionAttendeeId, kind) {
  if (!caps) return false;
  if (isContent(sessionAttendeeId)) return SENDS.has(caps.Content);
  return SENDS.has(kind === 'audio' ? caps.Audio : caps.Video);
}

function mayReceive(caps, sourceIsContent, kind) {
  if (!caps) return false;
  if (kind === 'audio') return RECEIVES.has(caps.Audio);
  return RECEIVES.has(sourceIsContent ? caps.Content : caps.Video);
}

module.exports = { CONTENT_SUFFIX, baseAttendeeId, isContent, maySend, mayReceive };
