// A guest (interpreter, caregiver ...) joins a visit's meeting with the one-time code they
// were texted or e-mailed; no account, no chat, no appointment details.
import { useState, type FormEvent } from 'react';
import { unwrap, type TelehealthApi } from '@telehealth/client';
import { ErrorMessage, Field, useAction } from '../lib/ui';
import { MeetingView, type JoinInfo } from './Meeting';

export function GuestJoin({ api, left }: { api: TelehealthApi; left: () => void }) {
  const [code, setCode] = useState('');
  const [join, setJoin] = useState<JoinInfo | null>(null);
  const { error, busy, run } = useAction();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => setJoin(unwrap(await api.calling.POST('/guest/join', { body: { code: code.trim() } })) as JoinInfo));
  };
  if (join) {
    // A guest has no token to ask whether they were admitted; the meeting sends nothing of
    // theirs (their capabilities) until the doctor admits them.
    return (
      <section aria-labelledby="auth-title">
        <h1 id="auth-title">Video visit</h1>
        <p role="status">You are in the meeting. Nobody sees or hears you until the doctor lets you in.</p>
        <MeetingView join={join} admitted onLeave={() => { setJoin(null); left(); }} nameOf={() => 'Participant'} />
      </section>
    );
  }
  return (
    <form onSubmit={submit}>
      <h1 id="auth-title">Join a visit as a guest</h1>
      <Field label="Join code" required autoComplete="one-time-code" value={code} onChange={(e) => setCode(e.target.value)} />
      <ErrorMessage error={error} />
      <button type="submit" disabled={busy}>Join visit</button>
    </form>
  );
}
