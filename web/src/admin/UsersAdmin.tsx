import { useCallback, useEffect, useState, type FormEvent } from "react";
import { api } from "../api/client";
import type { Role, User } from "../api/types";
import { ErrorText, LiveNotice } from "../components/Feedback";
import { useAction } from "../lib/useAction";

function NewUserForm({ onCreated }: { onCreated: (u: User) => void }) {
  const [email, setEmail] = useState("");
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [role, setRole] = useState<Role>("member");
  const { error, run } = useAction();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      const user = await api.createUser({ email, name, password, role });
      setEmail("");
      setName("");
      setPassword("");
      setRole("member");
      onCreated(user);
    });
  };
  return (
    <form className="card form-grid" onSubmit={submit} aria-labelledby="new-user-heading">
      <h2 id="new-user-heading" className="span-2">
        New user
      </h2>
      <div className="field">
        <label htmlFor="new-user-email">E-mail</label>
        <input id="new-user-email" type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="new-user-name">Name</label>
        <input id="new-user-name" maxLength={200} value={name} onChange={(e) => setName(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="new-user-password">Password</label>
        <input
          id="new-user-password"
          type="password"
          autoComplete="new-password"
          required
          minLength={8}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor="new-user-role">Role</label>
        <select id="new-user-role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
          <option value="member">Member (chats)</option>
          <option value="admin">Admin (manages everything)</option>
        </select>
      </div>
      <ErrorText error={error} className="span-2" />
      <div className="form-actions span-2">
        <button type="submit" className="button primary">
          Create user
        </button>
      </div>
    </form>
  );
}

export function UsersAdmin({ currentUserId }: { currentUserId: string }) {
  const [users, setUsers] = useState<User[] | null>(null);
  const { error, notice, run, fail, setNotice } = useAction();

  const load = useCallback(() => {
    api.users().then(setUsers).catch(fail);
  }, [fail]);
  useEffect(load, [load]);

  const change = (user: User, changes: Partial<Pick<User, "role" | "is_active">>, done: string) =>
    run(async () => {
      const updated = await api.updateUser(user.id, changes);
      setUsers((list) => (list ?? []).map((u) => (u.id === updated.id ? updated : u)));
      return done;
    });

  return (
    <section aria-labelledby="users-heading">
      <div className="section-head">
        <h1 id="users-heading">Users</h1>
      </div>
      <ErrorText error={error} />
      <LiveNotice>{notice}</LiveNotice>
      {users === null ? (
        <p className="muted">Loading…</p>
      ) : (
        <div className="table-scroll" tabIndex={0} role="region" aria-label="Users">
          <table className="admin-table">
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">Role</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {users.map((u) => {
                const self = u.id === currentUserId;
                return (
                  <tr key={u.id} className={u.is_active ? undefined : "inactive"}>
                    <td>
                      <div>{u.name || u.email}</div>
                      {u.name && <div className="muted small">{u.email}</div>}
                      {self && <span className="badge">you</span>}
                    </td>
                    <td>
                      <label className="visually-hidden" htmlFor={`role-${u.id}`}>
                        Role of {u.email}
                      </label>
                      <select
                        id={`role-${u.id}`}
                        value={u.role}
                        disabled={self}
                        onChange={(e) => change(u, { role: e.target.value as Role }, `${u.email} is now ${e.target.value}.`)}
                      >
                        <option value="member">member</option>
                        <option value="admin">admin</option>
                      </select>
                    </td>
                    <td>
                      <span className={`status-badge ${u.is_active ? "ready" : "failed"}`}>
                        {u.is_active ? "Active" : "Deactivated"}
                      </span>
                    </td>
                    <td className="actions">
                      {!self && (
                        <button
                          type="button"
                          className={`button small ${u.is_active ? "danger-outline" : ""}`}
                          onClick={() =>
                            change(
                              u,
                              { is_active: !u.is_active },
                              `${u.email} ${u.is_active ? "deactivated" : "reactivated"}.`,
                            )
                          }
                        >
                          {u.is_active ? "Deactivate" : "Reactivate"}
                          <span className="visually-hidden"> {u.email}</span>
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <NewUserForm
        onCreated={(u) => {
          setNotice(`Created ${u.email}.`);
          load();
        }}
      />
    </section>
  );
}
