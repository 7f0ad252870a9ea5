// Wire types, typed from the API contract (shared/CONTRACT.md) and the OpenAPI schema.

export type Role = "admin" | "member";

export interface User {
  id: string;
  email: string;
  name: string;
  role: Role;
  is_active: boolean;
  created_at: string;
}

export interface Token {
  access_token: string;
  token_type: string;
  expires_in: number;
}

export interface RetrievalSettings {
  top_k: number;
  keyword_weight: number;
  vector_weight: number;
}

export interface AssistantFields {
  name: string;
  description: string;
  system_prompt: string;
  model: string | null;
  language: string | null;
  user_authentication: boolean;
  retrieval: RetrievalSettings;
}

export interface Assistant extends AssistantFields {
  id: string;
  created_at: string;
}

export interface ModelOption {
  name: string;
  title: string;
  provider: string;
  installed: boolean;
  licence: string | null;
  notes: string;
}

export interface ModelList {
  default: string;
  providers: string[];
  models: ModelOption[];
}

// --- knowledge ---------------------------------------------------------------------------

export type ConnectorType = "documents" | "sql";

export interface SqlConfig {
  url?: string; // write-only: sent, never returned
  tables?: string[] | null; // null: every table
  description?: string;
  docs?: string[];
  examples?: { question: string; sql: string }[];
  dialect?: string; // returned: sqlite | postgres | mysql
}

/** A connector; type-specific settings live in `config` (a sql connector's URL never comes back). */
export interface Connector {
  id: string;
  assistant_id: string;
  type: ConnectorType;
  name: string;
  config: SqlConfig & Record<string, unknown>;
  created_at?: string;
}

export type DocumentStatus = "queued" | "parsing" | "embedding" | "ready" | "failed";

export interface KnowledgeDocument {
  id: string;
  name: string;
  type?: string;
  size_bytes?: number;
  status: DocumentStatus;
  progress?: number;
  error?: string | null;
  pages?: number | null;
  chunks?: number | null;
  [key: string]: unknown;
}

export interface ConnectionTest {
  ok: boolean;
  tables: string[];
  error?: string;
  detail?: string;
}

// --- chat --------------------------------------------------------------------------------

export interface SourceMetadata {
  file_name?: string;
  page?: number | null;
  score?: number | null;
  document_id?: string;
  chunk_index?: number;
  [key: string]: unknown;
}

export interface Source {
  id: string;
  name: string;
  type: string;
  content: string;
  metadata: SourceMetadata;
}

export type StepStatus = "running" | "done" | "error";

export interface StepMetadata {
  is_substep?: boolean;
  duration_ms?: number;
  [key: string]: unknown;
}

export interface VizSeriesXY {
  name?: string;
  data: { x: string | number; y: number | null }[];
}

export interface VizSeries {
  name?: string;
  data: (number | null)[];
}

export type VizType =
  | "bar"
  | "line"
  | "area"
  | "pie"
  | "donut"
  | "polarArea"
  | "radialBar"
  | "treemap"
  | "kpi";

export interface Visualization {
  viz_type: VizType | string;
  title?: string;
  series: (number | null)[] | VizSeries[] | VizSeriesXY[];
  labels?: string[];
  categories?: (string | number)[];
}

export interface TableResult {
  columns: string[];
  rows: unknown[][];
  row_count: number;
  truncated: boolean;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
}

export interface Timings {
  retrieval_ms: number | null;
  first_token_ms: number | null;
  total_ms: number;
}

export type ChatEvent =
  | { type: "start"; session_id: string; message_id: string; assistant_id: string }
  | {
      type: "step";
      step_id: string;
      parent_id: string | null;
      sequence: number;
      label: string;
      status: StepStatus;
      metadata: StepMetadata;
    }
  | { type: "sources"; sources: Source[] }
  | { type: "token"; content: string }
  | { type: "sql"; sql: string }
  | ({ type: "table" } & TableResult)
  | { type: "visualization"; visualization: Visualization }
  | { type: "error"; code: string; message: string }
  | { type: "done"; message_id: string; usage: Usage; timings: Timings };

export interface ChatRequest {
  message: string;
  assistant_id: string;
  session_id: string;
  language?: string;
  history?: { role: "user" | "assistant"; content: string }[];
}

/** A step as the history endpoint returns it: a tree. */
export interface HistoryStep {
  id?: string;
  step_id?: string;
  parent_id?: string | null;
  sequence?: number;
  label: string;
  status?: StepStatus;
  metadata?: StepMetadata;
  sub_steps?: HistoryStep[];
  isSubStep?: boolean;
}

export interface HistoryMessage {
  id: string;
  text: string;
  sender: "user" | "bot";
  created_at: string;
  sources?: Source[];
  steps?: HistoryStep[];
  visualization?: Visualization;
  sql?: string;
  table?: TableResult;
  usage?: Usage;
  timings?: Timings;
  error?: { code: string; message: string };
  interrupted?: boolean;
}

export interface ChatSessionInfo {
  id: string;
  assistant_id: string;
  title: string;
}

export interface ApiErrorBody {
  detail: unknown;
  code?: string;
}
