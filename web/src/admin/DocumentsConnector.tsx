import { useCallback, useEffect, useRef, useState, type DragEvent } from "react";
import { api, errorMessage, uploadFile } from "../api/client";
import type { Connector, KnowledgeDocument, UploadedDocument } from "../api/types";
import { localKey } from "../chat/state";
import { ErrorText, LiveNotice } from "../components/Feedback";
import { FileTypeIcon, IconTrash, IconUpload, IconX } from "../components/Icons";
import { useAction } from "../lib/useAction";

const PROCESSING = new Set(["queued", "parsing", "embedding"]);
const POLL_MS = 1000;
const PARALLEL_UPLOADS = 3;

interface Upload {
  key: string;
  file: File;
  progress: number;
  state: "waiting" | "uploading" | "failed";
  error?: string;
}

const STATUS_TEXT: Record<string, string> = {
  queued: "Queued",
  parsing: "Reading",
  embedding: "Indexing",
  ready: "Ready",
  failed: "Failed",
};

/**
 * A listed document, or one just uploaded: of that one the server has told only the id, name
 * and status, until the next listing.
 */
type ShownDocument = UploadedDocument & Partial<KnowledgeDocument>;

function extension(name: string): string {
  return name.includes(".") ? name.split(".").pop()!.toLowerCase() : "file";
}

function percent(fraction: number | undefined): string {
  return `${Math.round(Math.max(0, Math.min(1, fraction ?? 0)) * 100)}%`;
}

function DocumentRow({ doc, onDelete }: { doc: ShownDocument; onDelete: () => void }) {
  const [confirm, setConfirm] = useState(false);
  const busy = PROCESSING.has(doc.status);
  return (
    <li className={`doc ${doc.status}`} data-status={doc.status}>
      <FileTypeIcon type={extension(doc.name)} size={24} />
      <div className="doc-main">
        <span className="doc-name" title={doc.name}>
          {doc.name}
        </span>
        <span className="doc-meta">
          <span className={`status-badge ${doc.status}`}>{STATUS_TEXT[doc.status] ?? doc.status}</span>
          {busy && <span>{percent(doc.progress)}</span>}
          {doc.pages ? <span>{doc.pages} pages</span> : null}
          {doc.chunks ? <span>{doc.chunks} passages</span> : null}
        </span>
        {busy && (
          <progress max={1} value={doc.progress ?? 0} aria-label={`${doc.name}: ${STATUS_TEXT[doc.status]}`} />
        )}
        {doc.status === "failed" && (
          <span className="error-text small">{doc.error || "The file could not be processed."}</span>
        )}
      </div>
      {confirm ? (
        <span className="confirm">
          <button type="button" className="button small danger" autoFocus onClick={onDelete}>
            Delete<span className="visually-hidden"> {doc.name}</span>
          </button>
          <button type="button" className="button small" onClick={() => setConfirm(false)}>
            Keep
          </button>
        </span>
      ) : (
        <button type="button" className="icon-button small" onClick={() => setConfirm(true)}>
          <IconTrash size={14} />
          <span className="visually-hidden">Delete {doc.name}</span>
        </button>
      )}
    </li>
  );
}

