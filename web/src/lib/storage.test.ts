import { describe, expect, it } from "vitest";
import { anonymousSessions, customTitle, hiddenSessions, hideSession, rememberAnonymousSession, setCustomTitle } from "./storage";

describe("this browser's sessions", () => {
  it("keeps the first question as the title and lists the most recent first", async () => {
    rememberAnonymousSession({ id: "s-aaaaaaaa", assistant_id: "a", title: "First question" });
    await new Promise((r) => setTimeout(r, 5));
    rememberAnonymousSession({ id: "s-bbbbbbbb", assistant_id: "a", title: "Other" });
    await new Promise((r) => setTimeout(r, 5));
    rememberAnonymousSession({ id: "s-aaaaaaaa", assistant_id: "a", title: "Second question" });
    rememberAnonymousSession({ id: "s-cccccccc", assistant_id: "b", title: "Elsewhere" });
    expect(anonymousSessions("a").map((s) => [s.id, s.title])).toEqual([
      ["s-aaaaaaaa", "First question"],
      ["s-bbbbbbbb", "Other"],
    ]);
  });

  it("remembers renamed titles and deleted sessions", () => {
    setCustomTitle("s-aaaaaaaa", "Renamed");
    expect(customTitle("s-aaaaaaaa")).toBe("Renamed");
    setCustomTitle("s-aaaaaaaa", null);
    expect(customTitle("s-aaaaaaaa")).toBeUndefined();
    hideSession("s-dddddddd");
    expect(hiddenSessions().has("s-dddddddd")).toBe(true);
  });
});
