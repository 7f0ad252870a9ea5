import { useId, useState, type FormEvent } from "react";
import { useAuth } from "../lib/auth";
import { useAction } from "../lib/useAction";
import { ErrorText } from "./Feedback";

interface Props {
  title?: string;
  reason?: string;
  onDone?: () => void;
}

/** Log in (or create an account: the first one on an empty instance becomes admin). */
export function LoginForm({ title = "Log in", reason, onDone }: Props) {
  const { login, register } = useAuth();
  const [mode, setMode] = useState<"login" | "register">("login");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [name, setName] = useState("");
  const { busy, error, run, setError } = useAction();
  const id = useId();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      if (mode === "login") await login(email, password);
      else await register(email, password, name);
      onDone?.();
    });
  };

  return (
    <form className="card login-form" onSubmit={submit} aria-labelledby={`${id}-title`}>
      <h1 id={`${id}-title`}>{mode === "login" ? title : "Create an account"}</h1>
      {reason && <p className="muted">{reason}</p>}
      <div className="field">
        <label htmlFor={`${id}-email`}>E-mail</label>
        <input
          id={`${id}-email`}
          type="email"
          autoComplete="username"
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
        />
      </div>
      {mode === "register" && (
        <div className="field">
          <label htmlFor={`${id}-name`}>Name (optional)</label>
          <input id={`${id}-name`} autoComplete="name" value={name} onChange={(e) => setName(e.target.value)} />
        </div>
      )}
      <div className="field">
        <label htmlFor={`${id}-password`}>Password</label>
        <input
          id={`${id}-password`}
          type="password"
          autoComplete={mode === "login" ? "current-password" : "new-password"}
          required
          minLength={mode === "register" ? 8 : undefined}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
      </div>
      <ErrorText error={error} />
      <div className="form-actions">
        <button type="submit" className="button primary" disabled={busy}>
          {mode === "login" ? "Log in" : "Create account"}
        </button>
        <button
          type="button"
          className="link-button"
          onClick={() => {
            setMode(mode === "login" ? "register" : "login");
            setError(null);
          }}
        >
          {mode === "login" ? "Create an account" : "I have an account"}
        </button>
      </div>
    </form>
  );
}
