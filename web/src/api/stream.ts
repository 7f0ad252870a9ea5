// Reads the chat stream: NDJSON (one JSON object per line) or SSE (`event:`/`data:` frames).
// Chunks from the network split lines anywhere, even inside a multi-byte character.
import type { ChatEvent } from "./types";

export type StreamFormat = "ndjson" | "sse";

export interface EventParser {
  /** Feed decoded text; returns the events completed by it. */
  push(text: string): ChatEvent[];
  /** The input ended: returns what the last, unterminated line or frame held. */
  end(): ChatEvent[];
}

function badEvent(raw: string): ChatEvent {
  return {
    type: "error",
    code: "bad_event",
    message: `The server sent an event the app cannot read: ${raw.slice(0, 120)}`,
  };
}

function parseJson(raw: string, fallbackType?: string): ChatEvent {
  try {
    const value = JSON.parse(raw) as Record<string, unknown>;
    if (!value || typeof value !== "object" || Array.isArray(value)) return badEvent(raw);
    if (typeof value.type !== "string") {
      if (!fallbackType) return badEvent(raw);
      value.type = fallbackType;
    }
    return value as unknown as ChatEvent;
  } catch {
    return badEvent(raw);
  }
}

export function ndjsonParser(): EventParser {
  let buffer = "";
  const lineToEvents = (line: string): ChatEvent[] => {
    const trimmed = line.replace(/\r$/, "").trim();
    return trimmed ? [parseJson(trimmed)] : [];
  };
  return {
    push(text) {
      buffer += text;
      const lines = buffer.split("\n");
      buffer = lines.pop() ?? "";
      return lines.flatMap(lineToEvents);
    },
    end() {
      const rest = buffer;
      buffer = "";
      return lineToEvents(rest);
    },
  };
}

export function sseParser(): EventParser {
  let buffer = "";
  let eventName = "";
  let data: string[] = [];

  const dispatch = (): ChatEvent[] => {
    const payload = data.join("\n");
    const name = eventName;
    eventName = "";
    data = [];
    if (!payload.trim()) return [];
    return [parseJson(payload, name || undefined)];
  };

  const line = (text: string): ChatEvent[] => {
    if (text === "") return dispatch();
    if (text.startsWith(":")) return []; // a comment (keep-alive)
    const colon = text.indexOf(":");
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? "" : text.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") eventName = value;
    else if (field === "data") data.push(value);
    return [];
  };

  return {
    push(text) {
      buffer += text;
      const events: ChatEvent[] = [];
      // A lone "\r" at the very end may be the first half of "\r\n": wait for more.
      const lines = buffer.split(/\r\n|\n|\r(?!$)/);
      buffer = lines.pop() ?? "";
      for (const l of lines) events.push(...line(l));
      return events;
    },
    end() {
      const events: ChatEvent[] = [];
      if (buffer) events.push(...line(buffer.replace(/\r$/, "")));
      buffer = "";
      events.push(...dispatch());
      return events;
    },
  };
}

export function formatOf(contentType: string | null): StreamFormat {
  return contentType?.includes("text/event-stream") ? "sse" : "ndjson";
}

/** Yields the events of a streamed response body as they arrive. */
export async function* readEvents(
  body: ReadableStream<Uint8Array>,
  format: StreamFormat = "ndjson",
): AsyncGenerator<ChatEvent> {
  const parser = format === "sse" ? sseParser() : ndjsonParser();
  const decoder = new TextDecoder();
  const reader = body.getReader();
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      yield* parser.push(decoder.decode(value, { stream: true }));
    }
    finished = true;
    yield* parser.push(decoder.decode());
    yield* parser.end();
  } finally {
    // The consumer stopped early (the stop button): cancelling tells the server to stop too.
    if (!finished) await reader.cancel().catch(() => undefined);
  }
}
