// What the embedding page says in the script tag: which assistant, which (widget) key, and
// optionally the theme and title. The API is the origin the script was loaded from.

export type Theme = "light" | "dark" | "auto";

export interface WidgetConfig {
  apiBase: string;
  assistantId: string;
  apiKey: string;
  theme: Theme;
  title: string;
}

export class ConfigError extends Error {}

export function readConfig(script: HTMLScriptElement): WidgetConfig {
  const { assistant, key, theme, title } = script.dataset;
  if (!assistant) throw new ConfigError('The Askwell widget needs data-assistant="<assistant id>"');
  if (!key) throw new ConfigError('The Askwell widget needs data-key="<widget key>"');
  return {
    apiBase: new URL(script.src, document.baseURI).origin,
    assistantId: assistant,
    apiKey: key,
    theme: theme === "light" || theme === "dark" ? theme : "auto",
    title: title || "Ask a question",
  };
}

/** The script tag that loaded the widget: currentScript while it runs (classic and defer). */
export function findScript(): HTMLScriptElement | null {
  const current = document.currentScript;
  if (current instanceof HTMLScriptElement && current.dataset.assistant) return current;
  return document.querySelector<HTMLScriptElement>('script[src*="widget.js"][data-assistant]');
}
