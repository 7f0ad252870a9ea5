// Steps arrive as flat events (sent on start and on each change); the history returns a
// tree. Both become StepNodes keyed by id, shown as a tree sorted by sequence.
import type { HistoryStep, StepMetadata, StepStatus } from "../api/types";

export interface StepNode {
  id: string;
  parentId: string | null;
  sequence: number;
  label: string;
  status: StepStatus;
  metadata: StepMetadata;
}

export interface StepTree extends StepNode {
  children: StepTree[];
}

export function upsertStep(steps: StepNode[], step: StepNode): StepNode[] {
  const index = steps.findIndex((s) => s.id === step.id);
  if (index === -1) return [...steps, step];
  const next = steps.slice();
  next[index] = { ...steps[index], ...step, metadata: { ...steps[index].metadata, ...step.metadata } };
  return next;
}

export function buildTree(steps: StepNode[]): StepTree[] {
  const nodes = new Map<string, StepTree>();
  steps.forEach((s) => nodes.set(s.id, { ...s, children: [] }));
  const roots: StepTree[] = [];
  for (const node of nodes.values()) {
    const parent = node.parentId ? nodes.get(node.parentId) : undefined;
    if (parent && parent !== node) parent.children.push(node);
    else roots.push(node);
  }
  const sort = (list: StepTree[]) => {
    list.sort((a, b) => a.sequence - b.sequence);
    list.forEach((n) => sort(n.children));
  };
  sort(roots);
  return roots;
}

/** The history's step tree, flattened. Steps without an id get one from their position. */
export function flattenHistorySteps(tree: HistoryStep[] | undefined): StepNode[] {
  const out: StepNode[] = [];
  const walk = (list: HistoryStep[], parentId: string | null, path: string) => {
    list.forEach((step, index) => {
      const id = String(step.step_id ?? step.id ?? `${path}${index}`);
      out.push({
        id,
        parentId,
        sequence: step.sequence ?? index,
        label: step.label ?? "Step",
        status: step.status ?? "done",
        metadata: step.metadata ?? {},
      });
      if (step.sub_steps?.length) walk(step.sub_steps, id, `${id}.`);
    });
  };
  walk(tree ?? [], null, "step-");
  return out;
}

export function formatDuration(ms: unknown): string {
  if (typeof ms !== "number" || !Number.isFinite(ms)) return "";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** One short line on what a step found or why it failed, from its metadata (empty if nothing to say). */
export function stepDetail(metadata: StepMetadata): string {
  const m = metadata as Record<string, unknown>;
  const parts: string[] = [];
  if (typeof m.error === "string" && m.error) parts.push(m.error);
  if (Array.isArray(m.repaired) && m.repaired.length) parts.push(`repaired ${m.repaired.join(", ")}`);
  if (typeof m.route === "string") parts.push(`route: ${m.route}`);
  if (typeof m.hits === "number") parts.push(plural(m.hits, "hit"));
  if (typeof m.sources === "number") parts.push(plural(m.sources, "source"));
  if (typeof m.rows === "number") parts.push(plural(m.rows, "row") + (m.truncated ? ", cut at the row limit" : ""));
  if (typeof m.tries === "number" && m.tries > 1) parts.push(`${m.tries} tries`);
  return parts.join(" · ");
}
