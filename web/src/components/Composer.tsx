import { useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import { IconSend, IconStop } from "./Icons";

interface Props {
  streaming: boolean;
  disabled?: boolean;
  onSend: (text: string) => void;
  onStop: () => void;
}

export function Composer({ streaming, disabled, onSend, onStop }: Props) {
  const [text, setText] = useState("");
  const area = useRef<HTMLTextAreaElement>(null);

  const grow = () => {
    const el = area.current;
    if (!el) return;
    el.style.height = "auto";
    el.style.height = `${Math.min(el.scrollHeight, 200)}px`;
  };

  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    if (streaming || disabled || !text.trim()) return;
    onSend(text);
    setText("");
    requestAnimationFrame(grow);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submit();
    }
  };

  return (
    <div className="composer-bar">
    <form className="composer" onSubmit={submit}>
      <label htmlFor="composer-input" className="visually-hidden">
        Message
      </label>
      <span id="composer-hint" className="visually-hidden">
        Enter sends; Shift+Enter starts a new line.
      </span>
      <textarea
        id="composer-input"
        ref={area}
        rows={1}
        value={text}
        maxLength={8000}
        placeholder="Ask a question…"
        aria-describedby="composer-hint"
        disabled={disabled}
        onChange={(e) => {
          setText(e.target.value);
          grow();
        }}
        onKeyDown={onKeyDown}
      />
      {streaming ? (
        <button type="button" className="button danger" onClick={onStop}>
          <IconStop size={16} /> Stop
        </button>
      ) : (
        <button type="submit" className="button primary" disabled={disabled || !text.trim()}>
          <IconSend size={16} /> Send
        </button>
      )}
    </form>
    </div>
  );
}
