/**
 * A secret read from the environment (webhook secret, instructor token). It never shows up
 * in logs, JSON or error messages by accident: printing it gives '[secret]'; only `reveal()`
 * hands out the value, at the one place that needs it.
 */
import { inspect } from 'node:util';

export class Secret {
  readonly #value: string;

  constructor(
    value: string,
    /** The environment variable it came from, for messages. */
    readonly source: string,
  ) {
    this.#value = value;
    Object.freeze(this);
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return '[secret]';
  }

  toJSON(): string {
    return '[secret]';
  }

  [inspect.custom](): string {
    return `[secret from ${this.source}]`;
  }
}
