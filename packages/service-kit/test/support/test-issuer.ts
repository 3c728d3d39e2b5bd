import { randomUUID } from "node:crypto";
import type { Server } from "node:http";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { CryptoKey, JSONWebKeySet, JWK, JWTPayload } from "jose";
import { exportJWK, generateKeyPair, SignJWT } from "jose";

/**
 * Stands in for the signing side of the tenant service: Ed25519 keys, tokens shaped as in
 * docs/auth.md, and `GET /.well-known/jwks.json` on a real local HTTP server (the wire format
 * verifiers fetch).
 */
export interface TestIssuer {
  jwksUrl: string;
  /** How many times the JWKS was fetched. */
  readonly fetches: number;
  /** Answer 503 to JWKS requests while true. */
  down: boolean;
  /** The published key set, as served. */
  jwks(): JSONWebKeySet;
  /** The public JWK of the current signing key. */
  currentPublicJwk(): JWK;
  /** Adds a key that signs from now on; `publish: false` keeps it out of the JWKS (an unknown kid). */
  rotate(options?: { publish?: boolean }): Promise<void>;
  /** Publishes every key, including unpublished ones. */
  publishAll(): void;
  /** Takes a key out of the JWKS (a retired or compromised key). */
  retire(kid: string): void;
  sign(spec: TokenSpec): Promise<string>;
  user(p: UserClaims, options?: SignOptions): Promise<string>;
  visitor(p: VisitorClaims, options?: SignOptions): Promise<string>;
  service(name: string, options?: SignOptions): Promise<string>;
  close(): Promise<void>;
}

export interface SignOptions {
  typ?: string;
  issuer?: string;
  audience?: string;
  /** Seconds from now (negative: already expired). Default 900. */
  expiresInS?: number;
  /** Signing key id; default the current one. */
  kid?: string;
}

export interface TokenSpec extends SignOptions {
  typ: string;
  sub: string;
  claims: JWTPayload;
}

export interface UserClaims {
  userId?: string;
  tenantId: string;
  role: string;
  ws?: string[];
  padm?: boolean;
}

export interface VisitorClaims {
  tenantId: string;
  workspaceId: string;
  channelId?: string;
  visitorId?: string;
  sessionId?: string;
  verified?: boolean;
}

interface Key {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
  published: boolean;
}

async function newKey(published: boolean): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair("EdDSA", { crv: "Ed25519" });
  const kid = randomUUID();
  return {
    kid,
    privateKey,
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg: "EdDSA", use: "sig" },
    published,
  };
}

export async function startTestIssuer(): Promise<TestIssuer> {
  const keys: Key[] = [await newKey(true)];
  const current = (): Key => {
    const key = keys.at(-1);
    if (key === undefined) throw new Error("no key");
    return key;
  };
  const jwks = (): JSONWebKeySet => ({ keys: keys.filter((k) => k.published).map((k) => k.publicJwk) });
  let fetches = 0;
  const state = { down: false };

  const server: Server = createServer((req, res) => {
    if (req.url !== "/.well-known/jwks.json") {
      res.writeHead(404).end();
      return;
    }
    fetches++;
    if (state.down) {
      res.writeHead(503).end();
      return;
    }
    res.writeHead(200, { "content-type": "application/jwk-set+json" }).end(JSON.stringify(jwks()));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  const sign = async (spec: TokenSpec): Promise<string> => {
    const key = spec.kid === undefined ? current() : keys.find((k) => k.kid === spec.kid);
    if (key === undefined) throw new Error(`no key ${spec.kid}`);
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT(spec.claims)
      .setProtectedHeader({ alg: "EdDSA", typ: spec.typ, kid: key.kid })
      .setSubject(spec.sub)
      .setIssuer(spec.issuer ?? "atendo")
      .setAudience(spec.audience ?? "atendo")
      .setIssuedAt(now - 60)
      .setExpirationTime(now + (spec.expiresInS ?? 900))
      .setJti(randomUUID())
      .sign(key.privateKey);
  };

  return {
    jwksUrl: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    get fetches() {
      return fetches;
    },
    get down() {
      return state.down;
    },
    set down(value: boolean) {
      state.down = value;
    },
    jwks,
    currentPublicJwk: () => current().publicJwk,
    async rotate(options = {}) {
      keys.push(await newKey(options.publish ?? true));
    },
    publishAll() {
      for (const k of keys) k.published = true;
    },
    retire(kid) {
      for (const k of keys) if (k.kid === kid) k.published = false;
    },
    sign,
    user: (p, options = {}) =>
      sign({
        typ: "at+jwt",
        sub: p.userId ?? randomUUID(),
        claims: {
          tid: p.tenantId,
          role: p.role,
          ...(p.ws === undefined ? {} : { ws: p.ws }),
          ...(p.padm === undefined ? {} : { padm: p.padm }),
        },
        ...options,
      }),
    visitor: (p, options = {}) =>
      sign({
        typ: "visitor+jwt",
        sub: p.visitorId ?? randomUUID(),
        claims: {
          tid: p.tenantId,
          wsid: p.workspaceId,
          chid: p.channelId ?? randomUUID(),
          sid: p.sessionId ?? randomUUID(),
          ver: p.verified ?? false,
        },
        ...options,
      }),
    service: (name, options = {}) => sign({ typ: "svc+jwt", sub: `service:${name}`, claims: {}, ...options }),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
