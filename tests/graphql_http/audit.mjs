// graphql-http's server audit against a running gateway: node audit.mjs <url>
// Every request bears GATEWAY_TOKEN (the gateway answers nothing but sign-in anonymously).
// Prints one JSON line per audit: {"id", "name", "status": "ok"|"warn"|"error", "reason"}.
import { auditServer } from "graphql-http";

const [url] = process.argv.slice(2);
const token = process.env.GATEWAY_TOKEN;

function authorizedFetch(input, init = {}) {
  const headers = new Headers(init.headers ?? {});
  headers.set("authorization", `Bearer ${token}`);
  return fetch(input, { ...init, headers });
}

const results = await auditServer({ url, fetchFn: authorizedFetch });
for (const result of results) {
  console.log(JSON.stringify({
    id: result.id, name: result.name, status: result.status, reason: result.reason ?? null,
  }));
}
