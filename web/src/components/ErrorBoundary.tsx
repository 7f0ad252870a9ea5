import { Component, type ErrorInfo, type ReactNode } from "react";

/** A rendering bug shows a message and a way out instead of a blank page. */
export class ErrorBoundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  state = { error: null as Error | null };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  componentDidCatch(error: Error, info: ErrorInfo) {
    console.error("Askwell UI error", error, info.componentStack);
  }

  render() {
    if (!this.state.error) return this.props.children;
    return (
      <div className="page-message" role="alert">
        <h1>Something went wrong on this page</h1>
        <p className="muted">{this.state.error.message}</p>
        <button type="button" className="button primary" onClick={() => window.location.assign("/")}>
          Back to the start
        </button>
      </div>
    );
  }
}
