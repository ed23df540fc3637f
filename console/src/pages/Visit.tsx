// One visit, for either participant: details, presence and check-in, the chat (live over the
// messaging session), and the meeting with the doctor's controls (admit, mute, remove,
// guests, dialling the patient, complete or no-show) or the patient's join/decline.
import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { unwrap, type Appointment, type Attendee, type ChannelEvent, type ChatMessage, type Guest } from '@telehealth/client';
import { useApp, useLiveEvents } from '../lib/context';
import { ErrorMessage, Field, Notice, Select, formatTime, localInputValue, optional, useAction } from '../lib/ui';
import { STATUS_LABELS } from '../lib/appointments';
import { MeetingView, type JoinInfo } from './Meeting';

const FINISHED = new Set(['cancelled', 'completed', 'no_show']);

export function VisitPage({ appointmentId, back }: { appointmentId: string; back: () => void }) {
  const { api, profile } = useApp();
  const [appointment, setAppointment] = useState<Appointment | null>(null);
  const [join, setJoin] = useState<JoinInfo | null>(null);
  const [admitted, setAdmitted] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const load = useAction();
  const act = useAction();
  const path = { params: { path: { appointment_id: appointmentId } } };
  const isDoctor = profile?.role === 'doctor';

  const reload = useCallback(() => load.run(async () => {
    setAppointment(unwrap(await api.scheduling.GET('/appointments/{appointment_id}', path)) as Appointment);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }), [api, appointmentId, load.run]);
  useEffect(() => {
    void reload();
  }, [reload]);

  const ownAttendeeState = useCallback(async (attendeeId: string): Promise<boolean> => {
    const listed = await optional(() => api.calling.GET('/appointments/{appointment_id}/meeting/attendees', path));
    // A server without the waiting room admits everyone who joins.
    if (!listed) return true;
    const me = listed.attendees.find((a: Attendee) => a.attendee_id === attendeeId);
    return me?.state === 'admitted';
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, appointmentId]);

  // An admit can land while the join request is still in flight (its event then finds no
  // join yet): once joined, ask once where this attendee stands.
  useEffect(() => {
    if (join && !admitted) void ownAttendeeState(String(join.attendee.AttendeeId)).then(setAdmitted);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [join]);

  useLiveEvents((event: ChannelEvent) => {
    if (!appointment || event.channelArn !== appointment.channel_arn) return;
    if (event.kind === 'presence' || event.kind === 'meeting') void reload();
    if (event.kind === 'meeting' && join) {
      const status = event.data?.status;
      if (status === 'admitted' || (!admitted && status !== 'ended')) {
        void ownAttendeeState(String(join.attendee.AttendeeId)).then(setAdmitted);
      }
      if (status === 'ended') {
        setJoin(null);
        setNotice('The meeting has ended.');
      }
      const removed = event.data?.attendee_ids;
      if (status === 'left' && Array.isArray(removed) && removed.includes(String(join.attendee.AttendeeId))) {
        setJoin(null);
        setNotice('You are no longer in the meeting.');
      }
    }
  });

  if (!appointment) return <section className="card"><ErrorMessage error={load.error} /><p>Loading…</p></section>;
  const finished = FINISHED.has(appointment.status);
  const me = isDoctor ? 'doctor' : 'patient';
  const other = isDoctor ? appointment.patient : appointment.doctor;

  const call = (label: string, fn: () => Promise<unknown>) => act.run(async () => {
    await fn();
    setNotice(label);
    await reload();
  });
  const checkIn = (how: 'check-in' | 'check-out') => call(how === 'check-in' ? 'You are checked in.' : 'You are checked out.', async () =>
    unwrap(await api.messaging.POST(`/appointments/{appointment_id}/${how}` as '/appointments/{appointment_id}/check-in', path)));
  const startMeeting = () => act.run(async () => {
    const made = unwrap(await api.calling.POST('/appointments/{appointment_id}/meeting', { ...path, body: {} })) as JoinInfo;
    setAdmitted(true);
    setJoin(made);
  });
  const joinMeeting = () => act.run(async () => {
    const made = unwrap(await api.calling.POST('/appointments/{appointment_id}/meeting/join', path)) as JoinInfo;
    setAdmitted(isDoctor || await ownAttendeeState(String(made.attendee.AttendeeId)));
    setJoin(made);
  });
  const endMeeting = () => call('The meeting has ended.', async () => {
    unwrap(await api.calling.DELETE('/appointments/{appointment_id}/meeting', path));
    setJoin(null);
  });

  return (
    <div className="grid">
      <section className="card" aria-labelledby="visit-title">
        <button type="button" className="link" onClick={back}>← Back</button>
        <h1 id="visit-title">Visit with {other.name}</h1>
        {notice && <Notice>{notice}</Notice>}
        <ErrorMessage error={act.error} />
        <dl className="facts">
          <dt>When</dt><dd>{formatTime(appointment.starts_at)} ({appointment.duration_minutes} min)</dd>
          <dt>Status</dt><dd>{STATUS_LABELS[appointment.status] ?? appointment.status}</dd>
          <dt>Reason</dt><dd>{appointment.reason ?? '—'}</dd>
          <dt>Doctor</dt><dd>{appointment.doctor.name}: {appointment.presence.doctor === 'checked_in' ? 'checked in' : 'not checked in'}</dd>
          <dt>Patient</dt><dd>{appointment.patient.name}: {appointment.presence.patient === 'checked_in' ? 'checked in' : 'not checked in'}</dd>
        </dl>
        {!finished && (
          <div className="actions" role="group" aria-label="Visit actions">
            {appointment.presence[me] === 'checked_in'
              ? <button type="button" onClick={() => void checkIn('check-out')}>Check out</button>
              : <button type="button" onClick={() => void checkIn('check-in')}>Check in</button>}
            {isDoctor && !join && <button type="button" onClick={() => void startMeeting()}>Start meeting</button>}
            {!isDoctor && !join && <button type="button" onClick={() => void joinMeeting()}>Join meeting</button>}
            {!isDoctor && !join && <button type="button" onClick={() => void call('You declined the meeting.', async () =>
              unwrap(await api.calling.POST('/appointments/{appointment_id}/meeting/decline', path)))}>Decline meeting</button>}
            {isDoctor && join && <button type="button" onClick={() => void endMeeting()}>End meeting</button>}
            {isDoctor && <button type="button" onClick={() => void call('Dialling the patient’s phone.', async () =>
              unwrap(await api.calling.POST('/appointments/{appointment_id}/phone-call', path)))}>Dial patient’s phone</button>}
            {isDoctor && <button type="button" onClick={() => void call('The visit is complete.', async () =>
              unwrap(await api.scheduling.POST('/appointments/{appointment_id}/complete', path)))}>Complete visit</button>}
            {isDoctor && <button type="button" onClick={() => void call('Marked as no-show.', async () =>
              unwrap(await api.scheduling.POST('/appointments/{appointment_id}/no-show', path)))}>Mark no-show</button>}
            <button type="button" className="danger" onClick={() => void call('The visit is cancelled.', async () => {
              setJoin(null);
              unwrap(await api.scheduling.DELETE('/appointments/{appointment_id}', path));
            })}>Cancel visit</button>
          </div>
        )}
        {isDoctor && !finished && <MoveVisit appointment={appointment} moved={reload} />}
      </section>
      {join && (
        <section className="card wide" aria-label="Video visit">
          <MeetingView join={join} admitted={admitted} onLeave={() => setJoin(null)} onEnd={isDoctor ? () => void endMeeting() : undefined}
            nameOf={(id) => id === appointment.doctor.user_id ? appointment.doctor.name
              : id === appointment.patient.user_id ? appointment.patient.name : id.startsWith('phone-') ? 'Patient (phone)' : 'Guest'} />
          {isDoctor && <HostControls appointmentId={appointmentId} />}
        </section>
      )}
      <Chat appointment={appointment} disabled={finished} />
      {isDoctor && !finished && <Guests appointmentId={appointmentId} />}
    </div>
  );
}

function MoveVisit({ appointment, moved }: { appointment: Appointment; moved: () => Promise<unknown> }) {
  const { api } = useApp();
  const [startsAt, setStartsAt] = useState(localInputValue(new Date(appointment.starts_at)));
  const { error, busy, run } = useAction();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const ok = await run(async () => unwrap(await api.scheduling.PATCH('/appointments/{appointment_id}', {
      params: { path: { appointment_id: appointment.appointment_id } }, body: { starts_at: new Date(startsAt).toISOString() },
    })));
    if (ok) await moved();
  };
  return (
    <form onSubmit={submit} className="inline">
      <Field label="New start time" type="datetime-local" required value={startsAt} onChange={(e) => setStartsAt(e.target.value)} />
      <ErrorMessage error={error} />
      <button type="submit" disabled={busy}>Move visit</button>
    </form>
  );
}