/** A documents connector: drop or choose many files; each shows its upload and processing live. */
export function DocumentsConnector({ connector }: { connector: Connector }) {
  const [docs, setDocs] = useState<ShownDocument[] | null>(null);
  const [uploads, setUploads] = useState<Upload[]>([]);
  const { error, run, fail, setError } = useAction();
  const [over, setOver] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const mounted = useRef(true);
  useEffect(() => () => void (mounted.current = false), []);

  const refresh = useCallback(async () => {
    try {
      const list = await api.documents(connector.id);
      if (mounted.current) setDocs(list);
    } catch (e) {
      if (mounted.current) fail(e);
    }
  }, [connector.id, fail]);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  // Poll while the server is still working on any document.
  const processing = docs?.some((d) => PROCESSING.has(d.status)) ?? false;
  useEffect(() => {
    if (!processing) return;
    const timer = setTimeout(() => void refresh(), POLL_MS);
    return () => clearTimeout(timer);
  }, [processing, docs, refresh]);

  const update = (key: string, change: Partial<Upload>) =>
    setUploads((list) => list.map((u) => (u.key === key ? { ...u, ...change } : u)));

  const addFiles = (files: File[]) => {
    if (files.length === 0) return;
    setError(null);
    const items: Upload[] = files.map((file) => ({ key: localKey("up"), file, progress: 0, state: "waiting" }));
    setUploads((list) => [...list, ...items]);
    let next = 0;
    // One request per file, a few at a time: each file gets its own progress and error.
    const worker = async () => {
      while (next < items.length) {
        const item = items[next++];
        update(item.key, { state: "uploading" });
        try {
          const created = await uploadFile(connector.id, item.file, (p) => update(item.key, { progress: p }));
          setDocs((list) => {
            const known = new Set((list ?? []).map((d) => d.id));
            return [...(list ?? []), ...created.filter((d) => !known.has(d.id))];
          });
          setUploads((list) => list.filter((u) => u.key !== item.key));
        } catch (e) {
          update(item.key, { state: "failed", error: errorMessage(e) });
        }
      }
      void refresh();
    };
    for (let i = 0; i < Math.min(PARALLEL_UPLOADS, items.length); i++) void worker();
  };

  const onDrop = (event: DragEvent<HTMLDivElement>) => {
    event.preventDefault();
    setOver(false);
    addFiles(Array.from(event.dataTransfer.files));
  };

  const remove = (doc: ShownDocument) =>
    run(async () => {
      await api.deleteDocument(doc.id);
      setDocs((list) => (list ?? []).filter((d) => d.id !== doc.id));
    });

  const ready = docs?.filter((d) => d.status === "ready").length ?? 0;

  return (
    <div className="documents">
      <div
        className={`dropzone${over ? " over" : ""}`}
        onDragOver={(e) => {
          e.preventDefault();
          e.dataTransfer.dropEffect = "copy";
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
      >
        <IconUpload size={28} />
        <p>Drop files here (PDF, Word, text, Markdown, HTML), or</p>
        <button type="button" className="button primary" onClick={() => input.current?.click()}>
          Choose files
        </button>
        <input
          ref={input}
          type="file"
          multiple
          hidden
          aria-label={`Files to add to ${connector.name}`}
          data-testid="file-input"
          onChange={(e) => {
            addFiles(Array.from(e.target.files ?? []));
            e.target.value = "";
          }}
        />
      </div>
      <ErrorText error={error} />
      <LiveNotice>
        {docs === null
          ? "Loading documents…"
          : `${docs.length} document${docs.length === 1 ? "" : "s"}, ${ready} ready${processing ? ", processing…" : ""}`}
      </LiveNotice>
      <ul className="doc-list" aria-label={`Documents in ${connector.name}`}>
        {uploads.map((u) => (
          <li key={u.key} className={`doc upload ${u.state}`} data-status={u.state}>
            <FileTypeIcon type={extension(u.file.name)} size={24} />
            <div className="doc-main">
              <span className="doc-name">{u.file.name}</span>
              <span className="doc-meta">
                <span className={`status-badge ${u.state === "failed" ? "failed" : "queued"}`}>
                  {u.state === "failed" ? "Upload failed" : u.state === "waiting" ? "Waiting" : "Uploading"}
                </span>
                {u.state === "uploading" && <span>{percent(u.progress)}</span>}
              </span>
              {u.state !== "failed" && (
                <progress max={1} value={u.progress} aria-label={`Uploading ${u.file.name}`} />
              )}
              {u.error && <span className="error-text small">{u.error}</span>}
            </div>
            {u.state === "failed" && (
              <button
                type="button"
                className="icon-button small"
                onClick={() => setUploads((list) => list.filter((x) => x.key !== u.key))}
              >
                <IconX size={14} />
                <span className="visually-hidden">Dismiss {u.file.name}</span>
              </button>
            )}
          </li>
        ))}
        {docs?.map((doc) => <DocumentRow key={doc.id} doc={doc} onDelete={() => void remove(doc)} />)}
      </ul>
    </div>
  );
}
