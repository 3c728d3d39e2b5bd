import { inspect } from "node:util";

const MASK = "[secret]";

/**
 * A configuration value that must never be printed: logging, JSON.stringify, template strings and
 * util.inspect all show a mask; only `reveal()` gives the value.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return MASK;
  }

  toJSON(): string {
    return MASK;
  }

  [inspect.custom](): string {
    return MASK;
  }
}
