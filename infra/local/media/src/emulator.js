'use strict';
// The media plane's questions to the emulated Chime meetings service (telehealth_local.control.media_link):
// who holds a join token, and who is in a meeting with which capabilities.

class Emulator {
  constructor(baseUrl) {
    this.baseUrl = baseUrl.replace(/\/$/, '');
  }

  async _call(method, meetingId, suffix, body) {
    const response = await fetch(`${this.baseUrl}/_local/media/meetings/${encodeURIComponent(meetingId)}${suffix}`, {
      method,
      headers: body ? { 'content-type': 'application/json' } : undefined,
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(5000),
    });
    if (response.status === 404) return null;
    if (!response.ok) throw new Error(`emulator answered ${response.status}`);
    return response.json();
  }

  // {AttendeeId, ExternalUserId, Capabilities} or null when the token names nobody.
  async resolve(meetingId, joinToken) {
    const found = await this._call('POST', meetingId, '/join', { JoinToken: joinToken });
    return found ? found.Attendee : null;
  }

  // [{AttendeeId, ExternalUserId, Capabilities, ConnectedVia}] or null when the meeting is gone.
  async roster(meetingId) {
    const found = await this._call('GET', meetingId, '');
    return found ? found.Attendees : null;
  }
}

module.exports = { Emulator };
