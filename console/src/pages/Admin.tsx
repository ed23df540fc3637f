// A clinic administrator's page: inviting doctors and admins, and reading the audit log.
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { unwrap, type AuditEvent, type Invitation } from '@telehealth/client';
import { useApp } from '../lib/context';
import { ErrorMessage, Field, Notice, Select, formatTime, useAction } from '../lib/ui';

export function AdminPage() {
  return (
    <div className="grid">
      <Invitations />
      <AuditLog />
    </div>
  );
}

function Invitations() {
  const { api } = useApp();
  const [items, setItems] = useState<Invitation[] | null>(null);
  const [form, setForm] = useState({ email: '', name: '', role: 'doctor' });
  const [notice, setNotice] = useState<string | null>(null);
  const list = useAction();
  const create = useAction();
  const reload = useCallback(() => list.run(async () => {
    setItems(unwrap(await api.identity.GET('/invitations', { params: { query: { limit: 50 } } })).invitations);
  }), [api, list.run]);
  useEffect(() => {
    void reload();
  }, [reload]);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const made = await create.run(async () => unwrap(await api.identity.POST('/invitations', {
      body: { email: form.email, name: form.name, role: form.role as 'doctor' | 'admin' },
    })));
    if (made) {
      setNotice(`Invitation e-mailed; it expires ${formatTime(made.expires_at)}.`);
      setForm({ email: '', name: '', role: 'doctor' });
      await reload();
    }
  };
  const revoke = (id: string) => list.run(async () => {
    unwrap(await api.identity.DELETE('/invitations/{invitation_id}', { params: { path: { invitation_id: id } } }));
    await reload();
  });
  return (
    <section className="card" aria-labelledby="invitations-title">
      <h1 id="invitations-title">Invitations</h1>
      {notice && <Notice>{notice}</Notice>}
      <form onSubmit={submit}>
        <Field label="Invitee's full name" required value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} />
        <Field label="Invitee's e-mail" type="email" required value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })} />
        <Select label="Role" value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value })}>
          <option value="doctor">Doctor</option>
          <option value="admin">Clinic administrator</option>
        </Select>
        <ErrorMessage error={create.error} />
        <button type="submit" disabled={create.busy}>Send invitation</button>
      </form>
      <ErrorMessage error={list.error} />
      {items && (
        <table>
          <caption>Invitations sent</caption>
          <thead><tr><th scope="col">E-mail</th><th scope="col">Role</th><th scope="col">Status</th><th scope="col">Expires</th><th scope="col"><span className="visually-hidden">Actions</span></th></tr></thead>
          <tbody>
            {items.map((i) => (
              <tr key={i.invitation_id}>
                <td>{i.email}</td><td>{i.role}</td><td>{i.status}</td><td>{formatTime(i.expires_at)}</td>
                <td>{i.status === 'pending' && <button type="button" onClick={() => void revoke(i.invitation_id)}>Revoke invitation for {i.email}</button>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function AuditLog() {
  const { api } = useApp();
  const [events, setEvents] = useState<AuditEvent[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [filters, setFilters] = useState({ actor_id: '', resource_id: '' });
  const { error, busy, run } = useAction();
  const load = useCallback((token?: string) => run(async () => {
    const query: Record<string, string | number> = { limit: 50 };
    if (filters.actor_id) query.actor_id = filters.actor_id;
    if (filters.resource_id) query.resource_id = filters.resource_id;
    if (token) query.next_token = token;
    const page = unwrap(await api.identity.GET('/audit', { params: { query } }));
    setEvents((prev) => (token && prev ? [...prev, ...page.events] : page.events));
    setNext(page.next_token ?? null);
  }), [api, run, filters]);
  useEffect(() => {
    void load();
    // Filters apply on submit only.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api]);
  return (
    <section className="card wide" aria-labelledby="audit-title">
      <h2 id="audit-title">Audit log</h2>
      <form onSubmit={(e) => { e.preventDefault(); void load(); }} className="inline">
        <Field label="Actor id" value={filters.actor_id} onChange={(e) => setFilters({ ...filters, actor_id: e.target.value })} />
        <Field label="Resource id" value={filters.resource_id} onChange={(e) => setFilters({ ...filters, resource_id: e.target.value })} />
        <button type="submit" disabled={busy}>Filter</button>
      </form>
      <ErrorMessage error={error} />
      {events && (
        <table>
          <caption>Newest first</caption>
          <thead><tr><th scope="col">When</th><th scope="col">Actor</th><th scope="col">Action</th><th scope="col">Resource</th><th scope="col">Outcome</th></tr></thead>
          <tbody>
            {events.map((e) => (
              <tr key={e.event_id}>
                <td>{formatTime(e.at)}</td><td>{e.actor_role ?? 'system'} {e.actor_id ?? ''}</td><td>{e.action}</td>
                <td>{e.resource_type} {e.resource_id ?? ''}</td><td>{e.outcome}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {next && <button type="button" onClick={() => void load(next)} disabled={busy}>Older events</button>}
    </section>
  );
}
