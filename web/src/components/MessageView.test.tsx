import { fireEvent, render, screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { pendingBotMessage, type ChatMessage } from "../chat/state";
import { MessageView } from "./MessageView";

const bot = (fields: Partial<ChatMessage>): ChatMessage => ({ ...pendingBotMessage(), status: "done", ...fields });

function renderMessage(message: ChatMessage, handlers: Partial<Record<"onRetry" | "onCite" | "onShowSources", () => void>> = {}) {
  return render(
    <MessageView
      message={message}
      canRetry
      sourcesShown={false}
      onRetry={handlers.onRetry ?? vi.fn()}
      onCite={handlers.onCite ?? vi.fn()}
      onShowSources={handlers.onShowSources ?? vi.fn()}
    />,
  );
}

describe("MessageView", () => {
  it("links citations to the sources", () => {
    const onCite = vi.fn();
    renderMessage(
      bot({
        text: "Zebras are striped [1].",
        sources: [{ id: "c", name: "z.pdf", type: "pdf", content: "z", metadata: {} }],
      }),
      { onCite },
    );
    fireEvent.click(screen.getByRole("link", { name: "Source 1" }));
    expect(onCite).toHaveBeenCalledWith(1);
    expect(screen.getByRole("button", { name: /1 source/ })).toBeTruthy();
  });

  it("never injects HTML from the answer", () => {
    const { container } = renderMessage(bot({ text: "<img src=x onerror=alert(1)> **bold**" }));
    expect(container.querySelector("img")).toBeNull();
    expect(container.querySelector("strong")?.textContent).toBe("bold");
  });

  it("shows an answer that obeyed an injected document as text, running nothing", () => {
    const text =
      'Done. <script>window.__pwned = 1</script> <img src=x onerror="window.__pwned = 2"> ' +
      '<svg onload="window.__pwned = 4"></svg> [details](javascript:window.__pwned=3) [1]';
    const { container } = renderMessage(
      bot({ text, sources: [{ id: "c", name: "refunds.md", type: "md", content: "r", metadata: {} }] }),
    );
    const answer = container.querySelector(".markdown") as HTMLElement; // the app's own icons are SVG
    expect(answer.querySelector("script, img, svg, iframe, object, embed, style")).toBeNull();
    const attributes = [...container.querySelectorAll("*")].flatMap((el) => el.getAttributeNames());
    expect(attributes.filter((name) => name.startsWith("on"))).toEqual([]);
    expect(container.querySelector('a[href^="javascript"]')).toBeNull();
    expect(answer.textContent).toContain('<img src=x onerror="window.__pwned = 2">');
    expect((window as unknown as { __pwned?: number }).__pwned).toBeUndefined();
    expect(screen.getByRole("link", { name: "Source 1" })).toBeTruthy();
  });

  it("shows a stream error inline with a retry button", () => {
    const onRetry = vi.fn();
    renderMessage(bot({ text: "Partial", status: "error", error: { code: "model_error", message: "The model failed" } }), { onRetry });
    expect(screen.getByRole("alert").textContent).toContain("The model failed");
    expect(screen.getByText("Partial")).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: /Retry/ }));
    expect(onRetry).toHaveBeenCalled();
  });

  it("shows the SQL (collapsed) and switches the chart to its table", () => {
    renderMessage(
      bot({
        text: "Here are the sales.",
        sql: "SELECT region, SUM(amount) FROM sales GROUP BY region",
        visualization: { viz_type: "kpi", title: "Total", series: [42], labels: ["Total"] },
      }),
    );
    const sqlToggle = screen.getByRole("button", { name: /SQL query/ });
    expect(screen.queryByText(/SELECT region/)).toBeNull();
    fireEvent.click(sqlToggle);
    expect(screen.getByText(/SELECT region/)).toBeTruthy();
    expect(screen.getByRole("group", { name: "Total" }).textContent).toContain("42");
    fireEvent.click(screen.getByRole("button", { name: "Table" }));
    expect(screen.getByRole("table")).toBeTruthy();
  });
});
