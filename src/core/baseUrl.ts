/**
 * What is wrong with a provider base URL, or undefined when it can be used. Credentials in it
 * (`http://user:secret@host/v1`) are refused: the URL is stored in job files and shown in tooltips and logs, so a
 * secret in it would leak; the problem text never repeats the URL.
 */
export function baseUrlProblem(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return 'is not a URL: write it as http://host:port/v1 or https://host/v1';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must start with http:// or https://';
  if (url.username || url.password) {
    return 'must not carry a user name or password (user:secret@host): it would be saved in the job files; give the API key in its environment variable (the CLI) or with "Batchwise: Set API Key" (VS Code) instead';
  }
  return undefined;
}