function HostControls({ appointmentId }: { appointmentId: string }) {
  const { api } = useApp();
  const [attendees, setAttendees] = useState<Attendee[] | null>(null);
  const { error, run } = useAction();
  const path = { params: { path: { appointment_id: appointmentId } } };
  const reload = useCallback(() => run(async () => {
    const listed = await optional(() => api.calling.GET('/appointments/{appointment_id}/meeting/attendees', path));
    setAttendees(listed ? listed.attendees : null);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }), [api, appointmentId, run]);
  useEffect(() => {
    void reload();
  }, [reload]);
  // Joins, admissions and departures are meeting events on the visit's channel.
  useLiveEvents((event) => {
    if (event.kind === 'meeting') void reload();
  });
  const withAttendee = (attendeeId: string) => ({ params: { path: { appointment_id: appointmentId, attendee_id: attendeeId } } });
  if (!attendees) return null;
  return (
    <div aria-labelledby="host-title">
      <h3 id="host-title">Participants</h3>
      <ErrorMessage error={error} />
      <ul className="list" aria-label="Participants">
        {attendees.map((a) => (
          <li key={a.attendee_id}>
            <span>{a.role}</span>
            <span className="tag">{a.state}{a.muted ? ', muted' : ''}</span>
            {a.state === 'waiting' && <button type="button" onClick={() => void run(async () => {
              unwrap(await api.calling.POST('/appointments/{appointment_id}/meeting/admit', { ...path, body: { attendee_id: a.attendee_id } }));
              await reload();
            })}>Admit {a.role}</button>}
            {a.role !== 'doctor' && a.state === 'admitted' && <button type="button" onClick={() => void run(async () => {
              unwrap(await api.calling.POST('/appointments/{appointment_id}/meeting/attendees/{attendee_id}/mute',
                { ...withAttendee(a.attendee_id), body: { muted: !a.muted } }));
              await reload();
            })}>{a.muted ? 'Unmute' : 'Mute'} {a.role}</button>}
            {a.role !== 'doctor' && a.state !== 'left' && <button type="button" className="danger" onClick={() => void run(async () => {
              unwrap(await api.calling.DELETE('/appointments/{appointment_id}/meeting/attendees/{attendee_id}', withAttendee(a.attendee_id)));
              await reload();
            })}>Remove {a.role}</button>}
          </li>
        ))}
      </ul>
    </div>
  );
}

