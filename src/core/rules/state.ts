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
  /** `/v1/embeddings` inputs so far, and the line that first went past the provider's cap. */
  embeddingInputs: number;
  embeddingInputsOverAt?: number;
  /** A host's cap on `custom_id` length (limits.maxCustomIdLength), with the host's name for messages. */
  customIdLimit?: { max: number; label: string };
}

export function newFileState(provider: ProviderId, ids: RequestIds = new ExactIds()): FileState {
  return { provider, ids, embeddingInputs: 0 };
}
