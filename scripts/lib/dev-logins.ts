// The demo logins `npm run dev` prints, and the two requests behind its curls: a Connect JSON login
// through the edge, and an authenticated RPC with the access token it returns. The dev-stack test
// sends these same requests, so the printed commands are the tested ones.
import type { DemoSeed } from "./seed.js";

export interface EdgeRequest {
  method: "POST";
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** Where the access token is in Login's JSON answer, for `sed -E` (and JavaScript's RegExp). */
export const ACCESS_TOKEN_ERE = '.*"accessToken":"([^"]+)".*';

/** The shell variable the printed commands keep the token in. */
const TOKEN_VAR = "$TOKEN";

export function loginRequest(edgeUrl: string, email: string, password: string): EdgeRequest {
  return {
    method: "POST",
    url: `${edgeUrl}/atendo.tenant.v1.AuthService/Login`,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password }),
  };
}

/** ChannelService.ListChannels of the demo workspace: a member's RPC (its token in `token`). */
export function listChannelsRequest(edgeUrl: string, workspaceId: string, token: string): EdgeRequest {
  return {
    method: "POST",
    url: `${edgeUrl}/atendo.tenant.v1.ChannelService/ListChannels`,
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ workspaceId }),
  };
}

/** Quotes for a POSIX shell. */
export function sh(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/** A curl for the request; a header holding $TOKEN is double-quoted so the shell expands it. */
export function curlOf(req: EdgeRequest): string {
  return [
    `curl -s -X ${req.method} ${sh(req.url)}`,
    ...Object.entries(req.headers).map(([k, v]) =>
      v.includes(TOKEN_VAR) ? `  -H "${k}: ${v}"` : `  -H ${sh(`${k}: ${v}`)}`,
    ),
    `  --data ${sh(req.body)}`,
  ].join(" \\\n");
}

/** The lines of the summary about logging in. */
export function loginLines(edgeUrl: string, seed: DemoSeed): string[] {
  const { spec } = seed;
  const login = loginRequest(edgeUrl, spec.ownerEmail, spec.ownerPassword);
  const oneLine = curlOf(login).replaceAll(" \\\n  ", " ");
  return [
    "Log in through the edge (Connect JSON; the answer's tokens.accessToken lasts 15 minutes):",
    "",
    curlOf(login),
    "",
    "Keep the token and call an authenticated RPC with it (the demo workspace's channels):",
    "",
    `TOKEN=$(${oneLine} | sed -E ${sh(`s/${ACCESS_TOKEN_ERE}/\\1/`)})`,
    curlOf(listChannelsRequest(edgeUrl, seed.workspaceId, TOKEN_VAR)),
    "",
  ];
}
