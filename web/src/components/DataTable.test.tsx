import { fireEvent, render, screen, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { DataTable } from "./DataTable";

const rows = Array.from({ length: 23 }, (_, i) => [`region ${i + 1}`, (i * 7) % 23]);

function bodyCells(column: number): string[] {
  return screen
    .getAllByRole("row")
    .slice(1)
    .map((row) => within(row).getAllByRole("cell")[column].textContent ?? "");
}

describe("DataTable", () => {
  it("pages through rows", () => {
    render(<DataTable table={{ columns: ["region", "sales"], rows, row_count: 23, truncated: false }} caption="Sales" />);
    expect(screen.getAllByRole("row")).toHaveLength(11);
    expect(screen.getByText("Rows 1–10 of 23")).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Next page" }));
    fireEvent.click(screen.getByRole("button", { name: "Next page" }));
    expect(screen.getByText("Rows 21–23 of 23")).toBeTruthy();
    expect((screen.getByRole("button", { name: "Next page" }) as HTMLButtonElement).disabled).toBe(true);
  });

  it("sorts by a column, ascending then descending", () => {
    render(<DataTable table={{ columns: ["region", "sales"], rows, row_count: 23, truncated: false }} caption="Sales" />);
    const header = screen.getByRole("button", { name: /sales/ });
    fireEvent.click(header);
    expect(header.closest("th")?.getAttribute("aria-sort")).toBe("ascending");
    expect(bodyCells(1).slice(0, 3)).toEqual(["0", "1", "2"]);
    fireEvent.click(header);
    expect(header.closest("th")?.getAttribute("aria-sort")).toBe("descending");
    expect(bodyCells(1)[0]).toBe("22");
  });

  it("downloads every row as CSV and says when rows were cut", async () => {
    const createObjectURL = vi.fn(() => "blob:x");
    URL.createObjectURL = createObjectURL;
    URL.revokeObjectURL = vi.fn();
    const click = vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(() => {});
    render(<DataTable table={{ columns: ["region", "sales"], rows, row_count: 500, truncated: true }} caption="Sales" fileName="sales.csv" />);
    expect(screen.getByText(/the query returned 500/)).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: /CSV/ }));
    expect(click).toHaveBeenCalled();
    const blob = (createObjectURL.mock.calls[0] as unknown[])[0] as Blob;
    const text = await blob.text();
    expect(text.split("\r\n")).toHaveLength(25); // header + 23 rows + trailing newline
  });
});
