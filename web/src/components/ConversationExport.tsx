// "Export" in the chat toolbar: the conversation as Markdown or JSON, fetched with the
// reader's token (a plain link would be refused) and saved as the server names it.
import { useState } from "react";
import { api } from "../api/client";
import type { ConversationExportFormat } from "../api/types";
import { saveBlob } from "../lib/download";
import { useAction } from "../lib/useAction";
import { ErrorText } from "./Feedback";
import { IconDownload } from "./Icons";

const FORMATS: [ConversationExportFormat, string][] = [
  ["markdown", "Markdown"],
  ["json", "JSON"],
];

export function ConversationExport({ sessionId, disabled }: { sessionId: string | null; disabled: boolean }) {
  const [open, setOpen] = useState(false);
  const action = useAction();

  const exportAs = (format: ConversationExportFormat) =>
    action.run(async () => {
      if (!sessionId) return;
      const file = await api.exportConversation(sessionId, format);
      saveBlob(file.fileName, file.blob);
      setOpen(false);
    });

  return (
    <div className="export-menu">
      <button
        type="button"
        className="button small"
        aria-expanded={open}
        disabled={disabled || !sessionId}
        onClick={() => setOpen(!open)}
      >
        <IconDownload size={14} /> <span className="label-text">Export</span>
      </button>
      {open && (
        <div className="menu" role="group" aria-label="Export the conversation">
          {FORMATS.map(([format, label]) => (
            <button
              key={format}
              type="button"
              className="button small"
              disabled={action.busy}
              onClick={() => void exportAs(format)}
            >
              {label}
            </button>
          ))}
        </div>
      )}
      <ErrorText error={action.error} />
    </div>
  );
}
