import type { ProviderId } from '../status';
import { ExactIds, type RequestIds } from './requestIds';

/** What the rules remember across lines of one file. */
export interface FileState {
  provider: ProviderId;
  /** The request ids seen so far, for the duplicate check. */
  ids: RequestIds;
  /** The file's endpoint and model: set by the first line that names them. */
  endpoint?: { value: string; line: number };
  model?: { value: string; line: number };
}

export function newFileState(provider: ProviderId, ids: RequestIds = new ExactIds()): FileState {
  return { provider, ids };
}
