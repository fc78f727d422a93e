/**
 * The runner channel: two socket pairs of the grader's own, not Node's IPC — calls go to
 * the runner on TO_RUNNER_FD, replies come back on TO_GRADER_FD.
 *
 * Node's IPC deserialises whatever arrives inside its own read callback, before the grader
 * sees a byte: a frame nested thousands deep there is an uncaught RangeError that kills the
 * grader, and anything student code sends (process.send, raw writes) arrives looking like
 * the runner's replies. Here every frame is
 *
 *   u32 body length (little-endian) | 32-byte HMAC-SHA256 | body (frame-codec.ts)
 *
 * and the reader checks the length against its cap before it keeps a byte, the MAC before
 * it decodes one, and decodes without recursion under depth and size limits.
 *
 * The MAC's key is made by the grader for one runner and is the first thing written on the
 * channel (32 raw bytes), read by the runner before the submission loads and kept only in
 * a private field; it covers the direction, the frame's sequence number and the body. A
 * submission does not know the key, so it cannot make a frame either end accepts, nor
 * replay or reflect one; the runner computes MACs with functions captured when this module
 * loads, so patching Node's crypto or Buffer prototypes later intercepts nothing.
 */
import * as crypto from 'node:crypto';

/**
 * The channel's descriptors in the runner (spawn's stdio indexes). Two pairs, so that the
 * runner can read one without blocking (an event-loop socket) and write the other with
 * blocking synchronous writes (a whole frame per call, no stream a submission could reach);
 * a read pending in libuv's thread pool would instead keep the runner from ever exiting.
 */
export const TO_RUNNER_FD = 7;
export const TO_GRADER_FD = 8;
export const KEY_BYTES = 32;
export const MAC_BYTES = 32;
/** Length prefix and MAC: room encodeFrameValue leaves at the start of a frame. */
export const FRAME_HEADER_BYTES = 4 + MAC_BYTES;

export type ChannelDirection = 'to-runner' | 'to-grader';
const DIRECTION_CODES: Record<ChannelDirection, number> = { 'to-runner': 1, 'to-grader': 2 };

/** A frame one end must not accept; the runner that sent it is killed. */
export class ChannelViolation extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChannelViolation';
  }
}

// Captured at load: in the runner, before the submission exists.
const createHmac = crypto.createHmac;
const hmacPrototype = Object.getPrototypeOf(createHmac('sha256', new Uint8Array(KEY_BYTES))) as { update: unknown; digest: unknown };
const hmacUpdate = hmacPrototype.update as (this: crypto.Hmac, data: Uint8Array) => crypto.Hmac;
const hmacDigest = hmacPrototype.digest as (this: crypto.Hmac) => Uint8Array;
const { apply } = Reflect;
const timingSafeEqual = crypto.timingSafeEqual;
const typedArrayProto = Object.getPrototypeOf(Uint8Array.prototype) as object;
const viewBuffer = Object.getOwnPropertyDescriptor(typedArrayProto, 'buffer')?.get as (this: unknown) => ArrayBuffer;
const viewOffset = Object.getOwnPropertyDescriptor(typedArrayProto, 'byteOffset')?.get as (this: unknown) => number;
const viewLength = Object.getOwnPropertyDescriptor(typedArrayProto, 'byteLength')?.get as (this: unknown) => number;

/**
 * The same bytes as a plain Uint8Array: what arrives is a Node Buffer, whose prototype a
 * submission can patch (subarray, slice…); the intrinsic getters cannot be.
 */
function plainBytes(chunk: Uint8Array): Uint8Array {
  return new Uint8Array(apply(viewBuffer, chunk, []), apply(viewOffset, chunk, []), apply(viewLength, chunk, []));
}

export function newChannelKey(): Uint8Array {
  return new Uint8Array(crypto.randomBytes(KEY_BYTES));
}

/** HMAC-SHA256 over direction, sequence number and body. */
function mac(key: Uint8Array, direction: number, seq: number, body: Uint8Array): Uint8Array {
  const prefix = new Uint8Array(9);
  const view = new DataView(prefix.buffer);
  view.setUint8(0, direction);
  view.setFloat64(1, seq, true);
  const hmac = createHmac('sha256', key);
  apply(hmacUpdate, hmac, [prefix]);
  apply(hmacUpdate, hmac, [body]);
  return new Uint8Array(apply(hmacDigest, hmac, []) as Uint8Array);
}

