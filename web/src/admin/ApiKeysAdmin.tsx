// API keys: issue one scoped to assistants and actions (its secret is shown once, here),
// see each key's usage, revoke. The server keeps only a hash of the secret.
import { useCallback, useEffect, useState, type FormEvent } from "react";
import { api } from "../api/client";
import type { ApiKey, ApiKeyAction, ApiKeyCreated, Assistant } from "../api/types";
import { CopyButton } from "../components/CopyButton";
import { ErrorText, LiveNotice } from "../components/Feedback";
import { useAction } from "../lib/useAction";

const ACTIONS: [ApiKeyAction, string][] = [
  ["chat", "Chat (the chat stream and the OpenAI-compatible /v1)"],
  ["search", "Search"],
];

const when = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString() : "never");

function status(key: ApiKey): [string, string] {
  if (key.revoked_at) return ["Revoked", "failed"];
  if (key.expires_at && new Date(key.expires_at).getTime() <= Date.now()) return ["Expired", "failed"];
  return ["Active", "ready"];
}

function NewKeyForm({ assistants, onCreated }: { assistants: Assistant[]; onCreated: (k: ApiKeyCreated) => void }) {
  const [name, setName] = useState("");
  const [chosen, setChosen] = useState<string[]>([]);
  const [actions, setActions] = useState<ApiKeyAction[]>(["chat"]);
  const [expires, setExpires] = useState("");
  const { error, run, setError } = useAction();
  const toggle = <T,>(list: T[], item: T, on: boolean) => (on ? [...list, item] : list.filter((x) => x !== item));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!chosen.length) return setError("Choose at least one assistant.");
    if (!actions.length) return setError("Choose at least one action.");
    void run(async () => {
      const created = await api.createApiKey({
        name,
        kind: "server",
        assistant_ids: chosen,
        actions,
        expires_at: expires ? new Date(`${expires}T23:59:59`).toISOString() : null,
      });
      setName("");
      setChosen([]);
      setExpires("");
      onCreated(created);
    });
  };
  return (
    <form className="card form-grid" onSubmit={submit} aria-labelledby="new-key-heading">
      <h2 id="new-key-heading" className="span-2">
        New API key
      </h2>
      <div className="field">
        <label htmlFor="new-key-name">Name</label>
        <input id="new-key-name" required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="new-key-expires">Expires (optional)</label>
        <input id="new-key-expires" type="date" value={expires} onChange={(e) => setExpires(e.target.value)} />
      </div>
      <fieldset className="span-2">
        <legend>Assistants it may use</legend>
        {assistants.map((a) => (
          <div className="field checkbox" key={a.id}>
            <input
              id={`new-key-assistant-${a.id}`}
              type="checkbox"
              checked={chosen.includes(a.id)}
              onChange={(e) => setChosen((list) => toggle(list, a.id, e.target.checked))}
            />
            <label htmlFor={`new-key-assistant-${a.id}`}>{a.name}</label>
          </div>
        ))}
      </fieldset>
      <fieldset className="span-2">
        <legend>What it may do</legend>
        {ACTIONS.map(([action, label]) => (
          <div className="field checkbox" key={action}>
            <input
              id={`new-key-action-${action}`}
              type="checkbox"
              checked={actions.includes(action)}
              onChange={(e) => setActions((list) => toggle(list, action, e.target.checked))}
            />
            <label htmlFor={`new-key-action-${action}`}>{label}</label>
          </div>
        ))}
      </fieldset>
      <ErrorText error={error} className="span-2" />
      <div className="form-actions span-2">
        <button type="submit" className="button primary">
          Create key
        </button>
      </div>
    </form>
  );
}

export function ApiKeysAdmin() {
  const [keys, setKeys] = useState<ApiKey[] | null>(null);
  const [assistants, setAssistants] = useState<Assistant[]>([]);
  const [secret, setSecret] = useState<ApiKeyCreated | null>(null);
  const { error, notice, run, fail } = useAction();

  const load = useCallback(() => {
    api.apiKeys().then(setKeys).catch(fail);
  }, [fail]);
  useEffect(() => {
    load();
    api.assistants().then(setAssistants).catch(fail);
  }, [load, fail]);
  const names = new Map(assistants.map((a) => [a.id, a.name]));

  const revoke = (key: ApiKey) =>
    run(async () => {
      const updated = await api.revokeApiKey(key.id);
      setKeys((list) => (list ?? []).map((k) => (k.id === updated.id ? updated : k)));
      return `${key.name} is revoked: its next request is refused.`;
    });

  return (
    <section aria-labelledby="keys-heading">
      <div className="section-head">
        <h1 id="keys-heading">API keys</h1>
      </div>
      <ErrorText error={error} />
      <LiveNotice>{notice}</LiveNotice>
      {secret && (
        <div className="card" role="status">
          <h2>Key “{secret.name}” created</h2>
          <p>Copy it now: it is not shown again.</p>
          <p>
            <code data-testid="new-key-secret">{secret.key}</code> <CopyButton text={secret.key} label="Copy the key" />
          </p>
          <button type="button" className="button small" onClick={() => setSecret(null)}>
            I have copied it
          </button>
        </div>
      )}
      {keys === null ? (
        <p className="muted">Loading…</p>
      ) : keys.length === 0 ? (
        <p className="muted">No API keys yet.</p>
      ) : (
        <div className="table-scroll" tabIndex={0} role="region" aria-label="API keys">
          <table className="admin-table">
            <thead>
              <tr>
                <th scope="col">Key</th>
                <th scope="col">Scope</th>
                <th scope="col">Usage</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {keys.map((k) => {
                const [label, tone] = status(k);
                return (
                  <tr key={k.id} className={label === "Active" ? undefined : "inactive"}>
                    <td>
                      <div>{k.name}</div>
                      <div className="muted small">
                        <code>ak_{k.prefix}_…</code> · created {when(k.created_at)}
                      </div>
                    </td>
                    <td>
                      <div>{k.assistant_ids.map((id) => names.get(id) ?? id).join(", ")}</div>
                      <div className="muted small">{k.actions.join(", ")}</div>
                    </td>
                    <td>
                      <div>{k.usage.requests} requests</div>
                      <div className="muted small">
                        {k.usage.prompt_tokens + k.usage.completion_tokens} tokens · last used {when(k.usage.last_used_at)}
                      </div>
                    </td>
                    <td>
                      <span className={`status-badge ${tone}`}>{label}</span>
                      {k.expires_at && !k.revoked_at && <div className="muted small">until {when(k.expires_at)}</div>}
                    </td>
                    <td className="actions">
                      {!k.revoked_at && (
                        <button
                          type="button"
                          className="button small danger-outline"
                          aria-label={`Revoke ${k.name}`}
                          onClick={() => revoke(k)}
                        >
                          Revoke
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
      <NewKeyForm
        assistants={assistants}
        onCreated={(k) => {
          setSecret(k);
          load();
        }}
      />
    </section>
  );
}
