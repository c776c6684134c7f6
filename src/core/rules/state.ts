import type { ProviderId } from '../status';

/** What the rules remember across lines of one file. */
export interface FileState {
  provider: ProviderId;
  /** Request id -> the line that used it first. */
  ids: Map<string, number>;
  /** The file's endpoint and model: set by the first line that names them. */
  endpoint?: { value: string; line: number };
  model?: { value: string; line: number };
}

export function newFileState(provider: ProviderId): FileState {
  return { provider, ids: new Map() };
}
