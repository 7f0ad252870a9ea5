// @vitest-environment node
import { describe, expect, it } from "vitest";
import { renderMarkdown } from "./markdown";

describe("renderMarkdown", () => {
  it("escapes raw HTML instead of injecting it", () => {
    const html = renderMarkdown('Hi <script>alert(1)</script> <img src=x onerror="alert(2)">');
    expect(html).not.toContain("<script");
    expect(html).not.toContain("<img");
    expect(html).toContain("&lt;script&gt;");
  });

  it("refuses javascript: links and remote images", () => {
    const html = renderMarkdown("[click](javascript:alert(1)) ![pic](http://example.org/x.png)");
    expect(html).not.toContain('href="javascript');
    expect(html).not.toContain("<img");
  });

  it("opens links in a new tab without opener", () => {
    const html = renderMarkdown("[docs](https://example.org/docs)");
    expect(html).toContain('target="_blank"');
    expect(html).toContain('rel="noopener noreferrer nofollow"');
  });

  it("renders code blocks and tables", () => {
    const html = renderMarkdown("```sql\nSELECT 1;\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n");
    expect(html).toContain('<code class="language-sql">SELECT 1;');
    expect(html).toContain('<div class="md-table"');
    expect(html).toContain("<td>2</td>");
  });

  it("links citations that name a source, and only those", () => {
    const html = renderMarkdown("Zebras have stripes [1]. Also [2, 3]. Not [7] nor [x].", 3);
    expect(html).toContain('data-cite="1"');
    expect(html).toContain('data-cite="2"');
    expect(html).toContain('data-cite="3"');
    expect(html).not.toContain('data-cite="7"');
    expect(html).toContain("[7]");
  });

  it("leaves citations as text when there are no sources, and keeps real links", () => {
    expect(renderMarkdown("See [1].", 0)).not.toContain("data-cite");
    expect(renderMarkdown("[1](https://example.org)", 2)).toContain('href="https://example.org"');
  });
});
