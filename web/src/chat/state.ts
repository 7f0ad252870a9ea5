// A conversation as the app shows it, built from stream events or from the history.
import type {
  ChatEvent,
  Feedback,
  HistoryMessage,
  Source,
  TableResult,
  Timings,
  Usage,
  Visualization,
} from "../api/types";
import { flattenHistorySteps, upsertStep, type StepNode } from "../lib/steps";

export type MessageStatus = "streaming" | "done" | "stopped" | "error";

export interface ChatMessage {
  key: string;
  id?: string;
  role: "user" | "bot";
  text: string;
  status: MessageStatus;
  sources: Source[];
  steps: StepNode[];
  sql?: string;
  table?: TableResult;
  visualization?: Visualization;
  error?: { code: string; message: string };
  usage?: Usage;
  timings?: Timings;
  /** A bot message's rating as the history gave it (a streamed answer has none yet). */
  feedback?: Feedback | null;
}

let counter = 0;
export const localKey = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${(counter++).toString(36)}`;

export function userMessage(text: string): ChatMessage {
  return { key: localKey("u"), role: "user", text, status: "done", sources: [], steps: [] };
}

export function pendingBotMessage(): ChatMessage {
  return { key: localKey("b"), role: "bot", text: "", status: "streaming", sources: [], steps: [] };
}

/** One event applied to the bot message being streamed. */
export function applyEvent(message: ChatMessage, event: ChatEvent): ChatMessage {
  switch (event.type) {
    case "start":
      return { ...message, id: event.message_id };
    case "step":
      return {
        ...message,
        steps: upsertStep(message.steps, {
          id: event.step_id,
          parentId: event.parent_id,
          sequence: event.sequence,
          label: event.label,
          status: event.status,
          metadata: event.metadata ?? {},
        }),
      };
    case "sources":
      return { ...message, sources: event.sources ?? [] };
    case "token":
      return { ...message, text: message.text + (event.content ?? "") };
    case "sql":
      return { ...message, sql: event.sql };
    case "table":
      return {
        ...message,
        table: {
          columns: event.columns ?? [],
          rows: event.rows ?? [],
          row_count: event.row_count ?? event.rows?.length ?? 0,
          truncated: Boolean(event.truncated),
        },
      };
    case "visualization":
      return { ...message, visualization: event.visualization };
    case "error":
      return { ...message, error: { code: event.code, message: event.message }, status: "error" };
    case "done":
      return {
        ...message,
        id: event.message_id ?? message.id,
        usage: event.usage,
        timings: event.timings,
        status: message.error ? "error" : "done",
      };
    default:
      return message;
  }
}

/** A stream that ended without `done` (connection lost): say so rather than spin forever. */
export function finishUnterminated(message: ChatMessage): ChatMessage {
  if (message.status !== "streaming") return message;
  return {
    ...message,
    status: "error",
    error: message.error ?? {
      code: "connection_lost",
      message: "The connection ended before the answer was complete.",
    },
    steps: message.steps.map((s) => (s.status === "running" ? { ...s, status: "error" } : s)),
  };
}

export function fromHistory(message: HistoryMessage): ChatMessage {
  const interrupted = Boolean(message.interrupted);
  return {
    key: message.id || localKey("h"),
    id: message.id,
    role: message.sender === "user" ? "user" : "bot",
    text: message.text ?? "",
    status: message.error ? "error" : interrupted ? "stopped" : "done",
    sources: message.sources ?? [],
    steps: flattenHistorySteps(message.steps),
    sql: message.sql,
    table: message.table,
    visualization: message.visualization,
    error: message.error,
    usage: message.usage,
    timings: message.timings,
    feedback: message.feedback ?? null,
  };
}
