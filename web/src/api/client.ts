// A small typed client for /api/v1. Errors are thrown as ApiError with the server's
// {"detail", "code"}; the bearer token is kept in localStorage.
import type {
  ApiKey,
  ApiKeyCreate,
  ApiKeyCreated,
  Assistant,
  AssistantFields,
  ChatRequest,
  ChatSessionInfo,
  ConnectionTest,
  Connector,
  ConnectorType,
  ConversationExportFormat,
  EvalResultPage,
  EvalRun,
  EvalSet,
  Feedback,
  FeedbackExportFormat,
  FeedbackPage,
  FeedbackQuery,
  HistoryMessage,
  Job,
  JobQuery,
  KnowledgeDocument,
  ModelList,
  QueueStatus,
  Rating,
  RefreshQueued,
  Role,
  SqlConfig,
  Token,
  UploadedDocument,
  User,
} from "./types";

export const API = "/api/v1";
const TOKEN_KEY = "askwell.token";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: unknown,
  ) {
    super(describeDetail(detail) || `Request failed (${status})`);
    this.name = "ApiError";
  }
}

/** A readable message from FastAPI's `detail` (a string, or a list of field problems). */
export function describeDetail(detail: unknown): string {
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) {
    return detail
      .map((d) => {
        if (d && typeof d === "object") {
          const item = d as { field?: string; loc?: unknown[]; message?: string; msg?: string };
          const field = item.field ?? (Array.isArray(item.loc) ? item.loc.join(".") : "");
          const message = item.message ?? item.msg ?? "";
          return field ? `${field.replace(/^body\./, "")}: ${message}` : message;
        }
        return String(d);
      })
      .join("; ");
  }
  if (detail && typeof detail === "object") return JSON.stringify(detail);
  return "";
}

export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}

// --- token -------------------------------------------------------------------------------

interface StoredToken {
  token: string;
  expires: number;
}

export function getToken(): string | null {
  try {
    const raw = localStorage.getItem(TOKEN_KEY);
    if (!raw) return null;
    const stored = JSON.parse(raw) as StoredToken;
    if (!stored.token || stored.expires < Date.now()) {
      localStorage.removeItem(TOKEN_KEY);
      return null;
    }
    return stored.token;
  } catch {
    return null;
  }
}

export function setToken(token: Token | null): void {
  if (token === null) {
    localStorage.removeItem(TOKEN_KEY);
    return;
  }
  const stored: StoredToken = {
    token: token.access_token,
    // A minute early, so a request never leaves with a token about to expire.
    expires: Date.now() + Math.max(0, token.expires_in - 60) * 1000,
  };
  localStorage.setItem(TOKEN_KEY, JSON.stringify(stored));
}

type Unauthorized = () => void;
let onUnauthorized: Unauthorized = () => {};

/** Called when an authenticated request answers 401: the token is no longer valid. */
export function setUnauthorizedHandler(handler: Unauthorized): void {
  onUnauthorized = handler;
}

// --- requests ----------------------------------------------------------------------------

export interface RequestOptions {
  json?: unknown;
  form?: URLSearchParams | FormData;
  signal?: AbortSignal;
  headers?: Record<string, string>;
  query?: Record<string, string | undefined>;
}

export function authHeaders(): Record<string, string> {
  const token = getToken();
  return token ? { Authorization: `Bearer ${token}` } : {};
}

export async function raiseForStatus(response: Response, sentToken: boolean): Promise<void> {
  if (response.ok) return;
  let body: { detail?: unknown; code?: string } = {};
  try {
    body = await response.json();
  } catch {
    body = { detail: response.statusText };
  }
  if (response.status === 401 && sentToken) onUnauthorized();
  throw new ApiError(response.status, body.code ?? "http_error", body.detail ?? response.statusText);
}

export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json", ...authHeaders(), ...options.headers };
  let body: BodyInit | undefined;
  if (options.json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(options.json);
  } else if (options.form !== undefined) {
    body = options.form;
  }
  let url = `${API}${path}`;
  if (options.query) {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(options.query)) if (value !== undefined) params.set(key, value);
    if ([...params].length) url += `?${params}`;
  }
  const response = await fetch(url, { method, headers, body, signal: options.signal });
  await raiseForStatus(response, "Authorization" in headers);
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

// --- endpoints ---------------------------------------------------------------------------

