import { afterEach, describe, expect, it } from "vitest";
import { ConfigError, findScript, readConfig } from "./config";

function scriptTag(attrs: Record<string, string>): HTMLScriptElement {
  const script = document.createElement("script");
  for (const [name, value] of Object.entries(attrs)) script.setAttribute(name, value);
  document.body.append(script);
  return script;
}

afterEach(() => document.body.replaceChildren());

describe("readConfig", () => {
  it("reads the assistant, key, theme and title from the data- attributes", () => {
    const script = scriptTag({
      src: "https://askwell.example:8443/widget.js?v=3",
      "data-assistant": "as_123",
      "data-key": "ak_widget_secret",
      "data-theme": "dark",
      "data-title": "Ask the shop",
    });
    expect(readConfig(script)).toEqual({
      apiBase: "https://askwell.example:8443", // the script's origin, not the page's
      assistantId: "as_123",
      apiKey: "ak_widget_secret",
      theme: "dark",
      title: "Ask the shop",
    });
  });

  it("defaults the theme to auto (also for an unknown one) and has a title of its own", () => {
    const config = readConfig(
      scriptTag({ src: "/widget.js", "data-assistant": "a", "data-key": "k", "data-theme": "purple" }),
    );
    expect(config.theme).toBe("auto");
    expect(config.title).toBe("Ask a question");
    expect(config.apiBase).toBe(new URL(document.baseURI).origin); // a relative src: the page's origin
  });

  it("says which attribute is missing", () => {
    expect(() => readConfig(scriptTag({ src: "/widget.js", "data-key": "k" }))).toThrow(
      new ConfigError('The Askwell widget needs data-assistant="<assistant id>"'),
    );
    expect(() => readConfig(scriptTag({ src: "/widget.js", "data-assistant": "a" }))).toThrow(/data-key/);
  });
});

describe("findScript", () => {
  it("finds the widget's script tag by its src and data-assistant", () => {
    scriptTag({ src: "/other.js", "data-assistant": "nope" });
    const widget = scriptTag({ src: "https://askwell.example/widget.js", "data-assistant": "a", "data-key": "k" });
    expect(findScript()).toBe(widget);
  });
});
