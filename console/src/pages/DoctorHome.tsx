// A doctor's day: the waiting room and the visits (both refreshed by live channel events, not
// by polling), and booking a visit by the patient's e-mail address.
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { unwrap, type Appointment, type WaitingRoomEntry } from '@telehealth/client';
import { useApp, useLiveEvents } from '../lib/context';
import { ErrorMessage, Field, Notice, formatTime, localInputValue, optional, useAction } from '../lib/ui';
import { STATUS_LABELS, isToday, loadAppointments } from '../lib/appointments';

export function DoctorHome({ open }: { open: (appointmentId: string) => void }) {
  const { api } = useApp();
  const [visits, setVisits] = useState<Appointment[] | null>(null);
  const [waiting, setWaiting] = useState<WaitingRoomEntry[] | null>(null);
  const [waitingError, setWaitingError] = useState<string | null>(null);
  const list = useAction();

  const reload = useCallback(async () => {
    await list.run(async () => setVisits(await loadAppointments(api)));
    const room = await optional(() => api.messaging.GET('/waiting-room'));
    setWaiting(room ? room.appointments : null);
    setWaitingError(room ? null : 'The waiting room is not available on this server.');
  }, [api, list.run]);

  useEffect(() => {
    void reload();
  }, [reload]);
  // Check-ins, chat and meeting events of any of the doctor's visits arrive here.
  useLiveEvents((event) => {
    if (event.type === 'CREATE_CHANNEL_MESSAGE' || event.type.endsWith('CHANNEL_MEMBERSHIP')) void reload();
  });

  return (
    <div className="grid">
      <section className="card" aria-labelledby="waiting-title">
        <h1 id="waiting-title">Waiting room</h1>
        {waitingError && <p>{waitingError}</p>}
        {waiting && waiting.length === 0 && <p>Nobody is waiting.</p>}
        {waiting && waiting.length > 0 && (
          <ul className="list" aria-label="Patients in the waiting room">
            {waiting.map((w) => (
              <li key={w.appointment_id}>
                <span>{formatTime(w.starts_at)} · {w.patient.name}</span>
                <span className="tag">{w.presence.patient === 'checked_in' ? 'Checked in' : 'Not checked in'}</span>
                <span className="tag">{w.meeting_state === 'waiting' ? 'Waiting to be admitted' : w.meeting_state === 'admitted' ? 'In the meeting' : 'No meeting'}</span>
                <button type="button" onClick={() => open(w.appointment_id)}>Open</button>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section className="card" aria-labelledby="visits-title">
        <h2 id="visits-title">Visits</h2>
        <ErrorMessage error={list.error} />
        {visits && visits.length === 0 && <p>No visits in the next 30 days.</p>}
        {visits && visits.length > 0 && (
          <ul className="list" aria-label="Visits">
            {visits.map((a) => (
              <li key={a.appointment_id}>
                <span>{isToday(a.starts_at) ? 'Today ' : ''}{formatTime(a.starts_at)} · {a.patient.name}</span>
                <span className="tag">{STATUS_LABELS[a.status] ?? a.status}</span>
                <span className="tag">{a.presence.patient === 'checked_in' ? 'Patient checked in' : 'Patient not checked in'}</span>
                <button type="button" onClick={() => open(a.appointment_id)}>Open visit with {a.patient.name}</button>
              </li>
            ))}
          </ul>
        )}
      </section>
      <BookVisit booked={reload} />
    </div>
  );
}

function BookVisit({ booked }: { booked: () => Promise<void> }) {
  const { api } = useApp();
  const [email, setEmail] = useState('');
  const [startsAt, setStartsAt] = useState(localInputValue(new Date(Date.now() + 3_600_000)));
  const [duration, setDuration] = useState('30');
  const [reason, setReason] = useState('');
  const [notice, setNotice] = useState<string | null>(null);
  const { error, busy, run, setError } = useAction();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setNotice(null);
    const made = await run(async () => {
      const found = unwrap(await api.identity.GET('/patients', { params: { query: { email } } }));
      const patient = found.patients[0];
      if (!patient) throw new Error('No patient has this e-mail address.');
      // One key per submitted form: a retried click books once.
      const key = crypto.randomUUID();
      return unwrap(await api.scheduling.POST('/appointments', {
        headers: { 'Idempotency-Key': key },
        body: { patient_id: patient.user_id, starts_at: new Date(startsAt).toISOString(),
                duration_minutes: Number(duration), reason: reason || undefined },
      }));
    });
    if (made) {
      setNotice(`Booked with ${made.patient.name} for ${formatTime(made.starts_at)}.`);
      setEmail('');
      setReason('');
      setError(null);
      await booked();
    }
  };
  return (
    <section className="card" aria-labelledby="book-title">
      <h2 id="book-title">Book a visit</h2>
      {notice && <Notice>{notice}</Notice>}
      <form onSubmit={submit}>
        <Field label="Patient's e-mail" type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        <Field label="Starts at" type="datetime-local" required value={startsAt} onChange={(e) => setStartsAt(e.target.value)} />
        <Field label="Duration (minutes)" type="number" min={5} max={480} required value={duration} onChange={(e) => setDuration(e.target.value)} />
        <Field label="Reason (optional)" maxLength={500} value={reason} onChange={(e) => setReason(e.target.value)} />
        <ErrorMessage error={error} />
        <button type="submit" disabled={busy}>Book visit</button>
      </form>
    </section>
  );
}
