/**
 * A new chat session id (the contract: 8..128 chars of [A-Za-z0-9_-]).
 * crypto.getRandomValues works on plain-http hosts too, unlike crypto.randomUUID.
 */
export function newSessionId(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return `s-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

export const SESSION_ID = /^[A-Za-z0-9_-]{8,128}$/;
