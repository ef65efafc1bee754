import { Component, type ErrorInfo, type ReactNode } from 'react';

interface Props {
  /** What this boundary guards, in the user's words ("this cell's output"). */
  what: string;
  children: ReactNode;
  /** Changing this clears a caught error (e.g. a new result arrived). */
  resetKey?: unknown;
}

interface State {
  error: Error | null;
  resetKey: unknown;
}

/** One bad render stays inside its box instead of blanking the app. */
export class ErrorBoundary extends Component<Props, State> {
  override state: State = { error: null, resetKey: this.props.resetKey };

  static getDerivedStateFromError(error: Error): Partial<State> {
    return { error };
  }

  static getDerivedStateFromProps(props: Props, state: State): Partial<State> | null {
    if (props.resetKey !== state.resetKey) return { error: null, resetKey: props.resetKey };
    return null;
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error(`Lakebench: ${this.props.what} failed to render`, error, info.componentStack);
  }

  override render(): ReactNode {
    if (!this.state.error) return this.props.children;
    return (
      <div className="render-error" role="alert">
        <strong>{this.props.what} could not be shown.</strong> {this.state.error.message}
        <button className="btn btn-small" onClick={() => this.setState({ error: null })}>
          Try again
        </button>
      </div>
    );
  }
}
