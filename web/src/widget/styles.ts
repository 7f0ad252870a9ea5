// The widget's whole stylesheet, inside its shadow root: the host page's CSS cannot reach
// in, and this cannot leak out. Colours are custom properties so light and dark swap them.
export const STYLES = `
:host { all: initial; }
.root {
  --bg: #ffffff; --fg: #1d2430; --muted: #5b6575; --line: #d9dee7; --accent: #2f5bd3;
  --accent-fg: #ffffff; --bubble-user: #e9effc; --error-bg: #fdecec; --error-fg: #8a1c1c;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg);
  position: fixed; right: 20px; bottom: 20px; z-index: 2147483000;
}
.root.dark {
  --bg: #171b22; --fg: #e6e9ef; --muted: #a3adbd; --line: #2e3542; --accent: #7d9bff;
  --accent-fg: #10131a; --bubble-user: #25304a; --error-bg: #3a1d1f; --error-fg: #ffb4b4;
}
button { font: inherit; cursor: pointer; }
.launcher {
  width: 56px; height: 56px; border-radius: 50%; border: 0; background: var(--accent);
  color: var(--accent-fg); box-shadow: 0 4px 16px rgba(0,0,0,.25); display: grid; place-items: center;
}
.launcher svg { width: 26px; height: 26px; }
.panel {
  position: absolute; right: 0; bottom: 70px; width: 380px; max-width: calc(100vw - 40px);
  height: 560px; max-height: calc(100vh - 110px); background: var(--bg); color: var(--fg);
  border: 1px solid var(--line); border-radius: 14px; box-shadow: 0 12px 40px rgba(0,0,0,.25);
  display: flex; flex-direction: column; overflow: hidden;
}
.panel[hidden] { display: none; }
header { display: flex; align-items: center; justify-content: space-between; padding: 10px 14px;
  border-bottom: 1px solid var(--line); font-weight: 600; }
header button { background: none; border: 0; color: var(--muted); font-size: 20px; line-height: 1; }
.log { flex: 1; overflow-y: auto; padding: 12px 14px; display: flex; flex-direction: column; gap: 10px; }
.msg { max-width: 92%; overflow-wrap: anywhere; }
.msg.user { align-self: flex-end; background: var(--bubble-user); padding: 8px 12px; border-radius: 12px; white-space: pre-wrap; }
.msg.bot { align-self: flex-start; }
.steps { list-style: none; margin: 0 0 6px; padding: 0; color: var(--muted); font-size: 12px; }
.steps li::before { content: "\\2022  "; }
.steps li.done::before { content: "\\2713  "; }
.steps li.error { color: var(--error-fg); }
.answer p { margin: 0 0 8px; }
.answer pre { overflow-x: auto; background: var(--bubble-user); padding: 8px; border-radius: 8px; }
.answer a { color: var(--accent); }
.answer .md-table { overflow-x: auto; }
.answer table { border-collapse: collapse; } .answer td, .answer th { border: 1px solid var(--line); padding: 2px 6px; }
a.cite { text-decoration: none; font-size: 12px; vertical-align: super; }
.sources { margin: 6px 0 0; padding: 0; list-style: none; font-size: 12px; }
.sources summary { cursor: pointer; color: var(--muted); }
.sources li { border: 1px solid var(--line); border-radius: 8px; padding: 6px 8px; margin-top: 6px; }
.sources li.flash { border-color: var(--accent); }
.sources .name { font-weight: 600; }
.sources .text { color: var(--muted); display: block; max-height: 6em; overflow: hidden; }
.error { background: var(--error-bg); color: var(--error-fg); padding: 8px 12px; border-radius: 10px; }
form { display: flex; gap: 8px; padding: 10px; border-top: 1px solid var(--line); }
textarea { flex: 1; resize: none; font: inherit; color: var(--fg); background: var(--bg);
  border: 1px solid var(--line); border-radius: 10px; padding: 8px; min-height: 38px; max-height: 120px; }
form button { border: 0; border-radius: 10px; background: var(--accent); color: var(--accent-fg); padding: 0 14px; }
form button:disabled { opacity: .5; cursor: default; }
@media (max-width: 480px) {
  .root { right: 12px; bottom: 12px; }
  .panel { position: fixed; inset: 0; width: auto; max-width: none; height: auto; max-height: none; border-radius: 0; }
  .root.open .launcher { display: none; }
}
@media (prefers-reduced-motion: no-preference) { .launcher { transition: transform .15s; } .launcher:hover { transform: scale(1.05); } }
`;
