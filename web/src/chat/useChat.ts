// One chat session: its history, sending (streamed), stop, retry and reset.
import { useCallback, useEffect, useRef, useState } from "react";
import { ApiError, api, errorMessage, openChatStream } from "../api/client";
import { formatOf, readEvents } from "../api/stream";
import type { ChatEvent } from "../api/types";
import {
  applyEvent,
  finishUnterminated,
  fromHistory,
  pendingBotMessage,
  userMessage,
  type ChatMessage,
} from "./state";

export interface UseChat {
  messages: ChatMessage[];
  loading: boolean;
  loadError: string | null;
  streaming: boolean;
  send: (text: string) => Promise<void>;
  stop: () => void;
  retry: () => void;
  reset: () => Promise<void>;
}

interface Options {
  assistantId: string | null;
  sessionId: string | null;
  language: string | null;
  /** The first event of a new session arrived: the session now exists on the server. */
  onSessionStarted: (sessionId: string, title: string) => void;
  onAnswered: () => void;
  onAuthRequired: () => void;
}

const nextFrame = (fn: () => void) =>
  typeof requestAnimationFrame === "function" ? requestAnimationFrame(fn) : setTimeout(fn, 16);

export function useChat(options: Options): UseChat {
  const { assistantId, sessionId, language } = options;
  const [messages, setMessages] = useState<ChatMessage[]>([]);
  const [loading, setLoading] = useState(false);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [streaming, setStreaming] = useState(false);
  const controller = useRef<AbortController | null>(null);
  const callbacks = useRef(options);
  callbacks.current = options;

  // Load the history whenever the session changes (a reload restores the conversation).
  useEffect(() => {
    controller.current?.abort();
    setMessages([]);
    setLoadError(null);
    if (!sessionId) return;
    let cancelled = false;
    setLoading(true);
    api
      .history(sessionId)
      .then((h) => !cancelled && setMessages(h.messages.map(fromHistory)))
      .catch((e) => {
        if (cancelled) return;
        // 404: a session not started yet (or not ours): an empty conversation.
        if (!(e instanceof ApiError && e.status === 404)) setLoadError(errorMessage(e));
      })
      .finally(() => !cancelled && setLoading(false));
    return () => {
      cancelled = true;
    };
  }, [sessionId]);

  useEffect(() => () => controller.current?.abort(), []);

  const updateBot = useCallback((key: string, update: (m: ChatMessage) => ChatMessage) => {
    setMessages((list) => list.map((m) => (m.key === key ? update(m) : m)));
  }, []);

  const send = useCallback(
    async (text: string) => {
      const question = text.trim();
      if (!question || !assistantId || !sessionId || controller.current) return;
      const abort = new AbortController();
      controller.current = abort;
      const bot = pendingBotMessage();
      setMessages((list) => [...list, userMessage(question), bot]);
      setStreaming(true);

      // Tokens arrive faster than the screen refreshes: apply them once per frame.
      let queue: ChatEvent[] = [];
      let scheduled = false;
      const flush = () => {
        scheduled = false;
        const batch = queue;
        queue = [];
        if (batch.length) updateBot(bot.key, (m) => batch.reduce(applyEvent, m));
      };
      const enqueue = (event: ChatEvent) => {
        queue.push(event);
        if (!scheduled) {
          scheduled = true;
          nextFrame(flush);
        }
      };

      try {
        const response = await openChatStream(
          { message: question, assistant_id: assistantId, session_id: sessionId, ...(language ? { language } : {}) },
          abort.signal,
        );
        if (!response.body) throw new Error("The server sent no answer");
        for await (const event of readEvents(response.body, formatOf(response.headers.get("content-type")))) {
          if (event.type === "start") callbacks.current.onSessionStarted(sessionId, question);
          enqueue(event);
        }
        flush();
        updateBot(bot.key, finishUnterminated);
      } catch (error) {
        flush();
        if (abort.signal.aborted) {
          updateBot(bot.key, (m) => ({
            ...m,
            status: "stopped",
            steps: m.steps.map((s) => (s.status === "running" ? { ...s, status: "error" } : s)),
          }));
        } else if (error instanceof ApiError && error.status === 401) {
          updateBot(bot.key, (m) => ({
            ...m,
            status: "error",
            error: { code: error.code, message: "Log in to chat with this assistant." },
          }));
          callbacks.current.onAuthRequired();
        } else {
          updateBot(bot.key, (m) => ({
            ...m,
            status: "error",
            error: {
              code: error instanceof ApiError ? error.code : "network_error",
              message: errorMessage(error) || "The answer could not be loaded.",
            },
          }));
        }
      } finally {
        controller.current = null;
        setStreaming(false);
        callbacks.current.onAnswered();
      }
    },
    [assistantId, sessionId, language, updateBot],
  );

  const stop = useCallback(() => controller.current?.abort(), []);

  const retry = useCallback(() => {
    if (controller.current) return;
    const lastUser = [...messages].reverse().find((m) => m.role === "user");
    if (!lastUser) return;
    const index = messages.lastIndexOf(lastUser);
    setMessages(messages.slice(0, index));
    void send(lastUser.text);
  }, [messages, send]);

  const reset = useCallback(async () => {
    controller.current?.abort();
    if (!sessionId) return;
    try {
      await api.resetChat(sessionId);
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 404)) throw e;
    }
    setMessages([]);
  }, [sessionId]);

  return { messages, loading, loadError, streaming, send, stop, retry, reset };
}
