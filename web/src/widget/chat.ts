// One turn over the native chat stream (NDJSON), with the widget key as the credential.
// No cookies are sent (credentials: "omit"): the key is the only thing that authorizes.
import { readEvents } from "../api/stream";
import type { ChatEvent } from "../api/types";
import type { WidgetConfig } from "./config";

export interface Turn {
  role: "user" | "assistant";
  content: string;
}

/** A refusal or failure the visitor should read, with the server's code when there is one. */
export class WidgetError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

const MESSAGES: Record<string, string> = {
  widget_origin_forbidden: "This website is not allowed to use this assistant.",
  widget_origin_missing: "This website is not allowed to use this assistant.",
  invalid_api_key: "This chat is not set up correctly (its key is not valid).",
  api_key_revoked: "This chat has been turned off.",
  api_key_expired: "This chat has been turned off.",
  rate_limited: "Too many questions at once: please wait a minute and try again.",
};

async function refusal(response: Response): Promise<WidgetError> {
  let code = `http_${response.status}`;
  let detail = "";
  try {
    const body = (await response.json()) as { code?: unknown; detail?: unknown };
    if (typeof body.code === "string") code = body.code;
    if (typeof body.detail === "string") detail = body.detail;
  } catch {
    // not JSON: the status says enough
  }
  if (response.status === 429) code = MESSAGES[code] ? code : "rate_limited";
  return new WidgetError(MESSAGES[code] ?? (detail || `The assistant could not answer (${response.status}).`), code);
}

/** The chat fetch failed with no readable response: a refused CORS preflight looks exactly
 * like a server that is down. A simple GET (no preflight, readable from any page) asks the
 * server whether a widget key lists this page's origin; if that fails too, it is unreachable. */
async function unreadableFailure(config: WidgetConfig): Promise<WidgetError> {
  try {
    const response = await fetch(`${config.apiBase}/api/v1/widget/origin`, { credentials: "omit", cache: "no-store" });
    const body = (await response.json()) as { allowed?: unknown };
    if (body.allowed === false) return new WidgetError(MESSAGES.widget_origin_forbidden, "widget_origin_forbidden");
  } catch {
    // unreachable as well: the message below is the true one
  }
  return new WidgetError("The assistant cannot be reached from this page right now.", "network_error");
}

export async function* askTurn(
  config: WidgetConfig,
  sessionId: string,
  message: string,
  history: Turn[],
  signal?: AbortSignal,
): AsyncGenerator<ChatEvent> {
  let response: Response;
  try {
    response = await fetch(`${config.apiBase}/api/v1/chat/stream`, {
      method: "POST",
      mode: "cors",
      credentials: "omit",
      headers: {
        Authorization: `Bearer ${config.apiKey}`,
        "Content-Type": "application/json",
        Accept: "application/x-ndjson",
      },
      body: JSON.stringify({
        message,
        assistant_id: config.assistantId,
        session_id: sessionId,
        history,
      }),
      signal,
    });
  } catch (error) {
    if ((error as Error).name === "AbortError") throw error;
    throw await unreadableFailure(config);
  }
  if (!response.ok || !response.body) throw await refusal(response);
  yield* readEvents(response.body, "ndjson");
}

/** A session id of the shape the API takes: 8..128 of [A-Za-z0-9_-]. */
export function newSessionId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(18));
  return "w_" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
