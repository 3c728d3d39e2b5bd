// Types of connect-fetch.js for the specs that drive it from TypeScript.
export declare class RpcError extends Error {
  constructor(code: string, message: string);
  readonly code: string;
}

export interface ConnectClient {
  unary(method: string, request: unknown, token?: string): Promise<Record<string, unknown>>;
  stream(
    method: string,
    request: unknown,
    token?: string,
    signal?: AbortSignal,
  ): AsyncGenerator<Record<string, unknown>, void, undefined>;
}

export declare function createConnectClient(options: {
  baseUrl: string;
  fetch?: typeof globalThis.fetch;
}): ConnectClient;
