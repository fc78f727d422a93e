/**
 * Framing and authentication of the runner channel: a frame is accepted only with the key,
 * in its direction, in its order; an oversized one is refused on its length prefix.
 */
import { ChannelViolation, FRAME_HEADER_BYTES, FrameReader, FrameSealer, newChannelKey } from '../../grader/runner/channel';
import { decodeFrameValue, encodeFrameValue } from '../../grader/runner/frame-codec';

const frame = (sealer: FrameSealer, value: unknown) => sealer.seal(encodeFrameValue(value, { reserve: FRAME_HEADER_BYTES, maxBytes: 1 << 20 }));

describe('runner channel frames', () => {
  it('accepts sealed frames, however the bytes are split', () => {
    const key = newChannelKey();
    const sealer = new FrameSealer(key, 'to-grader');
    const reader = new FrameReader(key, 'to-grader', 1 << 20);
    const bytes = new Uint8Array([...frame(sealer, { type: 'a' }), ...frame(sealer, { type: 'b', data: new Float32Array([1, 2]) })]);
    const got: unknown[] = [];
    for (let i = 0; i < bytes.length; i += 7) got.push(...reader.push(bytes.subarray(i, i + 7)).map((b) => decodeFrameValue(b)));
    expect(got).toEqual([{ type: 'a' }, { type: 'b', data: new Float32Array([1, 2]) }]);
  });

  it('refuses a frame sealed with another key, a replayed one and a reflected one', () => {
    const key = newChannelKey();
    const forged = frame(new FrameSealer(newChannelKey(), 'to-grader'), { type: 'result', id: 1, ok: true, value: true });
    expect(() => new FrameReader(key, 'to-grader', 1 << 20).push(forged)).toThrow(/failed authentication/);

    const sealer = new FrameSealer(key, 'to-grader');
    const first = frame(sealer, { n: 1 });
    const replaying = new FrameReader(key, 'to-grader', 1 << 20);
    expect(replaying.push(first)).toHaveLength(1);
    expect(() => replaying.push(first)).toThrow(ChannelViolation);

    const toRunner = frame(new FrameSealer(key, 'to-runner'), { n: 1 });
    expect(() => new FrameReader(key, 'to-grader', 1 << 20).push(toRunner)).toThrow(/failed authentication/);
  });

  it('refuses an oversized frame on its length prefix alone', () => {
    const reader = new FrameReader(newChannelKey(), 'to-grader', 1024);
    expect(() => reader.push(new Uint8Array([0xff, 0xff, 0xff, 0x7f]))).toThrow(/over the limit of 1024/);
  });
});
