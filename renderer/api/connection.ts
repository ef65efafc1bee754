/** What the status bar shows about the link to the Lakebench host. */
export type ConnectionMode = 'desktop' | 'browser';
export type ConnectionState = 'connecting' | 'connected' | 'reconnecting';

export interface ConnectionStatus {
  mode: ConnectionMode;
  state: ConnectionState;
  /** Why the last connection ended, when it did. */
  detail?: string;
}

/** Transports that can lose their link report it through this. */
export interface ConnectionReporter {
  getStatus(): ConnectionStatus;
  onStatus(listener: (status: ConnectionStatus) => void): () => void;
}
