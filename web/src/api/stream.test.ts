// @vitest-environment node
import { describe, expect, it } from "vitest";
import { ndjsonParser, readEvents, sseParser } from "./stream";
import type { ChatEvent } from "./types";

function streamOf(chunks: (string | Uint8Array)[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(typeof chunk === "string" ? encoder.encode(chunk) : chunk);
      controller.close();
    },
  });
}

async function collect(body: ReadableStream<Uint8Array>, format: "ndjson" | "sse" = "ndjson") {
  const events: ChatEvent[] = [];
  for await (const event of readEvents(body, format)) events.push(event);
  return events;
}

describe("NDJSON", () => {
  it("joins lines split across chunks", async () => {
    const events = await collect(
      streamOf(['{"type":"tok', 'en","content":"Hel', 'lo"}\n{"type":"token","content":" world"}', "\n"]),
    );
    expect(events).toEqual([
      { type: "token", content: "Hello" },
      { type: "token", content: " world" },
    ]);
  });

  it("decodes a multi-byte character split between chunks", async () => {
    const bytes = new TextEncoder().encode('{"type":"token","content":"café ☕"}\n');
    const cut = bytes.length - 5; // inside the 3-byte cup
    const events = await collect(streamOf([bytes.slice(0, cut), bytes.slice(cut)]));
    expect(events).toEqual([{ type: "token", content: "café ☕" }]);
  });

  it("reads a last line without a newline, and skips blank and CRLF lines", () => {
    const parser = ndjsonParser();
    expect(parser.push('{"type":"sql","sql":"SELECT 1"}\r\n\n  \n{"type":"done"')).toEqual([
      { type: "sql", sql: "SELECT 1" },
    ]);
    expect(parser.push(',"message_id":"m"}')).toEqual([]);
    expect(parser.end()).toEqual([{ type: "done", message_id: "m" }]);
  });

  it("keeps the error before done, in order", async () => {
    const lines = [
      { type: "start", session_id: "s-12345678", message_id: "m", assistant_id: "a" },
      { type: "token", content: "Part" },
      { type: "error", code: "model_error", message: "The model failed" },
      { type: "done", message_id: "m", usage: { prompt_tokens: 1, completion_tokens: 1 }, timings: { total_ms: 5 } },
    ];
    const events = await collect(streamOf([lines.map((l) => JSON.stringify(l)).join("\n") + "\n"]));
    expect(events.map((e) => e.type)).toEqual(["start", "token", "error", "done"]);
    expect(events[2]).toMatchObject({ code: "model_error", message: "The model failed" });
  });

  it("turns an unreadable line into an error event and goes on", () => {
    const parser = ndjsonParser();
    const events = parser.push('not json\n{"type":"token","content":"ok"}\n[1,2]\n');
    expect(events.map((e) => e.type)).toEqual(["error", "token", "error"]);
    expect(events[0]).toMatchObject({ code: "bad_event" });
  });
});

describe("SSE", () => {
  it("reads event/data frames split anywhere", async () => {
    const text =
      'event: token\ndata: {"type":"token","content":"Hi"}\n\n' +
      'event: done\ndata: {"type":"done","message_id":"m"}\n\n';
    const chunks = text.match(/.{1,7}/gs) ?? [];
    const events = await collect(streamOf(chunks), "sse");
    expect(events).toEqual([
      { type: "token", content: "Hi" },
      { type: "done", message_id: "m" },
    ]);
  });

  it("takes the type from the event name when the data has none; joins data lines", () => {
    const parser = sseParser();
    const events = parser.push('event: sql\ndata: {"sql":\ndata: "SELECT 1"}\n\n');
    expect(events).toEqual([{ type: "sql", sql: "SELECT 1" }]);
  });

  it("handles CRLF (even split between chunks), comments and a final frame without blank line", () => {
    const parser = sseParser();
    expect(parser.push(': keep-alive\r\nevent: token\r')).toEqual([]);
    expect(parser.push('\ndata: {"type":"token","content":"a"}\r\n\r\n')).toEqual([{ type: "token", content: "a" }]);
    expect(parser.push('event: error\ndata: {"type":"error","code":"x","message":"m"}')).toEqual([]);
    expect(parser.end()).toEqual([{ type: "error", code: "x", message: "m" }]);
  });

  it("keeps the error before done", () => {
    const parser = sseParser();
    const events = parser.push(
      'event: error\ndata: {"type":"error","code":"model_error","message":"down"}\n\n' +
        'event: done\ndata: {"type":"done","message_id":"m"}\n\n',
    );
    expect(events.map((e) => e.type)).toEqual(["error", "done"]);
  });
});