/** Seals frames sent in one direction: fills in the header encodeFrameValue left room for. */
export class FrameSealer {
  readonly #key: Uint8Array;
  readonly #direction: number;
  #seq = 0;

  constructor(key: Uint8Array, direction: ChannelDirection) {
    this.#key = new Uint8Array(key);
    this.#direction = DIRECTION_CODES[direction];
  }

  /** `frame`: FRAME_HEADER_BYTES of room, then the body. Returns it, sealed. */
  seal(frame: Uint8Array): Uint8Array {
    const body = frame.subarray(FRAME_HEADER_BYTES);
    new DataView(frame.buffer, frame.byteOffset, FRAME_HEADER_BYTES).setUint32(0, body.length, true);
    frame.set(mac(this.#key, this.#direction, this.#seq++, body), 4);
    return frame;
  }
}

/**
 * Reads frames of one direction from a byte stream: `push` each chunk, get the bodies of
 * the frames it completed. Throws ChannelViolation on a frame over `maxFrameBytes` (seen on
 * its length prefix, before its bytes are kept) or one that fails authentication.
 */
export class FrameReader {
  readonly #key: Uint8Array;
  readonly #direction: number;
  readonly #maxFrameBytes: number;
  #seq = 0;
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  /** Body length of the frame being read, once its prefix arrived. */
  #bodyLength: number | undefined;

  constructor(key: Uint8Array, direction: ChannelDirection, maxFrameBytes: number) {
    this.#key = new Uint8Array(key);
    this.#direction = DIRECTION_CODES[direction];
    this.#maxFrameBytes = maxFrameBytes;
  }

  /** How much of the frame being read is still missing (at least 1): what to read next. */
  get missing(): number {
    const want = this.#bodyLength === undefined ? FRAME_HEADER_BYTES : FRAME_HEADER_BYTES + this.#bodyLength;
    return Math.max(1, want - this.#pendingBytes);
  }

  push(chunk: Uint8Array): Uint8Array[] {
    const bodies: Uint8Array[] = [];
    const bytes = plainBytes(chunk);
    if (bytes.length > 0) {
      this.#pending.push(bytes);
      this.#pendingBytes += bytes.length;
    }
    for (;;) {
      if (this.#bodyLength === undefined) {
        if (this.#pendingBytes < 4) return bodies;
        const head = this.#peek(4);
        const length = new DataView(head.buffer, head.byteOffset, 4).getUint32(0, true);
        if (length + FRAME_HEADER_BYTES > this.#maxFrameBytes) {
          throw new ChannelViolation(`a frame of ${length} bytes, over the limit of ${this.#maxFrameBytes}`);
        }
        this.#bodyLength = length;
      }
      const frameBytes = FRAME_HEADER_BYTES + this.#bodyLength;
      if (this.#pendingBytes < frameBytes) return bodies;
      const all = this.#take(this.#pendingBytes);
      const frame = all.subarray(0, frameBytes);
      this.#keep(all.subarray(frameBytes));
      this.#bodyLength = undefined;
      const body = frame.subarray(FRAME_HEADER_BYTES);
      const expected = mac(this.#key, this.#direction, this.#seq++, body);
      const given = frame.subarray(4, FRAME_HEADER_BYTES);
      if (!timingSafeEqual(expected, given)) throw new ChannelViolation('a frame that failed authentication');
      bodies.push(body);
    }
  }

  /** All pending bytes as one array (copied only when they came in several chunks). */
  #take(n: number): Uint8Array {
    const chunks = this.#pending;
    this.#pending = [];
    this.#pendingBytes = 0;
    if (chunks.length === 1) return chunks[0];
    const all = new Uint8Array(n);
    let at = 0;
    for (const c of chunks) {
      all.set(c, at);
      at += c.length;
    }
    return all;
  }

  #keep(rest: Uint8Array): void {
    if (rest.length === 0) return;
    this.#pending = [rest];
    this.#pendingBytes = rest.length;
  }

  #peek(n: number): Uint8Array {
    const first = this.#pending[0];
    if (first.length >= n) return first.subarray(0, n);
    const all = this.#take(this.#pendingBytes);
    this.#keep(all);
    return all.subarray(0, n);
  }
}
