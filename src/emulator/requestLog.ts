/**
 * One line per request. Only the method, the path (never the query string, where Gemini may carry `key=`),
 * the status and the duration: headers and bodies, which hold API keys and prompts, are never logged.
 */
export function requestLogLine(method: string, path: string, status: number, ms: number, note?: string): string {
  return `${new Date().toISOString()} ${method} ${path} ${status} ${ms}ms${note ? ` (${note})` : ''}`;
}
