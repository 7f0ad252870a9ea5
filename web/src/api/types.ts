// The app's names for the wire types. They come from the API's OpenAPI schema through
// schema.gen.ts: regenerate it with scripts/gen-web-types.sh (npm run gen:types), never edit
// it; tests/e2e/test_web_types.py fails when it is not what the schema gives.
// What is written by hand below is what the schema cannot say: fields the server types as
// `dict[str, Any]` (the schema says only "an object"), strings whose values are a closed
// set the schema does not list, and the history, which the server returns as free dicts.
// The schema also marks a response field optional when its model gives it a default
// factory or None (pydantic describes the input side); where the app relies on such a
// field, always sent, the refinement below makes it required again.
import type { components, paths } from "./schema.gen";

type Schemas = components["schemas"];

/** `T` with the fields of `R` retyped: for what the schema types too loosely. */
type Refine<T, R> = Omit<T, keyof R> & R;

// --- accounts and assistants -------------------------------------------------------------

export type Role = Schemas["Role"];
export type User = Schemas["UserRead"];
export type Token = Schemas["Token"];
export type Assistant = Schemas["AssistantRead"];
/** What the assistant form edits and sends: every field, so none is optional here. */
export type AssistantFields = Required<Schemas["AssistantCreate"]>;
export type ModelList = Schemas["ModelList"];
export type ApiKey = Schemas["ApiKeyRead"];
export type ApiKeyCreated = Schemas["ApiKeyCreated"];
export type ApiKeyAction = Schemas["KeyAction"];
export type ApiKeyCreate = Schemas["ApiKeyCreate"];

// --- knowledge ---------------------------------------------------------------------------

export type ConnectorType = Schemas["ConnectorRead"]["type"];

/** A sql connector's `config` (the server types every config as a free dict). */
export interface SqlConfig {
  url?: string; // write-only: sent, never returned
  tables?: string[] | null; // null: every table
  description?: string;
  docs?: string[];
  examples?: { question: string; sql: string }[];
  dialect?: string; // returned: sqlite | postgres | mysql
}

/** A connector; type-specific settings live in `config` (a sql connector's URL never comes back). */
export type Connector = Refine<Schemas["ConnectorRead"], { config: SqlConfig & Record<string, unknown> }>;

/** The values the ingestion job sets (the schema says only "a string"). */
export type DocumentStatus = "queued" | "parsing" | "embedding" | "ready" | "failed";
export type KnowledgeDocument = Refine<Schemas["DocumentRead"], { status: DocumentStatus }>;
/** What an upload answers; the rest of the document comes with the next listing. */
export type UploadedDocument = Refine<Schemas["DocumentCreated"], { status: DocumentStatus }>;
export type ConnectionTest = Schemas["ConnectionTest"];

export type RefreshQueued = Schemas["RefreshQueued"];

// --- background jobs ---------------------------------------------------------------------

/** What `GET /jobs` filters on: state, task, limit, offset. */
export type JobQuery = NonNullable<paths["/api/v1/jobs"]["get"]["parameters"]["query"]>;
/** A job's state: the closed set the list's filter takes (JobRead types it as a string). */
export type JobState = NonNullable<JobQuery["state"]>;
export type Job = Refine<Schemas["JobRead"], { state: JobState }>;
/** The queue's summary; the server counts every state, zeros included. */
export type QueueStatus = Refine<Schemas["QueueRead"], { counts: Record<JobState, number> }>;

// --- chat --------------------------------------------------------------------------------

/** What retrieval puts in a source's metadata (a free dict in the schema). */
export interface SourceMetadata {
  file_name?: string;
  page?: number | null;
  score?: number | null;
  document_id?: string;
  chunk_index?: number;
  [key: string]: unknown;
}

export type Source = Refine<Schemas["Source"], { metadata: SourceMetadata }>;
export type StepStatus = Schemas["StepEvent"]["status"];

/** What the chat flow puts in a step's metadata (a free dict in the schema). */
export interface StepMetadata {
  is_substep?: boolean;
  duration_ms?: number;
  [key: string]: unknown;
}

// The chart the SQL route proposes (sql/charts.py), a free dict in the schema.
interface VizSeriesXY {
  name?: string;
  data: { x: string | number; y: number | null }[];
}

interface VizSeries {
  name?: string;
  data: (number | null)[];
}

type VizType = "bar" | "line" | "area" | "pie" | "donut" | "polarArea" | "radialBar" | "treemap" | "kpi";

export interface Visualization {
  viz_type: VizType | string;
  title?: string;
  series: (number | null)[] | VizSeries[] | VizSeriesXY[];
  labels?: string[];
  categories?: (string | number)[];
}

export type TableResult = Omit<Schemas["TableEvent"], "type">;
export type Usage = Schemas["UsageInfo"];
export type Timings = Schemas["Timings"];

/** Each generated event, with its free-dict fields retyped; any other event passes as generated. */
type Refined<E> = E extends { type: "step" }
  ? Refine<E, { metadata: StepMetadata }>
  : E extends { type: "sources" }
    ? Refine<E, { sources: Source[] }>
    : E extends { type: "visualization" }
      ? Refine<E, { visualization: Visualization }>
      : E;

export type ChatEvent = Refined<Schemas["ChatEvent"]>;
export type ChatRequest = Schemas["ChatRequest"];
export type ChatSessionInfo = Schemas["SessionRead"];

// --- feedback and export -----------------------------------------------------------------

export type Rating = Schemas["Rating"];
/** The feedback on one bot message (the history carries it, or null, on each bot message). */
export type Feedback = Schemas["FeedbackRead"];
export type FeedbackItem = Schemas["FeedbackItem"];
export type FeedbackPage = Schemas["FeedbackPage"];
/** What `GET /assistants/{id}/feedback` filters on: rating, has_comment, since, until, limit, offset. */
export type FeedbackQuery = NonNullable<
  paths["/api/v1/assistants/{assistant_id}/feedback"]["get"]["parameters"]["query"]
>;
export type FeedbackExportFormat = Schemas["FeedbackExportFormat"];
export type ConversationExportFormat = Schemas["ConversationExportFormat"];

// The history endpoint answers `{"messages": [dict, ...]}` (chat/history.py builds them from
// what each message stored), so the schema knows nothing of their shape.

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
  /** On bot messages: the reader's rating, or null. */
  feedback?: Feedback | null;
}

// --- evaluation --------------------------------------------------------------------------

export type EvalSet = Schemas["EvalSetRead"];
/** The values the run job sets (the schema says only "a string"). */
export type EvalRunStatus = "queued" | "running" | "done" | "failed";
/** A retrieval mode a run measures (RunMetrics keys its retrieval by mode; the schema says "a string"). */
export type EvalMode = Schemas["SearchRequest"]["mode"];
export type EvalModeMetrics = Schemas["ModeMetrics"];
export type EvalMetrics = Schemas["RunMetrics"];
export type EvalRun = Refine<Schemas["EvalRunRead"], { status: EvalRunStatus }>;
export type EvalRetrieved = Schemas["RetrievedDocument"];
export type EvalCitation = Schemas["Citation"];

/** A question's `expected`: what its line of the set gave (runner.py keeps all but the question). */
export interface EvalExpected {
  expected_answer?: string | null;
  expected_documents?: { name: string; page?: number | null }[];
  expected_sql?: string | null;
  expected_result?: { columns?: string[]; rows: unknown[][] } | null;
  id?: string | null;
}

export type EvalResult = Refine<Schemas["EvalResultRead"], { expected: EvalExpected }>;
export type EvalResultPage = Refine<Schemas["EvalResultPage"], { items: EvalResult[] }>;
