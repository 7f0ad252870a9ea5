// Markdown for answers: markdown-it with raw HTML disabled (it is escaped, never injected),
// no remote images, links that open in a new tab, and [n] citations that link to sources.
import MarkdownIt from "markdown-it";

const md = new MarkdownIt({ html: false, linkify: true, typographer: false, breaks: false });
md.disable("image"); // an answer must not make the browser fetch from anywhere

const CITATION = /^\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\](?!\()/;

md.inline.ruler.before("link", "citation", (state, silent) => {
  if (state.src.charCodeAt(state.pos) !== 0x5b /* [ */) return false;
  const match = CITATION.exec(state.src.slice(state.pos));
  if (!match) return false;
  const count = Number((state.env as RenderEnv).sourceCount ?? 0);
  const numbers = match[1].split(",").map((n) => Number(n.trim()));
  if (!numbers.every((n) => n >= 1 && n <= count)) return false;
  if (!silent) {
    const token = state.push("citation", "", 0);
    token.meta = { numbers };
  }
  state.pos += match[0].length;
  return true;
});

md.renderer.rules.citation = (tokens, idx) =>
  (tokens[idx].meta.numbers as number[])
    .map(
      (n) =>
        `<a class="cite" href="#source-${n}" data-cite="${n}" aria-label="Source ${n}" title="Show source ${n}">[${n}]</a>`,
    )
    .join("");

const defaultLinkOpen =
  md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  tokens[idx].attrSet("target", "_blank");
  tokens[idx].attrSet("rel", "noopener noreferrer nofollow");
  return defaultLinkOpen(tokens, idx, options, env, self);
};
md.renderer.rules.table_open = () => '<div class="md-table" tabindex="0"><table>\n';
md.renderer.rules.table_close = () => "</table></div>\n";

export interface RenderEnv {
  sourceCount?: number;
}

export function renderMarkdown(text: string, sourceCount = 0): string {
  const env: RenderEnv = { sourceCount };
  return md.render(text, env);
}
