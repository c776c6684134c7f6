import type { BatchwiseContext } from '../context';

// Placeholder replaced by the feature that owns this folder.
export function registerValidation(_ctx: BatchwiseContext): void {}
