import { useCallback, useEffect, useId, useState, type FormEvent } from "react";
import { api } from "../api/client";
import type { Assistant, AssistantFields, ModelList } from "../api/types";
import { ErrorText, LiveNotice } from "../components/Feedback";
import { LANGUAGES } from "../components/languages";
import { Link } from "../lib/router";
import { useAction } from "../lib/useAction";

const EMPTY: AssistantFields = {
  name: "",
  description: "",
  system_prompt: "",
  model: null,
  language: null,
  user_authentication: false,
  retrieval: { top_k: 5, keyword_weight: 1, vector_weight: 1.5, fusion: "scores", rerank_candidates: 20 },
};

const CUSTOM = "__custom__";

function AssistantForm({
  initial,
  models,
  onSaved,
  onCancel,
}: {
  initial: Assistant | null;
  models: ModelList | null;
  onSaved: (a: Assistant) => void;
  onCancel: () => void;
}) {
  const [fields, setFields] = useState<AssistantFields>(() => (initial ? { ...EMPTY, ...initial } : EMPTY));
  const [customChosen, setCustomChosen] = useState(false);
  // A model name the catalogue does not list (e.g. openai:...) is edited as free text.
  const customModel =
    customChosen || (!!fields.model && !!models && !models.models.some((m) => m.name === fields.model));
  const { busy, error, run } = useAction();
  const id = useId();
  const set = <K extends keyof AssistantFields>(key: K, value: AssistantFields[K]) =>
    setFields((f) => ({ ...f, [key]: value }));
  const setRetrieval = (key: keyof AssistantFields["retrieval"], value: number) =>
    setFields((f) => ({ ...f, retrieval: { ...f.retrieval, [key]: value } }));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      const body: AssistantFields = {
        name: fields.name,
        description: fields.description,
        system_prompt: fields.system_prompt,
        model: fields.model || null,
        language: fields.language || null,
        user_authentication: fields.user_authentication,
        retrieval: fields.retrieval,
      };
      const saved = initial ? await api.updateAssistant(initial.id, body) : await api.createAssistant(body);
      onSaved(saved);
    });
  };

  const languages = fields.language && !LANGUAGES.some(([c]) => c === fields.language)
    ? [...LANGUAGES, [fields.language, fields.language] as [string, string]]
    : LANGUAGES;

  return (
    <form className="card form-grid" onSubmit={submit} aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{initial ? `Edit “${initial.name}”` : "New assistant"}</h2>
      <div className="field">
        <label htmlFor={`${id}-name`}>Name</label>
        <input id={`${id}-name`} required maxLength={200} value={fields.name} onChange={(e) => set("name", e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor={`${id}-description`}>Description</label>
        <input
          id={`${id}-description`}
          maxLength={4000}
          value={fields.description}
          onChange={(e) => set("description", e.target.value)}
        />
      </div>
      <div className="field span-2">
        <label htmlFor={`${id}-prompt`}>System prompt</label>
        <textarea
          id={`${id}-prompt`}
          rows={5}
          maxLength={20000}
          value={fields.system_prompt}
          onChange={(e) => set("system_prompt", e.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-model`}>Model</label>
        <select
          id={`${id}-model`}
          value={customModel ? CUSTOM : fields.model ?? ""}
          onChange={(e) => {
            if (e.target.value === CUSTOM) {
              setCustomChosen(true);
              return;
            }
            setCustomChosen(false);
            set("model", e.target.value || null);
          }}
        >
          <option value="">Server default{models ? ` (${models.default})` : ""}</option>
          {models?.models
            .filter((m) => !m.name.includes("<"))
            .map((m) => (
              <option key={m.name} value={m.name}>
                {m.title} — {m.name}
                {m.installed ? "" : " (not installed)"}
              </option>
            ))}
          <option value={CUSTOM}>Other (type a provider:model name)…</option>
        </select>
        {models?.models.find((m) => m.name === fields.model)?.notes && (
          <p className="hint">{models.models.find((m) => m.name === fields.model)?.notes}</p>
        )}
      </div>
      {customModel && (
        <div className="field">
          <label htmlFor={`${id}-custom-model`}>Model name</label>
          <input
            id={`${id}-custom-model`}
            placeholder="openai:gpt-4o-mini"
            pattern="[a-z][a-z0-9_\-]*:.+"
            value={fields.model ?? ""}
            onChange={(e) => set("model", e.target.value || null)}
          />
          <p className="hint">provider:model, e.g. openai:llama3.1 for an OpenAI-compatible server.</p>
        </div>
      )}
      <div className="field">
        <label htmlFor={`${id}-language`}>Answer language</label>
        <select id={`${id}-language`} value={fields.language ?? ""} onChange={(e) => set("language", e.target.value || null)}>
          <option value="">The question's language</option>
          {languages.map(([code, name]) => (
            <option key={code} value={code}>
              {name} ({code})
            </option>
          ))}
        </select>
      </div>
      <div className="field checkbox span-2">
        <input
          id={`${id}-auth`}
          type="checkbox"
          checked={fields.user_authentication}
          onChange={(e) => set("user_authentication", e.target.checked)}
        />
        <label htmlFor={`${id}-auth`}>Only logged-in users may chat with this assistant</label>
      </div>
      <fieldset className="span-2 retrieval">
        <legend>Retrieval</legend>
        <div className="field">
          <label htmlFor={`${id}-topk`}>Passages per answer (top k)</label>
          <input
            id={`${id}-topk`}
            type="number"
            min={1}
            max={50}
            required
            value={fields.retrieval.top_k}
            onChange={(e) => setRetrieval("top_k", Number(e.target.value))}
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-kw`}>Keyword weight</label>
          <input
            id={`${id}-kw`}
            type="number"
            min={0}
            max={10}
            step={0.1}
            required
            value={fields.retrieval.keyword_weight}
            onChange={(e) => setRetrieval("keyword_weight", Number(e.target.value))}
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-vw`}>Vector weight</label>
          <input
            id={`${id}-vw`}
            type="number"
            min={0}
            max={10}
            step={0.1}
            required
            value={fields.retrieval.vector_weight}
            onChange={(e) => setRetrieval("vector_weight", Number(e.target.value))}
          />
        </div>
      </fieldset>
      <ErrorText error={error} className="span-2" />
      <div className="form-actions span-2">
        <button type="submit" className="button primary" disabled={busy}>
          {initial ? "Save changes" : "Create assistant"}
        </button>
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

export function AssistantsAdmin() {
  const [assistants, setAssistants] = useState<Assistant[] | null>(null);
  const [models, setModels] = useState<ModelList | null>(null);
  const [editing, setEditing] = useState<Assistant | "new" | null>(null);
  const [confirm, setConfirm] = useState<string | null>(null);
  const { error, notice, run, fail, setNotice } = useAction();

  const load = useCallback(() => {
    api.assistants().then(setAssistants).catch(fail);
  }, [fail]);
  useEffect(() => {
    load();
    api.models().then(setModels).catch(() => setModels(null));
  }, [load]);

  const remove = (a: Assistant) =>
    run(async () => {
      await api.deleteAssistant(a.id);
      setConfirm(null);
      load();
      return `Deleted “${a.name}”.`;
    });

  return (
    <section aria-labelledby="assistants-heading">
      <div className="section-head">
        <h1 id="assistants-heading">Assistants</h1>
        {!editing && (
          <button type="button" className="button primary" onClick={() => setEditing("new")}>
            New assistant
          </button>
        )}
      </div>
      <LiveNotice className="visually-hidden">{notice}</LiveNotice>
      {notice && !editing && <p className="notice">{notice}</p>}
      <ErrorText error={error} />
      {editing && (
        <AssistantForm
          key={editing === "new" ? "new" : editing.id}
          initial={editing === "new" ? null : editing}
          models={models}
          onCancel={() => setEditing(null)}
          onSaved={(a) => {
            setNotice(`Saved “${a.name}”.`);
            setEditing(null);
            load();
          }}
        />
      )}
      {assistants === null ? (
        <p className="muted">Loading…</p>
      ) : assistants.length === 0 ? (
        <p className="muted">No assistant yet.</p>
      ) : (
        <div className="table-scroll" tabIndex={0} role="region" aria-label="Assistants">
          <table className="admin-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Model</th>
                <th scope="col">Language</th>
                <th scope="col">Access</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {assistants.map((a) => (
                <tr key={a.id}>
                  <td>
                    <Link href={`/chat/${a.id}`}>{a.name}</Link>
                    {a.description && <div className="muted small">{a.description}</div>}
                  </td>
                  <td className="mono small">{a.model ?? `default (${models?.default ?? "server"})`}</td>
                  <td>{a.language ?? "—"}</td>
                  <td>{a.user_authentication ? "Logged-in users" : "Everyone"}</td>
                  <td className="actions">
                    {confirm === a.id ? (
                      <>
                        <span className="small">Delete it and its conversations?</span>
                        <button type="button" className="button small danger" autoFocus onClick={() => remove(a)}>
                          Delete
                        </button>
                        <button type="button" className="button small" onClick={() => setConfirm(null)}>
                          Keep
                        </button>
                      </>
                    ) : (
                      <>
                        <button type="button" className="button small" onClick={() => setEditing(a)}>
                          Edit<span className="visually-hidden"> {a.name}</span>
                        </button>
                        <Link className="button small" href={`/admin/knowledge?assistant=${a.id}`}>
                          Knowledge<span className="visually-hidden"> of {a.name}</span>
                        </Link>
                        <button type="button" className="button small danger-outline" onClick={() => setConfirm(a.id)}>
                          Delete<span className="visually-hidden"> {a.name}</span>
                        </button>
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
