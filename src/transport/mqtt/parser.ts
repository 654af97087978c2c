// Incremental MQTT packet parser for a byte stream: chunks may split or coalesce packets.
// The fixed header is gathered first, then the body is copied into one buffer of its exact size,
// so a large packet arriving in many chunks costs linear time. A packet over `maxPacket` is
// refused as soon as its length is known, before its body is buffered. After an error the
// framing is lost: the parser stays failed and the connection must be dropped.
import { MqttPacketError, malformed, readFixedHeader, type Packet } from './packet';
import { minOf } from '../../compat/lang';

/** Decodes one packet body: packet.ts's decodeBody, or decodeBrokerBody in a client. */
export type BodyDecoder<P> = (byte0: number, body: Uint8Array, start: number, end: number) => P;

export interface PacketParser<P = Packet> {
  /** Parses what `chunk` completes; calls onPacket per packet. Throws MqttPacketError. */
  push_(chunk: Uint8Array, onPacket: (p: P) => void): void;
}

/**
 * `new PacketParser(maxPacket, decodeBody)`: a plain function whose closure holds the state
 * (shorter in the bundle than fields); called with `new`, it returns its object. `maxPacket`:
 * the largest whole packet (header included) accepted, in bytes.
 */
export const PacketParser = function <P>(maxPacket: number, decodeBody: BodyDecoder<P>): PacketParser<P> {
  const head = new Uint8Array(5);
  let headLen = 0;
  let byte0 = 0;
  let body: Uint8Array | null = null;
  let bodyLen = 0;
  let failed: MqttPacketError | undefined;

  function check(h: { byte0: number; length: number; size: number }): void {
    const type = h.byte0 >> 4;
    const n = h.size + h.length;
    if (type === 0 || type === 15) malformed(`unknown packet type ${type}`);
    if (n > maxPacket) malformed(`packet of ${n} bytes exceeds the maximum of ${maxPacket}`);
  }

  function consume(chunk: Uint8Array, onPacket: (p: P) => void): void {
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      if (!body) {
        // Fast path: a whole packet inside the chunk, nothing pending.
        if (!headLen) {
          const h = readFixedHeader(chunk, i, n);
          if (h) {
            check(h);
            if (i + h.size + h.length <= n) {
              const start = i + h.size;
              i = start + h.length;
              onPacket(decodeBody(h.byte0, chunk, start, i));
              continue;
            }
          }
        }
        head[headLen++] = chunk[i++];
        const h = readFixedHeader(head, 0, headLen);
        if (!h) continue;
        check(h);
        headLen = 0;
        byte0 = h.byte0;
        if (h.length) {
          body = new Uint8Array(h.length);
          bodyLen = 0;
        } else onPacket(decodeBody(byte0, head, 0, 0));
        continue;
      }
      const take = minOf(n - i, body.length - bodyLen);
      body.set(chunk.subarray(i, i + take), bodyLen);
      bodyLen += take;
      i += take;
      if (bodyLen === body.length) {
        const b = body;
        body = null;
        onPacket(decodeBody(byte0, b, 0, b.length));
      }
    }
  }

  return {
    push_(chunk, onPacket) {
      if (failed) throw failed;
      try {
        consume(chunk, onPacket);
      } catch (e) {
        if (e instanceof MqttPacketError) failed = e;
        throw e;
      }
    },
  };
} as unknown as new <P = Packet>(maxPacket: number, decodeBody: BodyDecoder<P>) => PacketParser<P>;
