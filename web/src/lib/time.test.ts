import { describe, expect, it } from "vitest";
import { duration, exactTime, relativeTime } from "./time";

const NOW = Date.parse("2024-05-01T12:00:00Z");
const before = (ms: number) => new Date(NOW - ms).toISOString();

describe("relativeTime", () => {
  it("says how long ago, in the largest whole unit", () => {
    expect(relativeTime(before(3_000), NOW)).toBe("just now");
    expect(relativeTime(before(42_000), NOW)).toBe("42 s ago");
    expect(relativeTime(before(2 * 60_000 + 5_000), NOW)).toBe("2 min ago");
    expect(relativeTime(before(3 * 3_600_000), NOW)).toBe("3 h ago");
    expect(relativeTime(before(2 * 86_400_000), NOW)).toBe("2 d ago");
  });

  it("says how long until a time still to come, and passes through what is not a time", () => {
    expect(relativeTime(before(-30_000), NOW)).toBe("in 30 s");
    expect(relativeTime("soon", NOW)).toBe("soon");
    expect(exactTime("soon")).toBe("soon");
  });
});

describe("duration", () => {
  it("is coarse, so a live region showing it changes at most once a minute", () => {
    expect(duration(-5)).toBe("under a minute");
    expect(duration(59_000)).toBe("under a minute");
    expect(duration(5 * 60_000 + 59_000)).toBe("5 min");
    expect(duration(2 * 3_600_000 + 10 * 60_000)).toBe("2 h 10 min");
    expect(duration(3_600_000)).toBe("1 h");
    expect(duration(3 * 86_400_000)).toBe("3 d");
  });
});
