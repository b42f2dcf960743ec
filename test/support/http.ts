import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

export interface JsonResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** fetch with a JSON body and a JSON (or empty) answer; never throws on a status. */
export async function call<T = any>(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<JsonResponse<T>> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
  }
  const response = await fetch(new URL(path, base), init);
  return { status: response.status, headers: response.headers, body: jsonOrText(await response.text()) as T };
}

/**
 * A request that only declares a body of `bytes` and sends none of it: the way to see a body-limit
 * answer without racing the server. Sending a real oversized body over TCP can end in EPIPE when the
 * server answers 413 and closes while the client is still writing.
 */
export function callDeclaringBody(base: string, method: string, path: string, bytes: number, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, base), { method, headers: { 'content-type': 'application/json', ...headers, 'content-length': String(bytes) } }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => {
        req.destroy();
        resolve({ status: response.statusCode ?? 0, body: jsonOrText(text) });
      });
    });
    req.on('error', reject);
    req.flushHeaders();
  });
}

/** A body as JSON when it is JSON, null when empty, else its text. */
function jsonOrText(text: string): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs = 60_000, everyMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}
