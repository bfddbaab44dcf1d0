/** Direct Platform API calls (for bad-input tests and assertions the CLI does not expose). */
export async function api(
  baseUrl: string,
  token: string | null,
  method: string,
  urlPath: string,
  body?: unknown,
  headers: Record<string, string> = {},
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests index freely into API answers
): Promise<{ status: number; json: any; headers: Headers }> {
  const res = await fetch(new URL(urlPath, baseUrl), {
    method,
    headers: {
      Accept: 'application/vnd.heroku+json; version=3',
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = text;
  }
  return { status: res.status, json, headers: res.headers };
}