function Guests({ appointmentId }: { appointmentId: string }) {
  const { api } = useApp();
  const [guests, setGuests] = useState<Guest[] | null>(null);
  const [form, setForm] = useState({ name: '', kind: 'interpreter', contact: '' });
  const list = useAction();
  const invite = useAction();
  const path = { params: { path: { appointment_id: appointmentId } } };
  const reload = useCallback(() => list.run(async () => {
    const listed = await optional(() => api.scheduling.GET('/appointments/{appointment_id}/guests', path));
    setGuests(listed ? listed.guests : null);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }), [api, appointmentId, list.run]);
  useEffect(() => {
    void reload();
  }, [reload]);
  // A guest joining or leaving is a meeting event on the visit's channel.
  useLiveEvents((event) => {
    if (event.kind === 'meeting') void reload();
  });
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const contact = form.contact.includes('@') ? { email: form.contact } : { phone_number: form.contact };
    const made = await invite.run(async () => unwrap(await api.scheduling.POST('/appointments/{appointment_id}/guests', {
      ...path, body: { name: form.name, kind: form.kind as Guest['kind'], ...contact },
    })));
    if (made) {
      setForm({ name: '', kind: 'interpreter', contact: '' });
      await reload();
    }
  };
  return (
    <section className="card" aria-labelledby="guests-title">
      <h2 id="guests-title">Guests</h2>
      <form onSubmit={submit}>
        <Field label="Guest's name" required value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} />
        <Select label="Guest is a" value={form.kind} onChange={(e) => setForm({ ...form, kind: e.target.value })}>
          <option value="interpreter">Interpreter</option>
          <option value="caregiver">Caregiver</option>
          <option value="clinician">Clinician</option>
          <option value="other">Other</option>
        </Select>
        <Field label="Guest's mobile phone or e-mail" required hint="The one-time join code is sent there" value={form.contact} onChange={(e) => setForm({ ...form, contact: e.target.value })} />
        <ErrorMessage error={invite.error} />
        <button type="submit" disabled={invite.busy}>Invite guest</button>
      </form>
      {guests && guests.length > 0 && (
        <ul className="list" aria-label="Invited guests">
          {guests.map((g) => (
            <li key={g.guest_id}>
              <span>{g.name} ({g.kind})</span><span className="tag">{g.status}</span>
              {g.status !== 'revoked' && <button type="button" className="danger" onClick={() => void list.run(async () => {
                unwrap(await api.scheduling.DELETE('/appointments/{appointment_id}/guests/{guest_id}',
                  { params: { path: { appointment_id: appointmentId, guest_id: g.guest_id } } }));
                await reload();
              })}>Revoke {g.name}</button>}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Chat({ appointment, disabled }: { appointment: Appointment; disabled: boolean }) {
  const { api } = useApp();
  const [messages, setMessages] = useState<ChatMessage[]>([]);
  const [text, setText] = useState('');
  const load = useAction();
  const send = useAction();
  const endRef = useRef<HTMLLIElement | null>(null);
  const path = { params: { path: { appointment_id: appointment.appointment_id } } };
  const add = (incoming: ChatMessage[]) => setMessages((prev) => {
    const seen = new Set(prev.map((m) => m.message_id));
    return [...prev, ...incoming.filter((m) => !seen.has(m.message_id))];
  });
  useEffect(() => {
    void load.run(async () => add(unwrap(await api.messaging.GET('/appointments/{appointment_id}/messages', path)).messages));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, appointment.appointment_id]);
  useEffect(() => {
    // A block body: newer browsers return a promise from scrollIntoView, and an effect may only return a clean-up.
    endRef.current?.scrollIntoView?.({ block: 'nearest' });
  }, [messages.length]);
  useLiveEvents((event) => {
    if (event.type !== 'CREATE_CHANNEL_MESSAGE' || event.channelArn !== appointment.channel_arn || !event.messageId) return;
    add([{
      message_id: event.messageId, kind: (event.kind ?? 'chat') as ChatMessage['kind'], content: event.content ?? '',
      sender: { user_id: event.sender?.Arn?.split('/').pop() ?? '', name: event.sender?.Name ?? '', role: 'patient' },
      created_at: event.createdTimestamp ?? new Date().toISOString(), client_id: event.clientId ?? null,
      data: event.data ?? null,
    } as ChatMessage]);
  });
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const sent = await send.run(async () => unwrap(await api.messaging.POST('/appointments/{appointment_id}/messages', {
      ...path, body: { content: text, client_id: crypto.randomUUID() },
    })));
    if (sent) {
      add([sent]);
      setText('');
    }
  };
  return (
    <section className="card" aria-labelledby="chat-title">
      <h2 id="chat-title">Chat</h2>
      <ErrorMessage error={load.error} />
      <ol className="chat" aria-live="polite" aria-label="Messages">
        {messages.map((m) => (
          <li key={m.message_id} className={m.kind === 'chat' ? 'chat-line' : 'chat-event'}>
            {m.kind === 'chat' ? <><strong>{m.sender.name}:</strong> {m.content}</> : <em>{m.content}</em>}
          </li>
        ))}
        <li ref={endRef} aria-hidden className="chat-end" />
      </ol>
      {!disabled && (
        <form onSubmit={submit} className="inline">
          <Field label="Message" required maxLength={4096} value={text} onChange={(e) => setText(e.target.value)} />
          <ErrorMessage error={send.error} />
          <button type="submit" disabled={send.busy}>Send</button>
        </form>
      )}
    </section>
  );
}
