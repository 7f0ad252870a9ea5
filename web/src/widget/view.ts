// The widget's DOM, in a shadow root. Every text from the server goes in as textContent,
// except the answer, which goes through the app's own Markdown renderer (raw HTML escaped,
// no images, [n] citations): the same rules as the main app.
import type { ChatEvent, Source } from "../api/types";
import { renderMarkdown } from "../lib/markdown";
import { buildTree, upsertStep, type StepNode, type StepTree } from "../lib/steps";
import type { Theme } from "./config";
import { STYLES } from "./styles";

function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  text?: string,
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, value);
  if (text !== undefined) el.textContent = text;
  return el;
}

const BUBBLE_ICON =
  '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" aria-hidden="true"><path d="M21 12a8 8 0 0 1-11.6 7.1L4 20l1-4.6A8 8 0 1 1 21 12Z"/></svg>';

/** One bot message as it streams: steps, then sources, then the answer's tokens. */
export class BotMessage {
  readonly el = h("div", { class: "msg bot", "data-role": "assistant" });
  private readonly stepsEl = h("ul", { class: "steps", "aria-label": "Steps" });
  private readonly answerEl = h("div", { class: "answer", "aria-live": "polite" });
  private readonly sourcesEl = h("details", { class: "sources" });
  private steps: StepNode[] = [];
  private sources: Source[] = [];
  text = "";

  constructor() {
    this.sourcesEl.hidden = true;
    this.el.append(this.stepsEl, this.answerEl, this.sourcesEl);
    this.answerEl.addEventListener("click", (event) => {
      const link = (event.target as Element).closest?.("a.cite") as HTMLAnchorElement | null;
      if (!link) return;
      event.preventDefault(); // never touch the host page's URL
      this.showSource(Number(link.dataset.cite));
    });
  }

  apply(event: ChatEvent): void {
    switch (event.type) {
      case "step":
        this.steps = upsertStep(this.steps, {
          id: event.step_id,
          parentId: event.parent_id ?? null,
          sequence: event.sequence,
          label: event.label,
          status: event.status,
          metadata: event.metadata ?? {},
        });
        this.renderSteps();
        break;
      case "sources":
        this.sources = event.sources;
        this.renderSources();
        this.renderAnswer();
        break;
      case "token":
        this.text += event.content;
        this.renderAnswer();
        break;
      case "error":
        this.fail(event.message);
        break;
      default:
        break; // sql, table and charts stay in the main app: the widget shows the answer text
    }
  }

  fail(message: string): void {
    this.el.append(h("div", { class: "error", role: "alert" }, message));
  }

  private renderSteps(): void {
    const items: HTMLLIElement[] = [];
    const walk = (nodes: StepTree[], depth: number) => {
      for (const node of nodes) {
        const li = h("li", { class: node.status }, node.label);
        li.style.paddingLeft = `${depth}em`;
        items.push(li);
        walk(node.children, depth + 1);
      }
    };
    walk(buildTree(this.steps), 0);
    this.stepsEl.replaceChildren(...items);
  }

  private renderAnswer(): void {
    this.answerEl.innerHTML = renderMarkdown(this.text, this.sources.length);
  }

  private renderSources(): void {
    this.sourcesEl.hidden = this.sources.length === 0;
    const list = h("ol", { class: "source-list" });
    this.sources.forEach((source, index) => {
      const li = h("li", { "data-source": String(index + 1) });
      const page = source.metadata?.page;
      li.append(
        h("span", { class: "name" }, `[${index + 1}] ${source.name}${page ? ` (p. ${page})` : ""}`),
        h("span", { class: "text" }, source.content),
      );
      list.append(li);
    });
    const count = this.sources.length;
    this.sourcesEl.replaceChildren(h("summary", {}, `${count} source${count === 1 ? "" : "s"}`), list);
  }

  private showSource(n: number): void {
    const item = this.sourcesEl.querySelector<HTMLElement>(`li[data-source="${n}"]`);
    if (!item) return;
    this.sourcesEl.open = true;
    item.classList.add("flash");
    item.scrollIntoView?.({ block: "nearest" }); // optional, as in the app: jsdom has none
  }
}

export interface WidgetView {
  root: HTMLElement;
  log: HTMLElement;
  input: HTMLTextAreaElement;
  send: HTMLButtonElement;
  form: HTMLFormElement;
  addUser(text: string): void;
  addBot(): BotMessage;
  addError(message: string): void;
}

export function mountView(host: HTMLElement, title: string, theme: Theme): WidgetView {
  // Open: the host page runs in the same realm anyway; CSS is what the root keeps out.
  const shadow = host.attachShadow({ mode: "open" });
  const style = h("style");
  style.textContent = STYLES;
  const root = h("div", { class: "root", part: "root" });
  const dark = window.matchMedia?.("(prefers-color-scheme: dark)");
  const applyTheme = () =>
    root.classList.toggle("dark", theme === "dark" || (theme === "auto" && Boolean(dark?.matches)));
  applyTheme();
  dark?.addEventListener?.("change", applyTheme);

  const panel = h("section", { class: "panel", role: "dialog", "aria-label": title });
  panel.hidden = true;
  const close = h("button", { type: "button", class: "close", "aria-label": "Close chat" }, "\u00d7");
  const header = h("header");
  header.append(h("span", {}, title), close);
  const log = h("div", { class: "log", role: "log" });
  const form = h("form");
  const input = h("textarea", { rows: "1", "aria-label": "Your question", placeholder: "Ask a question", maxlength: "8000" });
  const send = h("button", { type: "submit" }, "Send");
  form.append(input, send);
  panel.append(header, log, form);

  const launcher = h("button", { type: "button", class: "launcher", "aria-label": "Open chat", "aria-expanded": "false" });
  launcher.innerHTML = BUBBLE_ICON; // a constant, not server text
  const toggle = (open: boolean) => {
    panel.hidden = !open;
    root.classList.toggle("open", open);
    launcher.setAttribute("aria-expanded", String(open));
    if (open) input.focus();
  };
  launcher.addEventListener("click", () => toggle(panel.hidden));
  close.addEventListener("click", () => toggle(false));
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  root.append(panel, launcher);
  shadow.append(style, root);
  const scroll = () => (log.scrollTop = log.scrollHeight);
  return {
    root,
    log,
    input,
    send,
    form,
    addUser(text) {
      log.append(h("div", { class: "msg user", "data-role": "user" }, text));
      scroll();
    },
    addBot() {
      const bot = new BotMessage();
      log.append(bot.el);
      scroll();
      return bot;
    },
    addError(message) {
      log.append(h("div", { class: "error", role: "alert" }, message));
      scroll();
    },
  };
}