export const api = {
  login: (email: string, password: string) =>
    request<Token>("POST", "/auth/token", {
      form: new URLSearchParams({ username: email, password }),
    }),
  register: (email: string, password: string, name: string) =>
    request<User>("POST", "/auth/register", { json: { email, password, name } }),
  me: () => request<User>("GET", "/users/me"),

  users: () => request<User[]>("GET", "/users"),
  createUser: (user: { email: string; password: string; name: string; role: Role }) =>
    request<User>("POST", "/users", { json: user }),
  updateUser: (
    id: string,
    changes: Partial<{ name: string; role: Role; is_active: boolean; password: string }>,
  ) => request<User>("PATCH", `/users/${id}`, { json: changes }),

  assistants: () => request<Assistant[]>("GET", "/assistants"),
  assistant: (id: string) => request<Assistant>("GET", `/assistants/${encodeURIComponent(id)}`),
  createAssistant: (fields: AssistantFields) => request<Assistant>("POST", "/assistants", { json: fields }),
  updateAssistant: (id: string, fields: Partial<AssistantFields>) =>
    request<Assistant>("PATCH", `/assistants/${id}`, { json: fields }),
  deleteAssistant: (id: string) => request<void>("DELETE", `/assistants/${id}`),
  models: () => request<ModelList>("GET", "/models"),

  apiKeys: () => request<ApiKey[]>("GET", "/api-keys"),
  /** The response's `key` is the secret: the server shows it this once. */
  createApiKey: (fields: ApiKeyCreate) => request<ApiKeyCreated>("POST", "/api-keys", { json: fields }),
  revokeApiKey: (id: string) => request<ApiKey>("POST", `/api-keys/${id}/revoke`),

  connectors: (assistantId: string) => request<Connector[]>("GET", `/assistants/${assistantId}/connectors`),
  createConnector: (assistantId: string, fields: { type: ConnectorType; name: string; config?: SqlConfig }) =>
    request<Connector>("POST", `/assistants/${assistantId}/connectors`, { json: fields }),
  updateConnector: (id: string, fields: { name?: string; config?: SqlConfig }) =>
    request<Connector>("PATCH", `/connectors/${id}`, { json: fields }),
  deleteConnector: (id: string) => request<void>("DELETE", `/connectors/${id}`),
  testConnector: (id: string) => request<ConnectionTest>("POST", `/connectors/${id}/test`),
  /** Takes a SQL connector's schema snapshot again, as a background job (202). */
  refreshConnector: (id: string) => request<RefreshQueued>("POST", `/connectors/${id}/refresh`),
  documents: (connectorId: string) => request<KnowledgeDocument[]>("GET", `/connectors/${connectorId}/documents`),
  deleteDocument: (id: string) => request<void>("DELETE", `/documents/${id}`),

  jobQueue: () => request<QueueStatus>("GET", "/jobs/queue"),
  /** Jobs, newest first. */
  jobs: ({ state, task, limit, offset }: JobQuery = {}) =>
    request<Job[]>("GET", "/jobs", {
      query: {
        state: state ?? undefined,
        task: task ?? undefined,
        limit: limit === undefined ? undefined : String(limit),
        offset: offset === undefined ? undefined : String(offset),
      },
    }),
  /** Runs a failed job again (409 `job_not_failed` for any other). */
  retryJob: (id: string) => request<Job>("POST", `/jobs/${encodeURIComponent(id)}/retry`),

  history: (sessionId: string) =>
    request<{ messages: HistoryMessage[] }>("GET", `/chat/${encodeURIComponent(sessionId)}/history`),
  resetChat: (sessionId: string) => request<{ message: string }>("DELETE", `/chat/${encodeURIComponent(sessionId)}`),
  sessions: (assistantId?: string) =>
    request<ChatSessionInfo[]>("GET", "/chat/sessions", { query: { assistant_id: assistantId } }),

  /** Rates a bot message (replaces the earlier rating and comment). */
  putFeedback: (sessionId: string, messageId: string, rating: Rating, comment = "") =>
    request<Feedback>("PUT", `${messagePath(sessionId, messageId)}/feedback`, { json: { rating, comment } }),
  deleteFeedback: (sessionId: string, messageId: string) =>
    request<void>("DELETE", `${messagePath(sessionId, messageId)}/feedback`),
  /** An assistant's rated answers, newest first (admins). */
  feedback: (assistantId: string, query: FeedbackQuery = {}) =>
    request<FeedbackPage>("GET", `/assistants/${encodeURIComponent(assistantId)}/feedback`, {
      query: feedbackParams(query),
    }),
  exportConversation: (sessionId: string, format: ConversationExportFormat) =>
    download(`/chat/${encodeURIComponent(sessionId)}/export`, { format }),
  /** The feedback the filters select, all of it (limit and offset are ignored). */
  exportFeedback: (assistantId: string, format: FeedbackExportFormat, query: FeedbackQuery = {}) =>
    download(`/assistants/${encodeURIComponent(assistantId)}/feedback/export`, {
      ...feedbackParams({ ...query, limit: undefined, offset: undefined }),
      format,
    }),

  /** An assistant's evaluation sets, newest first (admins). */
  evalSets: (assistantId: string) =>
    request<EvalSet[]>("GET", `/assistants/${encodeURIComponent(assistantId)}/evaluation-sets`),
  /** Uploads a JSONL or CSV set; a file with problems is refused whole (422, a problem per line and field). */
  uploadEvalSet: (assistantId: string, file: File, name?: string) => {
    const form = new FormData();
    form.append("file", file);
    if (name) form.append("name", name);
    return request<EvalSet>("POST", `/assistants/${encodeURIComponent(assistantId)}/evaluation-sets`, { form });
  },
  deleteEvalSet: (setId: string) => request<void>("DELETE", `/evaluation-sets/${encodeURIComponent(setId)}`),
  /** Starts a run of the set as a background job (202); poll `evalRun` for its progress. */
  startEvalRun: (setId: string) => request<EvalRun>("POST", `/evaluation-sets/${encodeURIComponent(setId)}/runs`),
  /** An assistant's latest `limit` runs with their metrics, oldest first (as a chart reads them). */
  evalRuns: async (assistantId: string, limit = 500) =>
    (
      await request<EvalRun[]>("GET", `/assistants/${encodeURIComponent(assistantId)}/evaluation-runs`, {
        query: { limit: String(limit), order: "newest" },
      })
    ).reverse(),
  evalRun: (runId: string) => request<EvalRun>("GET", `/evaluation-runs/${encodeURIComponent(runId)}`),
  deleteEvalRun: (runId: string) => request<void>("DELETE", `/evaluation-runs/${encodeURIComponent(runId)}`),
  /** A run's questions in set order, a page at a time. */
  evalQuestions: (runId: string, { errorsOnly = false, limit = 20, offset = 0 } = {}) =>
    request<EvalResultPage>("GET", `/evaluation-runs/${encodeURIComponent(runId)}/questions`, {
      query: { errors_only: String(errorsOnly), limit: String(limit), offset: String(offset) },
    }),
};

