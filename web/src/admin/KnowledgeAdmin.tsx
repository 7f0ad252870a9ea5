import { useCallback, useEffect, useState, type FormEvent } from "react";
import { ApiError, api } from "../api/client";
import type { Assistant, Connector } from "../api/types";
import { ErrorText } from "../components/Feedback";
import { IconDatabase, IconTrash } from "../components/Icons";
import { navigate, useLocation } from "../lib/router";
import { useAction } from "../lib/useAction";
import { AssistantPicker } from "./AssistantPicker";
import { DocumentsConnector } from "./DocumentsConnector";
import { SqlConnectorForm } from "./SqlConnectorForm";

function ConnectorCard({ connector, onChanged }: { connector: Connector; onChanged: () => void }) {
  const [confirm, setConfirm] = useState(false);
  const { error, run } = useAction();
  const remove = () =>
    run(async () => {
      await api.deleteConnector(connector.id);
      onChanged();
    });
  return (
    <section className="card connector" aria-labelledby={`connector-${connector.id}`}>
      <div className="section-head">
        <h2 id={`connector-${connector.id}`}>
          {connector.type === "sql" ? <IconDatabase size={18} /> : null} {connector.name}
          <span className="badge">{connector.type === "sql" ? "database" : "documents"}</span>
        </h2>
        {confirm ? (
          <span className="confirm">
            <span className="small">Delete this connector{connector.type === "documents" ? " and its documents" : ""}?</span>
            <button type="button" className="button small danger" autoFocus onClick={remove}>
              Delete
            </button>
            <button type="button" className="button small" onClick={() => setConfirm(false)}>
              Keep
            </button>
          </span>
        ) : (
          <button type="button" className="button small danger-outline" onClick={() => setConfirm(true)}>
            <IconTrash size={14} /> Delete<span className="visually-hidden"> connector {connector.name}</span>
          </button>
        )}
      </div>
      <ErrorText error={error} />
      {connector.type === "sql" ? (
        <SqlConnectorForm assistantId={connector.assistant_id} connector={connector} onSaved={onChanged} />
      ) : (
        <DocumentsConnector connector={connector} />
      )}
    </section>
  );
}

function NewDocumentsConnector({ assistantId, onCreated }: { assistantId: string; onCreated: () => void }) {
  const [name, setName] = useState("Documents");
  const { error, run } = useAction();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      await api.createConnector(assistantId, { type: "documents", name });
      onCreated();
    });
  };
  return (
    <form className="card inline-form" onSubmit={submit} aria-label="New document collection">
      <div className="field">
        <label htmlFor="new-docs-name">Collection name</label>
        <input id="new-docs-name" required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} />
      </div>
      <button type="submit" className="button primary">
        Add document collection
      </button>
      <ErrorText error={error} />
    </form>
  );
}

export function KnowledgeAdmin() {
  const { search } = useLocation();
  const [assistants, setAssistants] = useState<Assistant[] | null>(null);
  const [connectors, setConnectors] = useState<Connector[] | null>(null);
  const { error, fail, setError } = useAction();
  const [unavailable, setUnavailable] = useState(false);
  const [adding, setAdding] = useState<"documents" | "sql" | null>(null);

  useEffect(() => {
    api.assistants().then(setAssistants).catch(fail);
  }, [fail]);

  const requested = search.get("assistant");
  const selected = assistants?.find((a) => a.id === requested) ?? assistants?.[0] ?? null;

  const load = useCallback(() => {
    if (!selected) return;
    setError(null);
    api
      .connectors(selected.id)
      .then((list) => {
        setConnectors(list);
        setUnavailable(false);
      })
      .catch((e) => {
        setConnectors([]);
        // The route itself is missing (a server without knowledge support).
        if (e instanceof ApiError && e.status === 404 && e.code === "not_found") setUnavailable(true);
        else fail(e);
      });
  }, [selected, setError, fail]);

  useEffect(() => {
    setConnectors(null);
    setAdding(null);
    load();
  }, [load]);

  if (assistants && assistants.length === 0) {
    return (
      <section>
        <h1>Knowledge</h1>
        <p className="muted">Create an assistant first; knowledge belongs to an assistant.</p>
      </section>
    );
  }

  return (
    <section aria-labelledby="knowledge-heading">
      <div className="section-head">
        <h1 id="knowledge-heading">Knowledge</h1>
        <AssistantPicker
          id="knowledge-assistant"
          assistants={assistants ?? []}
          value={selected?.id ?? ""}
          onChange={(id) => navigate(`/admin/knowledge?assistant=${id}`, { replace: true })}
        />
      </div>
      <ErrorText error={error} />
      {unavailable && (
        <p className="notice" role="status">
          This server does not offer knowledge connectors yet.
        </p>
      )}
      {connectors === null && !error && <p className="muted">Loading…</p>}
      {connectors?.length === 0 && !unavailable && (
        <p className="muted">This assistant has no knowledge yet: add documents or a database.</p>
      )}
      {connectors?.map((c) => (
        <ConnectorCard key={c.id} connector={c} onChanged={load} />
      ))}
      {selected && !unavailable && (
        <div className="add-connector">
          <div className="button-row" role="group" aria-label="Add knowledge">
            <button
              type="button"
              className="button"
              aria-pressed={adding === "documents"}
              onClick={() => setAdding(adding === "documents" ? null : "documents")}
            >
              Add documents
            </button>
            <button
              type="button"
              className="button"
              aria-pressed={adding === "sql"}
              onClick={() => setAdding(adding === "sql" ? null : "sql")}
            >
              Add a database
            </button>
          </div>
          {adding === "documents" && (
            <NewDocumentsConnector
              assistantId={selected.id}
              onCreated={() => {
                setAdding(null);
                load();
              }}
            />
          )}
          {adding === "sql" && (
            <section className="card" aria-labelledby="new-sql-heading">
              <h2 id="new-sql-heading">New database connector</h2>
              <SqlConnectorForm
                assistantId={selected.id}
                connector={null}
                onSaved={() => {
                  setAdding(null);
                  load();
                }}
              />
            </section>
          )}
        </div>
      )}
    </section>
  );
}
