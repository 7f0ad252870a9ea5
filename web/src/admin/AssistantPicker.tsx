// The "Assistant" select at the head of the admin sections that work on one assistant at a time.
import type { Assistant } from "../api/types";

export function AssistantPicker({
  id,
  assistants,
  value,
  onChange,
}: {
  id: string;
  assistants: Assistant[];
  value: string;
  onChange: (assistantId: string) => void;
}) {
  return (
    <div className="field inline">
      <label htmlFor={id}>Assistant</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
        {assistants.map((a) => (
          <option key={a.id} value={a.id}>
            {a.name}
          </option>
        ))}
      </select>
    </div>
  );
}
