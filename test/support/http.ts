/** Small fetch helpers for the e2e suites: JSON in, status + JSON out. */
export interface JsonResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export async function request<T = any>(
  url: string,
  init: { method?: string; headers?: Record<string, string>; json?: unknown; body?: string } = {},
): Promise<JsonResponse<T>> {
  const headers: Record<string, string> = { ...init.headers };
  let body = init.body;
  if (init.json !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = JSON.stringify(init.json);
  }
  const response = await fetch(url, { method: init.method ?? (body !== undefined ? 'POST' : 'GET'), headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // Not JSON: the raw text is what the test gets.
  }
  return { status: response.status, headers: response.headers, body: parsed as T };
}

/** The app-side Authorization header of a fixture user. */
export const asUser = (name: 'alice' | 'bob') => ({ authorization: `Bearer token-${name}` });

/** A client of the native routes of one app, keeping what a browser would keep. */
export function nativeClient(baseUrl: string, prefix = 'qr-login') {
  const root = `${baseUrl}/${prefix}`;
  return {
    root,
    create: (json: unknown = {}, headers: Record<string, string> = {}) =>
      request(`${root}/qrcodes`, { method: 'POST', json, headers }),
    status: (id: string, headers: Record<string, string> = {}) => request(`${root}/qrcodes/${id}`, { headers }),
    act: (id: string, action: 'scan' | 'confirm' | 'cancel', headers: Record<string, string> = {}) =>
      request(`${root}/qrcodes/${id}/${action}`, { method: 'POST', headers }),
    login: (ticket: unknown, headers: Record<string, string> = {}) =>
      request(`${root}/login`, { method: 'POST', json: { ticket }, headers }),
    eventsUrl: (id: string) => `${root}/qrcodes/${id}/events`,
  };
}

/** The header that proves being the creator, from a create response. */
export const creatorHeader = (created: { body: { creatorSecret: string } }) => ({
  'x-qr-login-secret': created.body.creatorSecret,
});
