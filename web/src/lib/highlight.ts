// Which words of a passage the answer cited: the words of each answer sentence that
// carries [n] are highlighted in source n.

const STOPWORDS = new Set(
  (
    "the and for are but not you all any can had her was one our out has his how its may new now " +
    "see two way who did get let say she too use that with have this will your from they been were " +
    "what when which their there about would these other into more some than then them also only " +
    "does such most very just over each like where while here many much should could being those " +
    "le la les des une est pour que qui dans par sur avec pas der die das und ist mit von den"
  ).split(" "),
);

const WORD = /[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu;
const CITE = /\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]/g;

function terms(text: string): string[] {
  return (text.match(WORD) ?? [])
    .map((w) => w.toLowerCase())
    .filter((w) => w.length >= 3 && !STOPWORDS.has(w) && !/^\d{1,2}$/.test(w));
}

/** Source number -> the words of the sentences citing it. */
export function citedTerms(answer: string): Map<number, Set<string>> {
  const result = new Map<number, Set<string>>();
  const sentences = answer.split(/(?<=[.!?;:])\s+|\n+/);
  let previous = "";
  for (const sentence of sentences) {
    const numbers = [...sentence.matchAll(CITE)].flatMap((m) => m[1].split(",").map((n) => Number(n.trim())));
    const bare = sentence.replace(CITE, " ");
    // "Zebras are striped. [1]": the citation alone belongs to the sentence before it.
    const words = terms(bare).length ? terms(bare) : terms(previous);
    for (const n of numbers) {
      const set = result.get(n) ?? new Set<string>();
      words.forEach((w) => set.add(w));
      result.set(n, set);
    }
    if (terms(bare).length) previous = bare;
  }
  return result;
}

export interface Segment {
  text: string;
  mark: boolean;
}

function matches(word: string, wanted: Set<string>): boolean {
  const w = word.toLowerCase();
  if (wanted.has(w)) return true;
  // Cheap plural / possessive tolerance: "zebra" matches "zebras" and "zebra's".
  const stem = w.replace(/('s|’s|es|s)$/, "");
  return stem.length >= 3 && (wanted.has(stem) || wanted.has(`${stem}s`) || wanted.has(`${stem}es`));
}

/** The passage cut into plain and highlighted pieces. */
export function highlightSegments(passage: string, wanted: Set<string> | undefined): Segment[] {
  if (!wanted || wanted.size === 0) return [{ text: passage, mark: false }];
  const segments: Segment[] = [];
  let last = 0;
  for (const match of passage.matchAll(WORD)) {
    const start = match.index ?? 0;
    if (!matches(match[0], wanted)) continue;
    const gap = passage.slice(last, start);
    const prev = segments[segments.length - 1];
    // Marked words separated only by spaces read as one phrase.
    if (prev?.mark && /^\s*$/.test(gap)) {
      prev.text += gap + match[0];
    } else {
      if (gap) segments.push({ text: gap, mark: false });
      segments.push({ text: match[0], mark: true });
    }
    last = start + match[0].length;
  }
  if (last < passage.length) segments.push({ text: passage.slice(last), mark: false });
  return segments;
}
