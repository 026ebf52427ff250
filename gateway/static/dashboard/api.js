// The page's only way to the gateway: GraphQL over HTTP for queries and sign-in, and
// graphql-transport-ws (the vendored graphql-ws client) for live updates.
import { createClient } from "/static/vendor/graphql-ws/client.js";

const STORE = window.sessionStorage;

export const credentials = {
  get token() { return STORE.getItem("dashboard.token"); },
  get refresh() { return STORE.getItem("dashboard.refresh"); },
  save(token, refresh = null) {
    STORE.setItem("dashboard.token", token);
    if (refresh) STORE.setItem("dashboard.refresh", refresh);
    else STORE.removeItem("dashboard.refresh");
  },
  clear() { STORE.removeItem("dashboard.token"); STORE.removeItem("dashboard.refresh"); },
};

export class AuthError extends Error {}

async function post(query, variables, token) {
  const headers = { "content-type": "application/json", accept: "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch("/graphql", {
    method: "POST", headers, body: JSON.stringify({ query, variables }),
  });
  const body = await response.json().catch(() => ({}));
  return { status: response.status, body };
}

const SIGN_IN = `mutation SignIn($email: String!, $password: String!) {
  signIn(email: $email, password: $password) { accessToken refreshToken } }`;
const REFRESH = `mutation Refresh($refreshToken: String!) {
  refreshToken(refreshToken: $refreshToken) { accessToken refreshToken } }`;

export async function signIn(email, password) {
  const { body } = await post(SIGN_IN, { email, password });
  if (body.errors) throw new AuthError(body.errors[0].message);
  credentials.save(body.data.signIn.accessToken, body.data.signIn.refreshToken);
}

async function refreshed() {
  if (!credentials.refresh) return false;
  const { body } = await post(REFRESH, { refreshToken: credentials.refresh });
  if (body.errors || !body.data) return false;
  credentials.save(body.data.refreshToken.accessToken, body.data.refreshToken.refreshToken);
  return true;
}

// A query's data; a 401 refreshes a signed-in session once, else raises AuthError.
export async function query(document, variables = {}) {
  let { status, body } = await post(document, variables, credentials.token);
  if (status === 401 && (await refreshed())) {
    ({ status, body } = await post(document, variables, credentials.token));
  }
  if (status === 401) throw new AuthError(body.errors?.[0]?.message ?? "Sign in again");
  if (body.errors) throw new Error(body.errors.map((e) => e.message).join("; "));
  return body.data;
}

// One live connection. `start(client)` subscribes everything the page watches; when the
// connection drops, a new one is opened after a growing pause and `start` runs again (the
// caller resumes its events from the last id it saw).
export function connectLive({ start, onState, retryMs = 1000 }) {
  let attempt = 0;
  let stopped = false;
  let current = null;
  const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/graphql`;

  function open() {
    const client = (current = createClient({
      url,
      lazy: false,
      retryAttempts: 0, // reconnection is ours: it must resubscribe with a new `after`
      keepAlive: 10_000,
      connectionParams: () => ({ Authorization: `Bearer ${credentials.token}` }),
      on: {
        connected: () => { attempt = 0; onState("live"); },
        closed: (event) => {
          if (stopped) return;
          onState("reconnecting");
          client.dispose();
          const pause = Math.min(retryMs * 2 ** attempt++, 15_000);
          setTimeout(async () => {
            if (event?.code === 4403 || event?.code === 4401) await refreshed();
            if (!stopped) open();
          }, pause);
        },
      },
      onNonLazyError: () => {},
    }));
    start(client);
  }

  open();
  return { stop() { stopped = true; current?.dispose(); } };
}

// Subscribe to one operation; `next` gets each result's data.
export function watch(client, document, variables, { next, error }) {
  return client.subscribe(
    { query: document, variables },
    { next: (result) => (result.errors ? error?.(result.errors) : next(result.data)),
      error: (e) => error?.(Array.isArray(e) ? e : [e]), complete: () => {} },
  );
}
