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

// What a model obeying an injected document may write: every piece must arrive as text.
const HOSTILE = [
  '<script>window.__pwned = 1</script> <img src=x onerror="window.__pwned = 2"> [details](javascript:window.__pwned=3)',
  "<svg onload=alert(1)><circle r=5 /></svg>",
  '<iframe src="https://evil.example"></iframe>',
  '<a href="javascript:alert(1)">raw link</a>',
  "<details open ontoggle=alert(1)><summary>x</summary></details>",
  "<style>body{display:none}</style>",
  "[x](JaVaScRiPt:alert(1)) [y](vbscript:msgbox(1)) [z](data:text/html;base64,PHNjcmlwdD4=)",
  "[x](javascript&#58;alert(1)) [y](java\nscript:alert(1)) <javascript:alert(1)>",
  '[title](https://example.org "x\" onmouseover=\"alert(1)")',
  "[1](javascript:alert(1)) and [2]: see [ 3 ] and [1, 9].",
  "| a | b |\n|---|---|\n| <img src=x onerror=alert(1)> | `<script>` |",
  "```html\n<script>alert(1)</script>\n```",
  "> <b onclick=alert(1)>quoted</b>",
  "![x](x onerror=alert(1)) ![y](javascript:alert(1))",
];
const ALLOWED_TAGS = new Set([
  "p", "a", "strong", "em", "code", "pre", "ul", "ol", "li", "div", "table", "thead", "tbody", "tr",
  "th", "td", "blockquote", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "s",
]);

function tags(html: string): { name: string; attrs: string }[] {
  return [...html.matchAll(/<\/?([a-zA-Z][\w-]*)([^>]*)>/g)].map((m) => ({ name: m[1].toLowerCase(), attrs: m[2] }));
}

describe("renderMarkdown with hostile answers", () => {
  it.each(HOSTILE)("renders %j as text, with no element or attribute that runs code", (text) => {
    const html = renderMarkdown(text, 2);
    for (const tag of tags(html)) {
      expect(ALLOWED_TAGS, `<${tag.name}> in ${html}`).toContain(tag.name);
      expect(tag.attrs, html).not.toMatch(/\son\w+\s*=/i);
      expect(tag.attrs, html).not.toMatch(/\sstyle\s*=/i);
      for (const [, href] of tag.attrs.matchAll(/href="([^"]*)"/g)) {
        expect(href, html).toMatch(/^(https?:|mailto:|#source-\d+$)/);
      }
    }
  });

  it("keeps the injected markup visible as text", () => {
    const html = renderMarkdown(HOSTILE[0]);
    expect(html).toContain("&lt;script&gt;window.__pwned = 1&lt;/script&gt;");
    expect(html).toContain("&lt;img src=x onerror=&quot;window.__pwned = 2&quot;&gt;");
    expect(html).not.toContain('href="javascript');
  });

  it("links only the citations that name a source, spaced or not", () => {
    const html = renderMarkdown(HOSTILE[9], 2);
    expect(html).toContain('data-cite="2"');
    expect(html).not.toContain('data-cite="3"');
    expect(html).not.toContain('data-cite="9"');
  });
});
