import { UsageError, type CliIO } from '../io';

// Placeholder replaced by the feature that owns this command.
export async function run(_argv: string[], _io: CliIO): Promise<number> {
  throw new UsageError('validate is not available yet');
}