const messagePath = (sessionId: string, messageId: string) =>
  `/chat/${encodeURIComponent(sessionId)}/messages/${encodeURIComponent(messageId)}`;

function feedbackParams({ rating, has_comment, since, until, limit, offset }: FeedbackQuery) {
  const text = (value: unknown) => (value === undefined || value === null ? undefined : String(value));
  return {
    rating: text(rating),
    has_comment: text(has_comment),
    since: text(since),
    until: text(until),
    limit: text(limit),
    offset: text(offset),
  };
}

/** A file the server sends as an attachment, and the name it gives it. */
export interface Download {
  blob: Blob;
  fileName: string;
}

/**
 * GET a file with the bearer token. A plain link cannot send the token (the API would
 * answer 401), so the file is fetched and handed over as a blob (lib/download.ts saves it).
 */
export async function download(path: string, query: Record<string, string | undefined>): Promise<Download> {
  const headers = authHeaders();
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, value);
  const url = `${API}${path}${[...params].length ? `?${params}` : ""}`;
  const response = await fetch(url, { headers });
  await raiseForStatus(response, "Authorization" in headers);
  const disposition = response.headers.get("content-disposition") ?? "";
  const fileName = /filename="?([^";]+)"?/.exec(disposition)?.[1] ?? path.split("/").pop() ?? "download";
  return { blob: await response.blob(), fileName };
}

/** POST /chat/stream; the caller reads the body with readEvents. */
export async function openChatStream(body: ChatRequest, signal: AbortSignal): Promise<Response> {
  const headers = { "Content-Type": "application/json", Accept: "application/x-ndjson", ...authHeaders() };
  const response = await fetch(`${API}/chat/stream`, {
    method: "POST",
    headers,
    body: JSON.stringify(body),
    signal,
  });
  await raiseForStatus(response, "Authorization" in headers);
  return response;
}

/**
 * Upload one file with progress (fetch cannot report upload progress; XHR can).
 * Resolves with the created documents (the endpoint answers 202 with a list).
 */
export function uploadFile(
  connectorId: string,
  file: File,
  onProgress: (fraction: number) => void,
  signal?: AbortSignal,
): Promise<UploadedDocument[]> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `${API}/connectors/${connectorId}/documents`);
    const headers = authHeaders();
    for (const [key, value] of Object.entries(headers)) xhr.setRequestHeader(key, value);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    };
    xhr.onload = () => {
      let body: unknown;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = undefined;
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(1);
        resolve(Array.isArray(body) ? (body as UploadedDocument[]) : []);
        return;
      }
      const error = (body ?? {}) as { detail?: unknown; code?: string };
      if (xhr.status === 401 && "Authorization" in headers) onUnauthorized();
      reject(new ApiError(xhr.status, error.code ?? "http_error", error.detail ?? xhr.statusText));
    };
    xhr.onerror = () => reject(new Error("The upload failed: the server could not be reached"));
    xhr.onabort = () => reject(new DOMException("Upload cancelled", "AbortError"));
    signal?.addEventListener("abort", () => xhr.abort());
    const form = new FormData();
    form.append("files", file, file.name);
    xhr.send(form);
  });
}
