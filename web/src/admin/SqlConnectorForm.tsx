import { useId, useState, type FormEvent } from "react";
import { api } from "../api/client";
import type { ConnectionTest, Connector, SqlConfig } from "../api/types";
import { ErrorText, LiveNotice } from "../components/Feedback";
import { IconPlus, IconTrash } from "../components/Icons";
import { Link } from "../lib/router";
import { useAction } from "../lib/useAction";

interface Example {
  question: string;
  sql: string;
}

function parseTables(text: string): string[] {
  return [...new Set(text.split(/[\n,]+/).map((t) => t.trim()).filter(Boolean))];
}

function initialExamples(value: unknown): Example[] {
  if (!Array.isArray(value)) return [];
  return value
    .filter((e): e is Record<string, unknown> => Boolean(e) && typeof e === "object")
    .map((e) => ({ question: String(e.question ?? ""), sql: String(e.sql ?? "") }));
}

interface Props {
  assistantId: string;
  connector: Connector | null;
  onSaved: (connector: Connector) => void;
}

/**
 * A SQL connector: where the database is (write-only: the server never sends the URL back),
 * which tables the assistant may query, and what the model should know about them.
 */
export function SqlConnectorForm({ assistantId, connector, onSaved }: Props) {
  const id = useId();
  const [name, setName] = useState(connector?.name ?? "Database");
  const [url, setUrl] = useState("");
  const [showUrl, setShowUrl] = useState(false);
  const config = connector?.config ?? {};
  const [tables, setTables] = useState((Array.isArray(config.tables) ? config.tables : []).join("\n"));
  const [description, setDescription] = useState(String(config.description ?? ""));
  const [docs, setDocs] = useState((Array.isArray(config.docs) ? config.docs : []).join("\n\n"));
  const [examples, setExamples] = useState<Example[]>(initialExamples(config.examples));
  const save = useAction();
  const [test, setTest] = useState<ConnectionTest | null>(null);
  const connection = useAction();
  const snapshot = useAction();

  const allowed = parseTables(tables);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const settings: SqlConfig = {
      tables: allowed.length ? allowed : null,
      description,
      // One note per paragraph.
      docs: docs.split(/\n\s*\n/).map((d) => d.trim()).filter(Boolean),
      examples: examples.filter((e) => e.question.trim() && e.sql.trim()),
    };
    // The URL is write-only: sent when typed, otherwise the stored one is kept.
    if (url.trim()) settings.url = url.trim();
    void save.run(async () => {
      const saved = connector
        ? await api.updateConnector(connector.id, { name, config: settings })
        : await api.createConnector(assistantId, { type: "sql", name, config: settings });
      setUrl("");
      onSaved(saved);
      return "Saved.";
    });
  };

  const runTest = (saved: Connector) =>
    connection.run(async () => {
      setTest(null);
      const result = await api.testConnector(saved.id);
      setTest(result);
      // A failed connection is an answer, not a failed request: its reason is shown the same way.
      if (!result.ok) connection.setError(result.error ?? "The connection failed.");
    });

  const refreshSchema = (saved: Connector) =>
    snapshot.run(async () => {
      const queued = await api.refreshConnector(saved.id);
      // No job id: a snapshot of this connector is already queued or running.
      return queued.job_id ? "Schema snapshot queued." : "A schema snapshot is already queued.";
    });

  const toggleTable = (table: string, on: boolean) => {
    const next = on ? [...allowed, table] : allowed.filter((t) => t !== table);
    setTables(next.join("\n"));
  };

  return (
    <form className="form-grid sql-form" onSubmit={submit}>
      <div className="field">
        <label htmlFor={`${id}-name`}>Name</label>
        <input id={`${id}-name`} required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor={`${id}-url`}>Database URL</label>
        <input
          id={`${id}-url`}
          type={showUrl ? "text" : "password"}
          autoComplete="off"
          spellCheck={false}
          required={!connector}
          placeholder={connector ? "Saved (hidden). Type to replace it." : "postgresql://reader:secret@db.internal/sales"}
          value={url}
          onChange={(e) => setUrl(e.target.value)}
          aria-describedby={`${id}-url-hint`}
        />
        <div className="checkbox small">
          <input id={`${id}-show`} type="checkbox" checked={showUrl} onChange={(e) => setShowUrl(e.target.checked)} />
          <label htmlFor={`${id}-show`}>Show</label>
        </div>
        <p className="hint" id={`${id}-url-hint`}>
          Use a read-only account. The URL is stored but never shown again.
        </p>
      </div>
      <div className="field">
        <label htmlFor={`${id}-tables`}>Allowed tables</label>
        <textarea
          id={`${id}-tables`}
          rows={4}
          value={tables}
          onChange={(e) => setTables(e.target.value)}
          aria-describedby={`${id}-tables-hint`}
        />
        <p className="hint" id={`${id}-tables-hint`}>
          One per line. The assistant may query only these; left empty, it may query every table.
        </p>
      </div>
      <div className="field">
        <label htmlFor={`${id}-description`}>Description</label>
        <textarea
          id={`${id}-description`}
          rows={4}
          value={description}
          onChange={(e) => setDescription(e.target.value)}
          placeholder="What this database holds, e.g. orders and customers of the web shop since 2019."
        />
      </div>
      <div className="field span-2">
        <label htmlFor={`${id}-docs`}>Notes for the model</label>
        <textarea
          id={`${id}-docs`}
          rows={3}
          value={docs}
          onChange={(e) => setDocs(e.target.value)}
          placeholder="Column meanings, units, business rules (amounts are in cents, ...). One note per paragraph."
        />
      </div>
      <fieldset className="span-2 examples">
        <legend>Example questions with their SQL</legend>
        {examples.length === 0 && <p className="muted small">None yet. Examples help the model write the right query.</p>}
        {examples.map((example, index) => (
          <div className="example" key={index}>
            <div className="field">
              <label htmlFor={`${id}-q-${index}`}>Question {index + 1}</label>
              <input
                id={`${id}-q-${index}`}
                value={example.question}
                onChange={(e) =>
                  setExamples(examples.map((x, i) => (i === index ? { ...x, question: e.target.value } : x)))
                }
              />
            </div>
            <div className="field">
              <label htmlFor={`${id}-s-${index}`}>SQL {index + 1}</label>
              <textarea
                id={`${id}-s-${index}`}
                rows={2}
                className="mono"
                value={example.sql}
                onChange={(e) => setExamples(examples.map((x, i) => (i === index ? { ...x, sql: e.target.value } : x)))}
              />
            </div>
            <button
              type="button"
              className="icon-button small"
              onClick={() => setExamples(examples.filter((_, i) => i !== index))}
            >
              <IconTrash size={14} />
              <span className="visually-hidden">Remove example {index + 1}</span>
            </button>
          </div>
        ))}
        <button type="button" className="button small" onClick={() => setExamples([...examples, { question: "", sql: "" }])}>
          <IconPlus size={14} /> Add an example
        </button>
      </fieldset>
      <ErrorText error={save.error} className="span-2" />
      <div className="form-actions span-2">
        <button type="submit" className="button primary" disabled={save.busy}>
          {connector ? "Save" : "Add database"}
        </button>
        {connector && (
          <button type="button" className="button" disabled={connection.busy} onClick={() => void runTest(connector)}>
            {connection.busy ? "Testing…" : "Test connection"}
          </button>
        )}
        {connector && (
          <button
            type="button"
            className="button"
            disabled={snapshot.busy}
            aria-describedby={`${id}-refresh-hint`}
            onClick={() => void refreshSchema(connector)}
          >
            {snapshot.busy ? "Queuing…" : "Refresh schema"}
          </button>
        )}
        <LiveNotice as="span">{save.notice}</LiveNotice>
        <LiveNotice as="span">{snapshot.notice}</LiveNotice>
      </div>
      <ErrorText error={snapshot.error} className="span-2" />
      {connector && (
        <p className="hint span-2" id={`${id}-refresh-hint`}>
          Refresh the schema after tables or columns change in the database; the snapshot is taken in the
          background (see <Link href="/admin/jobs">Jobs</Link>).
        </p>
      )}
      {!connector && <p className="hint span-2">Save first, then test the connection.</p>}
      {(test || connection.error) && (
        <div className="span-2 test-result" role="status">
          {connection.error ? (
            <p className="error-text">Connection failed: {connection.error}</p>
          ) : (
            <>
              <p className="success-text">
                Connected (read-only). {test?.tables.length ?? 0} table{test?.tables.length === 1 ? "" : "s"} found:
              </p>
              <ul className="table-choices">
                {test?.tables.map((table) => (
                  <li key={table} className="checkbox">
                    <input
                      id={`${id}-t-${table}`}
                      type="checkbox"
                      checked={allowed.includes(table)}
                      onChange={(e) => toggleTable(table, e.target.checked)}
                    />
                    <label htmlFor={`${id}-t-${table}`} className="mono">
                      {table}
                    </label>
                  </li>
                ))}
              </ul>
              <p className="hint">Tick the tables the assistant may use, then save.</p>
            </>
          )}
        </div>
      )}
    </form>
  );
}
