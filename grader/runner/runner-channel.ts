/**
 * The runner's end of the runner channel (channel.ts). It reads the key (the first
 * KEY_BYTES on TO_RUNNER_FD), then authenticated frames from the grader; it seals the
 * runner's replies and writes each whole, with one blocking fs.writeSync on TO_GRADER_FD
 * (captured when this module loads, before any submission), so no stream or event emitter
 * a submission could reach through patched prototypes carries a reply.
 *
 * The incoming socket's push/read/emit are pinned to the originals as own properties:
 * patching stream or EventEmitter prototypes later does not show a submission the frames.
 * (It could learn nothing secret from them anyway: calls carry no key, and a frame it
 * altered would fail authentication.) The key lives only in the sealer's and the reader's
 * private fields.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import { FRAME_HEADER_BYTES, FrameReader, FrameSealer, KEY_BYTES, TO_GRADER_FD, TO_RUNNER_FD } from './channel';
import { decodeFrameValue, encodeFrameValue, type CodecLimits } from './frame-codec';

const writeSync = fs.writeSync;

/** What the grader sends is trusted; these only keep a broken grader from exhausting memory. */
const INCOMING_FRAME_CAP = 2 ** 31;
const INCOMING_LIMITS: CodecLimits = { maxDepth: 64, maxValues: 50_000_000 };

export interface RunnerEnd {
  /**
   * Seals and writes one message; throws (CodecError) when it is not plain data within the
   * limits or over `maxBytes`, having written nothing.
   */
  send(message: unknown, maxBytes: number): void;
}

function pin(target: object, name: string): void {
  const value = (target as Record<string, unknown>)[name];
  Object.defineProperty(target, name, { value, writable: false, configurable: false, enumerable: false });
}

/**
 * Starts reading the channel. `onMessage` gets each decoded message from the grader;
 * `onEnd` is called once when the channel closes or breaks (the grader is gone, or sent
 * what it must not), with the reason; `closed` tells the two apart.
 */
export function openRunnerEnd(onMessage: (message: unknown) => void, onEnd: (reason: string, closed: boolean) => void): RunnerEnd {
  let sealer: FrameSealer | undefined;
  let reader: FrameReader | undefined;
  const key = new Uint8Array(KEY_BYTES);
  let keyBytes = 0;
  let ended = false;

  const end = (reason: string, closed: boolean): void => {
    if (ended) return;
    ended = true;
    onEnd(reason, closed);
  };

  const incoming = new net.Socket({ fd: TO_RUNNER_FD, readable: true, writable: false });
  for (const name of ['push', 'read', 'emit']) pin(incoming, name);
  incoming.on('error', (err) => end(`cannot read the channel: ${err.message}`, false));
  incoming.on('end', () => end('the grader closed the channel', true));
  incoming.on('data', (data: Buffer) => {
    let chunk: Uint8Array = data;
    if (reader === undefined) {
      const take = Math.min(KEY_BYTES - keyBytes, chunk.length);
      key.set(chunk.subarray(0, take), keyBytes);
      chunk.fill(0, 0, take);
      keyBytes += take;
      chunk = chunk.subarray(take);
      if (keyBytes < KEY_BYTES) return;
      sealer = new FrameSealer(key, 'to-grader');
      reader = new FrameReader(key, 'to-runner', INCOMING_FRAME_CAP);
      key.fill(0);
    }
    let bodies: Uint8Array[];
    try {
      bodies = reader.push(chunk);
    } catch (e) {
      return end(`the grader's channel broke: ${(e as Error).message}`, false);
    }
    for (const body of bodies) {
      let message: unknown;
      try {
        message = decodeFrameValue(body, INCOMING_LIMITS);
      } catch (e) {
        return end(`cannot decode a frame from the grader: ${(e as Error).message}`, false);
      }
      onMessage(message);
    }
  });

  return {
    send(message, maxBytes) {
      if (sealer === undefined) throw new Error('the channel has no key yet');
      const sealed = sealer.seal(encodeFrameValue(message, { reserve: FRAME_HEADER_BYTES, maxBytes }));
      let written = 0;
      while (written < sealed.length) {
        written += writeSync(TO_GRADER_FD, sealed, written, sealed.length - written);
      }
    },
  };
}
