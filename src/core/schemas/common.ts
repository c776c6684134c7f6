import { z } from 'zod';

/** Token caps: whole numbers above zero. `null` is what SDKs send for "unset". */
export const TokenCount = z.number().int().positive().nullish();
/** A type check only; the range is a warning rule (providers clamp or reject differently). */
export const Temperature = z.number().nullish();
